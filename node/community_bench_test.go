package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
)

// BenchmarkNetworkRelay measures one post a member shares with a network
// of 1,000 member organisations on 100 nodes: from the API call until the
// network's relay (Announce) is delivered to every member server, which
// is 100 deliveries, one per shared inbox. One op is one post.
//
// Node A hosts the network and its member alpha, which shares the posts;
// the other 999 members are rows written straight into A's database
// (remote actors with a shared inbox each, accepted members), their
// servers the sink servers of BenchmarkFanOut on 127.0.3.x. The baseline
// is BenchmarkFanOut's, in the same run: the same Announce, signed afresh
// per request, POSTed to the same 100 inboxes with the delivery worker's
// concurrency, no database, no queue.
func BenchmarkNetworkRelay(b *testing.B) {
	const members, hosts = 1000, 100
	if b.N > benchMaxPosts {
		b.Fatalf("-benchtime=%dx: at most %d posts per run", b.N, benchMaxPosts)
	}
	ctx := context.Background()
	a := startBenchNode(b, "127.0.0.2", "alpha")
	u, err := account.UserByEmail(ctx, a.pool, "staff@alpha.example")
	if err != nil {
		b.Fatal(err)
	}
	o, err := issuer.OrganisationBySlug(ctx, a.pool, "alpha")
	if err != nil {
		b.Fatal(err)
	}
	if err := account.SetMembership(ctx, a.pool, u.ID, o.ID, account.RoleAdmin); err != nil {
		b.Fatal(err)
	}
	api := &http.Client{Timeout: 30 * time.Second}
	call := func(path string, in any) []byte {
		body, _ := json.Marshal(in)
		req, _ := http.NewRequest(http.MethodPost, a.base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := api.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("POST %s = %d %s", path, resp.StatusCode, raw)
		}
		return raw
	}
	call("/api/v1/orgs/alpha/networks", map[string]any{"slug": "badge-finland", "name": "Badge Finland", "countries": []string{"FI"}, "policy": "open"})
	handleBF := "badge-finland@" + a.node.BaseURL().Host
	call("/api/v1/orgs/alpha/memberships", map[string]string{"network": handleBF})
	network, err := issuer.OrganisationBySlug(ctx, a.pool, "badge-finland")
	if err != nil {
		b.Fatal(err)
	}

	snk := &sink{received: map[string]int{}}
	ids := make([]string, members-1)
	inboxes, shared := make([]string, len(ids)), make([]string, len(ids))
	for h := range hosts {
		base := serveBench(b, fmt.Sprintf("127.0.3.%d", h+1), snk)
		for i := h; i < len(ids); i += hosts {
			ids[i] = fmt.Sprintf("%s/actors/m%d", base, i)
			inboxes[i], shared[i] = ids[i]+"/inbox", base+"/inbox"
		}
	}
	if _, err := a.pool.Exec(ctx, `INSERT INTO remote_actor (id, host, username, inbox, shared_inbox, key_id, public_key_pem, document)
		SELECT id, split_part(split_part(id, '://', 2), '/', 1), 'm' || n, inbox, shared, id || '#main-key', '', '{}'
		FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(id, inbox, shared, n)`, ids, inboxes, shared); err != nil {
		b.Fatal(err)
	}
	if _, err := a.pool.Exec(ctx, `INSERT INTO community_member (community_id, actor, name, country, state, decided_at)
		SELECT $2, id, 'Member ' || n, 'FI', 'accepted', now() FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)`, ids, network.ID); err != nil {
		b.Fatal(err)
	}
	key, err := federation.SigningKey(ctx, a.pool, "badge-finland")
	if err != nil {
		b.Fatal(err)
	}
	targets := federation.CollapseInboxes(func() []federation.InboxTarget {
		t := make([]federation.InboxTarget, len(ids))
		for i := range t {
			t[i] = federation.InboxTarget{Inbox: inboxes[i], SharedInbox: shared[i]}
		}
		return t
	}())

	var laurelTotal, baseTotal time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		call("/api/v1/orgs/alpha/network-posts", map[string]string{"network": handleBF, "content": fmt.Sprintf("Relay benchmark post %d", i)})
		var announce string
		if err := a.pool.QueryRow(ctx, `SELECT o.activity_id FROM outbox_activity o JOIN actor x ON x.id = o.actor_id
			WHERE x.username = 'badge-finland' AND o.type = 'Announce' AND o.document->'object'->>'type' = 'Create'
			ORDER BY o.id DESC LIMIT 1`).Scan(&announce); err != nil {
			b.Fatal(err)
		}
		waitDelivered(b, a.pool, announce, hosts)
		laurelTotal += time.Since(start)

		b.StopTimer()
		if exact, total := snk.counts(i + 1); exact != hosts || total != hosts*(i+1) {
			b.Fatalf("after %d posts: %d requests at the member servers, %d with exactly %d; want %d servers", i+1, total, exact, i+1, hosts)
		}
		var doc []byte
		if err := a.pool.QueryRow(ctx, `SELECT document::text FROM outbox_activity WHERE activity_id = $1`, announce).Scan(&doc); err != nil {
			b.Fatal(err)
		}
		baseTotal += baselineFanOut(b, targets, doc, a.base+"/actors/badge-finland#main-key", key)
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	laurelS, baseS := laurelTotal.Seconds()/n, baseTotal.Seconds()/n
	b.ReportMetric(hosts, "deliveries/post")
	b.ReportMetric(laurelS, "s/post")
	b.ReportMetric(baseS, "baseline_s")
	b.ReportMetric(laurelS/baseS, "x_baseline")
}
