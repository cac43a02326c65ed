package vocab_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/laurelnet/laurel/vocab"
)

func TestVCJWT(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	cred := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}`)
	jwt, err := vocab.SignVCJWT(priv, "https://a.example/issuer#key", cred)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(jwt, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]string
	_ = json.Unmarshal(header, &h)
	if len(parts) != 3 || h["alg"] != "EdDSA" || h["typ"] != "vc+jwt" || h["cty"] != "vc" || h["kid"] != "https://a.example/issuer#key" {
		t.Fatalf("header %s", header)
	}
	if kid, err := vocab.VCJWTKeyID(jwt); err != nil || kid != "https://a.example/issuer#key" {
		t.Errorf("kid %q %v", kid, err)
	}
	got, err := vocab.VerifyVCJWT(jwt, pub)
	if err != nil || string(got) != string(cred) {
		t.Fatalf("verify = %s %v", got, err)
	}
	if _, err := vocab.VerifyVCJWT(jwt, other); err == nil {
		t.Error("verified with another key")
	}
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"type":["x"]}`)) + "." + parts[2]
	if _, err := vocab.VerifyVCJWT(tampered, pub); err == nil {
		t.Error("a tampered payload verified")
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"vc+jwt"}`)) + "." + parts[1] + "."
	if _, err := vocab.VerifyVCJWT(none, pub); err == nil || !strings.Contains(err.Error(), "only EdDSA") {
		t.Errorf("alg none: %v", err)
	}
}

func TestVCJWTAlgorithms(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	hs := []byte("a shared secret of thirty-two by")
	payload := []byte(`{"type":["VerifiableCredential"]}`)
	sign := func(alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions) string {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := s.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := obj.CompactSerialize()
		return out
	}
	kid := func(typ string) *jose.SignerOptions {
		o := (&jose.SignerOptions{}).WithHeader("kid", "https://a.example/k")
		if typ != "" {
			o = o.WithType(jose.ContentType(typ))
		}
		return o
	}
	for _, tc := range []struct {
		name string
		jwt  string
		pub  any
		ok   bool
	}{
		{"ES256 P-256", sign(jose.ES256, ec, kid("JWT")), &ec.PublicKey, true},
		{"RS256 2048", sign(jose.RS256, rs, kid("")), &rs.PublicKey, true},
		{"EdDSA typ vc+jwt", sign(jose.EdDSA, ed, kid("vc+jwt")), ed.Public(), true},
		{"RS256 signature checked with an EC key", sign(jose.RS256, rs, kid("JWT")), &ec.PublicKey, false},
		{"ES384 refused", sign(jose.ES384, ec384, kid("JWT")), &ec384.PublicKey, false},
		{"RSA under 2048 bits refused", sign(jose.RS256, small, kid("JWT")), &small.PublicKey, false},
		{"PS256 refused", sign(jose.PS256, rs, kid("JWT")), &rs.PublicKey, false},
		{"HS256 refused", sign(jose.HS256, hs, kid("JWT")), hs, false},
		{"typ of another kind refused", sign(jose.ES256, ec, kid("dpop+jwt")), &ec.PublicKey, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vocab.VerifyVCJWT(tc.jwt, tc.pub)
			if tc.ok != (err == nil) {
				t.Fatalf("VerifyVCJWT: %v, want ok %v", err, tc.ok)
			}
			if tc.ok && string(got) != string(payload) {
				t.Errorf("payload %s", got)
			}
		})
	}
	// A key in the jwk header is read; one with its private part is not.
	embed := &jose.SignerOptions{EmbedJWK: true}
	h, _, err := vocab.ParseVCJWT(sign(jose.ES256, ec, embed))
	if err != nil || h.KeyID != "" || !ec.PublicKey.Equal(h.Key) {
		t.Errorf("jwk header: %+v %v", h, err)
	}
	pb, _ := ec.PublicKey.Bytes()
	db, _ := ec.Bytes()
	priv := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"` +
		base64.RawURLEncoding.EncodeToString(pb[1:33]) + `","y":"` +
		base64.RawURLEncoding.EncodeToString(pb[33:]) + `","d":"` +
		base64.RawURLEncoding.EncodeToString(db) + `"}}`))
	if _, _, err := vocab.ParseVCJWT(priv + ".e30.AAAA"); err == nil || !strings.Contains(err.Error(), "private") {
		t.Errorf("a private jwk: %v", err)
	}
	if _, _, err := vocab.ParseVCJWT(sign(jose.ES256, ec, nil)); err == nil {
		t.Error("a VC-JWT naming no key was read")
	}
}
