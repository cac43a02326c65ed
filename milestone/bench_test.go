package milestone_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/testkit"
)

// BenchmarkIssueWithMilestone issues one badge per op of a class that has
// history assertions to other earners already, in an organisation whose
// milestone lists the class: every issue evaluates the milestone (the
// earner's assertions are found by hashing their address with each
// assertion's salt) without completing it. Baseline, one op in turn with
// each op measured: the same issue in an organisation alike without
// milestones. x_baseline is the milestone's time over the baseline's.
// Run with: go test -run '^$' -bench IssueWithMilestone -benchtime 200x -count 3 ./milestone
func BenchmarkIssueWithMilestone(b *testing.B) {
	ctx := context.Background()
	pool := testkit.DB(b)
	base := &url.URL{Scheme: "https", Host: "laurel.example"}
	for _, history := range []int{100, 2000} {
		var plain, with *world
		var plainBadge, withBadge issuer.BadgeClass
		for _, milestoned := range []bool{false, true} {
			w := newWorld(b, pool, base)
			a, other := w.badge(b, "Arduino"), w.badge(b, "Breadboard")
			if milestoned {
				w.milestone(b, "Maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a, other)})
				with, withBadge = w, a
			} else {
				plain, plainBadge = w, a
			}
			var ins []issuer.AssertionInput
			for i := range history {
				ins = append(ins, issuer.AssertionInput{Recipient: email(fmt.Sprintf("history%d@example.org", i))})
			}
			if _, err := issuer.Issue(ctx, pool, account.NodeActor(), issuer.Hooks{}, w.urls, w.org, a, ins); err != nil {
				b.Fatal(err)
			}
		}
		issue := func(w *world, bc issuer.BadgeClass, i int) time.Duration {
			start := time.Now()
			in := []issuer.AssertionInput{{Recipient: email(fmt.Sprintf("new%d@example.org", i))}}
			if _, err := issuer.Issue(ctx, pool, account.NodeActor(), w.hooks, w.urls, w.org, bc, in); err != nil {
				b.Fatal(err)
			}
			return time.Since(start)
		}
		b.Run(fmt.Sprintf("history=%d", history), func(b *testing.B) {
			var baseline, measured time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				baseline += issue(plain, plainBadge, i)
				b.StartTimer()
				measured += issue(with, withBadge, i)
			}
			b.ReportMetric(float64(measured)/float64(baseline), "x_baseline")
		})
	}
}
