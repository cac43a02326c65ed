package application_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/locale"
)

// TestMailLanguage: the emails of applications are in the recipient's
// language: an account holder's setting, else the node's default (the
// other tests, without a catalogue, read them in English).
func TestMailLanguage(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	swedish, err := locale.New("sv")
	if err != nil {
		t.Fatal(err)
	}
	f.env.Locale = swedish
	form := f.form(t, nil)
	if _, err := application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "rita@reviewers.example", "Rita", 0); err != nil {
		t.Fatal(err)
	}
	ada := f.member(t, "ada@example.org", "")
	if err := account.SetLanguage(ctx, f.db, ada.ID, "fi"); err != nil {
		t.Fatal(err)
	}
	reviewer := f.member(t, "rev@makers.example", account.RoleReviewer)

	s := submission("", "")
	s.UserID = ada.ID
	mine, err := application.Apply(ctx, f.db, f.env, form.Token, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := application.DecideAsMember(ctx, f.db, f.env, reviewer.ID, mine.UUID, application.Decision{Comment: "Ei robottia."}); err != nil {
		t.Fatal(err)
	}
	bob := f.apply(t, form, "bob@example.org", "Bob")
	if _, err := application.DecideAsMember(ctx, f.db, f.env, reviewer.ID, bob.UUID, application.Decision{Approve: true}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ to, subject, text string }{
		{"ada@example.org", `Hakemuksesi "Robot builder" on vastaanotettu`, "Se tarvitsee 1 arvioijan hyväksynnän."},
		{"ada@example.org", `Hakemustasi "Robot builder" ei hyväksytty`, "Arvioija kirjoitti:\n\nEi robottia."},
		{"rita@reviewers.example", `Granska en ansökan om "Robot builder"`, "ada ansökte: läs ansökan"},
		{"bob@example.org", `Bekräfta din ansökan om "Robot builder"`, "bekräfta den inom"},
		{"bob@example.org", `Din ansökan om "Robot builder" godkändes`, "Vem som helst kan kontrollera märket"},
	} {
		found := false
		var got []string
		for _, m := range f.mails(t, tc.to) {
			got = append(got, m.Subject+"\n"+m.Text)
			found = found || m.Subject == tc.subject && strings.Contains(m.Text, tc.text)
		}
		if !found {
			t.Errorf("to %s: no %q with %q among\n%s", tc.to, tc.subject, tc.text, strings.Join(got, "\n---\n"))
		}
	}
}
