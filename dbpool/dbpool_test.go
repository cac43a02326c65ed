package dbpool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func openPool(t *testing.T, o Options) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testkit.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	Configure(cfg, o)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// TestBoundedWait: a marked context waits for a connection no longer than
// the bound and is then Busy; an unmarked one waits as long as its own
// context lets it.
func TestBoundedWait(t *testing.T) {
	pool := openPool(t, Options{MaxConns: 1, AcquireTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	held, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	marked := Bounded(ctx)
	start := time.Now()
	_, err = pool.Exec(marked, "SELECT 1")
	if took := time.Since(start); err == nil || took > 2*time.Second {
		t.Fatalf("marked request with the pool exhausted: %v after %s, want a timeout after about 200 ms", err, took)
	}
	if !Busy(marked, err) {
		t.Fatalf("Busy(%v) = false", err)
	}
	unmarked, cancel := context.WithTimeout(ctx, 600*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = pool.Exec(unmarked, "SELECT 1")
	if took := time.Since(start); err == nil || took < 500*time.Millisecond {
		t.Fatalf("unmarked: %v after %s, want to wait for its own deadline (600 ms)", err, took)
	}
	if Busy(unmarked, err) {
		t.Fatal("an unmarked context's own deadline counted as a busy pool")
	}
	held.Release()
	if _, err := pool.Exec(Bounded(ctx), "SELECT 1"); err != nil {
		t.Fatalf("with a connection free: %v", err)
	}
}

// TestHoldCheck: a second acquire by a goroutine holding a connection is
// reported, with where it happened; one after the other is not.
func TestHoldCheck(t *testing.T) {
	check := NewHoldCheck()
	pool := openPool(t, Options{MaxConns: 4, Check: check})
	ctx := context.Background()
	for range 3 {
		if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "SELECT 1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v := check.Violations(); len(v) != 0 {
		t.Fatalf("violations without nesting: %v", v)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := pool.Exec(ctx, "SELECT 1") // the mistake: the pool, not tx
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v := check.Violations()
	if len(v) != 1 {
		t.Fatalf("%d violations, want 1: %v", len(v), v)
	}
	if want := "dbpool.TestHoldCheck"; !strings.Contains(v[0], want) {
		t.Fatalf("violation %q does not name %s", v[0], want)
	}
}

func TestUnavailable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{fmt.Errorf("look up API token: %w", &pgconn.ConnectError{}), true},
		{&pgconn.PgError{Code: "57P01"}, true},  // admin shutdown
		{&pgconn.PgError{Code: "57P03"}, true},  // cannot connect now
		{&pgconn.PgError{Code: "08006"}, true},  // connection failure
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation: a bug or a race, not an outage
		{fmt.Errorf("x: %w", pgconn.ErrConnClosed), true},
	}
	for _, tt := range tests {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
