package federation

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Retention of what the inbox and the outbox keep (see docs/FEDERATION.md).
const (
	// InboxIDRetention is how long a received activity's id is kept, so
	// that a redelivery (servers retry for a day or two) is recognised as
	// one and not applied twice.
	InboxIDRetention = 30 * 24 * time.Hour
	// InboxBodyRetention is how long the whole document of a received
	// activity is kept, for operators to look at; after it, only its id,
	// type and actor. The documents of follows still waiting for approval
	// stay, since the answer embeds the Follow as received.
	InboxBodyRetention = 7 * 24 * time.Hour
	// DeliveredRetention is how long a delivered delivery row is kept.
	// Failed ones stay for the admin page until retried or removed.
	DeliveredRetention = 7 * 24 * time.Hour
	// TombstoneRetention is how long a deleted post's tombstone is kept
	// to stop a late Create; no server retries for longer.
	TombstoneRetention = 30 * 24 * time.Hour
)

// pruneBatch bounds one statement of the prune job, so that it never
// holds many row locks at once or runs long.
const pruneBatch = 5000

// PruneArgs asks for old inbox, delivery and tombstone rows to be removed.
// jobs.NewClient schedules it hourly.
type PruneArgs struct{}

// Kind names prune jobs in River's table.
func (PruneArgs) Kind() string { return "federation_prune" }

// PruneWorker runs PruneArgs.
type PruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	Federation *Federation
}

// Work removes, in batches, what has outlived its retention.
func (w *PruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	_, err := w.Federation.Prune(ctx, time.Now())
	return err
}

// Pruned counts what one prune removed.
type Pruned struct {
	Activities, Bodies, Deliveries, Tombstones int64
}

// Prune removes what has outlived its retention as of now: received
// activities (InboxIDRetention) and their bodies (InboxBodyRetention),
// delivered delivery rows (DeliveredRetention) and the tombstones of
// deleted posts (TombstoneRetention).
func (f *Federation) Prune(ctx context.Context, now time.Time) (Pruned, error) {
	var p Pruned
	steps := []struct {
		what  string
		n     *int64
		sql   string
		since time.Duration
	}{
		{"received activities", &p.Activities, `DELETE FROM inbox_activity WHERE id IN (
			SELECT id FROM inbox_activity WHERE received_at < $1
			  AND activity_id NOT IN (SELECT follow_id FROM follow WHERE state = 'pending') LIMIT $2)`, InboxIDRetention},
		{"bodies of received activities", &p.Bodies, `UPDATE inbox_activity SET document = NULL WHERE id IN (
			SELECT id FROM inbox_activity WHERE received_at < $1 AND document IS NOT NULL
			  AND activity_id NOT IN (SELECT follow_id FROM follow WHERE state = 'pending') LIMIT $2)`, InboxBodyRetention},
		{"delivered deliveries", &p.Deliveries, `DELETE FROM delivery WHERE (outbox_id, inbox) IN (
			SELECT outbox_id, inbox FROM delivery WHERE state = 'delivered' AND delivered_at < $1 LIMIT $2)`, DeliveredRetention},
		{"tombstones of posts", &p.Tombstones, `DELETE FROM remote_post WHERE id IN (
			SELECT id FROM remote_post WHERE deleted_at < $1 LIMIT $2)`, TombstoneRetention},
	}
	for _, s := range steps {
		for {
			tag, err := f.cfg.Pool.Exec(ctx, s.sql, now.Add(-s.since), pruneBatch)
			if err != nil {
				return p, fmt.Errorf("prune %s: %w", s.what, err)
			}
			*s.n += tag.RowsAffected()
			if tag.RowsAffected() < pruneBatch {
				break
			}
		}
	}
	return p, nil
}
