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
// (leaving), and posts members share; on the member's side, the
// network's answers, Add and Remove of members, the posts and badge
// offers it relays, and its profile's Update.
// Everything else passes on to the next handler.
func (c *Communities) Register() {
	c.fed.Handle("Follow", c.receiveApplication)
	c.fed.Handle("Undo", c.receiveLeaving)
	c.fed.Handle("Accept", c.receiveAnswer(Accepted))
	c.fed.Handle("Reject", c.receiveAnswer(Declined))
	c.fed.Handle("Add", c.receiveAdd)
	c.fed.Handle("Create", c.receivePost)
	c.fed.Handle("Announce", c.receiveRelay)
	c.fed.Handle("Invite", c.receiveInvite)
	c.fed.Handle("Remove", c.receiveRemoval)
	c.fed.Handle("Offer", c.receiveOffer)
	c.fed.Handle("Update", c.receiveNetworkUpdate)
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
	who := applicant{Actor: ra.ID, Name: ra.Name, Country: ra.Country, Handle: ra.Username + "@" + ra.Host, Profile: ra.OpenBadgesProfile}
	m, err := apply(ctx, tx, n, who, in.ID)
	if err != nil {
		return "", true, err
	}
	if m.State == Pending {
		return "application to " + n.Slug + " pending", true, nil
	}
	if err := logDecision(ctx, tx, n, "", m.State, m.Name); err != nil {
		return "", true, err
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
		if state == Accepted {
			// A new member reads the whole list when next it searches, then
			// follows the network's Add and Remove.
			if _, err := tx.Exec(ctx, `DELETE FROM community_directory_sync WHERE network = $1`, in.Actor); err != nil {
				return "", true, fmt.Errorf("mark the copy of %s's members stale: %w", in.Actor, err)
			}
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

// followsMembers reports whether this node keeps a copy of the members of
// network: an organisation here belongs to it or applied, or the
// directory read them.
func followsMembers(ctx context.Context, tx pgx.Tx, network string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_membership WHERE network = $1)
		OR EXISTS (SELECT 1 FROM community_directory_sync WHERE network = $1)`, network).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check the copy of %s's members: %w", network, err)
	}
	return ok, nil
}

// receiveAdd records a new member of a network in this node's copy of its
// members. Only the network itself says who its members are: the target
// must be its own members collection.
func (c *Communities) receiveAdd(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Target != in.Actor+"/members" {
		return "", false, nil
	}
	if ok, err := followsMembers(ctx, tx, in.Actor); err != nil || !ok {
		return "ignored: a network no organisation here belongs to", err == nil, err
	}
	obj, _ := in.Raw["object"].(map[string]any)
	if obj == nil {
		obj = map[string]any{"id": in.Object.ID}
	}
	l, ok := memberListing(obj)
	if !ok {
		return "ignored: no member named", true, nil
	}
	return "member " + l.Actor + " added to " + in.Actor, true, upsertListing(ctx, tx, in.Actor, l)
}

// receiveRemoval applies a network's Remove of a member: from this node's
// copy of its members, and when it is an organisation here, from its
// memberships.
func (c *Communities) receiveRemoval(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Target != in.Actor+"/members" || in.Object.ID == "" {
		return "", false, nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM community_directory WHERE network = $1 AND actor = $2`, in.Actor, in.Object.ID); err != nil {
		return "", true, fmt.Errorf("drop %s from the copy of %s: %w", in.Object.ID, in.Actor, err)
	}
	if slug := c.urls.UsernameOf(in.Object.ID); slug != "" {
		if _, err := setMembership(ctx, tx, in.Actor, slug, Removed); err != nil {
			return "", true, err
		}
	}
	return "member " + in.Object.ID + " removed from " + in.Actor, true, nil
}
