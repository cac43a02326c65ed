package signature

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
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

// KeyLookup returns the public key for keyID (an *rsa.PublicKey or an
// ed25519.PublicKey) and the actor that owns it. Verify calls it with
// refresh=false first; if the signature does not verify it calls it once
// more with refresh=true, when the lookup should bypass its cache and fetch
// the key again (the remote may have rotated it). An error makes Verify
// fail with ErrKeyLookup.
type KeyLookup func(ctx context.Context, keyID string, refresh bool) (key crypto.PublicKey, owner string, err error)

// Schemes a Result can name.
const (
	SchemeCavage  = "draft-cavage"
	SchemeRFC9421 = "rfc9421"
)

// Result identifies who signed a verified request.
type Result struct {
	// KeyID is the signature's keyId (keyid in RFC 9421).
	KeyID string
	// Owner is the owner KeyLookup reported for the key. The caller must
	// check that it is the activity's actor (or allowed to act for it).
	Owner string
	// Scheme is SchemeCavage or SchemeRFC9421.
	Scheme string
	// Algorithm is the algorithm the signature was verified with, e.g.
	// "rsa-sha256", "rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519".
	Algorithm string
}

// Verify checks the HTTP signature of an incoming request whose body has
// already been read into body (the exact bytes received). base is this
// node's public URL: the signature must name its host (the signed Host
// header, or the @authority / @target-uri of RFC 9421), so a request signed
// for another server and replayed here is refused with ErrWrongHost; its
// scheme is the one of @target-uri.
//
// A request with a Signature-Input header is read as an RFC 9421 HTTP
// Message Signature (see verify9421 for what it must cover); any other as
// draft-cavage, in a Signature header or an `Authorization: Signature ...`
// header, with algorithm rsa-sha256 or hs2019 (or none), both verified as
// RSA PKCS#1 v1.5 with SHA-256, which is what hs2019 means for every RSA
// key in the fediverse; a draft-cavage signature made with an Ed25519 key
// is refused (ErrUnsupportedAlgorithm). The draft-cavage signed headers
// must include (request-target), host and date, and digest when the body
// is non-empty or the method is POST, PUT or PATCH; the Digest must carry
// a SHA-256 matching body; Date must be within MaxDateSkew of now. The
// cheap checks run before the key lookup, so garbage never triggers a
// fetch.
//
// The host checked is r.Host as received: a reverse proxy in front of
// Laurel must pass the original Host header through.
//
// lookup must not be nil. Every error wraps one of the package's sentinel
// errors. The Result carries the keyId whenever the header could be
// parsed, also on error, for logging.
func Verify(r *http.Request, body []byte, now time.Time, base *url.URL, lookup KeyLookup) (Result, error) {
	if base == nil || base.Host == "" {
		return Result{}, fmt.Errorf("%w: this node's base URL is not known", ErrWrongHost)
	}
	if len(r.Header.Values("Signature-Input")) > 0 {
		return verify9421(r, body, now, base, lookup)
	}
	return verifyCavage(r, body, now, base, lookup)
}

func verifyCavage(r *http.Request, body []byte, now time.Time, base *url.URL, lookup KeyLookup) (Result, error) {
	raw, err := signatureHeader(r.Header)
	if err != nil {
		return Result{}, err
	}
	p, err := ParseHeader(raw)
	if err != nil {
		return Result{}, err
	}
	res := Result{KeyID: p.KeyID, Scheme: SchemeCavage, Algorithm: AlgorithmRSASHA256}

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

	host := requestHost(r)
	if err := checkHost(host, base); err != nil {
		return res, err
	}
	query, paths := requestTargets(r)

	owner, err := withRefresh(r.Context(), p.KeyID, lookup, func(key crypto.PublicKey) error {
		rk, ok := key.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: draft-cavage signatures are accepted with RSA keys only, and %s is %s (sign with RFC 9421 instead)",
				ErrUnsupportedAlgorithm, clip(p.KeyID), kindName(key))
		}
		return verifyCrypto(r, p, host, paths, query, rk)
	})
	if err != nil {
		return res, err
	}
	res.Owner = owner
	return res, nil
}

// withRefresh looks the key up, runs check with it and, if the signature
// does not verify, looks it up once more bypassing caches (the remote may
// have rotated it) and checks again. An error from check that wraps
// ErrUnsupportedAlgorithm is final: a fresh copy of the same key will not
// change its kind.
func withRefresh(ctx context.Context, keyID string, lookup KeyLookup, check func(crypto.PublicKey) error) (string, error) {
	key, owner, err := lookup(ctx, keyID, false)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrKeyLookup, clip(keyID), err)
	}
	if key == nil {
		return "", fmt.Errorf("%w: %s: lookup returned no key", ErrKeyLookup, clip(keyID))
	}
	firstErr := check(key)
	if firstErr == nil {
		return owner, nil
	}
	if errors.Is(firstErr, ErrUnsupportedAlgorithm) {
		return "", firstErr
	}
	fresh, freshOwner, err := lookup(ctx, keyID, true)
	if err != nil {
		return "", fmt.Errorf("%w: refreshing %s: %w", ErrKeyLookup, clip(keyID), err)
	}
	if fresh == nil {
		return "", fmt.Errorf("%w: %s: refresh returned no key", ErrKeyLookup, clip(keyID))
	}
	if eq, ok := fresh.(interface{ Equal(crypto.PublicKey) bool }); ok && eq.Equal(key) {
		return "", fmt.Errorf("%w: %w", ErrBadSignature, firstErr) // same key: verifying again cannot help
	}
	if err := check(fresh); err != nil {
		if errors.Is(err, ErrUnsupportedAlgorithm) {
			return "", err
		}
		return "", fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return freshOwner, nil
}

// kindName describes a key's kind for error messages.
func kindName(key crypto.PublicKey) string {
	switch key.(type) {
	case *rsa.PublicKey:
		return "an RSA key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	}
	return fmt.Sprintf("a %T key", key)
}

// requestHost is the Host the request was sent with.
func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	if r.URL != nil {
		return r.URL.Host
	}
	return ""
}

// checkHost refuses a request whose Host is not this node's: the
// signature covers the Host, so a delivery captured on its way to another
// server cannot be replayed here.
func checkHost(host string, base *url.URL) error {
	if normalAuthority(host, base.Scheme) != normalAuthority(base.Host, base.Scheme) {
		return fmt.Errorf("%w: signed for %q, this is %q", ErrWrongHost, clip(host), base.Host)
	}
	return nil
}

// normalAuthority lowercases an authority and drops the scheme's default
// port (HTTP Semantics §4.2.3), the form @authority is signed in.
func normalAuthority(host, scheme string) string {
	host = strings.ToLower(host)
	switch scheme {
	case "https":
		host = strings.TrimSuffix(host, ":443")
	case "http":
		host = strings.TrimSuffix(host, ":80")
	}
	return host
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
