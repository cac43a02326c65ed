// Package verifier checks an Open Badges 2.0 badge from any issuer: given
// the URL of a hosted assertion, an assertion's JSON or JWS, or a baked
// badge image, it fetches what the badge links to (BadgeClass, issuer
// Profile, signing key, revocation list), validates every document against
// the Open Badges 2.0 rules of its class, and performs the verification the
// specification describes: hosted verification scope, signature and key
// ownership, revocation, expiry, and optionally the recipient.
//
// Every document it fetches comes from the outside world, so it fetches
// through the node's egress client (no internal addresses), fetches at most
// MaxFetches documents for one verification, and never panics on any input:
// what goes wrong is a failed check in the Report.
package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/vocab"
)

// Names of the checks a Report lists. They are stable: API clients may
// rely on them.
const (
	CheckInput            = "input"              // the input holds something to verify
	CheckImageBaked       = "image-baked"        // the image carries a baked assertion
	CheckAssertionFetched = "assertion-fetched"  // the hosted assertion was fetched
	CheckAssertionID      = "assertion-id"       // the hosted assertion's id is the URL it came from
	CheckAssertionValid   = "assertion-valid"    // the assertion follows the OB 2.0 rules
	CheckVerificationType = "verification-type"  // hosted or signed, as the input allows
	CheckExpiry           = "expiry"             // not expired
	CheckIssuedOn         = "issued-on"          // not issued in the future
	CheckRecipient        = "recipient"          // awarded to the expected recipient
	CheckBadgeFetched     = "badgeclass-fetched" // the BadgeClass was fetched (or is embedded)
	CheckBadgeValid       = "badgeclass-valid"   // the BadgeClass follows the OB 2.0 rules
	CheckIssuerFetched    = "issuer-fetched"     // the issuer Profile was fetched
	CheckIssuerValid      = "issuer-valid"       // the issuer Profile follows the OB 2.0 rules
	CheckHostedScope      = "hosted-id-scope"    // a hosted assertion is in its issuer's scope
	CheckKeyFetched       = "key-fetched"        // the signing key was fetched and is usable
	CheckKeyOwner         = "key-owner"          // the signing key is the issuer's
	CheckSignature        = "signature"          // the JWS signature verifies
	CheckRevocation       = "revocation"         // the assertion is not revoked
	CheckInternal         = "internal"           // the verifier itself failed
)

// Verification methods, as Report.Verification gives them.
const (
	Hosted = "hosted"
	Signed = "signed"
)

// Limits on what one verification takes in and fetches.
const (
	// MaxFetches is how many documents one verification may fetch, JSON-LD
	// contexts included; a document is fetched once however many checks
	// need it. A hosted badge needs three (assertion, BadgeClass, issuer),
	// a signed one three or four (BadgeClass, issuer, key) and either one
	// more for a revocation list; a 3.0 credential one or two (key
	// document, status list), and as many for each embedded endorsement
	// by another issuer (at most MaxEndorsements).
	MaxFetches = 24
	// MaxJSON is the largest Input.JSON accepted.
	MaxJSON = 1 << 20
	// MaxImage is the largest Input.Image accepted.
	MaxImage = 8 << 20
	// issuedOnSkew is how far in the future issuedOn may be before it is an
	// error: the issuer's clock and ours may differ by a little.
	issuedOnSkew = 5 * time.Minute
)

// Verifier verifies Open Badges 2.0 badges. The zero value is usable: it
// fetches through an egress client that reaches no internal address.
// A Verifier is safe for concurrent use.
type Verifier struct {
	// Client fetches every document: the node's egress client
	// (egress.New(...).HTTPClient()), which refuses internal addresses,
	// bounds time and body size and follows few redirects. nil means an
	// egress client with the default configuration.
	Client *http.Client
	// Now returns the current time, for expiry; nil means time.Now.
	Now func() time.Time
	// PlainHTTP says which hosts a did:web is resolved on over http
	// rather than https: those the node's --allow-ips lets through, which
	// test nodes on loopback serve on plain http. nil means none.
	PlainHTTP func(host string) bool
}

// Input is what to verify: exactly one of URL, JSON and Image, optionally
// with the recipient the badge is expected to belong to.
type Input struct {
	// URL is the URL of a hosted assertion.
	URL string
	// JSON is an assertion document, or a signed assertion as its JWS
	// compact serialization.
	JSON []byte
	// Image is a baked badge image, PNG or SVG.
	Image []byte
	// RecipientEmail, when set, is the email address the badge should have
	// been awarded to.
	RecipientEmail string
	// RecipientURL, when set, is the URL (e.g. a profile page) the badge
	// should have been awarded to.
	RecipientURL string
}

// Check is the outcome of one check.
type Check struct {
	// Name is one of the Check* names.
	Name string `json:"name"`
	// OK is true when the check passed.
	OK bool `json:"ok"`
	// Message says what was found, naming documents by URL.
	Message string `json:"message,omitempty"`
}

// Report is the outcome of a verification, returned by the API as it is.
type Report struct {
	// Valid is true when no check failed with an error: the badge is
	// authentic, well formed, not revoked, not expired and, when a
	// recipient was given, awarded to that recipient.
	Valid bool `json:"valid"`
	// Verification is how the assertion was verified: "hosted" or
	// "signed", or for an Open Badges 3.0 credential "eddsa-rdfc-2022",
	// "Ed25519Signature2020" or "vc-jwt" ("" when it got no far enough to
	// tell).
	Verification string `json:"verification,omitempty"`
	// Assertion, BadgeClass and Issuer are the documents as found and
	// normalised to the Open Badges 2.0 context, when they could be had.
	Assertion  map[string]any `json:"assertion,omitempty"`
	BadgeClass map[string]any `json:"badge_class,omitempty"`
	Issuer     map[string]any `json:"issuer,omitempty"`
	// Credential is an Open Badges 3.0 credential as found (the payload
	// of a VC-JWT); the 2.0 documents above are then absent.
	Credential map[string]any `json:"credential,omitempty"`
	// Checks lists every check in the order made, passed or not.
	// Errors lists the failed checks that make the badge invalid, and
	// Warnings those that do not (such as a recipient left unchecked);
	// each is also in Checks. The three are never null in JSON.
	Checks   []Check `json:"checks"`
	Errors   []Check `json:"errors"`
	Warnings []Check `json:"warnings"`
	// Revoked is true when the issuer revoked the assertion, with the
	// reason it published, if any.
	Revoked          bool   `json:"revoked"`
	RevocationReason string `json:"revocation_reason,omitempty"`
	// Expired is true when the assertion's expires time has passed.
	Expired bool       `json:"expired"`
	Expires *time.Time `json:"expires,omitempty"`
	// RecipientMatched tells, when a recipient was given, whether the
	// assertion was awarded to it; nil when none was given.
	RecipientMatched *bool `json:"recipient_matched,omitempty"`
	// Endorsements are the EndorsementCredentials embedded in an Open
	// Badges 3.0 credential, each verified on its own, in the order of
	// their endorsement checks. A failed one does not make the badge
	// invalid: its endorsement check is a warning.
	Endorsements []EndorsementReport `json:"endorsements,omitempty"`
}

// EndorsementReport is the outcome of verifying one embedded
// EndorsementCredential.
type EndorsementReport struct {
	// Where is what it endorses: "the credential", "the issuer" or "the
	// achievement" (where it was embedded).
	Where string `json:"where"`
	// ID is the endorsement credential's id, and Endorser its issuer
	// (name and id).
	ID       string `json:"id,omitempty"`
	Endorser string `json:"endorser"`
	// Valid is true when none of its checks failed.
	Valid bool `json:"valid"`
	// Verification is how it was signed, as Report.Verification.
	Verification string `json:"verification,omitempty"`
	// Checks and Errors are its own checks, as in a Report.
	Checks []Check `json:"checks"`
	Errors []Check `json:"errors"`
}

func (r *Report) pass(name, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: true, Message: fmt.Sprintf(format, args...)})
}

func (r *Report) fail(name, format string, args ...any) {
	c := Check{Name: name, Message: fmt.Sprintf(format, args...)}
	r.Checks = append(r.Checks, c)
	r.Errors = append(r.Errors, c)
}

func (r *Report) warn(name, format string, args ...any) {
	c := Check{Name: name, Message: fmt.Sprintf(format, args...)}
	r.Checks = append(r.Checks, c)
	r.Warnings = append(r.Warnings, c)
}

// Verify verifies the badge in, following the Open Badges 2.0
// verification procedure, and reports every check it made. It does not
// fail: whatever goes wrong (an unreachable document, a bad signature, a
// malformed input) is a failed check, and the Report is then not Valid.
func (v *Verifier) Verify(ctx context.Context, in Input) (rep Report) {
	rep = Report{Checks: []Check{}, Errors: []Check{}, Warnings: []Check{}}
	defer func() {
		// The input is arbitrary data from anyone; a bug on some path
		// through it must cost one verification, not the node.
		if p := recover(); p != nil {
			rep.fail(CheckInternal, "verification stopped by an internal error: %v", p)
		}
		rep.Valid = len(rep.Errors) == 0
	}()

	client := v.Client
	if client == nil {
		client = egress.New(egress.Config{}).HTTPClient()
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	r := &run{ctx: ctx, now: now(), rep: &rep, f: newFetcher(client), v: v}
	r.loader = vocab.DocumentLoader(r.fetchContext)
	r.verify(in)
	return rep
}

// run is the state of one verification.
type run struct {
	ctx    context.Context
	now    time.Time
	rep    *Report
	f      *fetcher
	loader ld.DocumentLoader
	v      *Verifier
	// credential is an Open Badges 3.0 credential found at the URL given.
	credential map[string]any
	// nested is true for the run of an embedded endorsement, which does
	// not look for endorsements in turn.
	nested bool
}

func (r *run) pass(name, format string, args ...any) { r.rep.pass(name, format, args...) }
func (r *run) fail(name, format string, args ...any) { r.rep.fail(name, format, args...) }
func (r *run) warn(name, format string, args ...any) { r.rep.warn(name, format, args...) }

// verify runs the whole procedure.
func (r *run) verify(in Input) {
	src, ok := r.source(in)
	if !ok {
		return
	}
	var assertion map[string]any
	var jws string
	switch src.kind {
	case kindURL:
		assertion = r.fetchHosted(src.text)
		if r.credential != nil {
			r.verifyCredential(r.credential, in)
			return
		}
	case kindJSON:
		doc, err := decodeObject([]byte(src.text))
		if err != nil {
			r.fail(CheckInput, "the assertion is not a JSON object: %v", err)
			return
		}
		if isCredential(doc) {
			r.verifyCredential(doc, in)
			return
		}
		assertion, jws = r.fromDocument(doc, "")
	case kindJWS:
		if isVCJWT(src.text) {
			r.verifyCredentialJWT(src.text, in)
			return
		}
		payload, err := vocab.ParseJWS(src.text)
		if errors.Is(err, vocab.ErrJWSAlgorithm) {
			r.fail(CheckSignature, "the JWS is refused: %v", err)
			return
		}
		if err != nil {
			r.fail(CheckSignature, "the input is not a readable JWS: %v", err)
			return
		}
		doc, err := decodeObject(payload)
		if err != nil {
			r.fail(CheckAssertionValid, "the JWS payload is not a JSON object: %v", err)
			return
		}
		assertion, jws = r.fromDocument(doc, src.text)
	}
	if assertion == nil {
		return
	}
	r.rep.Assertion = assertion
	r.checkDoc(CheckAssertionValid, "Assertion", "the assertion", withRef(assertion, "badge"))
	r.expiry(assertion)
	r.recipient(assertion, in)
	if r.rep.Revoked && assertion["badge"] == nil {
		return // a revoked hosted assertion stripped down to id and revoked
	}

	badge := r.badgeClass(assertion)
	if badge == nil {
		return
	}
	r.rep.BadgeClass = badge
	issuer := r.issuer(badge)
	if issuer == nil {
		return
	}
	r.rep.Issuer = issuer

	switch r.rep.Verification {
	case Hosted:
		id, _ := assertion["id"].(string)
		r.hostedScope(id, issuer)
		r.badgeScope(badge, issuer)
	case Signed:
		r.signature(jws, assertion, issuer)
	}
	r.revocation(assertion, issuer)
}

// Kinds of source text.
const (
	kindURL = iota + 1
	kindJSON
	kindJWS
)

// source is the assertion as given: a URL, JSON or a JWS.
type source struct {
	kind int
	text string
}

// source finds what to verify in the input.
func (r *run) source(in Input) (source, bool) {
	given := 0
	for _, set := range []bool{strings.TrimSpace(in.URL) != "", len(in.JSON) > 0, len(in.Image) > 0} {
		if set {
			given++
		}
	}
	switch {
	case given == 0:
		r.fail(CheckInput, "nothing to verify: give the URL of a hosted assertion, the assertion's JSON or JWS, or a baked badge image")
		return source{}, false
	case given > 1:
		r.fail(CheckInput, "give only one of a URL, an assertion (JSON or JWS) and an image")
		return source{}, false
	case len(in.JSON) > MaxJSON:
		r.fail(CheckInput, "the assertion is %d bytes; at most %d are accepted", len(in.JSON), MaxJSON)
		return source{}, false
	case len(in.Image) > MaxImage:
		r.fail(CheckInput, "the image is %d bytes; at most %d are accepted", len(in.Image), MaxImage)
		return source{}, false
	}

	if u := strings.TrimSpace(in.URL); u != "" {
		if err := checkFetchURL(u); err != nil {
			r.fail(CheckInput, "%v", err)
			return source{}, false
		}
		r.pass(CheckInput, "hosted assertion URL %s", u)
		return source{kind: kindURL, text: u}, true
	}
	text, what := string(in.JSON), "the input"
	if len(in.Image) > 0 {
		baked, err := bake.Extract(in.Image)
		if errors.Is(err, bake.ErrNotBaked) {
			// An Open Badges 3.0 credential, then?
			if c, cerr := bake.ExtractCredential(in.Image); cerr == nil {
				baked, err = c, nil
			}
		}
		switch {
		case errors.Is(err, bake.ErrNotBaked):
			r.fail(CheckImageBaked, "the image carries no Open Badges assertion (it is not baked)")
			return source{}, false
		case errors.Is(err, bake.ErrUnknownFormat):
			r.fail(CheckImageBaked, "the image is not a PNG or SVG image")
			return source{}, false
		case err != nil:
			r.fail(CheckImageBaked, "the image could not be read: %v", err)
			return source{}, false
		}
		text, what = baked, "the text baked into the image"
	}
	src, err := classify(text)
	if err != nil {
		r.fail(CheckInput, "%s is not an assertion: %v", what, err)
		return source{}, false
	}
	if len(in.Image) > 0 {
		r.pass(CheckImageBaked, "the %s image carries %s", bake.Format(in.Image), describe(src))
	} else {
		r.pass(CheckInput, "%s", describe(src))
	}
	return src, true
}

// describe names the kind of source for messages.
func describe(s source) string {
	switch s.kind {
	case kindURL:
		return "a hosted assertion URL, " + s.text
	case kindJWS:
		if isVCJWT(s.text) {
			return "an Open Badges 3.0 credential (VC-JWT)"
		}
		return "a signed assertion (JWS)"
	}
	if doc, err := decodeObject([]byte(s.text)); err == nil && isCredential(doc) {
		return "an Open Badges 3.0 credential (JSON)"
	}
	return "an assertion (JSON)"
}

// classify tells a hosted assertion's URL, its JSON and a JWS apart.
func classify(text string) (source, error) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, `"`) {
		// A JSON string around a JWS or URL, as a JSON API client may send.
		var s string
		if err := json.Unmarshal([]byte(t), &s); err != nil {
			return source{}, fmt.Errorf("a broken JSON string: %v", err)
		}
		t = strings.TrimSpace(s)
		if strings.HasPrefix(t, `"`) || strings.HasPrefix(t, "{") {
			return source{}, errors.New("expected JSON, a JWS or a URL")
		}
	}
	switch {
	case t == "":
		return source{}, errors.New("it is empty")
	case strings.HasPrefix(t, "{"):
		return source{kind: kindJSON, text: t}, nil
	case hasHTTPScheme(t):
		if err := checkFetchURL(t); err != nil {
			return source{}, err
		}
		return source{kind: kindURL, text: t}, nil
	case looksLikeJWS(t):
		return source{kind: kindJWS, text: t}, nil
	}
	return source{}, errors.New("expected JSON, a JWS or a URL")
}

// looksLikeJWS reports whether s has the form of a JWS compact
// serialization: three base64url parts separated by dots.
func looksLikeJWS(s string) bool {
	if strings.Count(s, ".") != 2 {
		return false
	}
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '=':
		default:
			return false
		}
	}
	return true
}

// fromDocument takes an assertion given as a document (JSON, or the payload
// of jws when jws is not ""), and returns the assertion to verify: for
// hosted verification the copy fetched from its id ("the input data should
// only be trusted to identify the URI of the hosted verification file"),
// for signed verification the document itself, signed by jws.
func (r *run) fromDocument(doc map[string]any, jws string) (map[string]any, string) {
	norm := r.normalize(CheckAssertionValid, "the assertion", doc)
	if norm == nil {
		return nil, ""
	}
	switch verificationType(norm) {
	case Hosted:
		id, _ := norm["id"].(string)
		if err := checkFetchURL(id); err != nil {
			r.fail(CheckVerificationType, "the assertion declares hosted verification, but its id cannot be fetched: %v", err)
			return nil, ""
		}
		r.pass(CheckVerificationType, "the assertion declares hosted verification: the copy at its id %s is verified", id)
		return r.fetchHosted(id), ""
	case Signed:
		if jws == "" {
			r.fail(CheckVerificationType, "the assertion declares signed verification but came without its signature: give its JWS (the signed form) instead of its JSON")
			return nil, ""
		}
		r.rep.Verification = Signed
		r.pass(CheckVerificationType, "the assertion declares signed verification")
		return norm, jws
	}
	r.fail(CheckVerificationType, "the assertion's verification.type is %s: want hosted or signed (HostedBadge or SignedBadge)", describeValue(verificationValue(norm)))
	return nil, ""
}

// verificationValue returns the assertion's verification type as found.
func verificationValue(a map[string]any) any {
	v, _ := a["verification"].(map[string]any)
	return v["type"]
}

// verificationType returns Hosted or Signed as the assertion declares, or
// "".
func verificationType(a map[string]any) string {
	v, _ := a["verification"].(map[string]any)
	doc := map[string]any{"type": v["type"]}
	switch {
	case vocab.TypeIs(doc, "HostedBadge"):
		return Hosted
	case vocab.TypeIs(doc, "SignedBadge"):
		return Signed
	}
	return ""
}

// fetchHosted fetches a hosted assertion from u and checks that it is
// there, not revoked and identified by u.
func (r *run) fetchHosted(u string) map[string]any {
	r.rep.Verification = Hosted
	res, err := r.f.get(r.ctx, u)
	if err != nil {
		r.fail(CheckAssertionFetched, "could not fetch the assertion: %v", err)
		return nil
	}
	if res.status == http.StatusGone {
		// "To mark a hosted assertion as revoked, respond with an HTTP
		// Status of 410 Gone"; a body, if any, may give a reason.
		r.pass(CheckAssertionFetched, "%s answered 410 Gone", u)
		doc, _ := decodeObject(res.body)
		reason, _ := doc["revocationReason"].(string)
		r.revoked(reason, "the issuer revoked this assertion: %s answers 410 Gone", u)
		return nil
	}
	if res.status != http.StatusOK {
		r.fail(CheckAssertionFetched, "could not fetch the assertion: %s answered %s", u, res.statusText)
		return nil
	}
	doc, err := decodeObject(res.body)
	if err != nil {
		r.fail(CheckAssertionFetched, "%s did not answer with a JSON object: %v", u, err)
		return nil
	}
	if isCredential(doc) {
		r.pass(CheckAssertionFetched, "fetched a Verifiable Credential from %s", u)
		r.credential = doc
		return nil
	}
	r.pass(CheckAssertionFetched, "fetched the assertion from %s", u)
	doc = r.normalize(CheckAssertionValid, "the assertion", doc)
	if doc == nil {
		return nil
	}
	if id, _ := doc["id"].(string); id != u {
		r.fail(CheckAssertionID, "the assertion fetched from %s has the id %s; a hosted assertion's id must be the URL it is hosted at", u, describeValue(doc["id"]))
	} else {
		r.pass(CheckAssertionID, "the assertion's id is the URL it is hosted at")
	}
	if doc["revoked"] == true {
		reason, _ := doc["revocationReason"].(string)
		r.revoked(reason, "the issuer revoked this assertion: %s declares it revoked", u)
		return doc
	}
	if t := verificationType(doc); t != Hosted {
		r.fail(CheckVerificationType, "the assertion at %s declares verification type %s, not hosted", u, describeValue(verificationValue(doc)))
	}
	return doc
}

// revoked records a revocation.
func (r *run) revoked(reason, format string, args ...any) {
	r.rep.Revoked = true
	r.rep.RevocationReason = reason
	msg := fmt.Sprintf(format, args...)
	if reason != "" {
		msg += " (reason: " + reason + ")"
	}
	r.fail(CheckRevocation, "%s", msg)
}

// normalize brings a document into the standard form of the Open Badges 2.0
// context, reporting failure under check; nil when it cannot be read.
func (r *run) normalize(check, what string, doc map[string]any) map[string]any {
	if _, ok := doc["@context"]; !ok {
		// Some publishers leave the context out; read the document as Open
		// Badges 2.0 rather than drop every property.
		r.warn(check, "%s has no @context; it is read as Open Badges 2.0", what)
		doc = maps.Clone(doc)
		doc["@context"] = vocab.Context
		return doc
	}
	out, err := vocab.Normalize(r.ctx, doc, r.loader)
	if err != nil {
		r.fail(check, "%s could not be processed as JSON-LD: %v", what, err)
		return nil
	}
	return out
}

// checkDoc applies the Open Badges rules of class to doc and reports the
// problems under check; it reports whether there was no error.
func (r *run) checkDoc(check, class, what string, doc map[string]any) bool {
	errs := 0
	for _, p := range vocab.Check(class, doc) {
		msg := problemText(p)
		if p.Warning {
			r.warn(check, "%s: %s", what, msg)
			continue
		}
		r.fail(check, "%s: %s", what, msg)
		errs++
	}
	if errs == 0 {
		r.pass(check, "%s has the properties an Open Badges 2.0 %s requires", what, class)
	}
	return errs == 0
}

// problemText renders a problem as "path: message", without the warning
// prefix of Problem.String (a report says that by where it lists it).
func problemText(p vocab.Problem) string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// withRef returns doc with the object embedded under key replaced by its
// id, so that checking doc does not report the embedded object's problems
// a second time (they are reported under their own check).
func withRef(doc map[string]any, key string) map[string]any {
	m, ok := doc[key].(map[string]any)
	if !ok {
		return doc
	}
	id, ok := m["id"].(string)
	if !ok {
		return doc
	}
	out := maps.Clone(doc)
	out[key] = id
	return out
}

// badgeClass returns the assertion's BadgeClass, fetched when the assertion
// links to it.
func (r *run) badgeClass(a map[string]any) map[string]any {
	var doc map[string]any
	switch b := a["badge"].(type) {
	case string:
		doc = r.fetchDoc(CheckBadgeFetched, CheckBadgeValid, "the BadgeClass", b, true)
	case map[string]any:
		r.pass(CheckBadgeFetched, "the BadgeClass is embedded in the assertion")
		doc = b
	default:
		r.fail(CheckBadgeFetched, "the assertion names no BadgeClass")
	}
	if doc == nil {
		return nil
	}
	r.checkDoc(CheckBadgeValid, "BadgeClass", "the BadgeClass", withRef(doc, "issuer"))
	return doc
}

// issuer returns the issuer Profile of the BadgeClass. A Profile with an
// HTTP id is always fetched from it, even when the BadgeClass embeds a
// copy: the verification rules and keys it declares decide whether the
// assertion is the issuer's, so they must come from the issuer itself.
func (r *run) issuer(badge map[string]any) map[string]any {
	var doc map[string]any
	switch i := badge["issuer"].(type) {
	case string:
		doc = r.fetchDoc(CheckIssuerFetched, CheckIssuerValid, "the issuer Profile", i, true)
	case map[string]any:
		id, _ := i["id"].(string)
		if hasHTTPScheme(id) {
			doc = r.fetchDoc(CheckIssuerFetched, CheckIssuerValid, "the issuer Profile", id, true)
			break
		}
		r.warn(CheckIssuerFetched, "the issuer Profile is only embedded, with the id %s, which cannot be fetched: its verification rules and keys are taken as embedded", describeValue(i["id"]))
		doc = i
	default:
		r.fail(CheckIssuerFetched, "the BadgeClass names no issuer")
	}
	if doc == nil {
		return nil
	}
	r.checkDoc(CheckIssuerValid, "Issuer", "the issuer Profile", doc)
	return doc
}

// fetchDoc fetches the document at u, checks that it is a JSON object
// whose id is u (when idRequired, or when it has an id) and returns it
// normalised, or nil after reporting the failure under fetchCheck or
// validCheck.
func (r *run) fetchDoc(fetchCheck, validCheck, what, u string, idRequired bool) map[string]any {
	if err := checkFetchURL(u); err != nil {
		r.fail(fetchCheck, "%s cannot be fetched: %v", what, err)
		return nil
	}
	res, err := r.f.get(r.ctx, u)
	if err != nil {
		r.fail(fetchCheck, "could not fetch %s: %v", what, err)
		return nil
	}
	if res.status != http.StatusOK {
		r.fail(fetchCheck, "could not fetch %s: %s answered %s", what, u, res.statusText)
		return nil
	}
	doc, err := decodeObject(res.body)
	if err != nil {
		r.fail(fetchCheck, "%s at %s is not a JSON object: %v", what, u, err)
		return nil
	}
	doc = r.normalize(validCheck, what, doc)
	if doc == nil {
		return nil
	}
	id, hasID := doc["id"]
	switch {
	case id == u:
		r.pass(fetchCheck, "fetched %s from %s", what, u)
	case !hasID && !idRequired:
		r.pass(fetchCheck, "fetched %s from %s", what, u)
	default:
		r.fail(fetchCheck, "%s fetched from %s has the id %s; it must be the URL it is published at", what, u, describeValue(id))
		return nil
	}
	return doc
}

// hostedScope checks that a hosted assertion's id is within the scope its
// issuer allows: by default the origin of the issuer Profile's id; or, when
// the Profile's verification object says so, ids starting with one of its
// startsWith values and on one of its allowedOrigins.
func (r *run) hostedScope(id string, issuer map[string]any) {
	issuerID, _ := issuer["id"].(string)
	aURL, err := url.Parse(id)
	if err != nil || !hasHTTPScheme(id) {
		r.fail(CheckHostedScope, "the hosted assertion's id %s is not an HTTP URL", describeValue(id))
		return
	}
	policy, _ := issuer["verification"].(map[string]any)
	starts := stringsOf(policy["startsWith"])
	allowed := stringsOf(policy["allowedOrigins"])
	if len(starts) == 0 && len(allowed) == 0 {
		iURL, err := url.Parse(issuerID)
		if err != nil || !hasHTTPScheme(issuerID) {
			r.fail(CheckHostedScope, "the issuer Profile's id %s has no HTTP origin to host assertions on, and the Profile declares no allowedOrigins or startsWith", describeValue(issuerID))
			return
		}
		if origin(aURL) != origin(iURL) {
			r.fail(CheckHostedScope, "the assertion %s is hosted on %s, not on the issuer's origin %s (issuer Profile %s), and the issuer Profile declares no allowedOrigins or startsWith that would allow it", id, origin(aURL), origin(iURL), issuerID)
			return
		}
		r.pass(CheckHostedScope, "the assertion is hosted on the issuer's origin %s", origin(iURL))
		return
	}
	if len(starts) > 0 && !hasAnyPrefix(id, starts) {
		r.fail(CheckHostedScope, "the assertion %s does not start with any of %s, which the issuer Profile %s allows (startsWith)", id, strings.Join(starts, ", "), issuerID)
		return
	}
	if len(allowed) > 0 && !originAllowed(aURL, allowed) {
		r.fail(CheckHostedScope, "the assertion %s is hosted on %s, which is not among the origins the issuer Profile %s allows (allowedOrigins: %s)", id, aURL.Host, issuerID, strings.Join(allowed, ", "))
		return
	}
	r.pass(CheckHostedScope, "the assertion's id is within the scope the issuer Profile %s declares", issuerID)
}

// badgeScope warns when a hosted assertion's BadgeClass has an HTTP id on
// another origin than its issuer Profile, with no verification rules in the
// Profile. The specification's default rule requires "the Assertion and
// BadgeClass to be hosted on the same origin as the issuer Profile id", but
// verifiers have commonly enforced it for the Assertion only, so a badge is
// not refused for it.
func (r *run) badgeScope(badge, issuer map[string]any) {
	badgeID, _ := badge["id"].(string)
	issuerID, _ := issuer["id"].(string)
	if policy, _ := issuer["verification"].(map[string]any); policy["startsWith"] != nil || policy["allowedOrigins"] != nil {
		return
	}
	bURL, err1 := url.Parse(badgeID)
	iURL, err2 := url.Parse(issuerID)
	if err1 != nil || err2 != nil || !hasHTTPScheme(badgeID) || !hasHTTPScheme(issuerID) {
		return
	}
	if origin(bURL) != origin(iURL) {
		r.warn(CheckHostedScope, "the BadgeClass %s is hosted on %s, not on the issuer's origin %s", badgeID, origin(bURL), origin(iURL))
	}
}

// origin returns the scheme, host and port of u, in lower case, with the
// scheme's default port left out.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

// originAllowed reports whether u's host is in allowed, a list of host
// names ("URI hostname string"); an entry with a port matches that port
// only.
func originAllowed(u *url.URL, allowed []string) bool {
	host := strings.ToLower(u.Hostname())
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == host || a == strings.ToLower(u.Host) {
			return true
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if p != "" && strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// expiry checks expires and issuedOn against the current time.
func (r *run) expiry(a map[string]any) {
	if s, ok := a["expires"].(string); ok {
		// A malformed value is already an assertion-valid error.
		if t, err := vocab.ParseDateTime(s); err == nil {
			t = t.UTC()
			r.rep.Expires = &t
			if !t.After(r.now) {
				r.rep.Expired = true
				r.fail(CheckExpiry, "expired on %s", t.Format(time.RFC3339))
			} else {
				r.pass(CheckExpiry, "expires on %s", t.Format(time.RFC3339))
			}
		}
	} else {
		r.pass(CheckExpiry, "does not expire")
	}
	if s, ok := a["issuedOn"].(string); ok {
		if t, err := vocab.ParseDateTime(s); err == nil {
			if t.After(r.now.Add(issuedOnSkew)) {
				r.fail(CheckIssuedOn, "issued on %s, which is in the future", t.UTC().Format(time.RFC3339))
			} else {
				r.pass(CheckIssuedOn, "issued on %s", t.UTC().Format(time.RFC3339))
			}
		}
	}
}

// revocation checks the issuer's revocation list, when it has one.
func (r *run) revocation(a, issuer map[string]any) {
	if r.rep.Revoked {
		return
	}
	listURL, _ := issuer["revocationList"].(string)
	if listURL == "" {
		if r.rep.Verification == Hosted {
			r.pass(CheckRevocation, "the hosted assertion is not marked revoked, and the issuer publishes no revocation list")
		} else {
			r.pass(CheckRevocation, "the issuer publishes no revocation list")
		}
		return
	}
	list := r.fetchDoc(CheckRevocation, CheckRevocation, "the revocation list", listURL, false)
	if list == nil {
		return
	}
	if !r.checkDoc(CheckRevocation, "RevocationList", "the revocation list", list) {
		return
	}
	id, _ := a["id"].(string)
	uid, _ := a["uid"].(string)
	entries, ok := list["revokedAssertions"].([]any)
	if !ok {
		entries = []any{list["revokedAssertions"]}
	}
	for _, e := range entries {
		switch e := e.(type) {
		case string:
			if e != "" && (e == id || e == uid) {
				r.revoked("", "the issuer revoked this assertion: its revocation list %s names it", listURL)
				return
			}
		case map[string]any:
			eid, _ := e["id"].(string)
			euid, _ := e["uid"].(string)
			if eid != "" && eid == id || euid != "" && euid == uid {
				if e["revoked"] == false {
					continue // listed, but explicitly not revoked
				}
				reason, _ := e["revocationReason"].(string)
				r.revoked(reason, "the issuer revoked this assertion: its revocation list %s names it", listURL)
				return
			}
		}
	}
	r.pass(CheckRevocation, "not in the issuer's revocation list %s", listURL)
}

// stringsOf returns the strings of a value that may be a string or an
// array of strings.
func stringsOf(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// describeValue renders a value found in a document for a message.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(none)"
	case string:
		if len(v) > 200 {
			cut := 200
			for cut > 0 && !utf8.RuneStart(v[cut]) {
				cut--
			}
			v = v[:cut] + "…"
		}
		return fmt.Sprintf("%q", v)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%v", v)
}
