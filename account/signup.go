package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

// SignupMode says who may make themselves an account on the node.
type SignupMode string

// The sign-up modes. Users made by the node's operators (`laurel user
// create`) are made whatever the mode.
const (
	SignupClosed     SignupMode = "closed"     // no one: the default
	SignupInvitation SignupMode = "invitation" // whoever has an invitation link
	SignupOpen       SignupMode = "open"       // anyone
)

// SignupModes are the modes in the order forms offer them.
var SignupModes = []SignupMode{SignupClosed, SignupInvitation, SignupOpen}

// ParseSignupMode accepts a mode's name.
func ParseSignupMode(s string) (SignupMode, error) {
	switch m := SignupMode(s); m {
	case SignupClosed, SignupInvitation, SignupOpen:
		return m, nil
	}
	return "", problem.Invalidf("mode", "must be open, invitation or closed, not %q", s)
}

// signupModeKey is the node_setting that holds the mode.
const signupModeKey = "signup_mode"

// GetSignupMode returns the node's sign-up mode: closed until a node admin
// chooses another.
func GetSignupMode(ctx context.Context, db DB) (SignupMode, error) {
	var v string
	err := db.QueryRow(ctx, `SELECT value FROM node_setting WHERE key = $1`, signupModeKey).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return SignupClosed, nil
	}
	if err != nil {
		return "", fmt.Errorf("read the sign-up mode: %w", err)
	}
	m, err := ParseSignupMode(v)
	if err != nil {
		return SignupClosed, nil // a value this version does not know closes sign-up
	}
	return m, nil
}

// SetSignupMode sets the node's sign-up mode.
func SetSignupMode(ctx context.Context, db DB, m SignupMode) error {
	if _, err := ParseSignupMode(string(m)); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `INSERT INTO node_setting (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`, signupModeKey, string(m))
	if err != nil {
		return fmt.Errorf("set the sign-up mode: %w", err)
	}
	return nil
}

// Lifetimes of the links the package sends.
const (
	InvitationLifetime   = 14 * 24 * time.Hour // an invitation to sign up
	VerificationLifetime = 3 * 24 * time.Hour  // a link that confirms an email address
	// verificationInterval is how long a user waits before another link
	// is sent to the same address, so that nobody can use the node to
	// flood an inbox.
	verificationInterval = 2 * time.Minute
)

// Invitation is a single-use link to sign up on a node that signs up by
// invitation. The token is only known when it is made.
type Invitation struct {
	ID        int64      `json:"id"`
	Note      string     `json:"note"` // who it is for, as its maker wrote
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
	UsedBy    string     `json:"used_by,omitempty"` // the username it made; "" once that user is deleted
}

// State is "used", "expired" or "open".
func (inv Invitation) State(now time.Time) string {
	switch {
	case inv.UsedAt != nil:
		return "used"
	case !now.Before(inv.ExpiresAt):
		return "expired"
	}
	return "open"
}

// CreateInvitation makes a new invitation by the user createdBy and
// returns it with its token, which is not stored: only its hash is.
func CreateInvitation(ctx context.Context, db DB, createdBy int64, note string) (Invitation, string, error) {
	note = strings.TrimSpace(note)
	if len([]rune(note)) > 200 {
		return Invitation{}, "", problem.Invalidf("note", "must be at most 200 characters")
	}
	token, sum := newSecret()
	inv := Invitation{Note: note}
	err := db.QueryRow(ctx, `INSERT INTO signup_invitation (token_hash, note, created_by, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))
		RETURNING id, created_at, expires_at, coalesce((SELECT username FROM app_user WHERE id = $3), '')`,
		sum, note, createdBy, InvitationLifetime.Seconds()).Scan(&inv.ID, &inv.CreatedAt, &inv.ExpiresAt, &inv.CreatedBy)
	if err != nil {
		return Invitation{}, "", fmt.Errorf("create an invitation: %w", err)
	}
	return inv, token, nil
}

// Invitations lists the latest invitations, newest first.
func Invitations(ctx context.Context, db DB, limit int) ([]Invitation, error) {
	rows, err := db.Query(ctx, `SELECT i.id, i.note, coalesce(c.username, ''), i.created_at, i.expires_at, i.used_at,
			coalesce(u.username, '')
		FROM signup_invitation i LEFT JOIN app_user c ON c.id = i.created_by LEFT JOIN app_user u ON u.id = i.used_by
		ORDER BY i.created_at DESC, i.id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Invitation])
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return list, nil
}

// NewSignUp is the input of SignUp.
type NewSignUp struct {
	Email    string
	Name     string
	Password string
	// Invitation is the token of an invitation link, needed when the node
	// signs up by invitation (and ignored when sign-up is open).
	Invitation string
}

// Queue inserts River jobs inside a transaction; River's client satisfies
// it. SignUp queues the verification email with it.
type Queue interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Verification says how an address is confirmed: by an email, queued on
// Queue (nil on a node that sends no mail), whose link the mail job mints
// (VerificationLinks).
type Verification struct {
	Queue Queue
	Node  string // the node's name in the message, e.g. its host
	// Locale is the catalogue the emails are written from, each in its
	// user's language (else the node's default); nil writes English.
	Locale *locale.Catalog
	// Language is the language to write to someone with no account yet
	// (an invited member): the sender's; "" is the node's default.
	Language string
}

// SignUp makes a user for someone who signs up, as the node's sign-up mode
// allows: it uses up the invitation when one is needed, gives the user a
// free username derived from the email, and queues an email with a link
// that confirms the address, all in one transaction. The user can log in
// at once, with the address unconfirmed; an account whose address is not
// confirmed in time goes (ExpireUnconfirmed), handle and all.
//
// An address that has an account already is a Conflict on "email", and
// its owner is sent a notice instead (when the node sends mail): the web
// answers both the same way, so that sign-up tells no one who has an
// account.
func SignUp(ctx context.Context, db DB, in NewSignUp, v Verification) (User, error) {
	nu := NewUser{Email: in.Email, Name: in.Name, Password: in.Password}
	if err := nu.validateCredentials(); err != nil { // the cheap checks, before the transaction
		return User{}, err
	}
	var u User
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		mode, err := GetSignupMode(ctx, tx)
		if err != nil {
			return err
		}
		var invitation int64
		switch mode {
		case SignupClosed:
			return problem.Forbiddenf("sign-up is closed on this node: ask its administrators for an account")
		case SignupInvitation:
			if invitation, err = useInvitation(ctx, tx, in.Invitation); err != nil {
				return err
			}
		}
		if nu.Username, err = freeUsername(ctx, tx, nu.Email); err != nil {
			return err
		}
		if u, err = createUser(ctx, tx, nu, false); err != nil {
			return err
		}
		if invitation != 0 {
			if _, err := tx.Exec(ctx, `UPDATE signup_invitation SET used_by = $2 WHERE id = $1`, invitation, u.ID); err != nil {
				return fmt.Errorf("record the use of invitation %d: %w", invitation, err)
			}
		}
		return sendVerification(ctx, tx, u, v)
	})
	if p, ok := problem.As(err); ok {
		if p.Kind == problem.Conflict && p.Field == "email" {
			if err := noticeAddressTaken(ctx, db, nu.Email, v); err != nil {
				return User{}, err
			}
		}
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("sign up %s: %w", in.Email, err)
	}
	return u, nil
}

// noticeAddressTaken tells the owner of an account that someone signed up
// with its address, unless the node sends no mail.
func noticeAddressTaken(ctx context.Context, db DB, email string, v Verification) error {
	if v.Queue == nil {
		return nil
	}
	u, err := UserByEmail(ctx, db, email)
	if problem.Is(err, problem.NotFound) {
		return nil // gone meanwhile
	}
	if err != nil {
		return err
	}
	l := v.Locale.Mail(u.Language, "")
	next := l.T("mail.signup.taken_unconfirmed")
	if u.EmailVerified {
		next = l.T("mail.signup.taken_login", "Node", v.Node)
	}
	text := mail.Paragraphs(l.T("mail.common.hello"),
		l.T("mail.signup.taken_tried", "Node", v.Node, "Username", u.Username), next, l.T("mail.signup.taken_not_you"))
	args := mail.SendArgs{Message: mail.Message{To: u.Email, Subject: l.T("mail.signup.taken_subject", "Node", v.Node), Text: text}}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := v.Queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: args}}); err != nil {
			return fmt.Errorf("queue the notice to %s: %w", u.Username, err)
		}
		return nil
	})
}

// ExpireUnconfirmed deletes the accounts that signed up and did not
// confirm their address in time: whose every confirmation link (all
// sent by email) has expired, so that an address taken by someone else
// is free again for its owner. An actor that never published or received
// an activity is deleted outright, which frees the handle too; one that
// did may be known elsewhere, and retire retires it as DeleteUser does
// (its handle stays retired). It returns how many went.
func ExpireUnconfirmed(ctx context.Context, db DB, retire RetireActor) (int, error) {
	rows, err := db.Query(ctx, `SELECT u.id FROM app_user u WHERE NOT u.email_verified AND NOT u.node_admin
		AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.user_id = u.id)
		AND EXISTS (SELECT 1 FROM email_verification v WHERE v.user_id = u.id)
		AND NOT EXISTS (SELECT 1 FROM email_verification v WHERE v.user_id = u.id AND v.expires_at > now())`)
	if err != nil {
		return 0, fmt.Errorf("find unconfirmed accounts: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("find unconfirmed accounts: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			var username string
			err := tx.QueryRow(ctx, `DELETE FROM app_user WHERE id = $1 AND NOT email_verified RETURNING username`, id).Scan(&username)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // confirmed meanwhile
			}
			if err != nil {
				return err
			}
			n++
			tag, err := tx.Exec(ctx, `DELETE FROM actor a WHERE a.username = $1
				AND NOT EXISTS (SELECT 1 FROM outbox_activity o WHERE o.actor_id = a.id)
				AND NOT EXISTS (SELECT 1 FROM inbox_activity i WHERE i.recipient = a.username)`, username)
			if err != nil || tag.RowsAffected() == 1 {
				return err
			}
			return retire(ctx, tx, username)
		})
		if err != nil {
			return n, fmt.Errorf("expire unconfirmed account %d: %w", id, err)
		}
	}
	return n, nil
}

// useInvitation marks an open invitation used and returns its id.
func useInvitation(ctx context.Context, tx pgx.Tx, token string) (int64, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return 0, problem.Invalidf("invitation", "is needed: this node signs people up by invitation only")
	}
	var id int64
	err := tx.QueryRow(ctx, `UPDATE signup_invitation SET used_at = now()
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING id`, hashSecret(token)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, problem.Invalidf("invitation", "this invitation is not valid: it was used already, or it expired")
	}
	if err != nil {
		return 0, fmt.Errorf("use invitation: %w", err)
	}
	return id, nil
}

// freeUsername proposes a handle from the email that no user,
// organisation or deleted actor has: the email's local part, then with -2,
// -3, ... and last with a random suffix.
func freeUsername(ctx context.Context, db DB, email string) (string, error) {
	base := usernameFromEmail(email)
	if base == "" {
		base = "user"
	}
	const room = 56 // for the suffix, within the 63 characters of a handle
	if len(base) > room {
		base = strings.TrimRight(base[:room], "-_")
	}
	candidates := []string{base}
	for i := 2; i <= 20; i++ {
		candidates = append(candidates, base+"-"+strconv.Itoa(i))
	}
	var name string
	err := db.QueryRow(ctx, `SELECT c FROM unnest($1::text[]) WITH ORDINALITY AS t(c, n)
		WHERE NOT EXISTS (SELECT 1 FROM actor WHERE username = c) AND NOT EXISTS (SELECT 1 FROM app_user WHERE username = c)
		ORDER BY n LIMIT 1`, candidates).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Sprintf("%s-%x", base, randomBytes(3)), nil
	}
	if err != nil {
		return "", fmt.Errorf("find a free username for %s: %w", email, err)
	}
	return name, nil
}

// sendVerification makes a new link that confirms u's address and queues
// the email that carries it, in tx. Earlier links of u stop working.
func sendVerification(ctx context.Context, tx pgx.Tx, u User, v Verification) error {
	return sendVerificationTo(ctx, tx, u, u.Email, false, v)
}

// sendVerificationTo is sendVerification for address, which is u's new
// address when change is set: the link then makes it u's.
func sendVerificationTo(ctx context.Context, tx pgx.Tx, u User, address string, change bool, v Verification) error {
	if v.Queue == nil {
		// A node without mail: the address stays unconfirmed, and the
		// account does not expire (ExpireUnconfirmed goes by the links).
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM email_verification WHERE user_id = $1`, u.ID); err != nil {
		return fmt.Errorf("replace the verification links of user %d: %w", u.ID, err)
	}
	// The token stored is never told: the mail job mints the one it sends
	// (VerificationLinks), so that no link is kept in the job.
	_, sum := newSecret()
	if _, err := tx.Exec(ctx, `INSERT INTO email_verification (token_hash, user_id, email, expires_at)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, sum, u.ID, address, VerificationLifetime.Seconds()); err != nil {
		return fmt.Errorf("store the verification link of user %d: %w", u.ID, err)
	}
	to := u
	to.Email = address
	if _, err := v.Queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: verificationMail(to, change, v)}}); err != nil {
		return fmt.Errorf("queue the verification email of user %d: %w", u.ID, err)
	}
	return nil
}

// LinkVerification is the kind of the mail links that confirm an address;
// their id is the user's.
const LinkVerification = "email_verification"

// VerificationLinks mints the link that confirms the address of user id
// (link makes the URL of a token), replacing the one stored; ErrLinkGone
// when the user has no unexpired verification waiting.
func VerificationLinks(db DB, link func(token string) string) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token, sum := newSecret()
		tag, err := db.Exec(ctx, `UPDATE email_verification SET token_hash = $2 WHERE user_id = $1 AND expires_at > now()`, id, sum)
		if err != nil {
			return "", fmt.Errorf("mint the verification link of user %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return link(token), nil
	}
}

// verificationMail is the message with the link that confirms an address.
func verificationMail(u User, change bool, v Verification) mail.SendArgs {
	l := v.Locale.Mail(u.Language, "")
	hello := l.T("mail.common.hello")
	if u.Name != "" {
		hello = l.T("mail.common.hello_name", "Name", u.Name)
	}
	made := l.T("mail.signup.verify_new", "Node", v.Node, "Username", u.Username)
	if change {
		made = l.T("mail.signup.verify_change", "Node", v.Node, "Username", u.Username)
	}
	return mail.SendArgs{Message: mail.Message{
		To:      u.Email,
		Subject: l.T("mail.signup.verify_subject", "Node", v.Node),
		Text: mail.Paragraphs(hello, made,
			l.T("mail.signup.verify_link", "Days", int(VerificationLifetime/(24*time.Hour)), "Link", mail.LinkPlaceholder),
			l.T("mail.signup.verify_badges"), l.T("mail.signup.verify_not_you")),
	}, Link: &mail.Link{Kind: LinkVerification, ID: u.ID}}
}

// ResendVerification sends the user a new link that confirms their
// address, unless it is confirmed already, the node sends no email, or the
// last link went out less than a couple of minutes ago.
func ResendVerification(ctx context.Context, db DB, userID int64, v Verification) error {
	if v.Queue == nil {
		return problem.Conflictf("", "this node sends no email at present: ask its administrators")
	}
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM app_user WHERE id = $1 FOR UPDATE`, userID))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no user %d", userID)
		}
		if err != nil {
			return err
		}
		if u.EmailVerified {
			return problem.Conflictf("email", "%s is confirmed already", u.Email)
		}
		var recent bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM email_verification WHERE user_id = $1
				AND created_at > now() - make_interval(secs => $2))`, userID, verificationInterval.Seconds()).Scan(&recent); err != nil {
			return err
		}
		if recent {
			return problem.Conflictf("email", "a link was sent to %s a moment ago: wait a few minutes for it", u.Email)
		}
		return sendVerification(ctx, tx, u, v)
	})
	if _, ok := problem.As(err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("send a verification link to user %d: %w", userID, err)
	}
	return nil
}

// errBadVerification is the answer for a link that is unknown or used.
func errBadVerification() error {
	return problem.NotFoundf("this link is not valid: it was used already, or a newer one was sent")
}

// CheckVerification returns the user whose address token confirms (with
// Email the address it confirms, which is new for a change of address),
// without using the token up.
func CheckVerification(ctx context.Context, db DB, token string) (User, error) {
	var expired bool
	var address string
	u, err := scanUser(db.QueryRow(ctx, `SELECT `+userColumnsOf("u")+`, v.expires_at <= now(), v.email
		FROM email_verification v JOIN app_user u ON u.id = v.user_id
		WHERE v.token_hash = $1`, hashSecret(token)), &expired, &address)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, errBadVerification()
	}
	if err != nil {
		return User{}, fmt.Errorf("check a verification link: %w", err)
	}
	if expired {
		return User{}, errExpiredVerification()
	}
	u.Email = address // the address the link confirms
	return u, nil
}

func errExpiredVerification() error {
	return problem.Invalidf("", "this link expired: log in and ask for a new one")
}

// VerifyEmail uses up a link that confirms an address and marks the
// address confirmed, if it is still the user's. The link works once; an
// expired link is used up too.
func VerifyEmail(ctx context.Context, db DB, token string) (User, error) {
	var (
		u       User
		expired bool
	)
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var (
			userID int64
			email  string
		)
		err := tx.QueryRow(ctx, `DELETE FROM email_verification WHERE token_hash = $1
			RETURNING user_id, email, expires_at <= now()`, hashSecret(token)).Scan(&userID, &email, &expired)
		if errors.Is(err, pgx.ErrNoRows) {
			return errBadVerification()
		}
		if err != nil || expired {
			return err
		}
		// The address of the link is the user's from now on: their own,
		// or the new one they asked for (RequestEmailChange).
		u, err = scanUser(tx.QueryRow(ctx, `UPDATE app_user SET email = $2, email_verified = true
			WHERE id = $1 RETURNING `+userColumns, userID, email))
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "app_user_email_key" {
			return problem.Conflictf("email", "%s is the address of another account now", email)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return errBadVerification() // the user went
		}
		return err
	})
	if _, ok := problem.As(err); ok {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("confirm an email address: %w", err)
	}
	if expired {
		return User{}, errExpiredVerification()
	}
	return u, nil
}

// EmailVerified reports whether the user confirmed their email address.
// Only a confirmed address is the user's for badges issued to it.
func EmailVerified(ctx context.Context, db DB, userID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT email_verified FROM app_user WHERE id = $1`, userID).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, problem.NotFoundf("no user %d", userID)
	}
	if err != nil {
		return false, fmt.Errorf("read whether user %d confirmed their email: %w", userID, err)
	}
	return ok, nil
}

// newSecret returns a random token for a link, and the hash to store.
func newSecret() (string, []byte) {
	token := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	return token, hashSecret(token)
}

func hashSecret(token string) []byte {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return sum[:]
}
