package signature

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dunglas/httpsfv"
)

// RFC 9421 algorithm names (the alg parameter) Laurel verifies.
const (
	AlgorithmRSAV15SHA256 = "rsa-v1_5-sha256"
	AlgorithmRSAPSSSHA512 = "rsa-pss-sha512"
	AlgorithmEd25519      = "ed25519"
)

// maxSignatures bounds how many labelled signatures of one request are
// looked at, and maxLookups how many of them may cost a key lookup.
const (
	maxSignatures = 8
	maxLookups    = 2
)

// message9421 is one labelled RFC 9421 signature of a request.
type message9421 struct {
	label      string
	input      httpsfv.InnerList // the covered components and parameters, as sent
	components []string          // component names, lowercase
	signature  []byte
	keyID      string
	alg        string // "" when absent
	created    int64
	expires    int64
}

// verify9421 checks an RFC 9421 HTTP Message Signature (Signature-Input
// and Signature headers, both RFC 8941 dictionaries keyed by label).
//
// The first label whose signature meets the policy is used; if its key
// cannot be obtained, the next one that does is tried (once). The policy:
// keyid and created are present, created is within MaxDateSkew of now,
// expires (if present) has not passed; the covered components include
// @method, and either @target-uri or both @authority and @path (plus
// @query when the request has a query string); content-digest is covered
// whenever the request has a body or is a POST, PUT or PATCH, and the
// Content-Digest header (RFC 9530, sha-256 or sha-512) matches the body.
// The algorithm is alg when given (rsa-v1_5-sha256, rsa-pss-sha512,
// ed25519), otherwise inferred from the key: RSA keys are rsa-v1_5-sha256
// and Ed25519 keys ed25519, as Mastodon and Fedify do.
func verify9421(r *http.Request, body []byte, now time.Time, base *url.URL, lookup KeyLookup) (Result, error) {
	return (&verifier9421{now: now, base: base}).verify(r, body, lookup)
}

// verifier9421 carries what verify9421 needs; inferRSA overrides the
// algorithm inferred for an RSA key when alg is absent (tests use it for
// the RFC's RSA-PSS vectors, whose key the RFC declares to be RSA-PSS
// out of band).
type verifier9421 struct {
	now      time.Time
	base     *url.URL
	inferRSA string
}

func (v *verifier9421) verify(r *http.Request, body []byte, lookup KeyLookup) (Result, error) {
	msgs, err := parse9421(r.Header)
	if err != nil {
		return Result{}, err
	}
	needDigest := len(body) > 0 || methodHasBody(r.Method)
	hasQuery := rawQuery(r) != ""

	var candidates []message9421
	var firstErr error
	for _, m := range msgs {
		if err := v.policy(m, needDigest, hasQuery); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		candidates = append(candidates, m)
	}
	if len(candidates) == 0 {
		res := Result{KeyID: msgs[0].keyID, Scheme: SchemeRFC9421}
		return res, firstErr
	}
	res := Result{KeyID: candidates[0].keyID, Scheme: SchemeRFC9421}

	// Request-level checks, once: they do not depend on the label.
	if err := checkHost(requestHost(r), v.base); err != nil {
		return res, err
	}
	if needDigest || len(r.Header.Values("Content-Digest")) > 0 {
		if err := checkContentDigest(r.Header.Values("Content-Digest"), body); err != nil {
			return res, fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
	}

	for i, m := range candidates {
		if i == maxLookups {
			break
		}
		res = Result{KeyID: m.keyID, Scheme: SchemeRFC9421}
		sigBase, err := signatureBase(r, v.base, m)
		if err != nil {
			return res, err
		}
		var usedAlg string
		owner, err := withRefresh(r.Context(), m.keyID, lookup, func(key crypto.PublicKey) error {
			alg, err := v.algorithm(m, key)
			if err != nil {
				return err
			}
			usedAlg = alg
			return verifyAlgorithm(alg, key, sigBase, m.signature)
		})
		if err == nil {
			res.Owner, res.Algorithm = owner, usedAlg
			return res, nil
		}
		// Another label may name a key that can be found; a signature that
		// fails with a key we have is final.
		if !errors.Is(err, ErrKeyLookup) || i+1 == len(candidates) {
			return res, err
		}
	}
	return res, fmt.Errorf("%w: no signature's key could be obtained", ErrKeyLookup)
}

// parse9421 reads the Signature-Input and Signature dictionaries and pairs
// their members by label, in Signature-Input order.
func parse9421(h http.Header) ([]message9421, error) {
	inputs, sigs := h.Values("Signature-Input"), h.Values("Signature")
	if len(sigs) == 0 {
		return nil, malformed("Signature-Input without a Signature header")
	}
	for _, vs := range [][]string{inputs, sigs} {
		n := 0
		for _, v := range vs {
			n += len(v)
		}
		if n > MaxHeaderLen {
			return nil, malformed("signature headers are %d bytes, the limit is %d", n, MaxHeaderLen)
		}
	}
	inDict, err := httpsfv.UnmarshalDictionary(inputs)
	if err != nil {
		return nil, malformed("Signature-Input is not a structured dictionary: %v", err)
	}
	sigDict, err := httpsfv.UnmarshalDictionary(sigs)
	if err != nil {
		return nil, malformed("Signature is not a structured dictionary: %v", err)
	}
	var msgs []message9421
	for _, label := range inDict.Names() {
		if len(msgs) == maxSignatures {
			break
		}
		in, _ := inDict.Get(label)
		list, ok := in.(httpsfv.InnerList)
		if !ok {
			return nil, malformed("Signature-Input %q is not an inner list", clip(label))
		}
		sm, ok := sigDict.Get(label)
		if !ok {
			return nil, malformed("Signature-Input %q has no Signature", clip(label))
		}
		item, ok := sm.(httpsfv.Item)
		sig, isBytes := item.Value.([]byte)
		if !ok || !isBytes || len(sig) == 0 {
			return nil, malformed("Signature %q is not a byte sequence", clip(label))
		}
		m := message9421{label: label, input: list, signature: sig}
		if err := m.readParams(); err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil, malformed("Signature-Input has no signature")
	}
	return msgs, nil
}

func (m *message9421) readParams() error {
	seen := map[string]bool{}
	for _, it := range m.input.Items {
		name, ok := it.Value.(string)
		if !ok || name == "" || name != strings.ToLower(name) {
			return malformed("signature %q covers %v, which is not a lowercase component name", clip(m.label), it.Value)
		}
		if it.Params != nil && len(it.Params.Names()) > 0 {
			// sf, key, bs, req, tr, name: not needed by ActivityPub peers.
			return malformed("signature %q: component %q has parameters, which Laurel does not support", clip(m.label), clip(name))
		}
		if seen[name] {
			return malformed("signature %q covers %q twice", clip(m.label), clip(name))
		}
		seen[name] = true
		m.components = append(m.components, name)
	}
	if m.input.Params == nil {
		return nil
	}
	for _, name := range m.input.Params.Names() {
		v, _ := m.input.Params.Get(name)
		switch name {
		case "keyid", "alg":
			s, ok := v.(string)
			if !ok || s == "" {
				return malformed("signature %q: %s is not a non-empty string", clip(m.label), name)
			}
			if name == "keyid" {
				m.keyID = s
			} else {
				m.alg = s
			}
		case "created", "expires":
			n, ok := v.(int64)
			if !ok || n <= 0 {
				return malformed("signature %q: %s is not a positive integer", clip(m.label), name)
			}
			if name == "created" {
				m.created = n
			} else {
				m.expires = n
			}
		}
	}
	return nil
}

// policy checks one signature's parameters and coverage, before any key
// is looked up.
func (v *verifier9421) policy(m message9421, needDigest, hasQuery bool) error {
	if m.keyID == "" {
		return malformed("signature %q has no keyid", clip(m.label))
	}
	switch m.alg {
	case "", AlgorithmRSAV15SHA256, AlgorithmRSAPSSSHA512, AlgorithmEd25519:
	default:
		return fmt.Errorf("%w: %q (want %s, %s or %s)", ErrUnsupportedAlgorithm, clip(m.alg),
			AlgorithmRSAV15SHA256, AlgorithmRSAPSSSHA512, AlgorithmEd25519)
	}
	if m.created == 0 {
		return fmt.Errorf("%w: signature %q has no created parameter", ErrDateSkew, clip(m.label))
	}
	if d := v.now.Sub(time.Unix(m.created, 0)); d > MaxDateSkew || d < -MaxDateSkew {
		return fmt.Errorf("%w: created %s is %s from now", ErrDateSkew, time.Unix(m.created, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	if m.expires != 0 && v.now.Unix() > m.expires {
		return fmt.Errorf("%w: signature expired at %s", ErrDateSkew, time.Unix(m.expires, 0).UTC().Format(time.RFC3339))
	}
	covers := func(c string) bool {
		for _, x := range m.components {
			if x == c {
				return true
			}
		}
		return false
	}
	var missing []string
	if !covers("@method") {
		missing = append(missing, "@method")
	}
	if !covers("@target-uri") {
		for _, c := range []string{"@authority", "@path"} {
			if !covers(c) {
				missing = append(missing, c)
			}
		}
		if hasQuery && !covers("@query") {
			missing = append(missing, "@query")
		}
	}
	if needDigest && !covers("content-digest") {
		missing = append(missing, "content-digest")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: signature %q does not cover %s (covers %q)", ErrHeadersNotSigned, clip(m.label),
			strings.Join(missing, ", "), strings.Join(m.components, " "))
	}
	return nil
}

// algorithm picks the algorithm for key: alg when given (it must fit the
// key), else the one the key's kind implies.
func (v *verifier9421) algorithm(m message9421, key crypto.PublicKey) (string, error) {
	switch key.(type) {
	case *rsa.PublicKey:
		switch m.alg {
		case "":
			if v.inferRSA != "" {
				return v.inferRSA, nil
			}
			return AlgorithmRSAV15SHA256, nil
		case AlgorithmRSAV15SHA256, AlgorithmRSAPSSSHA512:
			return m.alg, nil
		}
	case ed25519.PublicKey:
		if m.alg == "" || m.alg == AlgorithmEd25519 {
			return AlgorithmEd25519, nil
		}
	default:
		return "", fmt.Errorf("%w: %s is %s", ErrUnsupportedAlgorithm, clip(m.keyID), kindName(key))
	}
	return "", fmt.Errorf("%w: alg %q does not fit %s, which is %s", ErrUnsupportedAlgorithm, m.alg, clip(m.keyID), kindName(key))
}

// verifyAlgorithm checks sig over the signature base with key (RFC 9421
// §3.3).
func verifyAlgorithm(alg string, key crypto.PublicKey, sigBase, sig []byte) error {
	switch alg {
	case AlgorithmRSAV15SHA256:
		sum := sha256.Sum256(sigBase)
		return rsa.VerifyPKCS1v15(key.(*rsa.PublicKey), crypto.SHA256, sum[:], sig)
	case AlgorithmRSAPSSSHA512:
		sum := sha512.Sum512(sigBase)
		return rsa.VerifyPSS(key.(*rsa.PublicKey), crypto.SHA512, sum[:], sig, &rsa.PSSOptions{SaltLength: 64, Hash: crypto.SHA512})
	case AlgorithmEd25519:
		if !ed25519.Verify(key.(ed25519.PublicKey), sigBase, sig) {
			return errors.New("ed25519: verification error")
		}
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, alg)
}

// signatureBase builds the signature base of RFC 9421 §2.5: one line per
// covered component, `"name": value`, then the @signature-params line,
// which serialises the covered components and parameters as received.
func signatureBase(r *http.Request, base *url.URL, m message9421) ([]byte, error) {
	var b bytes.Buffer
	for _, name := range m.components {
		value, err := componentValue(r, base, name)
		if err != nil {
			return nil, fmt.Errorf("%w: signature %q: %w", ErrMalformedSignature, clip(m.label), err)
		}
		if strings.ContainsAny(value, "\r\n") {
			return nil, malformed("signature %q: component %q holds a line break", clip(m.label), clip(name))
		}
		id, err := httpsfv.Marshal(httpsfv.NewItem(name))
		if err != nil {
			return nil, malformed("signature %q: component %q: %v", clip(m.label), clip(name), err)
		}
		b.WriteString(id)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteByte('\n')
	}
	params, err := httpsfv.Marshal(httpsfv.List{m.input})
	if err != nil {
		return nil, malformed("signature %q: %v", clip(m.label), err)
	}
	b.WriteString(`"@signature-params": `)
	b.WriteString(params)
	return b.Bytes(), nil
}

// componentValue is a covered component's value (RFC 9421 §2.1, §2.2).
func componentValue(r *http.Request, base *url.URL, name string) (string, error) {
	scheme := strings.ToLower(base.Scheme)
	authority := normalAuthority(requestHost(r), scheme)
	path, query := splitRequestURI(requestURI(r))
	switch name {
	case "@method":
		return r.Method, nil
	case "@target-uri":
		if query != "" {
			return scheme + "://" + authority + path + "?" + query, nil
		}
		return scheme + "://" + authority + path, nil
	case "@authority":
		return authority, nil
	case "@scheme":
		return scheme, nil
	case "@request-target":
		if query != "" {
			return path + "?" + query, nil
		}
		return path, nil
	case "@path":
		return path, nil
	case "@query":
		return "?" + query, nil
	case "host": // net/http moves the Host field out of Header
		return requestHost(r), nil
	}
	if strings.HasPrefix(name, "@") {
		return "", fmt.Errorf("derived component %q is not supported", clip(name))
	}
	vs := r.Header.Values(name)
	if len(vs) == 0 && name == "content-length" && r.ContentLength >= 0 && r.Body != nil {
		// net/http keeps the length in ContentLength, not always in Header.
		vs = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	if len(vs) == 0 {
		return "", fmt.Errorf("covered field %q is absent", clip(name))
	}
	for i, v := range vs {
		vs[i] = strings.Trim(v, " \t")
	}
	return strings.Join(vs, ", "), nil
}

// requestURI is the request target as received (origin form), or rebuilt
// from r.URL for requests made in the same process.
func requestURI(r *http.Request) string {
	if uri := r.RequestURI; strings.HasPrefix(uri, "/") {
		return uri
	}
	if r.URL == nil {
		return "/"
	}
	return r.URL.RequestURI()
}

func rawQuery(r *http.Request) string {
	_, q := splitRequestURI(requestURI(r))
	return q
}

// checkContentDigest checks RFC 9530 Content-Digest values against body:
// every sha-256 and sha-512 entry must match, and there must be one.
// Other algorithms are ignored.
func checkContentDigest(values []string, body []byte) error {
	if len(values) == 0 {
		return errors.New("no Content-Digest header")
	}
	d, err := httpsfv.UnmarshalDictionary(values)
	if err != nil {
		return fmt.Errorf("Content-Digest is not a structured dictionary: %v", err)
	}
	found := false
	for _, alg := range d.Names() {
		var sum []byte
		switch alg {
		case "sha-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "sha-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		m, _ := d.Get(alg)
		item, ok := m.(httpsfv.Item)
		got, isBytes := item.Value.([]byte)
		if !ok || !isBytes {
			return fmt.Errorf("Content-Digest %s is not a byte sequence", alg)
		}
		if !bytes.Equal(got, sum) {
			return fmt.Errorf("Content-Digest %s does not match the body", alg)
		}
		found = true
	}
	if !found {
		return fmt.Errorf("Content-Digest has no sha-256 or sha-512 entry (got %q)", strings.Join(d.Names(), ","))
	}
	return nil
}

// ContentDigestHeader returns an RFC 9530 Content-Digest value for body
// with sha-256, for tests and tools that build RFC 9421 requests.
func ContentDigestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	d := httpsfv.NewDictionary()
	d.Add("sha-256", httpsfv.NewItem(sum[:]))
	s, _ := httpsfv.Marshal(d) // cannot fail: a byte sequence always serialises
	return s
}

// RequestKeyID returns the key id a request's signature names, from
// either scheme (the first RFC 9421 label, or the draft-cavage keyId), or
// "" when there is none to read. It checks nothing: it is for turning away
// refused servers before any work.
func RequestKeyID(h http.Header) string {
	if len(h.Values("Signature-Input")) > 0 {
		msgs, err := parse9421(h)
		if err != nil {
			return ""
		}
		return msgs[0].keyID
	}
	raw, err := signatureHeader(h)
	if err != nil {
		return ""
	}
	p, err := ParseHeader(raw)
	if err != nil {
		return ""
	}
	return p.KeyID
}
