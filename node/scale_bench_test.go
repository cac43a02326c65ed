package node_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
)

// slowSink is a remote shared inbox that answers 202 after a delay, as a
// busy real server does.
type slowSink struct {
	delay time.Duration
	sink  *sink
}

func (s slowSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	time.Sleep(s.delay)
	s.sink.ServeHTTP(w, r)
}

// benchScaleHosts is how many remote servers BenchmarkFanOutProcesses
// delivers to, each with a shared inbox that answers after
// benchScaleDelay.
const (
	benchScaleHosts = 1000
	benchScaleDelay = 300 * time.Millisecond
)

// BenchmarkFanOutProcesses measures one public post to 1,000 followers on
// 1,000 distinct servers (127.0.3.x–127.0.6.x, a shared inbox each, every
// one answering after 300 ms) by a node of 1, 2 and 4 processes on one
// PostgreSQL, from the API call until every delivery is recorded
// delivered. One op is one post, made through the first process; every
// process's River workers take deliveries. The processes share this test
// process's CPUs, so the ratios show what more delivery workers and
// connections give, not what more machines would.
//
// Reported per sub-benchmark: deliveries/s, s/post (the time to the last
// delivery), and PostgreSQL CPU per delivery; docs/PERFORMANCE.md gives
// them as ratios against the 1-process run of the same run.
func BenchmarkFanOutProcesses(b *testing.B) {
	snk := &sink{received: map[string]int{}}
	bases := make([]string, benchScaleHosts)
	for h := range benchScaleHosts {
		bases[h] = serveBench(b, fmt.Sprintf("127.0.%d.%d", 3+h/250, 1+h%250), slowSink{delay: benchScaleDelay, sink: snk})
	}
	for _, procs := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("processes=%d", procs), func(b *testing.B) { benchFanOutProcesses(b, procs, bases) })
	}
}

func benchFanOutProcesses(b *testing.B, procs int, hostBases []string) {
	if b.N > benchMaxPosts {
		b.Fatalf("-benchtime=%dx: at most %d posts per run", b.N, benchMaxPosts)
	}
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(b)
	// One public URL for every process: the first process's address (the
	// followers' servers never call back, so no balancer is needed).
	listeners := make([]net.Listener, procs)
	for i := range listeners {
		l, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			b.Fatal(err)
		}
		listeners[i] = l
	}
	base := "http://" + listeners[0].Addr().String()
	var first *node.Node
	for i, l := range listeners {
		addr := l.Addr().String()
		l.Close()
		// N pools within the test cluster's max_connections (100), as
		// docs/SCALING.md says to size them.
		n, err := node.Start(ctx, node.Config{Listen: addr, BaseURL: base, DataDir: b.TempDir(), DatabaseURL: dbURL,
			AllowIPs: "127.0.0.0/8", Version: "bench", DBMaxConns: min(node.DefaultDBMaxConns, 80/procs)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { n.Stop(context.Background()) })
		if i == 0 {
			first = n
		}
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	token := provisionOrg(b, pool, "alpha", "FI")
	a := &benchNode{node: first, pool: pool, base: base, org: "alpha", token: token}

	ids := make([]string, len(hostBases))
	shared := make([]string, len(hostBases))
	for i, hb := range hostBases {
		ids[i] = hb + "/users/f"
		shared[i] = hb + "/inbox"
	}
	_, err = pool.Exec(ctx, `INSERT INTO remote_actor (id, host, username, inbox, shared_inbox, key_id, public_key_pem, document)
		SELECT id, split_part(split_part(id, '://', 2), '/', 1), 'f', id || '/inbox', shared, id || '#main-key', '', '{}'
		FROM unnest($1::text[], $2::text[]) AS t(id, shared)`, ids, shared)
	if err != nil {
		b.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO follow (follow_id, follower, followee, state)
		SELECT id || '/follows/1', id, $2, 'accepted' FROM unnest($1::text[]) AS id`, ids, a.actor())
	if err != nil {
		b.Fatal(err)
	}
	api := &http.Client{Timeout: 30 * time.Second}
	cpu := newCPUMeter(b, pool)
	var total time.Duration
	var pgCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		used := cpu.start()
		start := time.Now()
		createID := postNote(b, api, a, fmt.Sprintf("Scale-out benchmark post %d", i))
		waitDelivered(b, pool, createID, len(hostBases))
		total += time.Since(start)
		pgCPU += used().postgres
	}
	b.StopTimer()
	var completers int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)])
		FROM river_job WHERE kind = 'deliver' AND state = 'completed'`).Scan(&completers); err != nil {
		b.Fatal(err)
	}
	if completers != procs {
		b.Logf("deliveries completed by %d of %d processes", completers, procs)
	}
	n := float64(b.N)
	perPost := total.Seconds() / n
	b.ReportMetric(perPost, "s/post")
	b.ReportMetric(float64(len(hostBases))/perPost, "deliveries/s")
	b.ReportMetric(float64(pgCPU.Microseconds())/n/float64(len(hostBases)), "pg_cpu_us/delivery")
	b.Logf("%d process(es): %d deliveries in %.2f s per post (%.0f/s), PostgreSQL %.0f µs CPU per delivery, done by %d process(es)",
		procs, len(hostBases), perPost, float64(len(hostBases))/perPost, float64(pgCPU.Microseconds())/n/float64(len(hostBases)), completers)
}
