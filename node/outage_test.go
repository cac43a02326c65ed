package node_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/pgcluster"
)

// answer is one HTTP answer, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

func getAnswer(t *testing.T, url, token string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// provisionOrg makes an organisation with a staff member and returns the
// member's API token.
func provisionOrg(t testing.TB, pool *pgxpool.Pool, slug, country string) string {
	t.Helper()
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: slug, Name: strings.ToUpper(slug), Country: country})
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.CreateUser(ctx, pool, account.NewUser{Email: "staff@" + slug + ".example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, pool, u.ID, o.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// wantUnavailable checks a 503 that tells the client to come back: with
// Retry-After, and a problem+json body (API) or a page (UI) saying the
// database is the trouble.
func wantUnavailable(t *testing.T, what string, a answer, api bool) {
	t.Helper()
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
		t.Errorf("%s: %d, Retry-After %q, want 503 with Retry-After; body %s", what, a.status, a.header.Get("Retry-After"), a.body)
	}
	ct := a.header.Get("Content-Type")
	switch {
	case api && ct != "application/problem+json":
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	case api && !strings.Contains(a.body, `"title":"Database unavailable"`):
		t.Errorf("%s: body %s does not say the database is unavailable", what, a.body)
	case !api && (!strings.HasPrefix(ct, "text/html") || !strings.Contains(a.body, "cannot reach its database")):
		t.Errorf("%s: %q page %s does not say the database is unreachable", what, ct, a.body)
	}
}

// TestPostgreSQLOutage stops the node's PostgreSQL the hard way (SIGQUIT
// to the postmaster: what pg_ctl stop -m immediate sends) and starts it
// again: meanwhile the API answers 503 problem+json, pages say so,
// /readyz fails and /livez answers; afterwards everything works again
// without restarting the node.
func TestPostgreSQLOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded PostgreSQL")
	}
	ctx := context.Background()
	// Not t.TempDir: PostgreSQL may run as another user (tests as root),
	// who must be able to enter every directory above its own.
	data, err := os.MkdirTemp("", "laurel-outage-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(data)
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	var n *node.Node
	n, err = node.Start(ctx, node.Config{Listen: "127.0.0.2:0", DataDir: data, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop(ctx)
	token := provisionOrg(t, n.Database().Pool, "alpha", "FI")
	base := n.BaseURL().String()

	if a := getAnswer(t, base+"/api/v1/me", token); a.status != http.StatusOK {
		t.Fatalf("before the outage: /api/v1/me = %d %s", a.status, a.body)
	}
	if a := getAnswer(t, base+"/readyz", ""); a.status != http.StatusOK {
		t.Fatalf("before the outage: /readyz = %d %s", a.status, a.body)
	}

	pgDir := filepath.Join(data, "pg")
	raw, err := os.ReadFile(filepath.Join(pgDir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(raw), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); syscall.Kill(pid, 0) == nil; {
		if time.Now().After(deadline) {
			t.Fatal("PostgreSQL did not stop")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Twice each: the first request may meet a pooled connection that has
	// just died, the second a refused connect.
	for range 2 {
		wantUnavailable(t, "API during the outage", getAnswer(t, base+"/api/v1/me", token), true)
		wantUnavailable(t, "page during the outage", getAnswer(t, base+"/orgs/alpha", ""), false)
	}
	if a := getAnswer(t, base+"/readyz", ""); a.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage = %d, want 503", a.status)
	}
	if a := getAnswer(t, base+"/livez", ""); a.status != http.StatusOK {
		t.Errorf("/livez during the outage = %d, want 200", a.status)
	}

	c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: pgDir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx) // the node's own Stop then stops the server, last one out
	deadline := time.Now().Add(30 * time.Second)
	for {
		a := getAnswer(t, base+"/api/v1/me", token)
		if a.status == http.StatusOK {
			break
		}
		if a.status != http.StatusServiceUnavailable {
			t.Fatalf("after the restart: /api/v1/me = %d %s, want 200 (or 503 until reconnected)", a.status, a.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: /api/v1/me still %d %s", a.status, a.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := getAnswer(t, base+"/readyz", ""); a.status != http.StatusOK {
		t.Errorf("/readyz after the restart = %d %s", a.status, a.body)
	}
}

// TestPoolExhaustedAnswers503 holds every connection of a node's pool
// and checks that a request is answered 503 with Retry-After once its
// bounded wait is over, not left hanging, and is served again once a
// connection is free.
func TestPoolExhaustedAnswers503(t *testing.T) {
	p := startPeer(t, "127.0.0.2", "alpha", "FI", func(c *node.Config) {
		c.DBMaxConns = 3
		c.DBAcquireTimeout = 500 * time.Millisecond
		// A check of its own, not reported: the test itself holds the
		// connections, on purpose.
		c.DBHoldCheck = dbpool.NewHoldCheck()
	})
	pool := p.node.Database().Pool
	ctx := context.Background()
	var held []*pgxpool.Conn
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	for len(held) < 3 {
		actx, cancel := context.WithTimeout(ctx, time.Second)
		c, err := pool.Acquire(actx)
		cancel()
		if err != nil {
			break // River holds the rest
		}
		held = append(held, c)
	}
	if s := pool.Stat(); s.AcquiredConns() != s.MaxConns() {
		t.Fatalf("%d of %d connections held", s.AcquiredConns(), s.MaxConns())
	}
	start := time.Now()
	a := getAnswer(t, p.base+"/api/v1/me", p.token)
	took := time.Since(start)
	wantUnavailable(t, "API with the pool exhausted", a, true)
	if !strings.Contains(a.body, "busy") {
		t.Errorf("body %s does not say the database is busy", a.body)
	}
	if took > 5*time.Second {
		t.Errorf("answered after %s, want about the 500 ms bound", took)
	}
	held[0].Release()
	held = held[1:]
	if a := getAnswer(t, p.base+"/api/v1/me", p.token); a.status != http.StatusOK {
		t.Errorf("with a connection free: %d %s", a.status, a.body)
	}
}
