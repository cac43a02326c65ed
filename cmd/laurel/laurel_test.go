package main

// End-to-end tests of the laurel binary, run the way an operator runs it:
// built once per test process, started with os/exec on its own data
// directory with the embedded PostgreSQL, and judged by its exit codes, its
// output and what its HTTP API answers.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// laurelBin is the binary under test, built by TestMain.
var laurelBin string

const (
	// readyDeadline bounds how long a started node may take to answer
	// /readyz with 200.
	readyDeadline = 30 * time.Second
	// shutdownTimeout is passed to every serve as --shutdown-timeout.
	shutdownTimeout = 10 * time.Second
	// commandTimeout bounds every one-shot command.
	commandTimeout = 90 * time.Second
	// password is the password of every user the tests create.
	password = "correct horse battery staple"
)

func TestMain(m *testing.M) { os.Exit(buildAndRun(m)) }

// buildAndRun builds the binary (with -race when the tests are built with
// it, so the binary's own races fail the run too), then runs the tests.
func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "laurel-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "laurel e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	laurelBin = filepath.Join(dir, "laurel")
	args := []string{"build", "-o", laurelBin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	build := exec.Command(goTool(), append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "laurel e2e: go build:", err)
		return 1
	}
	// laurel's default --data is ./data: a test that forgot --data would
	// put a node's database into the source tree.
	_, statErr := os.Stat("data")
	code := m.Run()
	if _, err := os.Stat("data"); err == nil && statErr != nil {
		fmt.Fprintln(os.Stderr, "laurel e2e: a test ran laurel without --data: it created ./data in", must(os.Getwd()))
		code = 1
	}
	return code
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func raceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// goTool is the go command; `go test` puts its own on PATH.
func goTool() string { return "go" }

// --- Data directories and the embedded PostgreSQL --------------------------

// newDataDir returns a data directory that does not exist yet, in a
// directory of its own that is removed when the test ends. Any embedded
// PostgreSQL still running there by then is stopped first.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// t.TempDir makes both dir and its parent 0700. As root, the embedded
	// PostgreSQL runs as the postgres user, who must get through both.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	// Registered before any process is started, so it runs after their
	// cleanups and before the directory is removed.
	t.Cleanup(func() { stopLeftoverPostgres(t, data) })
	return data
}

// postmasterPIDFile is where the embedded PostgreSQL notes its PID while it runs.
func postmasterPIDFile(data string) string {
	return filepath.Join(data, "pg", "data", "postmaster.pid")
}

// embeddedPostgres returns the PID of the embedded PostgreSQL server of data
// if one is running, else 0.
func embeddedPostgres(data string) int {
	b, err := os.ReadFile(postmasterPIDFile(data))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 || !alive(pid) {
		return 0
	}
	// The postmaster's working directory is its data directory; a stale
	// PID may belong to some other process by now.
	want, err := filepath.EvalSymlinks(filepath.Join(data, "pg", "data"))
	if err != nil {
		return 0
	}
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil && cwd != want {
		return 0
	}
	return pid
}

// alive reports whether pid is a live process (a zombie is not).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

// waitGone waits until none of pids is alive.
func waitGone(pids []int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		gone := true
		for _, pid := range pids {
			if alive(pid) {
				gone = false
			}
		}
		if gone {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:]) // state, ppid, ...
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			kids = append(kids, child)
		}
	}
	return kids
}

// stopLeftoverPostgres stops the embedded PostgreSQL of data if it is still
// running (fast shutdown, as pg_ctl stop -m fast does), so that no test
// leaves a server behind.
func stopLeftoverPostgres(t *testing.T, data string) {
	pid := embeddedPostgres(data)
	if pid == 0 {
		return
	}
	t.Logf("stopping the PostgreSQL left running in %s (pid %d)", data, pid)
	kids := childrenOf(pid)
	_ = syscall.Kill(pid, syscall.SIGINT)
	if waitGone(append(kids, pid), 30*time.Second) {
		return
	}
	for _, p := range append(kids, pid) {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	if !waitGone(append(kids, pid), 10*time.Second) {
		t.Errorf("PostgreSQL in %s (pid %d) is still running after SIGKILL", data, pid)
	}
}

// crashPostgres kills the embedded PostgreSQL of data and all its processes
// with SIGKILL, as a power cut would, and waits until they are gone.
func crashPostgres(t *testing.T, data string) {
	t.Helper()
	pid := embeddedPostgres(data)
	if pid == 0 {
		t.Fatalf("no embedded PostgreSQL running in %s to kill", data)
	}
	procs := append(childrenOf(pid), pid)
	for _, p := range procs {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	if !waitGone(procs, 10*time.Second) {
		t.Fatalf("PostgreSQL processes %v still alive after SIGKILL", procs)
	}
}

// assertPostgresStopped checks that the embedded PostgreSQL of data was
// shut down cleanly: no server runs, and it removed its postmaster.pid.
func assertPostgresStopped(t *testing.T, data, after string) {
	t.Helper()
	if pid := embeddedPostgres(data); pid != 0 {
		t.Errorf("after %s, the embedded PostgreSQL is still running (pid %d, %s)", after, pid, postmasterPIDFile(data))
		return
	}
	if _, err := os.Stat(postmasterPIDFile(data)); err == nil {
		t.Errorf("after %s, %s is left behind: PostgreSQL was not shut down cleanly", after, postmasterPIDFile(data))
	}
}

// --- Running laurel ---------------------------------------------------------

// childEnv is the test's environment without anything that would point
// laurel elsewhere than the test says (DATABASE_URL, LAUREL_*, PG*), plus
// extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "LAUREL_") || strings.HasPrefix(kv, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %v\nstdout:\n%s\nstderr:\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// opts are the environment and standard input of one laurel process.
type opts struct {
	env   []string // added to childEnv()
	stdin string
}

// laurel runs a one-shot command to completion.
func laurel(t *testing.T, o opts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, laurelBin, args...)
	cmd.Env = childEnv(o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("laurel %s did not finish within %v\n%s", strings.Join(args, " "), commandTimeout, r)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("laurel %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// mustLaurel runs a command that must succeed and returns its stdout.
func mustLaurel(t *testing.T, o opts, args ...string) string {
	t.Helper()
	r := laurel(t, o, args...)
	if r.code != 0 {
		t.Fatalf("laurel %s failed:\n%s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// isLogLine reports whether line is a record of laurel's (text) log rather
// than an error message.
func isLogLine(line string) bool { return strings.HasPrefix(line, "time=") }

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimRight(l, "\r\n"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// --- Running laurel serve ---------------------------------------------------

// server is a running `laurel serve`.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	log    *logWriter
	start  time.Time
	addr   string        // where it listens, from its log
	exited chan struct{} // closed once it has exited and cmd.ProcessState is set
}

// logWriter keeps a process's stderr and spots the line that says where the
// node listens.
type logWriter struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	scanned   int
	addr      string
	listening chan struct{} // closed when addr is known
}

var listeningAddr = regexp.MustCompile(`\bmsg=listening addr=(\S+)`)

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		rest := w.buf.Bytes()[w.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		line := string(rest[:i])
		w.scanned += i + 1
		if m := listeningAddr.FindStringSubmatch(line); m != nil && w.addr == "" {
			w.addr = m[1]
			close(w.listening)
		}
	}
	return len(p), nil
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// serve starts `laurel serve args...` (with --shutdown-timeout added) and
// waits until it listens and /readyz answers 200, at most readyDeadline
// after the start. It is stopped when the test ends if still running.
func serve(t *testing.T, o opts, args ...string) *server {
	t.Helper()
	s := startServe(t, o, args...)
	s.waitReady()
	return s
}

func startServe(t *testing.T, o opts, args ...string) *server {
	t.Helper()
	args = append([]string{"serve", "--shutdown-timeout", shutdownTimeout.String()}, args...)
	cmd := exec.Command(laurelBin, args...)
	cmd.Env = childEnv(o.env...)
	cmd.Stdin = strings.NewReader(o.stdin)
	w := &logWriter{listening: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.WaitDelay = 5 * time.Second
	s := &server{t: t, cmd: cmd, log: w, exited: make(chan struct{})}
	s.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start laurel serve: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		if s.running() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
				return
			case <-time.After(shutdownTimeout + 20*time.Second):
			}
			t.Errorf("laurel serve did not stop on SIGTERM; killing it. Log:\n%s", w)
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})
	return s
}

func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// url is the node's URL for path.
func (s *server) url(path string) string { return "http://" + s.addr + path }

func (s *server) waitReady() {
	t := s.t
	t.Helper()
	deadline := time.NewTimer(time.Until(s.start.Add(readyDeadline)))
	defer deadline.Stop()
	select {
	case <-s.log.listening:
		s.log.mu.Lock()
		s.addr = s.log.addr
		s.log.mu.Unlock()
	case <-s.exited:
		t.Fatalf("laurel serve exited with %d before listening. Log:\n%s", s.cmd.ProcessState.ExitCode(), s.log)
	case <-deadline.C:
		t.Fatalf("laurel serve logged no msg=listening line within %v. Log:\n%s", readyDeadline, s.log)
	}
	var last string
	for {
		status, body, _ := httpGet(t, s.url("/readyz"), "")
		if status == http.StatusOK {
			return
		}
		last = fmt.Sprintf("%d %s", status, body)
		select {
		case <-s.exited:
			t.Fatalf("laurel serve exited with %d before /readyz answered 200 (last: %s). Log:\n%s",
				s.cmd.ProcessState.ExitCode(), last, s.log)
		case <-deadline.C:
			t.Fatalf("/readyz did not answer 200 within %v of the start (last: %s). Log:\n%s", readyDeadline, last, s.log)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and returns the exit code, failing the test unless
// the node exits within its shutdown timeout (plus a little for the process
// to end).
func (s *server) stop() int {
	t := s.t
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM laurel serve: %v", err)
	}
	sent := time.Now()
	select {
	case <-s.exited:
	case <-time.After(shutdownTimeout + 5*time.Second):
		t.Fatalf("laurel serve did not exit within %v of SIGTERM (--shutdown-timeout %v). Log:\n%s",
			time.Since(sent).Round(time.Second), shutdownTimeout, s.log)
	}
	return s.cmd.ProcessState.ExitCode()
}

// kill kills the node with SIGKILL, as a crash would.
func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		s.t.Fatalf("SIGKILL laurel serve: %v", err)
	}
	<-s.exited
}

// stopCleanly stops the node with SIGTERM and checks the shutdown an
// operator expects: exit status 0, "shutting down" in the log, and the
// embedded PostgreSQL of data stopped.
func (s *server) stopCleanly(data string) {
	t := s.t
	t.Helper()
	if code := s.stop(); code != 0 {
		t.Errorf("laurel serve exited with %d on SIGTERM, want 0. Log:\n%s", code, s.log)
	}
	if !strings.Contains(s.log.String(), `msg="shutting down"`) {
		t.Errorf("laurel serve did not log shutting down. Log:\n%s", s.log)
	}
	assertPostgresStopped(t, data, "laurel serve exited on SIGTERM")
}

// --- HTTP -------------------------------------------------------------------

var httpClient = &http.Client{Timeout: 10 * time.Second}

// httpGet GETs url, with a bearer token unless it is empty. A request that
// gets no answer yields status 0 and the error as body.
func httpGet(t *testing.T, url, token string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error()), nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, []byte(err.Error()), nil
	}
	return resp.StatusCode, body, resp.Header
}

type me struct {
	User struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
	} `json:"user"`
	Organisations []struct {
		Slug    string `json:"slug"`
		Name    string `json:"name"`
		Country string `json:"country"`
		Role    string `json:"role"`
	} `json:"organisations"`
}

// getMe asks the node who token belongs to; it must answer 200 with JSON.
// It returns the decoded answer and the raw body.
func getMe(t *testing.T, s *server, token string) (me, []byte) {
	t.Helper()
	status, body, header := httpGet(t, s.url("/api/v1/me"), token)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me: %d %s", status, body)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET /api/v1/me: Content-Type %q, want application/json", ct)
	}
	var m me
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET /api/v1/me: %v in %s", err, body)
	}
	return m, body
}

// wantMe checks /me's answer for a user who belongs to exactly one organisation.
func wantMe(t *testing.T, m me, email, slug, name, country, role string) {
	t.Helper()
	if m.User.Email != email {
		t.Errorf("/me user.email = %q, want %q", m.User.Email, email)
	}
	if len(m.Organisations) != 1 {
		t.Fatalf("/me organisations = %+v, want just %s", m.Organisations, slug)
	}
	o := m.Organisations[0]
	if o.Slug != slug || o.Name != name || o.Country != country || o.Role != role {
		t.Errorf("/me organisations[0] = %+v, want slug %s, name %s, country %s, role %s", o, slug, name, country, role)
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// --- The operator's set-up ----------------------------------------------------

var tokenPattern = regexp.MustCompile(`^\S{20,}\n$`)

// createUser runs `laurel user create` for email in org with role and
// `laurel token create`, and returns the token.
func createUser(t *testing.T, data, email, org, role string) string {
	t.Helper()
	out := mustLaurel(t, opts{stdin: password + "\n"}, "user", "create", "--data", data,
		"--email", email, "--password-stdin", "--org", org, "--role", role)
	handle, _, _ := strings.Cut(email, "@")
	if role == "staff" {
		role = "creator" // the older name, accepted for a while
	}
	if want := fmt.Sprintf("created user %s (@%s), %s of %s\n", email, handle, role, org); out != want {
		t.Errorf("user create printed %q, want %q", out, want)
	}
	token := mustLaurel(t, opts{}, "token", "create", "--data", data, "--email", email)
	if !tokenPattern.MatchString(token) {
		t.Fatalf("token create printed %q, want one token on one line", token)
	}
	return strings.TrimSpace(token)
}

// provision does the operator's first steps on fresh data: an organisation
// oslo-met, its admin a@example.org, and an API token for her, returned.
func provision(t *testing.T, data string) string {
	t.Helper()
	r := laurel(t, opts{}, "org", "create", "--data", data, "--slug", "oslo-met", "--name", "Oslo Met", "--country", "NO")
	if want := "created organisation oslo-met (Oslo Met, NO)\n"; r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("org create: %s\nwant only %q on stdout: admin commands log nothing unless --log-level asks", r, want)
	}
	return createUser(t, data, "a@example.org", "oslo-met", "admin")
}

// --- Tests ----------------------------------------------------------------------

// TestOperatorFlow follows the README's first steps on a fresh data
// directory, then manages the node from the shell while it runs.
func TestOperatorFlow(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)

	token := provision(t, data)
	// One-shot commands start the embedded PostgreSQL for themselves and
	// must not leave it running.
	assertPostgresStopped(t, data, "org, user and token create")

	s := serve(t, opts{}, "--data", data, "--listen", "127.0.0.1:0")
	m, _ := getMe(t, s, token)
	wantMe(t, m, "a@example.org", "oslo-met", "Oslo Met", "NO", "admin")
	for _, bad := range []string{"", "laurel_not-a-real-token"} {
		if status, body, _ := httpGet(t, s.url("/api/v1/me"), bad); status != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/me with token %q: %d %s, want 401", bad, status, body)
		}
	}

	// Admin commands while the node runs on the same data: they share its
	// database, and what they create is live at once.
	out := mustLaurel(t, opts{}, "org", "create", "--data", data, "--slug", "uio", "--name", "Universitetet i Oslo", "--country", "NO")
	if want := "created organisation uio (Universitetet i Oslo, NO)\n"; out != want {
		t.Errorf("org create while serving printed %q, want %q", out, want)
	}
	token2 := createUser(t, data, "b@example.org", "uio", "staff")
	m2, _ := getMe(t, s, token2)
	wantMe(t, m2, "b@example.org", "uio", "Universitetet i Oslo", "NO", "creator")

	// Tokens are listed and revoked from the shell; a revoked one stops
	// working at once. Passwords are set there too, as strong as sign-up asks.
	list := mustLaurel(t, opts{}, "token", "list", "--data", data, "--email", "b@example.org")
	row := regexp.MustCompile(`(?m)^(\d+)\s+cli\s+\S+\s+\S+$`).FindStringSubmatch(list)
	if row == nil || !strings.HasPrefix(list, "ID") {
		t.Fatalf("token list printed:\n%s", list)
	}
	if out := mustLaurel(t, opts{}, "token", "revoke", row[1], "--data", data, "--email", "b@example.org"); !strings.Contains(out, "revoked token "+row[1]) {
		t.Errorf("token revoke printed %q", out)
	}
	if status, body, _ := httpGet(t, s.url("/api/v1/me"), token2); status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with a revoked token: %d %s, want 401", status, body)
	}
	if r := laurel(t, opts{stdin: "password12\n"}, "user", "password", "--data", data, "--email", "b@example.org", "--password-stdin"); r.code != 1 ||
		!strings.Contains(r.stderr, "too easy to guess") {
		t.Errorf("user password with a weak one:\n%s", r)
	}
	if out := mustLaurel(t, opts{stdin: "a fresh and sturdy phrase\n"}, "user", "password", "--data", data, "--email", "b@example.org", "--password-stdin"); out != "password set for b@example.org\n" {
		t.Errorf("user password printed %q", out)
	}

	// The commands ended without taking the node's database down with them.
	if status, body, _ := httpGet(t, s.url("/readyz"), ""); status != http.StatusOK {
		t.Errorf("/readyz after admin commands: %d %s", status, body)
	}
	m, _ = getMe(t, s, token)
	wantMe(t, m, "a@example.org", "oslo-met", "Oslo Met", "NO", "admin")

	s.stopCleanly(data)
}

// TestCrashRecovery kills the node with SIGKILL and checks that it comes back
// on the same data with everything committed before the crash, and then
// shuts down cleanly.
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// alsoPostgres kills the embedded PostgreSQL too, like a power cut;
		// otherwise it survives laurel, as pg_ctl started it.
		alsoPostgres bool
	}{
		{name: "laurel killed", alsoPostgres: false},
		{name: "laurel and PostgreSQL killed", alsoPostgres: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := newDataDir(t)
			token := provision(t, data)

			s := serve(t, opts{}, "--data", data, "--listen", "127.0.0.1:0")
			_, before := getMe(t, s, token)
			// Written through the running node's database just before the crash.
			mustLaurel(t, opts{}, "org", "create", "--data", data, "--slug", "uio", "--name", "Universitetet i Oslo", "--country", "NO")
			token2 := createUser(t, data, "b@example.org", "uio", "staff")
			_, before2 := getMe(t, s, token2)

			s.kill()
			if tc.alsoPostgres {
				crashPostgres(t, data)
			}

			s = serve(t, opts{}, "--data", data, "--listen", "127.0.0.1:0")
			for _, u := range []struct {
				token string
				want  []byte
			}{{token, before}, {token2, before2}} {
				_, after := getMe(t, s, u.token)
				var a, b any
				_ = json.Unmarshal(u.want, &b)
				_ = json.Unmarshal(after, &a)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("/me after the crash:\n%s\nwant as before:\n%s", after, u.want)
				}
			}
			s.stopCleanly(data)
		})
	}
}

// TestBadInput checks that each mistake an operator can make ends laurel
// with a non-zero exit status and one line on stderr that names the problem.
func TestBadInput(t *testing.T) {
	t.Parallel()
	// The cases that need a database share one, which has oslo-met and
	// the user a@example.org (handle a).
	shared := newDataDir(t)
	mustLaurel(t, opts{}, "org", "create", "--data", shared, "--slug", "oslo-met", "--name", "Oslo Met", "--country", "NO")
	createUser(t, shared, "a@example.org", "oslo-met", "admin")

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyAddr := busy.Addr().String()

	scratch := t.TempDir()
	aFile := filepath.Join(scratch, "a-file")
	if err := os.WriteFile(aFile, []byte("not a directory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	emptyBinDir := filepath.Join(scratch, "empty-bin")
	if err := os.Mkdir(emptyBinDir, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		opts opts
		// fresh: run on a data directory of its own (appended as --data)
		// rather than the shared one.
		fresh      bool
		wantCode   int // 0: any non-zero code
		want       []string
		maxElapsed time.Duration
	}{
		{
			name: "unknown flag", args: []string{"serve", "--nope"}, fresh: true,
			wantCode: 2, want: []string{"-nope"},
		},
		{
			name: "unknown command", args: []string{"frobnicate", "--data", "x"},
			wantCode: 2, want: []string{`unknown command "frobnicate`},
		},
		{
			name: "port in use", args: []string{"serve", "--listen", busyAddr}, fresh: true,
			wantCode: 1, want: []string{busyAddr, "address already in use"}, maxElapsed: 10 * time.Second,
		},
		{
			name: "unreachable DATABASE_URL", args: []string{"serve", "--listen", "127.0.0.1:0"}, fresh: true,
			opts:     opts{env: []string{"DATABASE_URL=postgres://nobody@127.0.0.1:1/x"}},
			wantCode: 1, want: []string{"connect", "database", "127.0.0.1:1"}, maxElapsed: 15 * time.Second,
		},
		{
			name: "data directory not writable", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", filepath.Join(aFile, "data")},
			wantCode: 1, want: []string{"data directory", filepath.Join(aFile, "data")},
		},
		{
			name: "no PostgreSQL binaries", args: []string{"serve", "--listen", "127.0.0.1:0", "--pg-bindir", emptyBinDir}, fresh: true,
			wantCode: 1, want: []string{emptyBinDir, "DATABASE_URL", "install the PostgreSQL server"},
		},
		{
			name: "bad --smtp-url", args: []string{"serve", "--listen", "127.0.0.1:0", "--smtp-url", "http://mail.example"}, fresh: true,
			wantCode: 1, want: []string{"--smtp-url", "http"},
		},
		{
			name: "bad --smtp-from", args: []string{"serve", "--listen", "127.0.0.1:0", "--smtp-url", "smtp://127.0.0.1:2525?tls=none", "--smtp-from", "nobody"}, fresh: true,
			wantCode: 1, want: []string{"--smtp-from", "nobody"},
		},
		{
			name: "user create without --password-stdin", args: []string{"user", "create", "--data", shared, "--email", "c@example.org"},
			opts: opts{stdin: password + "\n"},
			want: []string{"--password-stdin"},
		},
		{
			name: "duplicate organisation slug", args: []string{"org", "create", "--data", shared, "--slug", "oslo-met", "--name", "Another", "--country", "NO"},
			wantCode: 1, want: []string{"oslo-met", "already taken"},
		},
		{
			name: "invalid country", args: []string{"org", "create", "--data", shared, "--slug", "elsewhere", "--name", "Elsewhere", "--country", "XX"},
			want: []string{"country", "XX"},
		},
		{
			name: "empty password line", args: []string{"user", "create", "--data", shared, "--email", "c@example.org", "--password-stdin"},
			opts: opts{stdin: "\n"},
			want: []string{"password"},
		},
		{
			name: "no password on stdin", args: []string{"user", "create", "--data", shared, "--email", "c@example.org", "--password-stdin"},
			opts: opts{stdin: ""},
			want: []string{"password", "standard input"},
		},
		{
			name: "handle taken by another address", args: []string{"user", "create", "--data", shared, "--email", "a@elsewhere.example", "--password-stdin"},
			opts: opts{stdin: password + "\n"}, wantCode: 1,
			want: []string{"already taken", "--username"},
		},
		{
			name: "unknown organisation", args: []string{"user", "create", "--data", shared, "--email", "c@example.org", "--password-stdin", "--org", "nowhere"},
			opts: opts{stdin: password + "\n"},
			want: []string{"nowhere"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			var data string
			if tc.fresh {
				data = newDataDir(t)
				args = append(args, "--data", data)
			}
			r := laurel(t, tc.opts, args...)
			if r.code == 0 || (tc.wantCode != 0 && r.code != tc.wantCode) {
				want := "non-zero"
				if tc.wantCode != 0 {
					want = strconv.Itoa(tc.wantCode)
				}
				t.Errorf("exit status %d, want %s", r.code, want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			all := lines(r.stderr)
			var errs []string
			for _, l := range all {
				if !isLogLine(l) {
					errs = append(errs, l)
				}
			}
			switch {
			case len(errs) != 1:
				t.Errorf("want one error line on stderr, got %d:\n%s", len(errs), r.stderr)
			case all[len(all)-1] != errs[0]:
				t.Errorf("the error is not the last line of stderr:\n%s", r.stderr)
			case len(all) != 1: // admin commands log nothing by default
				t.Errorf("want the error alone on stderr, got:\n%s", r.stderr)
			case !strings.HasPrefix(errs[0], "laurel"):
				t.Errorf("error line %q does not say it comes from laurel", errs[0])
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, r.stderr)
				}
			}
			if tc.maxElapsed > 0 && r.elapsed > tc.maxElapsed {
				t.Errorf("took %v to fail, want at most %v", r.elapsed.Round(time.Millisecond), tc.maxElapsed)
			}
			if data != "" {
				assertPostgresStopped(t, data, "a failed "+tc.args[0])
			}
		})
	}
	// Nothing the failed commands did may leave the shared database running
	// or damaged: it still works for the next command.
	assertPostgresStopped(t, shared, "the failed commands")
	out := mustLaurel(t, opts{}, "org", "create", "--data", shared, "--slug", "elsewhere", "--name", "Elsewhere", "--country", "SE")
	if !strings.Contains(out, "created organisation elsewhere") {
		t.Errorf("org create after the failures printed %q", out)
	}
}

// TestConfigSources starts the node with its listen address set in each
// way laurel reads settings, and checks where it answers. A port that must
// lose is held by the test, so a node that wrongly chose it would fail to
// start.
func TestConfigSources(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	token := provision(t, data)
	configFile := filepath.Join(t.TempDir(), "laurel.conf")

	for _, tc := range []struct {
		name   string
		env    []string
		config string // written to configFile when not empty
		args   []string
		// {WIN} is the port the node must answer on, {LOSE} one it must not
		// use; {DATA} and {CONFIG} are the data directory and config file.
	}{
		{
			name: "LAUREL_LISTEN and LAUREL_DATA",
			env:  []string{"LAUREL_LISTEN=127.0.0.1:{WIN}", "LAUREL_DATA={DATA}"},
		},
		{
			name:   "config file",
			config: "# Laurel node\nlisten 127.0.0.1:{WIN}\ndata {DATA}\n",
			args:   []string{"--config", "{CONFIG}"},
		},
		{
			name: "flag beats environment",
			env:  []string{"LAUREL_LISTEN=127.0.0.1:{LOSE}"},
			args: []string{"--listen", "127.0.0.1:{WIN}", "--data", "{DATA}"},
		},
		{
			name:   "flag beats config file",
			config: "listen 127.0.0.1:{LOSE}\ndata {DATA}\n",
			args:   []string{"--config", "{CONFIG}", "--listen", "127.0.0.1:{WIN}"},
		},
		{
			name:   "environment beats config file",
			config: "listen 127.0.0.1:{LOSE}\n",
			env:    []string{"LAUREL_LISTEN=127.0.0.1:{WIN}"},
			args:   []string{"--config", "{CONFIG}", "--data", "{DATA}"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lose, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer lose.Close()
			win := freePort(t)
			fill := strings.NewReplacer(
				"{WIN}", strconv.Itoa(win),
				"{LOSE}", strconv.Itoa(lose.Addr().(*net.TCPAddr).Port),
				"{DATA}", data,
				"{CONFIG}", configFile,
			).Replace
			if tc.config != "" {
				if err := os.WriteFile(configFile, []byte(fill(tc.config)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var o opts
			for _, kv := range tc.env {
				o.env = append(o.env, fill(kv))
			}
			var args []string
			for _, a := range tc.args {
				args = append(args, fill(a))
			}

			s := serve(t, o, args...)
			if want := fmt.Sprintf("127.0.0.1:%d", win); s.addr != want {
				t.Errorf("node listens on %s, want %s", s.addr, want)
			}
			// The node on the chosen port serves this data directory.
			s.addr = fmt.Sprintf("127.0.0.1:%d", win)
			m, _ := getMe(t, s, token)
			wantMe(t, m, "a@example.org", "oslo-met", "Oslo Met", "NO", "admin")
			s.stopCleanly(data)
		})
	}
}

// TestMigrate runs `laurel migrate` twice on fresh data: the first run
// applies everything, the second finds nothing to do.
func TestMigrate(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	applied := regexp.MustCompile(`^applied (\d+) River and (\d+) Laurel migrations\n$`)

	out := mustLaurel(t, opts{}, "migrate", "--data", data)
	m := applied.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("first migrate printed %q, want \"applied N River and M Laurel migrations\"", out)
	}
	if m[1] == "0" || m[2] == "0" {
		t.Errorf("first migrate on fresh data printed %q, want both counts above 0", out)
	}
	assertPostgresStopped(t, data, "laurel migrate")

	if out := mustLaurel(t, opts{}, "migrate", "--data", data); out != "applied 0 River and 0 Laurel migrations\n" {
		t.Errorf("second migrate printed %q, want \"applied 0 River and 0 Laurel migrations\"", out)
	}
	assertPostgresStopped(t, data, "the second laurel migrate")
}
