package community

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func newCommunities(t *testing.T) (*Communities, issuer.Organisation) {
	t.Helper()
	pool := testkit.DB(t)
	base, _ := url.Parse("https://node.example")
	c := New(pool, federation.New(federation.Config{Base: base, Pool: pool}), nil)
	o, err := issuer.CreateOrganisation(context.Background(), pool, issuer.NewOrganisation{Slug: "alpha", Name: "Alpha", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	return c, o
}

func TestFoundRefusesBadInput(t *testing.T) {
	c, founder := newCommunities(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    NewNetwork
		field string
	}{
		{"no countries", NewNetwork{Slug: "bf", Name: "BF"}, "countries"},
		{"not a country", NewNetwork{Slug: "bf", Name: "BF", Countries: []string{"EU"}}, "countries"},
		{"unknown policy", NewNetwork{Slug: "bf", Name: "BF", Countries: []string{"FI"}, Policy: "closed"}, "policy"},
		{"bad slug", NewNetwork{Slug: "Badge Finland", Name: "BF", Countries: []string{"FI"}}, "slug"},
		{"slug taken", NewNetwork{Slug: "alpha", Name: "BF", Countries: []string{"FI"}}, "slug"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Found(ctx, founder, tc.in)
			if p, ok := problem.As(err); !ok || p.Field != tc.field {
				t.Fatalf("Found = %v, want a problem naming %s", err, tc.field)
			}
		})
	}
	n, err := c.Found(ctx, founder, NewNetwork{Slug: "bf", Name: "Badge Finland", Countries: []string{"fi", "AX", "FI"}})
	if err != nil {
		t.Fatal(err)
	}
	if n.Policy != Approval || len(n.Countries) != 2 || n.Country != "FI" || !n.Network || n.FoundedBy != "alpha" {
		t.Errorf("founded %+v: want approval by default, countries FI and AX, founded by alpha", n)
	}
	if _, err := c.Found(ctx, n.Organisation, NewNetwork{Slug: "bf2", Name: "X", Countries: []string{"FI"}}); err == nil {
		t.Error("a network founded a network")
	}
}

// TestApplyFollowsThePolicy: what an application becomes, by policy and
// by what the network knew of the applicant before.
func TestApplyFollowsThePolicy(t *testing.T) {
	c, founder := newCommunities(t)
	ctx := context.Background()
	for _, tc := range []struct {
		policy, before, want string
	}{
		{Open, "", Accepted},
		{Approval, "", Pending},
		{Invitation, "", Declined},
		{Invitation, Invited, Accepted},
		{Approval, Accepted, Accepted}, // a member's repeated Follow keeps it a member
		{Approval, Declined, Pending},  // one declined may apply again
		{Invitation, Declined, Declined},
	} {
		t.Run(tc.policy+"/"+tc.before, func(t *testing.T) {
			n, err := c.Found(ctx, founder, NewNetwork{Slug: "n-" + tc.policy + "-" + tc.before, Name: "N", Countries: []string{"FI"}, Policy: tc.policy})
			if err != nil {
				t.Fatal(err)
			}
			who := applicant{Actor: "https://other.example/actors/beta", Name: "Beta", Country: "DE"}
			err = pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
				if tc.before != "" {
					if _, err := tx.Exec(ctx, `INSERT INTO community_member (community_id, actor, state, decided_at)
						VALUES ($1, $2, $3, CASE WHEN $3 IN ('accepted', 'declined') THEN now() END)`, n.ID, who.Actor, tc.before); err != nil {
						return err
					}
				}
				m, err := apply(ctx, tx, n, who, "https://other.example/follows/1")
				if err != nil {
					return err
				}
				if m.State != tc.want || m.Name != "Beta" || m.Country != "DE" {
					t.Errorf("application = %+v, want state %s", m, tc.want)
				}
				if (m.DecidedAt == nil) != (tc.want == Pending) {
					t.Errorf("decided_at %v for state %s", m.DecidedAt, m.State)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
