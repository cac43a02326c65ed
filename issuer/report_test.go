package issuer_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/report"
	"github.com/laurelnet/laurel/testkit"
)

func TestIssuedAndClaimedPerMonth(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	now := time.Now().UTC()
	w := report.LastMonths(now, 4)
	month := func(i int) time.Time { return w.First.AddDate(0, i, 1).Add(10 * time.Hour) } // the 2nd of month i, 10:00
	o, other := newOrg(t, db, "counted"), newOrg(t, db, "other")
	in := validBadge(t)
	in.Name = "Alpha"
	alpha, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, in)
	in.Name = "beta"
	beta, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, in)
	in.Name = "Theirs"
	theirs, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), other.ID, in)

	issue := func(b issuer.BadgeClass, org issuer.Organisation, at time.Time, kind string) issuer.Assertion {
		t.Helper()
		identity := "earner@example.org"
		if kind == "url" {
			identity = "https://earner.example/"
		}
		list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, org, b, []issuer.AssertionInput{
			{Recipient: issuer.Recipient{Kind: kind, Identity: identity}, IssuedOn: &at}})
		if err != nil {
			t.Fatal(err)
		}
		return list[0]
	}
	claim := func(a issuer.Assertion) {
		t.Helper()
		if _, err := db.Exec(ctx, `UPDATE assertion SET claimed_at = now() WHERE id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Month 0: two of Alpha by email, one claimed. Month 1: none.
	// Month 2: one of beta to a URL, one of Alpha revoked. Month 3 (this
	// month): one of Alpha, claimed. Before the window: one of Alpha.
	// The other organisation issues this month too.
	claim(issue(alpha, o, month(0), "email"))
	issue(alpha, o, month(0), "email")
	issue(beta, o, month(2), "url")
	revoked := issue(alpha, o, month(2), "email")
	claim(revoked)
	if _, err := issuer.Revoke(ctx, db, account.NodeActor(), o.ID, revoked.UUID, "mistake"); err != nil {
		t.Fatal(err)
	}
	claim(issue(alpha, o, now, "email"))
	issue(alpha, o, w.First.AddDate(0, -1, 3), "email")
	claim(issue(theirs, other, now, "email"))

	got, err := issuer.IssuedPerMonth(ctx, db, o.ID, w)
	if err != nil {
		t.Fatal(err)
	}
	want := []issuer.BadgeMonths{
		{UUID: alpha.UUID, Name: "Alpha", Issued: []int{2, 0, 0, 1}},
		{UUID: beta.UUID, Name: "beta", Issued: []int{0, 0, 1, 0}},
	}
	if !slices.EqualFunc(got, want, func(a, b issuer.BadgeMonths) bool {
		return a.UUID == b.UUID && a.Name == b.Name && slices.Equal(a.Issued, b.Issued)
	}) {
		t.Errorf("issued per month = %+v, want %+v", got, want)
	}

	claims, err := issuer.ClaimsPerMonth(ctx, db, o.ID, w)
	if err != nil {
		t.Fatal(err)
	}
	if want := []issuer.ClaimMonth{{2, 1}, {0, 0}, {0, 0}, {1, 1}}; !slices.Equal(claims, want) {
		t.Errorf("claims per month = %v, want %v", claims, want)
	}

	for _, c := range []struct {
		org  issuer.Organisation
		want issuer.Summary
	}{
		{o, issuer.Summary{Badges: 2, IssuedThisMonth: 1, Issued: 5, Claimed: 2}},
		{other, issuer.Summary{Badges: 1, IssuedThisMonth: 1, Issued: 1, Claimed: 1}},
		{newOrg(t, db, "empty"), issuer.Summary{}},
	} {
		s, err := issuer.SummaryOf(ctx, db, c.org.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if s != c.want {
			t.Errorf("summary of %s = %+v, want %+v", c.org.Slug, s, c.want)
		}
	}

	events, err := issuer.RecentActivity(ctx, db, o.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events, want 3: %+v", len(events), events)
	}
	for i, e := range events {
		if e.Name == "Theirs" || (e.Kind != "issued" && e.Kind != "claimed") || (i > 0 && e.At.After(events[i-1].At)) {
			t.Errorf("events = %+v: want ours, newest first", events)
		}
	}
}

func TestIssuedPerMonthOfNothing(t *testing.T) {
	db := testkit.DB(t)
	o := newOrg(t, db, "quiet")
	w := report.LastMonths(time.Now(), 12)
	got, err := issuer.IssuedPerMonth(context.Background(), db, o.ID, w)
	if err != nil || len(got) != 0 {
		t.Fatalf("issued of an organisation that issued nothing = %v, %v", got, err)
	}
	claims, err := issuer.ClaimsPerMonth(context.Background(), db, o.ID, w)
	if err != nil || len(claims) != 12 || slices.ContainsFunc(claims, func(c issuer.ClaimMonth) bool { return c != issuer.ClaimMonth{} }) {
		t.Fatalf("claims = %v, %v: want twelve empty months", claims, err)
	}
}
