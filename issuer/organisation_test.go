package issuer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestCreateOrganisation(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{
		Slug: "hamk", Name: " HAMK University ", Country: "fi", URL: "https://www.hamk.fi", Email: "badges@hamk.fi",
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "HAMK University" || o.Country != "FI" || o.ID == 0 {
		t.Fatalf("stored %+v; want the name trimmed and the country upper-cased", o)
	}
	got, err := issuer.OrganisationBySlug(ctx, db, "hamk")
	if err != nil || got != o {
		t.Fatalf("OrganisationBySlug = %+v, %v; want %+v", got, err, o)
	}
	if _, err := issuer.OrganisationBySlug(ctx, db, "nope"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("unknown slug: %v, want NotFound", err)
	}

	valid := issuer.NewOrganisation{Slug: "x", Name: "X", Country: "DE"}
	for _, tc := range []struct {
		name  string
		edit  func(*issuer.NewOrganisation)
		kind  problem.Kind
		field string
	}{
		{"taken slug", func(o *issuer.NewOrganisation) { o.Slug = "hamk" }, problem.Conflict, "slug"},
		{"upper-case slug", func(o *issuer.NewOrganisation) { o.Slug = "HAMK" }, problem.Invalid, "slug"},
		{"slug with slash", func(o *issuer.NewOrganisation) { o.Slug = "a/b" }, problem.Invalid, "slug"},
		{"empty name", func(o *issuer.NewOrganisation) { o.Name = "  " }, problem.Invalid, "name"},
		{"long name", func(o *issuer.NewOrganisation) { o.Name = strings.Repeat("n", 201) }, problem.Invalid, "name"},
		{"name with a line feed", func(o *issuer.NewOrganisation) { o.Name = "Tampere\nBcc: all@example.org" }, problem.Invalid, "name"},
		{"name with a carriage return", func(o *issuer.NewOrganisation) { o.Name = "Tampere\rUniversity" }, problem.Invalid, "name"},
		{"no country", func(o *issuer.NewOrganisation) { o.Country = "" }, problem.Invalid, "country"},
		{"not a country", func(o *issuer.NewOrganisation) { o.Country = "XX" }, problem.Invalid, "country"},
		{"a continent", func(o *issuer.NewOrganisation) { o.Country = "EU" }, problem.Invalid, "country"},
		{"three letters", func(o *issuer.NewOrganisation) { o.Country = "FIN" }, problem.Invalid, "country"},
		{"javascript url", func(o *issuer.NewOrganisation) { o.URL = "javascript:alert(1)" }, problem.Invalid, "url"},
		{"bad email", func(o *issuer.NewOrganisation) { o.Email = "not-mail" }, problem.Invalid, "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			_, err := issuer.CreateOrganisation(ctx, db, in)
			p, ok := problem.As(err)
			if !ok || p.Kind != tc.kind || p.Field != tc.field {
				t.Fatalf("got %v, want a problem of kind %d on %q", err, tc.kind, tc.field)
			}
		})
	}
	if n, _ := issuer.CountOrganisations(ctx, db); n != 1 {
		t.Fatalf("%d organisations stored, want 1", n)
	}
}
