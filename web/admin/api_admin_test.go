package admin_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestAdminDomainPolicyAPI manages blocks and the allowlist through the
// API: node admins may, staff get 403, anonymous callers 401.
func TestAdminDomainPolicyAPI(t *testing.T) {
	f := webtest.StartNode(t)
	adminToken, err := account.CreateToken(context.Background(), f.Pool, f.Admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	call := func(token, method, path, body string) (int, string) {
		t.Helper()
		header := map[string]string{"Content-Type": "application/json"}
		if token != "" {
			header["Authorization"] = "Bearer " + token
		}
		status, resp, _ := f.Do(t, f.Client, method, "/api/v1/admin"+path, strings.NewReader(body), header)
		return status, resp
	}

	type entry struct {
		Host, Reason string
		CreatedAt    string `json:"created_at"`
	}
	var got entry
	status, body := call(adminToken, "POST", "/domain-blocks", `{"host": "https://Spam.Example/users/x", "reason": "spam"}`)
	if err := json.Unmarshal([]byte(body), &got); status != http.StatusCreated || err != nil ||
		got.Host != "spam.example" || got.Reason != "spam" || got.CreatedAt == "" {
		t.Fatalf("block = %d %s, want 201 with the normalised entry", status, body)
	}
	if status, body := call(adminToken, "POST", "/domain-allows", `{"host": "friends.example:8443"}`); status != http.StatusCreated ||
		!strings.Contains(body, `"host": "friends.example:8443"`) {
		t.Fatalf("allow = %d %s, want 201", status, body)
	}
	var list struct{ Items []entry }
	status, body = call(adminToken, "GET", "/domain-blocks", "")
	if err := json.Unmarshal([]byte(body), &list); status != http.StatusOK || err != nil || len(list.Items) != 1 || list.Items[0].Host != "spam.example" {
		t.Fatalf("list blocks = %d %s", status, body)
	}
	list.Items = nil
	status, body = call(adminToken, "GET", "/domain-allows", "")
	if err := json.Unmarshal([]byte(body), &list); status != http.StatusOK || err != nil || len(list.Items) != 1 || list.Items[0].Host != "friends.example:8443" {
		t.Fatalf("list allows = %d %s", status, body)
	}

	// Others may not, whatever they ask; what they ask changes nothing.
	for _, tc := range []struct {
		method, path, body string
	}{
		{"GET", "/domain-blocks", ""},
		{"POST", "/domain-blocks", `{"host": "other.example"}`},
		{"DELETE", "/domain-blocks/spam.example", ""},
		{"GET", "/domain-allows", ""},
		{"POST", "/domain-allows", `{"host": "other.example"}`},
		{"DELETE", "/domain-allows/friends.example:8443", ""},
	} {
		if status, body := call(f.Token, tc.method, tc.path, tc.body); status != http.StatusForbidden || !strings.Contains(body, "node admins") {
			t.Errorf("%s %s as staff = %d %s, want 403", tc.method, tc.path, status, body)
		}
		if status, body := call("", tc.method, tc.path, tc.body); status != http.StatusUnauthorized {
			t.Errorf("%s %s anonymously = %d %s, want 401", tc.method, tc.path, status, body)
		}
	}

	// Bad input: 400 naming the field, or 404 for what is not there.
	for _, tc := range []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "/domain-blocks", `{"host": "not a host"}`, 400, "host"},
		{"POST", "/domain-blocks", `{"host": "*.example.org"}`, 400, "host"},
		{"POST", "/domain-blocks", `{}`, 400, "host"},
		{"POST", "/domain-blocks", `{"host": "a.example", "reason": "` + strings.Repeat("x", 1001) + `"}`, 400, "reason"},
		{"POST", "/domain-blocks", `{"host": "a.example", "severity": "suspend"}`, 400, "severity"},
		{"POST", "/domain-allows", `{"host": "ex_ample.org"}`, 400, "host"},
		{"DELETE", "/domain-blocks/bad_host", "", 400, "host"},
		{"DELETE", "/domain-blocks/never.example", "", 404, ""},
		{"DELETE", "/domain-allows/never.example", "", 404, ""},
	} {
		status, body := call(adminToken, tc.method, tc.path, tc.body)
		var e struct {
			Error struct{ Field string }
		}
		if err := json.Unmarshal([]byte(body), &e); status != tc.status || err != nil || e.Error.Field != tc.field {
			t.Errorf("%s %s %s = %d %s, want %d naming field %q", tc.method, tc.path, tc.body, status, body, tc.status, tc.field)
		}
	}

	// Deleting takes any spelling of the host, escaped or not.
	if status, body := call(adminToken, "DELETE", "/domain-blocks/SPAM.example.", ""); status != http.StatusNoContent {
		t.Fatalf("unblock = %d %s, want 204", status, body)
	}
	if status, body := call(adminToken, "DELETE", "/domain-allows/friends.example%3A8443", ""); status != http.StatusNoContent {
		t.Fatalf("disallow = %d %s, want 204", status, body)
	}
	for _, path := range []string{"/domain-blocks", "/domain-allows"} {
		if status, body := call(adminToken, "GET", path, ""); status != http.StatusOK || !strings.Contains(body, `"items": []`) {
			t.Errorf("GET %s after deleting = %d %s, want an empty list", path, status, body)
		}
	}
}

// TestAdminCreatesOrganisation: a node admin creates an organisation on
// /admin with an existing account as its first admin; bad input names
// its field and creates nothing; others may not.
func TestAdminCreatesOrganisation(t *testing.T) {
	f := webtest.StartNode(t)
	root := f.Login(t, "root@example.org")
	form := func(slug, name, country, admin string) url.Values {
		return url.Values{"slug": {slug}, "name": {name}, "country": {country}, "admin": {admin}}
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{form("oulu", "Oulu", "XX", "staff@example.org"), "Country:"},
		{form("tampere-uni", "Again", "FI", "staff@example.org"), "Slug:"},
		{form("oulu", "Oulu", "FI", "nobody@example.org"), "First admin: no account has the address"},
		{form("oulu", "Oulu", "FI", ""), "First admin: is required"},
	} {
		status, body, _ := f.Post(t, root, "/admin/organisations", tc.form)
		if status < 400 || status >= 500 || !strings.Contains(html.UnescapeString(body), tc.want) {
			t.Errorf("create %v = %d, want a problem with %q", tc.form, status, tc.want)
		}
	}
	if _, err := issuer.OrganisationBySlug(context.Background(), f.Pool, "oulu"); err == nil {
		t.Fatal("a failed form created the organisation")
	}
	f.PostOK(t, root, "/admin/organisations", form("oulu", "University of Oulu", "fi", "staff@example.org"), "/admin")
	webtest.Contains(t, "the admin page", f.Page(t, root, "/admin"), "University of Oulu is created; staff@example.org is its admin.", "<td>oulu</td>")
	o, err := issuer.OrganisationBySlug(context.Background(), f.Pool, "oulu")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := account.Memberships(context.Background(), f.Pool, f.Staff.ID)
	if !slices.ContainsFunc(ms, func(m account.Membership) bool { return m.OrganisationID == o.ID && m.Role == account.RoleAdmin }) {
		t.Errorf("staff's memberships %+v lack admin of oulu", ms)
	}
	if status, _, _ := f.Post(t, f.Login(t, "staff@example.org"), "/admin/organisations", form("x", "X", "FI", "staff@example.org")); status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("a non-admin creating an organisation = %d", status)
	}
}
