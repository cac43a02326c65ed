package node_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
)

// backpack is the answer of GET /api/v1/me/badges.
type backpack struct {
	Items []backpackItem
}

type backpackItem struct {
	ID          string
	AssertionID string `json:"assertion_id"`
	State       string
	Visibility  string
	Source      string
	Sender      string
	Verified    bool
	BadgeName   string `json:"badge_name"`
	IssuerName  string `json:"issuer_name"`
	PublicPage  string `json:"public_page"`
}

// get fetches a page anonymously.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPassportAcrossNodes: ALPHA on node A issues a badge to a person on
// node B by handle; the mention carries the assertion, so the badge
// arrives pending in the person's backpack on node B, where a job
// verifies it against node A. The person accepts it and makes it public,
// and node B's public page of it says who verified and issued it.
func TestPassportAcrossNodes(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	o, err := issuer.OrganisationBySlug(context.Background(), a.pool, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	email := "badges@alpha.example"
	if _, err := issuer.UpdateOrganisation(context.Background(), a.pool, o.ID, issuer.OrganisationUpdate{Email: &email}); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	var badge struct{ UUID string }
	if status := a.api(t, "POST", "/badges", map[string]any{
		"name": "Federated robotics", "description": "Robots across servers.",
		"image":    "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
		"criteria": map[string]string{"narrative": "Build one."},
	}, &badge); status != http.StatusCreated {
		t.Fatalf("create badge = %d", status)
	}
	var issued struct{ ID string }
	if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "actor", "identity": "acct:staff@" + b.node.BaseURL().Host},
	}, &issued); status != http.StatusCreated {
		t.Fatalf("issue = %d", status)
	}

	var item backpackItem
	eventually(t, "the badge arrived pending and verified in the person's backpack", func() bool {
		var list backpack
		b.call(t, "GET", "/api/v1/me/badges?state=pending", nil, &list)
		if len(list.Items) != 1 {
			return false
		}
		item = list.Items[0]
		return item.Verified
	})
	if item.AssertionID != issued.ID || item.Source != "fediverse" || item.Sender != a.base+"/actors/alpha" ||
		item.BadgeName != "Federated robotics" || item.IssuerName != "ALPHA" || item.Visibility != "private" {
		t.Fatalf("the arrived badge: %+v", item)
	}
	// The mention still reaches the person's inbox listing.
	var got inbox
	b.call(t, "GET", "/api/v1/me/inbox", nil, &got)
	if len(got.Items) != 1 || got.Items[0].Type != "Create" {
		t.Fatalf("the person's inbox: %+v", got)
	}
	// Nothing reached a backpack on the issuing node.
	var mine backpack
	a.call(t, "GET", "/api/v1/me/badges", nil, &mine)
	if len(mine.Items) != 0 {
		t.Fatalf("node A's staff backpack: %+v", mine)
	}

	if status := b.call(t, "POST", "/api/v1/me/badges/"+item.ID+"/accept", nil, &item); status != http.StatusOK || item.State != "accepted" {
		t.Fatalf("accept = %d %+v", status, item)
	}
	public := b.base + "/u/staff/badges/" + item.ID
	if status, _ := get(t, public); status != http.StatusNotFound {
		t.Fatalf("the private badge's public page = %d, want 404", status)
	}
	if status := b.call(t, "PUT", "/api/v1/me/badges/"+item.ID, map[string]string{"visibility": "public"}, &item); status != http.StatusOK ||
		item.Visibility != "public" || item.PublicPage != public {
		t.Fatalf("make public = %d %+v", status, item)
	}
	status, page := get(t, public)
	if status != http.StatusOK {
		t.Fatalf("public page = %d:\n%s", status, page)
	}
	if !regexp.MustCompile(`Verified and issued by\s*(<a [^>]*>)?ALPHA`).MatchString(page) ||
		!strings.Contains(page, "Federated robotics") || !strings.Contains(page, "/verify?url=") {
		t.Fatalf("node B's public page of the badge:\n%s", page)
	}
	// Another user of node B sees nothing of it through the API.
	ctx := context.Background()
	other, err := account.CreateUser(ctx, b.pool, account.NewUser{Email: "other@beta.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, b.pool, other.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	them := &peer{base: b.base, token: token}
	var theirs backpack
	if status := them.call(t, "GET", "/api/v1/me/badges", nil, &theirs); status != http.StatusOK || len(theirs.Items) != 0 {
		t.Fatalf("another user's backpack = %d %+v", status, theirs)
	}
	if status := them.call(t, "GET", "/api/v1/me/badges/"+item.ID, nil, nil); status != http.StatusNotFound {
		t.Fatalf("the badge through another user's API = %d, want 404", status)
	}
}
