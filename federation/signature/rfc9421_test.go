package signature

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The test request and keys of RFC 9421 Appendix B.1 and B.2, as printed
// in the RFC.
const (
	rfcRequest = "POST /foo?param=Value&Pet=dog HTTP/1.1\r\n" +
		"Host: example.com\r\n" +
		"Date: Tue, 20 Apr 2021 02:07:55 GMT\r\n" +
		"Content-Type: application/json\r\n" +
		"Content-Digest: sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\r\n" +
		"Content-Length: 18\r\n" +
		"\r\n" +
		`{"hello": "world"}`
	rfcCreated = 1618884473

	// B.1.2 test-key-rsa-pss, public part.
	rfcRSAPSSPublic = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----`
	// B.1.4 test-key-ed25519.
	rfcEd25519Public = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`
	rfcEd25519Private = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`

	// B.2.1 minimal signature using rsa-pss-sha512.
	rfcB21Input = `sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`
	rfcB21Sig   = `sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:`
	rfcB21Base  = `"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`

	// B.2.3 full coverage using rsa-pss-sha512.
	rfcB23Input = `sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`
	rfcB23Sig   = `sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:`
	rfcB23Base  = `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@query": ?param=Value&Pet=dog
"@authority": example.com
"content-type": application/json
"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"`

	// B.2.6 signing a request using ed25519.
	rfcB26Input = `sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
	rfcB26Sig   = `sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:`
	rfcB26Base  = `"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"`
)

var rfcBase = &url.URL{Scheme: "https", Host: "example.com"}

// rfcSigned parses the RFC's test request as a server would, with the
// given Signature-Input and Signature fields added.
func rfcSigned(t *testing.T, input, sig string) (*http.Request, []byte) {
	t.Helper()
	raw := strings.Replace(rfcRequest, "\r\n\r\n", "\r\nSignature-Input: "+input+"\r\nSignature: "+sig+"\r\n\r\n", 1)
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r, body
}

func mustPublic(t *testing.T, s string) crypto.PublicKey {
	t.Helper()
	k, err := ParseAnyPublicKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRFC9421Vectors rebuilds the signature bases of RFC 9421 B.2.1, B.2.3
// and B.2.6 byte for byte and verifies the published signatures with the
// published keys.
func TestRFC9421Vectors(t *testing.T) {
	for _, tc := range []struct {
		name, input, sig, base, alg, key string
	}{
		{"B.2.1 minimal, rsa-pss-sha512", rfcB21Input, rfcB21Sig, rfcB21Base, AlgorithmRSAPSSSHA512, rfcRSAPSSPublic},
		{"B.2.3 full coverage, rsa-pss-sha512", rfcB23Input, rfcB23Sig, rfcB23Base, AlgorithmRSAPSSSHA512, rfcRSAPSSPublic},
		{"B.2.6 ed25519", rfcB26Input, rfcB26Sig, rfcB26Base, AlgorithmEd25519, rfcEd25519Public},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := rfcSigned(t, tc.input, tc.sig)
			msgs, err := parse9421(r.Header)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("parse: %v (%d signatures)", err, len(msgs))
			}
			got, err := signatureBase(r, rfcBase, msgs[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.base {
				t.Fatalf("signature base:\n%s\nwant:\n%s", got, tc.base)
			}
			if err := verifyAlgorithm(tc.alg, mustPublic(t, tc.key), got, msgs[0].signature); err != nil {
				t.Fatalf("published signature does not verify: %v", err)
			}
			bad := append([]byte(nil), got...)
			bad[len(bad)-2] ^= 1
			if err := verifyAlgorithm(tc.alg, mustPublic(t, tc.key), bad, msgs[0].signature); err == nil {
				t.Fatal("a changed signature base verifies")
			}
		})
	}

	// Ed25519 is deterministic: signing B.2.6's base with the RFC's private
	// key gives the published bytes exactly.
	block, _ := pem.Decode([]byte(rfcEd25519Private))
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig := ed25519.Sign(priv.(ed25519.PrivateKey), []byte(rfcB26Base))
	if want := strings.TrimSuffix(strings.TrimPrefix(rfcB26Sig, "sig-b26=:"), ":"); base64.StdEncoding.EncodeToString(sig) != want {
		t.Fatalf("B.2.6 signature %s, want %s", base64.StdEncoding.EncodeToString(sig), want)
	}
}

// TestRFC9421VectorThroughVerify runs B.2.3 (which covers everything the
// policy asks for, content-digest with sha-512 included) through the
// whole verification, at the RFC's time. The RFC declares test-key-rsa-pss
// an RSA-PSS key out of band, so the inferred algorithm is set to match.
func TestRFC9421VectorThroughVerify(t *testing.T) {
	key := mustPublic(t, rfcRSAPSSPublic)
	lookup := func(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
		if keyID != "test-key-rsa-pss" {
			return nil, "", errors.New("unknown key")
		}
		return key, "https://example.com/owner", nil
	}
	v := &verifier9421{now: time.Unix(rfcCreated+30, 0), base: rfcBase, inferRSA: AlgorithmRSAPSSSHA512}
	r, body := rfcSigned(t, rfcB23Input, rfcB23Sig)
	res, err := v.verify(r, body, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if res != (Result{KeyID: "test-key-rsa-pss", Owner: "https://example.com/owner", Scheme: SchemeRFC9421, Algorithm: AlgorithmRSAPSSSHA512}) {
		t.Fatalf("Result = %+v", res)
	}

	for _, tc := range []struct {
		name string
		v    verifier9421
		body []byte
		want error
	}{
		{"body changed: content-digest mismatch", *v, []byte(`{"hello": "World"}`), ErrBadSignature},
		{"replayed at another host", verifier9421{now: v.now, base: &url.URL{Scheme: "https", Host: "laurel.example"}, inferRSA: v.inferRSA}, body, ErrWrongHost},
		{"two hours later", verifier9421{now: time.Unix(rfcCreated+7200, 0), base: rfcBase, inferRSA: v.inferRSA}, body, ErrDateSkew},
		{"RSA key without alg means rsa-v1_5-sha256", verifier9421{now: v.now, base: rfcBase}, body, ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := rfcSigned(t, rfcB23Input, rfcB23Sig)
			_, err := tc.v.verify(r, tc.body, lookup)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if Status(err) != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", Status(err))
			}
		})
	}
}

// sign9421 signs r as Fedify and Mastodon 4.5 do, building the signature
// base by hand (string concatenation, not the verifier's code) so Verify
// is not only checked against itself. components lists the covered
// components; params is the parameter part, e.g. `;created=...;keyid="..."`.
func sign9421(t testing.TB, r *http.Request, label string, components []string, params string, body []byte, sign func([]byte) []byte) {
	t.Helper()
	if body != nil {
		sum := sha256.Sum256(body)
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":")
	}
	var lines []string
	quoted := make([]string, len(components))
	for i, c := range components {
		quoted[i] = `"` + c + `"`
		var v string
		switch c {
		case "@method":
			v = r.Method
		case "@target-uri":
			v = r.URL.String()
		case "@authority":
			v = r.URL.Host
		case "@path":
			v = r.URL.EscapedPath()
		case "@query":
			v = "?" + r.URL.RawQuery
		default:
			v = r.Header.Get(c)
		}
		lines = append(lines, fmt.Sprintf("%q: %s", c, v))
	}
	sigParams := "(" + strings.Join(quoted, " ") + ")" + params
	lines = append(lines, `"@signature-params": `+sigParams)
	sig := sign([]byte(strings.Join(lines, "\n")))
	r.Header.Set("Signature-Input", label+"="+sigParams)
	r.Header.Set("Signature", label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

func signRSAv15(t testing.TB, k *rsa.PrivateKey) func([]byte) []byte {
	return func(b []byte) []byte {
		sum := sha256.Sum256(b)
		sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

func signRSAPSS(t testing.TB, k *rsa.PrivateKey) func([]byte) []byte {
	return func(b []byte) []byte {
		sum := sha512.Sum512(b)
		sig, err := rsa.SignPSS(rand.Reader, k, crypto.SHA512, sum[:], &rsa.PSSOptions{SaltLength: 64})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

// TestVerify9421 checks RFC 9421 requests signed the way peers sign them,
// for each algorithm, and what is refused.
func TestVerify9421(t *testing.T) {
	rsaKey, otherRSA := keys(t)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub := edKey.Public()
	body := []byte(`{"type":"Follow","actor":"https://a.example/users/alice"}`)
	created := fmt.Sprintf(";created=%d", testNow.Unix())
	std := []string{"@method", "@target-uri", "content-digest"}
	split := []string{"@method", "@authority", "@path", "content-digest"}
	kid := `;keyid="` + keyIDA + `"`

	type req struct {
		method, url string
		body        []byte
		components  []string
		params      string
		sign        func([]byte) []byte
		label       string
		tamper      func(*http.Request)
	}
	for _, tc := range []struct {
		name    string
		req     req
		key     crypto.PublicKey
		want    error // nil: accepted
		wantAlg string
	}{
		{"rsa-v1_5-sha256, target-uri", req{"POST", "https://b.example/inbox", body, std, created + kid + `;alg="rsa-v1_5-sha256"`, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, nil, AlgorithmRSAV15SHA256},
		{"rsa-v1_5-sha256 inferred from the RSA key (Fedify)", req{"POST", "https://b.example/inbox", body, std, created + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, nil, AlgorithmRSAV15SHA256},
		{"rsa-pss-sha512, authority and path", req{"POST", "https://b.example/users/bob/inbox", body, split, created + kid + `;alg="rsa-pss-sha512"`, signRSAPSS(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, nil, AlgorithmRSAPSSSHA512},
		{"ed25519", req{"POST", "https://b.example/inbox", body, std, created + kid + `;alg="ed25519"`, func(b []byte) []byte { return ed25519.Sign(edKey, b) }, "sig1", nil}, edPub, nil, AlgorithmEd25519},
		{"ed25519 inferred from the key", req{"POST", "https://b.example/inbox", body, split, created + kid, func(b []byte) []byte { return ed25519.Sign(edKey, b) }, "x", nil}, edPub, nil, AlgorithmEd25519},
		{"GET with query, path and query", req{"GET", "https://b.example/users/bob/outbox?page=2", nil, []string{"@method", "@authority", "@path", "@query"}, created + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, nil, AlgorithmRSAV15SHA256},
		{"expires in the future", req{"POST", "https://b.example/inbox", body, std, created + fmt.Sprintf(";expires=%d", testNow.Unix()+60) + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, nil, AlgorithmRSAV15SHA256},

		{"signed by another key", req{"POST", "https://b.example/inbox", body, std, created + kid, signRSAv15(t, otherRSA), "sig1", nil}, &rsaKey.PublicKey, ErrBadSignature, ""},
		{"content-digest mismatch", req{"POST", "https://b.example/inbox", body, std, created + kid, signRSAv15(t, rsaKey), "sig1", func(r *http.Request) {
			r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(make([]byte, 32))+":")
		}}, &rsaKey.PublicKey, ErrBadSignature, ""},
		{"content-digest not covered", req{"POST", "https://b.example/inbox", body, []string{"@method", "@target-uri"}, created + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrHeadersNotSigned, ""},
		{"no authority", req{"POST", "https://b.example/inbox", body, []string{"@method", "@path", "content-digest"}, created + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrHeadersNotSigned, ""},
		{"query not covered", req{"GET", "https://b.example/users/bob/outbox?page=2", nil, []string{"@method", "@authority", "@path"}, created + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrHeadersNotSigned, ""},
		{"signed for another authority", req{"POST", "https://elsewhere.example/inbox", body, std, created + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrWrongHost, ""},
		{"no created", req{"POST", "https://b.example/inbox", body, std, kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrDateSkew, ""},
		{"created two hours ago", req{"POST", "https://b.example/inbox", body, std, fmt.Sprintf(";created=%d", testNow.Unix()-7200) + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrDateSkew, ""},
		{"expired", req{"POST", "https://b.example/inbox", body, std, created + fmt.Sprintf(";expires=%d", testNow.Unix()-1) + kid, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrDateSkew, ""},
		{"ed25519 alg with an RSA key", req{"POST", "https://b.example/inbox", body, std, created + kid + `;alg="ed25519"`, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrUnsupportedAlgorithm, ""},
		{"unknown alg", req{"POST", "https://b.example/inbox", body, std, created + kid + `;alg="hmac-sha256"`, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrUnsupportedAlgorithm, ""},
		{"no keyid", req{"POST", "https://b.example/inbox", body, std, created, signRSAv15(t, rsaKey), "sig1", nil}, &rsaKey.PublicKey, ErrMalformedSignature, ""},
		{"Signature without its label", req{"POST", "https://b.example/inbox", body, std, created + kid, signRSAv15(t, rsaKey), "sig1", func(r *http.Request) {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
		}}, &rsaKey.PublicKey, ErrMalformedSignature, ""},
		{"not a structured field", req{"POST", "https://b.example/inbox", body, std, created + kid, signRSAv15(t, rsaKey), "sig1", func(r *http.Request) {
			r.Header.Set("Signature-Input", `sig1=("@method" "@target-uri"`)
		}}, &rsaKey.PublicKey, ErrMalformedSignature, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest(t, tc.req.method, tc.req.url, tc.req.body)
			sign9421(t, r, tc.req.label, tc.req.components, tc.req.params, tc.req.body, tc.req.sign)
			if tc.req.tamper != nil {
				tc.req.tamper(r)
			}
			sr, got := overTheWire(t, r)
			calls := 0
			lookup := func(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
				calls++
				if keyID != keyIDA {
					return nil, "", errors.New("unknown key " + keyID)
				}
				return tc.key, ownerA, nil
			}
			res, err := Verify(sr, got, testNow, &url.URL{Scheme: "https", Host: "b.example"}, lookup)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v\nSignature-Input: %s", err, sr.Header.Get("Signature-Input"))
				}
				if res != (Result{KeyID: keyIDA, Owner: ownerA, Scheme: SchemeRFC9421, Algorithm: tc.wantAlg}) {
					t.Fatalf("Result = %+v", res)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if Status(err) != http.StatusUnauthorized {
				t.Fatalf("status %d for %v, want 401", Status(err), err)
			}
		})
	}
}

// TestVerify9421PicksALabel checks a request with two signatures: the
// first whose key can be found is used.
func TestVerify9421PicksALabel(t *testing.T) {
	rsaKey, _ := keys(t)
	body := []byte(`{"type":"Like"}`)
	r := newRequest(t, "POST", "https://b.example/inbox", body)
	created := fmt.Sprintf(";created=%d", testNow.Unix())
	sign9421(t, r, "good", []string{"@method", "@target-uri", "content-digest"}, created+`;keyid="`+keyIDA+`"`, body, signRSAv15(t, rsaKey))
	in, sig := r.Header.Get("Signature-Input"), r.Header.Get("Signature")
	r.Header.Set("Signature-Input", `gone=("@method" "@target-uri" "content-digest")`+created+`;keyid="https://gone.example/key", `+in)
	r.Header.Set("Signature", "gone=:AAAA:, "+sig)
	sr, got := overTheWire(t, r)
	var asked []string
	lookup := func(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
		asked = append(asked, keyID)
		if keyID != keyIDA {
			return nil, "", errors.New("unknown key " + keyID)
		}
		return &rsaKey.PublicKey, ownerA, nil
	}
	res, err := Verify(sr, got, testNow, &url.URL{Scheme: "https", Host: "b.example"}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if res.KeyID != keyIDA || len(asked) != 2 || asked[0] != "https://gone.example/key" {
		t.Fatalf("Result %+v after looking up %q", res, asked)
	}
	if got := RequestKeyID(sr.Header); got != "https://gone.example/key" {
		t.Fatalf("RequestKeyID = %q", got)
	}
}

// TestCavageRefusesEd25519 checks a draft-cavage signature whose keyId is
// an Ed25519 key is refused by name, without a second lookup.
func TestCavageRefusesEd25519(t *testing.T) {
	rsaKey, _ := keys(t)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	r := newRequest(t, "POST", "https://b.example/inbox", []byte("{}"))
	if err := SignRequest(r, keyIDA, rsaKey, []byte("{}"), testNow); err != nil {
		t.Fatal(err)
	}
	sr, got := overTheWire(t, r)
	calls := 0
	_, err := Verify(sr, got, testNow, selfOf(sr), func(context.Context, string, bool) (crypto.PublicKey, string, error) {
		calls++
		return edPub, ownerA, nil
	})
	if !errors.Is(err, ErrUnsupportedAlgorithm) || !strings.Contains(err.Error(), "RSA keys only") || calls != 1 {
		t.Fatalf("err = %v after %d lookups", err, calls)
	}
}

// TestCavageWrongHost checks a draft-cavage request signed for another
// server's Host and replayed here is refused.
func TestCavageWrongHost(t *testing.T) {
	rsaKey, _ := keys(t)
	r := newRequest(t, "POST", "https://other.example/inbox", []byte("{}"))
	if err := SignRequest(r, keyIDA, rsaKey, []byte("{}"), testNow); err != nil {
		t.Fatal(err)
	}
	sr, got := overTheWire(t, r)
	fl := &fakeLookup{keys: []*rsa.PublicKey{&rsaKey.PublicKey}}
	if _, err := Verify(sr, got, testNow, selfOf(sr), fl.lookup); err != nil {
		t.Fatalf("at its own host: %v", err)
	}
	for _, host := range []string{"b.example", "other.example.evil", "other.example:8443"} {
		_, err := Verify(sr, got, testNow, &url.URL{Scheme: "https", Host: host}, fl.lookup)
		if !errors.Is(err, ErrWrongHost) || Status(err) != http.StatusUnauthorized {
			t.Fatalf("replayed at %s: %v", host, err)
		}
	}
	// The default port is the same authority.
	if _, err := Verify(sr, got, testNow, &url.URL{Scheme: "https", Host: "OTHER.example:443"}, fl.lookup); err != nil {
		t.Fatalf("with the default port: %v", err)
	}
}
