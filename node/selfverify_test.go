package node_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/node"
)

// TestOwnBadgesVerifyWithoutAllowIPs: a node on a loopback address with
// no --allow-ips (as `laurel serve` runs by default on 127.0.0.1:8080)
// checks its own badges, 2.0 and 3.0, instead of refusing to fetch its own
// URLs; a person there keeps one in their passport by URL. Other loopback
// addresses stay refused.
func TestOwnBadgesVerifyWithoutAllowIPs(t *testing.T) {
	p := startPeer(t, "127.0.0.5", "solo", "FI", func(c *node.Config) { c.AllowIPs = "" })
	p.makeIssuer(t)
	badge := p.createBadge(t, map[string]any{"name": "Self check", "description": "Checked at home.",
		"criteria": map[string]string{"narrative": "Be here."}})
	var issued struct{ ID, Credential string }
	if status := p.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "email", "identity": "earner@solo.example"},
	}, &issued); status != http.StatusCreated || issued.Credential == "" {
		t.Fatalf("issue = %d %+v", status, issued)
	}
	type check struct{ Name, Message string }
	var rep struct {
		Valid  bool
		Errors []check
	}
	for _, u := range []string{issued.ID, issued.Credential} {
		rep.Valid, rep.Errors = false, nil
		if status := p.call(t, "POST", "/api/v1/verify", map[string]string{"url": u}, &rep); status != http.StatusOK || !rep.Valid {
			t.Errorf("verify own %s = %d %+v, want valid", u, status, rep)
		}
	}
	// The earner, who signs up after, keeps it by its URL.
	ctx := context.Background()
	u, err := account.CreateUser(ctx, p.pool, account.NewUser{Username: "earner", Email: "earner@solo.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, p.pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	earner := &peer{base: p.base, token: token}
	var item backpackItem
	if status := earner.call(t, "POST", "/api/v1/me/badges", map[string]string{"url": issued.ID}, &item); status != http.StatusCreated || !item.Verified {
		t.Errorf("add own badge to the passport = %d %+v, want it verified", status, item)
	}
	// Another loopback address is no more reachable than before.
	if status := p.call(t, "POST", "/api/v1/verify", map[string]string{"url": "http://127.0.0.9:1/ob/assertions/x"}, nil); status != http.StatusBadRequest {
		t.Errorf("verify a loopback URL not the node's own = %d, want 400", status)
	}
}
