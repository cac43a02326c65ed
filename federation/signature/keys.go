package signature

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"
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

// ParseAnyPublicKey reads the first PEM block of s as a public key of a
// kind Laurel can verify: RSA (as ParsePublicKey does) or Ed25519 (PKIX
// "PUBLIC KEY", what servers publishing an Ed25519 publicKeyPem write).
// Other kinds (ECDSA, ...) are an error the caller may skip over.
func ParseAnyPublicKey(s string) (crypto.PublicKey, error) {
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
	switch k := k.(type) {
	case *rsa.PublicKey, ed25519.PublicKey:
		return k, nil
	default:
		return nil, fmt.Errorf("signature: public key is %T, not RSA or Ed25519", k)
	}
}

// EncodeAnyPublicKey writes an RSA or Ed25519 public key as a PKIX
// "PUBLIC KEY" PEM block.
func EncodeAnyPublicKey(key crypto.PublicKey) (string, error) {
	switch key.(type) {
	case *rsa.PublicKey, ed25519.PublicKey:
	default:
		return "", fmt.Errorf("signature: cannot encode a %T public key", key)
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("signature: encoding public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// KeyKind names the kind of a public key as Laurel stores it: "rsa",
// "ed25519", or "" for a kind it cannot verify.
func KeyKind(key crypto.PublicKey) string {
	switch key.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return ""
}

// Multicodec prefixes (unsigned varints) of the key kinds a FEP-521a
// Multikey may hold that Laurel can verify.
var (
	multicodecEd25519 = []byte{0xed, 0x01} // ed25519-pub: the 32-byte key
	multicodecRSA     = []byte{0x85, 0x24} // rsa-pub (0x1205): PKCS#1 DER
)

// ParseMultikey decodes a Multikey's publicKeyMultibase (FEP-521a, W3C
// Controlled Identifiers): "z" (base58btc) followed by the multicodec
// prefix and the key. Ed25519 (0xed01) and RSA (0x1205) keys are read;
// other kinds are an error the caller may skip over.
func ParseMultikey(multibase string) (crypto.PublicKey, error) {
	raw, err := DecodeMultibase(multibase)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(raw, multicodecEd25519):
		k := raw[len(multicodecEd25519):]
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("signature: Ed25519 multikey has %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(bytes.Clone(k)), nil
	case bytes.HasPrefix(raw, multicodecRSA):
		k, err := x509.ParsePKCS1PublicKey(raw[len(multicodecRSA):])
		if err != nil {
			return nil, fmt.Errorf("signature: RSA multikey: %w", err)
		}
		return k, nil
	}
	return nil, errors.New("signature: multikey of a kind Laurel cannot verify")
}

// EncodeMultikey is the inverse of ParseMultikey for Ed25519 keys.
func EncodeMultikey(key ed25519.PublicKey) string {
	return "z" + base58.Encode(append(bytes.Clone(multicodecEd25519), key...))
}

// DecodeMultibase decodes a base58btc multibase string ("z..."), the only
// base FEP-521a and the Data Integrity cryptosuites allow.
func DecodeMultibase(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "z")
	if !ok || rest == "" {
		return nil, fmt.Errorf("signature: %q is not base58btc multibase (must start with z)", clip(s))
	}
	raw, err := base58.Decode(rest)
	if err != nil {
		return nil, fmt.Errorf("signature: %q is not base58btc: %w", clip(s), err)
	}
	return raw, nil
}
