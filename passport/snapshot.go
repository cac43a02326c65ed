package passport

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// snapshot is what an item keeps of a badge as verified: the documents,
// and what the lists show of them.
type snapshot struct {
	Verification     string
	JWS              string
	Assertion        map[string]any
	Badge            map[string]any
	Issuer           map[string]any
	BadgeName        string
	BadgeImage       string
	IssuerName       string
	IssuedOn         *time.Time
	Expires          *time.Time
	Revoked          bool
	RevocationReason string
	// Credential is the Open Badges 3.0 credential as verified, with its
	// signed JSON and VC-JWT as received; empty for a 2.0-only badge.
	Credential     map[string]any
	CredentialJSON string
	CredentialJWT  string
}

// snapshotSet writes a snapshot over an item, parameters $2 to $16 being
// snapshot.values, and notes the item verified and checked now.
const snapshotSet = `verified = true, verification = $2, jws = $3, assertion = $4, badge = $5, issuer = $6,
	badge_name = $7, badge_image = $8, issuer_name = $9, issued_on = $10, expires = $11, revoked = $12,
	revocation_reason = $13, credential = $14, credential_json = $15, credential_jwt = $16,
	problem = '', last_checked_at = now()`

// values are the snapshot's columns in the order of snapshotSet.
func (s snapshot) values() []any {
	return []any{s.Verification, s.JWS, nonNil(s.Assertion), nonNil(s.Badge), nonNil(s.Issuer),
		s.BadgeName, s.BadgeImage, s.IssuerName, s.IssuedOn, s.Expires, s.Revoked, s.RevocationReason,
		nonNil(s.Credential), s.CredentialJSON, s.CredentialJWT}
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// reportSnapshot is the snapshot of a verification; jws is the signed
// assertion that was verified, kept only when it was verified as signed.
func reportSnapshot(rep verifier.Report, jws string) snapshot {
	s := snapshot{
		Verification: rep.Verification, Assertion: rep.Assertion, Badge: rep.BadgeClass, Issuer: rep.Issuer,
		BadgeName: text(rep.BadgeClass["name"]), BadgeImage: idOf(rep.BadgeClass["image"]),
		IssuerName: text(rep.Issuer["name"]), Expires: rep.Expires,
		Revoked: rep.Revoked, RevocationReason: rep.RevocationReason,
	}
	if rep.Verification == verifier.Signed {
		s.JWS = strings.TrimSpace(jws)
	}
	if t, err := vocab.ParseDateTime(text(rep.Assertion["issuedOn"])); err == nil {
		t = t.UTC()
		s.IssuedOn = &t
	}
	return s
}

// credentialSnapshot is the snapshot of a verified Open Badges 3.0
// credential; received is the credential as given (its signed JSON or its
// VC-JWT), kept to check it again and to export it.
func credentialSnapshot(rep verifier.Report, received string) snapshot {
	c := rep.Credential
	ach := achievementOf(c)
	s := snapshot{
		Verification: rep.Verification, Credential: c,
		BadgeName: text(ach["name"]), BadgeImage: idOf(ach["image"]),
		IssuerName: issuerName(c), Expires: rep.Expires,
		Revoked: rep.Revoked, RevocationReason: rep.RevocationReason,
	}
	if s.BadgeName == "" {
		s.BadgeName = text(c["name"])
	}
	received = strings.TrimSpace(received)
	if strings.HasPrefix(received, "{") {
		s.CredentialJSON = received
	} else {
		s.CredentialJWT = received
	}
	for _, k := range []string{"validFrom", "awardedDate", "issuanceDate"} {
		if t, err := vocab.ParseDateTime(text(c[k])); err == nil {
			t = t.UTC()
			s.IssuedOn = &t
			break
		}
	}
	return s
}

// withCredential is the 2.0 snapshot s of a badge issued in both
// standards, with the 3.0 snapshot c of its credential beside it: one
// revoked is the badge revoked.
func withCredential(s, c snapshot) snapshot {
	s.Credential, s.CredentialJSON, s.CredentialJWT = c.Credential, c.CredentialJSON, c.CredentialJWT
	if c.Revoked && !s.Revoked {
		s.Revoked, s.RevocationReason = true, c.RevocationReason
	}
	if s.BadgeName == "" {
		s.BadgeName, s.BadgeImage, s.IssuerName, s.IssuedOn, s.Expires = c.BadgeName, c.BadgeImage, c.IssuerName, c.IssuedOn, c.Expires
	}
	return s
}

// achievementOf is the Achievement of a credential's (first) subject.
func achievementOf(c map[string]any) map[string]any {
	for _, s := range list(c["credentialSubject"]) {
		if m, ok := s.(map[string]any); ok {
			a, _ := m["achievement"].(map[string]any)
			return a
		}
	}
	return nil
}

// issuerName is the name of a credential's issuer, or its id when the
// issuer is given by id only.
func issuerName(c map[string]any) string {
	if m, ok := c["issuer"].(map[string]any); ok {
		if n := text(m["name"]); n != "" {
			return n
		}
		return text(m["id"])
	}
	return text(c["issuer"])
}

// localSnapshot is the snapshot of a badge issued on this node, made from
// the issuer's own records: nothing needs fetching to trust them.
func localSnapshot(ctx context.Context, db DB, u issuer.URLs, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion) (snapshot, error) {
	profile, err := issuer.ProfileDocument(ctx, db, u, o)
	if err != nil {
		return snapshot{}, err
	}
	s := snapshot{
		Verification: verifier.Hosted, JWS: a.JWS,
		BadgeName: b.Name, BadgeImage: u.BadgeImage(b.UUID), IssuerName: o.Name,
		IssuedOn: &a.IssuedOn, Expires: a.Expires, Revoked: a.Revoked(), RevocationReason: a.RevocationReason,
	}
	if a.JWS != "" {
		s.Verification = verifier.Signed
	}
	if err := localCredential(ctx, db, a, &s); err != nil {
		return snapshot{}, err
	}
	if !a.OB2 && s.Credential != nil {
		// Issued as a 3.0 credential only: no 2.0 documents to keep.
		return s, nil
	}
	for _, d := range []struct {
		doc any
		dst *map[string]any
	}{{a.Document(u), &s.Assertion}, {b.Document(u), &s.Badge}, {profile, &s.Issuer}} {
		raw, err := json.Marshal(d.doc)
		if err != nil {
			return snapshot{}, fmt.Errorf("snapshot of assertion %s: %w", a.UUID, err)
		}
		if err := json.Unmarshal(raw, d.dst); err != nil {
			return snapshot{}, fmt.Errorf("snapshot of assertion %s: %w", a.UUID, err)
		}
	}
	return s, nil
}

// localCredential adds to s the Open Badges 3.0 credential this node
// issued with assertion a, if it issued one.
func localCredential(ctx context.Context, db DB, a issuer.Assertion, s *snapshot) error {
	doc, _, err := issuer.CredentialJSON(ctx, db, a.UUID)
	if problem.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("snapshot of credential %s: %w", a.UUID, err)
	}
	jwt, _, err := issuer.CredentialJWT(ctx, db, a.UUID)
	if err != nil {
		return fmt.Errorf("snapshot of credential %s: %w", a.UUID, err)
	}
	if err := json.Unmarshal(doc, &s.Credential); err != nil {
		return fmt.Errorf("snapshot of credential %s: %w", a.UUID, err)
	}
	s.CredentialJSON, s.CredentialJWT = string(doc), string(jwt)
	return nil
}

// text is a string value of a document, or "".
func text(v any) string {
	s, _ := v.(string)
	return s
}

// idOf is a value that is an IRI or an object with one as its id, such
// as a BadgeClass's image.
func idOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		return text(v["id"])
	}
	return ""
}

// acceptable reports whether a verification lets a badge be kept: it was
// read, and no check failed but expiry. An expired badge is kept and
// shown as expired; a revoked one is not kept.
func acceptable(rep verifier.Report) bool {
	if rep.Credential == nil && (rep.Assertion == nil || rep.BadgeClass == nil || rep.Issuer == nil) {
		return false
	}
	for _, c := range rep.Errors {
		if c.Name != verifier.CheckExpiry {
			return false
		}
	}
	return true
}

// refusal says why a verification does not let a badge be kept.
func refusal(rep verifier.Report) string {
	if rep.RecipientMatched != nil && !*rep.RecipientMatched {
		for _, c := range rep.Errors {
			if c.Name == verifier.CheckRecipient {
				return "it was not awarded to you (" + c.Message + ")"
			}
		}
	}
	if rep.Revoked {
		if rep.RevocationReason != "" {
			return "the issuer revoked it (reason: " + rep.RevocationReason + ")"
		}
		return "the issuer revoked it"
	}
	var parts []string
	for _, c := range rep.Errors {
		if c.Name == verifier.CheckExpiry {
			continue
		}
		parts = append(parts, c.Message)
		if len(parts) == 3 {
			break
		}
	}
	if len(parts) == 0 {
		return "it could not be verified"
	}
	return "it did not verify: " + strings.Join(parts, "; ")
}

// transient reports whether a failed verification may succeed later: a
// document it needed could not be fetched.
func transient(rep verifier.Report) bool {
	for _, c := range rep.Errors {
		switch c.Name {
		case verifier.CheckAssertionFetched, verifier.CheckBadgeFetched, verifier.CheckIssuerFetched,
			verifier.CheckKeyFetched, verifier.CheckInternal:
			return true
		}
	}
	return false
}
