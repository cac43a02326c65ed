package issuer

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// AssertionsTo lists the assertions of badge classes badgeIDs of
// organisation orgID awarded to any of recipients, revoked and expired
// ones included, oldest first. An email recipient is matched as a
// verifier matches one: the address, in lower case, hashed with each
// assertion's salt; the address itself is not kept.
func AssertionsTo(ctx context.Context, db DB, orgID int64, badgeIDs []int64, recipients []Recipient) ([]Assertion, error) {
	var emails, actors, urls []string
	for _, r := range recipients {
		switch r.Kind {
		case RecipientEmail:
			emails = append(emails, strings.ToLower(strings.TrimSpace(r.Identity)))
		case RecipientActor:
			actors = append(actors, r.Identity)
		case RecipientURL:
			urls = append(urls, r.Identity)
		}
	}
	if len(badgeIDs) == 0 || len(emails)+len(actors)+len(urls) == 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT `+assertionColumns+assertionFrom+`
		WHERE o.id = $1 AND a.badge_class_id = ANY ($2) AND (
			(a.recipient_kind = 'email' AND a.recipient_identity = ANY (
				SELECT 'sha256$' || encode(sha256(convert_to(e || a.recipient_salt, 'UTF8')), 'hex') FROM unnest($3::text[]) e))
			OR (a.recipient_kind = 'actor' AND a.recipient_identity = ANY ($4))
			OR (a.recipient_kind = 'url' AND a.recipient_identity = ANY ($5)))
		ORDER BY a.issued_on, a.id`, orgID, badgeIDs, emails, actors, urls)
	if err != nil {
		return nil, fmt.Errorf("find assertions to a recipient: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assertion, error) { return scanAssertion(r) })
	if err != nil {
		return nil, fmt.Errorf("find assertions to a recipient: %w", err)
	}
	return list, nil
}

// AssertionsByID finds assertions by their row ids, in no order; ids
// that name none are left out.
func AssertionsByID(ctx context.Context, db DB, ids []int64) ([]Assertion, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT `+assertionColumns+assertionFrom+`WHERE a.id = ANY ($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("find assertions: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assertion, error) { return scanAssertion(r) })
	if err != nil {
		return nil, fmt.Errorf("find assertions: %w", err)
	}
	return list, nil
}

// BadgeClassesByID finds badge classes by their row ids, archived ones
// included, in no order; ids that name none are left out.
func BadgeClassesByID(ctx context.Context, db DB, ids []int64) ([]BadgeClass, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT `+badgeColumns+badgeFrom+`WHERE b.id = ANY ($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("find badges: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BadgeClass, error) { return scanBadge(r) })
	if err != nil {
		return nil, fmt.Errorf("find badges: %w", err)
	}
	return list, nil
}

// BadgeClassesTagged lists the badge classes of organisation orgID,
// archived ones included, that carry any of tags.
func BadgeClassesTagged(ctx context.Context, db DB, orgID int64, tags []string) ([]BadgeClass, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT `+badgeColumns+badgeFrom+`WHERE b.organisation_id = $1 AND b.tags && $2`, orgID, tags)
	if err != nil {
		return nil, fmt.Errorf("find badges tagged %v: %w", tags, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BadgeClass, error) { return scanBadge(r) })
	if err != nil {
		return nil, fmt.Errorf("find badges tagged %v: %w", tags, err)
	}
	return list, nil
}

// AssertionsToEmail lists the unrevoked assertions of this node awarded to
// the address email, matched as AssertionsTo matches one, oldest first.
func AssertionsToEmail(ctx context.Context, db DB, email string) ([]Assertion, error) {
	rows, err := db.Query(ctx, `SELECT `+assertionColumns+assertionFrom+`
		WHERE a.recipient_kind = 'email' AND a.revoked_at IS NULL
			AND a.recipient_identity = 'sha256$' || encode(sha256(convert_to($1 || a.recipient_salt, 'UTF8')), 'hex')
		ORDER BY a.issued_on, a.id`, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("find assertions to an address: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assertion, error) { return scanAssertion(r) })
	if err != nil {
		return nil, fmt.Errorf("find assertions to an address: %w", err)
	}
	return list, nil
}
