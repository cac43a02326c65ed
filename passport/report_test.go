package passport_test

import (
	"context"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/report"
	"github.com/laurelnet/laurel/testkit"
)

// TestAcceptancesPerMonth: what earners did with the badges an
// organisation issued into their passports, by the month of issue; a
// revoked badge and another organisation's are not counted.
func TestAcceptancesPerMonth(t *testing.T) {
	base, _ := url.Parse("http://laurel.test")
	w := newWorld(t, testkit.DB(t), base)
	ctx := context.Background()
	max := actor("http://laurel.test/actors/max")
	now := time.Now().UTC()
	win := report.LastMonths(now, 3)
	lastMonth := win.First.AddDate(0, 1, 2)
	answer := func(a issuer.Assertion, accept bool) {
		t.Helper()
		for _, it := range items(t, w.pool, w.max) {
			if it.AssertionID != w.urls.Assertion(a.UUID) {
				continue
			}
			var err error
			if accept {
				_, err = passport.Accept(ctx, w.pool, w.max.ID, it.UUID)
			} else {
				_, err = passport.Decline(ctx, w.pool, w.max.ID, it.UUID)
			}
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("assertion %s is not in max's passport", a.UUID)
	}
	answer(w.issue(t, w.deliver(), max), true)
	answer(w.issue(t, w.deliver(), max), false)
	w.issue(t, w.deliver(), max) // pending
	answer(w.issue(t, w.deliver(), max, func(in *issuer.AssertionInput) { in.IssuedOn = &lastMonth }), true)
	revoked := w.issue(t, w.deliver(), max)
	answer(revoked, true)
	if _, err := issuer.Revoke(ctx, w.pool, account.NodeActor(), w.org.ID, revoked.UUID, "mistake"); err != nil {
		t.Fatal(err)
	}
	w.issue(t, issuer.Hooks{}, email("someone@example.org")) // to no passport here

	got, err := passport.AcceptancesPerMonth(ctx, w.pool, w.urls, w.org.ID, win)
	if err != nil {
		t.Fatal(err)
	}
	want := []passport.AcceptanceMonth{{}, {Delivered: 1, Accepted: 1}, {Delivered: 3, Accepted: 1, Declined: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("acceptances = %+v, want %+v", got, want)
	}
	other, err := issuer.CreateOrganisation(ctx, w.pool, issuer.NewOrganisation{Slug: "other", Name: "Other", Country: "SE"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := passport.AcceptancesPerMonth(ctx, w.pool, w.urls, other.ID, win); err != nil || !slices.Equal(got, make([]passport.AcceptanceMonth, 3)) {
		t.Errorf("acceptances of an organisation that issued nothing = %+v, %v", got, err)
	}

	s, err := passport.SummaryOf(ctx, w.pool, w.max.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The revoked badge stays accepted in the passport, marked revoked.
	if want := (passport.Summary{Accepted: 3, Pending: 1}); s != want {
		t.Errorf("max's passport = %+v, want %+v", s, want)
	}
}
