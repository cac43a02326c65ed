package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Subject kinds: what an endorsement is about.
const (
	SubjectOrganisation = "organisation"
	SubjectBadge        = "badge"
)

// Endorsement is one organisation endorsing another organisation or one of
// its badge classes.
type Endorsement struct {
	ID           string     `json:"id"`             // the hosted Open Badges Endorsement
	UUID         string     `json:"uuid,omitempty"` // when hosted here
	Endorser     string     `json:"endorser"`       // actor id
	EndorserName string     `json:"endorser_name"`
	Profile      string     `json:"endorser_profile"`
	SubjectKind  string     `json:"subject_kind"`
	Subject      string     `json:"subject"` // claim.id: a Profile or a BadgeClass
	SubjectName  string     `json:"subject_name"`
	SubjectActor string     `json:"subject_actor"`
	Comment      string     `json:"comment"`
	IssuedOn     time.Time  `json:"issued_on"`
	WithdrawnAt  *time.Time `json:"withdrawn_at,omitempty"`
	// Credential is the id (URL) of the endorsement's Open Badges 3.0
	// EndorsementCredential: hosted here for ours, on the endorser's node
	// for one received and verified; absent for an endorsement without
	// one (made before 3.0, or from a node that sends none).
	Credential string `json:"credential,omitempty"`

	rowID int64
}

const endorsementColumns = `endorsement_id, coalesce(uuid::text, ''), endorser_actor, endorser_name, endorser_profile,
	subject_kind, subject_id, subject_name, subject_actor, comment, issued_on, withdrawn_at, id,
	CASE WHEN credential_state IN ('hosted', 'verified') THEN coalesce(credential::jsonb->>'id', '') ELSE '' END`

// shown is the condition of the endorsements that lists show: all but
// those received with a credential not (yet) verified.
const shown = `credential_state NOT IN ('unverified', 'rejected')`

func scanEndorsement(r pgx.Row) (Endorsement, error) {
	var e Endorsement
	err := r.Scan(&e.ID, &e.UUID, &e.Endorser, &e.EndorserName, &e.Profile, &e.SubjectKind, &e.Subject, &e.SubjectName,
		&e.SubjectActor, &e.Comment, &e.IssuedOn, &e.WithdrawnAt, &e.rowID, &e.Credential)
	return e, err
}

// Document is the endorsement as an Open Badges 2.0 Endorsement.
func (e Endorsement) Document() vocab.Endorsement {
	return vocab.Endorsement{
		Context:      vocab.Context,
		ID:           e.ID,
		Type:         "Endorsement",
		Claim:        vocab.EndorsementClaim{ID: e.Subject, EndorsementComment: e.Comment},
		Issuer:       e.Profile,
		IssuedOn:     e.IssuedOn.UTC().Format(time.RFC3339),
		Verification: vocab.VerificationObject{Type: vocab.Hosted},
	}
}

// checkComment normalises an endorsement's comment.
func checkComment(field, comment string) (string, error) {
	comment = strings.TrimSpace(comment)
	if comment == "" || len(comment) > 5000 {
		return "", problem.Invalidf(field, "must be 1 to 5000 characters")
	}
	return comment, nil
}

// subject is what an endorsement or a request is about.
type subject struct {
	Kind, ID, Name string
}

// subjectOf finds what to endorse of party p: the organisation itself
// (badge "") or one of its badge classes, named by its id. A badge on
// another node is fetched to check that p issues it.
func (n *Network) subjectOf(ctx context.Context, p party, badge string) (subject, error) {
	badge = strings.TrimSpace(badge)
	if badge == "" || badge == p.Profile || badge == p.Actor {
		if p.Profile == "" {
			return subject{}, problem.Invalidf("target", "%s publishes no Open Badges issuer profile to endorse", p.Name)
		}
		return subject{Kind: SubjectOrganisation, ID: p.Profile, Name: p.Name}, nil
	}
	if p.Org != nil {
		b, err := issuer.BadgeClassByUUID(ctx, n.pool, n.urls.BadgeUUID(badge))
		if err != nil || b.OrganisationID != p.Org.ID {
			return subject{}, problem.Invalidf("subject", "is not a badge of %s", p.Name)
		}
		return subject{Kind: SubjectBadge, ID: badge, Name: b.Name}, nil
	}
	body, _, err := n.fetch.Get(ctx, badge, "application/ld+json, application/json")
	if err != nil {
		return subject{}, problem.Invalidf("subject", "cannot fetch the badge %s: %v", badge, err)
	}
	var doc struct{ ID, Type, Name, Issuer string }
	if err := json.Unmarshal(body, &doc); err != nil || doc.ID != badge || doc.Type != "BadgeClass" {
		return subject{}, problem.Invalidf("subject", "%s is not an Open Badges BadgeClass", badge)
	}
	if doc.Issuer == "" || doc.Issuer != p.Profile {
		return subject{}, problem.Invalidf("subject", "is not a badge of %s", p.Name)
	}
	return subject{Kind: SubjectBadge, ID: badge, Name: doc.Name}, nil
}

// Endorse makes o endorse target (an organisation) or, with badge set, one
// of its badge classes, with a comment: hosted here as an Open Badges
// Endorsement and sent to the endorsed organisation.
func (n *Network) Endorse(ctx context.Context, o issuer.Organisation, target, badge, comment string) (Endorsement, error) {
	comment, err := checkComment("comment", comment)
	if err != nil {
		return Endorsement{}, err
	}
	p, err := n.resolve(ctx, "target", target)
	if err != nil {
		return Endorsement{}, err
	}
	if p.Org != nil && p.Org.ID == o.ID {
		return Endorsement{}, problem.Invalidf("target", "an organisation cannot endorse itself")
	}
	s, err := n.subjectOf(ctx, p, badge)
	if err != nil {
		return Endorsement{}, err
	}
	var e Endorsement
	err = pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		e, err = n.endorse(ctx, tx, o, p, s, comment)
		return err
	})
	return e, err
}

// endorse records and announces an endorsement by o, in tx.
func (n *Network) endorse(ctx context.Context, tx pgx.Tx, o issuer.Organisation, p party, s subject, comment string) (Endorsement, error) {
	id := uuid.NewString()
	e, err := scanEndorsement(tx.QueryRow(ctx, `
		INSERT INTO endorsement (endorsement_id, uuid, endorser_actor, endorser_profile, endorser_name, endorser_org,
			subject_kind, subject_id, subject_name, subject_actor, subject_org, comment, issued_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, date_trunc('second', now()))
		ON CONFLICT (endorser_actor, subject_id) WHERE withdrawn_at IS NULL DO NOTHING
		RETURNING `+endorsementColumns,
		n.urls.Endorsement(id), id, n.fed.URLs().Actor(o.Slug), n.urls.Profile(o.Slug), o.Name, o.ID,
		s.Kind, s.ID, s.Name, p.Actor, orgID(p), comment))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endorsement{}, problem.Conflictf("target", "%s already endorses %s; withdraw that endorsement first to write a new one", o.Name, s.Name)
	}
	if err != nil {
		return Endorsement{}, fmt.Errorf("record endorsement: %w", err)
	}
	signed, err := n.issueCredential(ctx, tx, o, &e, s)
	if err != nil {
		return Endorsement{}, err
	}
	if p.Org != nil {
		return e, notify(ctx, tx, n.mail, n.locale, p.Org.ID, KindEndorsement, endorsedText(o.Name, s), "/network?tab=received")
	}
	obj, err := e.Document().ActivityObject(n.fed.Markdown().HTML(e.Comment, nil))
	if err != nil {
		return Endorsement{}, err
	}
	obj[CredentialProperty] = json.RawMessage(signed)
	create := n.activity(o, "Create", p, obj)
	create["@context"] = activityContext(true)
	return e, n.publish(ctx, tx, o, p, create)
}

func orgID(p party) *int64 {
	if p.Org == nil {
		return nil
	}
	return &p.Org.ID
}

// Withdraw withdraws an endorsement o made: its id answers 410 from now
// on, it leaves the endorsed object's list, and the endorsed organisation
// is told.
func (n *Network) Withdraw(ctx context.Context, o issuer.Organisation, id string) (Endorsement, error) {
	if uuid.Validate(id) != nil {
		return Endorsement{}, problem.NotFoundf("No such endorsement.")
	}
	var e Endorsement
	err := pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		var err error
		e, err = scanEndorsement(tx.QueryRow(ctx, `
			UPDATE endorsement SET withdrawn_at = now()
			WHERE uuid = $1 AND endorser_org = $2 AND withdrawn_at IS NULL
			RETURNING `+endorsementColumns, id, o.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("%s has no such endorsement to withdraw.", o.Name)
		}
		if err != nil {
			return fmt.Errorf("withdraw endorsement %s: %w", id, err)
		}
		if err := issuer.RevokeEndorsementCredential(ctx, tx, e.rowID); err != nil {
			return err
		}
		p, err := n.partyByActor(ctx, tx, "subject", e.SubjectActor, false)
		if err != nil {
			return err
		}
		del := n.activity(o, "Delete", p, map[string]any{"id": e.ID, "type": "Tombstone", "formerType": "Endorsement"})
		return n.publish(ctx, tx, o, p, del)
	})
	return e, err
}

// EndorsementByUUID finds an endorsement hosted here, withdrawn or not.
func EndorsementByUUID(ctx context.Context, db DB, id string) (Endorsement, error) {
	if uuid.Validate(id) != nil {
		return Endorsement{}, problem.NotFoundf("No such endorsement.")
	}
	e, err := scanEndorsement(db.QueryRow(ctx, `SELECT `+endorsementColumns+` FROM endorsement WHERE uuid = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Endorsement{}, problem.NotFoundf("No such endorsement.")
	}
	if err != nil {
		return Endorsement{}, fmt.Errorf("find endorsement %s: %w", id, err)
	}
	return e, nil
}

// EndorsementsOf lists the current endorsements of an Open Badges object
// (an issuer Profile or a BadgeClass), oldest first: what its endorsement
// property and its page show.
func EndorsementsOf(ctx context.Context, db DB, subjectID string) ([]Endorsement, error) {
	return collectEndorsements(db.Query(ctx, `SELECT `+endorsementColumns+` FROM endorsement
		WHERE subject_id = $1 AND withdrawn_at IS NULL AND `+shown+` ORDER BY issued_on, id`, subjectID))
}

// EndorsementIDs is EndorsementsOf as the list of ids an Open Badges
// document carries in endorsement.
func EndorsementIDs(ctx context.Context, db DB, subjectID string) ([]string, error) {
	list, err := EndorsementsOf(ctx, db, subjectID)
	ids := make([]string, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	return ids, err
}

// Direction picks the endorsements o gave or received.
const (
	Given    = "given"
	Received = "received"
)

// Endorsements lists o's current endorsements in one direction, of one
// kind ("" for both), newest first.
func (n *Network) Endorsements(ctx context.Context, o issuer.Organisation, direction, kind string) ([]Endorsement, error) {
	column := "endorser_actor"
	switch direction {
	case Given:
	case Received:
		column = "subject_actor"
	default:
		return nil, problem.Invalidf("direction", "must be given or received")
	}
	if kind != "" && kind != SubjectOrganisation && kind != SubjectBadge {
		return nil, problem.Invalidf("kind", "must be organisation or badge")
	}
	return collectEndorsements(n.pool.Query(ctx, `SELECT `+endorsementColumns+` FROM endorsement
		WHERE `+column+` = $1 AND ($2 = '' OR subject_kind = $2) AND withdrawn_at IS NULL AND `+shown+`
		ORDER BY issued_on DESC, id DESC`, n.fed.URLs().Actor(o.Slug), kind))
}

func collectEndorsements(rows pgx.Rows, err error) ([]Endorsement, error) {
	if err != nil {
		return nil, fmt.Errorf("list endorsements: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endorsement, error) { return scanEndorsement(r) })
	if err != nil {
		return nil, fmt.Errorf("list endorsements: %w", err)
	}
	return list, nil
}

// Remove takes an endorsement of o (or of one of its badges) off o's
// profile: o no longer wants it shown. It is withdrawn here and, when the
// endorser is on another node, the endorser is told (Reject of the
// endorsement), so it stops hosting it too.
func (n *Network) Remove(ctx context.Context, o issuer.Organisation, endorsementID string) (Endorsement, error) {
	var e Endorsement
	err := pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		var err error
		e, err = scanEndorsement(tx.QueryRow(ctx, `
			UPDATE endorsement SET withdrawn_at = now()
			WHERE endorsement_id = $1 AND subject_org = $2 AND withdrawn_at IS NULL
			RETURNING `+endorsementColumns, endorsementID, o.ID))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("%s has no such current endorsement.", o.Name)
		}
		if err != nil {
			return fmt.Errorf("remove endorsement %s: %w", endorsementID, err)
		}
		// Ours: its credential is revoked (an external endorser's through
		// its own list, which follows withdrawn_at).
		if err := issuer.RevokeEndorsementCredential(ctx, tx, e.rowID); err != nil {
			return err
		}
		if e.UUID != "" {
			return nil // hosted here: ours on both sides, or an external endorser's
		}
		p, err := n.partyByActor(ctx, tx, "endorser", e.Endorser, false)
		if err != nil {
			return err
		}
		reject := n.activity(o, "Reject", p, map[string]any{"id": e.ID, "type": "Endorsement"})
		return n.publish(ctx, tx, o, p, reject)
	})
	return e, err
}

// receiveRemoval applies the endorsed organisation's Reject of an
// endorsement we host: it no longer wants it, so it is withdrawn.
func (n *Network) receiveRemoval(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.Type != "Endorsement" {
		return "", false, nil
	}
	var rowID int64
	err := tx.QueryRow(ctx, `UPDATE endorsement SET withdrawn_at = coalesce(withdrawn_at, now())
		WHERE endorsement_id = $1 AND subject_actor = $2 AND endorser_org IS NOT NULL RETURNING id`, in.Object.ID, in.Actor).Scan(&rowID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "ignored: no such endorsement of the sender", true, nil
	}
	if err != nil {
		return "", true, fmt.Errorf("remove endorsement %s: %w", in.Object.ID, err)
	}
	if err := issuer.RevokeEndorsementCredential(ctx, tx, rowID); err != nil {
		return "", true, err
	}
	return "endorsement removed by its subject", true, nil
}

// EndorsementsSince lists the current endorsements of any of the given
// Open Badges objects made after since, newest first, at most limit: what
// the followers of those objects see in their activity streams.
func EndorsementsSince(ctx context.Context, db DB, subjectIDs []string, since time.Time, limit int) ([]Endorsement, error) {
	return collectEndorsements(db.Query(ctx, `SELECT `+endorsementColumns+` FROM endorsement
		WHERE subject_id = ANY($1) AND withdrawn_at IS NULL AND `+shown+` AND issued_on > $2
		ORDER BY issued_on DESC, id DESC LIMIT $3`, subjectIDs, since, limit))
}
