package vocab

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Signed Open Badges 2.0 Assertions are JSON Web Signatures (RFC 7515) in
// compact serialization whose payload is the Assertion JSON. The
// specification recommends RSA-SHA256 "for compatibility", and it is the
// only algorithm Laurel signs or accepts: accepting the algorithm a token
// names is how "alg: none" and HMAC-with-the-public-key forgeries work.

// ErrJWSAlgorithm is wrapped by the error of VerifyJWS for a JWS whose
// header names an algorithm other than RS256.
var ErrJWSAlgorithm = errors.New("JWS algorithm not allowed (only RS256)")

// ErrJWSSignature is wrapped by the error of VerifyJWS when the signature
// does not match the payload and key.
var ErrJWSSignature = errors.New("JWS signature does not verify")

// anyAlgorithm lists every signature algorithm go-jose understands, so that
// ParseJWS can read the payload of a JWS that VerifyJWS will then refuse
// with a clear reason. Read-only.
var anyAlgorithm = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.HS256, jose.HS384, jose.HS512, jose.EdDSA,
}

// SignJWS signs payload with key as a compact JWS with the RS256 algorithm
// ("alg": "RS256" in its protected header).
func SignJWS(key *rsa.PrivateKey, payload []byte) (string, error) {
	if key == nil {
		return "", errors.New("sign JWS: no key")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, nil)
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	return s, nil
}

// ParseJWS returns the payload of the compact JWS without verifying its
// signature: only to find out what it claims (the Assertion, and from it
// the issuer and the key to verify it with). Never trust it before
// VerifyJWS. It reads tokens of any signature algorithm go-jose knows, so
// that VerifyJWS can then say why it refuses one; a token of an algorithm
// unknown to it, such as "none", fails with an error wrapping
// ErrJWSAlgorithm.
func ParseJWS(compact string) ([]byte, error) {
	compact = strings.TrimSpace(compact)
	if alg := headerAlg(compact); alg != "" && !slices.Contains(anyAlgorithm, jose.SignatureAlgorithm(alg)) {
		return nil, fmt.Errorf("parse JWS: %w: %q", ErrJWSAlgorithm, alg)
	}
	obj, err := jose.ParseSignedCompact(compact, anyAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("parse JWS: %w", err)
	}
	return obj.UnsafePayloadWithoutVerification(), nil
}

// VerifyJWS verifies the compact JWS with pub and returns its payload. It
// fails with an error wrapping ErrJWSAlgorithm for any algorithm but RS256,
// and with one wrapping ErrJWSSignature when the signature is not pub's over
// this header and payload.
func VerifyJWS(compact string, pub *rsa.PublicKey) ([]byte, error) {
	if pub == nil {
		return nil, errors.New("verify JWS: no public key")
	}
	compact = strings.TrimSpace(compact)
	obj, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		// Tell a refused algorithm apart from a malformed JWS.
		if alg := headerAlg(compact); alg != "" && alg != string(jose.RS256) {
			return nil, fmt.Errorf("verify JWS: %w: %s", ErrJWSAlgorithm, alg)
		}
		return nil, fmt.Errorf("verify JWS: %w", err)
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return nil, fmt.Errorf("verify JWS: %w", ErrJWSSignature)
	}
	return payload, nil
}

// headerAlg returns the "alg" of a compact JWS's header, or "" when it
// cannot be read; go-jose does not parse algorithms it does not implement,
// such as "none", and the error should still name it.
func headerAlg(compact string) string {
	header, _, ok := strings.Cut(compact, ".")
	if !ok {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	return h.Alg
}
