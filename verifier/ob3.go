package verifier

import (
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
// (eddsa-rdfc-2022 with dataintegrity, or an EdDSA VC-JWT) made with a key
// its issuer controls (CredentialKeyResolver), validFrom and validUntil,
// its BitstringStatusList entries, and the recipient.

// Check names of the 3.0 path, beside the shared ones (signature,
// key-owner, expiry, issued-on, revocation, recipient).
const (
	CheckCredentialValid = "credential-valid" // the credential has what Open Badges 3.0 requires
)

// Verification methods of 3.0 credentials, as Report.Verification gives
// them.
const (
	DataIntegrity = "eddsa-rdfc-2022"
	VCJWT         = "vc-jwt"
)

// isCredential reports whether doc is a Verifiable Credential rather than
// an Open Badges 2.0 document.
func isCredential(doc map[string]any) bool {
	return slices.Contains(stringsOf(doc["type"]), "VerifiableCredential")
}

// isVCJWT reports whether text is an EdDSA JWS naming its key, as VC-JWTs
// (Laurel's among them) are.
func isVCJWT(text string) bool {
	_, err := vocab.VCJWTKeyID(text)
	return err == nil
}

// issuerOf is the id of a credential's issuer (an object or a URL).
func issuerOf(doc map[string]any) string {
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
	kid, _ := vocab.VCJWTKeyID(text)
	payload, err := vocab.ParseJWS(text)
	if err != nil {
		r.fail(CheckSignature, "the VC-JWT cannot be read: %v", err)
		return
	}
	doc, err := decodeObject(payload)
	if err != nil {
		r.fail(CheckCredentialValid, "the VC-JWT's payload is not a JSON object: %v", err)
		return
	}
	doc = plain(doc)
	created, _ := vocab.ParseDateTime(str(doc["validFrom"]))
	pub, err := r.keyResolver(issuerOf(doc))(r.ctx, kid, created)
	if err != nil {
		r.fail(CheckKeyOwner, "the key %s is not one the issuer controls: %v", kid, err)
		r.credentialChecks(doc, in)
		return
	}
	r.pass(CheckKeyOwner, "the key %s is the issuer's", kid)
	if _, err := vocab.VerifyVCJWT(text, pub); err != nil {
		r.fail(CheckSignature, "%v", err)
	} else {
		r.pass(CheckSignature, "the VC-JWT's EdDSA signature verifies")
	}
	r.credentialChecks(doc, in)
}

// verifyCredential checks a credential with an embedded proof.
func (r *run) verifyCredential(doc map[string]any, in Input) {
	r.rep.Verification = DataIntegrity
	doc = plain(doc)
	p, err := dataintegrity.Verify(r.ctx, doc, r.keyResolver(issuerOf(doc)), r.loader)
	switch {
	case errors.Is(err, dataintegrity.ErrInvalid):
		r.fail(CheckSignature, "%v", err)
	case err != nil:
		r.fail(CheckKeyOwner, "%v", err)
	default:
		r.pass(CheckKeyOwner, "the key %s is the issuer's", p.VerificationMethod)
		r.pass(CheckSignature, "the eddsa-rdfc-2022 proof verifies")
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
	if t, err := vocab.ParseDateTime(str(doc["validFrom"])); err == nil {
		if t.After(r.now.Add(issuedOnSkew)) {
			r.fail(CheckIssuedOn, "valid only from %s, which is in the future", t.UTC().Format(time.RFC3339))
		} else {
			r.pass(CheckIssuedOn, "valid from %s", t.UTC().Format(time.RFC3339))
		}
	}
	if s := str(doc["validUntil"]); s != "" {
		if t, err := vocab.ParseDateTime(s); err == nil {
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
}

// credentialStatus checks each BitstringStatusListEntry of the credential
// against its signed list, which must be the same issuer's.
func (r *run) credentialStatus(doc map[string]any) {
	entries := objects(doc["credentialStatus"])
	if len(entries) == 0 {
		r.pass(CheckRevocation, "the credential has no status to check")
		return
	}
	for _, st := range entries {
		if str(st["type"]) != "BitstringStatusListEntry" {
			r.warn(CheckRevocation, "a status of type %s is not checked", describeValue(st["type"]))
			continue
		}
		listURL, purpose := str(st["statusListCredential"]), str(st["statusPurpose"])
		index, err := strconv.Atoi(str(st["statusListIndex"]))
		if err != nil || index < 0 {
			r.fail(CheckRevocation, "statusListIndex %s is not a number", describeValue(st["statusListIndex"]))
			continue
		}
		set, err := r.statusBit(listURL, issuerOf(doc), index)
		switch {
		case err != nil:
			r.fail(CheckRevocation, "the status list could not be checked: %v", err)
		case set && purpose == "revocation":
			r.revoked("", "the issuer revoked this credential: bit %d of %s is set", index, listURL)
		case set:
			r.fail(CheckRevocation, "the credential's %s status is set (bit %d of %s)", purpose, index, listURL)
		default:
			r.pass(CheckRevocation, "not %s: bit %d of %s is clear", strings.TrimSuffix(purpose, "ion")+"ed", index, listURL)
		}
	}
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
	if got := issuerOf(list); got != issuerID {
		return false, fmt.Errorf("the status list %s is issued by %s, not by the credential's issuer", u, describeValue(got))
	}
	if _, err := dataintegrity.Verify(r.ctx, list, r.keyResolver(issuerID), r.loader); err != nil {
		return false, fmt.Errorf("the status list's proof: %v", err)
	}
	subject, _ := list["credentialSubject"].(map[string]any)
	bits, err := statuslist.Decode(str(subject["encodedList"]))
	if err != nil {
		return false, err
	}
	return bits.Bit(index)
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
