package passport

import (
	"context"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/microcosm-cc/bluemonday"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Bounds of an individual endorsement's comment, in characters.
const (
	MinEndorsementComment = 5
	MaxEndorsementComment = 5000
)

// Endorsement is one person's endorsement of another's earned badge: an
// Open Badges 2.0 Endorsement whose claim is the badge's assertion,
// hosted by the endorser's node. The earner accepts or declines it; only
// accepted ones are shown with the badge.
type Endorsement struct {
	rowID           int64      // the row's id, for its credentials
	UUID            string     `json:"id"`             // names it in this node's API
	ID              string     `json:"endorsement_id"` // the hosted Open Badges Endorsement
	Endorser        string     `json:"endorser"`       // actor id
	EndorserName    string     `json:"endorser_name"`
	EndorserProfile string     `json:"endorser_profile"` // the Endorsement's issuer
	EndorserUserID  *int64     `json:"-"`                // when the endorser is a user here
	Assertion       string     `json:"assertion_id"`     // claim.id
	BadgePage       string     `json:"badge_page"`
	BadgeName       string     `json:"badge_name"`
	Earner          string     `json:"earner"` // actor id
	EarnerName      string     `json:"earner_name"`
	ItemID          *int64     `json:"-"`       // when the badge is in a backpack here
	Comment         string     `json:"comment"` // Markdown
	State           string     `json:"state"`   // the earner's answer: pending, accepted or declined
	IssuedOn        time.Time  `json:"issued_on"`
	UpdatedAt       time.Time  `json:"updated_at"`
	AnsweredAt      *time.Time `json:"answered_at,omitempty"`
	DeletedAt       *time.Time `json:"deleted_at,omitempty"`
	// Credential is the id of its Open Badges 3.0 EndorsementCredential,
	// "" when the endorser's node sent none.
	Credential      string `json:"credential"`
	CredentialState string `json:"-"` // one of the Credential* states
}

// Document is the endorsement as an Open Badges 2.0 Endorsement.
func (e Endorsement) Document() vocab.Endorsement {
	return vocab.Endorsement{
		Context:      vocab.Context,
		ID:           e.ID,
		Type:         "Endorsement",
		Claim:        vocab.EndorsementClaim{ID: e.Assertion, EndorsementComment: e.Comment},
		Issuer:       e.EndorserProfile,
		IssuedOn:     e.IssuedOn.UTC().Format(time.RFC3339),
		Verification: vocab.VerificationObject{Type: vocab.Hosted},
	}
}

const endorsementColumns = `e.uuid::text, e.endorsement_id, e.endorser_actor, e.endorser_name, e.endorser_profile,
	e.endorser_user, e.assertion_id, e.badge_page, e.badge_name, e.earner_actor, e.earner_name, e.item_id, e.comment,
	e.state, e.issued_on, e.updated_at, e.answered_at, e.deleted_at, e.id, e.credential, e.credential_state`

func scanEndorsement(r pgx.Row) (Endorsement, error) {
	var e Endorsement
	err := r.Scan(&e.UUID, &e.ID, &e.Endorser, &e.EndorserName, &e.EndorserProfile, &e.EndorserUserID, &e.Assertion,
		&e.BadgePage, &e.BadgeName, &e.Earner, &e.EarnerName, &e.ItemID, &e.Comment, &e.State, &e.IssuedOn,
		&e.UpdatedAt, &e.AnsweredAt, &e.DeletedAt, &e.rowID, &e.Credential, &e.CredentialState)
	return e, err
}

func collectEndorsements(rows pgx.Rows, err error) ([]Endorsement, error) {
	if err != nil {
		return nil, fmt.Errorf("list individual endorsements: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endorsement, error) { return scanEndorsement(r) })
	if err != nil {
		return nil, fmt.Errorf("list individual endorsements: %w", err)
	}
	return list, nil
}

// scriptPattern finds what would run in a page: a script element, a
// javascript: URL or an event handler attribute.
var scriptPattern = regexp.MustCompile(`(?i)<\s*/?\s*script|javascript\s*:|<[^>]*\son[a-z]+\s*=`)

// stripHTML removes HTML elements from text, keeping the text between
// tags (but none of a script's or style's).
func stripHTML(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return html.UnescapeString(bluemonday.StrictPolicy().Sanitize(s))
}

// writtenText checks a text a person writes here (a comment, an
// endorsement): script is refused with a reason, other HTML is removed,
// and what is left must be min to max characters.
func writtenText(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if scriptPattern.MatchString(s) {
		return "", problem.Invalidf(field, "must not contain script; write plain text or Markdown")
	}
	s = strings.TrimSpace(stripHTML(s))
	if n := utf8.RuneCountInString(s); n < min || n > max {
		return "", problem.Invalidf(field, "must be %d to %d characters, not %d", min, max, n)
	}
	return s, nil
}

// receivedText is a text another server sent: stripped of all HTML (and
// of script with its content), then bounded; ok is false when it is too
// short or too long to keep.
func receivedText(s string, min, max int) (string, bool) {
	s = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n\n").Replace(s)
	s = strings.TrimSpace(stripHTML(s))
	n := utf8.RuneCountInString(s)
	return s, n >= min && n <= max
}

// Endorse makes user u endorse the public badge on page (this node's or
// another's) with a comment in Markdown: at least five characters, no
// script. Nobody endorses their own badge, nor one badge twice. The
// endorsement is hosted here and, when the earner is on another node, sent
// to them as Create{Endorsement}; it waits for the earner's answer.
func (p *Passport) Endorse(ctx context.Context, u account.User, page, comment string) (Endorsement, error) {
	comment, err := writtenText("comment", comment, MinEndorsementComment, MaxEndorsementComment)
	if err != nil {
		return Endorsement{}, err
	}
	b, err := p.Badge(ctx, page)
	if err != nil {
		return Endorsement{}, err
	}
	if b.Earner == p.fed.URLs().Actor(u.Username) {
		return Endorsement{}, problem.Invalidf("badge", "you cannot endorse your own badge")
	}
	name, err := nameOf(ctx, p.pool, u)
	if err != nil {
		return Endorsement{}, err
	}
	var e Endorsement
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		id := uuid.NewString()
		var itemID *int64
		if b.Local() {
			itemID = &b.Item.ID
		}
		e, err = scanEndorsement(tx.QueryRow(ctx, `
			INSERT INTO person_endorsement AS e (uuid, endorsement_id, endorser_actor, endorser_name, endorser_profile,
				endorser_user, assertion_id, badge_page, badge_name, earner_actor, earner_name, item_id, comment, issued_on)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, date_trunc('second', now()))
			ON CONFLICT (endorser_actor, assertion_id) WHERE deleted_at IS NULL DO NOTHING
			RETURNING `+endorsementColumns,
			id, EndorsementID(p.urls, id), p.fed.URLs().Actor(u.Username), name, PersonProfileID(p.urls, u.Username),
			u.ID, b.Assertion, b.Page, b.Name, b.Earner, b.EarnerName, itemID, comment))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("badge", "you endorse this badge already; edit or delete that endorsement instead")
		}
		if err != nil {
			return fmt.Errorf("record endorsement of %s: %w", b.Page, err)
		}
		if err := requestsEndorsed(ctx, tx, u, b.Page); err != nil {
			return err
		}
		var credential map[string]any
		if e, credential, err = p.issueCredential(ctx, tx, u, e); err != nil {
			return err
		}
		if b.Local() {
			return nil // the earner is here: it waits in their backpack
		}
		return p.sendEndorsement(ctx, tx, u.Username, "Create", b.Earner, b.Inbox, e, credential)
	})
	return e, err
}

// sendEndorsement sends Create or Update of an endorsement to its earner:
// the Open Badges 2.0 document, with the comment's HTML as content and its
// Markdown as source, for fediverse software, and its signed Open Badges
// 3.0 EndorsementCredential as "credential", which the earner's node
// verifies before showing the endorsement.
func (p *Passport) sendEndorsement(ctx context.Context, tx pgx.Tx, username, typ, to, inbox string, e Endorsement, credential map[string]any) error {
	obj, err := e.Document().ActivityObject(p.fed.Markdown().HTML(e.Comment, nil))
	if err != nil {
		return err
	}
	if credential != nil {
		obj["credential"] = credential
	}
	return p.send(ctx, tx, username, typ, to, inbox, obj)
}

// givenEndorsement finds an endorsement user u wrote, current or not.
func givenEndorsement(ctx context.Context, db DB, userID int64, id string) (Endorsement, error) {
	if !uuidPattern.MatchString(id) {
		return Endorsement{}, problem.NotFoundf("no endorsement %q of yours", id)
	}
	e, err := scanEndorsement(db.QueryRow(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		WHERE e.uuid = $1 AND e.endorser_user = $2`, id, userID))
	if errors.Is(err, pgx.ErrNoRows) || err == nil && e.DeletedAt != nil {
		return Endorsement{}, problem.NotFoundf("no endorsement %q of yours", id)
	}
	if err != nil {
		return Endorsement{}, fmt.Errorf("find endorsement %s: %w", id, err)
	}
	return e, nil
}

// EditEndorsement changes the comment of an endorsement u wrote; the
// earner's answer stays. A remote earner is sent Update{Endorsement}.
func (p *Passport) EditEndorsement(ctx context.Context, u account.User, id, comment string) (Endorsement, error) {
	comment, err := writtenText("comment", comment, MinEndorsementComment, MaxEndorsementComment)
	if err != nil {
		return Endorsement{}, err
	}
	e, err := givenEndorsement(ctx, p.pool, u.ID, id)
	if err != nil || e.Comment == comment {
		return e, err
	}
	inbox := ""
	if e.ItemID == nil {
		if inbox, err = p.inboxOf(ctx, e.Earner); err != nil {
			return Endorsement{}, err
		}
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		e, err = scanEndorsement(tx.QueryRow(ctx, `UPDATE person_endorsement e SET comment = $3, updated_at = now()
			WHERE e.uuid = $1 AND e.endorser_user = $2 AND e.deleted_at IS NULL RETURNING `+endorsementColumns, id, u.ID, comment))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no endorsement %q of yours", id)
		}
		if err != nil {
			return fmt.Errorf("edit endorsement %s: %w", id, err)
		}
		// The signed credential says the old comment: a new one replaces
		// it, and the old one is revoked.
		var credential map[string]any
		if e, credential, err = p.issueCredential(ctx, tx, u, e); err != nil {
			return err
		}
		if inbox == "" {
			return nil
		}
		return p.sendEndorsement(ctx, tx, u.Username, "Update", e.Earner, inbox, e, credential)
	})
	return e, err
}

// DeleteEndorsement withdraws an endorsement u wrote: its id answers 410
// from now on, it leaves the badge's page, and a remote earner is sent
// Delete{Tombstone}.
func (p *Passport) DeleteEndorsement(ctx context.Context, u account.User, id string) error {
	e, err := givenEndorsement(ctx, p.pool, u.ID, id)
	if err != nil {
		return err
	}
	inbox := ""
	if e.ItemID == nil {
		if inbox, err = p.inboxOf(ctx, e.Earner); err != nil {
			return err
		}
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE person_endorsement SET deleted_at = now()
			WHERE uuid = $1 AND endorser_user = $2 AND deleted_at IS NULL`, id, u.ID)
		if err != nil {
			return fmt.Errorf("delete endorsement %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return problem.NotFoundf("no endorsement %q of yours", id)
		}
		if err := revokeCredentials(ctx, tx, e.rowID); err != nil {
			return err
		}
		if inbox == "" {
			return nil
		}
		return p.send(ctx, tx, u.Username, "Delete", e.Earner, inbox,
			map[string]any{"id": e.ID, "type": "Tombstone", "formerType": "Endorsement"})
	})
}

// receivedEndorsement finds a current endorsement of a badge of u.
func receivedEndorsement(ctx context.Context, db DB, userID int64, id string) (Endorsement, error) {
	if !uuidPattern.MatchString(id) {
		return Endorsement{}, problem.NotFoundf("no endorsement %q of your badges", id)
	}
	e, err := scanEndorsement(db.QueryRow(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		JOIN backpack_item i ON i.id = e.item_id
		WHERE e.uuid = $1 AND i.user_id = $2 AND e.deleted_at IS NULL AND `+shownCredential, id, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endorsement{}, problem.NotFoundf("no endorsement %q of your badges", id)
	}
	if err != nil {
		return Endorsement{}, fmt.Errorf("find endorsement %s: %w", id, err)
	}
	return e, nil
}

// AnswerEndorsement is the earner's answer to an endorsement of one of
// their badges: accepted ones are shown with the badge, declined ones are
// not. The earner may change their mind. A remote endorser is told with
// Accept or Reject of the endorsement's id.
func (p *Passport) AnswerEndorsement(ctx context.Context, u account.User, id string, accept bool) (Endorsement, error) {
	e, err := receivedEndorsement(ctx, p.pool, u.ID, id)
	if err != nil {
		return Endorsement{}, err
	}
	state, answer := Declined, "Reject"
	if accept {
		state, answer = Accepted, "Accept"
	}
	if e.State == state {
		return e, nil
	}
	inbox := ""
	if e.EndorserUserID == nil {
		if inbox, err = p.inboxOf(ctx, e.Endorser); err != nil {
			return Endorsement{}, err
		}
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		old := e.State
		e, err = scanEndorsement(tx.QueryRow(ctx, `UPDATE person_endorsement e SET state = $3, answered_at = now()
			WHERE e.uuid = $1 AND e.state = $2 AND e.deleted_at IS NULL RETURNING `+endorsementColumns, id, old, state))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("", "this endorsement changed meanwhile; look at it again")
		}
		if err != nil {
			return fmt.Errorf("answer endorsement %s: %w", id, err)
		}
		if inbox == "" {
			return nil
		}
		return p.send(ctx, tx, u.Username, answer, e.Endorser, inbox, e.ID)
	})
	return e, err
}

// EndorsementsGiven lists the current endorsements user userID wrote,
// newest first, with the earners' answers as known here.
func EndorsementsGiven(ctx context.Context, db DB, userID int64) ([]Endorsement, error) {
	return collectEndorsements(db.Query(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		WHERE e.endorser_user = $1 AND e.deleted_at IS NULL ORDER BY e.created_at DESC, e.id DESC`, userID))
}

// EndorsementsReceived lists the current endorsements of user userID's
// badges, newest first; state, when not "", keeps those in that state.
func EndorsementsReceived(ctx context.Context, db DB, userID int64, state string) ([]Endorsement, error) {
	if err := checkEndorsementState(state); err != nil {
		return nil, err
	}
	return collectEndorsements(db.Query(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		JOIN backpack_item i ON i.id = e.item_id
		WHERE i.user_id = $1 AND e.deleted_at IS NULL AND ($2 = '' OR e.state = $2) AND `+shownCredential+`
		ORDER BY e.created_at DESC, e.id DESC`, userID, state))
}

// EndorsementsOf lists the current endorsements of a backpack item,
// oldest first; state, when not "", keeps those in that state. The
// badge's public page shows the accepted ones.
func EndorsementsOf(ctx context.Context, db DB, itemID int64, state string) ([]Endorsement, error) {
	if err := checkEndorsementState(state); err != nil {
		return nil, err
	}
	return collectEndorsements(db.Query(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		WHERE e.item_id = $1 AND e.deleted_at IS NULL AND ($2 = '' OR e.state = $2) AND `+shownCredential+`
		ORDER BY e.issued_on, e.id`, itemID, state))
}

func checkEndorsementState(state string) error {
	switch state {
	case "", Pending, Accepted, Declined:
		return nil
	}
	return problem.Invalidf("state", "must be pending, accepted or declined")
}

// EndorsementOfBadge is user userID's current endorsement of the badge on
// page, if any (found false otherwise).
func EndorsementOfBadge(ctx context.Context, db DB, userID int64, page string) (e Endorsement, found bool, err error) {
	e, err = scanEndorsement(db.QueryRow(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		WHERE e.endorser_user = $1 AND e.badge_page = $2 AND e.deleted_at IS NULL`, userID, page))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endorsement{}, false, nil
	}
	if err != nil {
		return Endorsement{}, false, fmt.Errorf("find your endorsement of %s: %w", page, err)
	}
	return e, true, nil
}

// HostedEndorsement finds an endorsement hosted here (its endorser is a
// user here), deleted or not: a deleted one answers 410 at its id.
func HostedEndorsement(ctx context.Context, db DB, id string) (Endorsement, error) {
	if !uuidPattern.MatchString(id) {
		return Endorsement{}, problem.NotFoundf("no endorsement %q", id)
	}
	e, err := scanEndorsement(db.QueryRow(ctx, `SELECT `+endorsementColumns+` FROM person_endorsement e
		WHERE e.uuid = $1 AND e.endorser_user IS NOT NULL`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endorsement{}, problem.NotFoundf("no endorsement %q", id)
	}
	if err != nil {
		return Endorsement{}, fmt.Errorf("find endorsement %s: %w", id, err)
	}
	return e, nil
}

// receiveEndorsement applies an endorsement of a local person's public
// badge by a person on another node: Create{Endorsement} records it
// pending the earner's answer, Update{Endorsement} (update set) changes
// its comment, keeping the answer. An Update of one not seen yet counts as
// its Create; one deleted before it arrived stays deleted; of two updates,
// the later by its published time wins.
func (p *Passport) receiveEndorsement(update bool) federation.Handler {
	return func(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
		doc := in.Object.Raw
		if in.Object.Type != "Endorsement" {
			return "", false, nil
		}
		id, profile := idOf(doc["id"]), idOf(doc["issuer"])
		if hostOf(id) == "" || hostOf(id) != hostOf(in.Actor) || hostOf(profile) != hostOf(in.Actor) {
			return "ignored: the endorsement and its issuer are not hosted on the endorser's server", true, nil
		}
		claim, _ := doc["claim"].(map[string]any)
		assertion := idOf(doc["claim"])
		comment, ok := receivedText(text(claim["endorsementComment"]), MinEndorsementComment, MaxEndorsementComment)
		if !ok {
			return "ignored: the comment is too short or too long", true, nil
		}
		gone, err := tombstoned(ctx, tx, id)
		if err != nil || gone {
			return "ignored: deleted before it arrived", true, err
		}
		issued, err := vocab.ParseDateTime(text(doc["issuedOn"]))
		if err != nil || issued.After(time.Now().Add(time.Hour)) {
			issued = time.Now()
		}
		// A Create that says not when it was sent dates from the
		// endorsement's issuedOn, so that any Update is newer.
		stamp := activityTime(in.Published, issued)
		var endorser string
		var deleted bool
		err = tx.QueryRow(ctx, `SELECT endorser_actor, deleted_at IS NOT NULL FROM person_endorsement WHERE endorsement_id = $1`,
			id).Scan(&endorser, &deleted)
		switch {
		case err == nil && (endorser != in.Actor || deleted):
			return "ignored: deleted, or not the sender's", true, nil
		case err == nil && !update:
			return "ignored: already stored", true, nil
		case err == nil:
			tag, err := tx.Exec(ctx, `UPDATE person_endorsement SET comment = $2, updated_at = $3
				WHERE endorsement_id = $1 AND updated_at < $3`, id, comment, stamp)
			if err != nil {
				return "", true, fmt.Errorf("update endorsement %s: %w", id, err)
			}
			if tag.RowsAffected() == 0 {
				return "ignored: an older update", true, nil
			}
			if raw, ok := doc["credential"]; ok { // the edit's new credential, verified again
				var assertion string
				if err := tx.QueryRow(ctx, `SELECT assertion_id FROM person_endorsement WHERE endorsement_id = $1`, id).Scan(&assertion); err != nil {
					return "", true, fmt.Errorf("find endorsement %s: %w", id, err)
				}
				if err := p.queueCredentialCheck(ctx, tx, id, raw, in.Actor, assertion, comment); err != nil {
					return "", true, err
				}
			}
			return "individual endorsement updated", true, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return "", true, fmt.Errorf("find endorsement %s: %w", id, err)
		}
		b, ours, err := p.receivedBadge(ctx, tx, in, assertion)
		if err != nil {
			return "", true, err
		}
		if !ours || b.Item == nil {
			return "ignored: endorses no public badge of the addressee", true, nil
		}
		// A new endorsement replaces the endorser's earlier one of the same
		// badge, whose Delete may have been lost.
		if _, err := tx.Exec(ctx, `UPDATE person_endorsement SET deleted_at = now()
			WHERE endorser_actor = $1 AND assertion_id = $2 AND deleted_at IS NULL`, in.Actor, b.Assertion); err != nil {
			return "", true, fmt.Errorf("replace endorsement: %w", err)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO person_endorsement (endorsement_id, endorser_actor, endorser_name, endorser_profile, assertion_id,
				badge_page, badge_name, earner_actor, earner_name, item_id, comment, issued_on, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			id, in.Actor, remoteName(ctx, tx, in.Actor), profile, b.Assertion, b.Page, b.Name, b.Earner, b.EarnerName,
			b.Item.ID, comment, issued, stamp); err != nil {
			return "", true, fmt.Errorf("store endorsement %s: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE person_endorsement_request SET state = 'endorsed', updated_at = now()
			WHERE item_id = $1 AND target = $2 AND state = 'pending'`, b.Item.ID, in.Actor); err != nil {
			return "", true, fmt.Errorf("note the request endorsed: %w", err)
		}
		if raw, ok := doc["credential"]; ok {
			if err := p.queueCredentialCheck(ctx, tx, id, raw, in.Actor, b.Assertion, comment); err != nil {
				return "", true, err
			}
			return "individual endorsement pending its credential's verification", true, nil
		}
		return "individual endorsement pending the earner's answer", true, nil
	}
}

// receiveEndorsementAnswer applies the earner's Accept or Reject of an
// endorsement we host. The earner may change their mind: the answer
// published last wins, whatever order answers arrive in. Answers to
// anything else (follows, requests) are passed on.
func (p *Passport) receiveEndorsementAnswer(state string) federation.Handler {
	return func(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
		stamp := activityTime(in.Published, time.Time{})
		tag, err := tx.Exec(ctx, `UPDATE person_endorsement SET state = $3, answered_at = $4
			WHERE endorsement_id = $1 AND earner_actor = $2 AND endorser_user IS NOT NULL AND deleted_at IS NULL
				AND (answered_at IS NULL OR answered_at < $4)`, in.Object.ID, in.Actor, state, stamp)
		if err != nil {
			return "", true, fmt.Errorf("answer endorsement %s: %w", in.Object.ID, err)
		}
		if tag.RowsAffected() > 0 {
			return "individual endorsement " + state, true, nil
		}
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM person_endorsement WHERE endorsement_id = $1 AND earner_actor = $2)`,
			in.Object.ID, in.Actor).Scan(&known); err != nil {
			return "", true, err
		}
		if !known {
			return "", false, nil
		}
		return "ignored: an older answer, or a deleted endorsement", true, nil
	}
}
