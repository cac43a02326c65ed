package node_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
)

// backpack is the answer of GET /api/v1/me/badges.
type backpack struct {
	Items []backpackItem
}

type backpackItem struct {
	ID          string
	Standards   []string
	Credential  map[string]any
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
	a.makeIssuer(t)
	badge := a.createBadge(t, map[string]any{"name": "Federated robotics", "description": "Robots across servers.",
		"criteria": map[string]string{"narrative": "Build one."}})
	var issued struct{ ID, Credential string }
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
	if len(got.Items) != 1 || got.Items[0].Type != "Note" {
		t.Fatalf("the person's inbox: %+v", got)
	}
	// As Mastodon and GoToSocial show it: the text as HTML, the badge's
	// image attached, the assertion a Link in the tag beside the Mention.
	note := got.Items[0]
	if !strings.Contains(note.Content, "ALPHA has awarded you the badge <strong>Federated robotics</strong>") ||
		!strings.Contains(note.Content, `class="u-url mention"`) {
		t.Errorf("the mention's content: %s", note.Content)
	}
	if len(note.Attachment) != 1 || note.Attachment[0].Type != "Image" || note.Attachment[0].MediaType != "image/png" ||
		note.Attachment[0].Href != a.base+"/ob/badges/"+badge.UUID+"/image" || note.Attachment[0].Name != "Federated robotics" {
		t.Errorf("the mention's attachment: %+v", note.Attachment)
	} else if status, _ := get(t, note.Attachment[0].Href); status != http.StatusOK {
		t.Errorf("the attached image %s = %d", note.Attachment[0].Href, status)
	}
	// The organisation issues 2.0 and 3.0 (the default): the credential
	// is a second Link.
	if len(note.Tag) != 3 || note.Tag[0].Type != "Mention" || note.Tag[1].Type != "Link" || note.Tag[1].Href != issued.ID ||
		note.Tag[1].MediaType != "application/ld+json" || note.Tag[2].MediaType != "application/vc+ld+json" ||
		note.Tag[2].Href != issued.Credential {
		t.Errorf("the mention's tag: %+v", note.Tag)
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
		!strings.Contains(page, "Federated robotics") || !strings.Contains(page, `action="/verify"`) {
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

// TestClaimIntoPassportOnAnotherNode: a badge issued on node A to an email
// address reaches its earner, whose passport is on node B, through the
// claim page: it sends them to their own node's passport with the badge
// filled in, and node B adds it once it verifies that the badge was
// awarded to the person's confirmed address.
func TestClaimIntoPassportOnAnotherNode(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	ctx := context.Background()
	a.makeIssuer(t)
	badge := a.createBadge(t, map[string]any{"name": "Claimed robotics", "description": "Robots.",
		"criteria": map[string]string{"narrative": "Build one."}})
	// staff@beta.example is the person "staff" on node B.
	var issued struct{ ID string }
	if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "email", "identity": "staff@beta.example"},
	}, &issued); status != http.StatusCreated {
		t.Fatalf("issue = %d", status)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(a.base + "/claim-to-passport?url=" + url.QueryEscape(issued.ID) + "&handle=staff@" + b.node.BaseURL().Host)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := b.base + "/passport?add=" + url.QueryEscape(issued.ID)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("claim to passport = %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	var item backpackItem
	if status := b.call(t, "POST", "/api/v1/me/badges", map[string]string{"url": issued.ID}, &item); status != http.StatusCreated ||
		item.State != "accepted" || item.BadgeName != "Claimed robotics" || item.IssuerName != "ALPHA" {
		t.Fatalf("add on node B = %d %+v", status, item)
	}
	// Somebody else on node B cannot add it: it was not awarded to them.
	u, err := account.CreateUser(ctx, b.pool, account.NewUser{Email: "other@beta.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, b.pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	other := *b
	other.token = token
	if status := other.call(t, "POST", "/api/v1/me/badges", map[string]string{"url": issued.ID}, nil); status != http.StatusBadRequest {
		t.Fatalf("adding someone else's badge = %d, want 400", status)
	}
}
