package node

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/pgcluster"
)

// Database is the node's connection pool, and the embedded PostgreSQL
// behind it when the node runs its own.
type Database struct {
	Pool    *pgxpool.Pool
	cluster *pgcluster.Cluster
	log     *slog.Logger
}

// DefaultDBMaxConns is the pool size when Config.DBMaxConns is zero: the
// River workers that touch the database (20 of the default queue, 4 of
// mail; deliveries hold a connection only around their bookkeeping, not
// while they wait for a peer) plus 16 for HTTP requests. N processes on one
// PostgreSQL need N times the pool within its max_connections (100 by
// default, the embedded cluster's too).
const DefaultDBMaxConns = 40

func (c Config) dbMaxConns() int {
	if c.DBMaxConns > 0 {
		return c.DBMaxConns
	}
	return DefaultDBMaxConns
}

// embeddedDBName is the database the embedded cluster holds Laurel's data in.
const embeddedDBName = "laurel"

// OpenDatabase connects to cfg.DatabaseURL, or, when it is empty, to the
// embedded PostgreSQL under DataDir/pg, initialising and starting it as
// needed. It checks first that DataDir is writable, since everything the
// node keeps lives there.
func OpenDatabase(ctx context.Context, cfg Config) (*Database, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkWritable(cfg.DataDir); err != nil {
		return nil, err
	}
	d := &Database{log: log}
	connString := cfg.DatabaseURL
	if connString == "" {
		c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Join(cfg.DataDir, "pg"), BinDir: cfg.PGBinDir, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		d.cluster = c
		if err := c.EnsureDatabase(ctx, embeddedDBName); err != nil {
			_ = d.Close(ctx)
			return nil, fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		connString = c.ConnString(embeddedDBName)
	}
	poolCfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("database URL: %w", err)
	}
	dbpool.Configure(poolCfg, dbpool.Options{MaxConns: int32(cfg.dbMaxConns()), AcquireTimeout: cfg.DBAcquireTimeout,
		Check: cfg.DBHoldCheck})
	if d.Pool, err = pgxpool.NewWithConfig(ctx, poolCfg); err != nil {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.Pool.Ping(pingCtx); err != nil {
		_ = d.Close(ctx)
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return d, nil
}

// Description says which database this is, for the start-up log.
func (d *Database) Description() string {
	if d.cluster != nil {
		return "embedded"
	}
	c := d.Pool.Config().ConnConfig
	return fmt.Sprintf("postgres://%s:%d/%s", c.Host, c.Port, c.Database)
}

// Close closes the pool and stops the embedded PostgreSQL if this process
// started it.
func (d *Database) Close(ctx context.Context) error {
	if d.Pool != nil {
		d.Pool.Close()
	}
	if d.cluster != nil {
		if err := d.cluster.Stop(ctx); err != nil {
			return fmt.Errorf("stop embedded PostgreSQL: %w", err)
		}
	}
	return nil
}

// checkWritable creates dir if needed and proves we can write in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
