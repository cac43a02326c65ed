package node_test

// Benchmarks of federation throughput with real nodes, real databases and
// real HTTP on loopback addresses (127.x only). They run only with -bench:
//
//	go test -run='^$' -bench=InboxIngest -benchtime=5000x -count=5 ./node/
//	go test -run='^$' -bench=FanOut -benchtime=3x -count=5 ./node/
//
// Each reports a baseline measured in the same run and our result as a
// ratio against it (x_baseline); docs/PERFORMANCE.md explains the numbers.
// Every loop is bounded by its count and a deadline, so a benchmark stops by
// itself.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

// Limits that keep every benchmark bounded in time.
const (
	benchLoadWorkers  = 32               // concurrent clients of the ingest load generator
	benchLoadDeadline = 2 * time.Minute  // a whole load run gives up after this
	benchFanOutWait   = 60 * time.Second // a fan-out that takes longer fails the benchmark
	benchPoll         = 5 * time.Millisecond
	benchDBMaxConns   = 20 // the node's pool size (node.OpenDatabase), given to the baselines too

	// The most ops a run may ask for: activities are signed in advance and
	// held in memory, and a post takes about a second.
	benchMaxActivities = 50000
	benchMaxPosts      = 20
)

// benchNode is a running node with one organisation (whose actor signs)
// and an API token of a member of it.
type benchNode struct {
	node  *node.Node
	pool  *pgxpool.Pool
	base  string
	org   string
	token string
}

// startBenchNode starts a node on the loopback address ip with a fresh
// testkit database, allowed to federate with the other loopback addresses,
// and stops it when the benchmark (or sub-benchmark run) ends.
func startBenchNode(b *testing.B, ip, org string) *benchNode {
	b.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(b)
	n, err := node.Start(ctx, node.Config{
		Listen: ip + ":0", DataDir: b.TempDir(), DatabaseURL: dbURL, AllowIPs: "127.0.0.0/8", Version: "bench",
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Stop(context.Background()) })
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: org, Name: strings.ToUpper(org), Country: "FI"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := account.CreateUser(ctx, pool, account.NewUser{Email: "staff@" + org + ".example", Password: "long enough password"})
	if err != nil {
		b.Fatal(err)
	}
	if err := account.SetMembership(ctx, pool, u.ID, o.ID, account.RoleStaff); err != nil {
		b.Fatal(err)
	}
	token, err := account.CreateToken(ctx, pool, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return &benchNode{node: n, pool: pool, base: n.BaseURL().String(), org: org, token: token}
}

func (n *benchNode) actor() string { return n.base + "/actors/" + n.org }

// serveBench serves h on a new listener at ip:0 until the benchmark (or
// sub-benchmark run) ends, and returns its base URL.
func serveBench(b *testing.B, ip string, h http.Handler) string {
	b.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "http://" + l.Addr().String()
}

// benchPool opens a pool of benchDBMaxConns connections on a fresh testkit
// database.
func benchPool(b *testing.B) *pgxpool.Pool {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(testkit.DatabaseURL(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = benchDBMaxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// signedPost is a request signed in advance, sent later by the load
// generator.
type signedPost struct {
	url    string
	header http.Header
	body   []byte
}

// benchRunID keeps activity ids distinct across runs of one process.
var (
	benchRunID = strconv.FormatInt(time.Now().UnixNano(), 36)
	benchSeq   atomic.Int64
)

// noteActivity is a Create{Note} of actor as Laurel's Post writes it, with
// a fresh id.
func noteActivity(actor string) []byte {
	id := fmt.Sprintf("%s/activities/bench-%s-%d", actor, benchRunID, benchSeq.Add(1))
	now := time.Now().UTC().Format(time.RFC3339)
	to, cc := []string{"https://www.w3.org/ns/activitystreams#Public"}, []string{actor + "/followers"}
	body, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Create", "actor": actor,
		"published": now, "to": to, "cc": cc,
		"object": map[string]any{
			"id": id + "/note", "type": "Note", "attributedTo": actor, "url": id + "/note",
			"content":   "<p>We now issue <b>ESCO-aligned</b> badges for welders, electricians and plumbers.</p>",
			"published": now, "to": to, "cc": cc,
		},
	})
	return body
}

// signPosts builds n distinct Create{Note} activities of actor and signs
// each as a POST to target with key, dated now, on all cores.
func signPosts(b *testing.B, n int, target, actor, keyID string, key *rsa.PrivateKey) []signedPost {
	b.Helper()
	posts := make([]signedPost, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				body := noteActivity(actor)
				req, err := http.NewRequest(http.MethodPost, target, nil)
				if err == nil {
					req.Header.Set("Content-Type", federation.ActivityJSON)
					err = signature.SignRequest(req, keyID, key, body, time.Now())
				}
				if err != nil {
					errs <- err
					return
				}
				posts[i] = signedPost{url: target, header: req.Header, body: body}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return posts
}

// loadResult is what a load run measured.
type loadResult struct {
	elapsed   time.Duration
	latencies []time.Duration // sorted
	failures  int
	firstFail string
}

func (r loadResult) rate() float64 { return float64(len(r.latencies)) / r.elapsed.Seconds() }

// quantile returns the q-quantile (nearest rank) of the sorted latencies.
func (r loadResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// newLoadClient is the load generator's client: one transport shared by
// all workers, keeping a connection per worker alive.
func newLoadClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        4 * benchLoadWorkers,
			MaxIdleConnsPerHost: 4 * benchLoadWorkers,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// runLoad POSTs every request with benchLoadWorkers concurrent workers,
// each taking the next request as soon as its previous one is answered,
// and times each request and the whole run. A 202 is a success.
func runLoad(client *http.Client, posts []signedPost) loadResult {
	ctx, cancel := context.WithTimeout(context.Background(), benchLoadDeadline)
	defer cancel()
	lat := make([]time.Duration, len(posts))
	ok := make([]bool, len(posts))
	var next atomic.Int64
	var failMu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	for range benchLoadWorkers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(posts) && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				p := posts[i]
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
				req.Header = p.header.Clone()
				t0 := time.Now()
				resp, err := client.Do(req)
				var status int
				var answer []byte
				if err == nil {
					status = resp.StatusCode
					answer, _ = io.ReadAll(io.LimitReader(resp.Body, 512))
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat[i] = time.Since(t0)
				if err == nil && status == http.StatusAccepted {
					ok[i] = true
					continue
				}
				failMu.Lock()
				res.failures++
				if res.firstFail == "" {
					res.firstFail = fmt.Sprintf("%d %v %s", status, err, answer)
				}
				failMu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for i, good := range ok {
		if good {
			res.latencies = append(res.latencies, lat[i])
		}
	}
	res.failures = len(posts) - len(res.latencies) // also counts those the deadline left unsent
	slices.Sort(res.latencies)
	return res
}

// cpuMeter reads the CPU time used so far by this process (load
// generator, nodes, sinks and baselines alike) and by the PostgreSQL
// server behind a pool (its postmaster, live backends and the reaped ones).
type cpuMeter struct {
	postmaster int
}

// newCPUMeter finds the PostgreSQL server of pool: the parent of one of
// its backends. A server that is not a process of this machine (a remote
// DATABASE_URL) is not measured: its CPU reads as zero.
func newCPUMeter(b *testing.B, pool *pgxpool.Pool) cpuMeter {
	b.Helper()
	var backend int
	if err := pool.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		b.Fatal(err)
	}
	st, ok := procStat(backend)
	if !ok {
		b.Logf("PostgreSQL backend %d is not a process here: its CPU is not measured", backend)
		return cpuMeter{}
	}
	return cpuMeter{postmaster: st.ppid}
}

// procStatFields is what cpuMeter needs of /proc/PID/stat.
type procStatFields struct {
	ppid                         int
	utime, stime, cutime, cstime int64 // clock ticks
}

func procStat(pid int) (procStatFields, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStatFields{}, false
	}
	// The command name, in parentheses, may contain spaces: fields are
	// counted after its closing parenthesis, from field 3 (state) on.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return procStatFields{}, false
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 15 {
		return procStatFields{}, false
	}
	n := func(k int) int64 { v, _ := strconv.ParseInt(f[k-3], 10, 64); return v }
	return procStatFields{ppid: int(n(4)), utime: n(14), stime: n(15), cutime: n(16), cstime: n(17)}, true
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on Linux.
const clockTick = 10 * time.Millisecond

// postgres returns the CPU time of the PostgreSQL server so far.
func (m cpuMeter) postgres() time.Duration {
	if m.postmaster == 0 {
		return 0
	}
	var ticks int64
	if st, ok := procStat(m.postmaster); ok {
		ticks += st.utime + st.stime + st.cutime + st.cstime
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.ppid == m.postmaster {
			ticks += st.utime + st.stime
		}
	}
	return time.Duration(ticks) * clockTick
}

// self returns the CPU time of this process so far.
func (cpuMeter) self() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSpan is the CPU used between two readings of a cpuMeter.
type cpuSpan struct{ self, postgres time.Duration }

func (m cpuMeter) start() func() cpuSpan {
	self, pg := m.self(), m.postgres()
	return func() cpuSpan { return cpuSpan{self: m.self() - self, postgres: m.postgres() - pg} }
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkInboxIngest measures how many signed Create{Note} activities a
// node takes in per second at its shared inbox, POSTed by 32 concurrent
// clients, against a bare handler that only verifies the signature (key in
// memory) and INSERTs the body. One op is one activity: use -benchtime=Nx.
//
// Node A (127.0.0.2) receives from node B (127.0.0.3), whose organisation
// actor signs; A fetches B's key on the first request, which the warm-up
// sends. The baseline listens on 127.0.0.4. The load generator runs in this
// process and shares the machine's cores with both servers and PostgreSQL.
func BenchmarkInboxIngest(b *testing.B) {
	ctx := context.Background()
	a := startBenchNode(b, "127.0.0.2", "alpha")
	sender := startBenchNode(b, "127.0.0.3", "beta")
	bActor := sender.actor()
	bKeyID := bActor + "#main-key"
	bKey, err := federation.SigningKey(ctx, sender.pool, sender.org)
	if err != nil {
		b.Fatal(err)
	}

	// The baseline: read, verify with the key in memory, one INSERT.
	scratch := benchPool(b)
	if _, err := scratch.Exec(ctx, `CREATE TABLE bench_inbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body jsonb NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	lookup := func(context.Context, string, bool) (crypto.PublicKey, string, error) {
		return &bKey.PublicKey, bActor, nil
	}
	var self *url.URL // the baseline's own URL, set before any request
	baseURL := serveBench(b, "127.0.0.4", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := signature.Verify(r, body, time.Now(), self, lookup); err != nil {
			http.Error(w, err.Error(), signature.Status(err))
			return
		}
		if _, err := scratch.Exec(r.Context(), `INSERT INTO bench_inbox (body) VALUES ($1)`, body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})) + "/inbox"
	self, _ = url.Parse(baseURL)
	inboxURL := a.base + "/inbox"

	client := newLoadClient()
	defer client.CloseIdleConnections()
	// Warm-up, not timed: one request alone (A fetches B's key), then a
	// round on every worker's connection, to each server.
	for _, target := range []string{inboxURL, baseURL} {
		for _, n := range []int{1, 2 * benchLoadWorkers} {
			if r := runLoad(client, signPosts(b, n, target, bActor, bKeyID, bKey)); r.failures > 0 {
				b.Fatalf("warm-up of %s: %d of %d failed, first: %s", target, r.failures, n, r.firstFail)
			}
		}
	}

	count := func(b *testing.B, pool *pgxpool.Pool, query string) int {
		var c int
		if err := pool.QueryRow(ctx, query).Scan(&c); err != nil {
			b.Fatal(err)
		}
		return c
	}
	cpu := newCPUMeter(b, a.pool) // one server holds every testkit database
	run := func(b *testing.B, target string, stored func(*testing.B) int) loadResult {
		if b.N > benchMaxActivities {
			b.Fatalf("-benchtime=%dx: at most %d activities per run", b.N, benchMaxActivities)
		}
		posts := signPosts(b, b.N, target, bActor, bKeyID, bKey)
		before := stored(b)
		b.ResetTimer()
		used := cpu.start()
		r := runLoad(client, posts)
		span := used()
		b.StopTimer()
		if r.failures > 0 {
			b.Fatalf("%d of %d deliveries failed, first: %s", r.failures, b.N, r.firstFail)
		}
		if got := stored(b) - before; got != b.N {
			b.Fatalf("%d rows stored for %d activities", got, b.N)
		}
		b.ReportMetric(r.rate(), "activities/s")
		b.ReportMetric(ms(r.quantile(0.50)), "p50_ms")
		b.ReportMetric(ms(r.quantile(0.99)), "p99_ms")
		b.ReportMetric(float64(span.self.Microseconds())/float64(b.N), "go_cpu_us/op")
		b.ReportMetric(float64(span.postgres.Microseconds())/float64(b.N), "pg_cpu_us/op")
		return r
	}

	// With -count, every baseline run comes before the first of ours; the
	// ratio is against the median of the baseline runs so far (those of
	// at least 100 activities: not the framework's first run of one).
	var baseRates []float64
	var base loadResult
	b.Run("baseline", func(b *testing.B) {
		base = run(b, baseURL, func(b *testing.B) int { return count(b, scratch, `SELECT count(*) FROM bench_inbox`) })
		if b.N >= 100 {
			baseRates = append(baseRates, base.rate())
		}
	})
	b.Run("laurel", func(b *testing.B) {
		ours := run(b, inboxURL, func(b *testing.B) int { return count(b, a.pool, `SELECT count(*) FROM inbox_activity`) })
		if len(baseRates) == 0 {
			return // the baseline was filtered out or too short
		}
		sorted := slices.Sorted(slices.Values(baseRates))
		baseRate := sorted[len(sorted)/2]
		ratio := ours.rate() / baseRate
		b.ReportMetric(ratio, "x_baseline")
		if b.N < 1000 {
			return // a warm-up run of the benchmark framework
		}
		b.Logf("%d activities, %d clients, %d CPUs: laurel %.0f/s (p50 %.1f ms, p99 %.1f ms); baseline median %.0f/s of %d runs (last: p50 %.1f ms, p99 %.1f ms); ratio %.2f",
			b.N, benchLoadWorkers, runtime.NumCPU(), ours.rate(), ms(ours.quantile(0.5)), ms(ours.quantile(0.99)),
			baseRate, len(baseRates), ms(base.quantile(0.5)), ms(base.quantile(0.99)), ratio)
		b.Logf("goals: ratio >= 0.5 %s; >= 1500 activities/s %s; p99 < 50 ms %s",
			verdict(ratio >= 0.5), verdict(ours.rate() >= 1500), verdict(ours.quantile(0.99) < 50*time.Millisecond))
	})
}

// verdict says whether a goal was met.
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// sink is a set of HTTP servers standing in for remote inboxes: each
// accepts a POST to any path with 202 at once and counts the node's
// deliveries per URL (not the baseline sender's, which it marks).
type sink struct {
	mu       sync.Mutex
	received map[string]int // by host and path
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if r.Header.Get("X-Bench-Baseline") == "" {
		s.mu.Lock()
		s.received[r.Host+r.URL.Path]++
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

// counts returns how many inboxes got exactly want deliveries from the
// node, and how many requests it got in all.
func (s *sink) counts(want int) (exact, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.received {
		total += c
		if c == want {
			exact++
		}
	}
	return exact, total
}

// memPeak samples the Go heap (HeapInuse) every 10 ms while a fan-out
// runs; the peak RSS of the process comes from the kernel (VmHWM, reset
// when the sampling starts).
type memPeak struct {
	stop                chan struct{}
	done                chan struct{}
	heapStart, heapPeak uint64
	rssStart            float64
}

// procStatus reads a "kB" field of /proc/self/status, in MiB.
func procStatus(field string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

func startMemPeak() *memPeak {
	// Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	m := &memPeak{stop: make(chan struct{}), done: make(chan struct{}), rssStart: procStatus("VmRSS")}
	go func() {
		defer close(m.done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		var st runtime.MemStats
		runtime.ReadMemStats(&st)
		m.heapStart = st.HeapInuse
		for {
			runtime.ReadMemStats(&st)
			m.heapPeak = max(m.heapPeak, st.HeapInuse)
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// end stops sampling and returns, in MiB, the peak RSS, the RSS when
// sampling started, and the peak and first samples of the heap in use.
func (m *memPeak) end() (peakRSS, startRSS, peakHeap, startHeap float64) {
	close(m.stop)
	<-m.done
	return procStatus("VmHWM"), m.rssStart, float64(m.heapPeak) / (1 << 20), float64(m.heapStart) / (1 << 20)
}

// fanOutCase is one shape of a follower set.
type fanOutCase struct {
	name      string
	followers int
	hosts     int  // distinct servers (loopback addresses) the followers are on
	shared    bool // followers have their server's shared inbox
}

// BenchmarkFanOut measures one public post of node A's organisation to its
// remote followers, from the API call until every delivery row is
// 'delivered': 1,000 followers on 1,000 distinct inboxes (no shared inbox;
// 20 on each of 50 servers, interleaved), and 10,000 followers on 100
// servers with a shared inbox each (100 deliveries). One op is one post.
//
// Followers are rows written straight into A's database; their inboxes are
// sink servers on 127.0.1.x and 127.0.2.x that answer 202 at once (a real
// peer would take longer). A baseline in the same run POSTs the same
// document, signed afresh per request as A's organisation with the key in
// memory, to the same inboxes from 50 goroutines with at most 4 at a time
// per server (the node's delivery limits), without database or queue.
func BenchmarkFanOut(b *testing.B) {
	for _, c := range []fanOutCase{
		{name: "1000_inboxes", followers: 1000, hosts: 50, shared: false},
		{name: "10000_followers_100_shared_inboxes", followers: 10000, hosts: 100, shared: true},
	} {
		b.Run(c.name, func(b *testing.B) { benchFanOut(b, c) })
	}
}

func benchFanOut(b *testing.B, c fanOutCase) {
	if b.N > benchMaxPosts {
		b.Fatalf("-benchtime=%dx: at most %d posts per run (each takes about a second; run FanOut apart from InboxIngest)", b.N, benchMaxPosts)
	}
	ctx := context.Background()
	a := startBenchNode(b, "127.0.0.2", "alpha")
	snk := &sink{received: map[string]int{}}
	hostBase := make([]string, c.hosts)
	subnet := 1
	if c.shared {
		subnet = 2
	}
	for h := range c.hosts {
		hostBase[h] = serveBench(b, fmt.Sprintf("127.0.%d.%d", subnet, h+1), snk)
	}

	// The followers: remote actors following A's organisation, accepted.
	ids := make([]string, c.followers)
	inboxes := make([]string, c.followers)
	shared := make([]string, c.followers)
	for i := range c.followers {
		base := hostBase[i%c.hosts] // interleaved, as follows come in
		ids[i] = fmt.Sprintf("%s/users/f%d", base, i)
		inboxes[i] = ids[i] + "/inbox"
		if c.shared {
			shared[i] = base + "/inbox"
		}
	}
	_, err := a.pool.Exec(ctx, `INSERT INTO remote_actor (id, host, username, inbox, shared_inbox, key_id, public_key_pem, document)
		SELECT id, split_part(split_part(id, '://', 2), '/', 1), 'f' || n, inbox, shared, id || '#main-key', '', '{}'
		FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(id, inbox, shared, n)`, ids, inboxes, shared)
	if err != nil {
		b.Fatal(err)
	}
	_, err = a.pool.Exec(ctx, `INSERT INTO follow (follow_id, follower, followee, state)
		SELECT id || '/follows/1', id, $2, 'accepted' FROM unnest($1::text[]) AS id`, ids, a.actor())
	if err != nil {
		b.Fatal(err)
	}
	wantDeliveries := c.followers
	if c.shared {
		wantDeliveries = c.hosts
	}
	aKey, err := federation.SigningKey(ctx, a.pool, a.org)
	if err != nil {
		b.Fatal(err)
	}
	api := &http.Client{Timeout: 30 * time.Second}

	cpu := newCPUMeter(b, a.pool)
	var laurelTotal, baseTotal, postTotal time.Duration
	var laurelCPU cpuSpan
	var baseCPU time.Duration
	var peakRSS, startRSS, peakHeap, startHeap, growth float64
	b.ResetTimer()
	for i := range b.N {
		mem := startMemPeak()
		used := cpu.start()
		start := time.Now()
		createID := postNote(b, api, a, fmt.Sprintf("Fan-out benchmark post %d", i))
		postTotal += time.Since(start)
		waitDelivered(b, a.pool, createID, wantDeliveries)
		laurelTotal += time.Since(start)
		span := used()
		laurelCPU.self += span.self
		laurelCPU.postgres += span.postgres
		rss, rss0, heap, heap0 := mem.end()
		peakRSS, peakHeap, growth = max(peakRSS, rss), max(peakHeap, heap), max(growth, rss-rss0)
		if i == 0 {
			startRSS, startHeap = rss0, heap0
		}

		b.StopTimer()
		exact, total := snk.counts(i + 1)
		if exact != wantDeliveries || total != wantDeliveries*(i+1) {
			b.Fatalf("after %d posts: %d requests at the sinks, %d inboxes with exactly %d; want %d inboxes",
				i+1, total, exact, i+1, wantDeliveries)
		}
		var doc []byte
		if err := a.pool.QueryRow(ctx, `SELECT document::text FROM outbox_activity WHERE activity_id = $1`, createID).Scan(&doc); err != nil {
			b.Fatal(err)
		}
		targets := federation.CollapseInboxes(func() []federation.InboxTarget {
			t := make([]federation.InboxTarget, c.followers)
			for i := range t {
				t[i] = federation.InboxTarget{Inbox: inboxes[i], SharedInbox: shared[i]}
			}
			return t
		}())
		self := cpu.self()
		baseTotal += baselineFanOut(b, targets, doc, a.actor()+"#main-key", aKey)
		baseCPU += cpu.self() - self
		b.StartTimer()
	}
	b.StopTimer()
	// Deliveries that waited for a host's slot too long are snoozed, and
	// failed attempts are retried: either would show in the times.
	var delayed int
	if err := a.pool.QueryRow(ctx, `SELECT count(*) FROM river_job
		WHERE kind = 'deliver' AND (attempt > 1 OR metadata ? 'snoozes')`).Scan(&delayed); err != nil {
		b.Fatal(err)
	}
	if delayed > 0 {
		b.Logf("%d delivery jobs were snoozed or retried", delayed)
	}

	n := float64(b.N)
	laurelS, baseS := laurelTotal.Seconds()/n, baseTotal.Seconds()/n
	b.ReportMetric(laurelS, "s/post")
	b.ReportMetric(ms(postTotal)/n, "api_ms")
	b.ReportMetric(baseS, "baseline_s")
	b.ReportMetric(laurelS/baseS, "x_baseline")
	b.ReportMetric(float64(wantDeliveries)/laurelS, "deliveries/s")
	b.ReportMetric(peakRSS, "peakRSS_MiB")
	b.ReportMetric(growth, "rss_growth_MiB")
	b.ReportMetric(peakHeap, "peakHeap_MiB")
	perDelivery := func(d time.Duration) float64 { return float64(d.Microseconds()) / n / float64(wantDeliveries) }
	b.ReportMetric(perDelivery(laurelCPU.self), "go_cpu_us/delivery")
	b.ReportMetric(perDelivery(laurelCPU.postgres), "pg_cpu_us/delivery")
	b.ReportMetric(perDelivery(baseCPU), "baseline_cpu_us/delivery")
	goal := 3.0
	if c.shared {
		goal = 1.0
	}
	b.Logf("fan-out to %d followers = %d deliveries: %.2f s per post (API call %.0f ms), baseline %.2f s, %.1f x baseline; "+
		"process RSS %.0f MiB before, peak %.0f MiB (+%.0f); Go heap in use %.0f MiB before, peak %.0f MiB; goal < %.0f s: %s",
		c.followers, wantDeliveries, laurelS, ms(postTotal)/n, baseS, laurelS/baseS, startRSS, peakRSS, growth, startHeap, peakHeap, goal, verdict(laurelS < goal))
}

// postNote posts a public note through the node's API and returns the id
// of its Create activity.
func postNote(b *testing.B, client *http.Client, n *benchNode, content string) string {
	body, _ := json.Marshal(map[string]string{"content": content})
	req, _ := http.NewRequest(http.MethodPost, n.base+"/api/v1/orgs/"+n.org+"/posts", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+n.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct{ ID string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &out) != nil || !strings.HasSuffix(out.ID, "/note") {
		b.Fatalf("post answered %d %s", resp.StatusCode, raw)
	}
	return strings.TrimSuffix(out.ID, "/note")
}

// waitDelivered polls until all want deliveries of the activity are
// 'delivered', and fails on a failed one or after benchFanOutWait.
func waitDelivered(b *testing.B, pool *pgxpool.Pool, activityID string, want int) {
	ctx := context.Background()
	deadline := time.Now().Add(benchFanOutWait)
	for {
		var total, delivered, failed int
		err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE d.state = 'delivered'), count(*) FILTER (WHERE d.state = 'failed')
			FROM delivery d JOIN outbox_activity o ON o.id = d.outbox_id WHERE o.activity_id = $1`, activityID).
			Scan(&total, &delivered, &failed)
		if err != nil {
			b.Fatal(err)
		}
		switch {
		case failed > 0:
			var lastErr string
			_ = pool.QueryRow(ctx, `SELECT last_error FROM delivery WHERE state = 'failed' LIMIT 1`).Scan(&lastErr)
			b.Fatalf("%d of %d deliveries failed: %s", failed, total, lastErr)
		case total == want && delivered == want:
			return
		case time.Now().After(deadline):
			b.Fatalf("after %s: %d of %d deliveries delivered (want %d)", benchFanOutWait, delivered, total, want)
		}
		time.Sleep(benchPoll)
	}
}

// baselineFanOut sends doc to every target the way the delivery worker
// would at best: signed afresh per request (key in memory), from
// jobs.DefaultDeliveryMaxWorkers goroutines, at most
// federation.PerHostDeliveries at a time per host, over one shared
// transport with the egress client's idle-connection limits; no database,
// no queue. It returns how long that took.
func baselineFanOut(b *testing.B, targets []string, doc []byte, keyID string, key *rsa.PrivateKey) time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), benchFanOutWait)
	defer cancel()
	tr := &http.Transport{Proxy: nil, MaxIdleConns: 100, MaxIdleConnsPerHost: 8, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var hostsMu sync.Mutex
	perHost := map[string]chan struct{}{}
	slot := func(host string) chan struct{} {
		hostsMu.Lock()
		defer hostsMu.Unlock()
		if perHost[host] == nil {
			perHost[host] = make(chan struct{}, federation.PerHostDeliveries)
		}
		return perHost[host]
	}
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range 50 { // jobs.DefaultDeliveryMaxWorkers
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(targets) && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, targets[i], bytes.NewReader(doc))
				req.Header.Set("Content-Type", federation.ActivityJSON)
				req.Header.Set("X-Bench-Baseline", "1")
				sem := slot(req.URL.Host)
				sem <- struct{}{}
				err := signature.SignRequest(req, keyID, key, doc, time.Now())
				var resp *http.Response
				if err == nil {
					resp, err = client.Do(req)
				}
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						err = fmt.Errorf("%s answered %s", targets[i], resp.Status)
					}
				}
				<-sem
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 || ctx.Err() != nil {
		b.Fatalf("baseline fan-out: %d of %d failed (%v), first: %v", n, len(targets), ctx.Err(), firstErr.Load())
	}
	return elapsed
}
