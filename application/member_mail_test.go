package application_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/locale"
)

// TestMemberReviewersAreMailed: when an application becomes new (confirmed
// by email, or sent by an account holder), the organisation's reviewers are
// mailed the link to its page, in their own language; the admins only when
// the organisation has no reviewer, and nobody before the confirmation.
func TestMemberReviewersAreMailed(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reviewers bool // the organisation has a reviewer-role member
		mailed    []string
		notMailed []string
	}{
		{"reviewers, not admins", true, []string{"rev@makers.example"}, []string{"boss@makers.example", "maker@makers.example"}},
		{"admins when no reviewer", false, []string{"boss@makers.example"}, []string{"maker@makers.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, false)
			ctx := context.Background()
			english, err := locale.New("en")
			if err != nil {
				t.Fatal(err)
			}
			f.env.Locale = english
			form := f.form(t, nil)
			f.member(t, "boss@makers.example", account.RoleAdmin)
			f.member(t, "maker@makers.example", account.RoleCreator)
			if tc.reviewers {
				rev := f.member(t, "rev@makers.example", account.RoleReviewer)
				if err := account.SetLanguage(ctx, f.db, rev.ID, "fi"); err != nil {
					t.Fatal(err)
				}
			}

			// By email: nothing to the reviewers until it is confirmed.
			a, err := application.Apply(ctx, f.db, f.env, form.Token, submission("ada@example.org", "Ada"))
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range append(tc.mailed, tc.notMailed...) {
				if got := f.mails(t, to); len(got) != 0 {
					t.Fatalf("%s was mailed %q before the application was confirmed", to, got[0].Subject)
				}
			}
			link, err := links(f.db)[application.LinkConfirm](ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a, err = application.Confirm(ctx, f.db, f.env, token(t, link)); err != nil {
				t.Fatal(err)
			}

			// By an account holder: new at once.
			bob := f.member(t, "bob@example.org", "")
			s := submission("", "Bob")
			s.UserID = bob.ID
			b, err := application.Apply(ctx, f.db, f.env, form.Token, s)
			if err != nil {
				t.Fatal(err)
			}

			page := func(uuid string) string { return "http://127.0.0.2:8080/applications/" + uuid }
			for _, to := range tc.mailed {
				got := f.mails(t, to)
				if len(got) != 2 {
					t.Fatalf("%s got %d mails, want one for each of the 2 applications", to, len(got))
				}
				subject, says := `New application for "Robot builder"`, "Ada applied to Makers Guild"
				if to == "rev@makers.example" {
					subject, says = `Uusi hakemus: "Robot builder"`, "Ada haki organisaatiolta Makers Guild"
				}
				for i, app := range []application.Application{a, b} {
					m := got[i]
					if m.Subject != subject || !strings.Contains(m.Text, page(app.UUID)) {
						t.Errorf("mail %d to %s: %q\n%s\nwant %q with the link %s", i, to, m.Subject, m.Text, subject, page(app.UUID))
					}
				}
				if !strings.Contains(got[0].Text, says) {
					t.Errorf("mail to %s does not say %q:\n%s", to, says, got[0].Text)
				}
			}
			// A reviewer applying is not asked to review their own application.
			if tc.reviewers {
				rev, err := account.UserByEmail(ctx, f.db, "rev@makers.example")
				if err != nil {
					t.Fatal(err)
				}
				s := submission("", "")
				s.UserID = rev.ID
				own, err := application.Apply(ctx, f.db, f.env, form.Token, s)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range f.mails(t, "rev@makers.example") {
					if strings.Contains(m.Text, page(own.UUID)) && strings.HasPrefix(m.Subject, "Uusi hakemus") {
						t.Errorf("the reviewer was asked to review their own application:\n%s", m.Text)
					}
				}
			}
			for _, to := range tc.notMailed {
				if got := f.mails(t, to); len(got) != 0 {
					t.Errorf("%s was mailed %q, but does not review here", to, got[0].Subject)
				}
			}
		})
	}
}
