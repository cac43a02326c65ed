package account_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

// mailbox is a node's mail queue: an insert-only River client on the
// test's database, whose queued messages the test reads back.
type mailbox struct {
	t    *testing.T
	pool *pgxpool.Pool
	v    account.Verification
	mint mail.LinkMaker // what the mail job does
}

func newMailbox(t *testing.T, pool *pgxpool.Pool) *mailbox {
	t.Helper()
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &mailbox{t: t, pool: pool, v: account.Verification{Queue: c, Node: "laurel.test"},
		mint: account.VerificationLinks(pool, func(token string) string { return "https://laurel.test/verify-email/" + token })}
}

// messages returns the queued messages to addr, oldest first, with their
// links minted as the mail job mints them; the job itself holds none.
func (m *mailbox) messages(addr string) []mail.Message {
	m.t.Helper()
	rows, err := m.pool.Query(context.Background(), `SELECT args FROM river_job
		WHERE kind = 'mail_send' AND args->>'to' = $1 ORDER BY id`, addr)
	if err != nil {
		m.t.Fatal(err)
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		m.t.Fatal(err)
	}
	out := make([]mail.Message, len(raws))
	for i, raw := range raws {
		var args mail.SendArgs
		if err := json.Unmarshal(raw, &args); err != nil {
			m.t.Fatal(err)
		}
		if verifyLink.Match(raw) || args.Link == nil || !strings.Contains(args.Text, mail.LinkPlaceholder) {
			m.t.Fatalf("the job of a verification email holds its link, or no link to mint: %s", raw)
		}
		link, err := m.mint(context.Background(), args.Link.ID)
		if err != nil {
			m.t.Fatal(err)
		}
		out[i] = args.Message
		out[i].Text = strings.ReplaceAll(out[i].Text, mail.LinkPlaceholder, link)
	}
	return out
}

var verifyLink = regexp.MustCompile(`https://laurel\.test/verify-email/([A-Za-z0-9_-]+)`)

// token returns the token of the last verification link sent to addr.
func (m *mailbox) token(addr string) string {
	m.t.Helper()
	msgs := m.messages(addr)
	if len(msgs) == 0 {
		m.t.Fatalf("no message to %s", addr)
	}
	match := verifyLink.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if match == nil {
		m.t.Fatalf("no verification link in:\n%s", msgs[len(msgs)-1].Text)
	}
	return match[1]
}

func wantProblem(t *testing.T, what string, err error, kind problem.Kind, field string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != kind || p.Field != field {
		t.Fatalf("%s: got %v, want a problem of kind %d on %q", what, err, kind, field)
	}
}

func TestSignupModes(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	box := newMailbox(t, db)
	admin, err := account.CreateUser(ctx, db, account.NewUser{Email: "root@example.org", Password: "long enough pw", NodeAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := account.GetSignupMode(ctx, db); err != nil || m != account.SignupClosed {
		t.Fatalf("mode of a new node = %q, %v; want closed", m, err)
	}
	if err := account.SetSignupMode(ctx, db, "sometimes"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("SetSignupMode(sometimes) = %v", err)
	}
	in := func(email, invitation string) account.NewSignUp {
		return account.NewSignUp{Email: email, Name: "Eva", Password: "long enough pw", Invitation: invitation}
	}

	_, err = account.SignUp(ctx, db, in("eva@example.org", ""), box.v)
	wantProblem(t, "sign-up on a closed node", err, problem.Forbidden, "")

	if err := account.SetSignupMode(ctx, db, account.SignupInvitation); err != nil {
		t.Fatal(err)
	}
	inv, token, err := account.CreateInvitation(ctx, db, admin.ID, "for Eva")
	if err != nil {
		t.Fatal(err)
	}
	if inv.CreatedBy != "root" || inv.State(time.Now()) != "open" || inv.ExpiresAt.Sub(inv.CreatedAt) != account.InvitationLifetime {
		t.Fatalf("invitation %+v", inv)
	}
	_, expired, err := account.CreateInvitation(ctx, db, admin.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE signup_invitation SET expires_at = now() - interval '1 second' WHERE note = ''`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, invitation string
	}{{"no invitation", ""}, {"unknown invitation", "nope"}, {"expired invitation", expired}} {
		_, err := account.SignUp(ctx, db, in("eva@example.org", tc.invitation), box.v)
		wantProblem(t, tc.name, err, problem.Invalid, "invitation")
	}
	// A refused sign-up uses up nothing: a bad password keeps the invitation.
	_, err = account.SignUp(ctx, db, account.NewSignUp{Email: "eva@example.org", Password: "short", Invitation: token}, box.v)
	wantProblem(t, "short password", err, problem.Invalid, "password")

	eva, err := account.SignUp(ctx, db, in("eva@example.org", token), box.v)
	if err != nil {
		t.Fatal(err)
	}
	if eva.Username != "eva" || eva.EmailVerified || eva.Name != "Eva" {
		t.Fatalf("signed up %+v", eva)
	}
	_, err = account.SignUp(ctx, db, in("eve@example.org", token), box.v)
	wantProblem(t, "a used invitation", err, problem.Invalid, "invitation")
	list, err := account.Invitations(ctx, db, 10)
	if err != nil || len(list) != 2 || list[0].State(time.Now()) != "expired" || list[1].State(time.Now()) != "used" || list[1].UsedBy != "eva" {
		t.Fatalf("invitations = %+v, %v", list, err)
	}

	if err := account.SetSignupMode(ctx, db, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	// Open: no invitation needed; the username is derived and made free.
	for _, tc := range []struct{ email, username string }{
		{"Eva@Other.example", ""}, // taken, without regard to case
		{"eva@other.example", ""},
		{"eva+news@example.net", "eva-news"},
		{"eva-news@example.com", "eva-news-2"},
		{"root@example.com", "root-2"},
		{"_@example.com", "user"},
	} {
		u, err := account.SignUp(ctx, db, in(tc.email, ""), box.v)
		if tc.username == "" {
			if tc.email == "Eva@Other.example" {
				if err != nil {
					t.Fatalf("sign up %s: %v", tc.email, err)
				}
				continue
			}
			wantProblem(t, "the same email again", err, problem.Conflict, "email")
			continue
		}
		if err != nil || u.Username != tc.username {
			t.Fatalf("sign up %s = %q, %v; want username %q", tc.email, u.Username, err, tc.username)
		}
	}
	if u, err := account.UserByEmail(ctx, db, "eva@other.example"); err != nil || u.Username != "eva-2" {
		t.Fatalf("second eva = %+v, %v", u, err)
	}
	// Every sign-up's verification email was queued with it.
	if msgs := box.messages("eva+news@example.net"); len(msgs) != 1 || msgs[0].Subject != "Confirm your email address on laurel.test" {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestVerifyEmail(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	box := newMailbox(t, db)
	if err := account.SetSignupMode(ctx, db, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	ada, err := account.SignUp(ctx, db, account.NewSignUp{Email: "ada@example.org", Name: "Ada", Password: "long enough pw"}, box.v)
	if err != nil {
		t.Fatal(err)
	}
	msgs := box.messages("ada@example.org")
	if len(msgs) != 1 {
		t.Fatalf("%d messages to ada", len(msgs))
	}
	first := box.token("ada@example.org")
	if ok, err := account.EmailVerified(ctx, db, ada.ID); err != nil || ok {
		t.Fatalf("EmailVerified before = %v, %v", ok, err)
	}

	// Asking again at once is refused; after a while it replaces the link.
	err = account.ResendVerification(ctx, db, ada.ID, box.v)
	wantProblem(t, "resend at once", err, problem.Conflict, "email")
	if _, err := db.Exec(ctx, `UPDATE email_verification SET created_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if err := account.ResendVerification(ctx, db, ada.ID, box.v); err != nil {
		t.Fatal(err)
	}
	second := box.token("ada@example.org")
	if second == first {
		t.Fatal("the new link is the old one")
	}
	if _, err := account.VerifyEmail(ctx, db, first); !problem.Is(err, problem.NotFound) {
		t.Fatalf("a replaced link = %v, want NotFound", err)
	}
	if err := account.ResendVerification(ctx, db, ada.ID, account.Verification{}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("resend on a node without mail = %v", err)
	}

	if u, err := account.CheckVerification(ctx, db, second); err != nil || u.ID != ada.ID {
		t.Fatalf("CheckVerification = %+v, %v", u, err)
	}
	u, err := account.VerifyEmail(ctx, db, second)
	if err != nil || u.ID != ada.ID || !u.EmailVerified {
		t.Fatalf("VerifyEmail = %+v, %v", u, err)
	}
	if ok, err := account.EmailVerified(ctx, db, ada.ID); err != nil || !ok {
		t.Fatalf("EmailVerified after = %v, %v", ok, err)
	}
	// Single use.
	if _, err := account.VerifyEmail(ctx, db, second); !problem.Is(err, problem.NotFound) {
		t.Fatalf("second use = %v, want NotFound", err)
	}
	if _, err := account.CheckVerification(ctx, db, second); !problem.Is(err, problem.NotFound) {
		t.Fatalf("check after use = %v, want NotFound", err)
	}
	if err := account.ResendVerification(ctx, db, ada.ID, box.v); !problem.Is(err, problem.Conflict) {
		t.Fatalf("resend once confirmed = %v", err)
	}

	// An expired link fails, and is used up by trying.
	bob, err := account.SignUp(ctx, db, account.NewSignUp{Email: "bob@example.org", Password: "long enough pw"}, box.v)
	if err != nil {
		t.Fatal(err)
	}
	old := box.token("bob@example.org")
	if _, err := db.Exec(ctx, `UPDATE email_verification SET expires_at = now() - interval '1 second' WHERE user_id = $1`, bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := account.CheckVerification(ctx, db, old); !problem.Is(err, problem.Invalid) {
		t.Fatalf("check of an expired link = %v, want Invalid", err)
	}
	if _, err := account.VerifyEmail(ctx, db, old); !problem.Is(err, problem.Invalid) {
		t.Fatalf("an expired link = %v, want Invalid", err)
	}
	if _, err := account.VerifyEmail(ctx, db, old); !problem.Is(err, problem.NotFound) {
		t.Fatalf("an expired link tried again = %v, want NotFound", err)
	}
	if ok, _ := account.EmailVerified(ctx, db, bob.ID); ok {
		t.Fatal("an expired link confirmed the address")
	}

	// Users made by operators count as confirmed, and the flag is read
	// wherever users are.
	op, err := account.CreateUser(ctx, db, account.NewUser{Email: "op@example.org", Password: "long enough pw"})
	if err != nil || !op.EmailVerified {
		t.Fatalf("CreateUser = %+v, %v", op, err)
	}
	token, err := account.CreateToken(ctx, db, ada.ID, "t")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := account.UserByToken(ctx, db, token); err != nil || !u.EmailVerified {
		t.Fatalf("UserByToken = %+v, %v", u, err)
	}
	if u, err := account.Authenticate(ctx, db, "bob@example.org", "long enough pw"); err != nil || u.EmailVerified {
		t.Fatalf("Authenticate = %+v, %v: an unconfirmed user logs in, unconfirmed", u, err)
	}
}

// TestUnconfirmedAccountsExpire: an account whose emailed link expired
// unused goes, with its handle, so that the address's owner can sign up;
// confirmed accounts, accounts still within their link's time, and those
// of a node that sends no mail stay.
func TestUnconfirmedAccountsExpire(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	box := newMailbox(t, db)
	if err := account.SetSignupMode(ctx, db, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	up := func(email string, v account.Verification) account.User {
		t.Helper()
		u, err := account.SignUp(ctx, db, account.NewSignUp{Email: email, Password: "long enough pw"}, v)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	squatter := up("victim@example.org", box.v)
	talker := up("talker@example.org", box.v) // published something: known elsewhere
	fresh := up("fresh@example.org", box.v)
	nomail := up("nomail@example.org", account.Verification{})
	confirmed := up("owner@example.org", box.v)
	if _, err := account.VerifyEmail(ctx, db, box.token("owner@example.org")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE email_verification SET expires_at = now() - interval '1 minute' WHERE user_id = ANY($1)`,
		[]int64{squatter.ID, talker.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO outbox_activity (activity_id, actor_id, type, public, document)
		SELECT 'https://laurel.test/a/1', id, 'Create', true, '{}' FROM actor WHERE username = $1`, talker.Username); err != nil {
		t.Fatal(err)
	}
	var retired []string
	n, err := account.ExpireUnconfirmed(ctx, db, func(_ context.Context, _ pgx.Tx, username string) error {
		retired = append(retired, username)
		return nil
	})
	if err != nil || n != 2 || len(retired) != 1 || retired[0] != talker.Username {
		t.Fatalf("ExpireUnconfirmed = %d %v, retired %v; want 2 gone, the actor of %s retired", n, err, retired, talker.Username)
	}
	for _, u := range []account.User{fresh, nomail, confirmed} {
		if _, err := account.UserByID(ctx, db, u.ID); err != nil {
			t.Errorf("%s went: %v", u.Email, err)
		}
	}
	owner := up("victim@example.org", box.v)
	if owner.Username != squatter.Username {
		t.Errorf("the owner got the handle %q, want the freed %q", owner.Username, squatter.Username)
	}
}

// raw returns the queued messages to addr, oldest first, as queued (their
// links not minted).
func (m *mailbox) raw(addr string) []mail.Message {
	m.t.Helper()
	rows, err := m.pool.Query(context.Background(), `SELECT args FROM river_job
		WHERE kind = 'mail_send' AND args->>'to' = $1 ORDER BY id`, addr)
	if err != nil {
		m.t.Fatal(err)
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		m.t.Fatal(err)
	}
	out := make([]mail.Message, len(raws))
	for i, raw := range raws {
		var args mail.SendArgs
		if err := json.Unmarshal(raw, &args); err != nil {
			m.t.Fatal(err)
		}
		out[i] = args.Message
	}
	return out
}
