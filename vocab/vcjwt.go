package vocab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Open Badges 3.0 credentials in the second format, VC-JWT: a compact JWS
// whose payload is the credential. Laurel signs them as the W3C's Securing
// Verifiable Credentials using JOSE and COSE defines them for the VC Data
// Model 2.0 (the payload is the credential itself, without an embedded
// proof; header "typ": "vc+jwt", "cty": "vc", and "kid" the verification
// method), with EdDSA (Ed25519), the key of its Data Integrity proofs.
//
// Others' are read as Open Badges 3.0 §8.2 allows: "typ" absent, "JWT" or
// "vc+jwt"; the key named by "kid" or given as "jwk"; the payload the
// credential with the JWT claims iss, jti, sub, nbf and exp beside it, or
// (VC Data Model 1.1 style) the credential under "vc". The algorithms are
// EdDSA, ES256 and RS256 (RS256 is the one Open Badges 3.0 requires), each
// only with its own kind of key.

// VCJWTContentType is the media type of a VC-JWT.
const VCJWTContentType = "application/vc+jwt"

// VCJWTAlgorithms are the signature algorithms a VC-JWT may use. Read-only.
var VCJWTAlgorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256, jose.RS256}

// vcJWTTypes are the "typ" headers a VC-JWT may have ("" for none).
var vcJWTTypes = []string{"", "JWT", "vc+jwt", "vc+ld+jwt"}

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

// VCJWTHeader is what a VC-JWT's protected header says about its key.
type VCJWTHeader struct {
	// Alg is the signature algorithm: one of VCJWTAlgorithms.
	Alg string
	// KeyID is the "kid": the URL or DID URL of the verification method.
	KeyID string
	// Key is the public key given in the "jwk" header, if any (a JWK
	// with a private part is refused).
	Key crypto.PublicKey
}

// ParseVCJWT reads a VC-JWT's header and payload without verifying
// anything: to find the key to verify it with. It fails for a JWS of
// another algorithm, a "typ" that is not a JWT's, and a header that
// names no key (neither kid nor jwk).
func ParseVCJWT(compact string) (VCJWTHeader, []byte, error) {
	compact = strings.TrimSpace(compact)
	obj, err := jose.ParseSignedCompact(compact, VCJWTAlgorithms)
	if err != nil {
		if alg := headerAlg(compact); alg != "" && !slices.Contains(VCJWTAlgorithms, jose.SignatureAlgorithm(alg)) {
			return VCJWTHeader{}, nil, fmt.Errorf("parse VC-JWT: algorithm %q not allowed (only EdDSA, ES256 and RS256)", alg)
		}
		return VCJWTHeader{}, nil, fmt.Errorf("parse VC-JWT: %w", err)
	}
	if len(obj.Signatures) != 1 {
		return VCJWTHeader{}, nil, errors.New("parse VC-JWT: not exactly one signature")
	}
	h := obj.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !slices.Contains(vcJWTTypes, typ) {
		return VCJWTHeader{}, nil, fmt.Errorf("parse VC-JWT: typ %q is not a JWT's", typ)
	}
	out := VCJWTHeader{Alg: h.Algorithm, KeyID: h.KeyID}
	if h.JSONWebKey != nil {
		if !h.JSONWebKey.IsPublic() {
			return VCJWTHeader{}, nil, errors.New("parse VC-JWT: the jwk header holds a private key")
		}
		out.Key = h.JSONWebKey.Key
	}
	if out.KeyID == "" && out.Key == nil {
		return VCJWTHeader{}, nil, errors.New("parse VC-JWT: the header names no key (neither kid nor jwk)")
	}
	return out, obj.UnsafePayloadWithoutVerification(), nil
}

// VCJWTKeyID returns the kid of a VC-JWT's protected header, without
// verifying anything: to find the key to verify it with.
func VCJWTKeyID(compact string) (string, error) {
	h, _, err := ParseVCJWT(compact)
	if err != nil {
		return "", err
	}
	if h.KeyID == "" {
		return "", errors.New("parse VC-JWT: no kid in the header")
	}
	return h.KeyID, nil
}

// VerifyVCJWT verifies a VC-JWT with pub (an ed25519.PublicKey, a P-256
// *ecdsa.PublicKey or an *rsa.PublicKey of 2048 bits or more) and returns
// its payload. The algorithm must be the key's: EdDSA for Ed25519, ES256
// for P-256, RS256 for RSA; any other, and any other pairing, is refused.
func VerifyVCJWT(compact string, pub crypto.PublicKey) ([]byte, error) {
	compact = strings.TrimSpace(compact)
	h, _, err := ParseVCJWT(compact)
	if err != nil {
		return nil, fmt.Errorf("verify VC-JWT: %w", err)
	}
	want, err := KeyAlgorithm(pub)
	if err != nil {
		return nil, fmt.Errorf("verify VC-JWT: %w", err)
	}
	if h.Alg != string(want) {
		return nil, fmt.Errorf("verify VC-JWT: algorithm %s does not go with the key, which signs %s", h.Alg, want)
	}
	obj, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{want})
	if err != nil {
		return nil, fmt.Errorf("verify VC-JWT: %w", err)
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return nil, fmt.Errorf("verify VC-JWT: %w", ErrJWSSignature)
	}
	return payload, nil
}

// KeyAlgorithm is the one JWS algorithm a VC-JWT made with pub may use:
// EdDSA for Ed25519, ES256 for P-256 and RS256 for RSA (2048 bits at
// least). Other keys have none.
func KeyAlgorithm(pub crypto.PublicKey) (jose.SignatureAlgorithm, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			return jose.EdDSA, nil
		}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return jose.ES256, nil
		}
		return "", fmt.Errorf("an EC key on %s; only P-256 is accepted", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("an RSA key of %d bits; at least 2048 are needed", k.N.BitLen())
		}
		return jose.RS256, nil
	}
	return "", fmt.Errorf("a %T key is not one VC-JWTs are verified with", pub)
}
