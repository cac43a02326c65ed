package node_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/node"
)

// TestDomainPolicy: node A's admin blocks node B through the API, after
// which B's Follow is refused at A's inbox and A cannot follow B without
// sending B anything; node C, in allowlist mode allowing only A, refuses
// B and federates with A.
func TestDomainPolicy(t *testing.T) {
	ctx := context.Background()
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	aHost, bHost := a.node.BaseURL().Host, b.node.BaseURL().Host
	aActor := a.base + "/actors/alpha"

	// A's node admin blocks B.
	admin, err := account.CreateUser(ctx, a.pool, account.NewUser{Email: "root@alpha.example", Password: "long enough password", NodeAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	adminToken, err := account.CreateToken(ctx, a.pool, admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := call(t, "POST", a.base+"/api/v1/admin/domain-blocks", adminToken,
		map[string]string{"host": bHost, "reason": "test"}); status != http.StatusCreated {
		t.Fatalf("block = %d %s", status, body)
	}

	// B follows A: B sends the Follow, A's inbox refuses it (403), so B
	// gives the delivery up and A records nothing.
	if status := b.api(t, "POST", "/following", map[string]string{"target": "acct:alpha@" + aHost}, nil); status != http.StatusAccepted {
		t.Fatalf("B's follow of A = %d", status)
	}
	refusedDelivery(t, b, a)

	// A follows B, by actor id or by handle: refused before any request
	// (fetch or WebFinger) reaches B.
	for _, target := range []string{b.base + "/actors/beta", "acct:beta@" + bHost} {
		t.Run("A follows "+target, func(t *testing.T) {
			before := requestsServed(t, b)
			status, body := call(t, "POST", a.base+"/api/v1/orgs/alpha/following", a.token, map[string]string{"target": target})
			if status < 400 || status > 499 || !strings.Contains(body, bHost+" is blocked") {
				t.Errorf("A's follow of blocked B = %d %s, want 4xx naming the block", status, body)
			}
			if after := requestsServed(t, b); !maps.Equal(after, before) {
				t.Errorf("B served requests while A tried to follow it, want none: before %v, after %v", before, after)
			}
			if n := count(t, a.pool, `SELECT count(*) FROM follow`); n != 0 {
				t.Errorf("A has %d follows", n)
			}
		})
	}

	// C federates only with A.
	c := startPeer(t, "127.0.0.4", "gamma", "SE", func(cfg *node.Config) { cfg.FederationMode = "allowlist" })
	if err := federation.AllowDomain(ctx, c.pool, aHost); err != nil {
		t.Fatal(err)
	}
	if status := b.api(t, "POST", "/following", map[string]string{"target": "acct:gamma@" + c.node.BaseURL().Host}, nil); status != http.StatusAccepted {
		t.Fatalf("B's follow of C = %d", status)
	}
	refusedDelivery(t, b, c)
	follow(t, a, c)
	var followers follows
	c.api(t, "GET", "/followers", nil, &followers)
	if len(followers.Items) != 1 || followers.Items[0].Actor != aActor || followers.Items[0].State != "accepted" {
		t.Errorf("C's followers: %+v, want A's org, accepted", followers)
	}
}

// refusedDelivery waits until from's delivery to to's inbox has failed,
// and checks that it failed on a 403 and that to recorded nothing.
func refusedDelivery(t *testing.T, from, to *peer) {
	t.Helper()
	var state, lastError string
	eventually(t, "the delivery to "+to.base+" failed", func() bool {
		err := from.pool.QueryRow(context.Background(), `SELECT state, last_error FROM delivery WHERE starts_with(inbox, $1)`,
			to.base+"/").Scan(&state, &lastError)
		return err == nil && state == "failed"
	})
	if !strings.Contains(lastError, "403") || !strings.Contains(lastError, "blocked") {
		t.Errorf("the delivery failed with %q, want a 403 naming the block", lastError)
	}
	if n := count(t, to.pool, `SELECT count(*) FROM inbox_activity`); n != 0 {
		t.Errorf("%s stored %d activities from a refused server", to.base, n)
	}
	if n := count(t, to.pool, `SELECT count(*) FROM follow`); n != 0 {
		t.Errorf("%s recorded %d follows", to.base, n)
	}
}

// call sends a JSON request with a bearer token and returns the status
// and body.
func call(t *testing.T, method, url, token string, in any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func count(t *testing.T, pool *pgxpool.Pool, query string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// peerMetricsToken reads the metrics of test peers.
const peerMetricsToken = "peer-metrics"

// requestsServed counts the requests p's HTTP server has answered, by
// route (its /metrics excepted), from its request counter.
func requestsServed(t *testing.T, p *peer) map[string]int {
	t.Helper()
	req, err := http.NewRequest("GET", p.base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+peerMetricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	served := map[string]int{}
	route := regexp.MustCompile(`route="([^"]*)"`)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		m := route.FindStringSubmatch(line)
		if !strings.HasPrefix(line, "laurel_http_requests_total{") || m == nil || m[1] == "/metrics" {
			continue
		}
		n, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		served[m[1]] += int(n)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return served
}
