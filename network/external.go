package network

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// External endorsers are people and organisations without an account on
// this node. An organisation invites one by email; the emailed link, which
// works once and expires, opens a form where they endorse the organisation
// or one of its badges with their name, website and comment. The
// endorsement is hosted here, with an Open Badges Profile of the endorser
// as its issuer, and is also an EndorsementCredential signed with a key of
// the endorser's own that this node keeps for it (the endorser has no node
// to sign with), revoked through the endorser's own status list when the
// endorsed organisation takes it off. Nothing of it is federated.

// InvitationLifetime is how long an invitation's link works.
const InvitationLifetime = 14 * 24 * time.Hour

// Invitation states.
const (
	InvitationPending = "pending"
	InvitationUsed    = "used"
	InvitationExpired = "expired"
)

// Invitation asks someone without an account to endorse an organisation or
// one of its badges. Its token is only ever in the email sent.
type Invitation struct {
	id               int64
	UUID             string     `json:"uuid"`
	Organisation     string     `json:"organisation"` // the inviting organisation's slug
	OrganisationName string     `json:"organisation_name"`
	SubjectKind      string     `json:"subject_kind"`
	Subject          string     `json:"subject"` // our issuer Profile or one of our BadgeClasses
	SubjectName      string     `json:"subject_name"`
	Email            string     `json:"email,omitempty"` // while pending
	EmailHint        string     `json:"email_hint"`      // "a…@example.org", kept
	Message          string     `json:"message"`
	State            string     `json:"state"`
	ExpiresAt        time.Time  `json:"expires_at"`
	UsedAt           *time.Time `json:"used_at,omitempty"`
	Endorsement      string     `json:"endorsement,omitempty"` // once used
	CreatedAt        time.Time  `json:"created_at"`
}

const invitationColumns = `i.id, i.uuid::text, o.slug, o.name, i.subject_kind, i.subject_id, i.subject_name,
	CASE WHEN i.used_at IS NULL AND i.expires_at > now() THEN coalesce(i.email, '') ELSE '' END,
	i.email_hint, i.message,
	CASE WHEN i.used_at IS NOT NULL THEN 'used' WHEN i.expires_at <= now() THEN 'expired' ELSE 'pending' END,
	i.expires_at, i.used_at, i.endorsement_id, i.created_at`

func scanInvitation(r pgx.Row) (Invitation, error) {
	var v Invitation
	err := r.Scan(&v.id, &v.UUID, &v.Organisation, &v.OrganisationName, &v.SubjectKind, &v.Subject, &v.SubjectName,
		&v.Email, &v.EmailHint, &v.Message, &v.State, &v.ExpiresAt, &v.UsedAt, &v.Endorsement, &v.CreatedAt)
	return v, err
}

// InviteExternal invites the person or organisation at email to endorse o
// or, with badgeID set (a BadgeClass id), one of o's badges, and queues the
// email with the link in the same transaction. A node that sends no mail
// (queue nil) cannot invite anyone.
func InviteExternal(ctx context.Context, db DB, queue issuer.Queue, loc *locale.Catalog, urls issuer.URLs, o issuer.Organisation, email, badgeID, message string) (Invitation, error) {
	if queue == nil {
		return Invitation{}, problem.Conflictf("email", "this node sends no email (it has no --smtp-url), so it cannot send an invitation")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := netmail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return Invitation{}, problem.Invalidf("email", "must be an email address")
	}
	message = strings.TrimSpace(message)
	if len(message) > 5000 {
		return Invitation{}, problem.Invalidf("message", "must be at most 5000 characters")
	}
	s := subject{Kind: SubjectOrganisation, ID: urls.Profile(o.Slug), Name: o.Name}
	var badgeClassID *int64
	if badgeID = strings.TrimSpace(badgeID); badgeID != "" {
		b, err := issuer.BadgeClassByUUID(ctx, db, urls.BadgeUUID(badgeID))
		if problem.Is(err, problem.NotFound) || err == nil && b.OrganisationID != o.ID {
			return Invitation{}, problem.Invalidf("subject", "is not a badge of %s", o.Name)
		}
		if err != nil {
			return Invitation{}, err
		}
		if b.ArchivedAt != nil {
			return Invitation{}, problem.Invalidf("subject", "the badge %q is archived; restore it first", b.Name)
		}
		s = subject{Kind: SubjectBadge, ID: urls.BadgeClass(b.UUID), Name: b.Name}
		badgeClassID = &b.ID
	}
	// A token nobody is told: the invitation email's job mints the one it
	// sends (InvitationLinks), so that no link is kept in the job.
	hash := sha256.Sum256([]byte(newToken()))
	var v Invitation
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		v, err = scanInvitation(tx.QueryRow(ctx, `
			WITH i AS (
				INSERT INTO external_invitation (organisation_id, subject_kind, subject_id, subject_name, badge_class_id,
					email, email_hint, message, token_hash, expires_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))
				RETURNING *)
			SELECT `+invitationColumns+` FROM i JOIN organisation o ON o.id = i.organisation_id`,
			o.ID, s.Kind, s.ID, s.Name, badgeClassID, email, emailHint(email), message, hash[:],
			InvitationLifetime.Seconds()))
		if err != nil {
			return fmt.Errorf("record invitation: %w", err)
		}
		args := invitationMail(loc.Mail("", ""), urls, o, v)
		if _, err := queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: args}}); err != nil {
			return fmt.Errorf("queue invitation email: %w", err)
		}
		return nil
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("invite %s: %w", emailHint(email), err)
	}
	return v, nil
}

// EndorseLink is the page an invitation's email links to.
func EndorseLink(urls issuer.URLs, token string) string {
	return strings.TrimSuffix(urls.Base.String(), "/") + "/endorse/" + token
}

// LinkInvitation is the kind of the mail links of invitations to endorse;
// their id is the invitation's.
const LinkInvitation = "external_invitation"

// InvitationLinks mints the link of invitation id, replacing the one
// stored; ErrLinkGone once the invitation is used or expired.
func InvitationLinks(db DB, urls issuer.URLs) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token := newToken()
		hash := sha256.Sum256([]byte(token))
		tag, err := db.Exec(ctx, `UPDATE external_invitation SET token_hash = $2
			WHERE id = $1 AND used_at IS NULL AND expires_at > now()`, id, hash[:])
		if err != nil {
			return "", fmt.Errorf("mint the link of invitation %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return EndorseLink(urls, token), nil
	}
}

// invitationMail is the email that carries an invitation's link (minted
// by the mail job).
func invitationMail(l *locale.Localizer, urls issuer.URLs, o issuer.Organisation, v Invitation) mail.SendArgs {
	what := v.SubjectName
	if v.SubjectKind == SubjectBadge {
		what = l.T("mail.invitation.badge", "Badge", v.SubjectName, "Organisation", o.Name)
	}
	var theirs string
	if v.Message != "" {
		theirs = l.T("mail.invitation.their_message", "Message", v.Message)
	}
	return mail.SendArgs{Message: mail.Message{
		To:      v.Email,
		Subject: l.T("mail.invitation.subject", "Organisation", o.Name, "Subject", v.SubjectName),
		Text: mail.Paragraphs(l.T("mail.common.hello"),
			l.T("mail.invitation.invites", "Organisation", o.Name, "Subject", what),
			theirs,
			l.T("mail.invitation.write", "Link", mail.LinkPlaceholder),
			l.T("mail.invitation.published", "Date", l.Date(v.ExpiresAt.UTC()), "Host", urls.Base.Host),
			l.T("mail.invitation.ignore", "Organisation", o.Name)),
	}, Link: &mail.Link{Kind: LinkInvitation, ID: v.id}}
}

// Invitations lists the invitations of organisation orgID, newest first,
// each with its state. It first forgets the addresses of the ones that
// have expired.
func Invitations(ctx context.Context, db DB, orgID int64) ([]Invitation, error) {
	if _, err := forgetExpired(ctx, db, orgID); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT `+invitationColumns+` FROM external_invitation i
		JOIN organisation o ON o.id = i.organisation_id
		WHERE i.organisation_id = $1 ORDER BY i.created_at DESC, i.id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Invitation, error) { return scanInvitation(r) })
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return list, nil
}

// ForgetExpiredInvitations clears the email address of every invitation
// that expired unused, and returns how many it cleared.
func ForgetExpiredInvitations(ctx context.Context, db DB) (int64, error) {
	return forgetExpired(ctx, db, 0)
}

// forgetExpired clears the addresses of expired invitations of orgID (0
// for all).
func forgetExpired(ctx context.Context, db DB, orgID int64) (int64, error) {
	tag, err := db.Exec(ctx, `UPDATE external_invitation SET email = NULL
		WHERE email IS NOT NULL AND expires_at <= now() AND ($1 = 0 OR organisation_id = $1)`, orgID)
	if err != nil {
		return 0, fmt.Errorf("forget expired invitations: %w", err)
	}
	return tag.RowsAffected(), nil
}

// ExternalInvitation finds the pending invitation of a token, for the form
// its link opens. An unknown, used or expired token is not found, with a
// message that says which.
func ExternalInvitation(ctx context.Context, db DB, token string) (Invitation, error) {
	hash := sha256.Sum256([]byte(token))
	v, err := scanInvitation(db.QueryRow(ctx, `SELECT `+invitationColumns+` FROM external_invitation i
		JOIN organisation o ON o.id = i.organisation_id WHERE i.token_hash = $1`, hash[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return Invitation{}, problem.NotFoundf("this endorsement link is not valid; check that you opened the whole link from the email")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("find invitation: %w", err)
	}
	switch v.State {
	case InvitationUsed:
		return Invitation{}, problem.NotFoundf("this endorsement link has already been used; it works only once")
	case InvitationExpired:
		if _, err := db.Exec(ctx, `UPDATE external_invitation SET email = NULL WHERE id = $1`, v.id); err != nil {
			return Invitation{}, fmt.Errorf("forget expired invitation: %w", err)
		}
		return Invitation{}, problem.NotFoundf("this endorsement link expired on %s; ask %s to send you a new one",
			v.ExpiresAt.UTC().Format(time.DateOnly), v.OrganisationName)
	}
	return v, nil
}

// EndorseExternal uses the invitation of token: its invitee, who has no
// account here, endorses what it names with their name, website (optional)
// and comment. The endorsement is hosted here; its issuer is a Profile of
// the endorser at /ob/endorsers/{uuid}. A token works once: of two
// submissions at the same time, one fails.
func EndorseExternal(ctx context.Context, db DB, urls issuer.URLs, token, name, website, comment string) (Endorsement, error) {
	v, err := ExternalInvitation(ctx, db, token)
	if err != nil {
		return Endorsement{}, err
	}
	if name, err = checkEndorserName(name); err != nil {
		return Endorsement{}, err
	}
	if website, err = checkEndorserURL(website); err != nil {
		return Endorsement{}, err
	}
	if comment, err = checkComment("comment", comment); err != nil {
		return Endorsement{}, err
	}
	var e Endorsement
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var orgID int64
		var hint string
		err := tx.QueryRow(ctx, `UPDATE external_invitation SET used_at = now(), email = NULL
			WHERE id = $1 AND used_at IS NULL AND expires_at > now()
			RETURNING organisation_id, email_hint`, v.id).Scan(&orgID, &hint)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("this endorsement link has already been used; it works only once")
		}
		if err != nil {
			return fmt.Errorf("use invitation: %w", err)
		}
		// The endorser's own credential key and status list entry, with
		// which its EndorsementCredential is signed.
		privPEM, multibase, err := issuer.NewCredentialKey()
		if err != nil {
			return err
		}
		statusIndex := issuer.RandomStatusIndex()
		var endorser string
		if err := tx.QueryRow(ctx, `INSERT INTO external_endorser (name, url, email_hint, private_key_pem, public_key_multibase, status_index)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING uuid::text`, name, website, hint, privPEM, multibase, statusIndex).Scan(&endorser); err != nil {
			return fmt.Errorf("record endorser: %w", err)
		}
		profile := EndorserProfileID(urls, endorser)
		id := uuid.NewString()
		e, err = scanEndorsement(tx.QueryRow(ctx, `
			INSERT INTO endorsement (endorsement_id, uuid, endorser_actor, endorser_profile, endorser_name, endorser_org,
				subject_kind, subject_id, subject_name, subject_actor, subject_org, comment, issued_on)
			VALUES ($1, $2, $3, $3, $4, NULL, $5, $6, $7, $8, $9, $10, date_trunc('second', now()))
			RETURNING `+endorsementColumns,
			urls.Endorsement(id), id, profile, name, v.SubjectKind, v.Subject, v.SubjectName,
			federation.URLs{Base: urls.Base}.Actor(v.Organisation), orgID, comment))
		if err != nil {
			return fmt.Errorf("record endorsement: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE external_invitation SET endorsement_id = $2 WHERE id = $1`, v.id, e.ID); err != nil {
			return fmt.Errorf("use invitation: %w", err)
		}
		x := ExternalEndorser{UUID: endorser, Name: name, URL: website, multibase: multibase, statusIndex: &statusIndex}
		if err := x.sign(ctx, tx, urls, &e, privPEM); err != nil {
			return err
		}
		// The mail queue plays no part: only requests are emailed.
		return notify(ctx, tx, nil, nil, orgID, KindEndorsement,
			endorsedText(name, subject{Kind: v.SubjectKind, Name: v.SubjectName}), "/network?tab=received")
	})
	if err != nil {
		return Endorsement{}, err
	}
	return e, nil
}

// checkEndorserName normalises an external endorser's name.
func checkEndorserName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
		return "", problem.Invalidf("name", "must be 1 to 200 characters")
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return "", problem.Invalidf("name", "must be one line of text")
	}
	return name, nil
}

// checkEndorserURL normalises an external endorser's website: empty, or
// an absolute http or https URL on a public address, since it is
// published for anyone to follow.
func checkEndorserURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	const rule = "must be an absolute http or https URL on a public address (not localhost or a private network)"
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 2000 {
		return "", problem.Invalidf("url", rule)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "", problem.Invalidf("url", rule)
	}
	if ip, err := netip.ParseAddr(host); err == nil && egress.IsForbidden(ip, nil) {
		return "", problem.Invalidf("url", rule)
	}
	return raw, nil
}

// ExternalEndorser is someone without an account here who wrote an
// endorsement hosted here.
type ExternalEndorser struct {
	UUID      string
	Name      string
	URL       string
	CreatedAt time.Time

	// The credential key this node keeps for the endorser and the index of
	// its endorsement in its status list; unset for endorsers from before
	// Open Badges 3.0.
	privPEM     string
	multibase   string
	statusIndex *int
}

// EndorserProfileID is the id of an external endorser's Profile.
func EndorserProfileID(urls issuer.URLs, endorser string) string {
	return strings.TrimSuffix(urls.Base.String(), "/") + "/ob/endorsers/" + endorser
}

// EndorserProfileV3ID is the id of an external endorser's Open Badges 3.0
// Profile: the issuer of its EndorsementCredential, listing its key.
func EndorserProfileV3ID(urls issuer.URLs, endorser string) string {
	return strings.TrimSuffix(urls.Base.String(), "/") + "/ob/v3/endorsers/" + endorser
}

// EndorserStatusList is the id of an external endorser's revocation
// status list.
func EndorserStatusList(urls issuer.URLs, endorser string) string {
	return EndorserProfileV3ID(urls, endorser) + "/status/revocation"
}

// ExternalEndorserByUUID finds an external endorser.
func ExternalEndorserByUUID(ctx context.Context, db DB, id string) (ExternalEndorser, error) {
	if uuid.Validate(id) != nil {
		return ExternalEndorser{}, problem.NotFoundf("no endorser %q", id)
	}
	var x ExternalEndorser
	var privPEM, multibase *string
	err := db.QueryRow(ctx, `SELECT uuid::text, name, url, created_at, private_key_pem, public_key_multibase, status_index
		FROM external_endorser WHERE uuid = $1`, id).
		Scan(&x.UUID, &x.Name, &x.URL, &x.CreatedAt, &privPEM, &multibase, &x.statusIndex)
	if errors.Is(err, pgx.ErrNoRows) {
		return ExternalEndorser{}, problem.NotFoundf("no endorser %q", id)
	}
	if err != nil {
		return ExternalEndorser{}, fmt.Errorf("find endorser %s: %w", id, err)
	}
	if privPEM != nil && multibase != nil {
		x.privPEM, x.multibase = *privPEM, *multibase
	}
	return x, nil
}

// Document is the endorser as an Open Badges 2.0 Profile: the issuer of
// their endorsement. It is not an issuer of badges, so it has no email.
func (x ExternalEndorser) Document(urls issuer.URLs) vocab.Profile {
	return vocab.Profile{
		Context: vocab.Context,
		ID:      EndorserProfileID(urls, x.UUID),
		Type:    "Profile",
		Name:    x.Name,
		URL:     x.URL,
	}
}

// profileV3 is the endorser as the issuer embedded in its credential.
func (x ExternalEndorser) profileV3(urls issuer.URLs) vocab.IssuerProfile {
	return vocab.IssuerProfile{ID: EndorserProfileV3ID(urls, x.UUID), Type: []string{"Profile"}, Name: x.Name, URL: x.URL}
}

// DocumentV3 is the endorser as an Open Badges 3.0 Profile, listing its
// credential key as a Multikey for assertions. An endorser from before
// Open Badges 3.0 has none, so it is not found.
func (x ExternalEndorser) DocumentV3(urls issuer.URLs) (vocab.IssuerProfile, error) {
	if x.multibase == "" {
		return vocab.IssuerProfile{}, problem.NotFoundf("endorser %q has no Open Badges 3.0 profile: it endorsed before Open Badges 3.0", x.UUID)
	}
	p := x.profileV3(urls)
	p.Context = []any{vocab.CredentialsContext, vocab.OB3Context, vocab.MultikeyContext, vocab.ProfileKeyTerms}
	p.VerificationMethod, p.AssertionMethod = issuer.Multikeys([]issuer.CredentialKey{{Multibase: x.multibase}}, p.ID,
		func(mb string) string { return p.ID + "#" + mb })
	return p, nil
}

// StatusListJSON is the endorser's revocation BitstringStatusListCredential,
// signed now with its key: its one entry is set once its endorsement is
// withdrawn (taken off by the endorsed organisation).
func (x ExternalEndorser) StatusListJSON(ctx context.Context, db DB, urls issuer.URLs) ([]byte, error) {
	if x.multibase == "" || x.statusIndex == nil {
		return nil, problem.NotFoundf("endorser %q has no status list: it endorsed before Open Badges 3.0", x.UUID)
	}
	var withdrawn bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endorsement WHERE endorser_actor = $1 AND withdrawn_at IS NOT NULL)`,
		EndorserProfileID(urls, x.UUID)).Scan(&withdrawn); err != nil {
		return nil, fmt.Errorf("status list of endorser %s: %w", x.UUID, err)
	}
	var revoked []int
	if withdrawn {
		revoked = []int{*x.statusIndex}
	}
	key, err := issuer.ParseCredentialKey(x.privPEM)
	if err != nil {
		return nil, err
	}
	id := EndorserProfileV3ID(urls, x.UUID)
	return issuer.SignStatusList(EndorserStatusList(urls, x.UUID), id, revoked, key, id+"#"+x.multibase, time.Now())
}

// sign issues the EndorsementCredential of e, just recorded in tx, by the
// endorser with its key (privPEM), and stores it with e.
func (x ExternalEndorser) sign(ctx context.Context, tx pgx.Tx, urls issuer.URLs, e *Endorsement, privPEM string) error {
	key, err := issuer.ParseCredentialKey(privPEM)
	if err != nil {
		return err
	}
	c := endorsementCredential(urls.EndorsementCredential(e.UUID), x.profileV3(urls),
		credentialSubjectID(e.SubjectKind, e.Subject), e.SubjectName, e.Comment, e.IssuedOn)
	c.CredentialStatus = issuer.StatusEntryAt(EndorserStatusList(urls, x.UUID), *x.statusIndex)
	doc, jwt, err := issuer.SignWithStatus(c, key, EndorserProfileV3ID(urls, x.UUID)+"#"+x.multibase, time.Now())
	if err != nil {
		return fmt.Errorf("sign the credential of endorsement %s: %w", e.ID, err)
	}
	return storeHostedCredential(ctx, tx, e, doc, jwt)
}

// newToken is a random token for a link.
func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

// emailHint shows whom an invitation went to without the address:
// "a…@example.org".
func emailHint(email string) string {
	local, domain, _ := strings.Cut(email, "@")
	r := []rune(local)
	if len(r) == 0 {
		return "…@" + domain
	}
	return string(r[0]) + "…@" + domain
}
