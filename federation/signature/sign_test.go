package signature

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDigestHeader(t *testing.T) {
	// Known answers: SHA-256 of "" and of "hello".
	for body, want := range map[string]string{
		"":      "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
		"hello": "SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
	} {
		if got := DigestHeader([]byte(body)); got != want {
			t.Errorf("DigestHeader(%q) = %s, want %s", body, got, want)
		}
	}
}

// TestSignRequestHeaders checks the exact headers written, since Mastodon
// and GoToSocial are picky about them.
func TestSignRequestHeaders(t *testing.T) {
	keyA, _ := keys(t)
	body := []byte(`{"type":"Follow"}`)
	sigRE := func(headers string) *regexp.Regexp {
		return regexp.MustCompile(`^keyId="` + regexp.QuoteMeta(keyIDA) + `",algorithm="rsa-sha256",headers="` +
			regexp.QuoteMeta(headers) + `",signature="[A-Za-z0-9+/]{342}=="$`)
	}
	tests := []struct {
		name, method, url string
		body              []byte
		headers           string
		digest            bool
	}{
		{"GET", http.MethodGet, "https://b.example/users/bob?page=1", nil, "(request-target) host date", false},
		{"POST", http.MethodPost, "https://b.example/inbox", body, "(request-target) host date digest", true},
		{"empty POST still gets a Digest", http.MethodPost, "https://b.example/inbox", nil, "(request-target) host date digest", true},
		{"body on a GET gets a Digest", http.MethodGet, "https://b.example/x", body, "(request-target) host date digest", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, tt.method, tt.url, tt.body)
			if err := SignRequest(r, keyIDA, keyA, tt.body, testNow); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Values("Signature"); len(got) != 1 || !sigRE(tt.headers).MatchString(got[0]) {
				t.Errorf("Signature = %q", got)
			}
			if got, want := r.Header.Get("Date"), "Sat, 14 Mar 2026 12:00:00 GMT"; got != want {
				t.Errorf("Date = %q, want %q", got, want)
			}
			if got := r.Header.Get("Digest"); tt.digest != (got != "") || (tt.digest && got != DigestHeader(tt.body)) {
				t.Errorf("Digest = %q (want one: %v)", got, tt.digest)
			}
			if _, ok := r.Header["Host"]; ok {
				t.Error("SignRequest left a Host entry in r.Header")
			}
		})
	}
}

// TestSignRequestRetry signs the same request twice, as a delivery retry
// does: the second signature must replace the first, not pile up.
func TestSignRequestRetry(t *testing.T) {
	keyA, _ := keys(t)
	body := []byte(`{"type":"Create"}`)
	r := newRequest(t, http.MethodPost, "https://b.example/inbox", body)
	if err := SignRequest(r, keyIDA, keyA, body, testNow.Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := SignRequest(r, keyIDA, keyA, body, testNow); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Signature", "Digest", "Date"} {
		if n := len(r.Header.Values(h)); n != 1 {
			t.Errorf("%d %s headers after a retry", n, h)
		}
	}
	sr, got := overTheWire(t, r)
	if _, err := Verify(sr, got, testNow, selfOf(sr), (&fakeLookup{keys: []*rsa.PublicKey{&keyA.PublicKey}}).lookup); err != nil {
		t.Fatalf("retried request does not verify: %v", err)
	}
}

// TestSigningStringByHand verifies SignRequest's output with a signing
// string built by hand, independent of go-fed/httpsig: the wire path with
// its escapes and the query, the host actually sent, Date and Digest.
func TestSigningStringByHand(t *testing.T) {
	keyA, _ := keys(t)
	body := []byte(`{"type":"Like"}`)
	tests := []struct {
		name, method, url, hostOverride string
		body                            []byte
		want                            string // signing string; DATE and DIGEST are substituted
	}{
		{
			name: "POST with query", method: "POST", url: "https://b.example/users/bob/inbox?x=1&y=%2F", body: body,
			want: "(request-target): post /users/bob/inbox?x=1&y=%2F\nhost: b.example\ndate: DATE\ndigest: DIGEST",
		},
		{
			name: "GET with port and escaped path", method: "GET", url: "https://b.example:8443/badges/caf%C3%A9?lang=fi",
			want: "(request-target): get /badges/caf%C3%A9?lang=fi\nhost: b.example:8443\ndate: DATE",
		},
		{
			name: "r.Host overrides URL host", method: "GET", url: "https://127.0.0.2:8443/users/bob", hostOverride: "b.example",
			want: "(request-target): get /users/bob\nhost: b.example\ndate: DATE",
		},
		{
			name: "empty path", method: "GET", url: "https://b.example",
			want: "(request-target): get /\nhost: b.example\ndate: DATE",
		},
		{
			name: "empty method means GET", method: "", url: "https://b.example/x",
			want: "(request-target): get /x\nhost: b.example\ndate: DATE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, http.MethodGet, tt.url, tt.body)
			r.Method = tt.method
			r.Host = tt.hostOverride
			if err := SignRequest(r, keyIDA, keyA, tt.body, testNow); err != nil {
				t.Fatal(err)
			}
			p, err := ParseHeader(r.Header.Get("Signature"))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.NewReplacer("DATE", r.Header.Get("Date"), "DIGEST", r.Header.Get("Digest")).Replace(tt.want)
			sum := sha256.Sum256([]byte(want))
			if err := rsa.VerifyPKCS1v15(&keyA.PublicKey, crypto.SHA256, sum[:], p.Signature); err != nil {
				t.Errorf("signature is not over\n%s\n(%v)", want, err)
			}
		})
	}
}

func TestSignRequestErrors(t *testing.T) {
	keyA, _ := keys(t)
	tests := []struct {
		name  string
		keyID string
		key   *rsa.PrivateKey
		url   string
		host  string
	}{
		{"no key", keyIDA, nil, "https://b.example/", ""},
		{"empty keyId", "", keyA, "https://b.example/", ""},
		{"keyId with quote", `https://a.example/"x`, keyA, "https://b.example/", ""},
		{"keyId with comma", "https://a.example/a,b", keyA, "https://b.example/", ""},
		{"keyId with newline", "https://a.example/\nx", keyA, "https://b.example/", ""},
		{"no host", keyIDA, keyA, "/inbox", ""},
		{"unicode host", keyIDA, keyA, "https://b.example/", "bücher.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, http.MethodGet, tt.url, nil)
			r.Host = tt.host
			if err := SignRequest(r, tt.keyID, tt.key, nil, testNow); err == nil {
				t.Errorf("SignRequest succeeded; Signature = %q", r.Header.Get("Signature"))
			}
		})
	}
}

// TestConcurrentSignVerify runs signers and verifiers in parallel on one
// key, for the race detector: nothing may be shared between calls.
func TestConcurrentSignVerify(t *testing.T) {
	keyA, _ := keys(t)
	fl := &fakeLookup{keys: []*rsa.PublicKey{&keyA.PublicKey}}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 4 {
				body := []byte(strings.Repeat("x", g*10+i))
				r := newRequest(t, http.MethodPost, "https://b.example/inbox", body)
				if err := SignRequest(r, keyIDA, keyA, body, testNow); err != nil {
					t.Error(err)
					return
				}
				sr, got := overTheWire(t, r)
				if _, err := Verify(sr, got, testNow, selfOf(sr), fl.lookup); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

func TestSignatureIsStandardBase64(t *testing.T) {
	keyA, _ := keys(t)
	r := newRequest(t, http.MethodGet, "https://b.example/", nil)
	if err := SignRequest(r, keyIDA, keyA, nil, testNow); err != nil {
		t.Fatal(err)
	}
	v := r.Header.Get("Signature")
	i := strings.Index(v, `signature="`)
	raw := strings.TrimSuffix(v[i+len(`signature="`):], `"`)
	if _, err := base64.StdEncoding.Strict().DecodeString(raw); err != nil {
		t.Errorf("signature %q is not strict padded base64: %v", raw, err)
	}
}
