package issuer_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

// TestEvidenceOnTheNodesOwnOrigin: evidence must be on a public address,
// or on the node's own origin even when that is a loopback address (a
// badge application's files are served there); another loopback origin
// stays refused.
func TestEvidenceOnTheNodesOwnOrigin(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "own")
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	if err != nil {
		t.Fatal(err)
	}
	local := issuer.URLs{Base: &url.URL{Scheme: "http", Host: "127.0.0.2:8080"}}
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"http://127.0.0.2:8080/applications/x/files/y", true},
		{"https://evidence.example/work", true},
		{"http://127.0.0.2:8081/applications/x/files/y", false},
		{"http://127.0.0.2:8080.evil.example@127.0.0.3/", false},
		{"http://127.0.0.3:8080/applications/x", false},
	} {
		_, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, local, o, b, []issuer.AssertionInput{{
			Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "ada@example.org"},
			Evidence:  []vocab.Evidence{{ID: tc.id}},
		}})
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.id, err)
		}
		if p, ok := problem.As(err); !tc.ok && (!ok || p.Field != "evidence[0].id") {
			t.Errorf("%s: error %v, want a problem on evidence[0].id", tc.id, err)
		}
	}
}
