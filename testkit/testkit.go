// Package testkit gives tests real PostgreSQL databases, fast: one
// throwaway cluster per test process (or the server at DATABASE_URL), and a
// fresh database per test cloned from a migrated template with
// github.com/peterldowns/pgtestdb.
//
// A package that uses it runs its tests through Main:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
package testkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb uses
	"github.com/peterldowns/pgtestdb"

	"github.com/laurelnet/laurel/migrations"
	"github.com/laurelnet/laurel/pgcluster"
)

// server is the PostgreSQL server of this test process. It is package state
// because `go test` gives no other place to share one server between the
// tests of a package; Main stops it.
var server struct {
	once    sync.Once
	dir     string
	cluster *pgcluster.Cluster
	config  pgtestdb.Config
	err     error
}

// Main runs the tests and then stops the throwaway cluster, if one was
// started, so that no PostgreSQL outlives the test process.
func Main(m *testing.M) {
	code := m.Run()
	if server.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := server.cluster.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "testkit: stop PostgreSQL:", err)
		}
		cancel()
		os.RemoveAll(server.dir)
	}
	os.Exit(code)
}

// startServer finds the server tests use: DATABASE_URL when set, otherwise
// a throwaway cluster tuned for speed over durability.
func startServer() (pgtestdb.Config, error) {
	server.once.Do(func() {
		base := os.Getenv("DATABASE_URL")
		if base == "" {
			reapOrphans()
			server.dir, server.err = os.MkdirTemp("", "laurel-testpg-")
			if server.err != nil {
				return
			}
			if server.err = os.WriteFile(filepath.Join(server.dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); server.err != nil {
				return
			}
			// When tests run as root, PostgreSQL runs as the postgres user
			// and must be able to enter the directory.
			if server.err = os.Chmod(server.dir, 0o755); server.err != nil {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			server.cluster, server.err = pgcluster.Open(ctx, pgcluster.Options{Dir: server.dir + "/pg", Ephemeral: true})
			if server.err != nil {
				return
			}
			base = server.cluster.ConnString("postgres")
		}
		server.config, server.err = pgtestdbConfig(base)
	})
	return server.config, server.err
}

// ownerFile holds the pid of the test process that owns a throwaway cluster.
const ownerFile = "owner.pid"

// reapOrphans stops and removes the throwaway clusters of test processes
// that died without running Main's clean-up (killed by a timeout, say):
// their PostgreSQL, started by pg_ctl, would otherwise run on forever.
func reapOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "laurel-testpg-*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not one of ours, or still being set up
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
			continue // its owner is alive
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), Ephemeral: true}); err == nil {
			_ = c.Stop(ctx)
		}
		cancel()
		os.RemoveAll(dir)
	}
}

// pgtestdbConfig turns a connection string into pgtestdb's pieces. A Unix
// socket directory goes into the options as host=..., which pgx reads.
func pgtestdbConfig(connString string) (pgtestdb.Config, error) {
	pc, err := pgx.ParseConfig(connString)
	if err != nil {
		return pgtestdb.Config{}, fmt.Errorf("parse test database URL: %w", err)
	}
	c := pgtestdb.Config{
		DriverName: "pgx",
		User:       pc.User,
		Password:   pc.Password,
		Database:   pc.Database,
		Port:       strconv.Itoa(int(pc.Port)),
		Options:    "sslmode=disable",
	}
	if len(pc.Host) > 0 && pc.Host[0] == '/' {
		c.Options += "&host=" + pc.Host
	} else {
		c.Host = pc.Host
	}
	return c, nil
}

// migrator prepares pgtestdb's template database with Laurel's schema.
type migrator struct{}

// Hash names the template: it changes whenever our migrations or River's
// version change.
func (migrator) Hash() (string, error) {
	h, err := migrations.Hash()
	if err != nil {
		return "", err
	}
	river := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/riverqueue/river" {
				river = d.Version
			}
		}
	}
	return h + "-river-" + river, nil
}

func (migrator) Migrate(ctx context.Context, _ *sql.DB, c pgtestdb.Config) error {
	pool, err := pgxpool.New(ctx, c.URL())
	if err != nil {
		return err
	}
	defer pool.Close()
	_, err = migrations.Apply(ctx, pool)
	return err
}

// DatabaseURL returns the connection string of a fresh, fully migrated
// database that lives as long as the test.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base, err := startServer()
	if err != nil {
		t.Fatalf("testkit: PostgreSQL for tests: %v (run scripts/test-setup.sh, or set DATABASE_URL)", err)
	}
	return pgtestdb.Custom(t, base, migrator{}).URL()
}

// DB returns a pool on a fresh, fully migrated database, closed when the
// test ends.
func DB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), DatabaseURL(t))
	if err != nil {
		t.Fatalf("testkit: connect to test database: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
