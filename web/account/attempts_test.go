package account_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/web/webtest"
)

// from is a client whose connections come from the loopback address ip,
// as another client machine's would.
func from(ip string) *http.Client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c := webtest.NoRedirects(jar)
	c.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

// TestLoginLimitPerAccount: wrong passwords count against the account in
// the database: tries from a second client address, and through a second
// process on the same database, share the count; once it is reached the
// right password is refused too (429), for a while; an unknown address
// is answered the same way.
func TestLoginLimitPerAccount(t *testing.T) {
	ctx := context.Background()
	f := webtest.StartNode(t)
	cfg := f.Cfg
	cfg.Listen = "127.0.0.1:0"
	second, err := node.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Stop(context.Background()) })
	bases := []string{f.Base, second.BaseURL().String()}
	login := func(c *http.Client, base, email, pw string) (int, string) {
		t.Helper()
		form := url.Values{"email": {email}, "password": {pw}, "next": {"/network"}}
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	for _, email := range []string{"staff@example.org", "nobody@example.org"} {
		for i := range account.MaxPasswordFailures {
			c := from([]string{"127.0.0.1", "127.0.0.2"}[i%2])
			if status, _ := login(c, bases[i%2], email, "wrong password!"); status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d for %s = %d, want 401", i+1, email, status)
			}
		}
		status, body := login(from("127.0.0.3"), f.Base, email, webtest.Password)
		if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many wrong passwords for this account") {
			t.Fatalf("the right password after %d wrong ones for %s = %d:\n%.300s", account.MaxPasswordFailures, email, status, body)
		}
	}
	// The window passes: the right password works again.
	if _, err := f.Pool.Exec(ctx, `UPDATE login_failure SET at = at - interval '16 minutes'`); err != nil {
		t.Fatal(err)
	}
	if status, _ := login(from("127.0.0.3"), f.Base, "staff@example.org", webtest.Password); status != http.StatusSeeOther {
		t.Fatalf("login after the window = %d, want 303", status)
	}
}

// TestDeleteMeLimited: DELETE /api/v1/me checks the password under the
// same per-account limit: after too many wrong ones the right one is
// refused with 429, and the account stays.
func TestDeleteMeLimited(t *testing.T) {
	f := webtest.StartNode(t)
	api := f.UserAPI(t, f.Staff)
	for i := range account.MaxPasswordFailures {
		if status, out := api("DELETE", "/api/v1/me", map[string]string{"password": "not my password"}); status != http.StatusBadRequest {
			t.Fatalf("wrong password %d = %d %v, want 400", i+1, status, out)
		}
	}
	if status, out := api("DELETE", "/api/v1/me", map[string]string{"password": webtest.Password}); status != http.StatusTooManyRequests {
		t.Fatalf("the right password after too many wrong ones = %d %v, want 429", status, out)
	}
	if _, err := account.UserByID(context.Background(), f.Pool, f.Staff.ID); err != nil {
		t.Fatalf("the account is gone: %v", err)
	}
}

// TestSignUpRefusesWeakPasswords: long enough is not enough; the form
// names the password and keeps what was typed.
func TestSignUpRefusesWeakPasswords(t *testing.T) {
	f := webtest.StartNode(t)
	if err := account.SetSignupMode(context.Background(), f.Pool, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"aaaaaaaaaa", "1234567890", "password12", "evaearner1"} {
		status, body, _ := f.Post(t, webtest.Visitor(), "/signup", url.Values{"email": {"eva.earner@example.org"}, "name": {"Eva Earner"}, "password": {pw}})
		if status != http.StatusBadRequest || !strings.Contains(body, "too easy to guess") || !strings.Contains(body, `value="eva.earner@example.org"`) {
			t.Errorf("sign-up with %q = %d:\n%.300s", pw, status, body)
		}
	}
}
