package signature

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	sig := []byte("not really a signature, but bytes")
	b64 := base64.StdEncoding.EncodeToString(sig)
	raw := base64.RawStdEncoding.EncodeToString(sig)
	std := []string{RequestTarget, "host", "date", "digest"}

	tests := []struct {
		name string
		in   string
		want Params // zero means an error is expected
	}{
		{
			name: "Mastodon",
			in:   `keyId="https://a.example/users/alice#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="` + b64 + `"`,
			want: Params{KeyID: "https://a.example/users/alice#main-key", Algorithm: "rsa-sha256",
				Headers: []string{RequestTarget, "host", "date", "digest", "content-type"}, Signature: sig},
		},
		{
			name: "GoToSocial",
			in:   `keyId="https://g.example/users/bob/main-key",algorithm="hs2019",headers="(request-target) host date",signature="` + b64 + `"`,
			want: Params{KeyID: "https://g.example/users/bob/main-key", Algorithm: "hs2019",
				Headers: []string{RequestTarget, "host", "date"}, Signature: sig},
		},
		{
			name: "parameters in another order, no algorithm",
			in:   `signature="` + b64 + `",headers="(request-target) host date digest",keyId="k"`,
			want: Params{KeyID: "k", Headers: std, Signature: sig},
		},
		{
			name: "commas, equals signs and escapes inside quotes",
			in:   `keyId="https://a.example/k?a=1,b=\"2\"\\",signature="` + b64 + `"`,
			want: Params{KeyID: `https://a.example/k?a=1,b="2"\`, Signature: sig},
		},
		{
			name: "whitespace around everything, empty list elements",
			in:   " \t, keyId = \"k\" ,\t,algorithm\t=\t\"rsa-sha256\"  ,headers=\" (request-target)\thost  date digest \", signature=\"" + b64 + "\" , ",
			want: Params{KeyID: "k", Algorithm: "rsa-sha256", Headers: std, Signature: sig},
		},
		{
			name: "token values and unpadded signature",
			in:   `keyId=k,algorithm=rsa-sha256,headers=date,signature=` + raw,
			want: Params{KeyID: "k", Algorithm: "rsa-sha256", Headers: []string{"date"}, Signature: sig},
		},
		{
			name: "names are case-insensitive, header names lowercased",
			in:   `KEYID="k",Algorithm="HS2019",HEADERS="(Request-Target) Host DATE",Signature="` + b64 + `"`,
			want: Params{KeyID: "k", Algorithm: "HS2019", Headers: []string{RequestTarget, "host", "date"}, Signature: sig},
		},
		{
			name: "created and expires, quoted or not",
			in:   `keyId="k",created=1402170695,expires="01402170995",headers="(request-target) (created) (expires) host",signature="` + b64 + `"`,
			want: Params{KeyID: "k", Created: 1402170695, Expires: 1402170995,
				Headers: []string{RequestTarget, Created, Expires, "host"}, Signature: sig},
		},
		{
			name: "unknown parameters ignored",
			in:   `keyId="k",nonce="",x-extra=tok,signature="` + b64 + `"`,
			want: Params{KeyID: "k", Signature: sig},
		},
		{
			name: "non-ASCII inside quotes",
			in:   "keyId=\"https://ä.example/\xff\",signature=\"" + b64 + "\"",
			want: Params{KeyID: "https://ä.example/\xff", Signature: sig},
		},

		{name: "empty", in: ""},
		{name: "blank", in: " \t "},
		{name: "only commas", in: ",,,"},
		{name: "missing keyId", in: `algorithm="rsa-sha256",signature="` + b64 + `"`},
		{name: "missing signature", in: `keyId="k",headers="date"`},
		{name: "empty keyId", in: `keyId="",signature="` + b64 + `"`},
		{name: "empty signature", in: `keyId="k",signature=""`},
		{name: "empty algorithm", in: `keyId="k",algorithm="",signature="` + b64 + `"`},
		{name: "duplicate keyId", in: `keyId="a",keyId="b",signature="` + b64 + `"`},
		{name: "duplicate keyId, other case", in: `keyId="a",keyid="a",signature="` + b64 + `"`},
		{name: "duplicate signature", in: `keyId="a",signature="` + b64 + `",signature="` + b64 + `"`},
		{name: "duplicate unknown", in: `keyId="a",x=1,x=2,signature="` + b64 + `"`},
		{name: "unterminated quote", in: `keyId="k,signature="` + b64},
		{name: "backslash at the end", in: `keyId="k\`},
		{name: "escaped control character", in: "keyId=\"k\\\n\",signature=\"" + b64 + "\""},
		{name: "newline in quotes", in: "keyId=\"k\n\",signature=\"" + b64 + "\""},
		{name: "NUL in quotes", in: "keyId=\"k\x00\",signature=\"" + b64 + "\""},
		{name: "DEL in quotes", in: "keyId=\"k\x7f\",signature=\"" + b64 + "\""},
		{name: "no value", in: `keyId,signature="` + b64 + `"`},
		{name: "no value at the end", in: `keyId="k",signature=`},
		{name: "missing comma", in: `keyId="k" signature="` + b64 + `"`},
		{name: "text after quoted value", in: `keyId="k"x,signature="` + b64 + `"`},
		{name: "leading equals", in: `=k`},
		{name: "semicolons", in: `keyId="k";signature="` + b64 + `"`},
		{name: "auth scheme prefix", in: `Signature keyId="k",signature="` + b64 + `"`},
		{name: "non-ASCII name", in: "kéyId=\"k\",signature=\"" + b64 + "\""},
		{name: "signature not base64", in: `keyId="k",signature="!!!!"`},
		{name: "signature URL-safe base64", in: `keyId="k",signature="-_-_"`},
		{name: "created negative", in: `keyId="k",created=-1,signature="` + b64 + `"`},
		{name: "created zero", in: `keyId="k",created=0,signature="` + b64 + `"`},
		{name: "created fraction", in: `keyId="k",created=1.5,signature="` + b64 + `"`},
		{name: "created overflow", in: `keyId="k",created=99999999999999999999,signature="` + b64 + `"`},
		{name: "expires empty", in: `keyId="k",expires="",signature="` + b64 + `"`},
		{name: "headers empty", in: `keyId="k",headers="",signature="` + b64 + `"`},
		{name: "headers blank", in: `keyId="k",headers="  ",signature="` + b64 + `"`},
		{name: "headers unknown pseudo-header", in: `keyId="k",headers="(foo) date",signature="` + b64 + `"`},
		{name: "headers with colon", in: `keyId="k",headers="date host:",signature="` + b64 + `"`},
		{name: "too long", in: `keyId="` + strings.Repeat("a", MaxHeaderLen) + `",signature="` + b64 + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeader(tt.in)
			if tt.want.KeyID == "" {
				if err == nil {
					t.Fatalf("ParseHeader(%q) = %+v, want an error", tt.in, got)
				}
				if !errors.Is(err, ErrMalformedSignature) {
					t.Errorf("error %v does not wrap ErrMalformedSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHeader(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseHeader(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
			again, err := ParseHeader(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip through %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseHeaderLengthCap(t *testing.T) {
	head, tail := `keyId="`, `",signature="AA=="`
	exact := head + strings.Repeat("a", MaxHeaderLen-len(head)-len(tail)) + tail
	if _, err := ParseHeader(exact); err != nil {
		t.Errorf("%d-byte header rejected: %v", len(exact), err)
	}
	if _, err := ParseHeader(exact + " "); err == nil {
		t.Errorf("%d-byte header accepted", len(exact)+1)
	}
}

func TestParamsString(t *testing.T) {
	p := Params{
		KeyID:     `https://a.example/k"\`,
		Algorithm: "rsa-sha256",
		Created:   1,
		Expires:   2,
		Headers:   []string{RequestTarget, "host"},
		Signature: []byte{0xfb, 0xff},
	}
	want := `keyId="https://a.example/k\"\\",algorithm="rsa-sha256",created=1,expires=2,headers="(request-target) host",signature="+/8="`
	if got := p.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}

// FuzzParseHeader checks that ParseHeader never panics, that it fails
// only with ErrMalformedSignature, and that whatever it accepts survives
// a round trip through Params.String unchanged. The seed corpus in
// testdata/fuzz/FuzzParseHeader holds headers as Mastodon, GoToSocial,
// Pleroma and Misskey write them.
func FuzzParseHeader(f *testing.F) {
	f.Add(`keyId="k",signature="AA=="`)
	f.Add(`keyId="a\"b,c",headers="(request-target) host date",signature=AA`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseHeader(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedSignature) {
				t.Fatalf("error %v does not wrap ErrMalformedSignature", err)
			}
			return
		}
		out := p.String()
		// Quoting four token values and re-padding the signature may grow
		// the header by up to 10 bytes; nothing else may.
		if len(out) > len(s)+10 {
			t.Fatalf("String() grew from %d to %d bytes: %q", len(s), len(out), out)
		}
		// parseParams: the canonical form may just exceed MaxHeaderLen.
		q, err := parseParams(out)
		if err != nil {
			t.Fatalf("String() = %q does not parse: %v", out, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the parameters:\n%+v\n%+v", p, q)
		}
		if again := q.String(); again != out {
			t.Fatalf("String() is not canonical:\n%s\n%s", out, again)
		}
	})
}

// TestFuzzSeedsParse makes sure the committed seed corpus exercises the
// success path: every seed is a header a real server could send.
func TestFuzzSeedsParse(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzParseHeader/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") {
			t.Fatalf("%s: not a go test fuzz v1 string file", name)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := ParseHeader(s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
