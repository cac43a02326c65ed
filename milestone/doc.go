// Package milestone owns milestone badges: a badge class of an
// organisation issued automatically, exactly once per earner, when the
// earner holds the badges its rule asks for — all of a list, some of a
// list, or a number of badges carrying given tags, optionally counting
// partners' badges held verified in the earner's passport on this node.
//
// A milestone is evaluated in the transaction that issues a qualifying
// badge of its organisation (WithMilestones wraps issuer.Hooks), and by
// the milestone_evaluate job when an earner accepts or adds a badge to
// their passport (Milestones.Accepted queues it in that transaction),
// since that badge may come from another node. Revoking a qualifying badge
// revokes the milestone only when it says so (Revoked, called by the
// revoking transaction). The package owns the milestone tables and their
// SQL; it reads badges through packages issuer and passport.
package milestone

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the package needs of a connection: a pool, a connection or a
// transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}
