package milestone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

// startNode starts a node on loopback address ip with a database of its
// own, and returns it with a pool on that database. The node fails the
// test if its code takes a second connection while holding one.
func startNode(t *testing.T, ip string) (*node.Node, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	check := dbpool.NewHoldCheck()
	n, err := node.Start(ctx, node.Config{Listen: ip + ":0", DataDir: t.TempDir(), DatabaseURL: dbURL,
		AllowIPs: "127.0.0.0/8", Version: "test", DBHoldCheck: check})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Stop(context.Background())
		for _, v := range check.Violations() {
			t.Errorf("node %s took a second database connection while holding one, at:\n%s", ip, v)
		}
	})
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return n, pool
}

// call calls the API of the node at base with token and decodes the
// answer into out.
func call(t *testing.T, base, token, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// evaluations waits until no milestone_evaluate job is left to run on
// the node of pool, and returns how many completed.
func evaluations(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending, done int
		err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE state NOT IN ('completed', 'discarded', 'cancelled')),
			count(*) FILTER (WHERE state = 'completed') FROM river_job WHERE kind = 'milestone_evaluate'`).Scan(&pending, &done)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return done
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d milestone evaluation(s) still waiting after 30 s", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPartnerBadges: a partner's badge from another node, added by the
// earner to their passport, and a partner's badge of this node, accepted,
// count toward a milestone through the milestone_evaluate job; a badge of
// an issuer that is no partner does not.
func TestPartnerBadges(t *testing.T) {
	ctx := context.Background()
	nodeA, poolA := startNode(t, "127.0.0.2")
	nodeB, poolB := startNode(t, "127.0.0.3")

	// On the other node: a partner and a stranger, each with a robotics
	// badge for Eva.
	partner := newWorld(t, poolB, nodeB.BaseURL())
	stranger := newWorld(t, poolB, nodeB.BaseURL())
	soldering := partner.issue(t, partner.badge(t, "Soldering", "robotics"), email("eva@example.org"))
	unknown := stranger.issue(t, stranger.badge(t, "Welding", "robotics"), email("eva@example.org"))

	// Here: the organisation with the milestone, a partner of this node,
	// and Eva.
	w := newWorld(t, poolA, nodeA.BaseURL())
	library := newWorld(t, poolA, nodeA.BaseURL())
	eva := w.user(t, "eva", "eva@example.org")
	token, err := account.CreateToken(ctx, poolA, eva.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	explorer := w.milestone(t, "Robotics explorer", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"robotics"}, Required: 2,
		Partners: []string{partner.urls.Profile(partner.org.Slug)}})
	reader := w.milestone(t, "Reader", milestone.Input{Rule: milestone.RuleSome, Required: 1,
		Requirements: []milestone.RequirementInput{{Badge: library.urls.BadgeClass(library.badge(t, "Reading circle").UUID), Name: "Reading circle"}}})
	master := w.milestone(t, "Robotics master", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"robotics"}, Required: 3,
		Partners: []string{partner.urls.Profile(partner.org.Slug)}})
	w.issue(t, w.badge(t, "Robotics basics", "robotics"), email("eva@example.org"))

	base := nodeA.BaseURL().String()
	var item struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if status := call(t, base, token, "POST", "/api/v1/me/badges", map[string]string{"url": stranger.urls.Assertion(unknown.UUID)}, &item); status != http.StatusCreated {
		t.Fatalf("adding the stranger's badge: %d", status)
	}
	if evaluations(t, poolA) != 1 {
		t.Fatal("adding a badge queued no evaluation")
	}
	if n := len(w.awarded(t, explorer)); n != 0 {
		t.Fatalf("a badge of an issuer that is no partner counted: %d milestone(s)", n)
	}

	if status := call(t, base, token, "POST", "/api/v1/me/badges", map[string]string{"url": partner.urls.Assertion(soldering.UUID)}, &item); status != http.StatusCreated {
		t.Fatalf("adding the partner's badge: %d", status)
	}
	evaluations(t, poolA)
	if n := len(w.awarded(t, explorer)); n != 1 {
		t.Fatalf("the partner's badge from another node did not complete the milestone: %d issued", n)
	}

	if n := len(w.awarded(t, master)); n != 0 {
		t.Fatalf("Robotics master issued for two of three badges: %d", n)
	}

	// The partner issues a third badge to Eva's actor: it arrives by a
	// mention, pending, and is verified by a job; only accepting it
	// counts, and issues the milestone once.
	staff, err := account.CreateUser(ctx, poolB, account.NewUser{Email: "staff@partner.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, poolB, staff.ID, partner.org.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	staffToken, err := account.CreateToken(ctx, poolB, staff.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	motors := partner.badge(t, "Motors", "robotics")
	if status := call(t, nodeB.BaseURL().String(), staffToken, "POST", "/api/v1/orgs/"+partner.org.Slug+"/badges/"+motors.UUID+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "actor", "identity": "acct:eva@" + nodeA.BaseURL().Host}}, nil); status != http.StatusCreated {
		t.Fatalf("issuing on the partner's node: %d", status)
	}
	var arrived string
	deadline := time.Now().Add(30 * time.Second)
	for arrived == "" {
		var list struct {
			Items []struct {
				ID        string `json:"id"`
				BadgeName string `json:"badge_name"`
				Verified  bool   `json:"verified"`
			} `json:"items"`
		}
		call(t, base, token, "GET", "/api/v1/me/badges?state=pending", nil, &list)
		for _, it := range list.Items {
			if it.BadgeName == "Motors" && it.Verified {
				arrived = it.ID
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the partner's badge did not arrive verified: %+v", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
	evaluations(t, poolA)
	if n := len(w.awarded(t, master)); n != 0 {
		t.Fatalf("a badge not yet accepted counted: %d", n)
	}
	for range 2 {
		if status := call(t, base, token, "POST", "/api/v1/me/badges/"+arrived+"/accept", nil, &item); status != http.StatusOK {
			t.Fatalf("accept: %d", status)
		}
		evaluations(t, poolA)
		if n := len(w.awarded(t, master)); n != 1 {
			t.Fatalf("accepting the third badge, from another node: Robotics master issued %d times, want once", n)
		}
	}

	// The partner of this node issues into Eva's passport; accepting it
	// counts.
	var book issuer.BadgeClass
	for _, b := range mustClasses(t, library) {
		book = b
	}
	library.issue(t, book, email("eva@example.org"))
	var pending struct {
		Items []struct {
			ID        string `json:"id"`
			BadgeName string `json:"badge_name"`
		} `json:"items"`
	}
	call(t, base, token, "GET", "/api/v1/me/badges?state=pending", nil, &pending)
	var ids []string
	for _, p := range pending.Items {
		if p.BadgeName == "Reading circle" {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("the library's badge is not pending in Eva's passport: %+v", pending)
	}
	if n := len(w.awarded(t, reader)); n != 0 {
		t.Fatalf("a partner's badge counted before it was accepted: %d", n)
	}
	if status := call(t, base, token, "POST", "/api/v1/me/badges/"+ids[0]+"/accept", nil, &item); status != http.StatusOK {
		t.Fatalf("accept: %d", status)
	}
	evaluations(t, poolA)
	if n := len(w.awarded(t, reader)); n != 1 {
		t.Fatalf("accepting the partner's badge did not complete the milestone: %d issued", n)
	}

	// Both milestones are in Eva's passport, and her progress says so.
	call(t, base, token, "GET", "/api/v1/me/badges?state=pending", nil, &pending)
	got := map[string]bool{}
	for _, p := range pending.Items {
		got[p.BadgeName] = true
	}
	if !got["Robotics explorer"] || !got["Reader"] || !got["Robotics master"] {
		t.Fatalf("the milestones are not in Eva's passport: %+v", pending)
	}
	list, err := milestone.ProgressOf(ctx, poolA, w.urls, eva.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		// The own badge first, then the passport's, newest first.
		if p.Milestone.Name != "Reader" && (!p.Earned || p.Count != 3 || names(p.Met) != "Robotics basics, Motors, Soldering") {
			t.Errorf("progress toward %s: earned %v, %d met: %q", p.Milestone.Name, p.Earned, p.Count, names(p.Met))
		}
	}
	if len(list) != 3 {
		t.Errorf("%d milestones in Eva's progress, want 3", len(list))
	}
}

func mustClasses(t *testing.T, w *world) []issuer.BadgeClass {
	t.Helper()
	list, err := issuer.BadgeClasses(context.Background(), w.pool, w.org.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
