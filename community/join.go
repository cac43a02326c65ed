package community

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Membership states, on the member's side: Invited, Pending, Accepted,
// Declined, and Removed.
const Removed = "removed" // the network took the organisation out

// Membership is one of this node's organisations' membership of a
// network, here or on another node.
type Membership struct {
	ID        int64     `json:"id"`
	Network   string    `json:"network"` // the Group actor's id
	Handle    string    `json:"handle"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const membershipColumns = `id, network, handle, name, state, created_at, updated_at`

func scanMembership(r pgx.Row) (Membership, error) {
	var m Membership
	err := r.Scan(&m.ID, &m.Network, &m.Handle, &m.Name, &m.State, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

// Memberships lists an organisation's memberships, newest first.
func Memberships(ctx context.Context, db DB, orgID int64) ([]Membership, error) {
	rows, err := db.Query(ctx, `SELECT `+membershipColumns+` FROM community_membership
		WHERE organisation_id = $1 ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("memberships of organisation %d: %w", orgID, err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) { return scanMembership(r) })
	if err != nil {
		return nil, fmt.Errorf("memberships of organisation %d: %w", orgID, err)
	}
	return ms, nil
}

// upsertMembership records the organisation's membership of a network in
// state, inside tx.
func upsertMembership(ctx context.Context, tx pgx.Tx, orgID int64, network, handle, name, state string) (Membership, error) {
	m, err := scanMembership(tx.QueryRow(ctx, `
		INSERT INTO community_membership (organisation_id, network, handle, name, state) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (organisation_id, network) DO UPDATE SET handle = excluded.handle, name = excluded.name,
			state = CASE WHEN community_membership.state = 'accepted' THEN 'accepted' ELSE excluded.state END,
			updated_at = now()
		RETURNING `+membershipColumns, orgID, network, handle, name, state))
	if err != nil {
		return Membership{}, fmt.Errorf("record membership of %s: %w", network, err)
	}
	return m, nil
}

// setMembership changes the state of the membership of the local actor
// member (an organisation's) in network, inside tx; it reports whether
// there was one.
func setMembership(ctx context.Context, tx pgx.Tx, network, memberSlug, state string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE community_membership m SET state = $3, updated_at = now()
		FROM organisation o WHERE o.id = m.organisation_id AND m.network = $1 AND o.slug = $2`, network, memberSlug, state)
	if err != nil {
		return false, fmt.Errorf("set membership of %s in %s: %w", memberSlug, network, err)
	}
	return tag.RowsAffected() > 0, nil
}

// Join asks for o to join the network named by target (acct:name@host,
// name@host or its actor URL): on another node, by following its Group;
// here, directly. The membership is pending until the network accepts
// it, at once when the network is open.
func (c *Communities) Join(ctx context.Context, o issuer.Organisation, target string) (Membership, error) {
	if o.Network {
		return Membership{}, problem.Invalidf("network", "a network cannot join a network")
	}
	id, err := c.fed.ResolveActor(ctx, target)
	if err != nil {
		return Membership{}, problem.Rename(err, "network", "target")
	}
	if name := c.urls.UsernameOf(id); name != "" {
		return c.joinLocal(ctx, o, name)
	}
	ra, err := c.fed.RemoteActor(ctx, id, false)
	if err != nil {
		return Membership{}, problem.Invalidf("network", "cannot reach %s: %v", id, err)
	}
	if ra.Type != "Group" {
		return Membership{}, problem.Invalidf("network", "%s is not a network: its actor is of type %s, not Group", id, ra.Type)
	}
	// Recorded before the Follow goes, so that the network's answer,
	// however fast, finds it.
	var m Membership
	err = pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		m, err = upsertMembership(ctx, tx, o.ID, ra.ID, ra.Username+"@"+ra.Host, ra.Name, Pending)
		return err
	})
	if err != nil {
		return Membership{}, err
	}
	if m.State == Accepted {
		return m, nil
	}
	if _, err := c.fed.FollowRemote(ctx, o.Slug, ra.ID); err != nil {
		return Membership{}, problem.Rename(err, "network", "target")
	}
	return m, nil
}

// joinLocal applies for o to the network name on this node, and records
// the outcome on both sides, in one transaction.
func (c *Communities) joinLocal(ctx context.Context, o issuer.Organisation, name string) (Membership, error) {
	var out Membership
	err := pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		n, err := c.byName(ctx, tx, name)
		if problem.Is(err, problem.NotFound) {
			return problem.Invalidf("network", "%s on this node is not a network", name)
		}
		if err != nil {
			return err
		}
		m, err := apply(ctx, tx, n, c.localApplicant(o), "")
		if err != nil {
			return err
		}
		if out, err = upsertMembership(ctx, tx, o.ID, n.Actor, n.Handle, n.Name, m.State); err != nil {
			return err
		}
		if m.State != Pending {
			if err := logDecision(ctx, tx, n, "", m.State, m.Name); err != nil {
				return err
			}
		}
		return c.tell(ctx, tx, n, m, false)
	})
	return out, err
}

// Leave ends o's membership: on another node with Undo{Follow}; here,
// directly, telling the members.
func (c *Communities) Leave(ctx context.Context, o issuer.Organisation, id int64) error {
	m, err := scanMembership(c.db.QueryRow(ctx, `SELECT `+membershipColumns+` FROM community_membership
		WHERE organisation_id = $1 AND id = $2`, o.ID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFoundf("%s has no membership %d", o.Slug, id)
	}
	if err != nil {
		return fmt.Errorf("find membership %d: %w", id, err)
	}
	if name := c.urls.UsernameOf(m.Network); name != "" {
		return pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM community_membership WHERE id = $1`, id); err != nil {
				return fmt.Errorf("leave %s: %w", m.Network, err)
			}
			n, err := c.byName(ctx, tx, name)
			if err != nil {
				return err
			}
			return c.memberLeft(ctx, tx, n, c.urls.Actor(o.Slug))
		})
	}
	// The follow goes first: if sending Undo fails, the membership stays
	// listed and can be left again.
	if err := c.fed.Unfollow(ctx, o.Slug, m.Network); err != nil && !problem.Is(err, problem.NotFound) {
		return err
	}
	if _, err := c.db.Exec(ctx, `DELETE FROM community_membership WHERE id = $1`, id); err != nil {
		return fmt.Errorf("leave %s: %w", m.Network, err)
	}
	return nil
}

// memberLeft drops actor from the network's records, telling the members
// when it was one, inside tx. It reports nothing when actor was not there.
func (c *Communities) memberLeft(ctx context.Context, tx pgx.Tx, n Network, actor string) error {
	m, err := scanMember(tx.QueryRow(ctx, `DELETE FROM community_member WHERE community_id = $1 AND actor = $2
		RETURNING `+memberColumns, n.ID, actor))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("drop %s from %s: %w", actor, n.Slug, err)
	}
	if m.State != Accepted {
		return nil
	}
	return c.announce(ctx, tx, n, "Remove", m)
}
