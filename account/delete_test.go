package account_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestDeleteUser(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	base, _ := url.Parse("https://laurel.test")
	fed := federation.New(federation.Config{Base: base, Pool: db})
	box := newMailbox(t, db)

	root, err := account.CreateUser(ctx, db, account.NewUser{Email: "root@example.org", Password: "long enough pw", NodeAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "hamk", Name: "HAMK", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetSignupMode(ctx, db, account.SignupInvitation); err != nil {
		t.Fatal(err)
	}
	_, inv, err := account.CreateInvitation(ctx, db, root.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	ada, err := account.SignUp(ctx, db, account.NewSignUp{Email: "ada@example.org", Password: "analytical engine", Invitation: inv}, box.v)
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, db, ada.ID, o.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, db, ada.ID, "cli")
	if err != nil {
		t.Fatal(err)
	}
	// An invitation ada made, which outlives her.
	if _, _, err := account.CreateInvitation(ctx, db, ada.ID, "by ada"); err != nil {
		t.Fatal(err)
	}

	for _, pw := range []string{"", "difference engine"} {
		_, err := account.DeleteUser(ctx, db, ada.ID, pw, fed.DeleteActor)
		wantProblem(t, "delete with password "+pw, err, problem.Invalid, "password")
	}
	// The last admin of HAMK may not go, which would leave it with no one
	// to manage it; once Bo is one too, she may.
	if _, err := account.DeleteUser(ctx, db, ada.ID, "analytical engine", fed.DeleteActor); !problem.Is(err, problem.Conflict) || !strings.Contains(err.Error(), "HAMK") {
		t.Fatalf("deleting HAMK's last admin = %v, want a Conflict naming HAMK", err)
	}
	bo, err := account.CreateUser(ctx, db, account.NewUser{Email: "bo@example.org", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, db, bo.ID, o.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	// A failing retirement leaves everything as it was.
	boom := errors.New("boom")
	if _, err := account.DeleteUser(ctx, db, ada.ID, "analytical engine",
		func(context.Context, pgx.Tx, string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("delete with a failing retirement = %v", err)
	}
	if _, err := account.UserByID(ctx, db, ada.ID); err != nil {
		t.Fatalf("ada is gone after a failed delete: %v", err)
	}

	gone, err := account.DeleteUser(ctx, db, ada.ID, "analytical engine", fed.DeleteActor)
	if err != nil || gone.Username != "ada" {
		t.Fatalf("DeleteUser = %+v, %v", gone, err)
	}
	if _, err := account.UserByID(ctx, db, ada.ID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("ada after deletion: %v", err)
	}
	if _, err := account.Authenticate(ctx, db, "ada@example.org", "analytical engine"); !errors.Is(err, account.ErrBadCredentials) {
		t.Fatalf("ada logs in after deletion: %v", err)
	}
	if _, err := account.UserByToken(ctx, db, token); !errors.Is(err, account.ErrBadToken) {
		t.Fatalf("ada's token after deletion: %v", err)
	}
	for _, tc := range []struct{ what, query string }{
		{"memberships", `SELECT count(*) FROM membership WHERE user_id = $1`},
		{"tokens", `SELECT count(*) FROM api_token WHERE user_id = $1`},
		{"verification links", `SELECT count(*) FROM email_verification WHERE user_id = $1`},
		{"invitations naming her", `SELECT count(*) FROM signup_invitation WHERE used_by = $1 OR created_by = $1`},
		{"a live actor", `SELECT count(*) FROM actor WHERE username = 'ada' AND deleted_at IS NULL AND $1 > 0`},
	} {
		var n int
		if err := db.QueryRow(ctx, tc.query, ada.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d left (%v)", tc.what, n, err)
		}
	}
	if list, err := account.Invitations(ctx, db, 10); err != nil || len(list) != 2 || list[0].CreatedBy != "" || list[1].State(list[1].CreatedAt) != "used" {
		t.Errorf("invitations after ada's deletion = %+v, %v", list, err)
	}
	// Her handle stays taken; her email is free again.
	if err := account.SetSignupMode(ctx, db, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	again, err := account.SignUp(ctx, db, account.NewSignUp{Email: "ada@example.org", Password: "analytical engine"}, box.v)
	if err != nil || again.Username != "ada-2" {
		t.Fatalf("sign up again = %+v, %v", again, err)
	}
	if _, err := account.DeleteUser(ctx, db, ada.ID, "analytical engine", fed.DeleteActor); !problem.Is(err, problem.NotFound) {
		t.Fatalf("delete twice = %v", err)
	}

	// The last node admin stays; with another one, they may go.
	_, err = account.DeleteUser(ctx, db, root.ID, "long enough pw", fed.DeleteActor)
	wantProblem(t, "the last node admin", err, problem.Conflict, "")
	if _, err := account.CreateUser(ctx, db, account.NewUser{Email: "root2@example.org", Password: "long enough pw", NodeAdmin: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := account.DeleteUser(ctx, db, root.ID, "long enough pw", fed.DeleteActor); err != nil {
		t.Fatalf("delete a node admin who is not the last: %v", err)
	}
}
