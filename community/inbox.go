package community

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
)

// Register makes federation hand the package its activities: on the
// network's side, organisations' Follows (applications) and Undos
// (leaving); on the member's side, the network's answers and removals.
// Everything else passes on to the next handler.
func (c *Communities) Register() {
	c.fed.Handle("Follow", c.receiveApplication)
	c.fed.Handle("Undo", c.receiveLeaving)
	c.fed.Handle("Accept", c.receiveAnswer(Accepted))
	c.fed.Handle("Reject", c.receiveAnswer(Declined))
	c.fed.Handle("Remove", c.receiveRemoval)
}

// localNetwork finds the network hosted here whose actor is id; ok false
// when id is not one.
func (c *Communities) localNetwork(ctx context.Context, tx pgx.Tx, id string) (Network, bool, error) {
	name := c.urls.UsernameOf(id)
	if name == "" {
		return Network{}, false, nil
	}
	n, err := c.byName(ctx, tx, name)
	if problem.Is(err, problem.NotFound) {
		return Network{}, false, nil
	}
	return n, err == nil, err
}

// receiveApplication takes an organisation's Follow of a network hosted
// here as its application, decided by the network's policy and answered
// at once unless the moderators decide. Follows by anyone else (a
// fediverse account) are plain follows, which federation accepts.
func (c *Communities) receiveApplication(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	n, ok, err := c.localNetwork(ctx, tx, in.Object.ID)
	if err != nil || !ok {
		return "", false, err
	}
	ra, err := federation.CachedRemoteActor(ctx, tx, in.Actor)
	if err != nil {
		return "", true, err
	}
	if ra.Type != "Organization" {
		return "", false, nil
	}
	who := applicant{Actor: ra.ID, Name: ra.Name, Country: ra.Country, Handle: "acct:" + ra.Username + "@" + ra.Host, Profile: ra.OpenBadgesProfile}
	m, err := apply(ctx, tx, n, who, in.ID)
	if err != nil {
		return "", true, err
	}
	if m.State == Pending {
		return "application to " + n.Slug + " pending", true, nil
	}
	if err := c.tell(ctx, tx, n, m, true); err != nil {
		return "", true, err
	}
	return "application to " + n.Slug + " " + m.State, true, nil
}

// receiveLeaving takes a member's Undo{Follow} of a network hosted here as
// its leaving. It passes the activity on, so that a plain follower's Undo
// reaches federation's own follows too.
func (c *Communities) receiveLeaving(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.Type != "Follow" && in.Object.Type != "" {
		return "", false, nil
	}
	n, ok, err := c.localNetwork(ctx, tx, in.Object.Object)
	if err != nil || !ok {
		return "", false, err
	}
	return "", false, c.memberLeft(ctx, tx, n, in.Actor)
}

// receiveAnswer applies a network's Accept or Reject of one of this
// node's organisations' applications (a Reject of a member: it was
// removed). It passes the activity on, so that federation updates the
// follow too.
func (c *Communities) receiveAnswer(state string) federation.Handler {
	return func(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
		if in.Object.Type != "Follow" && in.Object.Type != "" {
			return "", false, nil
		}
		slug := c.urls.UsernameOf(in.Object.Actor)
		if slug == "" {
			// Named by id only: the follow is ours when the network is one
			// an organisation here applied to.
			var err error
			if slug, err = membershipByFollow(ctx, tx, in.Actor); err != nil || slug == "" {
				return "", false, err
			}
		}
		state := state // the handler's own: a removal must not change the next answer
		if state == Declined {
			var was string
			err := tx.QueryRow(ctx, `SELECT m.state FROM community_membership m JOIN organisation o ON o.id = m.organisation_id
				WHERE m.network = $1 AND o.slug = $2`, in.Actor, slug).Scan(&was)
			if err == nil && (was == Accepted || was == Removed) {
				state = Removed // the Remove may have come first
			}
		}
		if _, err := setMembership(ctx, tx, in.Actor, slug, state); err != nil {
			return "", true, err
		}
		return "", false, nil
	}
}

// membershipByFollow finds the organisation here with a single pending
// membership of network; "" when there is none or several.
func membershipByFollow(ctx context.Context, tx pgx.Tx, network string) (string, error) {
	rows, err := tx.Query(ctx, `SELECT o.slug FROM community_membership m JOIN organisation o ON o.id = m.organisation_id
		WHERE m.network = $1 AND m.state = 'pending' LIMIT 2`, network)
	if err != nil {
		return "", fmt.Errorf("memberships of %s: %w", network, err)
	}
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(slugs) != 1 {
		return "", err
	}
	return slugs[0], nil
}

// receiveRemoval applies a network's Remove of one of this node's
// organisations from its members.
func (c *Communities) receiveRemoval(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	slug := c.urls.UsernameOf(in.Object.ID)
	if slug == "" || in.Target != in.Actor+"/members" {
		return "", false, nil
	}
	found, err := setMembership(ctx, tx, in.Actor, slug, Removed)
	if err != nil || !found {
		return "", false, err
	}
	return "removed from " + in.Actor, true, nil
}
