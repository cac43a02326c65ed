package account_test

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/web/webtest"
)

func TestAPIMe(t *testing.T) {
	f := webtest.StartNode(t)
	status, body, hdr := f.Do(t, f.Client, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + f.Token})
	if status != 200 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/v1/me = %d %s %q", status, hdr.Get("Content-Type"), body)
	}
	var me struct {
		User struct {
			Email     string `json:"email"`
			NodeAdmin bool   `json:"node_admin"`
		} `json:"user"`
		Organisations []struct {
			Slug, Name, Country, Role string
		} `json:"organisations"`
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	if me.User.Email != "staff@example.org" || me.User.NodeAdmin || len(me.Organisations) != 1 ||
		me.Organisations[0].Slug != "tampere-uni" || me.Organisations[0].Role != "creator" || me.Organisations[0].Country != "FI" {
		t.Fatalf("unexpected /me: %+v", me)
	}
	if strings.Contains(body, "password") {
		t.Fatalf("/me leaks password data: %s", body)
	}
}

func TestLoginLogout(t *testing.T) {
	f := webtest.StartNode(t)
	anon := webtest.NoRedirects(nil)
	status, _, hdr := f.Do(t, anon, "GET", "/network", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login?next=%2Fnetwork" {
		t.Fatalf("anonymous GET /network = %d to %q, want a redirect to the login page", status, hdr.Get("Location"))
	}

	form := url.Values{"email": {"staff@example.org"}, "password": {"wrong password!"}}
	status, body, _ := f.Do(t, anon, "POST", "/login", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusUnauthorized || !strings.Contains(body, "Wrong email or password") || !strings.Contains(body, `value="staff@example.org"`) {
		t.Fatalf("wrong password = %d, want 401 with the message and the email kept", status)
	}

	c := f.Login(t, "STAFF@example.org") // emails match without regard to case
	status, body, _ = f.Do(t, c, "GET", "/", nil, nil)
	if status != 200 || !strings.Contains(body, "Tampere University") || !strings.Contains(body, "Sara Staff") {
		t.Fatalf("dashboard = %d, want 200 naming the user and organisation:\n%s", status, body)
	}
	// The session also authenticates the API.
	if status, _, _ := f.Do(t, c, "GET", "/api/v1/me", nil, nil); status != 200 {
		t.Fatalf("/api/v1/me with a session = %d", status)
	}

	status, _, hdr = f.Do(t, c, "POST", "/logout", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login" {
		t.Fatalf("logout = %d to %q", status, hdr.Get("Location"))
	}
	if status, _, _ := f.Do(t, c, "GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Fatalf("dashboard after logout = %d, want a redirect to log in", status)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	f := webtest.StartNode(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		jar, _ := cookiejar.New(nil)
		form := url.Values{"email": {"staff@example.org"}, "password": {webtest.Password}, "next": {next}}
		_, _, hdr := f.Do(t, webtest.NoRedirects(jar), "POST", "/login", strings.NewReader(form.Encode()),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if loc := hdr.Get("Location"); loc != "/" {
			t.Errorf("login with next=%q redirects to %q, want /", next, loc)
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := webtest.StartNode(t)
	form := url.Values{"email": {"staff@example.org"}, "password": {"guess guess guess"}}.Encode()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for i := range 10 {
		if status, _, _ := f.Do(t, f.Client, "POST", "/login", strings.NewReader(form), hdr); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, status)
		}
	}
	status, body, _ := f.Do(t, f.Client, "POST", "/login", strings.NewReader(form), hdr)
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts") {
		t.Fatalf("11th attempt within a minute = %d, want 429 with an explanation", status)
	}
}
