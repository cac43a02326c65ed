package node_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/bake"
)

// TestPassportCredentialAcrossNodes: a badge issued on node A to a person
// on node B arrives with its Open Badges 3.0 credential, which node B's
// verify job fetches and verifies and keeps beside the 2.0 assertion, in
// one item of both standards; and when the organisation issues 3.0 only,
// the Note carries the credential alone and the item holds it alone. The
// public page of the item says which standard it uses and offers the
// baked credential.
func TestPassportCredentialAcrossNodes(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	a.makeIssuer(t)
	badge := a.createBadge(t, map[string]any{"name": "Verifiable robotics", "description": "Robots, with credentials.",
		"criteria": map[string]string{"narrative": "Build one."}})
	issue := func() (id, credential string) {
		t.Helper()
		var issued struct{ ID, Credential string }
		if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
			"recipient": map[string]string{"type": "actor", "identity": "acct:staff@" + b.node.BaseURL().Host},
		}, &issued); status != http.StatusCreated || issued.Credential == "" {
			t.Fatalf("issue = %d %+v", status, issued)
		}
		return issued.ID, issued.Credential
	}
	arrived := func(n int) backpackItem {
		t.Helper()
		var item backpackItem
		eventually(t, "the badge arrived verified", func() bool {
			var list backpack
			b.call(t, "GET", "/api/v1/me/badges?state=pending", nil, &list)
			if len(list.Items) != n {
				return false
			}
			item = list.Items[0]
			return item.Verified
		})
		return item
	}

	assertion, credential := issue()
	both := arrived(1)
	if both.AssertionID != assertion || !slices.Equal(both.Standards, []string{"ob3", "ob2"}) ||
		both.Credential["id"] != credential || both.BadgeName != "Verifiable robotics" {
		t.Fatalf("the badge of both standards: %+v", both)
	}

	// The organisation's admin chooses 3.0 only (staff may not: set here).
	if _, err := a.pool.Exec(context.Background(), `UPDATE organisation SET credential_formats = '{ob3}' WHERE slug = 'alpha'`); err != nil {
		t.Fatal(err)
	}
	_, credential = issue()
	only := arrived(2)
	if only.AssertionID != credential || !slices.Equal(only.Standards, []string{"ob3"}) || only.Credential["id"] != credential ||
		only.BadgeName != "Verifiable robotics" || only.IssuerName != "ALPHA" || only.Source != "fediverse" {
		t.Fatalf("the badge of 3.0 only: %+v", only)
	}

	// Public, its page shows the credential's data, the standard and the
	// baked credential's download; private, it is not found.
	if status := b.call(t, "POST", "/api/v1/me/badges/"+only.ID+"/accept", nil, &only); status != http.StatusOK {
		t.Fatalf("accept = %d", status)
	}
	public := b.base + "/u/staff/badges/" + only.ID
	if status, _ := get(t, public); status != http.StatusNotFound {
		t.Fatalf("the private badge's public page = %d, want 404", status)
	}
	if status := b.call(t, "PUT", "/api/v1/me/badges/"+only.ID, map[string]string{"visibility": "public"}, &only); status != http.StatusOK {
		t.Fatalf("make public = %d", status)
	}
	status, page := get(t, public)
	if status != http.StatusOK || !strings.Contains(page, "Open Badges 3.0") || strings.Contains(page, "Open Badges 2.0") ||
		!strings.Contains(page, "Robots, with credentials.") || !strings.Contains(page, "/u/staff/badges/"+only.ID+"/credential") {
		t.Fatalf("public page = %d:\n%s", status, page)
	}
	resp, err := http.Get(public + "/credential")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	img, _ := io.ReadAll(resp.Body)
	baked, err := bake.ExtractCredential(img)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || err != nil ||
		!strings.Contains(baked, credential) {
		t.Fatalf("the baked credential download = %d %s (%v): %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), err, baked)
	}
	// Private again, its credential is not found either.
	if status := b.call(t, "PUT", "/api/v1/me/badges/"+only.ID, map[string]string{"visibility": "private"}, &only); status != http.StatusOK {
		t.Fatalf("make private = %d", status)
	}
	if status, _ := get(t, public+"/credential"); status != http.StatusNotFound {
		t.Fatalf("the private badge's credential = %d, want 404", status)
	}
}
