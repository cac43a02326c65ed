package federation_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/testkit"
)

// TestPrune: what outlived its retention goes, what did not stays, and a
// pending follow keeps its Follow (the answer embeds it).
func TestPrune(t *testing.T) {
	ctx := context.Background()
	pool := testkit.DB(t)
	base, _ := url.Parse("https://laurel.example")
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	ada, err := federation.AddActor(ctx, pool, "ada", federation.Person, "username")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := 24 * time.Hour
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	received := func(activityID string, age time.Duration) {
		exec(`INSERT INTO inbox_activity (activity_id, type, actor, document, received_at)
			VALUES ($1, 'Follow', 'https://other.example/u/zoe', '{"type": "Follow"}', $2)`, activityID, now.Add(-age))
	}
	received("https://other.example/a/fresh", time.Hour)
	received("https://other.example/a/week-old", 8*day)
	received("https://other.example/a/month-old", 31*day)
	received("https://other.example/a/pending-follow", 31*day)
	exec(`INSERT INTO follow (follow_id, follower, followee, state) VALUES ('https://other.example/a/pending-follow',
		'https://other.example/u/zoe', 'https://laurel.example/actors/ada', 'pending')`)
	exec(`INSERT INTO outbox_activity (activity_id, actor_id, type, public, document) VALUES
		('https://laurel.example/actors/ada/activities/1', $1, 'Create', true, '{}')`, ada.ID)
	for i, d := range []struct {
		state string
		age   time.Duration
	}{{"delivered", day}, {"delivered", 8 * day}, {"failed", 30 * day}, {"pending", 0}} {
		exec(`INSERT INTO delivery (outbox_id, inbox, state, delivered_at)
			SELECT id, $1, $2, $3 FROM outbox_activity`, "https://x.example/inbox/"+string(rune('a'+i)), d.state, now.Add(-d.age))
	}
	exec(`INSERT INTO remote_post (object_id, actor, deleted_at) VALUES
		('https://other.example/n/old', 'https://other.example/u/zoe', $1),
		('https://other.example/n/new', 'https://other.example/u/zoe', $2)`, now.Add(-31*day), now.Add(-day))
	exec(`INSERT INTO remote_post (object_id, actor, content, received_at) VALUES
		('https://other.example/n/kept', 'https://other.example/u/zoe', 'hello', $1)`, now.Add(-400*day))

	got, err := fed.Prune(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (federation.Pruned{Activities: 1, Bodies: 1, Deliveries: 1, Tombstones: 1}); got != want {
		t.Fatalf("pruned %+v, want %+v", got, want)
	}
	var ids []string
	rows, _ := pool.Query(ctx, `SELECT activity_id || ':' || (document IS NOT NULL)::text FROM inbox_activity ORDER BY id`)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		ids = append(ids, s)
	}
	want := []string{"https://other.example/a/fresh:true", "https://other.example/a/week-old:false", "https://other.example/a/pending-follow:true"}
	if len(ids) != len(want) || ids[0] != want[0] || ids[1] != want[1] || ids[2] != want[2] {
		t.Fatalf("inbox rows %v, want %v", ids, want)
	}
	var deliveries, posts int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM delivery`).Scan(&deliveries)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM remote_post`).Scan(&posts)
	if deliveries != 3 || posts != 2 {
		t.Fatalf("%d deliveries and %d posts left, want 3 (the recent, the failed, the pending) and 2 (a recent tombstone, a live post)", deliveries, posts)
	}
	// A second run finds nothing more.
	if again, err := fed.Prune(ctx, now); err != nil || again != (federation.Pruned{}) {
		t.Fatalf("second prune: %+v, %v", again, err)
	}
}
