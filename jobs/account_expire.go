package jobs

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
)

// AccountExpireArgs asks for the accounts that never confirmed their
// address to go (account.ExpireUnconfirmed): hourly, on the leader.
type AccountExpireArgs struct{}

// Kind names the job in River's table.
func (AccountExpireArgs) Kind() string { return "account_expire" }

// AccountExpireWorker deletes unconfirmed accounts whose links expired,
// retiring their actors through Federation.
type AccountExpireWorker struct {
	river.WorkerDefaults[AccountExpireArgs]
	pool       *pgxpool.Pool
	federation *federation.Federation
}

// Work deletes them.
func (w *AccountExpireWorker) Work(ctx context.Context, job *river.Job[AccountExpireArgs]) error {
	_, err := account.ExpireUnconfirmed(ctx, w.pool, w.federation.DeleteActor)
	return err
}
