package node_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

// TestFirstContactBurstAcrossTwoProcesses: 160 first-contact Follows, from
// 160 accounts on 5 other servers (GoToSocial's key documents), arrive at
// once at a node of two processes on one database behind a round-robin
// proxy. Each one makes the node fetch a key and an actor it has never
// seen; all must be answered 2xx and be accepted within 15 s (before the
// inbox resolved senders outside its transaction, 20 such Follows froze a
// node: none was answered in 30 s).
func TestFirstContactBurstAcrossTwoProcesses(t *testing.T) {
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	var addrs []string
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, l.Addr().String())
		l.Close()
	}
	public := roundRobin(t, "127.0.0.2", &url.URL{Scheme: "http", Host: addrs[0]}, &url.URL{Scheme: "http", Host: addrs[1]})
	var first *node.Node
	for _, listen := range addrs {
		n, err := node.Start(ctx, node.Config{Listen: listen, BaseURL: "http://" + public, DataDir: t.TempDir(),
			DatabaseURL: dbURL, AllowIPs: "127.0.0.0/8", Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Stop(context.Background()) })
		if first == nil {
			first = n
		}
	}
	provisionOrg(t, first.Database().Pool, "alpha", "FI")
	alpha := "http://" + public + "/actors/alpha"

	type follower struct {
		server *fakeServer
		name   string
	}
	var followers []follower
	for i := range 5 {
		s := startFakeServer(t, fmt.Sprintf("127.0.0.%d", 20+i), "gotosocial")
		for j := range 32 {
			name := fmt.Sprintf("user%d", j)
			s.addUser(name, "User "+name)
			followers = append(followers, follower{s, name})
		}
	}

	start := time.Now()
	statuses := make([]int, len(followers))
	var wg sync.WaitGroup
	for i, f := range followers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actor := f.server.actor(f.name)
			statuses[i], _ = f.server.send(f.name, "http://"+public+"/inbox", map[string]any{
				"@context": "https://www.w3.org/ns/activitystreams", "id": actor + "/follow/1", "type": "Follow",
				"actor": actor, "object": alpha})
		}()
	}
	wg.Wait()
	for i, status := range statuses {
		if status < 200 || status > 299 {
			t.Fatalf("the Follow of %s answered %d", followers[i].server.actor(followers[i].name), status)
		}
	}
	var accepted int
	if err := first.Database().Pool.QueryRow(ctx, `SELECT count(*) FROM follow WHERE followee = $1 AND state = 'accepted'`,
		alpha).Scan(&accepted); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); accepted != len(followers) || took > 15*time.Second {
		t.Fatalf("%d of %d first-contact Follows accepted after %s, want all within 15 s", accepted, len(followers), took)
	}
	t.Logf("%d first-contact Follows answered and accepted in %s", len(followers), time.Since(start).Round(time.Millisecond))
}
