package account_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestProfileValidation(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Name: "Ada", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := account.ProfileOf(ctx, db, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (account.Profile{Name: "Ada", Links: []account.Link{}, Public: true, ShowBadges: true}); !reflect.DeepEqual(p, want) {
		t.Fatalf("a new user's profile = %+v, want %+v", p, want)
	}

	link := func(label, url string) account.Link { return account.Link{Label: label, URL: url} }
	six := make([]account.Link, 6)
	for i := range six {
		six[i] = link("site", "https://example.org/")
	}
	for _, tc := range []struct {
		name  string
		edit  func(*account.Profile)
		field string
	}{
		{"long name", func(p *account.Profile) { p.Name = strings.Repeat("n", 201) }, "name"},
		{"relative photo", func(p *account.Profile) { p.PhotoURL = "/me.png" }, "photo_url"},
		{"photo on another scheme", func(p *account.Profile) { p.PhotoURL = "ftp://example.org/me.png" }, "photo_url"},
		{"photo on localhost", func(p *account.Profile) { p.PhotoURL = "http://localhost/me.png" }, "photo_url"},
		{"photo on a private address", func(p *account.Profile) { p.PhotoURL = "https://192.168.1.10/me.png" }, "photo_url"},
		{"photo on loopback v6", func(p *account.Profile) { p.PhotoURL = "https://[::1]/me.png" }, "photo_url"},
		{"long bio", func(p *account.Profile) { p.Bio = strings.Repeat("é", account.MaxBioLen+1) }, "bio"},
		{"link without URL", func(p *account.Profile) { p.Links = []account.Link{link("Blog", "")} }, "links[0].url"},
		{"bad second link", func(p *account.Profile) {
			p.Links = []account.Link{link("Blog", "https://blog.example/"), link("Me", "javascript:alert(1)")}
		}, "links[1].url"},
		{"long label", func(p *account.Profile) {
			p.Links = []account.Link{link(strings.Repeat("l", 61), "https://x.example/")}
		}, "links[0].label"},
		{"six links", func(p *account.Profile) { p.Links = six }, "links"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := account.Profile{Name: "Ada"}
			tc.edit(&in)
			_, err := account.UpdateProfile(ctx, db, u.ID, in)
			wantProblem(t, tc.name, err, problem.Invalid, tc.field)
		})
	}

	in := account.Profile{
		Name: " Ada Lovelace ", PhotoURL: "https://img.example/ada.png",
		Bio:   strings.Repeat("é", account.MaxBioLen-2) + "\r\nx",
		Links: []account.Link{link("", ""), link(" Blog ", "https://blog.example/ada"), link("", "http://93.184.216.34/ada")},
		// Found in search, but shown to this node's users only.
		Public: false, ShowBadges: false, Searchable: true,
	}
	got, err := account.UpdateProfile(ctx, db, u.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	want := account.Profile{
		Name: "Ada Lovelace", PhotoURL: "https://img.example/ada.png", Bio: strings.Repeat("é", account.MaxBioLen-2) + "\nx",
		Links:  []account.Link{link("Blog", "https://blog.example/ada"), link("93.184.216.34", "http://93.184.216.34/ada")},
		Public: false, ShowBadges: false, Searchable: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %+v\nwant %+v", got, want)
	}
	if again, err := account.ProfileOf(ctx, db, u.ID); err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("read back %+v, %v", again, err)
	}
	if u2, _ := account.UserByID(ctx, db, u.ID); u2.Name != "Ada Lovelace" {
		t.Fatalf("the profile's name is not the user's: %q", u2.Name)
	}
	if got.Visible(false) || !got.Visible(true) {
		t.Fatal("a profile for this node's users is visible to the wrong people")
	}
	if _, err := account.UpdateProfile(ctx, db, u.ID+1000, want); !problem.Is(err, problem.NotFound) {
		t.Fatalf("update of no user = %v", err)
	}
}

// TestSetLanguage: the language setting keeps a supported language as its
// plain tag, clears back to the browser's choice, and refuses others
// naming the field.
func TestSetLanguage(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: "ada@example.org", Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Language != "" {
		t.Fatalf("a new user's language = %q, want none", u.Language)
	}
	for _, tc := range []struct{ set, want string }{
		{"fi", "fi"}, {"sv-FI", "sv"}, {" fr ", "fr"}, {"", ""}, {"en", "en"},
	} {
		if err := account.SetLanguage(ctx, db, u.ID, tc.set); err != nil {
			t.Fatalf("SetLanguage(%q): %v", tc.set, err)
		}
		got, err := account.UserByID(ctx, db, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Language != tc.want {
			t.Errorf("after SetLanguage(%q) the language is %q, want %q", tc.set, got.Language, tc.want)
		}
	}
	for _, bad := range []string{"de", "klingon", "x-"} {
		err := account.SetLanguage(ctx, db, u.ID, bad)
		if p, ok := problem.As(err); !ok || p.Field != "language" || p.Kind != problem.Invalid {
			t.Errorf("SetLanguage(%q) = %v, want a problem with the field language", bad, err)
		}
	}
	if err := account.SetLanguage(ctx, db, u.ID+1000, "fi"); err == nil {
		t.Error("SetLanguage of no user succeeded")
	}
}
