package verifier

import (
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/statuslist"
	"github.com/laurelnet/laurel/vocab"
)

// Open Badges 3.0: a Verifiable Credential (an OpenBadgeCredential), given
// as JSON, as a VC-JWT, at a URL or baked in an image, is checked with the
// same Report: its shape (vocab.CheckCredential), the proof
// (eddsa-rdfc-2022 or Ed25519Signature2020 with dataintegrity, or a
// VC-JWT signed EdDSA, ES256 or RS256) made with a key its issuer controls
// (CredentialKeyResolver), validFrom and validUntil, its status
// (BitstringStatusList entries, a 1EdTechRevocationList), the recipient,
// and each embedded EndorsementCredential in turn.

// Check names of the 3.0 path, beside the shared ones (signature,
// key-owner, expiry, issued-on, revocation, recipient).
const (
	CheckCredentialValid = "credential-valid" // the credential has what Open Badges 3.0 requires
	CheckJWTClaims       = "jwt-claims"       // a VC-JWT's iss, jti, sub, nbf and exp agree with the credential
	CheckEndorsement     = "endorsement"      // an embedded EndorsementCredential verifies (one check each)
)

// Verification methods of 3.0 credentials, as Report.Verification gives
// them: the proof's suite, or a VC-JWT.
const (
	DataIntegrity        = "eddsa-rdfc-2022"
	Ed25519Signature2020 = "Ed25519Signature2020"
	VCJWT                = "vc-jwt"
)

// MaxEndorsements is how many embedded EndorsementCredentials one
// verification checks; any more are reported as not checked.
const MaxEndorsements = 8

// isCredential reports whether doc is a Verifiable Credential rather than
// an Open Badges 2.0 document.
func isCredential(doc map[string]any) bool {
	return slices.Contains(stringsOf(doc["type"]), "VerifiableCredential")
}

// isVCJWT reports whether text is a VC-JWT: a JWS of an algorithm VC-JWTs
// use, naming its key, whose payload is a credential (itself or under
// "vc"). A signed Open Badges 2.0 assertion is a JWS too, of an Assertion.
func isVCJWT(text string) bool {
	_, payload, err := vocab.ParseVCJWT(text)
	if err != nil {
		return false
	}
	claims, err := decodeObject(payload)
	if err != nil {
		return false
	}
	if vc, ok := claims["vc"].(map[string]any); ok {
		claims = vc
	}
	return isCredential(claims)
}

// IssuerOf is the id of a credential's issuer (an object or a URL).
func IssuerOf(doc map[string]any) string {
	if m, ok := doc["issuer"].(map[string]any); ok {
		return str(m["id"])
	}
	return str(doc["issuer"])
}

// plain re-decodes doc without json.Number, which JSON-LD processing does
// not take.
func plain(doc map[string]any) map[string]any {
	b, err := json.Marshal(doc)
	if err != nil {
		return doc
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return doc
	}
	return out
}

// verifyCredentialJWT checks a VC-JWT's signature with its issuer's key,
// then the credential in it.
func (r *run) verifyCredentialJWT(text string, in Input) {
	r.rep.Verification = VCJWT
	h, payload, err := vocab.ParseVCJWT(text)
	if err != nil {
		r.fail(CheckSignature, "the VC-JWT cannot be read: %v", err)
		return
	}
	claims, err := decodeObject(payload)
	if err != nil {
		r.fail(CheckCredentialValid, "the VC-JWT's payload is not a JSON object: %v", err)
		return
	}
	claims = plain(claims)
	doc := claims
	if vc, ok := claims["vc"].(map[string]any); ok {
		// VC Data Model 1.1 style: the credential is the "vc" claim,
		// and the JWT claims may stand for its properties.
		doc = vc
	}
	// The claims first: they may stand for the credential's issuer, id
	// and dates, which the key's check needs.
	r.jwtClaims(claims, doc)
	issuer := IssuerOf(doc)
	created, _ := vocab.ParseDateTime(str(doc["validFrom"]))
	var pub crypto.PublicKey
	switch {
	case h.KeyID != "":
		pub, err = r.anyKey(issuer, h.KeyID, created)
		if err != nil {
			r.fail(CheckKeyOwner, "the key %s is not one the issuer controls: %v", h.KeyID, err)
		} else {
			r.pass(CheckKeyOwner, "the key %s is the issuer's", h.KeyID)
		}
	default:
		// The key is in the header (jwk): it proves nothing unless the
		// issuer lists it.
		var id string
		id, err = r.issuerListsKey(issuer, h.Key, created)
		if err != nil {
			r.fail(CheckKeyOwner, "the key in the VC-JWT's header is not one the issuer controls: %v", err)
		} else {
			pub = h.Key
			r.pass(CheckKeyOwner, "the key in the VC-JWT's header is the issuer's %s", id)
		}
	}
	if err == nil {
		if _, err := vocab.VerifyVCJWT(text, pub); err != nil {
			r.fail(CheckSignature, "%v", err)
		} else {
			r.pass(CheckSignature, "the VC-JWT's %s signature verifies", h.Alg)
		}
	}
	r.credentialChecks(doc, in)
}

// jwtClaims checks that the JWT claims Open Badges 3.0 §8.2 defines agree
// with the credential's properties, filling in those the credential
// leaves to them (as the specification converts the payload to a
// credential). A claim that is absent is not an error: VC-JWTs of the VC
// Data Model 2.0 (Laurel's among them) need none.
func (r *run) jwtClaims(claims, doc map[string]any) {
	var bad []string
	same := func(claim, prop, want string) {
		got := str(claims[claim])
		switch {
		case got == "":
		case want == "" && prop == "id":
			doc["id"] = got
		case want == "" && prop == "issuer.id":
			doc["issuer"] = got
		case got != want:
			bad = append(bad, fmt.Sprintf("%s %q is not the credential's %s %q", claim, got, prop, want))
		}
	}
	same("iss", "issuer.id", IssuerOf(doc))
	same("jti", "id", str(doc["id"]))
	var subject string
	if s := objects(doc["credentialSubject"]); len(s) > 0 {
		subject = str(s[0]["id"])
	}
	if subject != "" {
		same("sub", "credentialSubject.id", subject)
	}
	date := func(claim, prop string) {
		n, ok := claims[claim].(float64)
		if !ok {
			if claims[claim] != nil {
				bad = append(bad, fmt.Sprintf("%s is not a NumericDate", claim))
			}
			return
		}
		t := time.Unix(int64(n), 0).UTC()
		have := str(doc[prop])
		if have == "" {
			doc[prop] = t.Format(time.RFC3339)
			return
		}
		if ht, err := vocab.ParseDateTime(have); err == nil && !ht.Truncate(time.Second).Equal(t) {
			bad = append(bad, fmt.Sprintf("%s %s is not the credential's %s %s", claim, t.Format(time.RFC3339), prop, have))
		}
	}
	date("nbf", "validFrom")
	date("exp", "validUntil")
	switch {
	case len(bad) > 0:
		r.fail(CheckJWTClaims, "the VC-JWT's claims disagree with its credential: %s", strings.Join(bad, "; "))
	case slices.ContainsFunc([]string{"iss", "jti", "sub", "nbf", "exp"}, func(c string) bool { return claims[c] != nil }):
		r.pass(CheckJWTClaims, "the VC-JWT's claims agree with its credential")
	}
}

// verifyCredential checks a credential with an embedded proof.
func (r *run) verifyCredential(doc map[string]any, in Input) {
	r.rep.Verification = DataIntegrity
	doc = plain(doc)
	p, err := dataintegrity.Verify(r.ctx, doc, r.keyResolver(IssuerOf(doc)), r.credLoader())
	suite := DataIntegrity
	if p.Type == dataintegrity.Ed25519Signature2020 {
		suite = Ed25519Signature2020
		r.rep.Verification = Ed25519Signature2020
	}
	switch {
	case errors.Is(err, dataintegrity.ErrInvalid):
		r.fail(CheckSignature, "%v", err)
	case err != nil:
		r.fail(CheckKeyOwner, "%v", err)
	default:
		r.pass(CheckKeyOwner, "the key %s is the issuer's", p.VerificationMethod)
		r.pass(CheckSignature, "the %s proof verifies", suite)
	}
	r.credentialChecks(doc, in)
}

// credentialChecks makes the checks that do not depend on the proof's
// format.
func (r *run) credentialChecks(doc map[string]any, in Input) {
	r.rep.Credential = doc
	problems := vocab.CheckCredential(doc)
	var errs []string
	for _, p := range problems {
		if p.Warning {
			r.warn(CheckCredentialValid, "%s", p)
		} else {
			errs = append(errs, p.String())
		}
	}
	if len(errs) > 0 {
		r.fail(CheckCredentialValid, "the credential breaks the Open Badges 3.0 rules: %s", strings.Join(errs, "; "))
	} else {
		r.pass(CheckCredentialValid, "an Open Badges 3.0 credential with every required property")
	}
	// A credential of the VC Data Model 1.1 names its dates issuanceDate
	// and expirationDate.
	from, until := str(doc["validFrom"]), str(doc["validUntil"])
	if from == "" {
		from = str(doc["issuanceDate"])
	}
	if until == "" {
		until = str(doc["expirationDate"])
	}
	if t, err := vocab.ParseDateTime(from); err == nil {
		if t.After(r.now.Add(issuedOnSkew)) {
			r.fail(CheckIssuedOn, "valid only from %s, which is in the future", t.UTC().Format(time.RFC3339))
		} else {
			r.pass(CheckIssuedOn, "valid from %s", t.UTC().Format(time.RFC3339))
		}
	}
	if until != "" {
		if t, err := vocab.ParseDateTime(until); err == nil {
			t = t.UTC()
			r.rep.Expires = &t
			if !t.After(r.now) {
				r.rep.Expired = true
				r.fail(CheckExpiry, "valid until %s, which has passed", t.Format(time.RFC3339))
			} else {
				r.pass(CheckExpiry, "valid until %s", t.Format(time.RFC3339))
			}
		}
	} else {
		r.pass(CheckExpiry, "does not expire")
	}
	r.credentialStatus(doc)
	if !vocab.IsEndorsementCredential(doc) { // an endorsement has no recipient to compare
		r.credentialRecipient(doc, in)
	}
	if !r.nested {
		r.endorsements(doc)
	}
}

// credentialStatus checks each status of the credential: the entries of
// BitstringStatusLists, against the issuer's signed list, and a
// 1EdTechRevocationList, which must not list the credential.
func (r *run) credentialStatus(doc map[string]any) {
	entries := objects(doc["credentialStatus"])
	if len(entries) == 0 {
		r.pass(CheckRevocation, "the credential has no status to check")
		return
	}
	for _, st := range entries {
		switch str(st["type"]) {
		case "BitstringStatusListEntry":
			r.bitstringStatus(doc, st)
		case "1EdTechRevocationList":
			r.revocationList(doc, str(st["id"]))
		default:
			r.warn(CheckRevocation, "a status of type %s is not checked", describeValue(st["type"]))
		}
	}
}

// bitstringStatus checks one BitstringStatusListEntry.
func (r *run) bitstringStatus(doc, st map[string]any) {
	listURL, purpose := str(st["statusListCredential"]), str(st["statusPurpose"])
	index, err := strconv.Atoi(str(st["statusListIndex"]))
	if err != nil || index < 0 {
		r.fail(CheckRevocation, "statusListIndex %s is not a number", describeValue(st["statusListIndex"]))
		return
	}
	set, err := r.statusBit(listURL, IssuerOf(doc), index)
	switch {
	case err != nil:
		r.fail(CheckRevocation, "the status list could not be checked: %v", err)
	case set && purpose == "revocation":
		r.revoked("", "the issuer revoked this credential: bit %d of %s is set", index, listURL)
	case set:
		r.fail(CheckRevocation, "the credential's %s status is set (bit %d of %s)", purpose, index, listURL)
	default:
		state := map[string]string{"revocation": "revoked", "suspension": "suspended"}[purpose]
		if state == "" {
			state = "set for " + purpose
		}
		r.pass(CheckRevocation, "not %s: bit %d of %s is clear", state, index, listURL)
	}
}

// revocationList checks a 1EdTechRevocationList (the 1EdTech Revocation
// List Status Method): the JSON document at the status's id names its
// issuer, which must be the credential's, and lists the revoked
// credentials under revokedCredentials, each by id with an optional
// revocationReason. The list is not signed; it is trusted as the issuer's
// for being named by the signed credential and naming the same issuer.
func (r *run) revocationList(doc map[string]any, u string) {
	id := str(doc["id"])
	if id == "" {
		r.fail(CheckRevocation, "the credential has no id to look up in its revocation list")
		return
	}
	if err := checkFetchURL(u); err != nil {
		r.fail(CheckRevocation, "the revocation list could not be checked: %v", err)
		return
	}
	res, err := r.f.get(r.ctx, u)
	if err != nil {
		r.fail(CheckRevocation, "the revocation list could not be checked: %v", err)
		return
	}
	if res.status != http.StatusOK {
		r.fail(CheckRevocation, "the revocation list could not be checked: %s answered %s", u, res.statusText)
		return
	}
	list, err := decodeObject(res.body)
	if err != nil {
		r.fail(CheckRevocation, "the revocation list could not be checked: %s: %v", u, err)
		return
	}
	if got := IssuerOf(list); got != IssuerOf(doc) {
		r.fail(CheckRevocation, "the revocation list %s is issued by %s, not by the credential's issuer", u, describeValue(got))
		return
	}
	for _, e := range asList(list["revokedCredentials"]) {
		entryID, reason := str(e), ""
		if m, ok := e.(map[string]any); ok {
			entryID, reason = str(m["id"]), str(m["revocationReason"])
		}
		if entryID == id {
			r.revoked(reason, "the issuer revoked this credential: %s lists it", u)
			return
		}
	}
	r.pass(CheckRevocation, "not revoked: the revocation list %s does not list it", u)
}

// statusBit fetches and verifies the status list credential at u (signed
// by issuerID) and reads bit index.
func (r *run) statusBit(u, issuerID string, index int) (bool, error) {
	if err := checkFetchURL(u); err != nil {
		return false, err
	}
	res, err := r.f.get(r.ctx, u)
	if err != nil {
		return false, err
	}
	if res.status != http.StatusOK {
		return false, fmt.Errorf("%s answered %s", u, res.statusText)
	}
	list, err := decodeObject(res.body)
	if err != nil {
		return false, fmt.Errorf("%s: %v", u, err)
	}
	list = plain(list)
	if got := IssuerOf(list); got != issuerID {
		return false, fmt.Errorf("the status list %s is issued by %s, not by the credential's issuer", u, describeValue(got))
	}
	if _, err := dataintegrity.Verify(r.ctx, list, r.keyResolver(issuerID), r.credLoader()); err != nil {
		return false, fmt.Errorf("the status list's proof: %v", err)
	}
	subject, _ := list["credentialSubject"].(map[string]any)
	bits, err := statuslist.Decode(str(subject["encodedList"]))
	if err != nil {
		return false, err
	}
	return bits.Bit(index)
}

// embedded is an EndorsementCredential found in a credential: as JSON or
// a VC-JWT, and where.
type embedded struct {
	where string // "the credential", "the issuer", "the achievement"
	doc   map[string]any
	jwt   string
}

// endorsements verifies each EndorsementCredential embedded in doc (in
// endorsement and endorsementJwt, at the top, in the issuer Profile and
// in the achievement), each as a credential of its own (proof, key owner,
// dates, status, shape; no recipient), and reports one endorsement check
// for each. Endorsements are others' claims about the badge, its issuer
// or its achievement, not part of the issuer's: a failed one is a
// warning, and the credential stays valid.
func (r *run) endorsements(doc map[string]any) {
	var found []embedded
	collect := func(where string, holder map[string]any) {
		if holder == nil {
			return
		}
		for _, e := range objects(holder["endorsement"]) {
			found = append(found, embedded{where: where, doc: e})
		}
		for _, j := range asList(holder["endorsementJwt"]) {
			found = append(found, embedded{where: where, jwt: str(j)})
		}
	}
	collect("the credential", doc)
	issuer, _ := doc["issuer"].(map[string]any)
	collect("the issuer", issuer)
	if s := objects(doc["credentialSubject"]); len(s) > 0 {
		achievement, _ := s[0]["achievement"].(map[string]any)
		collect("the achievement", achievement)
	}
	for i, e := range found {
		if i == MaxEndorsements {
			r.warn(CheckEndorsement, "%d more endorsements were not checked (at most %d are)", len(found)-i, MaxEndorsements)
			break
		}
		r.endorsement(i+1, e)
	}
}

// endorsement verifies one embedded EndorsementCredential with a run of
// its own, and reports it as one check.
func (r *run) endorsement(n int, e embedded) {
	sub := Report{Checks: []Check{}, Errors: []Check{}, Warnings: []Check{}}
	nr := &run{ctx: r.ctx, now: r.now, rep: &sub, f: r.f, loader: r.loader, v: r.v, nested: true}
	doc := e.doc
	switch {
	case e.jwt != "" && !isVCJWT(e.jwt):
		sub.fail(CheckSignature, "endorsementJwt is not a VC-JWT of a credential")
	case e.jwt != "":
		nr.verifyCredentialJWT(e.jwt, Input{})
		doc = sub.Credential
	default:
		nr.verifyCredential(doc, Input{})
	}
	if doc != nil && !vocab.IsEndorsementCredential(doc) {
		sub.fail(CheckCredentialValid, "it is not an EndorsementCredential")
	}
	endorser := "an unknown endorser"
	if doc != nil {
		endorser = IssuerOf(doc)
		if is, ok := doc["issuer"].(map[string]any); ok && str(is["name"]) != "" {
			endorser = fmt.Sprintf("%s (%s)", str(is["name"]), IssuerOf(doc))
		}
	}
	what := fmt.Sprintf("endorsement %d, of %s by %s", n, e.where, endorser)
	summary := EndorsementReport{Where: e.where, Endorser: endorser, Valid: len(sub.Errors) == 0,
		Verification: sub.Verification, Checks: sub.Checks, Errors: sub.Errors}
	if doc != nil {
		summary.ID = str(doc["id"])
	}
	r.rep.Endorsements = append(r.rep.Endorsements, summary)
	if len(sub.Errors) == 0 {
		r.pass(CheckEndorsement, "%s, verifies", what)
		return
	}
	var failed []string
	for _, c := range sub.Errors {
		failed = append(failed, c.Name+": "+c.Message)
	}
	r.warn(CheckEndorsement, "%s, does not verify: %s", what, strings.Join(failed, "; "))
}

// credentialRecipient compares the earner of the credential with the
// email address or URL given.
func (r *run) credentialRecipient(doc map[string]any, in Input) {
	email := strings.TrimSpace(in.RecipientEmail)
	page := strings.TrimSpace(in.RecipientURL)
	if email == "" && page == "" {
		r.warn(CheckRecipient, "the recipient was not checked: give the email address or URL the badge should have been awarded to")
		return
	}
	matched := false
	r.rep.RecipientMatched = &matched
	subjects := objects(doc["credentialSubject"])
	if len(subjects) == 0 {
		r.fail(CheckRecipient, "the credential names no subject")
		return
	}
	s := subjects[0]
	if page != "" && str(s["id"]) != "" && plainMatches("url", str(s["id"]), page) {
		matched = true
	}
	for _, id := range objects(s["identifier"]) {
		if email == "" || str(id["identityType"]) != "emailAddress" {
			continue
		}
		identity := str(id["identityHash"])
		if id["hashed"] == true {
			if alg, digest, err := vocab.ParseIdentityHash(identity); err == nil &&
				hashMatches(alg, digest, str(id["salt"]), candidates("email", email)) {
				matched = true
			}
		} else if plainMatches("email", identity, email) {
			matched = true
		}
	}
	if matched {
		r.pass(CheckRecipient, "the credential was awarded to the %s given", givenKinds(email, page))
		return
	}
	r.fail(CheckRecipient, "the credential was not awarded to the %s given", givenKinds(email, page))
}

// objects returns the objects of v: v itself, or those of an array.
func objects(v any) []map[string]any {
	var out []map[string]any
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
