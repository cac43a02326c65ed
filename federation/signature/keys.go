package signature

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyBits is the size of keys GenerateKey makes: what Mastodon and
// GoToSocial use, and what every fediverse server can verify.
const KeyBits = 2048

// GenerateKey makes a new RSA-2048 actor key.
func GenerateKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, KeyBits)
}

// EncodePrivateKey returns key as a PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivateKey(key *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("signature: encoding private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// ParsePrivateKey reads the first PEM block of s as an RSA private key:
// PKCS#8 "PRIVATE KEY" (what EncodePrivateKey writes) or PKCS#1
// "RSA PRIVATE KEY" (what openssl and older tools write, for imports).
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, err := decodePEM(s)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signature: parsing private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signature: private key is %T, not RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signature: parsing private key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("signature: PEM block %q is not a private key", block.Type)
	}
}

// EncodePublicKey returns key as a PKIX "PUBLIC KEY" PEM block, the form
// ActivityPub actors publish in publicKey.publicKeyPem.
func EncodePublicKey(key *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("signature: encoding public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePublicKey reads the first PEM block of s (a remote actor's
// publicKeyPem) as an RSA public key. It accepts PKIX "PUBLIC KEY" and
// PKCS#1 "RSA PUBLIC KEY", and tries the other encoding when the label and
// the contents disagree, because some servers publish mislabelled keys.
// Non-RSA keys (Ed25519 from newer servers) are an error.
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	block, err := decodePEM(s)
	if err != nil {
		return nil, err
	}
	if block.Type != "PUBLIC KEY" && block.Type != "RSA PUBLIC KEY" {
		return nil, fmt.Errorf("signature: PEM block %q is not a public key", block.Type)
	}
	if k, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signature: parsing public key: %w", err)
	}
	rk, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("signature: public key is %T, not RSA", k)
	}
	return rk, nil
}

func decodePEM(s string) (*pem.Block, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("signature: no PEM block found")
	}
	if len(block.Headers) != 0 { // Proc-Type: 4,ENCRYPTED and friends
		return nil, errors.New("signature: encrypted or annotated PEM blocks are not supported")
	}
	return block, nil
}
