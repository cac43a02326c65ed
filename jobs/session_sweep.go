package jobs

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
)

// SessionSweepArgs asks for expired browser sessions to be deleted. River's
// periodic scheduler runs it on the leader only, so several processes of
// one node do not sweep at once.
type SessionSweepArgs struct{}

// Kind names the job in River's table.
func (SessionSweepArgs) Kind() string { return "session_sweep" }

// SessionSweepWorker deletes expired sessions.
type SessionSweepWorker struct {
	river.WorkerDefaults[SessionSweepArgs]
	pool *pgxpool.Pool
}

// Work deletes the sessions whose expiry has passed.
func (w *SessionSweepWorker) Work(ctx context.Context, job *river.Job[SessionSweepArgs]) error {
	_, err := account.DeleteExpiredSessions(ctx, w.pool)
	return err
}
