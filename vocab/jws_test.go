package vocab

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func TestJWS(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"@context":"https://w3id.org/openbadges/v2","type":"Assertion","id":"urn:uuid:1"}`)
	jws, err := SignJWS(key, payload)
	if err != nil {
		t.Fatal(err)
	}
	if alg := headerAlg(jws); alg != "RS256" {
		t.Errorf("header alg = %q; want RS256", alg)
	}

	// Round trip.
	if got, err := ParseJWS(jws); err != nil || string(got) != string(payload) {
		t.Errorf("ParseJWS = %q, %v; want the payload", got, err)
	}
	if got, err := VerifyJWS(jws, &key.PublicKey); err != nil || string(got) != string(payload) {
		t.Errorf("VerifyJWS = %q, %v; want the payload", got, err)
	}
	if got, err := VerifyJWS(" "+jws+"\n", &key.PublicKey); err != nil || string(got) != string(payload) {
		t.Errorf("VerifyJWS with surrounding space = %q, %v; want the payload", got, err)
	}

	parts := strings.Split(jws, ".")
	b64 := base64.RawURLEncoding
	flipped, _ := b64.DecodeString(parts[1])
	flipped[len(flipped)/2] ^= 0x01
	hs256 := signWith(t, jose.HS256, x509.MarshalPKCS1PublicKey(&key.PublicKey), payload)

	for _, tc := range []struct {
		name string
		jws  string
		key  *rsa.PublicKey
		want error // nil: any error
	}{
		{"flipped payload byte", parts[0] + "." + b64.EncodeToString(flipped) + "." + parts[2], &key.PublicKey, ErrJWSSignature},
		{"changed header", b64.EncodeToString([]byte(`{"alg":"RS256","kid":"k2"}`)) + "." + parts[1] + "." + parts[2], &key.PublicKey, ErrJWSSignature},
		{"different key", jws, &other.PublicKey, ErrJWSSignature},
		{"signed by another key", signWith(t, jose.RS256, other, payload), &key.PublicKey, ErrJWSSignature},
		{"alg none", b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".", &key.PublicKey, ErrJWSAlgorithm},
		{"HS256 keyed with the public key", hs256, &key.PublicKey, ErrJWSAlgorithm},
		{"RS512 by the right key", signWith(t, jose.RS512, key, payload), &key.PublicKey, ErrJWSAlgorithm},
		{"PS256 by the right key", signWith(t, jose.PS256, key, payload), &key.PublicKey, ErrJWSAlgorithm},
		{"not a JWS", "eyJhbGciOiJSUzI1NiJ9.notbase64!.x", &key.PublicKey, nil},
		{"two parts", parts[0] + "." + parts[1], &key.PublicKey, nil},
		{"empty", "", &key.PublicKey, nil},
		{"no key", jws, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyJWS(tc.jws, tc.key)
			if err == nil {
				t.Fatalf("VerifyJWS = %q; want an error", got)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("VerifyJWS error = %v; want %v", err, tc.want)
			}
		})
	}

	// ParseJWS reads what a refused token claims, so the refusal can be
	// explained, but not what is not a JWS at all.
	if got, err := ParseJWS(hs256); err != nil || string(got) != string(payload) {
		t.Errorf("ParseJWS(HS256 token) = %q, %v; want the payload", got, err)
	}
	if _, err := ParseJWS(b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."); !errors.Is(err, ErrJWSAlgorithm) {
		t.Errorf("ParseJWS(alg none) = %v; want ErrJWSAlgorithm", err)
	}
	if _, err := ParseJWS(`{"type": "Assertion"}`); err == nil {
		t.Error("ParseJWS of plain JSON succeeded")
	}
	if _, err := SignJWS(nil, payload); err == nil {
		t.Error("SignJWS without a key succeeded")
	}
}

// signWith signs payload with alg and key through go-jose directly, for
// tokens SignJWS would never make.
func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, payload []byte) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
