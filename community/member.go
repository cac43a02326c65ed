package community

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Member states, in the network's records.
const (
	Invited  = "invited"  // the moderators invited the organisation; it has not joined yet
	Pending  = "pending"  // it applied; the moderators have not decided
	Accepted = "accepted" // a member
	Declined = "declined" // the moderators declined it, or it was not invited
)

// Member is an organisation in a network's records: a member, an
// applicant, an invitee or one declined.
type Member struct {
	ID        int64      `json:"id"`
	Actor     string     `json:"actor"`
	Name      string     `json:"name"`
	Country   string     `json:"country"`
	Handle    string     `json:"handle"`
	Profile   string     `json:"profile"` // its Open Badges issuer Profile
	State     string     `json:"state"`
	AppliedAt time.Time  `json:"applied_at"`
	DecidedAt *time.Time `json:"decided_at,omitempty"` // for a member: when it joined
}

// object is the member as a network describes it to others, in Add,
// Remove and its members collection: enough for a directory entry, with
// its Open Badges Profile and the date it joined.
func (m Member) object() map[string]any {
	obj := map[string]any{"id": m.Actor, "type": "Organization", "name": m.Name}
	if m.Country != "" {
		obj["country"] = m.Country
	}
	if m.Profile != "" {
		obj["openBadgesProfile"] = m.Profile
	}
	if m.State == Accepted && m.DecidedAt != nil {
		obj["joined"] = m.DecidedAt.UTC().Format(time.RFC3339)
	}
	if name, _, ok := strings.Cut(m.Handle, "@"); ok && name != "" {
		obj["preferredUsername"] = name
	}
	return obj
}

// MembersContext is the JSON-LD context of the activities and
// collections that describe members: ActivityStreams and Laurel's terms.
func MembersContext() []any {
	return []any{"https://www.w3.org/ns/activitystreams", map[string]any{"laurel": federation.LaurelNamespace,
		"country": "laurel:country", "openBadgesProfile": map[string]any{"@id": "laurel:openBadgesProfile", "@type": "@id"},
		"joined": map[string]any{"@id": "laurel:joined", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}}}
}

// MemberObjects are members as the network's members collection lists
// them.
func MemberObjects(ms []Member) []map[string]any {
	out := make([]map[string]any, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.object())
	}
	return out
}

const memberColumns = `id, actor, name, country, handle, ob_profile, state, applied_at, decided_at`

func scanMember(r pgx.Row) (Member, error) {
	var m Member
	err := r.Scan(&m.ID, &m.Actor, &m.Name, &m.Country, &m.Handle, &m.Profile, &m.State, &m.AppliedAt, &m.DecidedAt)
	return m, err
}

// Members lists a network's records in one state (Accepted: its members),
// by name, a page at a time.
func Members(ctx context.Context, db DB, networkID int64, state string, limit, offset int) ([]Member, error) {
	rows, err := db.Query(ctx, `SELECT `+memberColumns+` FROM community_member
		WHERE community_id = $1 AND state = $2 ORDER BY lower(name), id LIMIT $3 OFFSET $4`, networkID, state, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("members of network %d: %w", networkID, err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
	if err != nil {
		return nil, fmt.Errorf("members of network %d: %w", networkID, err)
	}
	return ms, nil
}

// CountMembers counts a network's members.
func CountMembers(ctx context.Context, db DB, networkID int64) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM community_member WHERE community_id = $1 AND state = 'accepted'`, networkID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count members of network %d: %w", networkID, err)
	}
	return n, nil
}

// applicant is an organisation asking to join, as its actor says.
type applicant struct {
	Actor, Name, Country, Handle, Profile string
}

// apply records the application of who, made by the Follow followID, and
// decides it as the network's policy says: a member at once (open, or
// invited), pending (approval), or declined (invitation, not invited). A
// member who applies again stays a member, with the new Follow. Inside tx;
// the caller tells the applicant and the members.
func apply(ctx context.Context, tx pgx.Tx, n Network, who applicant, followID string) (Member, error) {
	fresh := Pending
	switch n.Policy {
	case Open:
		fresh = Accepted
	case Invitation:
		fresh = Declined
	}
	m, err := scanMember(tx.QueryRow(ctx, `
		INSERT INTO community_member (community_id, actor, name, country, handle, ob_profile, state, follow_id, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7 = 'pending' THEN NULL ELSE now() END)
		ON CONFLICT (community_id, actor) DO UPDATE SET
			name = excluded.name, country = excluded.country, handle = excluded.handle, ob_profile = excluded.ob_profile,
			follow_id = excluded.follow_id,
			state = CASE WHEN community_member.state IN ('accepted', 'invited') THEN 'accepted' ELSE excluded.state END,
			applied_at = CASE WHEN community_member.state IN ('accepted', 'invited') THEN community_member.applied_at ELSE now() END,
			decided_at = CASE WHEN community_member.state = 'accepted' THEN community_member.decided_at
				WHEN community_member.state = 'invited' OR excluded.state <> 'pending' THEN now() END
		RETURNING `+memberColumns,
		n.ID, who.Actor, who.Name, who.Country, who.Handle, who.Profile, fresh, followID))
	if err != nil {
		return Member{}, fmt.Errorf("record application of %s to %s: %w", who.Actor, n.Slug, err)
	}
	return m, nil
}

// Applications lists the applications waiting for the moderators
// (Pending), or the invitations not yet taken up (Invited), or those
// declined.
func (c *Communities) Applications(ctx context.Context, n Network, state string, limit, offset int) ([]Member, error) {
	switch state {
	case "":
		state = Pending
	case Pending, Invited, Declined:
	default:
		return nil, problem.Invalidf("state", "must be pending, invited or declined")
	}
	return Members(ctx, c.db, n.ID, state, limit, offset)
}

// Answer accepts or declines a pending application, telling the
// applicant (Accept or Reject of its Follow) and, for a new member, every
// member (Add), in one transaction.
func (c *Communities) Answer(ctx context.Context, n Network, by string, memberID int64, accept bool) (Member, error) {
	state := Declined
	if accept {
		state = Accepted
	}
	var m Member
	err := pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		var err error
		m, err = scanMember(tx.QueryRow(ctx, `UPDATE community_member SET state = $3, decided_at = now()
			WHERE community_id = $1 AND id = $2 AND state = 'pending' RETURNING `+memberColumns, n.ID, memberID, state))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("id", "no pending application %d to %s", memberID, n.Slug)
		}
		if err != nil {
			return fmt.Errorf("answer application %d to %s: %w", memberID, n.Slug, err)
		}
		if err := logDecision(ctx, tx, n, by, m.State, m.Name); err != nil {
			return err
		}
		return c.tell(ctx, tx, n, m, true)
	})
	return m, err
}

// tell sends what follows a decision on member m: to a remote applicant,
// Accept or Reject of its Follow (answered says it waited for one); for a
// new member, Add to every member and follower.
func (c *Communities) tell(ctx context.Context, tx pgx.Tx, n Network, m Member, answered bool) error {
	if slug := c.urls.UsernameOf(m.Actor); slug != "" {
		// A member on this node: its side of the membership is here too.
		if _, err := setMembership(ctx, tx, n.Actor, slug, m.State); err != nil {
			return err
		}
	} else if answered {
		var followID string
		if err := tx.QueryRow(ctx, `SELECT coalesce(follow_id, '') FROM community_member WHERE id = $1`, m.ID).Scan(&followID); err != nil {
			return fmt.Errorf("find follow of %s: %w", m.Actor, err)
		}
		answer := "Reject"
		if m.State == Accepted {
			answer = "Accept"
		}
		follow := map[string]any{"id": followID, "type": "Follow", "actor": m.Actor, "object": n.Actor}
		if err := c.fed.AnswerFollow(ctx, tx, n.Slug, follow, answer); err != nil {
			return err
		}
	}
	if m.State != Accepted {
		return nil
	}
	return c.announce(ctx, tx, n, "Add", m)
}

// Remove takes a member out of the network (moderators): its node is
// sent Reject of its Follow, which ends the membership there, and every
// member is sent Remove, in one transaction.
func (c *Communities) Remove(ctx context.Context, n Network, by string, memberID int64) error {
	return pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		var followID string
		m, err := scanMember(tx.QueryRow(ctx, `SELECT `+memberColumns+` FROM community_member
			WHERE community_id = $1 AND id = $2 AND state = 'accepted' FOR UPDATE`, n.ID, memberID))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no member %d of %s", memberID, n.Slug)
		}
		if err != nil {
			return fmt.Errorf("remove member %d of %s: %w", memberID, n.Slug, err)
		}
		if err := tx.QueryRow(ctx, `DELETE FROM community_member WHERE id = $1 RETURNING coalesce(follow_id, '')`, m.ID).Scan(&followID); err != nil {
			return fmt.Errorf("remove member %d of %s: %w", memberID, n.Slug, err)
		}
		if err := logDecision(ctx, tx, n, by, "removed", m.Name); err != nil {
			return err
		}
		if slug := c.urls.UsernameOf(m.Actor); slug != "" {
			if _, err := setMembership(ctx, tx, n.Actor, slug, Removed); err != nil {
				return err
			}
		} else if followID != "" {
			follow := map[string]any{"id": followID, "type": "Follow", "actor": m.Actor, "object": n.Actor}
			if err := c.fed.AnswerFollow(ctx, tx, n.Slug, follow, "Reject"); err != nil {
				return err
			}
		}
		return c.announce(ctx, tx, n, "Remove", m)
	})
}

// membersURL is the id of a network's members collection.
func (c *Communities) membersURL(n Network) string { return c.urls.Actor(n.Slug) + "/members" }

// announce publishes Add or Remove of member m to the network's members
// collection, to every member and follower (each server once).
func (c *Communities) announce(ctx context.Context, tx pgx.Tx, n Network, typ string, m Member) error {
	targets, err := memberInboxes(ctx, tx, n.ID)
	if err != nil {
		return err
	}
	if typ == "Remove" {
		if ra, err := federation.CachedRemoteActor(ctx, tx, m.Actor); err == nil {
			targets = append(targets, federation.InboxTarget{Inbox: ra.Inbox, SharedInbox: ra.SharedInbox})
		}
	}
	activity := map[string]any{
		"@context": MembersContext(),
		"id":       c.urls.NewActivityID(n.Slug),
		"type":     typ,
		"actor":    n.Actor,
		"object":   m.object(),
		"target":   c.membersURL(n),
		"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"cc":       []string{c.urls.Followers(n.Slug)},
	}
	return c.fed.AnnounceToFollowers(ctx, tx, n.Slug, activity, targets...)
}

// memberInboxes lists the inboxes of a network's remote members, from the
// actor cache (every member sent its Follow, so it is there).
func memberInboxes(ctx context.Context, tx pgx.Tx, networkID int64) ([]federation.InboxTarget, error) {
	rows, err := tx.Query(ctx, `SELECT actor FROM community_member WHERE community_id = $1 AND state = 'accepted'`, networkID)
	if err != nil {
		return nil, fmt.Errorf("members of network %d: %w", networkID, err)
	}
	actors, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("members of network %d: %w", networkID, err)
	}
	return federation.CachedInboxes(ctx, tx, actors)
}

// localApplicant is an organisation of this node as an applicant.
func (c *Communities) localApplicant(o issuer.Organisation) applicant {
	return applicant{Actor: c.urls.Actor(o.Slug), Name: o.Name, Country: o.Country, Handle: c.urls.Handle(o.Slug),
		Profile: issuer.URLs{Base: c.urls.Base}.Profile(o.Slug)}
}

// CountryCount is how many members a network has in one country.
type CountryCount struct {
	Country string
	Count   int
}

// CountMembersByCountry counts a network's members per country, most
// first.
func CountMembersByCountry(ctx context.Context, db DB, networkID int64) ([]CountryCount, error) {
	rows, err := db.Query(ctx, `SELECT country, count(*) FROM community_member WHERE community_id = $1 AND state = 'accepted'
		GROUP BY country ORDER BY count(*) DESC, country`, networkID)
	if err != nil {
		return nil, fmt.Errorf("members of network %d by country: %w", networkID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[CountryCount])
}
