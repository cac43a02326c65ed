package mailtemplate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mailtemplate"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func claim(lang, subject, body string) mailtemplate.Input {
	return mailtemplate.Input{Kind: mailtemplate.KindClaim, Language: lang, Subject: subject, Body: body}
}

// TestTemplateRules: every broken field is named.
func TestTemplateRules(t *testing.T) {
	ok := "Hei {earner}! {claim_link}"
	for _, tc := range []struct {
		name  string
		in    mailtemplate.Input
		field string
	}{
		{"unknown kind", mailtemplate.Input{Kind: "digest", Language: "fi", Subject: "x", Body: ok}, "kind"},
		{"no language", claim("", "Badge", ok), "language"},
		{"not a language", claim("finnish!", "Badge", ok), "language"},
		{"no subject", claim("fi", " ", ok), "subject"},
		{"two-line subject", claim("fi", "Badge\r\nBcc: all@example.org", ok), "subject"},
		{"long subject", claim("fi", strings.Repeat("x", mailtemplate.MaxSubject+1), ok), "subject"},
		{"unknown placeholder in the subject", claim("fi", "{recipient}", ok), "subject"},
		{"the secret link in the subject", claim("fi", "Claim at {claim_link}", ok), "subject"},
		{"no body", claim("fi", "Badge", ""), "body"},
		{"long body", claim("fi", "Badge", ok+strings.Repeat("x", mailtemplate.MaxBody)), "body"},
		{"unknown placeholder in the body", claim("fi", "Badge", ok+" {link}"), "body"},
		{"no claim link", claim("fi", "Badge", "Hei {earner}, you have {badge}."), "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mailtemplate.Preview(tc.in, mailtemplate.SampleValues("Org", "https://badges.example"))
			p, isProblem := problem.As(err)
			if !isProblem || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Fatalf("Preview = %v, want a problem with %s", err, tc.field)
			}
		})
	}
}

// TestPreview: the preview fills the template with sample values, keeps
// the subject one line whatever the values hold, and the starter text
// is a valid template.
func TestPreview(t *testing.T) {
	v := mailtemplate.SampleValues("Tampere University", "https://badges.example/")
	m, err := mailtemplate.Preview(claim("fi", "Merkki {badge} – {issuer}", "Hei {earner}!\r\n\r\nLunasta: {claim_link}\nNäkyy: {badge_page}\nVoimassa {expires} asti. {{claim_link}}"), v)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Merkki Example badge – Tampere University" ||
		m.Text != "Hei Eva Example!\n\nLunasta: https://badges.example/claim/EXAMPLE-LINK\nNäkyy: "+v.BadgePage+"\nVoimassa "+v.Expires+" asti. {claim_link}" {
		t.Fatalf("preview:\n%s\n%s", m.Subject, m.Text)
	}
	v.Earner = "Eva\r\nBcc: all@example.org"
	m, err = mailtemplate.Preview(claim("fi", "Hei {earner}", "{claim_link}"), v)
	if err != nil || strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject %q, %v", m.Subject, err)
	}
	for _, kind := range mailtemplate.Kinds {
		if _, err := mailtemplate.Preview(mailtemplate.Starter(kind), v); err != nil {
			t.Errorf("starter of %s: %v", kind, err)
		}
	}
}

// TestFindByLanguage: a mail takes the organisation's template for its
// language, else for the base language, and with no language asked the
// default template; otherwise none (the sender's default text).
func TestFindByLanguage(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "tuni", Name: "Tampere University", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "other", Name: "Other", Country: "SE"})
	if err != nil {
		t.Fatal(err)
	}
	save := func(orgID int64, in mailtemplate.Input) mailtemplate.Template {
		t.Helper()
		tpl, err := mailtemplate.Save(ctx, db, orgID, in)
		if err != nil {
			t.Fatal(err)
		}
		return tpl
	}
	find := func(orgID int64, lang string) string {
		t.Helper()
		tpl, ok, err := mailtemplate.Find(ctx, db, orgID, mailtemplate.KindClaim, lang)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return "default text"
		}
		return tpl.Language
	}
	if got := find(o.ID, ""); got != "default text" {
		t.Fatalf("no templates: %s", got)
	}
	fi := save(o.ID, claim("FI", "Merkki {badge}", "Hei {earner}! {claim_link}"))
	if fi.Language != "fi" || fi.Default {
		t.Fatalf("saved %+v", fi)
	}
	save(o.ID, claim("pt-br", "Medalha {badge}", "Olá {earner}! {claim_link}"))
	save(other.ID, func() mailtemplate.Input {
		in := claim("sv", "Märke {badge}", "Hej {earner}! {claim_link}")
		in.Default = true
		return in
	}())
	for _, tc := range []struct{ lang, want string }{
		{"fi", "fi"},
		{"fi-FI", "fi"},        // the base language's
		{"pt-BR", "pt-BR"},     // written as language.Parse writes it
		{"pt", "default text"}, // a regional template does not serve the base language
		{"sv", "default text"}, // another organisation's
		{"en", "default text"},
		{"", "default text"}, // no default marked yet
	} {
		if got := find(o.ID, tc.lang); got != tc.want {
			t.Errorf("find %q = %s, want %s", tc.lang, got, tc.want)
		}
	}
	// Marking fi the default; then sv, which moves the mark.
	in := claim("fi", "Merkki {badge}", "Hei {earner}! {claim_link}")
	in.Default = true
	if fi = save(o.ID, in); !fi.Default || fi.ID != mustFind(t, db, o.ID, "fi").ID {
		t.Fatalf("saving again replaces, and marks: %+v", fi)
	}
	if got := find(o.ID, ""); got != "fi" {
		t.Fatalf("with no language: %s", got)
	}
	in = claim("sv", "Märke {badge}", "Hej {earner}! {claim_link}")
	in.Default = true
	save(o.ID, in)
	list, err := mailtemplate.List(ctx, db, o.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	defaults := 0
	for _, tpl := range list {
		if tpl.Default {
			defaults++
			if tpl.Language != "sv" {
				t.Errorf("default is %s", tpl.Language)
			}
		}
	}
	if defaults != 1 || find(o.ID, "") != "sv" || find(other.ID, "") != "sv" {
		t.Fatalf("%d defaults", defaults)
	}
	// Deleting a template gives its language back the default text.
	if err := mailtemplate.Delete(ctx, db, other.ID, fi.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("another organisation deletes it: %v", err)
	}
	if err := mailtemplate.Delete(ctx, db, o.ID, fi.UUID); err != nil {
		t.Fatal(err)
	}
	if got := find(o.ID, "fi"); got != "default text" {
		t.Fatalf("after delete: %s", got)
	}
	if _, err := mailtemplate.Get(ctx, db, o.ID, fi.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("get after delete: %v", err)
	}
}

func mustFind(t *testing.T, db mailtemplate.DB, orgID int64, lang string) mailtemplate.Template {
	t.Helper()
	tpl, ok, err := mailtemplate.Find(context.Background(), db, orgID, mailtemplate.KindClaim, lang)
	if err != nil || !ok {
		t.Fatalf("find %s: %v %v", lang, ok, err)
	}
	return tpl
}
