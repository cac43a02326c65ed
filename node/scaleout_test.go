package node_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

// roundRobin is the load balancer of a node on several processes, as
// docs/SCALING.md configures nginx: requests go to each process in turn,
// with Host kept (signatures cover it) and the client address forwarded.
func roundRobin(t *testing.T, ip string, backends ...*url.URL) string {
	t.Helper()
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backends[next.Add(1)%uint64(len(backends))])
		r.Out.Host = r.In.Host
		r.SetXForwarded()
	}}
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// TestTwoProcessesOneDatabase runs one node as two processes' servers on
// one database behind a round-robin proxy: a session made on one is good
// on the other, a remote server follows the node through the proxy, and
// posts made through one process are delivered by both processes' River
// workers, each post exactly once.
func TestTwoProcessesOneDatabase(t *testing.T) {
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	// The proxy's address is the node's one public URL; the processes
	// listen on addresses of their own.
	l1, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	l2, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	addr1, addr2 := l1.Addr().String(), l2.Addr().String()
	l1.Close()
	l2.Close()
	public := roundRobin(t, "127.0.0.2", &url.URL{Scheme: "http", Host: addr1}, &url.URL{Scheme: "http", Host: addr2})
	start := func(listen string) *node.Node {
		n, err := node.Start(ctx, node.Config{Listen: listen, BaseURL: "http://" + public, DataDir: t.TempDir(),
			DatabaseURL: dbURL, AllowIPs: "127.0.0.0/8", Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Stop(context.Background()) })
		return n
	}
	p1, p2 := start(addr1), start(addr2)
	token := provisionOrg(t, p1.Database().Pool, "alpha", "FI")

	// A session made on process 1 is one on process 2: sessions live in
	// PostgreSQL.
	noRedirect := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm("http://"+addr1+"/login",
		url.Values{"email": {"staff@alpha.example"}, "password": {"long enough password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "laurel_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("login on process 1: %d, cookie %v", resp.StatusCode, session)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr2+"/", nil)
	req.AddCookie(session)
	resp, err = noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard on process 2 with process 1's session: %d (to %s), want 200", resp.StatusCode, resp.Header.Get("Location"))
	}

	// A remote node follows alpha through the proxy.
	remote := startPeer(t, "127.0.0.3", "beta", "DE")
	follow(t, remote, &peer{node: p1, org: "alpha"})

	// Posts made through process 1 (directly, not through the proxy) are
	// delivered by whichever process's workers take the jobs; post until
	// both have completed deliveries.
	direct := &peer{base: "http://" + addr1, org: "alpha", token: token}
	pool := p1.Database().Pool
	posted := 0
	var completers int
	for round := 0; round < 10; round++ {
		for range 20 {
			if status := direct.api(t, http.MethodPost, "/posts", map[string]string{"content": fmt.Sprintf("News %d", posted)}, nil); status != http.StatusCreated {
				t.Fatalf("post through process 1 = %d", status)
			}
			posted++
		}
		eventually(t, "every post delivered", func() bool {
			var pending int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM delivery WHERE state <> 'delivered'`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			return pending == 0
		})
		// The client that completed each delivery is the last to attempt it.
		if err := pool.QueryRow(ctx, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)])
			FROM river_job WHERE kind = 'deliver' AND state = 'completed'`).Scan(&completers); err != nil {
			t.Fatal(err)
		}
		if completers == 2 {
			break
		}
	}
	if completers != 2 {
		t.Fatalf("deliveries of %d posts completed by %d process(es), want both", posted, completers)
	}
	// Each post reached the remote node, and none was sent twice.
	var received, attempts int
	if err := remote.pool.QueryRow(ctx, `SELECT count(*) FROM inbox_activity WHERE type = 'Create'`).Scan(&received); err != nil {
		t.Fatal(err)
	}
	if received != posted {
		t.Fatalf("remote node received %d Creates, want %d", received, posted)
	}
	// A repeated attempt is explained by the error of the one before it
	// (a slow answer on a loaded machine); one with none is a duplicate.
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(attempt - 1 - coalesce(array_length(errors, 1), 0)), 0)
		FROM river_job WHERE kind = 'deliver'`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 0 {
		t.Errorf("%d delivery attempts repeated with no error before them", attempts)
	}
	if !strings.HasPrefix(p2.BaseURL().String(), "http://"+public) {
		t.Fatalf("process 2's base URL %s, want the proxy's", p2.BaseURL())
	}
}
