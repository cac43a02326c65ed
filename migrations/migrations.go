// Package migrations holds Laurel's SQL schema as numbered files embedded in
// the binary, and applies them together with River's own migrations.
//
// Migrations run under an advisory lock, so two processes starting at once
// apply them once. River's run first, each version in its own transaction
// (some of them cannot share one: PostgreSQL refuses to use an enum value in
// the transaction that added it); then all of ours in one transaction, so a
// failure in any of them leaves Laurel's schema exactly as it was.
package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// lockKey is the advisory lock that serialises migrations between processes.
// Any constant works as long as nothing else in the database uses it.
const lockKey = 0x6c617572656c // "laurel"

// Migration is one embedded SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// All returns the embedded migrations in version order. It fails on a file
// whose name does not follow NNNN_name.sql or on a duplicate version, so a
// mistake is caught by the tests rather than at a user's start-up.
func All() ([]Migration, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var all []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q: name must look like 0001_name.sql", e.Name())
		}
		version, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(files, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		if len(all) > 0 && all[len(all)-1].Version == version {
			return nil, fmt.Errorf("migration %s: version %d used twice", e.Name(), version)
		}
		all = append(all, Migration{Version: version, Name: m[2], SQL: string(body)})
	}
	slices.SortFunc(all, func(a, b Migration) int { return a.Version - b.Version })
	return all, nil
}

// Hash identifies the schema the embedded migrations produce; the test kit
// uses it to name template databases.
func Hash() (string, error) {
	all, err := All()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range all {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Result says what Apply did.
type Result struct {
	River  []int // River migration versions applied
	Laurel []int // Laurel migration versions applied
}

// Apply brings the database up to date: River's schema first (our tables may
// refer to its job table), then ours.
func Apply(ctx context.Context, pool *pgxpool.Pool) (Result, error) {
	all, err := All()
	if err != nil {
		return Result{}, err
	}
	return apply(ctx, pool, all)
}

func apply(ctx context.Context, pool *pgxpool.Pool, all []Migration) (Result, error) {
	var res Result
	conn, err := lock(ctx, pool)
	if err != nil {
		return res, err
	}
	defer func() {
		// Closing the session releases the lock too; unlocking first says so.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey)
		_ = conn.Close(context.WithoutCancel(ctx))
	}()

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return res, fmt.Errorf("river migrator: %w", err)
	}
	rr, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return res, fmt.Errorf("river migrations: %w", err)
	}
	for _, v := range rr.Versions {
		res.River = append(res.River, v.Version)
	}

	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS laurel_migration (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create migration table: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM laurel_migration").Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		for _, m := range all {
			if m.Version <= current {
				continue
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO laurel_migration (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
				return fmt.Errorf("record migration %04d: %w", m.Version, err)
			}
			res.Laurel = append(res.Laurel, m.Version)
		}
		return nil
	})
	if err != nil {
		return Result{River: res.River}, err
	}
	return res, nil
}

// lock takes the migration lock on a connection of its own, outside the
// pool, and returns that connection: holding a pooled connection while
// River's migrations take others from the same pool is the hold-and-wait
// that can exhaust a small pool. It polls with pg_try_advisory_lock, so
// that a waiter never blocks inside PostgreSQL.
func lock(ctx context.Context, pool *pgxpool.Pool) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", err)
	}
	for {
		var got bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", lockKey).Scan(&got); err != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("take migration lock: %w", err)
		}
		if got {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			_ = conn.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("wait for migration lock: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
