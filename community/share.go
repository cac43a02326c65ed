package community

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
)

// Badges shared with the whole network: a member offers one of its badge
// classes to the network's Group (Offer{BadgeClass}); the network checks
// that the sharer is a member and relays the offer (Announce{Offer}) to
// every member, once per server. Each member node records it for each of
// its member organisations but the sharer, who accept or decline it as a
// partner's share (package network); the answers go to the sharer.

// ShareBadge offers o's badge class badgeUUID, as a link or a copy
// (mode), to the network named by target, which o must be a member of.
func (c *Communities) ShareBadge(ctx context.Context, o issuer.Organisation, badgeUUID, target, mode string) (network.Share, error) {
	if c.endorsements == nil {
		return network.Share{}, errors.New("share with a network: no endorsement network wired")
	}
	id, err := c.memberOf(ctx, o, target)
	if err != nil {
		return network.Share{}, err
	}
	to := network.Audience{Actor: id}
	name := c.urls.UsernameOf(id)
	if name != "" {
		n, err := c.ByName(ctx, name)
		if err != nil {
			return network.Share{}, err
		}
		to.Name = n.Name
	} else {
		ra, err := c.fed.RemoteActor(ctx, id, false)
		if err != nil {
			return network.Share{}, problem.Invalidf("network", "cannot reach %s: %v", id, err)
		}
		to.Name, to.Inbox = ra.Name, ra.SharedInbox
		if to.Inbox == "" {
			to.Inbox = ra.Inbox
		}
	}
	return c.endorsements.OfferToNetwork(ctx, o, badgeUUID, to, mode, func(ctx context.Context, tx pgx.Tx, offer map[string]any) error {
		n, err := c.byName(ctx, tx, name)
		if err != nil {
			return err
		}
		return c.relayOffer(ctx, tx, n, offer)
	})
}

// memberOf resolves target, a network's handle or actor, and checks that
// o is one of its members; it returns the network's actor id.
func (c *Communities) memberOf(ctx context.Context, o issuer.Organisation, target string) (string, error) {
	if target == "" {
		return "", problem.Invalidf("network", "is required: the network's handle, acct:name@host")
	}
	id, err := c.fed.ResolveActor(ctx, target)
	if err != nil {
		return "", problem.Rename(err, "network", "target")
	}
	var member bool
	err = c.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_membership
		WHERE organisation_id = $1 AND network = $2 AND state = 'accepted')`, o.ID, id).Scan(&member)
	if err != nil {
		return "", fmt.Errorf("check membership of %s in %s: %w", o.Slug, id, err)
	}
	if !member {
		return "", problem.Invalidf("network", "%s is not a member of %s", o.Slug, id)
	}
	return id, nil
}

// relayOffer hands a member's offer to the network's members, inside tx:
// recorded for its members on this node, and announced to the others,
// each server once (the sharer's too: other members may be there).
func (c *Communities) relayOffer(ctx context.Context, tx pgx.Tx, n Network, offer map[string]any) error {
	sharer := str(offer["actor"])
	receivers, err := c.localMembers(ctx, tx, n)
	if err != nil {
		return err
	}
	if _, err := c.endorsements.RecordNetworkShare(ctx, tx, offer, n.Actor, c.memberName(ctx, tx, n, sharer), receivers); err != nil {
		return err
	}
	targets, err := memberInboxes(ctx, tx, n.ID)
	if err != nil {
		return err
	}
	announce := map[string]any{
		"@context": offer["@context"],
		"id":       c.urls.NewActivityID(n.Slug),
		"type":     "Announce",
		"actor":    n.Actor,
		"object":   offer,
		"to":       []string{c.membersURL(n)},
	}
	_, err = c.fed.Publish(ctx, tx, n.Slug, announce, false, federation.CollapseInboxes(targets))
	return err
}

// localMembers lists the network's accepted members on this node.
func (c *Communities) localMembers(ctx context.Context, tx pgx.Tx, n Network) ([]issuer.Organisation, error) {
	rows, err := tx.Query(ctx, `SELECT actor FROM community_member WHERE community_id = $1 AND state = 'accepted' ORDER BY id`, n.ID)
	if err != nil {
		return nil, fmt.Errorf("members of %s here: %w", n.Slug, err)
	}
	actors, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("members of %s here: %w", n.Slug, err)
	}
	var out []issuer.Organisation
	for _, actor := range actors {
		if slug := c.urls.UsernameOf(actor); slug != "" {
			if o, err := issuer.OrganisationBySlug(ctx, tx, slug); err == nil && !o.Network {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// receiveOffer relays a badge a member offers to a network hosted here:
// Offer{BadgeClass} addressed to the network's Group, by an accepted
// member, of a badge class of its own. Offers to anyone else pass on.
func (c *Communities) receiveOffer(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.Type != "BadgeClass" {
		return "", false, nil
	}
	candidates := in.Audience()
	if in.Recipient != "" {
		candidates = append([]string{c.urls.Actor(in.Recipient)}, candidates...)
	}
	for _, id := range candidates {
		n, ok, err := c.localNetwork(ctx, tx, id)
		if err != nil {
			return "", true, err
		}
		if !ok {
			continue
		}
		var profile string
		err = tx.QueryRow(ctx, `SELECT ob_profile FROM community_member WHERE community_id = $1 AND actor = $2 AND state = 'accepted'`,
			n.ID, in.Actor).Scan(&profile)
		if errors.Is(err, pgx.ErrNoRows) {
			return "ignored: a badge offered to " + n.Slug + " by no member", true, nil
		}
		if err != nil {
			return "", true, fmt.Errorf("check member %s of %s: %w", in.Actor, n.Slug, err)
		}
		sharer, b, ok := network.CheckNetworkOffer(in.Raw)
		if !ok || sharer != in.Actor || (profile != "" && b.Issuer != profile) {
			return "ignored: not a badge class of the member's own", true, nil
		}
		if err := c.relayOffer(ctx, tx, n, in.Raw); err != nil {
			return "", true, err
		}
		return "badge offered to " + n.Slug + " relayed", true, nil
	}
	return "", false, nil
}

// receiveRelayedOffer records a badge a network relayed (Announce{Offer})
// for this node's organisations that are its members, but the sharer.
func (c *Communities) receiveRelayedOffer(ctx context.Context, tx pgx.Tx, in federation.Incoming, offer map[string]any) (string, bool, error) {
	sharer, _, ok := network.CheckNetworkOffer(offer)
	if !ok {
		return "ignored: a relayed offer of no badge class of its sharer's", true, nil
	}
	orgs, err := c.memberOrganisations(ctx, tx, in.Actor)
	if err != nil {
		return "", true, err
	}
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM community_directory WHERE network = $1 AND actor = $2`, in.Actor, sharer).Scan(&name); err != nil {
		if ra, err := federation.CachedRemoteActor(ctx, tx, sharer); err == nil {
			name = ra.Name
		}
	}
	fresh, err := c.endorsements.RecordNetworkShare(ctx, tx, offer, in.Actor, name, orgs)
	if err != nil {
		return "", true, err
	}
	return fmt.Sprintf("badge offered through %s recorded for %d member(s)", in.Actor, fresh), true, nil
}

// memberOrganisations lists this node's organisations that are accepted
// members of the network with actor id network.
func (c *Communities) memberOrganisations(ctx context.Context, tx pgx.Tx, network string) ([]issuer.Organisation, error) {
	rows, err := tx.Query(ctx, `SELECT organisation_id FROM community_membership WHERE network = $1 AND state = 'accepted' ORDER BY id`, network)
	if err != nil {
		return nil, fmt.Errorf("members of %s here: %w", network, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("members of %s here: %w", network, err)
	}
	out := make([]issuer.Organisation, 0, len(ids))
	for _, id := range ids {
		o, err := issuer.OrganisationByID(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
