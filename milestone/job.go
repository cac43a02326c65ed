package milestone

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
)

// Milestones evaluates milestones in the background for one node: the
// milestone_evaluate job, queued when an earner takes a badge into their
// passport.
type Milestones struct {
	pool  *pgxpool.Pool
	urls  issuer.URLs
	hooks issuer.Hooks
	queue issuer.Queue
}

// New returns the milestones of a node. Until SetHooks, a milestone the
// job issues is only put into its earner's passport.
func New(pool *pgxpool.Pool, u issuer.URLs) *Milestones {
	return &Milestones{pool: pool, urls: u, hooks: WithMilestones(issuer.Hooks{Issued: func(ctx context.Context, tx pgx.Tx,
		o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion, r issuer.Recipient) error {
		return passport.DeliverIssued(ctx, tx, u, o, b, a, r)
	}}, u)}
}

// SetHooks gives the hooks the job issues milestones with: those of any
// issuing on the node (claim email, fediverse mention, backpack), which
// should come through WithMilestones so that a milestone may complete
// another. Call it before the River client starts.
func (m *Milestones) SetHooks(h issuer.Hooks) { m.hooks = h }

// SetQueue gives the River client Accepted queues jobs on.
func (m *Milestones) SetQueue(q issuer.Queue) { m.queue = q }

// Accepted queues, in the transaction tx that accepted or added item it
// to a passport, the evaluation of the milestones it may count toward.
// Only a verified badge counts; the job runs after tx commits.
func (m *Milestones) Accepted(ctx context.Context, tx pgx.Tx, it passport.Item) error {
	if !it.Verified || it.State != passport.Accepted {
		return nil
	}
	if m.queue == nil {
		return errors.New("milestone: no job queue to evaluate milestones on")
	}
	_, err := m.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: EvaluateArgs{UserID: it.UserID, Item: it.UUID}}})
	if err != nil {
		return fmt.Errorf("queue milestone evaluation: %w", err)
	}
	return nil
}

// EvaluateArgs is the job that evaluates, for the earner of a badge taken
// into their passport, the milestones it counts toward: those that list
// it (a partner's badge, by its BadgeClass id) or count its issuer's
// tagged badges.
type EvaluateArgs struct {
	UserID int64  `json:"user_id"`
	Item   string `json:"item"` // the passport item's uuid
}

// Kind implements river.JobArgs.
func (EvaluateArgs) Kind() string { return "milestone_evaluate" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (EvaluateArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// EvaluateWorker runs EvaluateArgs jobs.
type EvaluateWorker struct {
	river.WorkerDefaults[EvaluateArgs]
	Milestones *Milestones
}

// Work evaluates the milestones; an item removed meanwhile counts for
// nothing.
func (w *EvaluateWorker) Work(ctx context.Context, job *river.Job[EvaluateArgs]) error {
	_, err := w.Milestones.Evaluate(ctx, job.Args.UserID, job.Args.Item)
	return err
}

// Evaluate evaluates, for passport user userID, the milestones their
// item (by uuid) counts toward, each in a transaction of its own, and
// returns how many it issued.
func (m *Milestones) Evaluate(ctx context.Context, userID int64, item string) (int, error) {
	it, err := passport.ItemByUUID(ctx, m.pool, userID, item)
	if problem.Is(err, problem.NotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	h := describe(it)
	if h.badgeURL == "" {
		return 0, nil
	}
	var issuers []string
	for _, id := range h.issuers {
		issuers = append(issuers, id, strings.Replace(id, "/ob/v3/issuers/", "/ob/issuers/", 1))
	}
	ms, err := query(ctx, m.pool, m.urls, `WHERE m.id IN (SELECT milestone_id FROM milestone_requirement WHERE badge_url = $1)
		OR (m.rule = 'tags' AND m.partners && $2)`, h.badgeURL, nonNil(issuers))
	if err != nil {
		return 0, err
	}
	issued := 0
	for _, ms := range ms {
		err := pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
			e, err := EarnerOfUser(ctx, tx, m.urls, userID)
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
			if after, err := awardOf(ctx, tx, ms.ID, e.keys()); err == nil && before == 0 && after != 0 {
				issued++
			}
			return err
		})
		if err != nil {
			return issued, fmt.Errorf("evaluate milestone %s for user %d: %w", ms.Name, userID, err)
		}
	}
	return issued, nil
}
