package network

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/laurelnet/laurel/report"
)

// TestReportFigures: the endorsements an organisation received per month,
// its partners by country, and its dashboard's counts and activity; a
// withdrawn endorsement and another organisation's are not counted.
func TestReportFigures(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a, b, c, d := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE"), newOrg(t, pool, "gamma", "DE"), newOrg(t, pool, "delta", "SE")
	badge := newBadge(t, pool, a)
	w := report.LastMonths(time.Now(), 3)

	for _, p := range []string{"beta", "gamma", "delta"} {
		if _, err := n.AddPartner(ctx, a, p); err != nil {
			t.Fatal(err)
		}
	}
	// This month: beta endorses alpha and its badge; gamma endorses alpha
	// and withdraws. Two months ago: delta endorsed alpha. Beta endorses
	// gamma, which is not alpha's.
	backdate := func(e Endorsement, months int) {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE endorsement SET issued_on = issued_on - make_interval(months => $1) WHERE uuid = $2`, months, e.UUID); err != nil {
			t.Fatal(err)
		}
	}
	endorse := func(from, to string, badge string) Endorsement {
		t.Helper()
		org := b
		switch from {
		case "gamma":
			org = c
		case "delta":
			org = d
		}
		e, err := n.Endorse(ctx, org, to, badge, "Good work.")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	endorse("beta", "alpha", "")
	endorse("beta", "alpha", n.urls.BadgeClass(badge.UUID))
	g := endorse("gamma", "alpha", "")
	if _, err := n.Withdraw(ctx, c, g.UUID); err != nil {
		t.Fatal(err)
	}
	backdate(endorse("delta", "alpha", ""), 2)
	endorse("beta", "gamma", "")

	ofOrg, ofBadges, err := EndorsementsReceivedPerMonth(ctx, pool, a.ID, w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ofOrg, []int{1, 0, 1}) || !slices.Equal(ofBadges, []int{0, 0, 1}) {
		t.Errorf("endorsements per month = %v of the organisation, %v of badges; want [1 0 1] and [0 0 1]", ofOrg, ofBadges)
	}

	countries, err := n.PartnersByCountry(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := []CountryCount{{"DE", 2}, {"SE", 1}}; !slices.Equal(countries, want) {
		t.Errorf("partners by country = %v, want %v", countries, want)
	}
	if none, err := n.PartnersByCountry(ctx, newOrg(t, pool, "lonely", "FI")); err != nil || len(none) != 0 {
		t.Errorf("partners of an organisation with none = %v, %v", none, err)
	}

	if _, err := n.RequestEndorsement(ctx, b, "alpha", "", "Please."); err != nil {
		t.Fatal(err)
	}
	if _, err := n.ShareBadge(ctx, b, newBadge(t, pool, b).UUID, []string{"alpha"}, ShareLink); err != nil {
		t.Fatal(err)
	}
	s, err := n.SummaryOf(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Partners: 3, Endorsements: 3, PendingRequests: 1, SharesToAnswer: 1}); s != want {
		t.Errorf("summary = %+v, want %+v", s, want)
	}
	events, err := RecentActivity(ctx, pool, a.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind+":"+e.Name)
	}
	// Newest first, by when they arrived (delta's arrived last though it is
	// dated earlier); the withdrawn endorsement is not there.
	if want := []string{"share:Welder", "request:Org beta", "endorsed:Org delta", "endorsed:Org beta", "endorsed:Org beta"}; !slices.Equal(kinds, want) {
		t.Errorf("activity = %v, want %v", kinds, want)
	}
}
