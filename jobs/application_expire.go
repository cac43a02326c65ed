package jobs

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/application"
)

// ApplicationExpireArgs asks for the badge applications never confirmed
// to go (application.ExpireUnconfirmed): hourly, on the leader.
type ApplicationExpireArgs struct{}

// Kind names the job in River's table.
func (ApplicationExpireArgs) Kind() string { return "application_expire" }

// ApplicationExpireWorker deletes unconfirmed applications whose
// confirmation links expired, and forgets applicants' client addresses
// after a day.
type ApplicationExpireWorker struct {
	river.WorkerDefaults[ApplicationExpireArgs]
	pool *pgxpool.Pool
}

// Work deletes them.
func (w *ApplicationExpireWorker) Work(ctx context.Context, job *river.Job[ApplicationExpireArgs]) error {
	_, err := application.ExpireUnconfirmed(ctx, w.pool)
	return err
}
