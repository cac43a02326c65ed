package node_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// peer is a running node with one organisation and an API token of a
// member of it.
type peer struct {
	cfg   node.Config
	node  *node.Node
	pool  *pgxpool.Pool // the node's database, for checks and for signing as its actors
	base  string
	org   string
	token string
}

// startPeer starts a node on the loopback address ip (distinct addresses,
// as GoToSocial ignores shared inboxes on single-label hosts), with its own
// database, allowed to federate with other loopback nodes. Every peer's
// pool runs with a dbpool.HoldCheck: a test fails if the node's code took
// a second connection while holding one (inside a transaction, or while
// reading rows), which under load deadlocks the pool.
func startPeer(t *testing.T, ip, org, country string, options ...func(*node.Config)) *peer {
	t.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	p := &peer{cfg: node.Config{
		Listen: ip + ":0", DataDir: t.TempDir(), DatabaseURL: dbURL, AllowIPs: "127.0.0.0/8", Version: "test",
		MetricsToken: peerMetricsToken,
	}}
	for _, o := range options {
		o(&p.cfg)
	}
	if p.cfg.DBHoldCheck == nil {
		check := dbpool.NewHoldCheck()
		p.cfg.DBHoldCheck = check
		t.Cleanup(func() {
			for _, v := range check.Violations() {
				t.Errorf("node %s took a second database connection while holding one, at:\n%s", ip, v)
			}
		})
	}
	p.start(t)
	n := p.node
	// Restarts keep the address, since ids and handles contain it.
	p.cfg.Listen = n.Addr().String()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	token := provisionOrg(t, pool, org, country)
	p.pool, p.base, p.org, p.token = pool, n.BaseURL().String(), org, token
	return p
}

// start starts (or restarts) the peer's node on its database.
func (p *peer) start(t *testing.T) {
	t.Helper()
	n, err := node.Start(context.Background(), p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.node = n
	t.Cleanup(func() { n.Stop(context.Background()) })
}

// stop stops the peer's node, as a crash of the process would, minus the
// crash: what is in the database stays.
func (p *peer) stop() { p.node.Stop(context.Background()) }

// api calls the peer's JSON API and decodes the answer into out.
func (p *peer) api(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	return p.call(t, method, "/api/v1/orgs/"+p.org+path, in, out)
}

// call calls any API path of the peer as its staff member.
func (p *peer) call(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, body)
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

// inbox is a page of the inbox listing: posts, in their current version.
type inbox struct {
	Items []struct {
		ID, Type, Actor, Content string
		ActorName                string `json:"actor_name"`
		Edited                   bool
		Attachment               []link
		Tag                      []link
	}
}

// link is a tag or an attachment in the inbox listing.
type link struct {
	Type, Href, Name string
	MediaType        string `json:"media_type"`
}

// eventually polls check until it holds or the deadline passes; delivery
// is asynchronous, through River. The deadline is generous: on a loaded
// machine a first delivery attempt can time out, and River's first retry
// comes 15-30 s later; a check that holds returns at once anyway.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
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
			if item.Type == "Note" {
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
		if item.Type == "Note" {
			creates++
			if item.Actor != bActor || !strings.Contains(item.Content, "<b>ESCO-aligned</b>") ||
				strings.Contains(item.Content, "script") {
				t.Errorf("received %+v", item)
			}
		}
	}
	if creates != 1 {
		t.Fatalf("A's inbox has %d Creates, want exactly 1: %+v", creates, got)
	}
}

// follow makes a follow b and waits until b accepted.
func follow(t *testing.T, a, b *peer) {
	t.Helper()
	target := "acct:" + b.org + "@" + b.node.BaseURL().Host
	if status := a.api(t, "POST", "/following", map[string]string{"target": target}, nil); status != http.StatusAccepted {
		t.Fatalf("follow = %d", status)
	}
	eventually(t, a.org+" follows "+b.org, func() bool {
		var list follows
		a.api(t, "GET", "/following", nil, &list)
		return len(list.Items) == 1 && list.Items[0].State == "accepted"
	})
}

// creates counts the posts in a peer's inbox listing.
func creates(t *testing.T, p *peer) int {
	t.Helper()
	var got inbox
	p.api(t, "GET", "/inbox", nil, &got)
	n := 0
	for _, item := range got.Items {
		if item.Type == "Note" {
			n++
		}
	}
	return n
}

// TestDeliverySurvivesDowntime: B posts while A is down; B itself restarts
// with the delivery still pending; once both are back the post arrives,
// exactly once. Nothing is lost because the delivery is a River job in B's
// database, written with the post.
func TestDeliverySurvivesDowntime(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	follow(t, a, b)

	a.stop()
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "Posted while alpha was down."}, nil); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	ctx := context.Background()
	eventually(t, "the first delivery attempt failed", func() bool {
		var attempts int
		err := b.pool.QueryRow(ctx, `SELECT coalesce(max(attempts), 0) FROM delivery WHERE state = 'pending'`).Scan(&attempts)
		return err == nil && attempts >= 1
	})
	b.stop() // the sender restarts mid-delivery, too
	a.start(t)
	b.start(t)
	// The retry comes after River's backoff (15-30 s after the first try).
	deadline := time.Now().Add(60 * time.Second)
	for creates(t, a) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the post never arrived")
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n := creates(t, a); n != 1 {
		t.Fatalf("alpha's inbox has %d Creates, want exactly 1", n)
	}
	var state string
	if err := b.pool.QueryRow(ctx, `SELECT d.state FROM delivery d JOIN outbox_activity o ON o.id = d.outbox_id
		WHERE o.type = 'Create'`).Scan(&state); err != nil || state != "delivered" {
		t.Fatalf("delivery state %q, %v; want delivered", state, err)
	}
}

// TestManualApprovalUnfollowAndCollections: B approves followers by hand;
// A's follow waits until B accepts it; the public collections show the
// follow and B's public post; A unfollows and B's followers are empty.
func TestManualApprovalUnfollowAndCollections(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	aActor, bActor := a.base+"/actors/alpha", b.base+"/actors/beta"
	// The federation setting is an organisation setting: for its admins.
	if _, err := b.pool.Exec(context.Background(), `UPDATE membership SET role = 'admin'`); err != nil {
		t.Fatal(err)
	}
	if status := b.api(t, "PUT", "/federation", map[string]bool{"manually_approves_followers": true}, nil); status != 200 {
		t.Fatalf("settings = %d", status)
	}
	if status := a.api(t, "POST", "/following", map[string]string{"target": bActor}, nil); status != http.StatusAccepted {
		t.Fatalf("follow = %d", status)
	}
	eventually(t, "B sees a pending follower", func() bool {
		var list follows
		b.api(t, "GET", "/followers", nil, &list)
		return len(list.Items) == 1 && list.Items[0].Actor == aActor && list.Items[0].State == "pending"
	})
	var list follows
	a.api(t, "GET", "/following", nil, &list)
	if len(list.Items) != 1 || list.Items[0].State != "pending" {
		t.Fatalf("A's following before approval: %+v", list)
	}
	if status := b.api(t, "POST", "/followers/accept", map[string]string{"actor": aActor}, nil); status != 200 {
		t.Fatalf("accept = %d", status)
	}
	if status := b.api(t, "POST", "/followers/accept", map[string]string{"actor": aActor}, nil); status != http.StatusConflict {
		t.Fatalf("accepting twice = %d, want 409", status)
	}
	eventually(t, "A's follow accepted", func() bool {
		var list follows
		a.api(t, "GET", "/following", nil, &list)
		return len(list.Items) == 1 && list.Items[0].State == "accepted"
	})
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "Hello followers"}, nil); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}

	// The public collections, as any server reads them.
	collection := func(url string) map[string]any {
		status, doc := getActivityJSON(t, url)
		if status != 200 {
			t.Fatalf("GET %s = %d", url, status)
		}
		return doc
	}
	followers := collection(bActor + "/followers")
	if followers["type"] != "OrderedCollection" || followers["totalItems"] != 1.0 || followers["first"] != bActor+"/followers?page=1" {
		t.Fatalf("followers collection: %v", followers)
	}
	page := collection(bActor + "/followers?page=1")
	if items, _ := page["orderedItems"].([]any); len(items) != 1 || items[0] != aActor || page["partOf"] != bActor+"/followers" {
		t.Fatalf("followers page: %v", page)
	}
	outbox := collection(bActor + "/outbox?page=1")
	items, _ := outbox["orderedItems"].([]any)
	if len(items) != 1 {
		t.Fatalf("outbox page has %d items, want the one public post (Accepts are not public): %v", len(items), outbox)
	}
	if first, _ := items[0].(map[string]any); first["type"] != "Create" {
		t.Fatalf("outbox item: %v", items[0])
	}

	req, _ := http.NewRequest("DELETE", a.base+"/api/v1/orgs/alpha/following?target="+bActor, nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("unfollow = %d", resp.StatusCode)
	}
	eventually(t, "B lost its follower", func() bool {
		var list follows
		b.api(t, "GET", "/followers", nil, &list)
		return len(list.Items) == 0
	})
}

// TestAuthorizedFetch: a node that requires signed GETs refuses anonymous
// reads of its actors, serves its instance actor to anyone (so peers can
// verify its own signed fetches), and still federates with a node that
// signs its fetches.
func TestAuthorizedFetch(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE", func(c *node.Config) { c.AuthorizedFetch = true })
	for url, want := range map[string]int{
		b.base + "/actors/beta":                                                       401,
		b.base + "/actors/beta/followers":                                             401,
		b.base + "/actors/beta/outbox?page=1":                                         401,
		b.base + "/actors/" + federation.InstanceUsername:                             200,
		b.base + "/.well-known/webfinger?resource=acct:beta@" + b.node.BaseURL().Host: 200,
	} {
		if got, _ := getActivityJSON(t, url); got != want {
			t.Errorf("unsigned GET %s = %d, want %d", url, got, want)
		}
	}
	// A follows B: B fetches A's actor, A fetches B's, both signed.
	follow(t, a, b)
}

// TestPostsAreServedAtTheirIDs: a public post's activity and Note can be
// fetched at their ids; a non-public activity (an Accept) cannot.
func TestPostsAreServedAtTheirIDs(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	follow(t, a, b)
	var post struct{ ID string }
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "Served at its id."}, &post); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	status, note := getActivityJSON(t, post.ID)
	if status != 200 || note["id"] != post.ID || note["type"] != "Note" || !strings.Contains(fmt.Sprint(note["content"]), "Served at its id.") {
		t.Fatalf("GET note = %d %v", status, note)
	}
	status, create := getActivityJSON(t, strings.TrimSuffix(post.ID, "/note"))
	if status != 200 || create["type"] != "Create" {
		t.Fatalf("GET create = %d %v", status, create)
	}
	var acceptID string
	if err := b.pool.QueryRow(context.Background(), `SELECT activity_id FROM outbox_activity WHERE type = 'Accept'`).Scan(&acceptID); err != nil {
		t.Fatal(err)
	}
	if status, _ := getActivityJSON(t, acceptID); status != http.StatusNotFound {
		t.Fatalf("GET of a non-public Accept = %d, want 404", status)
	}
}

// TestPersonFollowsOrganisation: people are actors too: a person on A
// follows B's organisation through /api/v1/me and receives its posts.
func TestPersonFollowsOrganisation(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	if status := a.call(t, "POST", "/api/v1/me/following", map[string]string{"target": "acct:beta@" + b.node.BaseURL().Host}, nil); status != http.StatusAccepted {
		t.Fatalf("follow = %d", status)
	}
	var followers follows
	eventually(t, "B accepted the person", func() bool {
		followers = follows{}
		b.api(t, "GET", "/followers", nil, &followers)
		return len(followers.Items) == 1 && followers.Items[0].State == "accepted"
	})
	if want := a.base + "/actors/staff"; followers.Items[0].Actor != want {
		t.Fatalf("B's follower is %s, want the person %s", followers.Items[0].Actor, want)
	}
	if status := b.api(t, "POST", "/posts", map[string]string{"content": "To people, too."}, nil); status != http.StatusCreated {
		t.Fatalf("post = %d", status)
	}
	// The person's inbox has, once delivered, the post.
	eventually(t, "the person received the post", func() bool {
		var got inbox
		a.call(t, "GET", "/api/v1/me/inbox", nil, &got)
		return len(got.Items) == 1 && got.Items[0].Type == "Note"
	})
	// The organisation on A follows nobody and sees nothing.
	var orgInbox inbox
	a.api(t, "GET", "/inbox", nil, &orgInbox)
	if len(orgInbox.Items) != 0 {
		t.Fatalf("alpha's inbox shows %d items of a follow it does not have", len(orgInbox.Items))
	}
}

// getActivityJSON GETs a document as a server would (unsigned) and decodes
// it; the map is empty when the answer is not JSON.
func getActivityJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc
}

// makeIssuer gives the peer's organisation the email address that Open
// Badges requires of an issuer: badges@ORG.example.
func (p *peer) makeIssuer(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	o, err := issuer.OrganisationBySlug(ctx, p.pool, p.org)
	if err != nil {
		t.Fatal(err)
	}
	email := "badges@" + p.org + ".example"
	if _, err := issuer.UpdateOrganisation(ctx, p.pool, o.ID, issuer.OrganisationUpdate{Email: &email}); err != nil {
		t.Fatal(err)
	}
}

// createdBadge is a badge class created on a peer.
type createdBadge struct{ UUID, ID string }

// createBadge creates a badge class on the peer through its API, with the
// robotics PNG as its image; fields are its other properties (name,
// description, criteria, tags...).
func (p *peer) createBadge(t *testing.T, fields map[string]any) createdBadge {
	t.Helper()
	png, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"image": "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)}
	for k, v := range fields {
		body[k] = v
	}
	var b createdBadge
	if status := p.api(t, "POST", "/badges", body, &b); status != http.StatusCreated {
		t.Fatalf("%s creates the badge %v = %d", p.org, fields["name"], status)
	}
	return b
}
