package account_test

import (
	"context"
	"strings"
	"testing"

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
