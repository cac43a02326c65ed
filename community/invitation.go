package community

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Invite makes the moderators' invitation of the organisation named by
// target (a handle, an actor URL, or a slug here): recorded, and sent to
// it as Invite. An invited organisation that then asks to join is a
// member at once, whatever the policy; one that had applied already is
// accepted now.
func (c *Communities) Invite(ctx context.Context, n Network, by, target string) (Member, error) {
	who, inbox, err := c.invitee(ctx, target)
	if err != nil {
		return Member{}, err
	}
	var m Member
	err = pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		m, err = scanMember(tx.QueryRow(ctx, `
			INSERT INTO community_member (community_id, actor, name, country, handle, ob_profile, state)
			VALUES ($1, $2, $3, $4, $5, $6, 'invited')
			ON CONFLICT (community_id, actor) DO UPDATE SET
				state = CASE WHEN community_member.state = 'pending' THEN 'accepted' ELSE 'invited' END,
				decided_at = CASE WHEN community_member.state = 'pending' THEN now() END
			WHERE community_member.state <> 'accepted'
			RETURNING `+memberColumns, n.ID, who.Actor, who.Name, who.Country, who.Handle, who.Profile))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("handle", "%s is a member of %s already", who.Name, n.Name)
		}
		if err != nil {
			return fmt.Errorf("invite %s to %s: %w", who.Actor, n.Slug, err)
		}
		if err := logDecision(ctx, tx, n, by, "invited", m.Name); err != nil {
			return err
		}
		if m.State == Accepted { // it had applied: this is the answer
			return c.tell(ctx, tx, n, m, true)
		}
		if slug := c.urls.UsernameOf(who.Actor); slug != "" {
			o, err := issuer.OrganisationBySlug(ctx, tx, slug)
			if err != nil {
				return err
			}
			_, err = upsertMembership(ctx, tx, o.ID, n.Actor, n.Handle, n.Name, Invited)
			return err
		}
		invite := map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       c.urls.NewActivityID(n.Slug),
			"type":     "Invite",
			"actor":    n.Actor,
			"object":   n.Actor,
			"target":   who.Actor,
			"to":       []string{who.Actor},
		}
		_, err := c.fed.Publish(ctx, tx, n.Slug, invite, false, []string{inbox})
		return err
	})
	return m, err
}

// invitee finds the organisation an invitation is for, before the
// transaction: here, or on another node (fetched), with its inbox.
func (c *Communities) invitee(ctx context.Context, target string) (applicant, string, error) {
	if o, err := issuer.OrganisationBySlug(ctx, c.db, target); err == nil && !o.Network {
		return c.localApplicant(o), "", nil
	}
	id, err := c.fed.ResolveActor(ctx, target)
	if err != nil {
		return applicant{}, "", problem.Rename(err, "handle", "target")
	}
	if slug := c.urls.UsernameOf(id); slug != "" {
		o, err := issuer.OrganisationBySlug(ctx, c.db, slug)
		if err != nil || o.Network {
			return applicant{}, "", problem.Invalidf("handle", "%s is not an organisation", id)
		}
		return c.localApplicant(o), "", nil
	}
	ra, err := c.fed.RemoteActor(ctx, id, false)
	if err != nil {
		return applicant{}, "", problem.Invalidf("handle", "cannot reach %s: %v", id, err)
	}
	if ra.Type != "Organization" {
		return applicant{}, "", problem.Invalidf("handle", "%s is not an organisation: its actor is of type %s", id, ra.Type)
	}
	return applicant{Actor: ra.ID, Name: ra.Name, Country: ra.Country, Handle: ra.Username + "@" + ra.Host, Profile: ra.OpenBadgesProfile}, ra.Inbox, nil
}

// receiveInvite records a network's invitation of one of this node's
// organisations, which its admins answer by joining.
func (c *Communities) receiveInvite(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	slug := c.urls.UsernameOf(in.Target)
	if slug == "" || in.Object.ID != in.Actor {
		return "", false, nil
	}
	ra, err := federation.CachedRemoteActor(ctx, tx, in.Actor)
	if err != nil || ra.Type != "Group" {
		return "ignored: an invitation not from a network", true, err
	}
	o, err := issuer.OrganisationBySlug(ctx, tx, slug)
	if err != nil {
		return "ignored: no such organisation", true, nil
	}
	if _, err := upsertMembership(ctx, tx, o.ID, ra.ID, ra.Username+"@"+ra.Host, ra.Name, Invited); err != nil {
		return "", true, err
	}
	return "invitation of " + slug + " to " + ra.ID, true, nil
}
