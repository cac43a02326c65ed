// Package account owns the people who log in to a node: users and their
// password hashes, their roles (node admin; admin, creator, issuer or reviewer of an
// organisation; every user is also an earner), and API tokens. Browser
// sessions live in its sessions table, managed by the web package's session
// manager.
package account

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
