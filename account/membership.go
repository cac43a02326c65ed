package account

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// Role is what a user may do for an organisation.
type Role string

// The roles a user can hold in an organisation.
const (
	RoleAdmin Role = "admin" // manages the organisation and its people
	RoleStaff Role = "staff" // creates, issues and endorses for it
	// RoleReviewer reviews badge applications (package application) and
	// nothing else.
	RoleReviewer Role = "reviewer"
)

// ActsFor reports whether the role works for the organisation in the
// product (its tools, its network, its settings); a reviewer only reviews
// the badge applications they are given.
func (r Role) ActsFor() bool { return r == RoleAdmin || r == RoleStaff }

// ParseRole accepts a role's name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleStaff, RoleReviewer:
		return r, nil
	}
	return "", problem.Invalidf("role", "must be admin, staff or reviewer, not %q", s)
}

// Membership says that a user holds a role in an organisation.
type Membership struct {
	OrganisationID int64
	Role           Role
}

// SetMembership gives the user a role in the organisation, replacing any
// role held before.
func SetMembership(ctx context.Context, db DB, userID, organisationID int64, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `
		INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = excluded.role`,
		userID, organisationID, role)
	if err != nil {
		return fmt.Errorf("set membership of user %d in organisation %d: %w", userID, organisationID, err)
	}
	return nil
}

// Memberships lists the organisations a user acts for.
func Memberships(ctx context.Context, db DB, userID int64) ([]Membership, error) {
	rows, err := db.Query(ctx, `SELECT organisation_id, role FROM membership WHERE user_id = $1 ORDER BY organisation_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list memberships of user %d: %w", userID, err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return nil, fmt.Errorf("list memberships of user %d: %w", userID, err)
	}
	return ms, nil
}
