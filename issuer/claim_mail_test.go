package issuer_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"

	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/mailtemplate"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

// TestClaimMailTemplates goes the whole way through a real SMTP server:
// badges issued to addresses are announced in the organisation's own
// template for the language asked for (or its base language), in its
// default template when none is asked for, and in Laurel's default text
// otherwise; each carries a working claim link, minted by the mail job.
func TestClaimMailTemplates(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	srv := smtptest.New(t)
	sender, err := mail.New(mail.Config{URL: srv.URL(), From: "badges@tuni.example"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := jobs.NewClient(db, jobs.Config{MaxWorkers: 1, FetchCooldown: 10 * time.Millisecond, Mail: sender,
		MailLinks: map[string]mail.LinkMaker{issuer.LinkClaim: issuer.ClaimLinks(db, testURLs)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(ctx)

	o := newOrg(t, db, "tuni")
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	if err != nil {
		t.Fatal(err)
	}
	fi := mailtemplate.Input{Kind: mailtemplate.KindClaim, Language: "fi", Default: true,
		Subject: "Uusi merkki: {badge} ({issuer})",
		Body:    "Hei {earner}!\n\n{issuer} myönsi sinulle merkin {badge}, voimassa {expires} asti.\nLunasta se: {claim_link}\nJulkinen sivu: {badge_page}\n"}
	sv := mailtemplate.Input{Kind: mailtemplate.KindClaim, Language: "sv",
		Subject: "Nytt märke: {badge}", Body: "Hej {earner}! Hämta det: {claim_link}"}
	for _, in := range []mailtemplate.Input{fi, sv} {
		if _, err := mailtemplate.Save(ctx, db, o.ID, in); err != nil {
			t.Fatal(err)
		}
	}

	_, err = issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{Mail: client}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "eva@example.org"}, Language: "Finnish"}})
	if p, ok := problem.As(err); !ok || p.Field != "language" {
		t.Fatalf("issue with a bad language = %v", err)
	}

	issued, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{Mail: client}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "aino@example.org", Name: "Aino"}, Language: "fi-FI"},
		{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "Stina@Example.org"}, Language: "sv"},
		{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "ed@example.org", Name: "Ed"}, Language: "en"},
		{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "eino@example.org", Name: "Eino"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(t, 4, 20*time.Second)
	byTo := map[string]smtptest.Message{}
	for _, m := range msgs {
		byTo[m.To[0]] = m
	}
	link := regexp.MustCompile(regexp.QuoteMeta(testURLs.ClaimPage("")) + `[A-Za-z0-9_-]{20,}`)
	expires := issued[0].Expires.UTC().Format(time.DateOnly)
	for _, tc := range []struct {
		to, subject string
		text        []string
	}{
		{"aino@example.org", "Uusi merkki: Project management (Org tuni)",
			[]string{"Hei Aino!", "Org tuni myönsi sinulle merkin Project management, voimassa " + expires + " asti.",
				"Julkinen sivu: " + testURLs.BadgePage(issued[0].UUID)}},
		{"stina@example.org", "Nytt märke: Project management", []string{"Hej stina@example.org! Hämta det: "}},
		// No English template: Laurel's default text.
		{"ed@example.org", `You have earned the badge "Project management" from Org tuni`,
			[]string{"Hello Ed,", "Anyone can check the badge at " + testURLs.BadgePage(issued[2].UUID)}},
		// No language asked for: the organisation's default template.
		{"eino@example.org", "Uusi merkki: Project management (Org tuni)", []string{"Hei Eino!"}},
	} {
		m, ok := byTo[tc.to]
		if !ok {
			t.Errorf("no message to %s", tc.to)
			continue
		}
		if m.Subject != tc.subject {
			t.Errorf("to %s: subject %q, want %q", tc.to, m.Subject, tc.subject)
		}
		for _, want := range tc.text {
			if !strings.Contains(m.Text, want) {
				t.Errorf("to %s: no %q in\n%s", tc.to, want, m.Text)
			}
		}
		if !link.MatchString(m.Text) || strings.Contains(m.Text, mail.LinkPlaceholder) {
			t.Errorf("to %s: no claim link in\n%s", tc.to, m.Text)
		}
	}
	// The link in the custom mail claims the badge.
	token := strings.TrimPrefix(link.FindString(byTo["aino@example.org"].Text), testURLs.ClaimPage(""))
	a, err := issuer.Claim(ctx, db, token)
	if err != nil || a.UUID != issued[0].UUID {
		t.Fatalf("claim link of the Finnish mail finds %v, %v", a.UUID, err)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d messages sent", len(msgs))
	}
}

// TestClaimMailLanguage: without an organisation template, Laurel's own
// claim email is in the earner's setting when the address is a user's,
// else in the language the issuer gave, else in the node's default, and
// in English without a catalogue.
func TestClaimMailLanguage(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	srv := smtptest.New(t)
	sender, err := mail.New(mail.Config{URL: srv.URL(), From: "badges@tuni.example"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := jobs.NewClient(db, jobs.Config{MaxWorkers: 1, FetchCooldown: 10 * time.Millisecond, Mail: sender,
		MailLinks: map[string]mail.LinkMaker{issuer.LinkClaim: issuer.ClaimLinks(db, testURLs)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(ctx)
	o := newOrg(t, db, "tuni")
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	if err != nil {
		t.Fatal(err)
	}
	french, err := locale.New("fr")
	if err != nil {
		t.Fatal(err)
	}
	hooks := issuer.Hooks{Mail: client, Locale: french,
		RecipientLanguage: func(_ context.Context, _ pgx.Tx, r issuer.Recipient) (string, error) {
			if r.Identity == "aino@example.org" {
				return "fi", nil // a user of the node who reads Finnish
			}
			return "", nil
		}}
	email := func(addr, lang string) issuer.AssertionInput {
		return issuer.AssertionInput{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: addr}, Language: lang}
	}
	if _, err := issuer.Issue(ctx, db, account.NodeActor(), hooks, testURLs, o, b, []issuer.AssertionInput{
		email("aino@example.org", "sv"), email("stina@example.org", "sv"), email("zoe@example.org", "")}); err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{Mail: client}, testURLs, o, b, []issuer.AssertionInput{email("ed@example.org", "")}); err != nil {
		t.Fatal(err)
	}
	byTo := map[string]smtptest.Message{}
	for _, m := range srv.Wait(t, 4, 20*time.Second) {
		byTo[m.To[0]] = m
	}
	for _, tc := range []struct{ to, subject, text string }{
		{"aino@example.org", `Olet ansainnut merkin "Project management" myöntäjältä Org tuni`, "Kuka tahansa voi tarkistaa merkin"},
		{"stina@example.org", `Du har fått märket "Project management" av Org tuni`, "Vem som helst kan kontrollera märket"},
		{"zoe@example.org", "Vous avez obtenu le badge « Project management » de Org tuni", "Tout le monde peut vérifier le badge"},
		{"ed@example.org", `You have earned the badge "Project management" from Org tuni`, "Anyone can check the badge"},
	} {
		m := byTo[tc.to]
		if m.Subject != tc.subject || !strings.Contains(m.Text, tc.text) {
			t.Errorf("to %s: %q\n%s\nwant %q with %q", tc.to, m.Subject, m.Text, tc.subject, tc.text)
		}
	}
}
