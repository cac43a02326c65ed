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
	"github.com/laurelnet/laurel/web/webtest"
)

// TestAccountPasswordSessionsTokens: a person changes their password on
// /me/account (a wrong current one and a weak new one are refused, named);
// their other browser is logged out, this one stays; the old password no
// longer logs in. They make a named token, see it once, use it, see it
// listed with its last use, and revoke it; "log out everywhere" ends every
// session; the API does the same.
func TestAccountPasswordSessionsTokens(t *testing.T) {
	f := webtest.StartNode(t)
	here := f.Login(t, "staff@example.org")
	there := f.Login(t, "staff@example.org")

	for _, tc := range []struct {
		current, next, again, field string
		status                      int
	}{
		{"wrong password!", "a fresh and sturdy phrase", "a fresh and sturdy phrase", "Current password", http.StatusBadRequest},
		{webtest.Password, "password12", "password12", "New password", http.StatusBadRequest},
		{webtest.Password, "a fresh and sturdy phrase", "a fresh and sturdy phrasE", "New password again", http.StatusBadRequest},
	} {
		status, body, _ := f.Post(t, here, "/me/password", url.Values{"current_password": {tc.current}, "password": {tc.next}, "password_again": {tc.again}})
		if status != tc.status || !strings.Contains(body, tc.field+":") {
			t.Errorf("change to %q from %q = %d:\n%.300s", tc.next, tc.current, status, body)
		}
	}
	f.PostOK(t, here, "/me/password", url.Values{"current_password": {webtest.Password}, "password": {"a fresh and sturdy phrase"},
		"password_again": {"a fresh and sturdy phrase"}}, "/me/account")
	webtest.Contains(t, "account page after the change", f.Page(t, here, "/me/account"), "Your password is changed")
	if status, _, _ := f.Do(t, there, "GET", "/me/account", nil, nil); status != http.StatusSeeOther {
		t.Errorf("the other browser after the change = %d, want logged out", status)
	}
	form := url.Values{"email": {"staff@example.org"}, "password": {webtest.Password}}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/login", form); status != http.StatusUnauthorized {
		t.Errorf("the old password logs in: %d", status)
	}

	// Tokens: made with a name, shown once, listed with their last use.
	f.PostOK(t, here, "/me/tokens", url.Values{"name": {"backup script"}}, "/me/account#tokens")
	body := f.Page(t, here, "/me/account")
	secret := regexp.MustCompile(`value="(laurel_[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
	if secret == nil {
		t.Fatalf("the new token is not shown:\n%s", body)
	}
	webtest.Lacks(t, "the account page again", f.Page(t, here, "/me/account"), secret[1])
	if status, _, _ := f.Do(t, f.Client, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + secret[1]}); status != 200 {
		t.Fatalf("the new token = %d", status)
	}
	body = f.Page(t, here, "/me/account")
	webtest.Contains(t, "the token listed", body, "backup script", " UTC</time>")
	revoke := regexp.MustCompile(`action="(/me/tokens/\d+/revoke)"[^>]*><button[^>]*aria-label="Revoke the token backup script"`).FindStringSubmatch(body)
	if revoke == nil {
		t.Fatalf("no revoke button for the token:\n%s", body)
	}
	f.PostOK(t, here, revoke[1], nil, "/me/account#tokens")
	if status, _, _ := f.Do(t, f.Client, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + secret[1]}); status != http.StatusUnauthorized {
		t.Errorf("a revoked token = %d, want 401", status)
	}
	if status, _, _ := f.Post(t, f.Login(t, "root@example.org"), revoke[1], nil); status != http.StatusNotFound {
		t.Errorf("revoking someone else's token = %d, want 404", status)
	}

	// The API: tokens, password, sessions.
	api := f.UserAPI(t, f.Staff)
	status, out := api("POST", "/api/v1/me/tokens", map[string]string{"name": "ci\nBcc"})
	if e, _ := out["error"].(map[string]any); status != http.StatusBadRequest || e["field"] != "name" {
		t.Errorf("a token name with a line break = %d %v", status, out)
	}
	status, out = api("POST", "/api/v1/me/tokens", map[string]string{"name": "ci"})
	if status != http.StatusCreated || !strings.HasPrefix(out["token"].(string), "laurel_") || out["name"] != "ci" {
		t.Fatalf("POST /api/v1/me/tokens = %d %v", status, out)
	}
	status, out = api("GET", "/api/v1/me/tokens", nil)
	if list, _ := out["items"].([]any); status != 200 || len(list) != 3 || strings.Contains(jsonText(out), "laurel_") {
		t.Errorf("GET /api/v1/me/tokens = %d %v, want the test's, the passport test's and ci, without secrets", status, out)
	}
	if status, out := api("PUT", "/api/v1/me/password", map[string]string{"current_password": "a fresh and sturdy phrase", "password": "aaaaaaaaaa"}); status != http.StatusBadRequest {
		t.Errorf("a weak password by API = %d %v", status, out)
	}
	if status, out := api("PUT", "/api/v1/me/password", map[string]string{"current_password": "a fresh and sturdy phrase", "password": "another sturdy phrase here"}); status != http.StatusNoContent {
		t.Errorf("change by API = %d %v", status, out)
	}
	if status, _, _ := f.Do(t, here, "GET", "/me/account", nil, nil); status != http.StatusSeeOther {
		t.Errorf("a browser after the API change = %d, want logged out", status)
	}

	// Log out everywhere.
	form = url.Values{"email": {"staff@example.org"}, "password": {"another sturdy phrase here"}, "next": {"/"}}
	one, two := webtest.Visitor(), webtest.Visitor()
	for _, c := range []*http.Client{one, two} {
		if status, _, _ := f.Post(t, c, "/login", form); status != http.StatusSeeOther {
			t.Fatalf("login = %d", status)
		}
	}
	f.PostOK(t, one, "/me/sessions/end", nil, "/login")
	for i, c := range []*http.Client{one, two} {
		if status, _, _ := f.Do(t, c, "GET", "/me/account", nil, nil); status != http.StatusSeeOther {
			t.Errorf("browser %d after log out everywhere = %d, want logged out", i+1, status)
		}
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestPasswordReset goes through a forgotten password with a real SMTP
// server: the answer is the same for a known and an unknown address; the
// emailed link (kept in no job) shows a form, refuses a weak password,
// sets a strong one once and logs out every session; the old password no
// longer works; a second request within minutes sends nothing more.
func TestPasswordReset(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	old := f.Login(t, "staff@example.org")
	webtest.Contains(t, "login page", f.Page(t, webtest.Visitor(), "/login"), `href="/forgot-password"`)
	_, known, _ := f.Post(t, webtest.Visitor(), "/forgot-password", url.Values{"email": {"staff@example.org"}})
	status, unknown, _ := f.Post(t, webtest.Visitor(), "/forgot-password", url.Values{"email": {"nobody@example.org"}})
	if status != http.StatusOK || known != unknown || !strings.Contains(known, "If an account here has this address") {
		t.Fatalf("answers differ for a known and an unknown address (%d):\n%s\n---\n%s", status, known, unknown)
	}
	m := webtest.WaitForSubject(t, smtp, "Reset your password")
	f.NoLinksInMailJobs(t)
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/reset-password/[A-Za-z0-9_-]+`).FindString(m.Text)
	if m.To[0] != "staff@example.org" || link == "" {
		t.Fatalf("reset email to %v:\n%s", m.To, m.Text)
	}
	path := strings.TrimPrefix(link, f.Base)
	webtest.Contains(t, "the link's page", f.Page(t, webtest.Visitor(), path), "Choose a new password for <code>@staff</code>")
	if status, body, _ := f.Post(t, webtest.Visitor(), path, url.Values{"password": {"password12"}, "password_again": {"password12"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "too easy to guess") {
		t.Fatalf("a weak new password = %d:\n%.300s", status, body)
	}
	f.Post(t, webtest.Visitor(), "/forgot-password", url.Values{"email": {"staff@example.org"}}) // a second request, at once
	status, body, _ := f.Post(t, webtest.Visitor(), path, url.Values{"password": {"a fresh and sturdy phrase"}, "password_again": {"a fresh and sturdy phrase"}})
	if status != http.StatusOK || !strings.Contains(body, "Your password is reset") {
		t.Fatalf("reset = %d:\n%.300s", status, body)
	}
	for _, method := range []string{"GET", "POST"} {
		if status, _, _ := f.Do(t, webtest.Visitor(), method, path, nil, webtest.FormPost); status != http.StatusNotFound {
			t.Errorf("%s of a used link = %d, want 404", method, status)
		}
	}
	if status, _, _ := f.Do(t, old, "GET", "/me/account", nil, nil); status != http.StatusSeeOther {
		t.Errorf("a session from before the reset = %d, want logged out", status)
	}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/login", url.Values{"email": {"staff@example.org"}, "password": {webtest.Password}}); status != http.StatusUnauthorized {
		t.Errorf("the old password = %d, want 401", status)
	}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/login", url.Values{"email": {"staff@example.org"}, "password": {"a fresh and sturdy phrase"}, "next": {"/"}}); status != http.StatusSeeOther {
		t.Errorf("the new password = %d, want 303", status)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d emails sent, want the one link: a second request within minutes sends none", n)
	}
}

// TestEmailChange: a person asks for a new address with their password;
// the link goes to the new address (an address another account has gets
// the same answer and no email), and only opening it moves the account:
// the new address logs in, confirmed, and the old one no longer does.
func TestEmailChange(t *testing.T) {
	ctx := context.Background()
	f, smtp := webtest.StartMailingNode(t)
	c := f.Login(t, "staff@example.org")
	if status, body, _ := f.Post(t, c, "/me/email", url.Values{"email": {"sara@new.example"}, "password": {"wrong password!"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "Your password: is not your password") {
		t.Fatalf("a wrong password = %d:\n%.300s", status, body)
	}
	f.PostOK(t, c, "/me/email", url.Values{"email": {"root@example.org"}, "password": {webtest.Password}}, "/me/account")
	f.PostOK(t, c, "/me/email", url.Values{"email": {"sara@new.example"}, "password": {webtest.Password}}, "/me/account")
	webtest.Contains(t, "account page", f.Page(t, c, "/me/account"), "A link is on its way to sara@new.example", "Until then it stays staff@example.org")
	m := webtest.WaitForSubject(t, smtp, "Confirm your email address")
	f.NoLinksInMailJobs(t)
	if m.To[0] != "sara@new.example" || !strings.Contains(m.Text, "asked to use this email address") {
		t.Fatalf("the link went to %v:\n%s", m.To, m.Text)
	}
	if u, _ := account.UserByEmail(ctx, f.Pool, "staff@example.org"); u.ID != f.Staff.ID {
		t.Fatal("the address changed before the link was opened")
	}
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/verify-email/[A-Za-z0-9_-]+`).FindString(m.Text)
	path := strings.TrimPrefix(link, f.Base)
	webtest.Contains(t, "the link's page", f.Page(t, webtest.Visitor(), path), "sara@new.example")
	if status, body, _ := f.Post(t, webtest.Visitor(), path, nil); status != http.StatusOK || !strings.Contains(body, "is confirmed") {
		t.Fatalf("confirm = %d:\n%.300s", status, body)
	}
	u, err := account.UserByID(ctx, f.Pool, f.Staff.ID)
	if err != nil || u.Email != "sara@new.example" || !u.EmailVerified {
		t.Fatalf("after the link: %+v %v", u, err)
	}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/login", url.Values{"email": {"staff@example.org"}, "password": {webtest.Password}}); status != http.StatusUnauthorized {
		t.Errorf("the old address logs in: %d", status)
	}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/login", url.Values{"email": {"sara@new.example"}, "password": {webtest.Password}, "next": {"/"}}); status != http.StatusSeeOther {
		t.Errorf("the new address = %d, want 303", status)
	}
	for _, msg := range smtp.Messages() {
		if msg.To[0] == "root@example.org" {
			t.Errorf("the other account's address got an email: %q", msg.Subject)
		}
	}
}
