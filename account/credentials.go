package account

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/alexedwards/argon2id"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// ChangePassword sets a new password for the user after checking the
// current one, under the per-account limit on wrong passwords (a wrong
// current one is Invalid on "current_password", too many lately is
// ErrTooManyAttempts). The new one must pass CheckPassword ("password").
// db must be a pool, for a wrong password to be kept.
func ChangePassword(ctx context.Context, db DB, userID int64, current, next string) error {
	u, err := UserByID(ctx, db, userID)
	if err != nil {
		return err
	}
	if err := checkPasswordOf(ctx, db, u, current, "current_password"); err != nil {
		return err
	}
	return SetPassword(ctx, db, u, next)
}

// SetPassword gives u a new password, which must pass CheckPassword (a
// problem on "password"), as node operators do (`laurel user password`).
func SetPassword(ctx context.Context, db DB, u User, password string) error {
	if err := CheckPassword("password", password, u.Email, u.Name, u.Username); err != nil {
		return err
	}
	hash, err := argon2id.CreateHash(password, hashParams)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if _, err := db.Exec(ctx, `UPDATE app_user SET password_hash = $2 WHERE id = $1`, u.ID, hash); err != nil {
		return fmt.Errorf("set the password of user %d: %w", u.ID, err)
	}
	return clearFailures(ctx, db, u.Email)
}

// Token is an API token as its owner sees it: never the secret itself.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // to the minute
}

// Tokens lists the user's API tokens, newest first.
func Tokens(ctx context.Context, db DB, userID int64) ([]Token, error) {
	rows, err := db.Query(ctx, `SELECT id, name, created_at, last_used_at FROM api_token WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list the API tokens of user %d: %w", userID, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Token])
	if err != nil {
		return nil, fmt.Errorf("list the API tokens of user %d: %w", userID, err)
	}
	return list, nil
}

// MaxTokenName bounds a token's name.
const MaxTokenName = 100

// NewToken makes a named API token for the user: the name must be given
// (to tell tokens apart when revoking one), one line, at most
// MaxTokenName characters. It returns the token, shown once, and its row.
func NewToken(ctx context.Context, db DB, userID int64, name string) (string, Token, error) {
	if name == "" || len([]rune(name)) > MaxTokenName || badName(name) {
		return "", Token{}, problem.Invalidf("name", "must be 1 to %d characters on one line: what the token is for", MaxTokenName)
	}
	return createToken(ctx, db, userID, name)
}

// badName reports whether a name has a control character (a line break
// above all).
func badName(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) }

// RevokeToken deletes the user's API token id; NotFound when the user has
// none of that id.
func RevokeToken(ctx context.Context, db DB, userID, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM api_token WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("revoke API token %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("you have no API token %s", strconv.FormatInt(id, 10))
	}
	return nil
}

// RequestEmailChange starts moving the user to a new address, once their
// password is checked (as ChangePassword checks it): a link is emailed to
// the new address, and only that link makes it theirs, confirmed
// (VerifyEmail); until then the old address stays. An address another
// account has is answered the same way, and nothing is sent to it, so
// that no one learns who has an account. A node without mail cannot
// confirm a new address: a Conflict.
func RequestEmailChange(ctx context.Context, db DB, userID int64, password, email string, v Verification) error {
	if v.Queue == nil {
		return problem.Conflictf("email", "this node sends no email, so a new address cannot be confirmed: ask its administrators")
	}
	email = strings.TrimSpace(email)
	if a, err := netmail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return problem.Invalidf("email", "must be an email address")
	}
	u, err := UserByID(ctx, db, userID)
	if err != nil {
		return err
	}
	if strings.EqualFold(email, u.Email) {
		return problem.Invalidf("email", "is your address already")
	}
	if err := checkPasswordOf(ctx, db, u, password, "password"); err != nil {
		return err
	}
	if _, err := UserByEmail(ctx, db, email); err == nil {
		return nil // another account's: the same answer, no email
	} else if !problem.Is(err, problem.NotFound) {
		return err
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		return sendVerificationTo(ctx, tx, u, email, true, v)
	})
}

// checkPasswordOf checks u's password under the per-account limit on
// wrong passwords; a wrong one is Invalid on field.
func checkPasswordOf(ctx context.Context, db DB, u User, password, field string) error {
	if err := checkAttempts(ctx, db, u.Email); err != nil {
		return err
	}
	var hash string
	if err := db.QueryRow(ctx, `SELECT password_hash FROM app_user WHERE id = $1`, u.ID).Scan(&hash); err != nil {
		return fmt.Errorf("read the password of user %d: %w", u.ID, err)
	}
	match := false
	if password != "" && len(password) <= MaxPasswordLen {
		var err error
		if match, err = argon2id.ComparePasswordAndHash(password, hash); err != nil {
			return fmt.Errorf("check the password of user %d: %w", u.ID, err)
		}
	}
	if !match {
		if err := noteFailure(ctx, db, u.Email); err != nil {
			return err
		}
		return problem.Invalidf(field, "is not your password")
	}
	return nil
}
