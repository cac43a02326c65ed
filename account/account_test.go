package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestCreateUserValidation(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	if _, err := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Password: "long enough pw"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    account.NewUser
		kind  problem.Kind
		field string
	}{
		{"no email", account.NewUser{Password: "long enough pw"}, problem.Invalid, "email"},
		{"not an email", account.NewUser{Email: "ada", Password: "long enough pw"}, problem.Invalid, "email"},
		{"display form", account.NewUser{Email: "Ada <ada@x.org>", Password: "long enough pw"}, problem.Invalid, "email"},
		{"short password", account.NewUser{Email: "b@example.org", Password: "short"}, problem.Invalid, "password"},
		{"same email, other case", account.NewUser{Email: "ADA@example.org", Password: "long enough pw"}, problem.Conflict, "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := account.CreateUser(ctx, db, tc.in)
			p, ok := problem.As(err)
			if !ok || p.Kind != tc.kind || p.Field != tc.field {
				t.Fatalf("got %v, want a problem of kind %d on %q", err, tc.kind, tc.field)
			}
		})
	}
	if n, _ := account.CountUsers(ctx, db); n != 1 {
		t.Fatalf("%d users stored, want 1: refused users must not be stored", n)
	}
}

func TestAuthenticate(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Password: "analytical engine"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := account.Authenticate(ctx, db, " Ada@Example.org ", "analytical engine")
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %+v, %v; want user %d", got, err, u.ID)
	}
	for _, tc := range []struct{ email, password string }{
		{"ada@example.org", "difference engine"},
		{"nobody@example.org", "analytical engine"},
		{"ada@example.org", ""},
	} {
		if _, err := account.Authenticate(ctx, db, tc.email, tc.password); !errors.Is(err, account.ErrBadCredentials) {
			t.Errorf("Authenticate(%q, %q) = %v, want ErrBadCredentials", tc.email, tc.password, err)
		}
	}
}

func TestTokens(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Password: "analytical engine"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, db, u.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	got, err := account.UserByToken(ctx, db, token)
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByToken = %+v, %v", got, err)
	}
	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM api_token WHERE token_hash = $1::text::bytea`, token).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the token itself is stored (%d rows, %v); only its hash may be", stored, err)
	}
	for _, bad := range []string{"", "laurel_", token + "x", "other_" + token[7:]} {
		if _, err := account.UserByToken(ctx, db, bad); !errors.Is(err, account.ErrBadToken) {
			t.Errorf("UserByToken(%q) = %v, want ErrBadToken", bad, err)
		}
	}
}

func TestMemberships(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	u, _ := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Password: "analytical engine"})
	org, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "uni", Name: "Uni", Country: "SE"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, db, u.ID, org.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, db, u.ID, org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	ms, err := account.Memberships(ctx, db, u.ID)
	if err != nil || len(ms) != 1 || ms[0].Role != account.RoleAdmin || ms[0].OrganisationID != org.ID {
		t.Fatalf("Memberships = %+v, %v; want one admin membership", ms, err)
	}
	if err := account.SetMembership(ctx, db, u.ID, org.ID, "owner"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("role owner accepted: %v", err)
	}
	// The reviewer role (badge applications) is kept by the database too.
	if err := account.SetMembership(ctx, db, u.ID, org.ID, account.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	if ms, err := account.Memberships(ctx, db, u.ID); err != nil || len(ms) != 1 || ms[0].Role != account.RoleReviewer {
		t.Fatalf("Memberships = %+v, %v; want one reviewer membership", ms, err)
	}
	if r, err := account.ParseRole("reviewer"); err != nil || r != account.RoleReviewer {
		t.Fatalf("ParseRole(reviewer) = %q, %v", r, err)
	}
}

func TestDeleteExpiredSessions(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES
		('old', '\x00', now() - interval '1 minute'), ('live', '\x00', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	n, err := account.DeleteExpiredSessions(ctx, db)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
	}
	var left string
	if err := db.QueryRow(ctx, `SELECT string_agg(token, ',') FROM sessions`).Scan(&left); err != nil || left != "live" {
		t.Fatalf("sessions left: %q, %v", left, err)
	}
}

func TestTokenUseIsNotedToTheMinute(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Password: "analytical engine"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, db, u.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() *time.Time {
		var at *time.Time
		if err := db.QueryRow(ctx, `SELECT last_used_at FROM api_token`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if lastUsed() != nil {
		t.Fatal("a new token has a last use")
	}
	if _, err := account.UserByToken(ctx, db, token); err != nil {
		t.Fatal(err)
	}
	first := lastUsed()
	if first == nil {
		t.Fatal("the first use was not noted")
	}
	if _, err := account.UserByToken(ctx, db, token); err != nil {
		t.Fatal(err)
	}
	if again := lastUsed(); !again.Equal(*first) {
		t.Fatalf("a second use within the minute wrote again: %v then %v", first, again)
	}
	if _, err := db.Exec(ctx, `UPDATE api_token SET last_used_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	stale := lastUsed()
	if _, err := account.UserByToken(ctx, db, token); err != nil {
		t.Fatal(err)
	}
	if fresh := lastUsed(); !fresh.After(*stale) {
		t.Fatalf("a use after a stale mark was not noted: %v then %v", stale, fresh)
	}
}
