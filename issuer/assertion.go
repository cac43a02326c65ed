package issuer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mailtemplate"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Recipient kinds: an email address (published only hashed), a web page
// that identifies the earner, or a fediverse actor.
const (
	RecipientEmail = "email"
	RecipientURL   = "url"
	RecipientActor = "actor"
)

// Recipient names who earns an assertion.
type Recipient struct {
	Kind     string // RecipientEmail, RecipientURL or RecipientActor
	Identity string // the address, page URL or actor id, in the clear
	Name     string // optional, for the issuer's own lists
}

// AssertionInput is one badge to issue.
type AssertionInput struct {
	Recipient Recipient
	Evidence  []vocab.Evidence
	Narrative string
	IssuedOn  *time.Time // nil: now
	Expires   *time.Time // nil: by the badge class's expiry rule
	IssuedBy  int64      // the user issuing; 0 for none
	// Language is the claim email's language (a BCP 47 tag), which picks
	// the organisation's email template in it; empty picks its default
	// template. Without a template the email is Laurel's default text.
	Language string
}

// maxEvidence bounds the evidence items of one assertion.
const maxEvidence = 10

// validate normalises in; field names are prefixed with prefix (a CSV row
// reference in bulk issuing). Evidence may be on a public address or on
// the node's own origin (u), where it serves an application's files.
func (in *AssertionInput) validate(b BadgeClass, now time.Time, u URLs) error {
	r := &in.Recipient
	r.Identity = strings.TrimSpace(r.Identity)
	r.Name = strings.TrimSpace(r.Name)
	switch r.Kind {
	case RecipientEmail:
		r.Identity = strings.ToLower(r.Identity)
		if !isEmail(r.Identity) {
			return problem.Invalidf("recipient.identity", "must be an email address")
		}
	case RecipientURL:
		if !isPublicWebURL(r.Identity) {
			return problem.Invalidf("recipient.identity", publicURLRule)
		}
	case RecipientActor:
		if !isWebURL(r.Identity) {
			return problem.Invalidf("recipient.identity", "must be an absolute http or https URL")
		}
	default:
		return problem.Invalidf("recipient.type", "must be email, url or actor")
	}
	if len(r.Name) > 200 {
		return problem.Invalidf("recipient.name", "must be at most 200 characters")
	}
	if len(in.Evidence) > maxEvidence {
		return problem.Invalidf("evidence", "at most %d items", maxEvidence)
	}
	for i := range in.Evidence {
		e := &in.Evidence[i]
		e.ID, e.Narrative, e.Type = strings.TrimSpace(e.ID), strings.TrimSpace(e.Narrative), ""
		switch {
		case e.ID == "" && e.Narrative == "":
			return problem.Invalidf(fmt.Sprintf("evidence[%d]", i), "needs an id (URL) or a narrative")
		case e.ID != "" && !isPublicWebURL(e.ID) && !strings.HasPrefix(e.ID, u.base()+"/"):
			return problem.Invalidf(fmt.Sprintf("evidence[%d].id", i), publicURLRule)
		case len(e.Narrative) > 20000:
			return problem.Invalidf(fmt.Sprintf("evidence[%d].narrative", i), "must be at most 20000 characters")
		}
	}
	lang, err := mailtemplate.Language("language", in.Language)
	if err != nil {
		return err
	}
	in.Language = lang
	in.Narrative = strings.TrimSpace(in.Narrative)
	if len(in.Narrative) > 20000 {
		return problem.Invalidf("narrative", "must be at most 20000 characters")
	}
	issued := now
	if in.IssuedOn != nil {
		if in.IssuedOn.After(now.Add(time.Minute)) {
			return problem.Invalidf("issuedOn", "must not be in the future")
		}
		issued = *in.IssuedOn
	}
	issued = issued.UTC().Truncate(time.Second)
	in.IssuedOn = &issued
	if in.Expires == nil {
		in.Expires = b.Expiry.From(issued)
	}
	if in.Expires != nil {
		e := in.Expires.UTC().Truncate(time.Second)
		if !e.After(issued) {
			return problem.Invalidf("expires", "must be after issuedOn (%s)", issued.Format(time.RFC3339))
		}
		in.Expires = &e
	}
	return nil
}

// Assertion is one badge awarded to one recipient.
type Assertion struct {
	ID                int64
	UUID              string
	BadgeClassID      int64
	BadgeUUID         string
	OrganisationID    int64
	OrganisationSlug  string
	RecipientKind     string
	RecipientIdentity string // sha256$... for an email, else the URL
	RecipientSalt     string
	RecipientHint     string
	RecipientName     string
	Evidence          []vocab.Evidence
	Narrative         string
	IssuedOn          time.Time
	Expires           *time.Time
	JWS               string // set when the assertion is signed
	RevokedAt         *time.Time
	RevocationReason  string
	ClaimedAt         *time.Time
	// BadgeEndorsements are the endorsements of the badge class that held
	// when the assertion was issued, kept in its baked copy.
	BadgeEndorsements []string
	// HasCredential: the assertion has an Open Badges 3.0 credential.
	HasCredential bool
	// OB2: it was issued as an Open Badges 2.0 Assertion too, and is
	// served as one; false for an organisation issuing 3.0 only.
	OB2 bool
}

// PublicID is the URL that names the badge to others: the 2.0 Assertion,
// or the 3.0 credential when it was issued as a credential alone.
func (a Assertion) PublicID(u URLs) string {
	if !a.OB2 && a.HasCredential {
		return u.Credential(a.UUID)
	}
	return u.Assertion(a.UUID)
}

// Revoked reports whether the issuer has revoked the assertion.
func (a Assertion) Revoked() bool { return a.RevokedAt != nil }

// Expired reports whether the assertion has expired at now.
func (a Assertion) Expired(now time.Time) bool { return a.Expires != nil && !now.Before(*a.Expires) }

// Document is the assertion as an Open Badges 2.0 Assertion. A signed one
// is the payload of its JWS, exactly as signed.
func (a Assertion) Document(u URLs) vocab.Assertion {
	if a.JWS != "" {
		if doc, err := signedDocument(a.JWS); err == nil {
			return doc
		}
	}
	return a.document(u, vocab.VerificationObject{Type: vocab.Hosted})
}

func (a Assertion) document(u URLs, v vocab.VerificationObject) vocab.Assertion {
	doc := vocab.Assertion{
		Context:      vocab.Context,
		ID:           u.Assertion(a.UUID),
		Type:         "Assertion",
		Recipient:    a.identityObject(),
		Badge:        u.BadgeClass(a.BadgeUUID),
		Verification: v,
		IssuedOn:     a.IssuedOn.UTC().Format(time.RFC3339),
		Image:        u.AssertionImage(a.UUID),
		Evidence:     a.Evidence,
		Narrative:    a.Narrative,
	}
	if a.Expires != nil {
		doc.Expires = a.Expires.UTC().Format(time.RFC3339)
	}
	return doc
}

func (a Assertion) identityObject() vocab.IdentityObject {
	if a.RecipientKind == RecipientEmail {
		return vocab.IdentityObject{Type: "email", Identity: a.RecipientIdentity, Hashed: true, Salt: a.RecipientSalt}
	}
	// A fediverse actor is identified by its id, which is a URL.
	return vocab.IdentityObject{Type: "url", Identity: a.RecipientIdentity}
}

// signedDocument decodes the payload of a JWS we signed.
func signedDocument(jws string) (vocab.Assertion, error) {
	payload, err := vocab.ParseJWS(jws)
	if err != nil {
		return vocab.Assertion{}, err
	}
	var doc vocab.Assertion
	err = json.Unmarshal(payload, &doc)
	return doc, err
}

// Revocation is what a revoked assertion answers at its id.
type Revocation struct {
	Context          string `json:"@context"`
	ID               string `json:"id"`
	Revoked          bool   `json:"revoked"`
	RevocationReason string `json:"revocationReason,omitempty"`
}

// RevocationDocument is the answer for a revoked assertion.
func (a Assertion) RevocationDocument(u URLs) Revocation {
	return Revocation{Context: vocab.Context, ID: u.Assertion(a.UUID), Revoked: true, RevocationReason: a.RevocationReason}
}

// Baked is what goes into the earned badge's image: the JWS of a signed
// assertion, the assertion document of a hosted one. A hosted assertion
// issued while its badge class was endorsed embeds the class (given as
// badge) with those endorsements, so the baked copy keeps them.
func (a Assertion) Baked(u URLs, badge vocab.BadgeClass) (string, error) {
	if a.JWS != "" {
		return a.JWS, nil
	}
	doc := a.Document(u)
	if len(a.BadgeEndorsements) > 0 {
		doc.Badge = a.badgeAsIssued(badge)
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// badgeAsIssued is the badge class embedded in a baked assertion: as it is
// now, with the endorsements that held at issue.
func (a Assertion) badgeAsIssued(badge vocab.BadgeClass) vocab.BadgeClass {
	badge.Context = ""
	badge.Endorsement = a.BadgeEndorsements
	return badge
}

// BakedImage is the badge class's image with the assertion baked in.
func BakedImage(ctx context.Context, db DB, u URLs, a Assertion) (Image, error) {
	img, err := BadgeImage(ctx, db, a.BadgeUUID)
	if err != nil {
		return Image{}, err
	}
	// The class is embedded only in a hosted assertion that keeps
	// endorsements (see Baked); read it only then.
	var class vocab.BadgeClass
	if a.JWS == "" && len(a.BadgeEndorsements) > 0 {
		b, err := BadgeClassByUUID(ctx, db, a.BadgeUUID)
		if err != nil {
			return Image{}, err
		}
		class = b.Document(u)
	}
	baked, err := a.Baked(u, class)
	if err != nil {
		return Image{}, fmt.Errorf("bake assertion %s: %w", a.UUID, err)
	}
	switch {
	case img.Type == "image/png":
		img.Data, err = bake.PNG(img.Data, baked)
	case a.JWS != "":
		img.Data, err = bake.SVG(img.Data, "", a.JWS)
	default:
		img.Data, err = bake.SVG(img.Data, baked, u.Assertion(a.UUID))
	}
	if err != nil {
		return Image{}, fmt.Errorf("bake assertion %s: %w", a.UUID, err)
	}
	return img, nil
}

// Queue inserts River jobs inside a transaction; River's client satisfies
// it. Issue uses it for the emails to earners.
type Queue interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Hooks are what Issue asks of the rest of the node, inside the issuing
// transaction; a nil field means nothing is asked.
type Hooks struct {
	// Mail queues an email with a claim link to each earner identified by
	// an email address.
	Mail Queue
	// Fediverse tells an earner identified by a fediverse actor, e.g. with a
	// direct mention from the organisation.
	Fediverse func(ctx context.Context, tx pgx.Tx, o Organisation, b BadgeClass, a Assertion) error
	// BadgeEndorsements lists the current endorsements of a badge class
	// (by its id), which each assertion keeps in its baked copy.
	BadgeEndorsements func(ctx context.Context, tx pgx.Tx, badgeID string) ([]string, error)
	// BadgeEndorsementCredentials lists the signed EndorsementCredentials
	// of a badge class's current endorsements (by its id), which each Open
	// Badges 3.0 credential embeds in its achievement, signed with it.
	BadgeEndorsementCredentials func(ctx context.Context, tx pgx.Tx, badgeID string) ([]json.RawMessage, error)
	// Issued is told of every assertion with its recipient in the clear,
	// e.g. to put the badge into the backpack of an earner of this node.
	Issued func(ctx context.Context, tx pgx.Tx, o Organisation, b BadgeClass, a Assertion, recipient Recipient) error
	// Locale is the catalogue Laurel's own claim email is written from;
	// nil writes it in English.
	Locale *locale.Catalog
	// RecipientLanguage is the language setting of the user of this node
	// a recipient is ("" for none or no such user), which the claim email
	// is written in before the language the issuer gave.
	RecipientLanguage func(ctx context.Context, tx pgx.Tx, r Recipient) (string, error)
}

// Issue awards badge b of organisation o to every input, all or none, in
// one transaction, and notifies the earners as n says in the same
// transaction. A problem with one input names it as items[i].field when
// there are several. by must be allowed account.IssueBadges.
func Issue(ctx context.Context, db DB, by account.Actor, n Hooks, u URLs, o Organisation, b BadgeClass, inputs []AssertionInput) ([]Assertion, error) {
	if err := by.Authorize(ctx, db, o.ID, account.IssueBadges); err != nil {
		return nil, err
	}
	if b.OrganisationID != o.ID {
		return nil, problem.NotFoundf("no badge %q in this organisation", b.UUID)
	}
	if b.ArchivedAt != nil {
		return nil, problem.Conflictf("", "badge %q is archived; restore it to issue it", b.Name)
	}
	if o.Email == "" {
		// Open Badges requires an issuer Profile to have name, url and email.
		return nil, problem.Conflictf("email", "%s has no email address, which Open Badges requires of an issuer; set it on the organisation first", o.Name)
	}
	now := time.Now()
	for i := range inputs {
		if err := inputs[i].validate(b, now, u); err != nil {
			return nil, itemProblem(err, i, len(inputs))
		}
	}
	var out []Assertion
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var endorsements []string
		if n.BadgeEndorsements != nil {
			var err error
			if endorsements, err = n.BadgeEndorsements(ctx, tx, u.BadgeClass(b.UUID)); err != nil {
				return err
			}
		}
		var credentials []json.RawMessage
		if n.BadgeEndorsementCredentials != nil && o.CredentialFormats.OB3 {
			var err error
			if credentials, err = n.BadgeEndorsementCredentials(ctx, tx, u.BadgeClass(b.UUID)); err != nil {
				return err
			}
		}
		var params []river.InsertManyParams
		claims := newClaimMailer(tx, o, n)
		for _, in := range inputs {
			a, token, err := issueOne(ctx, tx, u, o, b, in, endorsements, credentials)
			if err != nil {
				return err
			}
			out = append(out, a)
			if token != "" && n.Mail != nil {
				args, err := claims.mail(ctx, u, b, a, in.Recipient, in.Language)
				if err != nil {
					return err
				}
				params = append(params, river.InsertManyParams{Args: args})
			}
			if n.Issued != nil {
				if err := n.Issued(ctx, tx, o, b, a, in.Recipient); err != nil {
					return err
				}
			}
			if a.RecipientKind == RecipientActor && n.Fediverse != nil {
				if err := n.Fediverse(ctx, tx, o, b, a); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE badge_class SET issued_count = issued_count + $2 WHERE id = $1`, b.ID, len(out)); err != nil {
			return fmt.Errorf("count assertions: %w", err)
		}
		if len(params) > 0 {
			if _, err := n.Mail.InsertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("queue %d claim email(s): %w", len(params), err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("issue badge %s: %w", b.UUID, err)
	}
	return out, nil
}

// itemProblem prefixes the field of a problem with the item it came from.
func itemProblem(err error, i, n int) error {
	p, ok := problem.As(err)
	if !ok || n == 1 {
		return err
	}
	return problem.Invalidf(fmt.Sprintf("items[%d].%s", i, p.Field), "%s", p.Message)
}

func issueOne(ctx context.Context, tx pgx.Tx, u URLs, o Organisation, b BadgeClass, in AssertionInput, endorsements []string,
	credentials []json.RawMessage) (Assertion, string, error) {
	a := Assertion{
		BadgeEndorsements: nonNil(endorsements),
		BadgeClassID:      b.ID,
		BadgeUUID:         b.UUID,
		OrganisationID:    o.ID,
		OrganisationSlug:  o.Slug,
		RecipientKind:     in.Recipient.Kind,
		RecipientName:     in.Recipient.Name,
		Evidence:          nonNil(in.Evidence),
		Narrative:         in.Narrative,
		IssuedOn:          *in.IssuedOn,
		Expires:           in.Expires,
	}
	var token string
	var tokenHash []byte
	switch a.RecipientKind {
	case RecipientEmail:
		a.RecipientSalt = randomHex(16)
		a.RecipientIdentity = vocab.HashIdentity("email", in.Recipient.Identity, a.RecipientSalt)
		a.RecipientHint = emailHint(in.Recipient.Identity)
		// A token nobody is told: the claim email's job mints the one it
		// sends (ClaimLinks), so that no link is kept in the job.
		token = randomToken()
		sum := sha256.Sum256([]byte(token))
		tokenHash = sum[:]
	default:
		a.RecipientIdentity = in.Recipient.Identity
		a.RecipientHint = in.Recipient.Identity
	}
	evidence, err := json.Marshal(a.Evidence)
	if err != nil {
		return Assertion{}, "", err
	}
	badgeEndorsements, err := json.Marshal(a.BadgeEndorsements)
	if err != nil {
		return Assertion{}, "", err
	}
	var issuedBy *int64
	if in.IssuedBy != 0 {
		issuedBy = &in.IssuedBy
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO assertion (badge_class_id, recipient_kind, recipient_identity, recipient_salt, recipient_hint,
			recipient_name, evidence, narrative, issued_on, expires, claim_token_hash, issued_by, badge_endorsements, ob2)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id, uuid::text`,
		b.ID, a.RecipientKind, a.RecipientIdentity, a.RecipientSalt, a.RecipientHint, a.RecipientName,
		evidence, a.Narrative, a.IssuedOn, a.Expires, tokenHash, issuedBy, badgeEndorsements, o.CredentialFormats.OB2).Scan(&a.ID, &a.UUID)
	if err != nil {
		return Assertion{}, "", fmt.Errorf("store assertion: %w", err)
	}
	a.OB2 = o.CredentialFormats.OB2
	if o.CredentialFormats.OB3 {
		if err := issueCredential(ctx, tx, u, o, b, a, credentials); err != nil {
			return Assertion{}, "", err
		}
		a.HasCredential = true
	}
	if o.SignBadges && o.CredentialFormats.OB2 {
		key, err := signingKey(ctx, tx, o.ID)
		if err != nil {
			return Assertion{}, "", err
		}
		doc := a.document(u, vocab.VerificationObject{Type: vocab.Signed, Creator: u.Key(o.Slug)})
		if len(a.BadgeEndorsements) > 0 {
			doc.Badge = a.badgeAsIssued(b.Document(u))
		}
		payload, err := json.Marshal(doc)
		if err != nil {
			return Assertion{}, "", err
		}
		if a.JWS, err = vocab.SignJWS(key, payload); err != nil {
			return Assertion{}, "", fmt.Errorf("sign assertion: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE assertion SET jws = $2 WHERE id = $1`, a.ID, a.JWS); err != nil {
			return Assertion{}, "", fmt.Errorf("store signed assertion: %w", err)
		}
	}
	return a, token, nil
}

// emailHint shows the issuer whom a hashed assertion went to without
// keeping the address: "a…@example.org".
func emailHint(email string) string {
	local, domain, _ := strings.Cut(email, "@")
	if local == "" {
		return "…@" + domain
	}
	r := []rune(local)
	return string(r[0]) + "…@" + domain
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

const assertionColumns = `a.id, a.uuid::text, a.badge_class_id, b.uuid::text, o.id, o.slug, a.recipient_kind,
	a.recipient_identity, a.recipient_salt, a.recipient_hint, a.recipient_name, a.evidence, a.narrative,
	a.issued_on, a.expires, a.jws, a.revoked_at, a.revocation_reason, a.claimed_at, a.badge_endorsements,
	EXISTS (SELECT 1 FROM credential c WHERE c.assertion_id = a.id), a.ob2`

const assertionFrom = ` FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
	JOIN organisation o ON o.id = b.organisation_id `

func scanAssertion(row pgx.Row) (Assertion, error) {
	var a Assertion
	var evidence, endorsements []byte
	err := row.Scan(&a.ID, &a.UUID, &a.BadgeClassID, &a.BadgeUUID, &a.OrganisationID, &a.OrganisationSlug,
		&a.RecipientKind, &a.RecipientIdentity, &a.RecipientSalt, &a.RecipientHint, &a.RecipientName, &evidence,
		&a.Narrative, &a.IssuedOn, &a.Expires, &a.JWS, &a.RevokedAt, &a.RevocationReason, &a.ClaimedAt, &endorsements, &a.HasCredential, &a.OB2)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(endorsements, &a.BadgeEndorsements); err != nil {
		return a, err
	}
	return a, json.Unmarshal(evidence, &a.Evidence)
}

// AssertionByUUID finds an assertion.
func AssertionByUUID(ctx context.Context, db DB, uuid string) (Assertion, error) {
	if !IsUUID(uuid) {
		return Assertion{}, problem.NotFoundf("no assertion %q", uuid)
	}
	a, err := scanAssertion(db.QueryRow(ctx, `SELECT `+assertionColumns+assertionFrom+`WHERE a.uuid = $1`, uuid))
	if errors.Is(err, pgx.ErrNoRows) {
		return Assertion{}, problem.NotFoundf("no assertion %q", uuid)
	}
	if err != nil {
		return Assertion{}, fmt.Errorf("find assertion %s: %w", uuid, err)
	}
	return a, nil
}

// Assertions lists the assertions of a badge class, newest first.
func Assertions(ctx context.Context, db DB, badgeID int64, limit, offset int) ([]Assertion, error) {
	rows, err := db.Query(ctx, `SELECT `+assertionColumns+assertionFrom+`
		WHERE a.badge_class_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2 OFFSET $3`, badgeID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list assertions: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assertion, error) { return scanAssertion(r) })
	if err != nil {
		return nil, fmt.Errorf("list assertions: %w", err)
	}
	return list, nil
}

// Revoke revokes an assertion of organisation orgID. Revoking again keeps
// the first reason and date. by must be allowed account.IssueBadges.
func Revoke(ctx context.Context, db DB, by account.Actor, orgID int64, uuid, reason string) (Assertion, error) {
	if err := by.Authorize(ctx, db, orgID, account.IssueBadges); err != nil {
		return Assertion{}, err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 1000 {
		return Assertion{}, problem.Invalidf("revocationReason", "must be at most 1000 characters")
	}
	if !IsUUID(uuid) {
		return Assertion{}, problem.NotFoundf("no assertion %q", uuid)
	}
	tag, err := db.Exec(ctx, `
		UPDATE assertion a SET revoked_at = now(), revocation_reason = $3
		FROM badge_class b
		WHERE b.id = a.badge_class_id AND a.uuid = $1 AND b.organisation_id = $2 AND a.revoked_at IS NULL`,
		uuid, orgID, reason)
	if err != nil {
		return Assertion{}, fmt.Errorf("revoke assertion %s: %w", uuid, err)
	}
	a, err := AssertionByUUID(ctx, db, uuid)
	if err != nil {
		return Assertion{}, err
	}
	if tag.RowsAffected() == 0 && a.OrganisationID != orgID {
		return Assertion{}, problem.NotFoundf("no assertion %q in this organisation", uuid)
	}
	return a, nil
}

// RevocationListDocument lists an organisation's revoked assertions.
func RevocationListDocument(ctx context.Context, db DB, u URLs, o Organisation) (vocab.RevocationList, error) {
	rows, err := db.Query(ctx, `
		SELECT a.uuid::text, a.revocation_reason FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
		WHERE b.organisation_id = $1 AND a.revoked_at IS NOT NULL AND a.ob2 ORDER BY a.revoked_at, a.id`, o.ID)
	if err != nil {
		return vocab.RevocationList{}, fmt.Errorf("revocation list of %s: %w", o.Slug, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (vocab.RevokedAssertion, error) {
		var ra vocab.RevokedAssertion
		err := r.Scan(&ra.ID, &ra.RevocationReason)
		ra.ID = u.Assertion(ra.ID)
		return ra, err
	})
	if err != nil {
		return vocab.RevocationList{}, fmt.Errorf("revocation list of %s: %w", o.Slug, err)
	}
	return vocab.RevocationList{
		Context:           vocab.Context,
		ID:                u.RevocationList(o.Slug),
		Type:              "RevocationList",
		Issuer:            u.Profile(o.Slug),
		RevokedAssertions: nonNil(list),
	}, nil
}

// Claim finds the assertion a claim link was sent for and notes that the
// earner opened it.
func Claim(ctx context.Context, db DB, token string) (Assertion, error) {
	sum := sha256.Sum256([]byte(token))
	var uuid string
	err := db.QueryRow(ctx, `
		UPDATE assertion SET claimed_at = coalesce(claimed_at, now()) WHERE claim_token_hash = $1
		RETURNING uuid::text`, sum[:]).Scan(&uuid)
	if errors.Is(err, pgx.ErrNoRows) {
		return Assertion{}, problem.NotFoundf("this claim link is not valid; ask the issuer to send it again")
	}
	if err != nil {
		return Assertion{}, fmt.Errorf("claim: %w", err)
	}
	return AssertionByUUID(ctx, db, uuid)
}
