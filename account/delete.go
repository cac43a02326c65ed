package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/alexedwards/argon2id"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// RetireActor retires a deleted user's ActivityPub actor inside the
// deleting transaction, telling the servers that know it;
// federation.(*Federation).DeleteActor is one.
type RetireActor func(ctx context.Context, tx pgx.Tx, username string) error

// DeleteUser deletes a user who confirmed it with their password, and
// everything that is theirs, in one transaction: the user row, and by
// foreign key their memberships, API tokens, verification links and
// backpack; badges they issued stay, without their name. retire retires
// their actor in the same transaction. Their browser sessions end as the
// next request finds no user (the web package also ends them at once).
//
// A wrong password is Invalid on "password". The node's last node admin
// cannot delete themselves: a node needs someone to run it.
func DeleteUser(ctx context.Context, db DB, userID int64, password string, retire RetireActor) (User, error) {
	// Wrong passwords count against the account as at login; they are
	// noted outside the transaction, which a wrong one rolls back.
	owner, err := UserByID(ctx, db, userID)
	if err != nil {
		return User{}, err
	}
	if err := checkAttempts(ctx, db, owner.Email); err != nil {
		return User{}, err
	}
	wrong := false
	var u User
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var (
			hash string
			err  error
		)
		u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM app_user WHERE id = $1 FOR UPDATE`, userID), &hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no user %d", userID)
		}
		if err != nil {
			return err
		}
		match := false
		if password != "" && len(password) <= MaxPasswordLen {
			if match, err = argon2id.ComparePasswordAndHash(password, hash); err != nil {
				return fmt.Errorf("check the password: %w", err)
			}
		}
		if !match {
			wrong = true
			return problem.Invalidf("password", "is not your password")
		}
		if u.NodeAdmin {
			var others bool
			// Locks the other admins' rows, so that two last admins cannot
			// each see the other and both go.
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM app_user WHERE node_admin AND id <> $1 FOR UPDATE)`,
				userID).Scan(&others); err != nil {
				return err
			}
			if !others {
				return problem.Conflictf("", "you are the node's only node admin: make someone else one first")
			}
		}
		if err := keepEveryAdmin(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM app_user WHERE id = $1`, userID); err != nil {
			return err
		}
		if retire == nil {
			return errors.New("no way to retire the actor")
		}
		return retire(ctx, tx, u.Username)
	})
	if wrong {
		if err := noteFailure(ctx, db, owner.Email); err != nil {
			return User{}, err
		}
	}
	if _, ok := problem.As(err); ok {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("delete user %d: %w", userID, err)
	}
	return u, nil
}

// keepEveryAdmin is a Conflict when userID is the last admin of an
// organisation, which would be left with no one to manage it. Each such
// organisation is locked as ChangeRole locks it, so that its two last
// admins cannot both go at once.
func keepEveryAdmin(ctx context.Context, tx pgx.Tx, userID int64) error {
	rows, err := tx.Query(ctx, `SELECT organisation_id FROM membership WHERE user_id = $1 AND role = 'admin' ORDER BY organisation_id`, userID)
	if err != nil {
		return fmt.Errorf("list the organisations an account manages: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("list the organisations an account manages: %w", err)
	}
	for _, orgID := range orgs {
		if _, err := lockMember(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if err := keepAnAdmin(ctx, tx, orgID, userID); problem.Is(err, problem.Conflict) {
			var name string
			if err := tx.QueryRow(ctx, `SELECT name FROM organisation WHERE id = $1`, orgID).Scan(&name); err != nil {
				return fmt.Errorf("name organisation %d: %w", orgID, err)
			}
			return problem.Conflictf("", "you are the last admin of %s: make someone else its admin first", name)
		} else if err != nil {
			return err
		}
	}
	return nil
}
