package signature

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// MaxDateSkew is how far the signed Date may be from the verifier's clock,
// either way. Mastodon uses about an hour; matching it means whatever
// Mastodon accepts from a peer, Laurel accepts too.
const MaxDateSkew = time.Hour

// KeyLookup returns the public key for keyID and the actor that owns it.
// Verify calls it with refresh=false first; if the signature does not
// verify it calls it once more with refresh=true, when the lookup should
// bypass its cache and fetch the key again (the remote may have rotated
// it). An error makes Verify fail with ErrKeyLookup.
type KeyLookup func(ctx context.Context, keyID string, refresh bool) (key *rsa.PublicKey, owner string, err error)

// Result identifies who signed a verified request.
type Result struct {
	// KeyID is the signature's keyId.
	KeyID string
	// Owner is the owner KeyLookup reported for the key. The caller must
	// check that it is the activity's actor (or allowed to act for it).
	Owner string
}

// Verify checks the HTTP signature of an incoming request whose body has
// already been read into body (the exact bytes received).
//
// It accepts the signature in a Signature header or an
// `Authorization: Signature ...` header; algorithm rsa-sha256 or hs2019
// (or none), both verified as RSA PKCS#1 v1.5 with SHA-256, which is what
// hs2019 means for every RSA key in the fediverse. The signed headers must
// include (request-target), host and date, and digest when the body is
// non-empty or the method is POST, PUT or PATCH; the Digest must carry a
// SHA-256 matching body; Date must be within MaxDateSkew of now. The cheap
// checks run before the key lookup, so garbage never triggers a fetch.
//
// The host checked is r.Host as received: a reverse proxy in front of
// Laurel must pass the original Host header through.
//
// lookup must not be nil. Every error wraps one of the package's sentinel
// errors. The Result
// carries the keyId whenever the header could be parsed, also on error,
// for logging.
func Verify(r *http.Request, body []byte, now time.Time, lookup KeyLookup) (Result, error) {
	raw, err := signatureHeader(r.Header)
	if err != nil {
		return Result{}, err
	}
	p, err := ParseHeader(raw)
	if err != nil {
		return Result{}, err
	}
	res := Result{KeyID: p.KeyID}

	switch strings.ToLower(p.Algorithm) {
	case "", AlgorithmRSASHA256, "hs2019":
	default:
		return res, fmt.Errorf("%w: %q (want rsa-sha256 or hs2019)", ErrUnsupportedAlgorithm, clip(p.Algorithm))
	}

	needDigest := len(body) > 0 || methodHasBody(r.Method)
	required := []string{RequestTarget, "host", "date"}
	if needDigest {
		required = append(required, "digest")
	}
	for _, h := range required {
		if !p.Signs(h) {
			return res, fmt.Errorf("%w: %s is not signed (signed: %q)", ErrHeadersNotSigned, h, strings.Join(p.Headers, " "))
		}
	}

	if err := checkDate(r.Header, p, now); err != nil {
		return res, err
	}
	// A Digest that is present is checked even where it is not required:
	// a mismatch means the request was altered or built wrongly.
	if needDigest || len(r.Header.Values("Digest")) > 0 {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return res, err
		}
	}

	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	query, paths := requestTargets(r)

	ctx := r.Context()
	key, owner, err := lookup(ctx, p.KeyID, false)
	if err != nil {
		return res, fmt.Errorf("%w: %s: %w", ErrKeyLookup, clip(p.KeyID), err)
	}
	if key == nil {
		return res, fmt.Errorf("%w: %s: lookup returned no key", ErrKeyLookup, clip(p.KeyID))
	}
	firstErr := verifyCrypto(r, p, host, paths, query, key)
	if firstErr == nil {
		res.Owner = owner
		return res, nil
	}

	// One refresh: the remote may have rotated its key since we cached it.
	fresh, freshOwner, err := lookup(ctx, p.KeyID, true)
	if err != nil {
		return res, fmt.Errorf("%w: refreshing %s: %w", ErrKeyLookup, clip(p.KeyID), err)
	}
	if fresh == nil {
		return res, fmt.Errorf("%w: %s: refresh returned no key", ErrKeyLookup, clip(p.KeyID))
	}
	if fresh.Equal(key) { // same key: verifying again cannot help
		return res, fmt.Errorf("%w: %w", ErrBadSignature, firstErr)
	}
	if err := verifyCrypto(r, p, host, paths, query, fresh); err != nil {
		return res, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	res.Owner = freshOwner
	return res, nil
}

// signatureHeader picks the signature parameters: the Signature header if
// present, else an Authorization header with the Signature scheme. More
// than one of the chosen kind is ambiguous and rejected. An Authorization
// header with another scheme (a C2S bearer token) is left alone.
func signatureHeader(h http.Header) (string, error) {
	if vs := h.Values("Signature"); len(vs) > 0 {
		if len(vs) > 1 {
			return "", fmt.Errorf("%w: %d Signature headers", ErrMalformedSignature, len(vs))
		}
		// Older PeerTube wrote the Authorization form into the Signature
		// header; Mastodon tolerates the stray prefix, so do we.
		return trimScheme(vs[0]), nil
	}
	var found []string
	for _, v := range h.Values("Authorization") {
		if s, ok := cutScheme(v); ok {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return "", ErrMissingSignature
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("%w: %d Authorization: Signature headers", ErrMalformedSignature, len(found))
	}
}

// cutScheme strips a case-insensitive "Signature " auth-scheme prefix.
func cutScheme(v string) (string, bool) {
	v = strings.TrimLeft(v, " \t")
	const scheme = "signature"
	if len(v) > len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) && (v[len(scheme)] == ' ' || v[len(scheme)] == '\t') {
		return v[len(scheme)+1:], true
	}
	return v, false
}

func trimScheme(v string) string {
	s, _ := cutScheme(v)
	return s
}

func checkDate(h http.Header, p Params, now time.Time) error {
	vs := h.Values("Date")
	switch len(vs) {
	case 0:
		return fmt.Errorf("%w: no Date header", ErrDateSkew)
	case 1:
	default:
		return fmt.Errorf("%w: %d Date headers", ErrDateSkew, len(vs))
	}
	t, err := http.ParseTime(strings.TrimSpace(vs[0]))
	if err != nil {
		return fmt.Errorf("%w: unparseable Date %q", ErrDateSkew, clip(vs[0]))
	}
	if d := now.Sub(t); d > MaxDateSkew || d < -MaxDateSkew {
		return fmt.Errorf("%w: Date %s is %s from now", ErrDateSkew, vs[0], d.Round(time.Second))
	}
	// created/expires are optional and rare for RSA signers; honour them
	// when present, with the same tolerance as Date.
	if p.Created != 0 && time.Unix(p.Created, 0).Sub(now) > MaxDateSkew {
		return fmt.Errorf("%w: created is in the future", ErrDateSkew)
	}
	if p.Expires != 0 && now.Unix() > p.Expires {
		return fmt.Errorf("%w: signature expired", ErrDateSkew)
	}
	return nil
}

// checkDigest checks RFC 3230 Digest values against body. Several digests
// may be listed (comma-separated or in several headers); every SHA-256 one
// must match and at least one must be present. Other algorithms are
// ignored: SHA-256 is what everyone sends, and if a peer sends only
// SHA-512 it gets a clear error rather than a silent pass.
func checkDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return fmt.Errorf("%w: no Digest header", ErrBadDigest)
	}
	var sum [sha256.Size]byte
	found := false
	var others []string
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			alg, val, ok := strings.Cut(item, "=")
			if !ok {
				return fmt.Errorf("%w: malformed Digest %q", ErrBadDigest, clip(item))
			}
			if !strings.EqualFold(strings.TrimSpace(alg), "SHA-256") {
				others = append(others, clip(alg))
				continue
			}
			got, err := decodeBase64(strings.TrimSpace(val))
			if err != nil {
				return fmt.Errorf("%w: SHA-256 digest is not base64", ErrBadDigest)
			}
			if !found {
				sum = sha256.Sum256(body)
				found = true
			}
			if !bytes.Equal(got, sum[:]) {
				return fmt.Errorf("%w: SHA-256 digest mismatch", ErrBadDigest)
			}
		}
	}
	if !found {
		return fmt.Errorf("%w: no SHA-256 digest (got %q)", ErrBadDigest, strings.Join(others, ","))
	}
	return nil
}

// requestTargets returns the query and the candidate paths for the
// (request-target): first the path exactly as it was on the request line,
// then, if it holds percent-escapes, its decoded form. The draft means the
// raw form, but Mastodon and go-fed/httpsig (r.URL.Path) sign the decoded
// one, so a signature over either is accepted for the same resource.
func requestTargets(r *http.Request) (query string, paths []string) {
	var path string
	switch uri := r.RequestURI; {
	case strings.HasPrefix(uri, "/"): // server side, origin form: use it verbatim
		path, query = splitRequestURI(uri)
	default:
		u := r.URL
		if u == nil {
			u = &url.URL{}
		}
		if uri != "" && uri != "*" { // absolute form, e.g. through a proxy
			if pu, err := url.ParseRequestURI(uri); err == nil {
				u = pu
			}
		}
		path, query = splitRequestURI(u.RequestURI())
	}
	paths = []string{path}
	if strings.IndexByte(path, '%') >= 0 {
		if dec, err := url.PathUnescape(path); err == nil && dec != path {
			paths = append(paths, dec)
		}
	}
	return query, paths
}

// verifyCrypto has go-fed/httpsig check the signature over a shadow
// request that holds only the signed values and a canonical Signature
// header. The canonical header matters: httpsig splits parameters on ','
// and '=' and ignores names with surrounding spaces (silently falling back
// to signing just "date"), so it must see exactly what ParseHeader saw.
func verifyCrypto(r *http.Request, p Params, host string, paths []string, query string, key *rsa.PublicKey) error {
	h := make(http.Header, len(p.Headers)+1)
	canon := Params{KeyID: placeholderKeyID, Headers: p.Headers, Signature: p.Signature}
	for _, name := range p.Headers {
		switch name {
		case RequestTarget:
		case Created:
			canon.Created = p.Created
		case Expires:
			canon.Expires = p.Expires
		case "host":
			h["Host"] = []string{host}
		default:
			if vs := r.Header.Values(name); len(vs) > 0 {
				h[textproto.CanonicalMIMEHeaderKey(name)] = vs
			}
		}
	}
	h["Signature"] = []string{canon.String()}
	var err error
	for _, path := range paths {
		sr := &http.Request{
			Method: r.Method,
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: h,
			Host:   host,
		}
		var v httpsig.Verifier
		if v, err = httpsig.NewVerifier(sr); err != nil {
			return err
		}
		if err = v.Verify(key, httpsig.RSA_SHA256); err == nil {
			return nil
		}
	}
	return err
}
