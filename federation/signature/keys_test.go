package signature

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestKeyRoundTrip(t *testing.T) {
	keyA, _ := keys(t)
	if n := keyA.N.BitLen(); n != KeyBits {
		t.Errorf("GenerateKey made a %d-bit key", n)
	}
	privPEM, err := EncodePrivateKey(keyA)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(privPEM, "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("private key PEM starts %q", privPEM[:30])
	}
	priv, err := ParsePrivateKey(privPEM)
	if err != nil || !priv.Equal(keyA) {
		t.Errorf("ParsePrivateKey: %v, equal=%v", err, err == nil && priv.Equal(keyA))
	}
	pubPEM, err := EncodePublicKey(&keyA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("public key PEM starts %q", pubPEM[:30])
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil || !pub.Equal(&keyA.PublicKey) {
		t.Errorf("ParsePublicKey: %v", err)
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	keyA, _ := keys(t)
	pkix, err := x509.MarshalPKIXPublicKey(&keyA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PublicKey(&keyA.PublicKey)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	enc := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"PKIX", enc("PUBLIC KEY", pkix), true},
		{"PKCS#1", enc("RSA PUBLIC KEY", pkcs1), true},
		{"PKCS#1 labelled PUBLIC KEY", enc("PUBLIC KEY", pkcs1), true},
		{"PKIX labelled RSA PUBLIC KEY", enc("RSA PUBLIC KEY", pkix), true},
		{"CRLF line endings and surrounding text", "publicKeyPem:\r\n" + strings.ReplaceAll(enc("PUBLIC KEY", pkix), "\n", "\r\n") + "trailer", true},
		{"Ed25519", enc("PUBLIC KEY", edDER), false},
		{"certificate label", enc("CERTIFICATE", pkix), false},
		{"garbage DER", enc("PUBLIC KEY", []byte("garbage")), false},
		{"not PEM", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePublicKey(tt.in)
			if tt.ok && (err != nil || !k.Equal(&keyA.PublicKey)) {
				t.Errorf("ParsePublicKey failed: %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("ParsePublicKey accepted it")
			}
		})
	}
}

func TestParsePrivateKeyForms(t *testing.T) {
	keyA, _ := keys(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	enc := func(b *pem.Block) string { return string(pem.EncodeToMemory(b)) }
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"PKCS#1", enc(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(keyA)}), true},
		{"ECDSA PKCS#8", enc(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), false},
		{"encrypted", enc(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"},
			Bytes: x509.MarshalPKCS1PrivateKey(keyA)}), false},
		{"public key", enc(&pem.Block{Type: "PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&keyA.PublicKey)}), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKey(tt.in)
			if tt.ok && (err != nil || !k.Equal(keyA)) {
				t.Errorf("ParsePrivateKey failed: %v", err)
			}
			if !tt.ok && err == nil {
				t.Error("ParsePrivateKey accepted it")
			}
		})
	}
}
