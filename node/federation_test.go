package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// peer is a running node with one organisation and an API token of a
// member of it.
type peer struct {
	node  *node.Node
	pool  *pgxpool.Pool // the node's database, for checks and for signing as its actors
	base  string
	org   string
	token string
}

// startPeer starts a node on the loopback address ip (distinct addresses,
// as GoToSocial ignores shared inboxes on single-label hosts), with its own
// database, allowed to federate with other loopback nodes.
func startPeer(t *testing.T, ip, org, country string) *peer {
	t.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	n, err := node.Start(ctx, node.Config{
		Listen: ip + ":0", DataDir: t.TempDir(), DatabaseURL: dbURL, AllowIPs: "127.0.0.0/8", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: org, Name: strings.ToUpper(org), Country: country})
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.CreateUser(ctx, pool, account.NewUser{Email: "staff@" + org + ".example", Password: "long enough password"})
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
	return &peer{node: n, pool: pool, base: n.BaseURL().String(), org: org, token: token}
}

// api calls the peer's JSON API and decodes the answer into out.
func (p *peer) api(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+"/api/v1/orgs/"+p.org+path, body)
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s = %d %s", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

type follows struct {
	Items []struct{ Actor, State string }
}

type inbox struct {
	Items []struct {
		ID, Type, Actor string
		Activity        struct {
			Object struct{ Content string }
		}
	}
}

// eventually polls check until it holds or the deadline passes; delivery
// is asynchronous, through River.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFollowAndPost: org A follows org B on another node, B accepts
// (automatically), B posts, and A's inbox has the Note exactly once.
func TestFollowAndPost(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	bHandle := "acct:beta@" + b.node.BaseURL().Host
	bActor := b.base + "/actors/beta"
	aActor := a.base + "/actors/alpha"

	var f struct{ Actor, State string }
	if status := a.api(t, "POST", "/following", map[string]string{"target": bHandle}, &f); status != http.StatusAccepted {
		t.Fatalf("follow = %d", status)
	}
	if f.Actor != bActor || f.State != "pending" {
		t.Fatalf("follow answered %+v, want pending on %s", f, bActor)
	}
	eventually(t, "B accepted A's follow", func() bool {
		var list follows
		a.api(t, "GET", "/following", nil, &list)
		return len(list.Items) == 1 && list.Items[0].Actor == bActor && list.Items[0].State == "accepted"
	})
	var followers follows
	b.api(t, "GET", "/followers", nil, &followers)
	if len(followers.Items) != 1 || followers.Items[0].Actor != aActor || followers.Items[0].State != "accepted" {
		t.Fatalf("B's followers: %+v", followers)
	}

	var post struct{ ID string }
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "We now issue <b>ESCO-aligned</b> badges.<script>alert(1)</script>"}, &post); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	var got inbox
	eventually(t, "A received B's post", func() bool {
		got = inbox{}
		a.api(t, "GET", "/inbox", nil, &got)
		for _, item := range got.Items {
			if item.Type == "Create" {
				return true
			}
		}
		return false
	})
	// Give a duplicate delivery time to show up, then count.
	time.Sleep(500 * time.Millisecond)
	got = inbox{}
	a.api(t, "GET", "/inbox", nil, &got)
	creates := 0
	for _, item := range got.Items {
		if item.Type == "Create" {
			creates++
			if item.Actor != bActor || !strings.Contains(item.Activity.Object.Content, "<b>ESCO-aligned</b>") ||
				strings.Contains(item.Activity.Object.Content, "script") {
				t.Errorf("received %+v", item)
			}
		}
	}
	if creates != 1 {
		t.Fatalf("A's inbox has %d Creates, want exactly 1: %+v", creates, got)
	}
}
