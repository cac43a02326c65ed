package account

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Wrong passwords are limited per account, in PostgreSQL so that all the
// node's processes share the count: after MaxPasswordFailures within
// PasswordFailureWindow every password check of the account (logging in,
// deleting the account, changing the password) is refused until the
// oldest failure is older than the window. The count is kept for unknown
// addresses too, so the answer tells nothing about who has an account.
const (
	MaxPasswordFailures   = 10
	PasswordFailureWindow = 15 * time.Minute
)

// ErrTooManyAttempts: the account had too many wrong passwords lately.
var ErrTooManyAttempts = errors.New("too many wrong passwords for this account: wait 15 minutes and try again")

func attemptKey(email string) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return sum[:]
}

// checkAttempts is ErrTooManyAttempts when email had too many wrong
// passwords within the window.
func checkAttempts(ctx context.Context, db DB, email string) error {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM login_failure WHERE key = $1 AND at > now() - make_interval(secs => $2)`,
		attemptKey(email), PasswordFailureWindow.Seconds()).Scan(&n)
	if err != nil {
		return fmt.Errorf("count the wrong passwords: %w", err)
	}
	if n >= MaxPasswordFailures {
		return ErrTooManyAttempts
	}
	return nil
}

// noteFailure records a wrong password for email, and forgets failures
// older than the window (of every account: the table stays small).
func noteFailure(ctx context.Context, db DB, email string) error {
	if _, err := db.Exec(ctx, `
		WITH gone AS (DELETE FROM login_failure WHERE at <= now() - make_interval(secs => $2))
		INSERT INTO login_failure (key) VALUES ($1)`, attemptKey(email), PasswordFailureWindow.Seconds()); err != nil {
		return fmt.Errorf("note a wrong password: %w", err)
	}
	return nil
}

// clearFailures forgets the wrong passwords of email, once the right one
// was given.
func clearFailures(ctx context.Context, db DB, email string) error {
	if _, err := db.Exec(ctx, `DELETE FROM login_failure WHERE key = $1`, attemptKey(email)); err != nil {
		return fmt.Errorf("forget the wrong passwords: %w", err)
	}
	return nil
}
