package signature

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

// AlgorithmRSASHA256 is the algorithm name SignRequest writes. Mastodon
// checks the algorithm parameter and knows rsa-sha256 and hs2019; older
// servers and some other implementations know only rsa-sha256.
const AlgorithmRSASHA256 = "rsa-sha256"

// placeholderKeyID is what go-fed/httpsig is given as keyId. The keyId is
// not part of the signing string, and the library writes it unescaped, so
// the real keyId is put in afterwards by Params.String, which quotes it.
const placeholderKeyID = "-"

// DigestHeader returns the Digest header value for body:
// "SHA-256=" followed by the padded standard base64 of its SHA-256.
func DigestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// SignRequest signs r for delivery to, or a fetch from, another server.
//
// It removes any Signature, Digest and Date headers left from an earlier
// attempt (a retried delivery reuses its request, and go-fed/httpsig would
// refuse to add a second Digest), sets Date from now, and signs
// `(request-target) host date` with rsa-sha256. If body is non-empty or the
// method is POST, PUT or PATCH it also sets `Digest: SHA-256=...` for body
// and signs it. body must be exactly the bytes sent as r's body; setting
// r.Body is the caller's job.
//
// The signed host is what net/http will send: r.Host, or r.URL.Host when
// r.Host is empty. The signed (request-target) is the method and the
// request URI as sent on the wire, query string included (a URL with
// ForceQuery and an empty query is changed to drop its bare '?'). keyID
// must be printable ASCII without '"', '\' or ',', which peers cannot parse.
//
// A new go-fed/httpsig signer is built for every call: signers hold hash
// state and are not safe for concurrent use, so SignRequest is.
func SignRequest(r *http.Request, keyID string, key *rsa.PrivateKey, body []byte, now time.Time) error {
	if r == nil || r.URL == nil {
		return errors.New("signature: request has no URL")
	}
	if key == nil {
		return errors.New("signature: no private key")
	}
	if err := checkKeyID(keyID); err != nil {
		return err
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		return errors.New("signature: request has no host")
	}
	for i := 0; i < len(host); i++ {
		// net/http would send the punycode form of a non-ASCII host,
		// so a signature over the Unicode form could never verify.
		if host[i] >= 0x80 || isCTL(host[i]) {
			return fmt.Errorf("signature: host %q must be ASCII (punycode)", host)
		}
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet // what net/http sends for ""
	}
	// With ForceQuery and no query, net/http sends "path?" but
	// go-fed/httpsig signs "path"; drop the meaningless '?' so they agree.
	if r.URL.ForceQuery && r.URL.RawQuery == "" {
		r.URL.ForceQuery = false
	}
	path, query := splitRequestURI(r.URL.RequestURI())

	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Del("Signature")
	r.Header.Del("Digest")
	r.Header.Del("Date")
	date := now.UTC().Format(http.TimeFormat)
	r.Header.Set("Date", date)

	// go-fed/httpsig reads the signed values from a header map and takes
	// host from it too, but net/http's client never sends Header["Host"]:
	// the library signs a shadow request holding exactly the values that
	// will go on the wire.
	shadow := http.Header{"Host": {host}, "Date": {date}}
	headers := []string{RequestTarget, "host", "date"}
	if len(body) > 0 || methodHasBody(method) {
		d := DigestHeader(body)
		r.Header.Set("Digest", d)
		shadow.Set("Digest", d)
		headers = append(headers, "digest")
	}

	// NewSigner silently falls back to its default algorithm when none of
	// the preferences is available, so check what was chosen.
	signer, algo, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if algo != httpsig.RSA_SHA256 {
		return fmt.Errorf("signature: httpsig chose %s instead of rsa-sha256", algo)
	}
	sr := &http.Request{
		Method: method,
		URL:    &url.URL{Path: path, RawQuery: query},
		Header: shadow,
		Host:   host,
	}
	// body is nil: the Digest is already in shadow, computed by DigestHeader.
	if err := signer.SignRequest(key, placeholderKeyID, sr, nil); err != nil {
		return fmt.Errorf("signature: signing: %w", err)
	}
	// go-fed/httpsig v1.1.0 always writes algorithm="hs2019" whatever the
	// algorithm; rewrite the header with rsa-sha256 and the real keyId.
	// Neither parameter is covered by the signature.
	p, err := ParseHeader(shadow.Get("Signature"))
	if err != nil {
		return fmt.Errorf("signature: cannot read httpsig output: %w", err)
	}
	p.KeyID = keyID
	p.Algorithm = AlgorithmRSASHA256
	r.Header.Set("Signature", p.String())
	return nil
}

// checkKeyID rejects keyIds that other implementations would mangle:
// go-fed/httpsig derivatives (GoToSocial) split the header on ',' and do
// not unescape quoted strings, and control characters cannot be sent.
func checkKeyID(keyID string) error {
	if keyID == "" {
		return errors.New("signature: empty keyId")
	}
	for i := 0; i < len(keyID); i++ {
		c := keyID[i]
		if isCTL(c) || c >= 0x80 || c == '"' || c == '\\' || c == ',' {
			return fmt.Errorf("signature: keyId %q contains %q, which peers cannot parse", keyID, c)
		}
	}
	return nil
}

// methodHasBody reports methods whose requests carry a body even when it is
// empty; Mastodon requires a signed Digest on every POST.
func methodHasBody(method string) bool {
	switch strings.ToUpper(method) {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return true
	}
	return false
}

// splitRequestURI splits an origin-form request URI at its first '?'.
func splitRequestURI(uri string) (path, query string) {
	path, query, _ = strings.Cut(uri, "?")
	if path == "" {
		path = "/"
	}
	return path, query
}
