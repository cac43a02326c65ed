package passport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
)

// Add verifies a badge the earner brings (in: a URL, an assertion's JSON
// or JWS, or a baked image) and keeps it, accepted at once. The badge must
// verify and be awarded to u: to their account's email address, once
// confirmed, or to their fediverse actor. An expired badge is kept, marked expired. A
// refused badge is a problem naming the input and the verifier's reason,
// and nothing is stored; a badge already in the backpack is a conflict.
func (p *Passport) Add(ctx context.Context, u account.User, in verifier.Input) (Item, error) {
	field, source := "url", SourceURL
	switch {
	case len(in.JSON) > 0:
		field, source = "assertion", SourceUpload
	case len(in.Image) > 0:
		field, source = "image", SourceUpload
	case strings.TrimSpace(in.URL) == "":
		return Item{}, problem.Invalidf("url", "give the badge: its URL, its JSON or JWS (assertion), or its baked image (image)")
	}
	if in.URL != "" {
		// Spare the fetches when the URL is known already.
		var known bool
		err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM backpack_item WHERE user_id = $1 AND assertion_id = $2)`,
			u.ID, strings.TrimSpace(in.URL)).Scan(&known)
		if err != nil {
			return Item{}, fmt.Errorf("add badge: %w", err)
		}
		if known {
			return Item{}, problem.Conflictf(field, "this badge is in your backpack already")
		}
	}
	in.RecipientEmail, in.RecipientURL = u.ConfirmedEmail(), p.ActorID(u.Username)
	rep := p.verifier.Verify(ctx, in)
	if !acceptable(rep) {
		reason := refusal(rep)
		if !u.EmailVerified && awardedToEmail(rep) {
			reason += "; a badge awarded to your email address can be added once you have confirmed the address"
		}
		return Item{}, problem.Invalidf(field, "this badge cannot be added: %s", reason)
	}
	id := text(rep.Assertion["id"])
	if id == "" {
		return Item{}, problem.Invalidf(field, "this badge cannot be added: its assertion has no id")
	}
	it, err := insertVerified(ctx, p.pool, u.ID, id, Accepted, source, reportSnapshot(rep, signedText(in)))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, problem.Conflictf(field, "this badge is in your backpack already")
	}
	if err != nil {
		return Item{}, fmt.Errorf("add badge %s: %w", id, err)
	}
	return it, nil
}

// awardedToEmail reports whether the verifier refused the badge for its
// recipient, an email address.
func awardedToEmail(rep verifier.Report) bool {
	if rep.RecipientMatched == nil || *rep.RecipientMatched {
		return false
	}
	ro, _ := rep.Assertion["recipient"].(map[string]any)
	return ro != nil && ro["type"] == "email"
}

// signedText is the assertion text of the input, which is its JWS when
// the badge is signed.
func signedText(in verifier.Input) string {
	if len(in.Image) > 0 {
		s, _ := bake.Extract(in.Image)
		return s
	}
	return string(in.JSON)
}

// insertVerified stores a verified item in state; pgx.ErrNoRows when the
// user has that assertion already.
func insertVerified(ctx context.Context, db DB, userID int64, assertionID, state, source string, s snapshot) (Item, error) {
	args := append([]any{assertionID}, s.values()...)
	args = append(args, userID, state, source)
	return scanItem(db.QueryRow(ctx, `
		INSERT INTO backpack_item AS i (assertion_id, verified, verification, jws, assertion, badge, issuer, badge_name,
			badge_image, issuer_name, issued_on, expires, revoked, revocation_reason, last_checked_at,
			user_id, state, source, answered_at)
		VALUES ($1, true, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(),
			$14, $15, $16, CASE WHEN $15 = 'accepted' THEN now() END)
		ON CONFLICT (user_id, assertion_id) DO NOTHING
		RETURNING `+itemColumns, args...))
}
