package pgcluster

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// These tests run real PostgreSQL servers; each one uses its own directory, so
// they run in parallel.

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// clusterDir returns a not yet existing cluster directory under a fresh
// t.TempDir. If a test leaves a server running, it is shut down at cleanup.
func clusterDir(t *testing.T, name string) string {
	t.Helper()
	base := t.TempDir()
	if os.Geteuid() == 0 {
		// t.TempDir and its parent are mode 0700; as root the server runs as
		// postgres, which must be able to reach the cluster directory.
		for _, d := range []string{filepath.Dir(base), base} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := filepath.Join(base, name)
	t.Cleanup(func() { shutdownLeftover(t, filepath.Join(dir, "data")) })
	return dir
}

// shutdownLeftover stops a server that a test left running (fast shutdown,
// then SIGKILL), so that it does not outlive the test binary.
func shutdownLeftover(t *testing.T, dataDir string) {
	pf, err := readPIDFile(dataDir)
	if err != nil || !pf.running {
		return
	}
	t.Logf("shutting down leftover server %d", pf.pid)
	syscall.Kill(pf.pid, syscall.SIGINT)
	for range 100 {
		if pf, _ := readPIDFile(dataDir); !pf.running {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	killServer(t, dataDir)
}

// openCluster opens an ephemeral cluster in dir and stops it at cleanup.
func openCluster(t *testing.T, ctx context.Context, dir string) *Cluster {
	t.Helper()
	c, err := Open(ctx, Options{Dir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

// tWriter sends log lines to t.Log, so they show only for failing tests or -v.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func connect(t *testing.T, ctx context.Context, c *Cluster, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, c.ConnString(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryString(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string) string {
	t.Helper()
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func isRunning(t *testing.T, c *Cluster) bool {
	t.Helper()
	pf, err := readPIDFile(c.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	return pf.running
}

func TestOpenStopRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sub        string // cluster directory inside the test's temp dir
		tempSocket bool   // socket path too long for dir/sock
	}{
		{"short path", "pg", false},
		{"long path uses socket dir in TMPDIR", strings.Repeat("d", 100) + "/pg", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			dir := clusterDir(t, tt.sub)
			if tt.tempSocket {
				sock, err := socketDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(sock) }) // runs after Stop
			}

			c := openCluster(t, ctx, dir)
			if !c.StartedHere() {
				t.Error("StartedHere = false for a fresh cluster")
			}
			if got := strings.HasPrefix(c.sockDir, os.TempDir()+"/laurel-pg-"); got != tt.tempSocket {
				t.Errorf("socket dir %s: in TMPDIR = %v, want %v", c.sockDir, got, tt.tempSocket)
			}
			// A name that needs quoting in both SQL and the connection string.
			const db = "laurel test's"
			for range 2 {
				if err := c.EnsureDatabase(ctx, db); err != nil {
					t.Fatalf("EnsureDatabase: %v", err)
				}
			}
			conn := connect(t, ctx, c, db)
			if got := queryString(t, ctx, conn, "SELECT 1::text"); got != "1" {
				t.Errorf("SELECT 1 = %q", got)
			}
			exec1(t, ctx, conn, "CREATE TABLE kept (v text)")
			exec1(t, ctx, conn, "INSERT INTO kept VALUES ('survives restart')")
			conn.Close(ctx)

			if err := c.Stop(ctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if isRunning(t, c) {
				t.Fatal("server still running after Stop")
			}

			c2 := openCluster(t, ctx, dir)
			if !c2.StartedHere() {
				t.Error("StartedHere = false after restart")
			}
			conn = connect(t, ctx, c2, db)
			if got := queryString(t, ctx, conn, "SELECT v FROM kept"); got != "survives restart" {
				t.Errorf("after restart: got %q", got)
			}
		})
	}
}

func TestStalePostmasterPID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// livePID returns the PID to write into postmaster.pid after the
		// crash, or 0 to keep the dead postmaster's PID.
		livePID func(t *testing.T) int
	}{
		{"postmaster dead", func(*testing.T) int { return 0 }},
		{"PID reused by this process", func(*testing.T) int { return os.Getpid() }},
		{"PID reused by another program", func(t *testing.T) int {
			cmd := exec.Command("sleep", "60")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			return cmd.Process.Pid
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			dir := clusterDir(t, "pg")
			c := openCluster(t, ctx, dir)
			conn := connect(t, ctx, c, "postgres")
			exec1(t, ctx, conn, "CREATE TABLE kept (v text)")
			exec1(t, ctx, conn, "INSERT INTO kept VALUES ('survives crash')")
			exec1(t, ctx, conn, "CHECKPOINT")
			conn.Close(ctx)

			killServer(t, c.dataDir)
			// The crashed process would have lost its lease with it; Stop
			// releases it and finds nothing to stop.
			if err := c.Stop(ctx); err != nil {
				t.Fatalf("Stop after crash: %v", err)
			}
			if pid := tt.livePID(t); pid != 0 {
				pidPath := filepath.Join(c.dataDir, "postmaster.pid")
				b, err := os.ReadFile(pidPath)
				if err != nil {
					t.Fatal(err)
				}
				_, rest, _ := strings.Cut(string(b), "\n")
				if err := os.WriteFile(pidPath, []byte(strconv.Itoa(pid)+"\n"+rest), 0o600); err != nil {
					t.Fatal(err)
				}
			}

			c2 := openCluster(t, ctx, dir)
			if !c2.StartedHere() {
				t.Error("StartedHere = false: stale postmaster.pid taken for a running server")
			}
			conn = connect(t, ctx, c2, "postgres")
			if got := queryString(t, ctx, conn, "SELECT v FROM kept"); got != "survives crash" {
				t.Errorf("after crash: got %q", got)
			}
		})
	}
}

// killServer kills the postmaster of dataDir with SIGKILL, like a crash, then
// its children (which all have the data directory as working directory), and
// waits until they are gone: leftover children would keep the old shared
// memory in use and prevent a restart.
func killServer(t *testing.T, dataDir string) {
	t.Helper()
	pf, err := readPIDFile(dataDir)
	if err != nil || !pf.running {
		t.Fatalf("no server to kill in %s (%v)", dataDir, err)
	}
	syscall.Kill(pf.pid, syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		procs := serverProcesses(dataDir)
		if len(procs) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server processes %v of %s did not exit", procs, dataDir)
		}
		for _, pid := range procs {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serverProcesses lists the live (not zombie) processes working in dataDir.
func serverProcesses(dataDir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if isPostmaster(pid, dataDir) { // same test: a live postgres process in dataDir
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestReuse(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dir := clusterDir(t, "pg")
	first := openCluster(t, ctx, dir)

	second := openCluster(t, ctx, dir)
	if second.StartedHere() {
		t.Error("second Open: StartedHere = true, want false")
	}
	conn := connect(t, ctx, second, "postgres")
	if got := queryString(t, ctx, conn, "SELECT 'second'"); got != "second" {
		t.Errorf("second cluster: got %q", got)
	}
	conn.Close(ctx)
	if err := second.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if !isRunning(t, first) {
		t.Fatal("Stop on the reusing Cluster stopped the server")
	}
	connect(t, ctx, first, "postgres") // still accepts connections

	// The starter leaves the server running while somebody else uses it.
	third := openCluster(t, ctx, dir)
	if err := first.Stop(ctx); err != nil {
		t.Fatalf("first Stop: %v", err)
	}
	if !isRunning(t, third) {
		t.Fatal("starter's Stop stopped a server another Cluster still uses")
	}
	connect(t, ctx, third, "postgres")
}

func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	dir := clusterDir(t, "pg")

	const n = 3
	clusters := make([]*Cluster, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			clusters[i], errs[i] = Open(ctx, Options{Dir: dir, Ephemeral: true})
			if errs[i] == nil {
				errs[i] = clusters[i].EnsureDatabase(ctx, "shared")
			}
		})
	}
	wg.Wait()
	var starter *Cluster
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		if clusters[i].StartedHere() {
			if starter != nil {
				t.Fatal("more than one Open started the server")
			}
			starter = clusters[i]
		}
	}
	if starter == nil {
		t.Fatal("no Open started the server")
	}
	for _, c := range clusters {
		conn := connect(t, ctx, c, "shared")
		if got := queryString(t, ctx, conn, "SELECT 1::text"); got != "1" {
			t.Errorf("SELECT 1 = %q", got)
		}
		conn.Close(ctx)
	}
	// Stop the starter last: it stops the server only once nobody else uses it.
	for _, c := range clusters {
		if c != starter {
			if err := c.Stop(ctx); err != nil {
				t.Errorf("Stop: %v", err)
			}
		}
	}
	if err := starter.Stop(ctx); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if isRunning(t, starter) {
		t.Error("server still running after every Cluster stopped")
	}
}

func TestNoBinaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []string // executables to put in BinDir
	}{
		{"empty directory", nil},
		{"incomplete installation", []string{"initdb", "pg_ctl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			binDir := t.TempDir()
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(binDir, f), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			dir := clusterDir(t, "pg")
			_, err := Open(testContext(t), Options{Dir: dir, BinDir: binDir})
			if !errors.Is(err, ErrNoBinaries) {
				t.Fatalf("Open: err = %v, want ErrNoBinaries", err)
			}
			for _, want := range []string{"DATABASE_URL", "apt-get install postgresql", binDir} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
				t.Error("data directory created although there are no binaries")
			}
		})
	}
}

// As root the server runs as postgres, which must be able to reach the
// directory; t.TempDir is mode 0700, so it cannot.
func TestRootUnreachableDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root switches to another user")
	}
	t.Parallel()
	base := t.TempDir() // its parent is mode 0700: deliberately left so
	_, err := Open(testContext(t), Options{Dir: filepath.Join(base, "pg")})
	if err == nil {
		t.Fatal("Open succeeded in a directory the server user cannot reach")
	}
	for _, want := range []string{"chmod o+x " + filepath.Dir(base), "DATABASE_URL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	if _, err := os.Stat(filepath.Join(base, "pg")); err == nil {
		t.Error("cluster directory created although the server user cannot reach it")
	}
}

func TestConnString(t *testing.T) {
	c := &Cluster{sockDir: "/tmp/it's here"}
	got := c.ConnString("db name")
	want := `host='/tmp/it\'s here' port=5432 user=postgres dbname='db name' sslmode=disable`
	if got != want {
		t.Errorf("ConnString = %s, want %s", got, want)
	}
	cfg, err := pgx.ParseConfig(got)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "/tmp/it's here" || cfg.Database != "db name" || cfg.User != "postgres" {
		t.Errorf("parsed back: host %q db %q user %q", cfg.Host, cfg.Database, cfg.User)
	}
}
