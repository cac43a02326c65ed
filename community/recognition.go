package community

import (
	"context"
	"fmt"

	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Community recognition: the moderators recognise, on the network's
// behalf, a member organisation or one of its badge classes. A
// recognition is an endorsement by the network's own issuer Profile
// (package network: a hosted Open Badges 2.0 Endorsement and a signed 3.0
// EndorsementCredential), sent to the member, listed on what it
// recognises, and withdrawn (revoked) by the moderators.

// Recognise makes the network recognise subject (a member's issuer
// Profile, or a BadgeClass of a member) with comment.
func (c *Communities) Recognise(ctx context.Context, n Network, by, subject, comment string) (network.Endorsement, error) {
	if c.endorsements == nil {
		return network.Endorsement{}, fmt.Errorf("recognise: no endorsement network wired")
	}
	if vocab.HostOf(subject) == "" {
		return network.Endorsement{}, problem.Invalidf("subject", "must be the URL of a member's Open Badges Profile or of one of its BadgeClasses")
	}
	// The members whose Profile it is, or who may hold the badge class:
	// those on the subject's server.
	rows, err := c.db.Query(ctx, `SELECT actor, ob_profile FROM community_member
		WHERE community_id = $1 AND state = 'accepted' ORDER BY (ob_profile = $2) DESC, id`, n.ID, subject)
	if err != nil {
		return network.Endorsement{}, fmt.Errorf("members of %s: %w", n.Slug, err)
	}
	type candidate struct{ actor, profile string }
	var candidates []candidate
	for rows.Next() {
		var m candidate
		if err := rows.Scan(&m.actor, &m.profile); err != nil {
			rows.Close()
			return network.Endorsement{}, err
		}
		if m.profile == subject || vocab.HostOf(m.actor) == vocab.HostOf(subject) {
			candidates = append(candidates, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return network.Endorsement{}, fmt.Errorf("members of %s: %w", n.Slug, err)
	}
	var last error = problem.Invalidf("subject", "%s is neither the Profile nor a badge class of a member of %s", subject, n.Name)
	for _, m := range candidates {
		badge := subject
		if m.profile == subject {
			badge = ""
		}
		e, err := c.endorsements.Endorse(ctx, n.Organisation, m.actor, badge, comment)
		if err == nil {
			// Logged after: the endorsement is package network's transaction.
			err = logDecision(ctx, c.db, n, by, "recognised", e.SubjectName)
		}
		if p, ok := problem.As(err); ok && p.Field == "subject" {
			continue // another member's badge, perhaps
		}
		return e, problem.Rename(err, "subject", "target")
	}
	return network.Endorsement{}, last
}

// Recognitions lists the network's recognitions in force, newest first.
func (c *Communities) Recognitions(ctx context.Context, n Network) ([]network.Endorsement, error) {
	return c.endorsements.Endorsements(ctx, n.Organisation, network.Given, "")
}

// Withdraw takes back one of the network's recognitions: its endorsement
// is withdrawn and its credential revoked.
func (c *Communities) Withdraw(ctx context.Context, n Network, by, id string) (network.Endorsement, error) {
	e, err := c.endorsements.Withdraw(ctx, n.Organisation, id)
	if err != nil {
		return e, err
	}
	return e, logDecision(ctx, c.db, n, by, "withdrew the recognition of", e.SubjectName)
}

// Proposals lists the recognitions members proposed that wait for the
// moderators: endorsement requests to the network's issuer Profile, which
// is how a member proposes (package network carries them between nodes).
func (c *Communities) Proposals(ctx context.Context, n Network) ([]network.Request, error) {
	return c.endorsements.Requests(ctx, n.Organisation, "incoming", network.Pending)
}

// AcceptProposal recognises what a proposal asks, with the moderators'
// comment, answering the member.
func (c *Communities) AcceptProposal(ctx context.Context, n Network, by, id, comment string) (network.Request, error) {
	q, err := c.endorsements.Accept(ctx, n.Organisation, id, comment)
	if err != nil {
		return q, err
	}
	return q, logDecision(ctx, c.db, n, by, "recognised", q.SubjectName)
}

// DeclineProposal declines a proposal, answering the member.
func (c *Communities) DeclineProposal(ctx context.Context, n Network, by, id string) (network.Request, error) {
	q, err := c.endorsements.Decline(ctx, n.Organisation, id)
	if err != nil {
		return q, err
	}
	return q, logDecision(ctx, c.db, n, by, "declined the proposal of", q.SubjectName)
}
