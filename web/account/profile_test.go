package account_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/webtest"
)

// actorDoc fetches a local actor's ActivityPub document.
func actorDoc(f *webtest.Fixture, t *testing.T, username string) (int, map[string]any) {
	t.Helper()
	status, body, _ := f.Do(t, f.Client, "GET", "/actors/"+username, nil, map[string]string{"Accept": "application/activity+json"})
	var doc map[string]any
	_ = json.Unmarshal([]byte(body), &doc)
	return status, doc
}

// TestProfile: a person fills in their profile; their page and their
// actor show it to everyone while it is public, and to this node's users
// only (the handle alone to others) once it is not.
func TestProfile(t *testing.T) {
	f := webtest.StartNode(t)
	sara := f.Login(t, "staff@example.org")
	webtest.Contains(t, "profile form", f.Page(t, sara, "/me/profile"), `name="links[4].url"`, `value="Sara Staff"`, "@staff@")
	if strings.Contains(f.Page(t, sara, "/me/profile"), "Confirm your email") {
		t.Error("a user made by the operator is asked to confirm the address")
	}

	form := url.Values{
		"name": {"Sara Staff"}, "photo_url": {"http://127.0.0.1/sara.png"}, "bio": {"Teaches robotics.\r\nLoves badges."},
		"links[0].label": {"Blog"}, "links[0].url": {"https://blog.example/sara"},
		"links[1].url": {"https://code.example/sara"},
		"visibility":   {"public"}, "show_badges": {"on"}, "searchable": {"on"},
	}
	status, body, _ := f.Post(t, sara, "/me/profile", form)
	if status != http.StatusBadRequest || !strings.Contains(body, "Photo URL: must be") ||
		!regexp.MustCompile(`name="photo_url"[^>]*aria-invalid="true"`).MatchString(body) ||
		!strings.Contains(body, "Teaches robotics.") || !strings.Contains(body, `value="https://code.example/sara"`) {
		t.Fatalf("a photo on a private address = %d:\n%s", status, body)
	}
	form.Set("photo_url", "https://img.example/sara.png")
	f.PostOK(t, sara, "/me/profile", form, "/me/profile?saved=1")

	anon := webtest.Visitor()
	body = f.Page(t, anon, "/people/staff")
	webtest.Contains(t, "public profile page", body, "<h1>Sara Staff</h1>", `src="https://img.example/sara.png"`,
		"Teaches robotics.\nLoves badges.", `href="https://blog.example/sara"`, ">Blog<", ">code.example<")
	if strings.Contains(body, "noindex") {
		t.Error("a public, searchable profile asks search engines to keep out")
	}
	status, doc := actorDoc(f, t, "staff")
	icon, _ := doc["icon"].(map[string]any)
	// The bio goes out as HTML (Mastodon's profile note), its Markdown in source.
	source, _ := doc["source"].(map[string]any)
	if status != http.StatusOK || doc["name"] != "Sara Staff" || doc["summary"] != "<p>Teaches robotics.<br>\nLoves badges.</p>" ||
		source["content"] != "Teaches robotics.\nLoves badges." || source["mediaType"] != "text/markdown" ||
		icon["url"] != "https://img.example/sara.png" || doc["discoverable"] != true {
		t.Fatalf("actor = %d %v", status, doc)
	}

	// For this node's users only.
	form.Set("visibility", "node")
	form.Del("searchable")
	f.PostOK(t, sara, "/me/profile", form, "/me/profile?saved=1")
	body = f.Page(t, anon, "/people/staff")
	webtest.Contains(t, "restricted profile page", body, "<h1>staff</h1>", "logged in to this node only", `<meta name="robots" content="noindex">`)
	for _, hidden := range []string{"Sara Staff", "Teaches robotics", "blog.example", "img.example"} {
		if strings.Contains(body, hidden) {
			t.Errorf("the restricted profile shows %q to a visitor", hidden)
		}
	}
	webtest.Contains(t, "restricted profile for a user of the node", f.Page(t, f.Login(t, "root@example.org"), "/people/staff"),
		"<h1>Sara Staff</h1>", "Teaches robotics.")
	status, doc = actorDoc(f, t, "staff")
	if status != http.StatusOK || doc["name"] != "staff" || doc["summary"] != nil || doc["icon"] != nil || doc["discoverable"] != false {
		t.Fatalf("actor of a restricted profile = %d %v", status, doc)
	}

	// The same on the API.
	status, out := f.API(t, "GET", "/api/v1/me/profile", nil, "")
	if status != http.StatusOK || out["public"] != false || out["bio"] != "Teaches robotics.\nLoves badges." || len(out["links"].([]any)) != 2 {
		t.Fatalf("GET profile = %d %v", status, out)
	}
	status, out = f.API(t, "PUT", "/api/v1/me/profile", map[string]any{"name": "Sara", "public": true,
		"links": []map[string]string{{"label": "x", "url": "ftp://x.example/"}}}, "")
	if status != http.StatusBadRequest || out["error"].(map[string]any)["field"] != "links[0].url" {
		t.Fatalf("PUT a bad link = %d %v", status, out)
	}
	status, out = f.API(t, "PUT", "/api/v1/me/profile", map[string]any{"name": "Sara", "public": true, "bio": "Hi."}, "")
	if status != http.StatusOK || out["name"] != "Sara" || out["bio"] != "Hi." || len(out["links"].([]any)) != 0 {
		t.Fatalf("PUT profile = %d %v", status, out)
	}
	webtest.Contains(t, "page after the API's change", f.Page(t, anon, "/people/staff"), "<h1>Sara</h1>", "Hi.")
}

// TestDeleteAccount: deleting needs the password; then the user, their
// sessions and tokens are gone, they cannot log in, and their actor is
// gone (410) — on the form and on the API. The last node admin stays.
func TestDeleteAccount(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	u, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "dora@example.org", Name: "Dora", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, u.ID, f.Org.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, f.Pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	dora, other := f.Login(t, "dora@example.org"), f.Login(t, "dora@example.org") // two devices
	sessions := func() int {
		var n int
		if err := f.Pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := sessions()

	webtest.Contains(t, "deletion form", f.Page(t, dora, "/me/delete"), `action="/me/delete"`, `name="password"`)
	status, body, _ := f.Post(t, dora, "/me/delete", url.Values{"password": {"not my password"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "Password: is not your password") {
		t.Fatalf("delete with a wrong password = %d:\n%s", status, body)
	}
	status, body, _ = f.Post(t, dora, "/me/delete", url.Values{"password": {webtest.Password}})
	if status != http.StatusOK || !strings.Contains(body, "is deleted") || strings.Contains(body, `action="/logout"`) {
		t.Fatalf("delete = %d:\n%s", status, body)
	}
	if _, err := account.UserByEmail(ctx, f.Pool, "dora@example.org"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("dora after deletion: %v", err)
	}
	if n := sessions(); n != before-2 {
		t.Errorf("%d sessions left of %d, want both of dora's gone", n, before)
	}
	for _, c := range []*http.Client{dora, other} {
		if status, _, _ := f.Do(t, c, "GET", "/", nil, nil); status != http.StatusSeeOther {
			t.Errorf("a deleted user's session still opens the dashboard: %d", status)
		}
	}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/login", url.Values{"email": {"dora@example.org"}, "password": {webtest.Password}}); status != http.StatusUnauthorized {
		t.Errorf("a deleted user logs in: %d", status)
	}
	if status, _, _ := f.Do(t, f.Client, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + token}); status != http.StatusUnauthorized {
		t.Errorf("a deleted user's token = %d", status)
	}
	if status, doc := actorDoc(f, t, u.Username); status != http.StatusGone || doc["type"] != "Tombstone" {
		t.Errorf("actor of a deleted user = %d %v", status, doc)
	}
	for _, path := range []string{"/people/" + u.Username, "/.well-known/webfinger?resource=acct:" + u.Username + "@" + strings.TrimPrefix(f.Base, "http://")} {
		if status, _, _ := f.Do(t, f.Client, "GET", path, nil, nil); status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, status)
		}
	}

	// The API: the staff member deletes themselves.
	for _, tc := range []struct {
		body  any
		field string
	}{{map[string]any{}, "password"}, {map[string]any{"password": "wrong one!"}, "password"}, {map[string]any{"pw": webtest.Password}, "pw"}} {
		status, out := f.API(t, "DELETE", "/api/v1/me", tc.body, "")
		if status != http.StatusBadRequest || out["error"].(map[string]any)["field"] != tc.field {
			t.Fatalf("DELETE /me with %v = %d %v", tc.body, status, out)
		}
	}
	if status, _ := f.API(t, "DELETE", "/api/v1/me", map[string]any{"password": webtest.Password}, ""); status != http.StatusNoContent {
		t.Fatalf("DELETE /me = %d", status)
	}
	if status, _ := f.API(t, "GET", "/api/v1/me", nil, ""); status != http.StatusUnauthorized {
		t.Fatalf("the deleted staff member's token = %d", status)
	}

	// The node's only node admin stays.
	root := f.Login(t, "root@example.org")
	status, body, _ = f.Post(t, root, "/me/delete", url.Values{"password": {webtest.Password}})
	if status != http.StatusConflict || !strings.Contains(body, "only node admin") {
		t.Fatalf("the last node admin deletes themselves = %d:\n%s", status, body)
	}
}
