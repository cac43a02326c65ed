package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/testkit"
)

// TestMailLanguage: the account emails (address confirmation, the notice
// of a sign-up with a taken address, password reset) are in the user's
// language setting, else in the node's default, and in English on a node
// without a catalogue.
func TestMailLanguage(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	box := newMailbox(t, db)
	swedish, err := locale.New("sv")
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetSignupMode(ctx, db, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	sv := box.v
	sv.Locale = swedish
	aino, err := account.SignUp(ctx, db, account.NewSignUp{Email: "aino@example.org", Password: "long enough pw"}, sv)
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetLanguage(ctx, db, aino.ID, "fi"); err != nil {
		t.Fatal(err)
	}
	if _, err := account.SignUp(ctx, db, account.NewSignUp{Email: "aino@example.org", Password: "long enough pw"}, sv); err == nil {
		t.Fatal("a second sign-up with the address succeeded")
	}
	if err := account.RequestPasswordReset(ctx, db, "aino@example.org", sv); err != nil {
		t.Fatal(err)
	}
	if _, err := account.SignUp(ctx, db, account.NewSignUp{Email: "ed@example.org", Password: "long enough pw"}, box.v); err != nil {
		t.Fatal(err)
	}
	if err := account.RequestPasswordReset(ctx, db, "ed@example.org", box.v); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		to, kind, subject, text string
	}{
		// A new account has no setting yet: the node's default.
		{"aino@example.org", "confirmation", "Bekräfta din e-postadress på laurel.test", "öppna den här länken inom 3 dagar"},
		{"aino@example.org", "notice", "Rekisteröityminen osoitteellasi palvelimella laurel.test", "Joku yritti rekisteröityä"},
		{"aino@example.org", "reset", "Vaihda salasanasi palvelimella laurel.test", "Valitse uusi salasana"},
		{"ed@example.org", "confirmation", "Confirm your email address on laurel.test", "open this link within 3 days"},
		{"ed@example.org", "reset", "Reset your password on laurel.test", "To choose a new password"},
	} {
		found := false
		for _, m := range box.raw(tc.to) {
			if m.Subject == tc.subject {
				found = true
				if !strings.Contains(m.Text, tc.text) {
					t.Errorf("%s to %s: no %q in\n%s", tc.kind, tc.to, tc.text, m.Text)
				}
			}
		}
		if !found {
			t.Errorf("%s to %s: no message %q among %v", tc.kind, tc.to, tc.subject, box.raw(tc.to))
		}
	}
}

// TestMemberInvitationMailLanguage: an invitation to join an organisation
// is written in the inviter's language (the invited may have no account,
// so no setting), with the role named in it, and in English by default.
func TestMemberInvitationMailLanguage(t *testing.T) {
	ctx, db, o, users := people(t)
	pool, ok := db.(*pgxpool.Pool)
	if !ok {
		t.Fatalf("the test database is a %T, not a pool", db)
	}
	box := newMailbox(t, pool)
	catalog, err := locale.New("")
	if err != nil {
		t.Fatal(err)
	}
	fi, en := box.v, box.v
	fi.Locale, fi.Language = catalog, "fi"
	en.Locale = catalog
	if _, _, err := account.InviteMember(ctx, db, o.ID, users["admin"].ID, "satu@example.org", account.RoleCreator, fi); err != nil {
		t.Fatal(err)
	}
	if _, _, err := account.InviteMember(ctx, db, o.ID, users["admin"].ID, "sam@example.org", account.RoleIssuer, en); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ to, subject, role, days string }{
		{"satu@example.org", "Liity organisaatioon " + o.Name + " palvelimella laurel.test", "roolissa luoja", "7 päivän kuluessa"},
		{"sam@example.org", "Join " + o.Name + " on laurel.test", "as an issuer", "within 7 days"},
	} {
		ms := box.raw(tc.to)
		if len(ms) != 1 {
			t.Fatalf("%d messages to %s, want 1", len(ms), tc.to)
		}
		if ms[0].Subject != tc.subject {
			t.Errorf("subject to %s = %q, want %q", tc.to, ms[0].Subject, tc.subject)
		}
		for _, want := range []string{tc.role, tc.days} {
			if !strings.Contains(ms[0].Text, want) {
				t.Errorf("mail to %s: no %q in\n%s", tc.to, want, ms[0].Text)
			}
		}
	}
}
