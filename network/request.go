package network

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Request states.
const (
	Pending   = "pending"
	Accepted  = "accepted"
	Declined  = "declined"
	Withdrawn = "withdrawn"
)

// Request is a request that the target endorse the requester or one of
// its badges.
type Request struct {
	UUID          string    `json:"uuid"`
	Offer         string    `json:"offer"` // the Offer activity's id
	Requester     string    `json:"requester"`
	RequesterName string    `json:"requester_name"`
	Target        string    `json:"target"`
	TargetName    string    `json:"target_name"`
	SubjectKind   string    `json:"subject_kind"`
	Subject       string    `json:"subject"`
	SubjectName   string    `json:"subject_name"`
	Message       string    `json:"message"`
	State         string    `json:"state"`
	Endorsement   string    `json:"endorsement,omitempty"` // once accepted
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

const requestColumns = `uuid::text, offer_id, requester_actor, requester_name, target_actor, target_name,
	subject_kind, subject_id, subject_name, message, state, endorsement_id, created_at, updated_at`

func scanRequest(r pgx.Row) (Request, error) {
	var q Request
	err := r.Scan(&q.UUID, &q.Offer, &q.Requester, &q.RequesterName, &q.Target, &q.TargetName, &q.SubjectKind,
		&q.Subject, &q.SubjectName, &q.Message, &q.State, &q.Endorsement, &q.CreatedAt, &q.UpdatedAt)
	return q, err
}

// RequestEndorsement asks target to endorse o or, with badge set, one of
// o's badge classes (by id), with a message: an Offer of the endorsement
// to write. One pending request per target and subject.
func (n *Network) RequestEndorsement(ctx context.Context, o issuer.Organisation, target, badge, message string) (Request, error) {
	message = strings.TrimSpace(message)
	if len(message) > 5000 {
		return Request{}, problem.Invalidf("message", "must be at most 5000 characters")
	}
	p, err := n.resolve(ctx, "target", target)
	if err != nil {
		return Request{}, err
	}
	if p.Org != nil && p.Org.ID == o.ID {
		return Request{}, problem.Invalidf("target", "an organisation cannot ask itself for an endorsement")
	}
	s, err := n.subjectOf(ctx, n.localParty(o), badge)
	if err != nil {
		return Request{}, err
	}
	var q Request
	err = pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		var pending bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM endorsement_request WHERE requester_org = $1
			AND target_actor = $2 AND subject_id = $3 AND state = 'pending')`, o.ID, p.Actor, s.ID).Scan(&pending); err != nil {
			return fmt.Errorf("request endorsement: %w", err)
		}
		if pending {
			return problem.Conflictf("target", "%s already has a pending request to endorse %s", p.Name, s.Name)
		}
		offer := n.activity(o, "Offer", p, map[string]any{
			"@context": vocab.Context, "type": "Endorsement",
			"claim":  map[string]any{"id": s.ID, "name": s.Name},
			"issuer": p.Profile,
		})
		if message != "" {
			offer["content"] = n.fed.Markdown().HTML(message, nil)
			offer["source"] = markdown.Source(message)
		}
		var err error
		q, err = scanRequest(tx.QueryRow(ctx, `
			INSERT INTO endorsement_request (offer_id, requester_actor, requester_name, requester_org, target_actor,
				target_name, target_org, subject_kind, subject_id, subject_name, message)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			RETURNING `+requestColumns,
			offer["id"], offer["actor"], o.Name, o.ID, p.Actor, p.Name, orgID(p), s.Kind, s.ID, s.Name, message))
		if err != nil {
			return fmt.Errorf("record request: %w", err)
		}
		if p.Org != nil {
			return notifyAbout(ctx, tx, n.mail, n.locale, p.Org.ID, KindRequest, requestText(o.Name, s), "/network?tab=requests", requestAbout(q.Offer))
		}
		return n.publish(ctx, tx, o, p, offer)
	})
	return q, err
}

// offerMessage is the message of a received Offer: the Markdown in its
// source, or, from a node that sent none, its content.
func offerMessage(offer map[string]any) string {
	if src, ok := offer["source"].(map[string]any); ok && src["mediaType"] == markdown.MediaType {
		if s, ok := src["content"].(string); ok {
			return s
		}
	}
	s, _ := offer["content"].(string)
	return s
}

// Requests lists o's requests, incoming (o is asked) or outgoing (o asks),
// in a state ("" for all), newest first.
func (n *Network) Requests(ctx context.Context, o issuer.Organisation, direction, state string) ([]Request, error) {
	column := "target_org"
	switch direction {
	case "incoming":
	case "outgoing":
		column = "requester_org"
	default:
		return nil, problem.Invalidf("direction", "must be incoming or outgoing")
	}
	switch state {
	case "", Pending, Accepted, Declined, Withdrawn:
	default:
		return nil, problem.Invalidf("state", "must be pending, accepted, declined or withdrawn")
	}
	rows, err := n.pool.Query(ctx, `SELECT `+requestColumns+` FROM endorsement_request
		WHERE `+column+` = $1 AND ($2 = '' OR state = $2) ORDER BY created_at DESC, id DESC`, o.ID, state)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Request, error) { return scanRequest(r) })
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return list, nil
}

// takeRequest locks request id for a change by o on the given side, if it
// is pending.
func takeRequest(ctx context.Context, tx pgx.Tx, o issuer.Organisation, id, column string) (Request, error) {
	if uuid.Validate(id) != nil {
		return Request{}, problem.NotFoundf("No such request.")
	}
	q, err := scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM endorsement_request
		WHERE uuid = $1 AND `+column+` = $2 FOR UPDATE`, id, o.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, problem.NotFoundf("%s has no such request.", o.Name)
	}
	if err != nil {
		return Request{}, fmt.Errorf("find request %s: %w", id, err)
	}
	if q.State != Pending {
		return Request{}, problem.Conflictf("", "the request is %s, not pending", q.State)
	}
	return q, nil
}

// Accept answers an incoming request of o: o endorses what was asked with
// comment, and the requester is told.
func (n *Network) Accept(ctx context.Context, o issuer.Organisation, id, comment string) (Request, error) {
	comment, err := checkComment("comment", comment)
	if err != nil {
		return Request{}, err
	}
	var out Request
	err = pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		q, err := takeRequest(ctx, tx, o, id, "target_org")
		if err != nil {
			return err
		}
		p, err := n.partyByActor(ctx, tx, "requester", q.Requester, false)
		if err != nil {
			return err
		}
		// A request for what o already endorses is answered with that
		// endorsement.
		e, err := n.endorse(ctx, tx, o, p, subject{Kind: q.SubjectKind, ID: q.Subject, Name: q.SubjectName}, comment)
		if problem.Is(err, problem.Conflict) {
			e, err = scanEndorsement(tx.QueryRow(ctx, `SELECT `+endorsementColumns+` FROM endorsement
				WHERE endorser_actor = $1 AND subject_id = $2 AND withdrawn_at IS NULL`, n.fed.URLs().Actor(o.Slug), q.Subject))
		}
		if err != nil {
			return err
		}
		if out, err = setRequestState(ctx, tx, q.Offer, Accepted, e.ID); err != nil {
			return err
		}
		if err := markHandled(ctx, tx, o.ID, requestAbout(q.Offer)); err != nil {
			return err
		}
		if p.Org != nil {
			return notify(ctx, tx, n.mail, n.locale, p.Org.ID, KindAnswer, answerText(o.Name, Accepted, q.SubjectName), "/network?tab=requests")
		}
		accept := n.activity(o, "Accept", p, q.Offer)
		accept["result"] = e.ID
		return n.publish(ctx, tx, o, p, accept)
	})
	return out, err
}

// Decline answers an incoming request of o with no.
func (n *Network) Decline(ctx context.Context, o issuer.Organisation, id string) (Request, error) {
	return n.close(ctx, o, id, "target_org", Declined, "Reject")
}

// WithdrawRequest takes back a request o made that is still pending.
func (n *Network) WithdrawRequest(ctx context.Context, o issuer.Organisation, id string) (Request, error) {
	return n.close(ctx, o, id, "requester_org", Withdrawn, "Undo")
}

// close ends a pending request without an endorsement and tells the other
// side with an activity of type answer about the Offer.
func (n *Network) close(ctx context.Context, o issuer.Organisation, id, side, state, answer string) (Request, error) {
	var out Request
	err := pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		q, err := takeRequest(ctx, tx, o, id, side)
		if err != nil {
			return err
		}
		other := q.Requester
		if side == "requester_org" {
			other = q.Target
		}
		p, err := n.partyByActor(ctx, tx, "request", other, false)
		if err != nil {
			return err
		}
		if out, err = setRequestState(ctx, tx, q.Offer, state, ""); err != nil {
			return err
		}
		if side == "target_org" {
			if err := markHandled(ctx, tx, o.ID, requestAbout(q.Offer)); err != nil {
				return err
			}
		}
		if p.Org != nil && state == Declined {
			return notify(ctx, tx, n.mail, n.locale, p.Org.ID, KindAnswer, answerText(o.Name, Declined, q.SubjectName), "/network?tab=requests")
		}
		var object any = q.Offer
		if answer == "Undo" {
			object = map[string]any{"id": q.Offer, "type": "Offer", "actor": q.Requester}
		}
		return n.publish(ctx, tx, o, p, n.activity(o, answer, p, object))
	})
	return out, err
}

// setRequestState moves a pending request on.
func setRequestState(ctx context.Context, tx pgx.Tx, offer, state, endorsement string) (Request, error) {
	q, err := scanRequest(tx.QueryRow(ctx, `UPDATE endorsement_request
		SET state = $2, endorsement_id = $3, updated_at = now() WHERE offer_id = $1 AND state = 'pending'
		RETURNING `+requestColumns, offer, state, endorsement))
	if errors.Is(err, pgx.ErrNoRows) {
		return Request{}, problem.Conflictf("", "the request is no longer pending")
	}
	if err != nil {
		return Request{}, fmt.Errorf("update request %s: %w", offer, err)
	}
	return q, nil
}
