package vocab

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Open Badges 3.0 credentials in the second format, VC-JWT as the W3C's
// Securing Verifiable Credentials using JOSE and COSE defines it for the
// VC Data Model 2.0: a compact JWS whose payload is the credential itself
// (without an embedded proof), header "typ": "vc+jwt", "cty": "vc", and
// "kid" the verification method. Laurel signs with EdDSA (Ed25519), the key
// of its Data Integrity proofs.

// VCJWTContentType is the media type of a VC-JWT.
const VCJWTContentType = "application/vc+jwt"

// SignVCJWT secures credential (its JSON, without a proof) as a VC-JWT
// signed with key, naming kid as the key's id.
func SignVCJWT(key ed25519.PrivateKey, kid string, credential []byte) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("vc+jwt").WithContentType("vc").WithHeader("kid", kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("sign VC-JWT: %w", err)
	}
	obj, err := signer.Sign(credential)
	if err != nil {
		return "", fmt.Errorf("sign VC-JWT: %w", err)
	}
	return obj.CompactSerialize()
}

// VCJWTKeyID returns the kid of a VC-JWT's protected header, without
// verifying anything: to find the key to verify it with.
func VCJWTKeyID(compact string) (string, error) {
	obj, err := jose.ParseSignedCompact(strings.TrimSpace(compact), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return "", fmt.Errorf("parse VC-JWT: %w", err)
	}
	if len(obj.Signatures) != 1 || obj.Signatures[0].Protected.KeyID == "" {
		return "", errors.New("parse VC-JWT: no kid in the header")
	}
	return obj.Signatures[0].Protected.KeyID, nil
}

// VerifyVCJWT verifies an EdDSA VC-JWT with pub and returns its payload,
// the credential. Other algorithms are refused, and so is a header that
// does not say it is a VC-JWT.
func VerifyVCJWT(compact string, pub ed25519.PublicKey) ([]byte, error) {
	compact = strings.TrimSpace(compact)
	obj, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		if alg := headerAlg(compact); alg != "" && alg != string(jose.EdDSA) {
			return nil, fmt.Errorf("verify VC-JWT: algorithm %q not allowed (only EdDSA)", alg)
		}
		return nil, fmt.Errorf("verify VC-JWT: %w", err)
	}
	if typ, _ := obj.Signatures[0].Protected.ExtraHeaders[jose.HeaderType].(string); typ != "vc+jwt" {
		return nil, fmt.Errorf("verify VC-JWT: typ %q, want vc+jwt", typ)
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return nil, fmt.Errorf("verify VC-JWT: %w", ErrJWSSignature)
	}
	return payload, nil
}
