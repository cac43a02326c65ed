package passport

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// DeliverIssued puts a badge just issued on this node into the backpack of
// its earner, when the earner is a user of this node: the recipient is
// their account's email address, once they have confirmed it (compared
// without regard to case), or their Person actor. It arrives
// pending, with the documents of this node as its snapshot. It runs in the
// issuing transaction tx (issuer.Hooks.Issued); a recipient who is no
// user here is left alone.
func DeliverIssued(ctx context.Context, tx pgx.Tx, u issuer.URLs, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion, r issuer.Recipient) error {
	var user account.User
	var err error
	switch r.Kind {
	case issuer.RecipientEmail:
		user, err = account.UserByEmail(ctx, tx, r.Identity)
	case issuer.RecipientActor:
		name := federation.URLs{Base: u.Base}.UsernameOf(r.Identity)
		if name == "" {
			return nil
		}
		user, err = account.UserByUsername(ctx, tx, name)
	default:
		return nil
	}
	if problem.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Kind == issuer.RecipientEmail && !user.EmailVerified {
		// Anyone can sign up with anyone's address: a badge goes to the
		// address's owner only. The claim email still reaches them.
		return nil
	}
	s, err := localSnapshot(ctx, tx, u, o, b, a)
	if err != nil {
		return err
	}
	// The item is known by the badge's public id: its 2.0 Assertion, or its
	// credential when it was issued as Open Badges 3.0 alone.
	_, err = insertVerified(ctx, tx, user.ID, a.PublicID(u), Pending, SourceIssued, s)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("deliver assertion %s to %s: %w", a.UUID, user.Username, err)
	}
	return nil
}

// DeliverEarlier puts the badges issued on this node to address before
// its owner confirmed it into the backpack of user, who just did, as
// DeliverIssued would have had they had the address then: pending, for
// them to accept. Badges already in the backpack are left as they are.
func DeliverEarlier(ctx context.Context, tx pgx.Tx, u issuer.URLs, address string) error {
	list, err := issuer.AssertionsToEmail(ctx, tx, address)
	if err != nil {
		return err
	}
	for _, a := range list {
		o, err := issuer.OrganisationByID(ctx, tx, a.OrganisationID)
		if err != nil {
			return fmt.Errorf("deliver earlier badges: %w", err)
		}
		b, err := issuer.BadgeClassByUUID(ctx, tx, a.BadgeUUID)
		if err != nil {
			return fmt.Errorf("deliver earlier badges: %w", err)
		}
		if err := DeliverIssued(ctx, tx, u, o, b, a, issuer.Recipient{Kind: issuer.RecipientEmail, Identity: address}); err != nil {
			return err
		}
	}
	return nil
}
