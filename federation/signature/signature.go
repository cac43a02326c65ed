// Package signature signs and verifies ActivityPub requests with
// draft-cavage HTTP Signatures (draft-cavage-http-signatures-12, the
// dialect Mastodon, GoToSocial and most of the fediverse speak), built on
// github.com/go-fed/httpsig for the signing string and the RSA operations.
//
// go-fed/httpsig v1.1.0 only computes and checks the signature itself. This
// package adds what the fediverse relies on and the library leaves out:
// the Date window, the Digest-against-body check, the list of headers that
// must be signed, the algorithm name Mastodon expects, a strict parameter
// parser, and a single key refresh for rotated keys.
//
// Outgoing requests sign `(request-target) host date` (GETs) or
// `(request-target) host date digest` (requests with a body) with
// rsa-sha256. Incoming requests must sign at least the same set.
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
	// ErrUnsupportedAlgorithm: the algorithm parameter is neither
	// rsa-sha256 nor hs2019.
	ErrUnsupportedAlgorithm = errors.New("signature: unsupported algorithm")
	// ErrHeadersNotSigned: the signed header list lacks (request-target),
	// host, date, or (for requests with a body) digest.
	ErrHeadersNotSigned = errors.New("signature: required headers not signed")
	// ErrDateSkew: Date is missing, unparseable, or more than MaxDateSkew
	// away from now; or the expires parameter has passed.
	ErrDateSkew = errors.New("signature: date outside the accepted window")
	// ErrBadDigest: Digest is missing where required, has no SHA-256
	// entry, is malformed, or does not match the body.
	ErrBadDigest = errors.New("signature: digest does not match body")
	// ErrKeyLookup: the KeyLookup failed (unknown key, fetch failure,
	// blocked domain, ...). The lookup's error is wrapped too.
	ErrKeyLookup = errors.New("signature: cannot obtain public key")
	// ErrTemporary: a KeyLookup error that wraps it says the key could
	// not be looked up for a passing reason of ours (our database busy or
	// unreachable), not because of the request: Status answers 503, so
	// that the sender retries rather than dropping the activity.
	ErrTemporary = errors.New("signature: key lookup failed for now")
	// ErrBadSignature: the signature does not verify with the key, even
	// after one refresh of the key.
	ErrBadSignature = errors.New("signature: signature does not verify")
)

// Status maps an error from Verify to an HTTP status for the inbox: 400
// for a Digest mismatch (the request is broken rather than unauthorised,
// which is also what Mastodon answers), 401 for every other signature
// failure, 503 for a lookup that failed for now (ErrTemporary), 500 for
// anything else (nil gives 200).
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
		errors.Is(err, ErrBadSignature):
		return http.StatusUnauthorized
	default:
		return http.StatusInternalServerError
	}
}
