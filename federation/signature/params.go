package signature

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// MaxHeaderLen caps the Signature header value ParseHeader accepts. Real
// headers are 400-700 bytes (a URL keyId and a 344-byte base64 RSA-2048
// signature); the cap keeps a hostile peer from making us scan megabytes.
const MaxHeaderLen = 8 << 10

// Pseudo-header names that may appear in the headers parameter.
const (
	RequestTarget = "(request-target)"
	Created       = "(created)"
	Expires       = "(expires)"
)

// Params is a parsed draft-cavage Signature header (or the parameter list
// of an `Authorization: Signature ...` header).
type Params struct {
	// KeyID is the keyId parameter: for ActivityPub, the URL of the actor's
	// publicKey object.
	KeyID string
	// Algorithm is the algorithm parameter as written ("rsa-sha256",
	// "hs2019", ...), or "" when the signer left it out.
	Algorithm string
	// Headers lists the signed header names, lowercased, in signing order.
	// Nil means the parameter was absent (the draft's defaults apply, which
	// Verify rejects because they never cover host and (request-target)).
	Headers []string
	// Signature is the decoded signature.
	Signature []byte
	// Created and Expires are the optional Unix timestamps; 0 if absent.
	Created int64
	Expires int64
}

// Signs reports whether the (lowercase) header name is in the signed list.
func (p Params) Signs(name string) bool {
	for _, h := range p.Headers {
		if h == name {
			return true
		}
	}
	return false
}

// String formats p as a Signature header value. The output is canonical:
// every string parameter quoted, headers separated by single spaces and the
// signature in padded standard base64, so ParseHeader(p.String()) gives
// back p for any p that ParseHeader produced.
func (p Params) String() string {
	var b strings.Builder
	b.Grow(64 + len(p.KeyID) + len(p.Signature)*4/3)
	b.WriteString(`keyId=`)
	writeQuoted(&b, p.KeyID)
	if p.Algorithm != "" {
		b.WriteString(`,algorithm=`)
		writeQuoted(&b, p.Algorithm)
	}
	if p.Created != 0 {
		b.WriteString(`,created=`)
		b.WriteString(strconv.FormatInt(p.Created, 10))
	}
	if p.Expires != 0 {
		b.WriteString(`,expires=`)
		b.WriteString(strconv.FormatInt(p.Expires, 10))
	}
	if p.Headers != nil {
		b.WriteString(`,headers=`)
		writeQuoted(&b, strings.Join(p.Headers, " "))
	}
	b.WriteString(`,signature="`)
	b.WriteString(base64.StdEncoding.EncodeToString(p.Signature))
	b.WriteByte('"')
	return b.String()
}

func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// ParseHeader parses a Signature header value:
//
//	keyId="https://a.example/users/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="..."
//
// It follows the RFC 7235 auth-param grammar rather than splitting on
// commas, so quoted values may contain commas, '=' and escaped quotes, and
// whitespace around ',' and '=' is allowed. Parameter names are matched
// case-insensitively; a parameter given twice is an error (two keyIds would
// let a verifier and a key fetcher disagree about which key is meant).
// Unknown parameters are ignored, as the draft requires. keyId and signature
// are required. Values longer than MaxHeaderLen are rejected unread.
// Errors wrap ErrMalformedSignature.
func ParseHeader(v string) (Params, error) {
	if len(v) > MaxHeaderLen {
		return Params{}, malformed("header is %d bytes, the limit is %d", len(v), MaxHeaderLen)
	}
	return parseParams(v)
}

// parseParams is ParseHeader without the length cap, so the fuzz target
// can re-parse a canonical String() that grew past the cap (quoting token
// values and re-padding base64 adds a few bytes).
func parseParams(v string) (Params, error) {
	var p Params
	seen := make(map[string]bool, 6)
	i := 0
	for {
		i = skipOWS(v, i)
		if i == len(v) {
			break
		}
		if v[i] == ',' { // the #rule allows empty list elements
			i++
			continue
		}
		start := i
		for i < len(v) && isTchar(v[i]) {
			i++
		}
		if i == start {
			return Params{}, malformed("unexpected %q at offset %d", v[i], i)
		}
		name := strings.ToLower(v[start:i])
		i = skipOWS(v, i)
		if i == len(v) || v[i] != '=' {
			return Params{}, malformed("parameter %q has no value", clip(name))
		}
		i = skipOWS(v, i+1)
		var val string
		if i < len(v) && v[i] == '"' {
			var err error
			if val, i, err = readQuoted(v, i); err != nil {
				return Params{}, err
			}
		} else {
			s := i
			for i < len(v) && isTchar(v[i]) {
				i++
			}
			if i == s {
				return Params{}, malformed("parameter %q has an empty value", clip(name))
			}
			val = v[s:i]
		}
		i = skipOWS(v, i)
		if i < len(v) && v[i] != ',' {
			return Params{}, malformed("expected ',' after parameter %q, found %q at offset %d", clip(name), v[i], i)
		}
		if seen[name] {
			return Params{}, malformed("parameter %q given twice", clip(name))
		}
		seen[name] = true
		if err := p.set(name, val); err != nil {
			return Params{}, err
		}
	}
	if p.KeyID == "" {
		return Params{}, malformed("keyId is missing")
	}
	if p.Signature == nil {
		return Params{}, malformed("signature is missing")
	}
	return p, nil
}

func (p *Params) set(name, val string) error {
	switch name {
	case "keyid":
		if val == "" {
			return malformed("keyId is empty")
		}
		p.KeyID = val
	case "algorithm":
		if val == "" {
			return malformed("algorithm is empty")
		}
		p.Algorithm = val
	case "headers":
		hs, err := parseHeaderList(val)
		if err != nil {
			return err
		}
		p.Headers = hs
	case "signature":
		sig, err := decodeBase64(val)
		if err != nil || len(sig) == 0 {
			return malformed("signature is not base64")
		}
		p.Signature = sig
	case "created", "expires":
		n, err := parseUnix(val)
		if err != nil {
			return malformed("%s is not a positive integer", name)
		}
		if name == "created" {
			p.Created = n
		} else {
			p.Expires = n
		}
	}
	return nil
}

// parseHeaderList splits the headers parameter. Names are header field
// names (tokens) or one of the draft's pseudo-headers; anything else could
// never be reconstructed when verifying, so it is rejected here with a
// clear message rather than later as a bad signature.
func parseHeaderList(val string) ([]string, error) {
	var hs []string
	for _, f := range strings.FieldsFunc(val, func(r rune) bool { return r == ' ' || r == '\t' }) {
		h := strings.ToLower(f)
		switch h {
		case RequestTarget, Created, Expires:
		default:
			for i := 0; i < len(h); i++ {
				if !isTchar(h[i]) {
					return nil, malformed("headers has an invalid name %q", clip(h))
				}
			}
		}
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		return nil, malformed("headers is empty")
	}
	return hs, nil
}

// decodeBase64 accepts padded and unpadded standard base64: some signers
// strip the padding, and String re-pads, which is what go-fed/httpsig needs.
func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func parseUnix(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' { // no sign, no fraction
			return 0, strconv.ErrSyntax
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil && n <= 0 {
		err = strconv.ErrRange // 0 means "absent" in Params
	}
	return n, err
}

// readQuoted reads an RFC 7230 quoted-string starting at v[i] == '"' and
// returns its unescaped content and the offset after the closing quote.
func readQuoted(v string, i int) (string, int, error) {
	start := i
	i++
	var b []byte // allocated only if there is an escape
	plain := i
	for i < len(v) {
		c := v[i]
		switch {
		case c == '"':
			if b == nil {
				return v[plain:i], i + 1, nil
			}
			return string(b), i + 1, nil
		case c == '\\':
			if i+1 >= len(v) || isCTL(v[i+1]) {
				return "", 0, malformed("bad escape in quoted string at offset %d", i)
			}
			if b == nil {
				b = append(make([]byte, 0, len(v)-plain), v[plain:i]...)
			}
			b = append(b, v[i+1])
			i += 2
		case isCTL(c):
			return "", 0, malformed("control character in quoted string at offset %d", i)
		default:
			if b != nil {
				b = append(b, c)
			}
			i++
		}
	}
	return "", 0, malformed("unterminated quoted string starting at offset %d", start)
}

func skipOWS(v string, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	return i
}

// isCTL reports control characters other than HTAB, which quoted strings
// may not contain (they would also be unsendable in a header).
func isCTL(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

// isTchar reports RFC 7230 token characters.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// clip shortens attacker-supplied text before it goes into an error
// message that may end up in a log or an HTTP response.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedSignature, fmt.Sprintf(format, args...))
}
