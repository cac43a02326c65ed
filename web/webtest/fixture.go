// Package webtest is the fixture of the web tests: a running node on a
// throwaway database with one organisation, a staff member, a node admin and
// an API token (StartNode), and the requests the tests make of it (Login,
// Do, Post, Page, API …). The tests of web and of its handler packages use
// it from outside, over HTTP, as a browser or an API client would.
package webtest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

// Fixture is a running node with one organisation, a staff member, a node
// admin, and an API token for the staff member.
type Fixture struct {
	Base   string
	Pool   *pgxpool.Pool
	Staff  account.User
	Admin  account.User
	Token  string
	Org    issuer.Organisation
	Client *http.Client // no cookies, no redirects followed
	Node   *node.Node
	Cfg    node.Config // the node's, for a second process on its database
}

const Password = "correct horse battery"

func StartNode(t *testing.T, options ...func(*node.Config)) *Fixture {
	t.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	cfg := node.Config{
		Listen:       "127.0.0.1:0",
		DataDir:      t.TempDir(),
		DatabaseURL:  dbURL,
		MaxBodyBytes: 64 << 10,
		AllowIPs:     "127.0.0.0/8", // the verifier fetches this node's own badges
	}
	for _, o := range options {
		o(&cfg)
	}
	n, err := node.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	f := &Fixture{Base: n.BaseURL().String(), Pool: pool, Client: NoRedirects(nil), Node: n, Cfg: cfg}
	f.Org, err = issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: "tampere-uni", Name: "Tampere University", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	f.Staff, err = account.CreateUser(ctx, pool, account.NewUser{Email: "staff@example.org", Name: "Sara Staff", Password: Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, pool, f.Staff.ID, f.Org.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	f.Admin, err = account.CreateUser(ctx, pool, account.NewUser{Email: "root@example.org", Password: Password, NodeAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Token, err = account.CreateToken(ctx, pool, f.Staff.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return f
}

func NoRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Do sends a request and returns the status and body.
func (f *Fixture) Do(t *testing.T, c *http.Client, method, path string, body io.Reader, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.Base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// Login logs in through the form and returns a client holding the session.
func (f *Fixture) Login(t *testing.T, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := NoRedirects(jar)
	form := url.Values{"email": {email}, "password": {Password}, "next": {"/network"}}
	status, _, hdr := f.Do(t, c, "POST", "/login", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/network" {
		t.Fatalf("login = %d to %q, want 303 to /network", status, hdr.Get("Location"))
	}
	return c
}
