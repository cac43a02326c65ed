package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/alexedwards/argon2id"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
)

// User is a person with a login.
type User struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"` // handle: username@host
	Email     string `json:"email"`
	Name      string `json:"name"`
	NodeAdmin bool   `json:"node_admin"`
	// EmailVerified: the user confirmed the address (users made by the
	// node's operators count as confirmed). Only a confirmed address is
	// the user's for badges issued to it.
	EmailVerified bool      `json:"email_verified"`
	CreatedAt     time.Time `json:"created_at"`
	// Language is the language the user reads pages in (a tag such as
	// "fi"); "" follows their browser, then the node's default.
	Language string `json:"language,omitempty"`
}

// ConfirmedEmail is u's email address once u has confirmed it, else "".
// Anyone can sign up with anyone's address, so everything matched against
// an address (badges awarded to it, requests sent to it) goes by this one.
func (u User) ConfirmedEmail() string {
	if !u.EmailVerified {
		return ""
	}
	return u.Email
}

// Password length bounds: long enough to resist guessing, short enough that
// hashing a hostile input stays cheap.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

// hashParams are Argon2id settings after OWASP's recommendation (19 MiB,
// two passes): memory-hard, yet light enough for a small node's logins.
var hashParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// dummyHash is checked against when no user has the given email, so that a
// failed login takes as long whether or not the account exists.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$FqTbSjBw9jUTOJzRuDVVUBcJCJ3J8/9XJV6HPDhhj4w"

// ErrBadCredentials is returned by Authenticate for an unknown email or a
// wrong password, without saying which.
var ErrBadCredentials = errors.New("wrong email or password")

// NewUser is the input for CreateUser.
type NewUser struct {
	Username  string // derived from the email when empty
	Email     string
	Name      string
	Password  string
	NodeAdmin bool
}

func (in *NewUser) validate() error {
	if err := in.validateCredentials(); err != nil {
		return err
	}
	if in.Username == "" {
		in.Username = usernameFromEmail(in.Email)
	}
	if !usernamePattern.MatchString(in.Username) {
		return problem.Invalidf("username", "must be 1 to 63 lower-case letters, digits, hyphens or underscores, starting with a letter or digit")
	}
	return nil
}

// validateCredentials checks (and trims) what a person types to sign up:
// everything but the username.
func (in *NewUser) validateCredentials() error {
	in.Email = strings.TrimSpace(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return problem.Invalidf("email", "must be an email address")
	}
	if err := CheckPassword("password", in.Password, in.Email, in.Name, in.Username); err != nil {
		return err
	}
	if len([]rune(in.Name)) > 200 {
		return problem.Invalidf("name", "must be at most 200 characters")
	}
	if strings.ContainsFunc(in.Name, unicode.IsControl) {
		// A name goes into email greetings and subjects.
		return problem.Invalidf("name", "must be one line, without control characters")
	}
	return nil
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// usernameFromEmail proposes a handle from an email's local part: lower
// case, other characters turned into hyphens.
func usernameFromEmail(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	name := strings.Trim(strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' || r == '-' {
			return r
		}
		return '-'
	}, local), "-_")
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

const userColumns = `id, username, email, name, node_admin, email_verified, created_at, language`

// userColumnsOf is userColumns qualified by a table alias, for joins.
func userColumnsOf(alias string) string {
	return alias + "." + strings.ReplaceAll(userColumns, ", ", ", "+alias+".")
}

func scanUser(row pgx.Row, more ...any) (User, error) {
	var u User
	var lang *string
	err := row.Scan(append([]any{&u.ID, &u.Username, &u.Email, &u.Name, &u.NodeAdmin, &u.EmailVerified, &u.CreatedAt, &lang}, more...)...)
	if lang != nil {
		u.Language = *lang
	}
	return u, err
}

// CreateUser validates in, hashes the password and stores the user, whose
// email counts as confirmed: this is how node operators make users (sign-ups
// go through SignUp).
func CreateUser(ctx context.Context, db DB, in NewUser) (User, error) {
	return createUser(ctx, db, in, true)
}

func createUser(ctx context.Context, db DB, in NewUser, verified bool) (User, error) {
	if err := in.validate(); err != nil {
		return User{}, err
	}
	hash, err := argon2id.CreateHash(in.Password, hashParams)
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	var u User
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO app_user (username, email, name, password_hash, node_admin, email_verified)
			VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING `+userColumns, in.Username, in.Email, in.Name, hash, in.NodeAdmin, verified))
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && pgErr.ConstraintName == "app_user_email_key":
			return problem.Conflictf("email", "a user with email %s exists already", in.Email)
		case errors.As(err, &pgErr) && pgErr.ConstraintName == "app_user_username_key":
			return problem.Conflictf("username", "%q is already taken on this node", in.Username)
		case err != nil:
			return err
		}
		// The actor table holds the handles of people and organisations
		// alike, so this also catches a username equal to an organisation's.
		_, err = federation.AddActor(ctx, tx, in.Username, federation.Person, "username")
		return err
	})
	if _, ok := problem.As(err); ok {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", in.Email, err)
	}
	return u, nil
}

// Authenticate returns the user with this email and password:
// ErrBadCredentials for a wrong one, ErrTooManyAttempts once the account
// (or the unknown address) had MaxPasswordFailures lately. db must be a
// pool, not a transaction, for a failure to be kept.
func Authenticate(ctx context.Context, db DB, email, password string) (User, error) {
	if err := checkAttempts(ctx, db, email); err != nil {
		return User{}, err
	}
	var hash string
	u, err := scanUser(db.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM app_user WHERE lower(email) = lower($1)`,
		strings.TrimSpace(email)), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		hash = dummyHash
	} else if err != nil {
		return User{}, fmt.Errorf("find user %s: %w", email, err)
	}
	match := false
	if len(password) <= MaxPasswordLen {
		if match, err = argon2id.ComparePasswordAndHash(password, hash); err != nil {
			return User{}, fmt.Errorf("check password of %s: %w", email, err)
		}
	}
	if !match || u.ID == 0 {
		if err := noteFailure(ctx, db, email); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	return u, clearFailures(ctx, db, email)
}

// UserByID finds one user.
func UserByID(ctx context.Context, db DB, id int64) (User, error) {
	return findUser(ctx, db, `id = $1`, id)
}

// UserByUsername finds a user by handle.
func UserByUsername(ctx context.Context, db DB, username string) (User, error) {
	return findUser(ctx, db, `username = $1`, username)
}

// UserByEmail finds one user, ignoring the case of the email.
func UserByEmail(ctx context.Context, db DB, email string) (User, error) {
	return findUser(ctx, db, `lower(email) = lower($1)`, strings.TrimSpace(email))
}

func findUser(ctx context.Context, db DB, where string, arg any) (User, error) {
	u, err := scanUser(db.QueryRow(ctx, `SELECT `+userColumns+` FROM app_user WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, problem.NotFoundf("no user %v", arg)
	}
	if err != nil {
		return User{}, fmt.Errorf("find user %v: %w", arg, err)
	}
	return u, nil
}

// CountUsers returns how many users the node has.
func CountUsers(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM app_user`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}
