// Package signature signs and verifies ActivityPub requests and objects.
//
// Outgoing requests are signed with draft-cavage HTTP Signatures
// (draft-cavage-http-signatures-12, the dialect Mastodon, GoToSocial and
// most of the fediverse speak), built on github.com/go-fed/httpsig for the
// signing string and the RSA operations: `(request-target) host date`
// (GETs) or `(request-target) host date digest` (requests with a body),
// rsa-sha256.
//
// Incoming requests may be signed with draft-cavage (RSA keys only) or
// with RFC 9421 HTTP Message Signatures (rsa-v1_5-sha256, rsa-pss-sha512,
// ed25519; structured fields parsed by github.com/dunglas/httpsfv), and
// must name this node's host. go-fed/httpsig v1.1.0 only computes and
// checks a draft-cavage signature itself; this package adds what the
// fediverse relies on and the library leaves out: the Date window, the
// Digest-against-body check, the list of headers that must be signed, the
// algorithm name Mastodon expects, a strict parameter parser, and a single
// key refresh for rotated keys.
//
// VerifyProof checks FEP-8b32 Object Integrity Proofs (eddsa-jcs-2022).
package signature

import (
	"errors"
	"net/http"
)

// Sentinel errors. Every error Verify returns wraps one of them, so
// an inbox can pick the status code (see Status) and a reason to log or
// send back without parsing messages.
var (
	// ErrMissingSignature: the request has neither a Signature header nor
	// an `Authorization: Signature ...` header.
	ErrMissingSignature = errors.New("signature: request is not signed")
	// ErrMalformedSignature: the signature header cannot be parsed, lacks
	// keyId or signature, or appears more than once.
	ErrMalformedSignature = errors.New("signature: malformed signature header")
	// ErrUnsupportedAlgorithm: the algorithm is not one Laurel verifies
	// (draft-cavage: rsa-sha256 or hs2019 with an RSA key; RFC 9421:
	// rsa-v1_5-sha256, rsa-pss-sha512, ed25519), or does not fit the key.
	ErrUnsupportedAlgorithm = errors.New("signature: unsupported algorithm")
	// ErrHeadersNotSigned: the signed header list lacks (request-target),
	// host, date, or (for requests with a body) digest; or an RFC 9421
	// signature does not cover @method, the target, or content-digest.
	ErrHeadersNotSigned = errors.New("signature: required headers not signed")
	// ErrDateSkew: Date is missing, unparseable, or more than MaxDateSkew
	// away from now; or the expires parameter has passed.
	ErrDateSkew = errors.New("signature: date outside the accepted window")
	// ErrBadDigest: Digest (or RFC 9530 Content-Digest) is missing where
	// required, has no SHA-256 (or SHA-512) entry, is malformed, or does
	// not match the body.
	ErrBadDigest = errors.New("signature: digest does not match body")
	// ErrKeyLookup: the KeyLookup failed (unknown key, fetch failure,
	// blocked domain, ...). The lookup's error is wrapped too.
	ErrKeyLookup = errors.New("signature: cannot obtain public key")
	// ErrTemporary: a KeyLookup error that wraps it says the key could
	// not be looked up for a passing reason of ours (our database busy or
	// unreachable), not because of the request: Status answers 503, so
	// that the sender retries rather than dropping the activity.
	ErrTemporary = errors.New("signature: key lookup failed for now")
	// ErrWrongHost: the signature names another host than this node's
	// (the signed Host header, or RFC 9421's @authority / @target-uri).
	ErrWrongHost = errors.New("signature: signed for another host")
	// ErrBadSignature: the signature does not verify with the key, even
	// after one refresh of the key.
	ErrBadSignature = errors.New("signature: signature does not verify")
)

// Status maps an error from Verify to an HTTP status for the inbox: 400
// for a draft-cavage Digest mismatch (the request is broken rather than
// unauthorised, which is also what Mastodon answers), 401 for every other
// signature failure (an RFC 9421 Content-Digest mismatch included: the
// signature covers it, so it does not verify for the body received), 503
// for a lookup that failed for now (ErrTemporary), 500 for anything else
// (nil gives 200).
func Status(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrTemporary):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrBadDigest):
		return http.StatusBadRequest
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrMalformedSignature),
		errors.Is(err, ErrUnsupportedAlgorithm), errors.Is(err, ErrHeadersNotSigned),
		errors.Is(err, ErrDateSkew), errors.Is(err, ErrKeyLookup),
		errors.Is(err, ErrBadSignature), errors.Is(err, ErrWrongHost), errors.Is(err, ErrNoProof):
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}
