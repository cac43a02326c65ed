package node_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBadgeToFediverseActor: an organisation on node A issues a badge to a
// person on node B by handle; the person gets a direct mention with the
// badge's page, and node B's verifier checks the badge hosted on node A,
// with the person's actor as the recipient.
func TestBadgeToFediverseActor(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	a.makeIssuer(t)
	badge := a.createBadge(t, map[string]any{"name": "Federated robotics", "description": "Robots across servers.",
		"criteria": map[string]string{"narrative": "Build one."}})
	person := b.base + "/actors/staff"
	var issued struct {
		ID        string
		BadgePage string `json:"badge_page"`
		Recipient struct{ Type, Identity string }
	}
	if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "actor", "identity": "acct:staff@" + b.node.BaseURL().Host},
	}, &issued); status != http.StatusCreated {
		t.Fatalf("issue = %d", status)
	}
	if issued.Recipient.Type != "url" || issued.Recipient.Identity != person {
		t.Fatalf("recipient %+v, want the person's actor id %s", issued.Recipient, person)
	}

	var got inbox
	eventually(t, "the person received the mention", func() bool {
		got = inbox{}
		b.call(t, "GET", "/api/v1/me/inbox", nil, &got)
		return len(got.Items) == 1
	})
	item := got.Items[0]
	if item.Type != "Note" || item.Actor != a.base+"/actors/alpha" ||
		!strings.Contains(item.Content, issued.BadgePage) || !strings.Contains(item.Content, "Federated robotics") {
		t.Fatalf("the person's inbox has %+v", item)
	}

	var report struct {
		Valid            bool
		RecipientMatched *bool `json:"recipient_matched"`
		Errors           []struct{ Name, Message string }
	}
	if status := b.call(t, "POST", "/api/v1/verify", map[string]string{"url": issued.ID, "recipient_url": person}, &report); status != 200 {
		t.Fatalf("verify on node B = %d", status)
	}
	if !report.Valid || report.RecipientMatched == nil || !*report.RecipientMatched {
		t.Fatalf("node B's verifier on node A's badge: %+v", report)
	}
}
