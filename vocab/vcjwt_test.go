package vocab_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

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
