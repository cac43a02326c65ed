package milestone_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/milestone"
)

// backfills is the milestone_backfill job queue of a world: an
// insert-only River client, and the worker its jobs are run with.
type backfills struct {
	w      *world
	client *jobs.Client
	worker *milestone.BackfillWorker
}

func newBackfills(t *testing.T, w *world) *backfills {
	t.Helper()
	ms := milestone.New(w.pool, w.urls)
	ms.SetHooks(w.hooks)
	client, err := jobs.NewClient(w.pool, jobs.Config{InsertOnly: true, Milestones: ms})
	if err != nil {
		t.Fatal(err)
	}
	return &backfills{w: w, client: client, worker: &milestone.BackfillWorker{Milestones: ms}}
}

// queued takes the milestone_backfill jobs queued so far off the queue.
func (q *backfills) queued(t *testing.T) []milestone.BackfillArgs {
	t.Helper()
	rows, err := q.w.pool.Query(context.Background(), `DELETE FROM river_job WHERE kind = 'milestone_backfill' RETURNING args`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []milestone.BackfillArgs
	for rows.Next() {
		var raw []byte
		var a milestone.BackfillArgs
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// run runs every queued backfill job, times times each (as a job retried
// after it did its work would), and the batches they queue in turn.
func (q *backfills) run(t *testing.T, times int) int {
	t.Helper()
	ran := 0
	for list := q.queued(t); len(list) > 0; list = q.queued(t) {
		for _, a := range list {
			for range times {
				if err := q.worker.Work(context.Background(), &river.Job[milestone.BackfillArgs]{Args: a}); err != nil {
					t.Fatalf("backfill %+v: %v", a, err)
				}
				ran++
			}
		}
	}
	return ran
}

// TestBackfill: making a milestone issues it to the earners who meet it
// already, once each even when its job runs twice; changing its rule
// issues it to those the new rule is met by, and to no one who has it,
// even revoked by hand; an archived milestone is issued to no one.
func TestBackfill(t *testing.T) {
	ctx := context.Background()
	w := testWorld(t)
	q := newBackfills(t, w)
	a, b := w.badge(t, "Arduino"), w.badge(t, "Breadboard")
	w.user(t, "eva", "eva@example.org")
	eva := email("eva@example.org") // a passport user here, known by her confirmed address
	ana := issuer.Recipient{Kind: issuer.RecipientActor, Identity: "https://mastodon.example/users/ana"}
	tom := issuer.Recipient{Kind: issuer.RecipientActor, Identity: "https://gts.example/users/tom"}
	for _, r := range []issuer.Recipient{eva, ana} {
		w.issue(t, a, r)
		w.issue(t, b, r)
	}
	w.issue(t, a, tom)

	m := w.badge(t, "Maker")
	_, err := milestone.Create(ctx, w.pool, q.client, w.urls, w.org.ID, milestone.Input{Badge: m.UUID, Rule: milestone.RuleAll, Requirements: reqs(a, b)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.awarded(t, m)); n != 0 {
		t.Fatalf("%d milestones before the backfill ran", n)
	}
	if ran := q.run(t, 2); ran < 2 {
		t.Fatalf("making the milestone queued no backfill (%d runs)", ran)
	}
	want := map[issuer.Recipient]int{eva: 1, ana: 1, tom: 0}
	check := func(when string) {
		t.Helper()
		for r, n := range want {
			if got := len(w.awardedTo(t, m, r)); got != n {
				t.Errorf("%s: %s has the milestone %d times, want %d", when, r.Identity, got, n)
			}
		}
		total := 0
		for _, n := range want {
			total += n
		}
		if got := len(w.awarded(t, m)); got != total {
			t.Errorf("%s: the milestone was issued %d times, want %d", when, got, total)
		}
	}
	check("made")

	// Eva's is revoked by hand; the rule changes so that Tom meets it.
	w.revoke(t, w.awardedTo(t, m, eva)[0], "awarded by mistake")
	if _, err := milestone.Update(ctx, w.pool, q.client, w.urls, w.org.ID, m.UUID,
		milestone.Input{Rule: milestone.RuleSome, Required: 1, Requirements: reqs(a, b)}); err != nil {
		t.Fatal(err)
	}
	q.run(t, 1)
	want[tom] = 1
	check("changed")
	if list := w.awardedTo(t, m, eva); len(list) != 1 || !list[0].Revoked() {
		t.Errorf("Eva's milestone revoked by hand: %d, revoked %v", len(list), len(list) == 1 && list[0].Revoked())
	}

	// Archived, a milestone is issued to no one, backfilled or not.
	arch := w.badge(t, "Archived")
	if _, err := milestone.Create(ctx, w.pool, q.client, w.urls, w.org.ID, milestone.Input{Badge: arch.UUID, Rule: milestone.RuleAll, Requirements: reqs(a)}); err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.ArchiveBadgeClass(ctx, w.pool, account.NodeActor(), w.org.ID, arch.UUID, true); err != nil {
		t.Fatal(err)
	}
	q.run(t, 1)
	if n := len(w.awarded(t, arch)); n != 0 {
		t.Errorf("an archived milestone was backfilled to %d earners", n)
	}
}
