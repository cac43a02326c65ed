// Package issuer owns organisations as issuers of badges: their profiles now,
// and, as the product grows, badge classes, assertions, revocation, the
// partner network, endorsements, requests, templates, sharing and alignments.
// It owns its tables and its SQL; other packages call its functions.
package issuer

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the package needs of a connection: a pool, a connection or a
// transaction, so that callers can put several changes in one transaction
// (Begin on a transaction makes a savepoint).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}
