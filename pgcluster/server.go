package pgcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// socketFile is the name PostgreSQL gives its socket for port 5432.
	socketFile = ".s.PGSQL.5432"
	// maxSocketPath is sizeof(sockaddr_un.sun_path) on Linux minus the NUL.
	maxSocketPath = 107
	// confName is the settings file written before every start.
	confName = "laurel.conf"
	// maxLogSize is the size past which the server log is rotated at start.
	maxLogSize = 10 << 20
)

// socketDir returns the socket directory for cluster directory dir: dir/sock,
// or a short directory under os.TempDir() when the socket path would not fit
// in a sockaddr_un.
func socketDir(dir string) (string, error) {
	sock := filepath.Join(dir, "sock")
	if len(filepath.Join(sock, socketFile)) <= maxSocketPath {
		return sock, nil
	}
	sum := sha256.Sum256([]byte(dir))
	sock = filepath.Join(os.TempDir(), "laurel-pg-"+hex.EncodeToString(sum[:6]))
	if len(filepath.Join(sock, socketFile)) > maxSocketPath {
		return "", fmt.Errorf("socket directory for %s: path too long even under %s; set TMPDIR to a shorter directory", dir, os.TempDir())
	}
	return sock, nil
}

// start initialises the cluster if needed and starts the server with pg_ctl.
// The caller holds open.lock and has checked that the server is not running.
func (c *Cluster) start(ctx context.Context, opts Options) error {
	wantMajor, err := c.clusterVersion()
	if err != nil {
		return err
	}
	if c.bins, err = findBinaries(ctx, opts.BinDir, wantMajor); err != nil {
		return fmt.Errorf("start PostgreSQL in %s: %w", c.dataDir, err)
	}
	if wantMajor == "" {
		if err := c.initdb(ctx, opts.Ephemeral); err != nil {
			return err
		}
	}
	// The server is not running, so whatever it left behind is stale. Its own
	// check would refuse to start if a stale PID now belongs to a live process.
	for _, p := range []string{
		filepath.Join(c.dataDir, "postmaster.pid"),
		filepath.Join(c.sockDir, socketFile),
		filepath.Join(c.sockDir, socketFile+".lock"),
	} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clear stale server state: %w", err)
		}
	}
	if err := c.writeConf(opts.Ephemeral); err != nil {
		return err
	}
	c.rotateLog()

	c.log.Info("starting PostgreSQL", "dir", c.dataDir, "bindir", c.bins.dir)
	err = c.run(ctx, c.bins.path("pg_ctl"), "start", "-D", c.dataDir, "-l", c.logFile, "-w", "-t", timeoutSecs(ctx))
	if err != nil {
		return fmt.Errorf("start PostgreSQL in %s: %w; server log: %s", c.dataDir, err, logTail(c.logFile))
	}
	return nil
}

// clusterVersion returns the major version recorded in the data directory, or
// "" when there is no data directory yet.
func (c *Cluster) clusterVersion() (string, error) {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "PG_VERSION"))
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if _, serr := os.Stat(c.dataDir); errors.Is(serr, fs.ErrNotExist) {
		return "", nil
	}
	return "", fmt.Errorf("data directory %s is not a PostgreSQL cluster (%w); move it away so it can be recreated", c.dataDir, err)
}

// initdb creates the data directory. It builds the cluster under a temporary
// name and renames it into place when complete, so that a crash halfway never
// leaves a broken data directory that later Opens would try to start.
func (c *Cluster) initdb(ctx context.Context, ephemeral bool) error {
	tmp := c.dataDir + ".initdb"
	if err := os.RemoveAll(tmp); err != nil { // left by a crashed initdb
		return fmt.Errorf("initdb %s: %w", c.dataDir, err)
	}
	c.log.Info("initialising PostgreSQL cluster", "dir", c.dataDir, "bindir", c.bins.dir)
	args := []string{"-D", tmp, "-U", superuser, "-A", "trust", "--locale=C", "--encoding=UTF8"}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	if err := c.run(ctx, c.bins.path("initdb"), args...); err != nil {
		return fmt.Errorf("initdb %s: %w", c.dataDir, err)
	}

	// initdb -A trust also trusts TCP from localhost; allow the socket only.
	hba := "# Written by laurel: trust local socket connections only; the socket directory is mode 0700.\n" +
		"local all all trust\n"
	// Settings that must hold on every start live in laurel.conf, rewritten by
	// each start. Included last, so they override postgresql.conf, while
	// ALTER SYSTEM (postgresql.auto.conf, read after) can still tune them.
	include := "\n# Added by laurel: settings it needs (socket, no TCP, memory) live in " + confName + ",\n" +
		"# which laurel rewrites before every start.\ninclude = '" + confName + "'\n"
	if err := os.WriteFile(filepath.Join(tmp, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("initdb %s: %w", c.dataDir, err)
	}
	if err := appendFile(filepath.Join(tmp, "postgresql.conf"), include); err != nil {
		return fmt.Errorf("initdb %s: %w", c.dataDir, err)
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("initdb %s: %w", c.dataDir, err)
	}
	return nil
}

// appendFile appends text to an existing file, keeping its owner and mode.
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeConf writes laurel.conf, which postgresql.conf includes.
func (c *Cluster) writeConf(ephemeral bool) error {
	var b strings.Builder
	b.WriteString("# Written by laurel before every start: edits here are lost. Use ALTER SYSTEM to override.\n")
	b.WriteString("listen_addresses = ''\n") // no TCP: the socket directory's mode is the access control
	fmt.Fprintf(&b, "port = %d\n", port)
	fmt.Fprintf(&b, "unix_socket_directories = '%s'\n", strings.ReplaceAll(c.sockDir, "'", "''"))
	b.WriteString("unix_socket_permissions = 0700\n")
	b.WriteString("max_connections = 100\n")
	b.WriteString("shared_buffers = 32MB\n") // a self-hosted node, not a database server
	if ephemeral {
		b.WriteString("# Ephemeral (test) cluster: durability off.\n")
		b.WriteString("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
	}
	path := filepath.Join(c.dataDir, confName)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("write settings: %w", err)
	}
	if err := c.owner.chown(path); err != nil {
		return fmt.Errorf("write settings: %w", err)
	}
	return nil
}

// rotateLog keeps one previous server log once the log grows large; pg_ctl -l
// only ever appends. Failure is harmless, so it is only logged.
func (c *Cluster) rotateLog() {
	fi, err := os.Stat(c.logFile)
	if err != nil || fi.Size() < maxLogSize {
		return
	}
	if err := os.Rename(c.logFile, c.logFile+".1"); err != nil {
		c.log.Warn("rotate PostgreSQL log", "err", err)
	}
}

// pidFile is what postmaster.pid says about the server.
type pidFile struct {
	pid     int
	sockDir string // first socket directory, as the running server sees it
	running bool   // pid is alive and is the postmaster of this data directory
}

// readPIDFile reads dataDir/postmaster.pid and checks that the server it names
// is alive. A missing file means not running.
func readPIDFile(dataDir string) (pidFile, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if errors.Is(err, fs.ErrNotExist) {
		return pidFile{}, nil
	}
	if err != nil {
		return pidFile{}, fmt.Errorf("read server state: %w", err)
	}
	// Line 1 is the PID, line 5 the first socket directory.
	lines := strings.Split(string(b), "\n")
	var pf pidFile
	pf.pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	if len(lines) > 4 {
		pf.sockDir = strings.TrimSpace(lines[4])
	}
	// An unparsable file (e.g. truncated by a crash) is as stale as a dead PID.
	pf.running = pf.pid > 0 && isPostmaster(pf.pid, dataDir)
	return pf, nil
}

// isPostmaster reports whether pid is alive and is a PostgreSQL server for
// dataDir. After a crash or reboot the PID in postmaster.pid may belong to an
// unrelated program, or to a PostgreSQL server of another cluster. When /proc
// cannot tell, it answers true: wrongly declaring a live server dead is worse
// (PostgreSQL's own interlocks would then refuse to start a second one anyway).
func isPostmaster(pid int, dataDir string) bool {
	// ESRCH: no such process. EPERM: another user's process, which cannot be
	// our server: it runs as us, or we are root and may signal anybody.
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) {
		return false // exited since kill
	}
	if err != nil {
		return true
	}
	// Format: "pid (comm) state ...", where comm may itself contain ") ".
	s := string(stat)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open || len(s) < closing+3 {
		return true
	}
	comm, state := s[open+1:closing], s[closing+2]
	if state == 'Z' || state == 'X' {
		return false // dead, waiting to be reaped by a parent that may never do so
	}
	if comm != "postgres" && comm != "postmaster" {
		return false
	}
	// The postmaster's working directory is its data directory.
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return true
	}
	want, err := filepath.EvalSymlinks(dataDir)
	if err != nil {
		want = dataDir
	}
	return cwd == want
}

// run runs a PostgreSQL program as the cluster's owner, from the cluster
// directory (which the owner can always enter, unlike our working directory).
// A failure is returned as one line carrying the program's stderr.
func (c *Cluster) run(ctx context.Context, path string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	cmd.SysProcAttr = c.owner.sysProcAttr()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// pg_ctl's server writes to the -l log, not to our pipe; should anything
	// keep the pipe open anyway, do not wait for it forever.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Run(); err != nil {
		if msg := oneLine(stderr.String(), "; "); msg != "" {
			return fmt.Errorf("%s: %w: %s", filepath.Base(path), err, msg)
		}
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// childEnv is our environment without PG* variables: PGDATA, PGPORT,
// PGHOST and friends would otherwise redirect initdb, pg_ctl or the server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// logTail returns the last lines of the server log on one line, for errors.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "(none)"
	}
	defer f.Close()
	const maxTail = 2048
	if fi, err := f.Stat(); err == nil && fi.Size() > maxTail {
		f.Seek(fi.Size()-maxTail, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines = lines[max(0, len(lines)-5):]
	if msg := oneLine(strings.Join(lines, "\n"), " | "); msg != "" {
		return msg
	}
	return "(empty)"
}

// oneLine joins the non-blank lines of s with sep.
func oneLine(s, sep string) string {
	var lines []string
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, sep)
}
