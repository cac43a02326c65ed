package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

// ResetLifetime is how long a link that resets a password works.
const ResetLifetime = time.Hour

// resetEvery is how often one account may be sent a reset link: more
// often would let anyone flood an inbox.
const resetEvery = 5 * time.Minute

// LinkPasswordReset is the kind of the mail links that reset a password;
// their id is the password_reset row's.
const LinkPasswordReset = "password_reset"

// RequestPasswordReset emails the account with this address a link that
// resets its password (valid ResetLifetime, once), unless there is no
// such account, the node sends no mail (v.Queue nil), or a link went to
// it less than five minutes ago. The caller learns none of this: the
// answer is the same for every address.
func RequestPasswordReset(ctx context.Context, db DB, email string, v Verification) error {
	if v.Queue == nil {
		return nil
	}
	u, err := UserByEmail(ctx, db, strings.TrimSpace(email))
	if problem.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// Locks the user's row, so that two requests at once send one link.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM app_user WHERE id = $1 FOR UPDATE`, u.ID); err != nil {
			return err
		}
		var recent bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM password_reset WHERE user_id = $1
			AND created_at > now() - make_interval(secs => $2))`, u.ID, resetEvery.Seconds()).Scan(&recent); err != nil || recent {
			return err
		}
		_, sum := newSecret() // never told: the mail job mints the link's token
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO password_reset (user_id, token_hash, expires_at)
			VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id`, u.ID, sum, ResetLifetime.Seconds()).Scan(&id); err != nil {
			return fmt.Errorf("store a reset link of user %d: %w", u.ID, err)
		}
		l := v.Locale.Mail(u.Language, "")
		text := mail.Paragraphs(l.T("mail.common.hello"), l.T("mail.reset.asked", "Username", u.Username, "Node", v.Node),
			l.T("mail.reset.link", "Link", mail.LinkPlaceholder), l.T("mail.reset.once"))
		args := mail.SendArgs{Message: mail.Message{To: u.Email, Subject: l.T("mail.reset.subject", "Node", v.Node), Text: text},
			Link: &mail.Link{Kind: LinkPasswordReset, ID: id}}
		if _, err := v.Queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: args}}); err != nil {
			return fmt.Errorf("queue the reset email of user %d: %w", u.ID, err)
		}
		return nil
	})
}

// PasswordResetLinks mints the link of reset id (link makes the URL of a
// token); ErrLinkGone once it is used or expired.
func PasswordResetLinks(db DB, link func(token string) string) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token, sum := newSecret()
		tag, err := db.Exec(ctx, `UPDATE password_reset SET token_hash = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > now()`, id, sum)
		if err != nil {
			return "", fmt.Errorf("mint reset link %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return link(token), nil
	}
}

func errBadReset() error {
	return problem.NotFoundf("this link does not reset a password: it was used already, it expired, or it was never sent")
}

// CheckPasswordReset returns the user whose password the link's token
// resets, or NotFound.
func CheckPasswordReset(ctx context.Context, db DB, token string) (User, error) {
	u, err := scanUser(db.QueryRow(ctx, `SELECT `+userColumnsOf("u")+` FROM password_reset r JOIN app_user u ON u.id = r.user_id
		WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now()`, hashSecret(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, errBadReset()
	}
	if err != nil {
		return User{}, fmt.Errorf("check a reset link: %w", err)
	}
	return u, nil
}

// ResetPassword sets the password the link's token resets, once: the
// link and every other of the user's are used up. The new password must
// pass CheckPassword; a bad one leaves the link usable.
func ResetPassword(ctx context.Context, db DB, token, password string) (User, error) {
	var u User
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		if u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumnsOf("u")+` FROM password_reset r JOIN app_user u ON u.id = r.user_id
			WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() FOR UPDATE OF r`, hashSecret(token))); errors.Is(err, pgx.ErrNoRows) {
			return errBadReset()
		} else if err != nil {
			return err
		}
		if err := SetPassword(ctx, tx, u, password); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE password_reset SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, u.ID)
		return err
	})
	if _, ok := problem.As(err); ok {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("reset a password: %w", err)
	}
	return u, nil
}
