package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// fixture is a running node with one organisation, a staff member, a node
// admin, and an API token for the staff member.
type fixture struct {
	base   string
	pool   *pgxpool.Pool
	staff  account.User
	admin  account.User
	token  string
	org    issuer.Organisation
	client *http.Client // no cookies, no redirects followed
	node   *node.Node
	cfg    node.Config // the node's, for a second process on its database
}

const password = "correct horse battery"

func startNode(t *testing.T, options ...func(*node.Config)) *fixture {
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

	f := &fixture{base: n.BaseURL().String(), pool: pool, client: noRedirects(nil), node: n, cfg: cfg}
	f.org, err = issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: "tampere-uni", Name: "Tampere University", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	f.staff, err = account.CreateUser(ctx, pool, account.NewUser{Email: "staff@example.org", Name: "Sara Staff", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, pool, f.staff.ID, f.org.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	f.admin, err = account.CreateUser(ctx, pool, account.NewUser{Email: "root@example.org", Password: password, NodeAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.token, err = account.CreateToken(ctx, pool, f.staff.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return f
}

func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the status and body.
func (f *fixture) do(t *testing.T, c *http.Client, method, path string, body io.Reader, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, f.base+path, body)
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

func TestHealthReadinessMetrics(t *testing.T) {
	f := startNode(t, func(c *node.Config) { c.MetricsToken = "s3cret-metrics" })
	scrape := map[string]string{"Authorization": "Bearer s3cret-metrics"}
	for _, tc := range []struct {
		path, want string
		header     map[string]string
	}{
		{"/healthz", "ok", nil},
		{"/readyz", "ready", nil},
		{"/metrics", "laurel_http_requests_total", scrape},
		{"/metrics", "laurel_db_pool_total_connections", scrape},
	} {
		status, body, _ := f.do(t, f.client, "GET", tc.path, nil, tc.header)
		if status != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", tc.path, status, body, tc.want)
		}
	}
	// The request counter labels by route pattern, not the raw path.
	_, body, _ := f.do(t, f.client, "GET", "/metrics", nil, scrape)
	if !strings.Contains(body, `route="/healthz"`) {
		t.Errorf("metrics lack the /healthz route label:\n%s", body)
	}
}

// TestMetricsAccessAndLabels: /metrics answers only to the bearer token
// on the main listener, or on a listener of its own; made-up methods and
// paths do not grow it.
func TestMetricsAccessAndLabels(t *testing.T) {
	f := startNode(t, func(c *node.Config) { c.MetricsToken = "s3cret-metrics" })
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-metrics"}} {
		if status, body, _ := f.do(t, f.client, "GET", "/metrics", nil, h); status != http.StatusUnauthorized || strings.Contains(body, "laurel_http") {
			t.Errorf("GET /metrics with %v = %d %q, want 401", h, status, body)
		}
	}
	scrape := map[string]string{"Authorization": "Bearer s3cret-metrics"}
	_, before, _ := f.do(t, f.client, "GET", "/metrics", nil, scrape)
	for i := range 50 {
		method := "X" + strings.Repeat("Y", 1000) + strconv.Itoa(i)
		f.do(t, f.client, method, "/people/p"+strconv.Itoa(i), nil, nil)
		f.do(t, f.client, "GET", "/people/p"+strconv.Itoa(i), nil, nil)
		f.do(t, f.client, "GET", "/no/such/page/"+strconv.Itoa(i), nil, nil)
	}
	_, after, _ := f.do(t, f.client, "GET", "/metrics", nil, scrape)
	if strings.Contains(after, "YYYY") || strings.Contains(after, "/people/p1") || strings.Contains(after, "/no/such") {
		t.Error("a made-up method or a raw path is a label")
	}
	if !strings.Contains(after, `method="other"`) || !strings.Contains(after, `route="/people/{username}"`) {
		t.Errorf("metrics lack the other method or the route pattern:\n%s", after)
	}
	if len(after) > len(before)+8<<10 {
		t.Errorf("/metrics grew from %d to %d bytes for 100 odd requests", len(before), len(after))
	}

	// Without a token, nobody reads /metrics on the main listener; a
	// listener of its own serves them.
	g := startNode(t, func(c *node.Config) { c.MetricsListen = "127.0.0.1:0" })
	if status, _, _ := g.do(t, g.client, "GET", "/metrics", nil, scrape); status != http.StatusNotFound {
		t.Errorf("GET /metrics without a configured token = %d, want 404", status)
	}
	resp, err := http.Get("http://" + g.node.MetricsAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(own), "laurel_http_requests_total") {
		t.Errorf("GET /metrics on --metrics-listen = %d %q", resp.StatusCode, own)
	}
}

func TestAPIMe(t *testing.T) {
	f := startNode(t)
	status, body, hdr := f.do(t, f.client, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + f.token})
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
		me.Organisations[0].Slug != "tampere-uni" || me.Organisations[0].Role != "staff" || me.Organisations[0].Country != "FI" {
		t.Fatalf("unexpected /me: %+v", me)
	}
	if strings.Contains(body, "password") {
		t.Fatalf("/me leaks password data: %s", body)
	}
}

func TestAPIErrors(t *testing.T) {
	f := startNode(t)
	for _, tc := range []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no credentials", "GET", "/api/v1/me", "", 401},
		{"unknown token", "GET", "/api/v1/me", "Bearer laurel_nope", 401},
		{"not a bearer", "GET", "/api/v1/me", "Basic Zm9vOmJhcg==", 401},
		{"unknown endpoint", "GET", "/api/v1/nothing-here", "Bearer " + f.token, 404},
		{"wrong method", "PATCH", "/api/v1/me", "Bearer " + f.token, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.auth != "" {
				h["Authorization"] = tc.auth
			}
			status, body, hdr := f.do(t, f.client, tc.method, tc.path, nil, h)
			var e struct {
				Error struct {
					Status  int
					Message string
				}
			}
			if status != tc.want || hdr.Get("Content-Type") != "application/json" ||
				json.Unmarshal([]byte(body), &e) != nil || e.Error.Status != tc.want || e.Error.Message == "" {
				t.Fatalf("%s %s = %d %q, want %d with a JSON error", tc.method, tc.path, status, body, tc.want)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	f := startNode(t)
	big := strings.NewReader("email=" + strings.Repeat("a", 100<<10))
	status, _, _ := f.do(t, f.client, "POST", "/login", big, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("100 KiB login body = %d, want 413", status)
	}
}

// login logs in through the form and returns a client holding the session.
func (f *fixture) login(t *testing.T, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := noRedirects(jar)
	form := url.Values{"email": {email}, "password": {password}, "next": {"/network"}}
	status, _, hdr := f.do(t, c, "POST", "/login", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/network" {
		t.Fatalf("login = %d to %q, want 303 to /network", status, hdr.Get("Location"))
	}
	return c
}

func TestLoginLogout(t *testing.T) {
	f := startNode(t)
	anon := noRedirects(nil)
	status, _, hdr := f.do(t, anon, "GET", "/network", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login?next=%2Fnetwork" {
		t.Fatalf("anonymous GET /network = %d to %q, want a redirect to the login page", status, hdr.Get("Location"))
	}

	form := url.Values{"email": {"staff@example.org"}, "password": {"wrong password!"}}
	status, body, _ := f.do(t, anon, "POST", "/login", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusUnauthorized || !strings.Contains(body, "Wrong email or password") || !strings.Contains(body, `value="staff@example.org"`) {
		t.Fatalf("wrong password = %d, want 401 with the message and the email kept", status)
	}

	c := f.login(t, "STAFF@example.org") // emails match without regard to case
	status, body, _ = f.do(t, c, "GET", "/", nil, nil)
	if status != 200 || !strings.Contains(body, "Tampere University") || !strings.Contains(body, "Sara Staff") {
		t.Fatalf("dashboard = %d, want 200 naming the user and organisation:\n%s", status, body)
	}
	// The session also authenticates the API.
	if status, _, _ := f.do(t, c, "GET", "/api/v1/me", nil, nil); status != 200 {
		t.Fatalf("/api/v1/me with a session = %d", status)
	}

	status, _, hdr = f.do(t, c, "POST", "/logout", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/login" {
		t.Fatalf("logout = %d to %q", status, hdr.Get("Location"))
	}
	if status, _, _ := f.do(t, c, "GET", "/", nil, nil); status != http.StatusSeeOther {
		t.Fatalf("dashboard after logout = %d, want a redirect to log in", status)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	f := startNode(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		jar, _ := cookiejar.New(nil)
		form := url.Values{"email": {"staff@example.org"}, "password": {password}, "next": {next}}
		_, _, hdr := f.do(t, noRedirects(jar), "POST", "/login", strings.NewReader(form.Encode()),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if loc := hdr.Get("Location"); loc != "/" {
			t.Errorf("login with next=%q redirects to %q, want /", next, loc)
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	status, _, _ := f.do(t, c, "POST", "/logout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if status != http.StatusForbidden {
		t.Fatalf("cross-site POST /logout = %d, want 403", status)
	}
	status, _, _ = f.do(t, c, "POST", "/logout", nil, map[string]string{"Origin": "https://evil.example"})
	if status != http.StatusForbidden {
		t.Fatalf("POST /logout from another Origin = %d, want 403", status)
	}
	// The session survived both attempts.
	if status, _, _ := f.do(t, c, "GET", "/", nil, nil); status != 200 {
		t.Fatalf("dashboard after refused logouts = %d, want 200", status)
	}
}

func TestAdminPagesForNodeAdminsOnly(t *testing.T) {
	f := startNode(t)
	staff := f.login(t, "staff@example.org")
	admin := f.login(t, "root@example.org")
	for _, path := range []string{"/admin", "/admin/jobs/", "/admin/jobs/api/jobs?state=available"} {
		if status, _, _ := f.do(t, staff, "GET", path, nil, nil); status != http.StatusForbidden {
			t.Errorf("staff GET %s = %d, want 403", path, status)
		}
		if status, _, _ := f.do(t, f.client, "GET", path, nil, nil); status != http.StatusSeeOther {
			t.Errorf("anonymous GET %s = %d, want a redirect to log in", path, status)
		}
		if status, body, _ := f.do(t, admin, "GET", path, nil, nil); status != 200 {
			t.Errorf("node admin GET %s = %d: %.200s", path, status, body)
		}
	}
	_, body, _ := f.do(t, admin, "GET", "/admin", nil, nil)
	if !strings.Contains(body, "tampere-uni") {
		t.Errorf("admin page does not list the organisation")
	}
	_, body, _ = f.do(t, staff, "GET", "/", nil, nil)
	if strings.Contains(body, "Admin tools") {
		t.Errorf("staff see the Admin tools menu entry")
	}
}

func TestUnknownPage(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	status, body, hdr := f.do(t, c, "GET", "/no/such/page", nil, nil)
	if status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "There is no page at /no/such/page") {
		t.Fatalf("unknown page = %d %q", status, hdr.Get("Content-Type"))
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := startNode(t)
	form := url.Values{"email": {"staff@example.org"}, "password": {"guess guess guess"}}.Encode()
	hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for i := range 10 {
		if status, _, _ := f.do(t, f.client, "POST", "/login", strings.NewReader(form), hdr); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, status)
		}
	}
	status, body, _ := f.do(t, f.client, "POST", "/login", strings.NewReader(form), hdr)
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many attempts") {
		t.Fatalf("11th attempt within a minute = %d, want 429 with an explanation", status)
	}
}
