package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// Role is what a user may do for an organisation, as Open Badge Factory
// has them: admin, creator and issuer, and reviewer for badge
// applications. What each role may do is in Capabilities.
type Role string

// The roles a user can hold in an organisation.
const (
	// RoleAdmin manages the organisation (settings, people) and may do
	// everything a creator and an issuer may.
	RoleAdmin Role = "admin"
	// RoleCreator designs badges (library, images, templates,
	// alignments), works the organisation's network, and issues.
	RoleCreator Role = "creator"
	// RoleIssuer issues the badges there are, revokes them and sees the
	// reports.
	RoleIssuer Role = "issuer"
	// RoleReviewer reviews badge applications (package application) and
	// nothing else.
	RoleReviewer Role = "reviewer"
	// RoleStaff is the role before creator and issuer: accepted as input
	// (ParseRole, the CLI, the API) as a synonym of creator, never stored
	// (migration 0036 made every staff member a creator). New code says
	// RoleCreator; this stays while older callers and clients use it.
	RoleStaff Role = "staff"
)

// Roles are the roles there are, most powerful first.
var Roles = []Role{RoleAdmin, RoleCreator, RoleIssuer, RoleReviewer}

// ActsFor reports whether the role works for the organisation in the
// product (its tools, its menu); a reviewer only reviews the badge
// applications they are given.
func (r Role) ActsFor() bool { return r.canonical() != RoleReviewer && r.Valid() }

// Valid reports whether r is a role (staff included, as creator).
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleCreator, RoleIssuer, RoleReviewer, RoleStaff:
		return true
	}
	return false
}

// canonical is the role as it is stored: staff is creator.
func (r Role) canonical() Role {
	if r == RoleStaff {
		return RoleCreator
	}
	return r
}

// ParseRole accepts a role's name; staff, the older name, is creator.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r.canonical(), nil
	}
	return "", problem.Invalidf("role", "must be admin, creator, issuer or reviewer, not %q", s)
}

// Membership says that a user holds a role in an organisation.
type Membership struct {
	OrganisationID int64
	Role           Role
}

// SetMembership gives the user a role in the organisation, replacing any
// role held before. It does not guard the last admin: ChangeRole does.
func SetMembership(ctx context.Context, db DB, userID, organisationID int64, role Role) error {
	role, err := ParseRole(string(role))
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `
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

// Member is a user with their role in one organisation.
type Member struct {
	UserID   int64  `json:"-"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     Role   `json:"role"`
}

// Members lists the people of an organisation, admins first, then by
// name.
func Members(ctx context.Context, db DB, orgID int64) ([]Member, error) {
	rows, err := db.Query(ctx, `SELECT u.id, u.username, u.name, u.email, m.role FROM membership m
		JOIN app_user u ON u.id = m.user_id WHERE m.organisation_id = $1
		ORDER BY array_position(ARRAY['admin', 'creator', 'issuer', 'reviewer'], m.role), lower(u.name), u.username`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list members of organisation %d: %w", orgID, err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Member])
	if err != nil {
		return nil, fmt.Errorf("list members of organisation %d: %w", orgID, err)
	}
	return ms, nil
}

// MemberByUsername is the member of the organisation with this handle.
func MemberByUsername(ctx context.Context, db DB, orgID int64, username string) (Member, error) {
	var m Member
	err := db.QueryRow(ctx, `SELECT u.id, u.username, u.name, u.email, m.role FROM membership m
		JOIN app_user u ON u.id = m.user_id WHERE m.organisation_id = $1 AND u.username = $2`, orgID, username).
		Scan(&m.UserID, &m.Username, &m.Name, &m.Email, &m.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, problem.NotFoundf("@%s is not a member of this organisation", username)
	}
	if err != nil {
		return Member{}, fmt.Errorf("find member %s of organisation %d: %w", username, orgID, err)
	}
	return m, nil
}

// ChangeRole gives a member another role. The last admin of an
// organisation cannot become something else: a Conflict says so.
func ChangeRole(ctx context.Context, db DB, orgID, userID int64, role Role) (Member, error) {
	role, err := ParseRole(string(role))
	if err != nil {
		return Member{}, err
	}
	var m Member
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		old, err := lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if old == RoleAdmin && role != RoleAdmin {
			if err := keepAnAdmin(ctx, tx, orgID, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE membership SET role = $3 WHERE organisation_id = $1 AND user_id = $2`, orgID, userID, role); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT u.id, u.username, u.name, u.email, m.role FROM membership m
			JOIN app_user u ON u.id = m.user_id WHERE m.organisation_id = $1 AND m.user_id = $2`, orgID, userID).
			Scan(&m.UserID, &m.Username, &m.Name, &m.Email, &m.Role)
	})
	if _, ok := problem.As(err); ok {
		return Member{}, err
	}
	if err != nil {
		return Member{}, fmt.Errorf("change the role of user %d in organisation %d: %w", userID, orgID, err)
	}
	return m, nil
}

// RemoveMember takes a person out of an organisation; never its last
// admin (a Conflict).
func RemoveMember(ctx context.Context, db DB, orgID, userID int64) error {
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		old, err := lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if old == RoleAdmin {
			if err := keepAnAdmin(ctx, tx, orgID, userID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM membership WHERE organisation_id = $1 AND user_id = $2`, orgID, userID)
		return err
	})
	if _, ok := problem.As(err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("remove user %d from organisation %d: %w", userID, orgID, err)
	}
	return nil
}

// lockMember locks the organisation's memberships (so that two admins
// demoting each other at once cannot leave none) and returns the role
// of the user.
func lockMember(ctx context.Context, tx pgx.Tx, orgID, userID int64) (Role, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM organisation WHERE id = $1 FOR UPDATE`, orgID); err != nil {
		return "", err
	}
	var role Role
	err := tx.QueryRow(ctx, `SELECT role FROM membership WHERE organisation_id = $1 AND user_id = $2`, orgID, userID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", problem.NotFoundf("that person is not a member of this organisation")
	}
	return role, err
}

// keepAnAdmin is a Conflict unless the organisation has an admin other
// than userID.
func keepAnAdmin(ctx context.Context, tx pgx.Tx, orgID, userID int64) error {
	var others bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM membership WHERE organisation_id = $1 AND role = 'admin' AND user_id <> $2)`,
		orgID, userID).Scan(&others); err != nil {
		return err
	}
	if !others {
		return problem.Conflictf("role", "this is the organisation's last admin: make someone else an admin first")
	}
	return nil
}
