package network

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Badges shared with a whole regional network (package community): one
// Offer{BadgeClass} addressed to the network's Group, which relays it to
// its members. Every member organisation may accept or decline it as it
// would a partner's share; the answers go back to the sharer's node,
// which keeps one row per answering member beside the row of the offer
// itself (state Offered, receiver the Group).

// Offered is the state of the sharer's own row of a badge offered to a
// network: the offer stands; the members' answers are rows of their own.
const Offered = "offered"

// Audience is a network a badge is offered to: its Group actor, name and
// inbox ("" when the network is on this node).
type Audience struct {
	Actor, Name, Inbox string
}

// OfferToNetwork offers one of o's badge classes, as a link or as a copy,
// to the network to: the offer is recorded and sent to the network's
// Group, in one transaction. For a network on this node there is nothing
// to send: relay, called inside that transaction, hands the offer to the
// network at once.
func (n *Network) OfferToNetwork(ctx context.Context, o issuer.Organisation, badgeUUID string, to Audience, mode string,
	relay func(ctx context.Context, tx pgx.Tx, offer map[string]any) error) (Share, error) {
	if mode == "" {
		mode = ShareLink
	}
	if mode != ShareLink && mode != ShareCopy {
		return Share{}, problem.Invalidf("mode", "must be link or copy")
	}
	b, err := issuer.BadgeClassByUUID(ctx, n.pool, badgeUUID)
	if err != nil || b.OrganisationID != o.ID {
		return Share{}, problem.NotFoundf("%s has no such badge.", o.Name)
	}
	doc := b.Document(n.urls)
	raw, err := json.Marshal(doc)
	if err != nil {
		return Share{}, err
	}
	// The BadgeClass as a JSON object: what the network's relay reads, on
	// this node as on another.
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return Share{}, err
	}
	offer := n.activity(o, "Offer", party{Actor: to.Actor}, obj)
	offer["laurel:shareMode"] = mode
	var s Share
	err = pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error {
		s, err = scanShare(tx.QueryRow(ctx, `
			WITH s AS (
				INSERT INTO badge_share (offer_id, sharer_actor, sharer_name, sharer_org, receiver_actor, receiver_name,
					badge_id, badge_name, badge_image, badge, mode, state, network)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'offered', $5)
				ON CONFLICT (receiver_actor, badge_id) DO UPDATE SET offer_id = excluded.offer_id, mode = excluded.mode,
					badge = excluded.badge, badge_name = excluded.badge_name, badge_image = excluded.badge_image,
					receiver_name = excluded.receiver_name, state = 'offered', updated_at = now()
				RETURNING *)
			SELECT `+shareColumns+` FROM s LEFT JOIN badge_class c ON c.id = s.copy_badge_id`,
			offer["id"], offer["actor"], o.Name, o.ID, to.Actor, to.Name, doc.ID, doc.Name, doc.Image, raw, mode))
		if err != nil {
			return fmt.Errorf("record the share with %s: %w", to.Actor, err)
		}
		if to.Inbox == "" {
			return relay(ctx, tx, offer)
		}
		if _, err := n.fed.Publish(ctx, tx, o.Slug, offer, false, []string{to.Inbox}); err != nil {
			return fmt.Errorf("send the share to %s: %w", to.Actor, err)
		}
		return nil
	})
	return s, err
}

// CheckNetworkOffer reads a badge offered to a network (the Offer
// activity offer) and checks that the badge class is its sharer's, on
// its sharer's server: what a network and its members accept to relay
// and to record.
func CheckNetworkOffer(offer map[string]any) (sharer string, badge vocab.BadgeClass, ok bool) {
	sharer = str(offer, "actor")
	obj, _ := offer["object"].(map[string]any)
	if obj == nil || str(obj, "type") != "BadgeClass" || str(offer, "id") == "" || hostOf(str(obj, "id")) == "" ||
		hostOf(str(obj, "id")) != hostOf(sharer) || hostOf(str(obj, "issuer")) != hostOf(sharer) {
		return "", vocab.BadgeClass{}, false
	}
	raw, _ := json.Marshal(obj)
	if err := json.Unmarshal(raw, &badge); err != nil || strings.TrimSpace(badge.Name) == "" {
		return "", vocab.BadgeClass{}, false
	}
	return sharer, badge, true
}

// RecordNetworkShare records offer, a badge offered to the network
// networkActor and relayed by it, for each of receivers (this node's
// member organisations; never the sharer itself), and tells them, inside
// tx. The same offer relayed again records nothing new. It returns how
// many organisations it was new to.
func (n *Network) RecordNetworkShare(ctx context.Context, tx pgx.Tx, offer map[string]any, networkActor, sharerName string, receivers []issuer.Organisation) (int, error) {
	sharer, b, ok := CheckNetworkOffer(offer)
	if !ok {
		return 0, problem.Invalidf("object", "the offer is not a badge class of its sharer's")
	}
	var sharerOrg *int64
	if slug := n.fed.URLs().UsernameOf(sharer); slug != "" {
		o, err := issuer.OrganisationBySlug(ctx, tx, slug)
		if err != nil {
			return 0, problem.Invalidf("actor", "no organisation %q here", slug)
		}
		sharerOrg, sharerName = &o.ID, o.Name
	}
	if sharerName == "" {
		sharerName = strings.TrimPrefix(sharer, "https://")
	}
	mode, _ := offer["laurel:shareMode"].(string)
	if mode != ShareCopy {
		mode = ShareLink
	}
	name := []rune(strings.TrimSpace(b.Name))
	if len(name) > 200 {
		name = name[:200]
	}
	raw, _ := json.Marshal(offer["object"])
	fresh := 0
	for _, r := range receivers {
		actor := n.fed.URLs().Actor(r.Slug)
		if actor == sharer {
			continue
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO badge_share (offer_id, sharer_actor, sharer_name, sharer_org, receiver_actor, receiver_name, receiver_org,
				badge_id, badge_name, badge_image, badge, mode, network)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (receiver_actor, badge_id) DO UPDATE SET offer_id = excluded.offer_id, mode = excluded.mode,
				badge = excluded.badge, badge_name = excluded.badge_name, badge_image = excluded.badge_image,
				network = excluded.network,
				state = CASE WHEN badge_share.state = 'accepted' AND badge_share.mode = excluded.mode THEN 'accepted' ELSE 'pending' END,
				updated_at = now()
			WHERE badge_share.offer_id <> excluded.offer_id`,
			str(offer, "id"), sharer, sharerName, sharerOrg, actor, r.Name, r.ID, b.ID, string(name), b.Image, raw, mode, networkActor)
		if err != nil {
			return fresh, fmt.Errorf("record the share of %s with %s: %w", b.ID, r.Slug, err)
		}
		if tag.RowsAffected() == 0 {
			continue // relayed before
		}
		fresh++
		if err := notifyAbout(ctx, tx, n.mail, n.locale, r.ID, KindShare, fmt.Sprintf("%s shared the badge %q with your network", sharerName, string(name)),
			"/network?tab=shared-with-us", shareAbout(actor, b.ID)); err != nil {
			return fresh, err
		}
	}
	return fresh, nil
}

// recordNetworkAnswer keeps a member's answer to a badge o offered to a
// network: one row per answering member, the newest answer by its
// published time winning. The answering actor is cached: the inbox
// fetched it to verify the signature, before this transaction. handled
// false: offerID is no network offer of ours.
func (n *Network) recordNetworkAnswer(ctx context.Context, tx pgx.Tx, offerID, answerer, state string, published time.Time) (string, bool, error) {
	var sharer int64
	var network, badge string
	err := tx.QueryRow(ctx, `SELECT sharer_org, network, badge_name FROM badge_share
		WHERE offer_id = $1 AND state = 'offered' AND receiver_actor = network AND sharer_org IS NOT NULL`, offerID).Scan(&sharer, &network, &badge)
	if err != nil {
		return "", false, nil
	}
	p, err := n.sender(ctx, tx, answerer)
	if err != nil {
		return "ignored: an answer by no organisation", true, nil
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO badge_share (offer_id, sharer_actor, sharer_name, sharer_org, receiver_actor, receiver_name,
			badge_id, badge_name, badge_image, badge, mode, state, answered_at, network)
		SELECT offer_id, sharer_actor, sharer_name, sharer_org, $2, $3, badge_id, badge_name, badge_image, badge, mode, $4, $5, network
		FROM badge_share WHERE offer_id = $1 AND receiver_actor = network
		ON CONFLICT (receiver_actor, badge_id) DO UPDATE SET offer_id = excluded.offer_id, state = excluded.state,
			answered_at = excluded.answered_at, network = excluded.network, receiver_name = excluded.receiver_name, updated_at = now()
		WHERE badge_share.answered_at IS NULL OR badge_share.answered_at < excluded.answered_at`,
		offerID, answerer, p.Name, state, published)
	if err != nil {
		return "", true, fmt.Errorf("record the answer of %s to %s: %w", answerer, offerID, err)
	}
	if tag.RowsAffected() == 0 {
		return "ignored: an older answer", true, nil
	}
	text := fmt.Sprintf("%s %s the badge %q you shared with the network", p.Name, strings.ToLower(state), badge)
	if err := notify(ctx, tx, n.mail, n.locale, sharer, KindShare, text, "/network?tab=shared-with-partners"); err != nil {
		return "", true, err
	}
	return "network share " + state + " by " + answerer, true, nil
}
