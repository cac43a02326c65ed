package milestone

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/issuer"
)

// backfillBatch bounds how many earners one milestone_backfill job
// evaluates; the job then queues the next batch, so that no job runs
// long whatever the organisation's size.
const backfillBatch = 100

// BackfillArgs is the job that issues a milestone, just made or changed,
// to the earners who meet it already: those who would otherwise wait for
// their next qualifying badge. It evaluates a batch of earners and queues
// the next batch from where it stopped (After*).
type BackfillArgs struct {
	Milestone int64 `json:"milestone"`
	// Users: the batch is of passport users (after the recipients of
	// assertions, by AfterKind and AfterIdentity), from user AfterUser on.
	Users         bool   `json:"users,omitempty"`
	AfterKind     string `json:"after_kind,omitempty"`
	AfterIdentity string `json:"after_identity,omitempty"`
	AfterUser     int64  `json:"after_user,omitempty"`
}

// Kind implements river.JobArgs.
func (BackfillArgs) Kind() string { return "milestone_backfill" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (BackfillArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// queueBackfill queues, in tx that saved milestone id, its backfill; a nil
// q (a process that runs no jobs) queues none.
func queueBackfill(ctx context.Context, tx pgx.Tx, q issuer.Queue, id int64) error {
	if q == nil {
		return nil
	}
	if _, err := q.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: BackfillArgs{Milestone: id}}}); err != nil {
		return fmt.Errorf("queue milestone backfill: %w", err)
	}
	return nil
}

// BackfillWorker runs BackfillArgs jobs.
type BackfillWorker struct {
	river.WorkerDefaults[BackfillArgs]
	Milestones *Milestones
}

// Work evaluates one batch and queues the next, in a transaction of its
// own after the batch's; without a queue it goes on to the end itself.
func (w *BackfillWorker) Work(ctx context.Context, job *river.Job[BackfillArgs]) error {
	m := w.Milestones
	_, next, err := m.backfillBatch(ctx, job.Args)
	if err != nil || next == nil {
		return err
	}
	if m.queue == nil {
		_, err := m.backfillFrom(ctx, *next)
		return err
	}
	return pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		if _, err := m.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: *next}}); err != nil {
			return fmt.Errorf("queue the next milestone backfill batch: %w", err)
		}
		return nil
	})
}

// Backfill evaluates milestone id for every earner who may meet it, batch
// after batch, and returns how many it issued it to. Those who have it
// already, even revoked, do not get it again.
func (m *Milestones) Backfill(ctx context.Context, id int64) (int, error) {
	return m.backfillFrom(ctx, BackfillArgs{Milestone: id})
}

func (m *Milestones) backfillFrom(ctx context.Context, at BackfillArgs) (int, error) {
	total := 0
	for {
		n, next, err := m.backfillBatch(ctx, at)
		total += n
		if err != nil || next == nil {
			return total, err
		}
		at = *next
	}
}

// backfillBatch evaluates the milestone for one batch of candidates, each
// in a transaction of its own, and returns where the next batch starts,
// nil after the last. Candidates are the recipients (fediverse actors and
// web pages) of the organisation's assertions of the badge classes the
// milestone counts, then the passport users of this node whose confirmed
// address such an assertion went to or whose passport holds a partner's
// badge it may count. An address that is no user's is kept only hashed:
// its earner gets the milestone with their next qualifying badge.
func (m *Milestones) backfillBatch(ctx context.Context, at BackfillArgs) (int, *BackfillArgs, error) {
	list, err := query(ctx, m.pool, m.urls, `WHERE m.id = $1`, at.Milestone)
	if err != nil || len(list) == 0 || list[0].Archived {
		return 0, nil, err // deleted meanwhile, or issued to no one
	}
	ms := list[0]
	classes, err := m.countedClasses(ctx, ms)
	if err != nil {
		return 0, nil, err
	}
	issued := 0
	if !at.Users {
		rows, err := m.pool.Query(ctx, `SELECT DISTINCT a.recipient_kind, a.recipient_identity FROM assertion a
			WHERE a.badge_class_id = ANY ($1) AND a.recipient_kind IN ('actor', 'url') AND a.revoked_at IS NULL
			AND (a.recipient_kind, a.recipient_identity) > ($2, $3)
			ORDER BY 1, 2 LIMIT $4`, classes, at.AfterKind, at.AfterIdentity, backfillBatch)
		if err != nil {
			return 0, nil, fmt.Errorf("find earners of milestone %s: %w", ms.Name, err)
		}
		rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (issuer.Recipient, error) {
			var rc issuer.Recipient
			return rc, r.Scan(&rc.Kind, &rc.Identity)
		})
		if err != nil {
			return 0, nil, fmt.Errorf("find earners of milestone %s: %w", ms.Name, err)
		}
		for _, r := range rs {
			n, err := m.evaluateEarner(ctx, ms, func(tx pgx.Tx) (Earner, error) { return EarnerOfRecipient(ctx, tx, m.urls, r) })
			issued += n
			if err != nil {
				return issued, nil, err
			}
		}
		next := BackfillArgs{Milestone: at.Milestone, Users: true}
		if len(rs) == backfillBatch {
			last := rs[len(rs)-1]
			next = BackfillArgs{Milestone: at.Milestone, AfterKind: last.Kind, AfterIdentity: last.Identity}
		}
		return issued, &next, nil
	}
	var badgeURLs, partners []string
	if ms.countsPartners() {
		for _, r := range ms.Requirements {
			if r.Partner {
				badgeURLs = append(badgeURLs, r.BadgeURL)
			}
		}
		for _, p := range ms.Partners {
			partners = append(partners, p, issuer.ProfileV3Of(p), strings.Replace(p, "/ob/v3/issuers/", "/ob/issuers/", 1))
		}
	}
	// The address is compared as issuing hashes it (issuer.AssertionsTo).
	// A 3.0 credential's achievement is read by the evaluation itself: any
	// such item makes its holder a candidate.
	rows, err := m.pool.Query(ctx, `SELECT u.id FROM app_user u WHERE u.id > $1 AND (
		(u.email_verified AND EXISTS (SELECT 1 FROM assertion a WHERE a.badge_class_id = ANY ($2)
			AND a.recipient_kind = 'email' AND a.revoked_at IS NULL
			AND a.recipient_identity = 'sha256$' || encode(sha256(convert_to(lower(btrim(u.email)) || a.recipient_salt, 'UTF8')), 'hex')))
		OR ($5 AND EXISTS (SELECT 1 FROM backpack_item i WHERE i.user_id = u.id AND i.state = 'accepted'
			AND i.verified AND NOT i.revoked AND (i.badge->>'id' = ANY ($3) OR i.badge->>'issuer' = ANY ($4)
			OR i.issuer->>'id' = ANY ($4) OR i.credential <> '{}'::jsonb))))
		ORDER BY u.id LIMIT $6`, at.AfterUser, classes, nonNil(badgeURLs), nonNil(partners), ms.countsPartners(), backfillBatch)
	if err != nil {
		return 0, nil, fmt.Errorf("find passport users for milestone %s: %w", ms.Name, err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, nil, fmt.Errorf("find passport users for milestone %s: %w", ms.Name, err)
	}
	for _, id := range users {
		n, err := m.evaluateEarner(ctx, ms, func(tx pgx.Tx) (Earner, error) { return EarnerOfUser(ctx, tx, m.urls, id) })
		issued += n
		if err != nil {
			return issued, nil, err
		}
	}
	if len(users) < backfillBatch {
		return issued, nil, nil
	}
	return issued, &BackfillArgs{Milestone: at.Milestone, Users: true, AfterUser: users[len(users)-1]}, nil
}

// countedClasses are the ids of the organisation's badge classes that
// count toward ms, as gather finds them.
func (m *Milestones) countedClasses(ctx context.Context, ms Milestone) ([]int64, error) {
	ids := []int64{}
	if ms.Rule != RuleTags {
		for _, r := range ms.Requirements {
			if r.BadgeClassID != 0 {
				ids = append(ids, r.BadgeClassID)
			}
		}
		return ids, nil
	}
	classes, err := issuer.BadgeClassesTagged(ctx, m.pool, ms.OrganisationID, ms.Tags)
	if err != nil {
		return nil, err
	}
	for _, b := range classes {
		if b.ID != ms.BadgeClassID {
			ids = append(ids, b.ID)
		}
	}
	return ids, nil
}

// evaluateEarner evaluates ms, in a transaction of its own, for the earner
// earner finds in it, and returns 1 when that issued it.
func (m *Milestones) evaluateEarner(ctx context.Context, ms Milestone, earner func(pgx.Tx) (Earner, error)) (int, error) {
	issued := 0
	err := pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		e, err := earner(tx)
		if err != nil {
			return err
		}
		before, err := awardOf(ctx, tx, ms.ID, e.keys())
		if err != nil {
			return err
		}
		if err := evaluate(ctx, tx, m.hooks, m.urls, ms, e); err != nil {
			return err
		}
		after, err := awardOf(ctx, tx, ms.ID, e.keys())
		if err == nil && before == 0 && after != 0 {
			issued = 1
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("evaluate milestone %s: %w", ms.Name, err)
	}
	return issued, nil
}
