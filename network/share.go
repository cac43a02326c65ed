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

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Share modes: a link (the receiver lists the badge as a partner's) or a
// copy (the receiver may issue the badge itself).
const (
	ShareLink = "link"
	ShareCopy = "copy"
)

// Share is a badge class one organisation shared with another.
type Share struct {
	UUID         string `json:"uuid"`
	Offer        string `json:"offer"`
	Sharer       string `json:"sharer"`
	SharerName   string `json:"sharer_name"`
	Receiver     string `json:"receiver"`
	ReceiverName string `json:"receiver_name"`
	Badge        string `json:"badge"` // the shared BadgeClass id
	BadgeName    string `json:"badge_name"`
	BadgeImage   string `json:"badge_image"`
	Mode         string `json:"mode"`
	State        string `json:"state"`          // pending, accepted or declined
	Copy         string `json:"copy,omitempty"` // the receiver's own copy, once accepted as one
	// Network is the Group actor of the regional network the badge was
	// offered to as a whole ("" for a share with one partner).
	Network   string    `json:"network,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const shareColumns = `s.uuid::text, s.offer_id, s.sharer_actor, s.sharer_name, s.receiver_actor, s.receiver_name,
	s.badge_id, s.badge_name, s.badge_image, s.mode, s.state, coalesce(c.uuid::text, ''), s.network, s.created_at, s.updated_at`

const shareFrom = ` FROM badge_share s LEFT JOIN badge_class c ON c.id = s.copy_badge_id `

func scanShare(r pgx.Row) (Share, error) {
	var s Share
	err := r.Scan(&s.UUID, &s.Offer, &s.Sharer, &s.SharerName, &s.Receiver, &s.ReceiverName, &s.Badge, &s.BadgeName,
		&s.BadgeImage, &s.Mode, &s.State, &s.Copy, &s.Network, &s.CreatedAt, &s.UpdatedAt)
	return s, err
}

// ShareResult says what became of sharing with one target.
type ShareResult struct {
	Target string `json:"target"`
	Share  *Share `json:"share,omitempty"`
	Error  string `json:"error,omitempty"`
	Field  string `json:"field,omitempty"`
}

// ShareBadge offers one of o's badge classes to each target (a partner's
// handle, actor URL or slug), as a link or as a copy: an Offer{BadgeClass}
// each, in a transaction of its own, so one bad target does not stop the
// others. Sharing again with a target that declined asks again.
func (n *Network) ShareBadge(ctx context.Context, o issuer.Organisation, badgeUUID string, targets []string, mode string) ([]ShareResult, error) {
	if mode != ShareLink && mode != ShareCopy {
		return nil, problem.Invalidf("mode", "must be link or copy")
	}
	if len(targets) == 0 || len(targets) > 100 {
		return nil, problem.Invalidf("targets", "name 1 to 100 organisations to share with")
	}
	b, err := issuer.BadgeClassByUUID(ctx, n.pool, badgeUUID)
	if err != nil || b.OrganisationID != o.ID {
		return nil, problem.NotFoundf("%s has no such badge.", o.Name)
	}
	doc := b.Document(n.urls)
	out := make([]ShareResult, len(targets))
	for i, target := range targets {
		out[i].Target = target
		s, err := n.shareOne(ctx, o, doc, target, mode)
		if p, ok := problem.As(err); ok {
			out[i].Error, out[i].Field = p.Message, p.Field
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].Share = &s
	}
	return out, nil
}

func (n *Network) shareOne(ctx context.Context, o issuer.Organisation, doc vocab.BadgeClass, target, mode string) (Share, error) {
	p, err := n.resolve(ctx, "target", target)
	if err != nil {
		return Share{}, err
	}
	if p.Org != nil && p.Org.ID == o.ID {
		return Share{}, problem.Invalidf("target", "an organisation cannot share a badge with itself")
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return Share{}, err
	}
	offer := n.activity(o, "Offer", p, doc)
	offer["laurel:shareMode"] = mode
	var s Share
	err = pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		s, err = scanShare(tx.QueryRow(ctx, `
			WITH s AS (
				INSERT INTO badge_share (offer_id, sharer_actor, sharer_name, sharer_org, receiver_actor, receiver_name,
					receiver_org, badge_id, badge_name, badge_image, badge, mode)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (receiver_actor, badge_id) DO UPDATE SET offer_id = excluded.offer_id, mode = excluded.mode,
					badge = excluded.badge, badge_name = excluded.badge_name, badge_image = excluded.badge_image,
					state = CASE WHEN badge_share.state = 'accepted' AND badge_share.mode = excluded.mode
						THEN 'accepted' ELSE 'pending' END,
					updated_at = now()
				RETURNING *)
			SELECT `+shareColumns+` FROM s LEFT JOIN badge_class c ON c.id = s.copy_badge_id`,
			offer["id"], offer["actor"], o.Name, o.ID, p.Actor, p.Name, orgID(p), doc.ID, doc.Name, doc.Image, raw, mode))
		if err != nil {
			return fmt.Errorf("record share: %w", err)
		}
		if p.Org != nil {
			return notifyAbout(ctx, tx, n.mail, n.locale, p.Org.ID, KindShare, fmt.Sprintf("%s shared the badge %q with you", o.Name, doc.Name),
				"/network?tab=shared-with-us", shareAbout(p.Actor, doc.ID))
		}
		return n.publish(ctx, tx, o, p, offer)
	})
	return s, err
}

// Shares lists the badges o shared ("given") or that were shared with it
// ("received"), newest first.
func (n *Network) Shares(ctx context.Context, o issuer.Organisation, direction string) ([]Share, error) {
	column := "s.sharer_org"
	switch direction {
	case Given:
	case Received:
		column = "s.receiver_org"
	default:
		return nil, problem.Invalidf("direction", "must be given or received")
	}
	rows, err := n.pool.Query(ctx, `SELECT `+shareColumns+shareFrom+`WHERE `+column+` = $1 ORDER BY s.updated_at DESC, s.id DESC`, o.ID)
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Share, error) { return scanShare(r) })
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	return list, nil
}

// AnswerShare accepts or declines a badge shared with o; o may change its
// answer later. Accepting a copy the first time adds the badge to o's own
// library, to issue as its own.
func (n *Network) AnswerShare(ctx context.Context, by account.Actor, o issuer.Organisation, id string, accept bool) (Share, error) {
	if uuid.Validate(id) != nil {
		return Share{}, problem.NotFoundf("No such shared badge.")
	}
	s, err := scanShare(n.pool.QueryRow(ctx, `SELECT `+shareColumns+shareFrom+`WHERE s.uuid = $1 AND s.receiver_org = $2`, id, o.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Share{}, problem.NotFoundf("No such badge was shared with %s.", o.Name)
	}
	if err != nil {
		return Share{}, fmt.Errorf("find share %s: %w", id, err)
	}
	var copyInput *issuer.BadgeInput
	if accept && s.Mode == ShareCopy && s.Copy == "" {
		in, err := n.copyOf(ctx, s)
		if err != nil {
			return Share{}, err
		}
		copyInput = &in
	}
	state, answer := Declined, "Reject"
	if accept {
		state, answer = Accepted, "Accept"
	}
	// The sharer is looked up before the transaction: a badge relayed by
	// a network may come from an organisation this node never met.
	p, err := n.partyByActor(ctx, n.pool, "sharer", s.Sharer, true)
	if err != nil {
		return Share{}, err
	}
	err = pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		var copyID *int64
		if copyInput != nil {
			b, err := issuer.CreateBadgeClass(ctx, tx, by, o.ID, *copyInput)
			if err != nil {
				return err
			}
			copyID = &b.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE badge_share SET state = $2, answered_at = now(), updated_at = now(),
			copy_badge_id = coalesce(copy_badge_id, $3) WHERE uuid = $1`, id, state, copyID); err != nil {
			return fmt.Errorf("answer share %s: %w", id, err)
		}
		s, err = scanShare(tx.QueryRow(ctx, `SELECT `+shareColumns+shareFrom+`WHERE s.uuid = $1`, id))
		if err != nil {
			return err
		}
		if err := markHandled(ctx, tx, o.ID, shareAbout(s.Receiver, s.Badge)); err != nil {
			return err
		}
		if p.Org != nil {
			return notify(ctx, tx, n.mail, n.locale, p.Org.ID, KindShare, fmt.Sprintf("%s %s the badge %q you shared", o.Name, strings.ToLower(state), s.BadgeName), "/network?tab=shared-with-partners")
		}
		act := n.activity(o, answer, p, s.Offer)
		act["published"] = time.Now().UTC().Format(time.RFC3339Nano)
		return n.publish(ctx, tx, o, p, act)
	})
	return s, err
}

// copyOf makes the input for the receiver's own copy of a shared badge:
// the BadgeClass as shared, with its image (read here, or fetched from
// the sharer's node).
func (n *Network) copyOf(ctx context.Context, s Share) (issuer.BadgeInput, error) {
	var doc vocab.BadgeClass
	var raw []byte
	if err := n.pool.QueryRow(ctx, `SELECT badge FROM badge_share WHERE uuid = $1`, s.UUID).Scan(&raw); err != nil {
		return issuer.BadgeInput{}, fmt.Errorf("read shared badge: %w", err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return issuer.BadgeInput{}, fmt.Errorf("read shared badge: %w", err)
	}
	var image []byte
	if u := n.urls.BadgeUUID(doc.ID); u != "" {
		img, err := issuer.BadgeImage(ctx, n.pool, u)
		if err != nil {
			return issuer.BadgeInput{}, err
		}
		image = img.Data
	} else {
		body, resp, err := n.fetch.Get(ctx, doc.Image, "image/png, image/svg+xml")
		if err != nil || resp.StatusCode != 200 {
			return issuer.BadgeInput{}, problem.Conflictf("", "cannot fetch the shared badge's image from %s; try again later", doc.Image)
		}
		image = body
	}
	in := issuer.BadgeInput{Name: doc.Name, Description: doc.Description, Image: image, Tags: doc.Tags,
		Alignments: doc.Alignment, CriteriaNarrative: doc.Criteria.Narrative}
	if in.CriteriaNarrative == "" {
		in.CriteriaURL = doc.Criteria.ID
	}
	return in, nil
}

// receiveShare stores a badge a remote organisation shares with one of
// ours: Offer{BadgeClass}.
func (n *Network) receiveShare(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	doc := in.Object.Raw
	if in.Object.Type != "BadgeClass" {
		return "", false, nil
	}
	p, err := n.sender(ctx, tx, in.Actor)
	if err != nil || p.Profile == "" || str(doc, "issuer") != p.Profile || hostOf(str(doc, "id")) != hostOf(in.Actor) {
		return "ignored: not a badge of the sender's", true, nil
	}
	receiver, err := n.addressee(ctx, tx, in)
	if err != nil {
		return "ignored: shared with nobody of ours", true, nil
	}
	if receiver.Network {
		return "", false, nil // offered to a whole network: package community relays it
	}
	mode, _ := in.Raw["laurel:shareMode"].(string)
	if mode != ShareCopy {
		mode = ShareLink
	}
	var b vocab.BadgeClass
	raw, _ := json.Marshal(doc)
	if err := json.Unmarshal(raw, &b); err != nil || strings.TrimSpace(b.Name) == "" {
		return "ignored: not a readable BadgeClass", true, nil
	}
	name := []rune(strings.TrimSpace(b.Name))
	if len(name) > 200 {
		name = name[:200]
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO badge_share (offer_id, sharer_actor, sharer_name, receiver_actor, receiver_name, receiver_org,
			badge_id, badge_name, badge_image, badge, mode)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (receiver_actor, badge_id) DO UPDATE SET offer_id = excluded.offer_id, mode = excluded.mode,
			badge = excluded.badge, badge_name = excluded.badge_name, badge_image = excluded.badge_image,
			state = CASE WHEN badge_share.state = 'accepted' AND badge_share.mode = excluded.mode THEN 'accepted' ELSE 'pending' END,
			updated_at = now()
		WHERE badge_share.offer_id <> excluded.offer_id`,
		in.ID, in.Actor, p.Name, n.fed.URLs().Actor(receiver.Slug), receiver.Name, receiver.ID, b.ID, string(name), b.Image, raw, mode)
	if err != nil {
		return "", true, fmt.Errorf("store share %s: %w", in.ID, err)
	}
	if err := notifyAbout(ctx, tx, n.mail, n.locale, receiver.ID, KindShare, fmt.Sprintf("%s shared the badge %q with you", p.Name, string(name)),
		"/network?tab=shared-with-us", shareAbout(n.fed.URLs().Actor(receiver.Slug), b.ID)); err != nil {
		return "", true, err
	}
	return "badge share stored", true, nil
}

// addressee is the organisation of ours an activity is for: the owner of
// the inbox it came to, or the first of ours it is addressed to.
func (n *Network) addressee(ctx context.Context, db DB, in federation.Incoming) (issuer.Organisation, error) {
	if in.Recipient != "" {
		return issuer.OrganisationBySlug(ctx, db, in.Recipient)
	}
	for _, id := range in.To {
		if n.fed.URLs().UsernameOf(id) != "" {
			if o, err := issuer.OrganisationBySlug(ctx, db, n.fed.URLs().UsernameOf(id)); err == nil {
				return o, nil
			}
		}
	}
	return issuer.Organisation{}, problem.NotFoundf("addressed to nobody of ours")
}

// receiveShareAnswer applies the receiver's Accept or Reject of a badge we
// shared. The receiver may change its mind: the newest answer by its
// published time wins, whatever order the answers arrive in.
func (n *Network) receiveShareAnswer(state string) federation.Handler {
	return func(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
		published := in.Published
		if published.IsZero() {
			published = time.Now()
		}
		var sharer int64
		var badge string
		err := tx.QueryRow(ctx, `UPDATE badge_share SET state = $3, answered_at = $4, updated_at = now()
			WHERE offer_id = $1 AND receiver_actor = $2 AND (answered_at IS NULL OR answered_at < $4)
			RETURNING sharer_org, badge_name`, in.Object.ID, in.Actor, state, published).Scan(&sharer, &badge)
		if errors.Is(err, pgx.ErrNoRows) {
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM badge_share WHERE offer_id = $1)`, in.Object.ID).Scan(&known); err != nil {
				return "", true, err
			}
			if !known {
				return "", false, nil
			}
			if outcome, ok, err := n.recordNetworkAnswer(ctx, tx, in.Object.ID, in.Actor, state, published); ok || err != nil {
				return outcome, true, err
			}
			return "ignored: an older answer", true, nil
		}
		if err != nil {
			return "", true, fmt.Errorf("answer share %s: %w", in.Object.ID, err)
		}
		p, err := n.sender(ctx, tx, in.Actor)
		if err != nil {
			return "", true, err
		}
		text := fmt.Sprintf("%s %s the badge %q you shared", p.Name, strings.ToLower(state), badge)
		if err := notify(ctx, tx, n.mail, n.locale, sharer, KindShare, text, "/network?tab=shared-with-partners"); err != nil {
			return "", true, err
		}
		return "share " + state, true, nil
	}
}
