package network_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

// settingsFields is the org settings form as the page sends it.
var settingsFields = []webtest.Field{{"name", "Tampere University"}, {"country", "FI"}, {"url", ""},
	{"email", "badges@tuni.example"}, {"description", "A university."}, {"listed", "on"}}

func TestOrganisationLogoUploadAndProfile(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	c := f.Login(t, "staff@example.org")
	form := f.Page(t, c, "/creator/tampere-uni/settings")
	webtest.Contains(t, "settings form", form, `enctype="multipart/form-data"`, `name="logo" type="file"`)
	if strings.Contains(form, `name="image" type="url"`) {
		t.Errorf("the settings still ask for a logo URL:\n%s", form)
	}

	// Not an image: the form again, naming the field, and nothing saved.
	body, hdr := webtest.MultipartForm(t, append(settingsFields[:4:4], webtest.Field{"description", "Changed."}), "logo", "logo.txt", []byte("hello, not a picture"))
	status, page, _ := f.Do(t, c, "POST", "/creator/tampere-uni/settings", body, hdr)
	if status != http.StatusBadRequest || !strings.Contains(page, "Logo: must be a PNG or SVG image") {
		t.Fatalf("text as a logo = %d:\n%s", status, page)
	}
	if o, _ := issuer.OrganisationBySlug(ctx, f.Pool, "tampere-uni"); o.Description == "Changed." || o.ImageURL != "" {
		t.Fatalf("a refused logo saved the form: %+v", o)
	}

	png := webtest.ReadBadgePNG(t)
	body, hdr = webtest.MultipartForm(t, settingsFields, "logo", "logo.png", png)
	status, _, h := f.Do(t, c, "POST", "/creator/tampere-uni/settings", body, hdr)
	if status != http.StatusSeeOther || h.Get("Location") != "/creator/tampere-uni/settings?saved=1" {
		t.Fatalf("upload = %d to %q", status, h.Get("Location"))
	}
	o, err := issuer.OrganisationBySlug(ctx, f.Pool, "tampere-uni")
	if err != nil || !strings.HasPrefix(o.ImageURL, f.Base+"/orgs/tampere-uni/logo?v=") {
		t.Fatalf("image after upload %q, %v", o.ImageURL, err)
	}
	status, got, h := f.Do(t, f.Client, "GET", strings.TrimPrefix(o.ImageURL, f.Base), nil, nil)
	if status != 200 || h.Get("Content-Type") != "image/png" || got != string(png) {
		t.Fatalf("logo = %d %s, %d bytes, want the uploaded PNG", status, h.Get("Content-Type"), len(got))
	}
	// The same picture is the issuer Profile's image and the actor's icon.
	if p := f.Hosted(t, f.Base+"/ob/issuers/tampere-uni", 200); p["image"] != o.ImageURL {
		t.Errorf("Profile image %v, want %s", p["image"], o.ImageURL)
	}
	status, actor, _ := f.Do(t, f.Client, "GET", "/actors/tampere-uni", nil, map[string]string{"Accept": "application/activity+json"})
	var doc struct {
		Icon struct{ URL string } `json:"icon"`
	}
	if status != 200 || json.Unmarshal([]byte(actor), &doc) != nil || doc.Icon.URL != o.ImageURL {
		t.Errorf("actor = %d, icon %q, want %s:\n%s", status, doc.Icon.URL, o.ImageURL, actor)
	}
	settings := f.Page(t, c, "/creator/tampere-uni/settings?saved=1")
	webtest.Contains(t, "settings with a logo", settings, `src="`+o.ImageURL, `name="remove_logo"`)

	// The public page: logo, description, badges, endorsements both ways,
	// networks and the follow form.
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{})
	l := f.SecondOrganisation(t)
	f.PostOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "key": {f.Base + "/actors/lund-uni"},
		"comment": {"A trusted partner."}}, tampereNet)
	f.PostOK(t, l.Client, lundPost+"/endorsements", url.Values{"target": {"tampere-uni"}, "key": {f.Base + "/actors/tampere-uni"},
		"comment": {"Good badges."}}, lundNet)
	page = f.Page(t, f.Client, "/orgs/tampere-uni")
	webtest.Contains(t, "Tampere's public page", page, `<img class="profile-image" src="`+o.ImageURL+`" alt="Logo of Tampere University"`,
		"A university.", `href="/ob/badges/`+b.UUID+`"`, "Team Player", "Endorsed by",
		`<a href="`+f.Base+`/actors/lund-uni"><strong>Lund University</strong></a>`, "Good badges.",
		"Endorses", `<strong>Lund University</strong></a>`, "A trusted partner.", "Not a member of a badge network.",
		`action="/orgs/tampere-uni/follow"`, "@tampere-uni@")
	lundPage := f.Page(t, f.Client, "/orgs/lund-uni")
	webtest.Contains(t, "Lund's public page", lundPage, `<a href="`+f.Base+`/actors/tampere-uni"><strong>Tampere University</strong></a>`,
		"No badges published yet.")
	// The endorser's link leads a browser to its page.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Get(f.Base + "/actors/lund-uni"); err != nil || resp.Header.Get("Location") != f.Base+"/orgs/lund-uni" {
		t.Errorf("the endorser link in a browser: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Removing the logo.
	body, hdr = webtest.MultipartForm(t, append(settingsFields, webtest.Field{"remove_logo", "on"}), "", "", nil)
	if status, _, _ := f.Do(t, c, "POST", "/creator/tampere-uni/settings", body, hdr); status != http.StatusSeeOther {
		t.Fatalf("remove the logo = %d", status)
	}
	if o, _ := issuer.OrganisationBySlug(ctx, f.Pool, "tampere-uni"); o.ImageURL != "" {
		t.Errorf("image after removing the logo: %q", o.ImageURL)
	}
	if status, _, _ := f.Do(t, f.Client, "GET", "/orgs/tampere-uni/logo", nil, nil); status != http.StatusNotFound {
		t.Errorf("logo after removing = %d, want 404", status)
	}
}

func TestOrganisationRemoteFollow(t *testing.T) {
	f := webtest.StartNode(t)
	// A Mastodon server's WebFinger answer, as mastodon.social gives it
	// (links trimmed to the ones that matter here).
	mastodon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/webfinger" || r.URL.Query().Get("resource") != "acct:alice@"+r.Host {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		host := r.Host
		_, _ = w.Write([]byte(`{"subject":"acct:alice@` + host + `","aliases":["http://` + host + `/@alice","http://` + host + `/users/alice"],
			"links":[{"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"http://` + host + `/@alice"},
			{"rel":"self","type":"application/activity+json","href":"http://` + host + `/users/alice"},
			{"rel":"http://ostatus.org/schema/1.0/subscribe","template":"http://` + host + `/authorize_interaction?uri={uri}"}]}`))
	}))
	defer mastodon.Close()
	host := strings.TrimPrefix(mastodon.URL, "http://")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(f.Base+"/orgs/tampere-uni/follow", url.Values{"handle": {"@alice@" + host}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := "http://" + host + "/authorize_interaction?uri=" + url.QueryEscape(f.Base+"/actors/tampere-uni")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("follow from Mastodon = %d to %q, want %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	for _, tc := range []struct{ handle, want string }{
		{"alice", "Your handle: must be your handle, such as name@mastodon.social"},
		{"bob@" + host, "Your handle: " + host + " does not know bob@" + host},
	} {
		status, page, _ := f.Do(t, f.Client, "POST", "/orgs/tampere-uni/follow", strings.NewReader(url.Values{"handle": {tc.handle}}.Encode()), webtest.FormPost)
		if status != http.StatusBadRequest || !strings.Contains(page, tc.want) || !regexp.MustCompile(`name="handle"[^>]*value="`+regexp.QuoteMeta(tc.handle)+`"`).MatchString(page) {
			t.Errorf("follow as %q = %d, want 400 with %q and the handle kept:\n%s", tc.handle, status, tc.want, page)
		}
	}
}
