package community

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/testkit"
)

// TestRelayedOffersAreRecordedOnce: a badge a network relays is recorded
// once for each member organisation here, however often it is relayed
// (another Announce of the same Offer), and never for the sharer; offers
// of a badge not on the sharer's server, or from a network no
// organisation here belongs to, record nothing.
func TestRelayedOffersAreRecordedOnce(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	base, _ := url.Parse("https://node.example")
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	c := New(pool, fed, network.New(pool, fed, issuer.URLs{Base: base}, nil, nil))
	const bf = "https://net.example/actors/badge-finland"
	var orgs []issuer.Organisation
	for _, slug := range []string{"alpha", "beta", "gamma"} {
		o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: slug, Name: slug, Country: "FI"})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, o := range orgs[:2] { // alpha and beta are members; gamma is not
			if _, err := upsertMembership(ctx, tx, o.ID, bf, "badge-finland@net.example", "Badge Finland", Accepted); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	offer := func(id, sharer, badge string) map[string]any {
		return map[string]any{"id": id, "type": "Offer", "actor": sharer, "to": []any{bf}, "laurel:shareMode": "copy",
			"object": map[string]any{"id": badge, "type": "BadgeClass", "name": "Maker", "description": "Makes things.",
				"issuer": "https://beta.example/ob/issuers/beta", "image": "https://beta.example/ob/badges/maker/image"}}
	}
	relay := func(announceID, from string, o map[string]any) {
		t.Helper()
		in, err := federation.NewIncoming(map[string]any{"id": announceID, "type": "Announce", "actor": from, "object": o}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, _, err := c.receiveRelay(ctx, tx, in)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	shared := func(o issuer.Organisation) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM badge_share WHERE receiver_org = $1 AND network = $2`, o.ID, bf).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	notified := func(o issuer.Organisation) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM notification WHERE organisation_id = $1`, o.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	maker := offer("https://beta.example/activities/offer-1", "https://beta.example/actors/beta", "https://beta.example/ob/badges/maker")
	relay("https://net.example/activities/1", bf, maker)
	relay("https://net.example/activities/2", bf, maker) // the same offer, relayed again
	relay("https://net.example/activities/3", bf, offer("https://beta.example/activities/offer-2", "https://beta.example/actors/beta",
		"https://elsewhere.example/ob/badges/stolen"))
	relay("https://other-net.example/activities/1", "https://other-net.example/actors/n", offer("https://beta.example/activities/offer-3",
		"https://beta.example/actors/beta", "https://beta.example/ob/badges/other"))
	for _, tc := range []struct {
		org            issuer.Organisation
		shares, notify int
	}{{orgs[0], 1, 1}, {orgs[1], 1, 1}, {orgs[2], 0, 0}} {
		if got, n := shared(tc.org), notified(tc.org); got != tc.shares || n != tc.notify {
			t.Errorf("%s: %d shares and %d notifications, want %d and %d", tc.org.Slug, got, n, tc.shares, tc.notify)
		}
	}
	var mode, state string
	if err := pool.QueryRow(ctx, `SELECT mode, state FROM badge_share WHERE receiver_org = $1`, orgs[0].ID).Scan(&mode, &state); err != nil || mode != "copy" || state != "pending" {
		t.Errorf("alpha's share: mode %q state %q %v", mode, state, err)
	}
	// An offer by a member here, relayed back, is for the others only.
	own := offer("https://node.example/activities/offer-4", "https://node.example/actors/alpha", "https://node.example/ob/badges/own")
	own["object"].(map[string]any)["issuer"] = "https://node.example/ob/issuers/alpha"
	relay("https://net.example/activities/4", bf, own)
	var receivers []string
	rows, _ := pool.Query(ctx, `SELECT receiver_actor FROM badge_share WHERE offer_id = $1 ORDER BY receiver_actor`, own["id"])
	receivers, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(receivers) != 1 || receivers[0] != "https://node.example/actors/beta" {
		t.Errorf("alpha's own offer was recorded for %v, want beta alone", receivers)
	}
}

// TestOfferToANetworkHere: a network hosted here relays a badge offered
// to it only by an accepted member, of a badge class of the member's own
// (issued by its Open Badges Profile); it records the offer for its
// members here, not for the sharer.
func TestOfferToANetworkHere(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	base, _ := url.Parse("https://node.example")
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	c := New(pool, fed, network.New(pool, fed, issuer.URLs{Base: base}, nil, nil))
	alpha, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: "alpha", Name: "Alpha", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.Found(ctx, alpha, NewNetwork{Slug: "bf", Name: "Badge Finland", Countries: []string{"FI"}, Policy: Open})
	if err != nil {
		t.Fatal(err)
	}
	const beta = "https://beta.example/actors/beta"
	if _, err := pool.Exec(ctx, `INSERT INTO community_member (community_id, actor, name, ob_profile, state, decided_at)
		VALUES ($1, $2, 'Beta', 'https://beta.example/ob/issuers/beta', 'accepted', now())`, n.ID, beta); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, host, actor, issuer string
		relayed                   bool
	}{
		{"not a member", "https://x.example", "https://x.example/actors/x", "https://x.example/ob/issuers/x", false},
		{"another's badge class", "https://beta.example", beta, "https://beta.example/ob/issuers/someone-else", false},
		{"a member's own", "https://beta.example", beta, "https://beta.example/ob/issuers/beta", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.host
			id := host + "/activities/" + url.PathEscape(tc.name)
			in, err := federation.NewIncoming(map[string]any{"id": id, "type": "Offer", "actor": tc.actor, "to": []any{n.Actor},
				"object": map[string]any{"id": host + "/ob/badges/" + url.PathEscape(tc.name), "type": "BadgeClass", "name": "Maker",
					"issuer": tc.issuer}}, "bf")
			if err != nil {
				t.Fatal(err)
			}
			var handled bool
			if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, handled, err = c.receiveOffer(ctx, tx, in)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var receivers []string
			rows, _ := pool.Query(ctx, `SELECT receiver_actor FROM badge_share WHERE offer_id = $1`, id)
			if receivers, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
				t.Fatal(err)
			}
			want := 0
			if tc.relayed {
				want = 1
			}
			if !handled || len(receivers) != want || (want == 1 && receivers[0] != base.String()+"/actors/alpha") {
				t.Errorf("handled %v, recorded for %v; want the founder alone when relayed", handled, receivers)
			}
		})
	}
}
