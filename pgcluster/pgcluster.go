// Package pgcluster runs a private PostgreSQL cluster in a directory, using the
// PostgreSQL server binaries installed on the machine (initdb, pg_ctl, postgres).
//
// Laurel uses it for the embedded default database of `laurel serve` (DATA/pg)
// and for one throwaway cluster per test process.
//
// # Layout
//
// Everything lives under Options.Dir, which belongs to the OS user the server
// runs as:
//
//	Dir/
//	  data/               the PostgreSQL data directory (PGDATA), created by initdb
//	    laurel.conf       settings rewritten before every start; included from postgresql.conf
//	  sock/               Unix socket directory, mode 0700 (see "Socket" below)
//	  log/postgresql.log  server log (rotated to postgresql.log.1 past 10 MB, at start)
//	  open.lock           flock serialising initdb, start and stop between processes
//	  users.lock          shared flock held by every open Cluster (see Cluster.Stop)
//
// While initdb runs, the new cluster is built in Dir/data.initdb and renamed to
// Dir/data only once it is complete, so a crash during initdb never leaves a
// half-initialised data directory behind.
//
// # Access
//
// The server listens on no TCP address. Connections over the Unix socket are
// trusted as any role (superuser "postgres"); the socket directory's mode 0700
// is what keeps them private to the server's OS user and root.
//
// # Socket
//
// Unix socket paths are limited to 107 bytes. When Dir/sock/.s.PGSQL.5432
// would be longer, the socket directory is os.TempDir()/laurel-pg-<12 hex
// digits of SHA-256(Dir)> instead. The port is always 5432: with no TCP it only
// names the socket file, and every cluster has its own socket directory.
//
// # Root
//
// PostgreSQL refuses to run as root. When the caller is root, the server
// programs run as the owner of an existing data directory, otherwise as the
// system user "postgres" (or "nobody" if there is no postgres user), and the
// directories are chowned to that user.
//
// # Crash recovery
//
// The server is started with pg_ctl, so it is not tied to the calling process:
// if the caller dies, the server keeps running and the next Open reuses it.
// A postmaster.pid left behind by a server that died is detected and removed.
// The last Cluster to Stop stops the server, whoever started it, so a server
// adopted after a crash is still shut down cleanly at the end.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// port only names the socket file (.s.PGSQL.5432): the server has no TCP listener.
	port = 5432
	// superuser is the bootstrap role created by initdb -U, whatever the OS user.
	superuser = "postgres"
	// readyTimeout bounds the wait for connections when ctx has no deadline,
	// so that a wedged server cannot hang Open forever.
	readyTimeout = time.Minute
)

// ErrNoBinaries is returned (wrapped) when no PostgreSQL server binaries are found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found")

// Options configure a cluster.
type Options struct {
	// Dir is the cluster directory, e.g. DATA/pg; created if missing.
	Dir string
	// Logger receives progress messages (initdb, start, reuse, stop); nil discards them.
	Logger *slog.Logger
	// Ephemeral tunes for throwaway test clusters: initdb --no-sync, fsync=off,
	// synchronous_commit=off, full_page_writes=off. Never use it for data you want to keep.
	Ephemeral bool
	// BinDir, if set, is the only directory searched for initdb, pg_ctl and
	// postgres. When empty they are looked up in PATH, then in
	// `pg_config --bindir`, then in /usr/lib/postgresql/*/bin (highest version first).
	BinDir string
}

// Cluster is a PostgreSQL server running in a directory, opened by Open.
// Its methods are safe for concurrent use.
type Cluster struct {
	// Set by Open, read-only afterwards.
	dir         string // Options.Dir, absolute
	dataDir     string
	sockDir     string
	logFile     string
	log         *slog.Logger
	owner       owner    // OS user the server runs as
	binDir      string   // Options.BinDir
	bins        binaries // set when this process started the server, else found by Stop
	startedHere bool

	mu    sync.Mutex
	users *os.File // shared flock on users.lock while open; nil once stopped
}

// Open initialises the cluster on first use (initdb), starts it if it is not
// already running, recovers from a stale postmaster.pid left by a crash, and
// waits until it accepts connections.
//
// Several processes (or goroutines) may open the same Dir at once: initdb and
// start are serialised by a lock file, and all of them end up connected to the
// one server. If Open fails after it launched the server (for instance ctx
// expired during a long crash recovery), the server is left running for the
// next Open to reuse.
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("open PostgreSQL cluster: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL cluster %s: %w", opts.Dir, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{
		dir:     dir,
		dataDir: filepath.Join(dir, "data"),
		logFile: filepath.Join(dir, "log", "postgresql.log"),
		log:     log,
		binDir:  opts.BinDir,
	}
	if c.sockDir, err = socketDir(dir); err != nil {
		return nil, err
	}
	// Parents get the usual 0755 so that, when we are root, the server's user
	// can reach Dir (Dir itself is private, see prepareDirs).
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	if c.owner, err = chooseOwner(dir, c.dataDir); err != nil {
		return nil, err
	}
	if err := c.prepareDirs(); err != nil {
		return nil, err
	}

	if err := c.startOrReuse(ctx, opts); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		c.users.Close()
		return nil, err
	}
	return c, nil
}

// startOrReuse registers c as a user of the server and starts the server
// unless it is already running, all under open.lock: only one process at a
// time may decide whether the server runs and start it; the others wait for
// the lock and then find it running.
func (c *Cluster) startOrReuse(ctx context.Context, opts Options) (err error) {
	lock, err := lockFile(ctx, filepath.Join(c.dir, "open.lock"), syscall.LOCK_EX, c.owner)
	if err != nil {
		return fmt.Errorf("lock cluster %s: %w", c.dir, err)
	}
	defer lock.Close()

	// Register before looking at the server. A Stop in another process takes
	// open.lock too, so it either sees this lease and leaves the server
	// running, or finishes stopping it before we look and we start it again.
	c.users, err = lockFile(ctx, filepath.Join(c.dir, "users.lock"), syscall.LOCK_SH, c.owner)
	if err != nil {
		return fmt.Errorf("lock cluster %s: %w", c.dir, err)
	}
	defer func() {
		if err != nil {
			c.users.Close()
		}
	}()

	pf, err := readPIDFile(c.dataDir)
	if err != nil {
		return err
	}
	if !pf.running {
		if err := c.start(ctx, opts); err != nil {
			return err
		}
		c.startedHere = true
		return nil
	}
	c.log.Info("reusing running PostgreSQL", "dir", c.dataDir, "pid", pf.pid)
	// Connect where the server actually listens: a process with another TMPDIR
	// would compute another fallback socket directory.
	if pf.sockDir != "" {
		c.sockDir = pf.sockDir
	}
	return nil
}

// ConnString returns a pgx-compatible connection string for database name over
// the private socket, as superuser postgres.
func (c *Cluster) ConnString(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		connValue(c.sockDir), port, superuser, connValue(dbname))
}

// connValue quotes a keyword/value connection string value when it needs it
// (paths and database names may contain spaces or quotes).
func connValue(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\r'\\") {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// EnsureDatabase creates database name if it does not exist. It is idempotent
// and safe when several processes race to create the same database.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("ensure database: empty name")
	}
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("ensure database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	// CREATE DATABASE has no IF NOT EXISTS. When another session wins the race
	// ours fails with duplicate_database, or with a unique violation on
	// pg_database's name index; either way the database now exists.
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == pgerrcode.DuplicateDatabase || pgErr.Code == pgerrcode.UniqueViolation) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	c.log.Info("created database", "name", name)
	return nil
}

// Stop stops the server (fast shutdown: open sessions are disconnected) and
// waits for it to exit, unless another open Cluster, in this process or
// another, still uses it: the last one out stops the server, whether it
// started it or found it running. Stop is idempotent; the Cluster must not
// be used afterwards.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	users := c.users
	if users == nil {
		return nil
	}
	c.users = nil
	defer users.Close()

	lock, err := lockFile(ctx, filepath.Join(c.dir, "open.lock"), syscall.LOCK_EX, c.owner)
	if err != nil {
		return fmt.Errorf("stop PostgreSQL in %s: %w", c.dataDir, err)
	}
	defer lock.Close()
	// Upgrading our shared lease to exclusive succeeds only if no other Cluster
	// holds one; nobody can take a new lease while we hold open.lock.
	if err := syscall.Flock(int(users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			c.log.Info("leaving PostgreSQL running: still used by another process", "dir", c.dataDir)
			return nil
		}
		return fmt.Errorf("stop PostgreSQL in %s: lock users.lock: %w", c.dataDir, err)
	}
	pf, err := readPIDFile(c.dataDir)
	if err != nil {
		return fmt.Errorf("stop PostgreSQL in %s: %w", c.dataDir, err)
	}
	if !pf.running {
		return nil // it died or was stopped behind our back: nothing to do
	}
	if c.bins.dir == "" { // found running: its starter is gone
		version, err := c.clusterVersion()
		if err == nil {
			c.bins, err = findBinaries(ctx, c.binDir, version)
		}
		if err != nil {
			return fmt.Errorf("stop PostgreSQL in %s: %w", c.dataDir, err)
		}
	}
	c.log.Info("stopping PostgreSQL", "dir", c.dataDir, "pid", pf.pid)
	err = c.run(ctx, c.bins.path("pg_ctl"), "stop", "-D", c.dataDir, "-m", "fast", "-w", "-t", timeoutSecs(ctx))
	if err != nil {
		return fmt.Errorf("stop PostgreSQL in %s: %w", c.dataDir, err)
	}
	return nil
}

// StartedHere reports whether this process started the server (as opposed to
// finding it already running).
func (c *Cluster) StartedHere() bool { return c.startedHere }

// waitReady waits until the server accepts connections. pg_ctl start -w
// already waits for servers we start, but a server found running may still be
// starting up or in crash recovery.
func (c *Cluster) waitReady(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	for {
		err := c.ping(ctx)
		if err == nil {
			return nil
		}
		if pf, perr := readPIDFile(c.dataDir); perr == nil && !pf.running {
			return fmt.Errorf("connect to PostgreSQL in %s: server is not running (%v); server log: %s",
				c.dataDir, err, logTail(c.logFile))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("connect to PostgreSQL in %s: %w (last error: %v); server log: %s",
				c.dataDir, ctx.Err(), err, logTail(c.logFile))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ping opens and closes one connection to the postgres database.
func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// timeoutSecs is the -t argument for pg_ctl: what is left of ctx's deadline,
// or pg_ctl's own default of 60 seconds.
func timeoutSecs(ctx context.Context) string {
	d, ok := ctx.Deadline()
	if !ok {
		return "60"
	}
	return strconv.Itoa(max(1, int(time.Until(d).Seconds()+0.999)))
}
