package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestNULAndInvalidUTF8Refused: a NUL or bytes that are not UTF-8, in a
// path, a query, a form or a JSON body, are a 400 naming where they are,
// never a 500 from PostgreSQL.
func TestNULAndInvalidUTF8Refused(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	bearer := map[string]string{"Authorization": "Bearer " + f.Token}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	jsonBody := map[string]string{"Authorization": "Bearer " + f.Token, "Content-Type": "application/json"}
	adminToken, err := account.CreateToken(context.Background(), f.Pool, f.Admin.ID, "text test")
	if err != nil {
		t.Fatal(err)
	}
	adminJSON := map[string]string{"Authorization": "Bearer " + adminToken, "Content-Type": "application/json"}
	for _, tc := range []struct {
		name         string
		client       *http.Client
		method, path string
		body         string
		header       map[string]string
		field        string
	}{
		{"NUL in an organisation's path", f.Client, "GET", "/orgs/a%00b", "", nil, "path"},
		{"0xFF in a person's path", f.Client, "GET", "/people/%FF", "", nil, "path"},
		{"NUL in an issuer document's path", f.Client, "GET", "/ob/issuers/%00", "", nil, "path"},
		{"0xFF in an actor's path", f.Client, "GET", "/actors/x%FF", "", nil, "path"},
		{"NUL in WebFinger's resource", f.Client, "GET", "/.well-known/webfinger?resource=acct:a%00@x", "", nil, "resource"},
		{"0xFF in the directory's query", f.Client, "GET", "/api/v1/directory?q=%FF", "", bearer, "q"},
		{"NUL in an ESCO search", f.Client, "GET", "/api/v1/esco/search?text=robot%00", "", bearer, "text"},
		{"NUL in the login form", f.Client, "POST", "/login", "email=a%00@example.org&password=x", form, "email"},
		{"0xFF in the profile form", c, "POST", "/me/profile", "name=%FF&visibility=public", form, "name"},
		{"NUL in a link of the profile form", c, "POST", "/me/profile", "name=Sara&links%5B0%5D.url=https://a%00", form, "links[0].url"},
		{`\u0000 in the profile's JSON`, f.Client, "PUT", "/api/v1/me/profile", `{"name":"Sara\u0000"}`, jsonBody, "name"},
		{`\u0000 in a profile link's JSON`, f.Client, "PUT", "/api/v1/me/profile", `{"name":"Sara","links":[{"label":"a","url":"https://x"},{"label":"\u0000"}]}`, jsonBody, "links[1].label"},
		{"0xFF in the profile's JSON", f.Client, "PUT", "/api/v1/me/profile", "{\"bio\":\"\xff\"}", jsonBody, "bio"},
		{`\u0000 in a post`, f.Client, "POST", "/api/v1/orgs/tampere-uni/posts", `{"content":"hi\u0000"}`, jsonBody, "content"},
		{`\u0000 in an organisation`, f.Client, "PATCH", "/api/v1/orgs/tampere-uni", `{"description":"\u0000"}`, adminJSON, "description"},
		{`\u0000 in a badge`, f.Client, "POST", "/api/v1/orgs/tampere-uni/badges", `{"name":"R\u0000","description":"d"}`, jsonBody, "name"},
		{`\u0000 in an endorsement template`, f.Client, "POST", "/api/v1/orgs/tampere-uni/endorsement-templates", `{"name":"t","comment":"\u0000"}`, jsonBody, "comment"},
		{`\u0000 in a comment`, f.Client, "POST", "/api/v1/me/comments", `{"badge":"https://x.example/u/a/badges/1","content":"\u0000"}`, jsonBody, "content"},
		{`\u0000 in an endorsement`, f.Client, "POST", "/api/v1/me/endorsements", `{"badge":"https://x.example/u/a/badges/1","comment":"\u0000"}`, jsonBody, "comment"},
		{`\u0000 in a property's name`, f.Client, "PUT", "/api/v1/me/profile", `{"na\u0000me":"x"}`, jsonBody, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := f.Do(t, tc.client, tc.method, tc.path, strings.NewReader(tc.body), tc.header)
			if status != http.StatusBadRequest {
				t.Fatalf("%s %s = %d, want 400:\n%s", tc.method, tc.path, status, body)
			}
			if strings.HasPrefix(tc.path, "/api/") {
				var e struct {
					Error struct{ Field, Message string }
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Field != tc.field {
					t.Fatalf("error %s names %q, want %q", body, e.Error.Field, tc.field)
				}
				return
			}
			// Pages name the field by its label (kit.FieldLabel).
			if !strings.Contains(body, kit.FieldLabel(tc.field)+":") && !strings.Contains(body, url.QueryEscape(tc.field)) {
				t.Fatalf("the page does not name %q:\n%s", tc.field, body)
			}
		})
	}
}

// TestHEADWhereverGET: HEAD answers as GET does, without the body, on
// pages, the API, hosted documents and ActivityPub routes.
func TestHEADWhereverGET(t *testing.T) {
	f := webtest.StartNode(t)
	staff := f.Login(t, "staff@example.org")
	for _, tc := range []struct {
		path   string
		client *http.Client
		header map[string]string
	}{
		{"/healthz", f.Client, nil},
		{"/login", f.Client, nil},
		{"/", staff, nil},
		{"/orgs/tampere-uni", f.Client, nil},
		{"/ob/issuers/tampere-uni", f.Client, nil},
		{"/api/v1/openapi.json", f.Client, nil},
		{"/api/v1/me", f.Client, map[string]string{"Authorization": "Bearer " + f.Token}},
		{"/.well-known/nodeinfo", f.Client, nil},
		{"/actors/tampere-uni", f.Client, map[string]string{"Accept": "application/activity+json"}},
		{"/people/nobody", f.Client, nil},
	} {
		get, _, gh := f.Do(t, tc.client, "GET", tc.path, nil, tc.header)
		head, body, hh := f.Do(t, tc.client, "HEAD", tc.path, nil, tc.header)
		if head != get || body != "" || hh.Get("Content-Type") != gh.Get("Content-Type") {
			t.Errorf("HEAD %s = %d %q (%q), GET = %d (%q)", tc.path, head, body, hh.Get("Content-Type"), get, gh.Get("Content-Type"))
		}
	}
}

// TestActivityPubErrorsAreJSON: a body too large for an inbox, and a bad
// path asked for as ActivityStreams, answer JSON, not a page.
func TestActivityPubErrorsAreJSON(t *testing.T) {
	f := webtest.StartNode(t)
	big := strings.Repeat("x", 70<<10) // the test node takes 64 KiB
	for _, tc := range []struct {
		method, path, body string
		header             map[string]string
		status             int
	}{
		{"POST", "/actors/tampere-uni/inbox", big, map[string]string{"Content-Type": "application/activity+json"}, http.StatusRequestEntityTooLarge},
		{"POST", "/inbox", big, map[string]string{"Content-Type": "application/activity+json"}, http.StatusRequestEntityTooLarge},
		{"POST", "/inbox", big, nil, http.StatusRequestEntityTooLarge},
		{"GET", "/actors/x%00", "", map[string]string{"Accept": "application/activity+json"}, http.StatusBadRequest},
		{"GET", "/.well-known/webfinger?resource=%FF", "", nil, http.StatusBadRequest},
	} {
		status, body, h := f.Do(t, f.Client, tc.method, tc.path, strings.NewReader(tc.body), tc.header)
		var e map[string]any
		if status != tc.status || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(body), &e) != nil {
			t.Errorf("%s %s = %d %q %.200s, want %d in JSON", tc.method, tc.path, status, h.Get("Content-Type"), body, tc.status)
		}
	}
}
