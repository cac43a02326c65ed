package node_test

// Benchmarks of the Open Badges side of a node, with a real node, a real
// database and real HTTP on loopback addresses (127.x only). They run only
// with -bench:
//
//	go test -run='^$' -bench='HostedAssertion|BakedImage' -benchtime=10000x -count=5 ./node/
//	go test -run='^$' -bench=VerifyHosted -benchtime=2000x -count=5 ./node/
//	go test -run='^$' -bench='^BenchmarkIssue$' -benchtime=5000x -count=5 ./node/
//
// Each run of a benchmark measures a baseline and Laurel on the same node
// or database, with the same number of ops, in turns (baseline first), and
// reports both and x_baseline: Laurel's time per op over the baseline's
// (for the load benchmarks, the baseline's rate over Laurel's), so 1 is as
// fast as the baseline and 3 is three times its cost; ns/op is Laurel's
// alone. docs/PERFORMANCE.md ("Open Badges") explains the numbers. Every
// loop is bounded by its count and a deadline, so a benchmark stops by
// itself.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// Limits and sizes of the Open Badges benchmarks.
const (
	benchAssertions  = 1000            // assertions issued on the node before the load benchmarks and verification
	benchIssueBatch  = 100             // assertions per issuer.Issue call while setting up
	benchMaxRequests = 200000          // the most requests one load run may ask for (latencies are kept in memory)
	benchMaxSeqOps   = 20000           // the most verifications or issues one run may ask for
	benchSeqDeadline = 2 * time.Minute // a sequential run (baseline and Laurel) gives up after this
	benchBadgeImage  = "../vocab/testdata/ob20/robotics-badge.png"
)

// badgeNode is a bench node whose organisation has an email address, one
// badge class with a PNG image and benchAssertions hosted assertions of it
// to email recipients.
type badgeNode struct {
	*benchNode
	urls       issuer.URLs
	org        issuer.Organisation
	badge      issuer.BadgeClass
	assertions []string // UUIDs
}

// startBadgeNode starts a bench node on 127.0.0.2 and issues its
// assertions.
func startBadgeNode(b *testing.B) *badgeNode {
	b.Helper()
	ctx := context.Background()
	n := startBenchNode(b, "127.0.0.2", "alpha")
	o, err := issuer.OrganisationBySlug(ctx, n.pool, n.org)
	if err != nil {
		b.Fatal(err)
	}
	email := "badges@alpha.example"
	if o, err = issuer.UpdateOrganisation(ctx, n.pool, o.ID, issuer.OrganisationUpdate{Email: &email}); err != nil {
		b.Fatal(err)
	}
	badge := createBenchBadge(b, n.pool, o)
	bn := &badgeNode{benchNode: n, urls: issuer.URLs{Base: n.node.BaseURL()}, org: o, badge: badge}
	for first := 0; first < benchAssertions; first += benchIssueBatch {
		inputs := make([]issuer.AssertionInput, 0, benchIssueBatch)
		for i := first; i < min(first+benchIssueBatch, benchAssertions); i++ {
			inputs = append(inputs, benchAssertionInput(i))
		}
		issued, err := issuer.Issue(ctx, n.pool, account.NodeActor(), issuer.Hooks{}, bn.urls, o, badge, inputs)
		if err != nil {
			b.Fatal(err)
		}
		for _, a := range issued {
			bn.assertions = append(bn.assertions, a.UUID)
		}
	}
	return bn
}

// createBenchBadge adds the benchmarks' badge class, with the robotics
// test image (a PNG of 789 bytes), to organisation o.
func createBenchBadge(b *testing.B, pool *pgxpool.Pool, o issuer.Organisation) issuer.BadgeClass {
	b.Helper()
	img, err := os.ReadFile(benchBadgeImage)
	if err != nil {
		b.Fatal(err)
	}
	badge, err := issuer.CreateBadgeClass(context.Background(), pool, account.NodeActor(), o.ID, issuer.BadgeInput{
		Name:              "Robotics basics",
		Description:       "Built and programmed a line-following robot.",
		Image:             img,
		CriteriaNarrative: "Build a robot that follows a line for **two metres** and explain its program.",
		Tags:              []string{"robotics", "programming"},
	})
	if err != nil {
		b.Fatal(err)
	}
	return badge
}

// benchAssertionInput is the i-th earner: an email recipient with a name,
// one piece of evidence and a narrative, as a course would issue.
func benchAssertionInput(i int) issuer.AssertionInput {
	return issuer.AssertionInput{
		Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: fmt.Sprintf("earner-%d@example.org", i), Name: fmt.Sprintf("Earner %d", i)},
		Evidence:  []vocab.Evidence{{ID: fmt.Sprintf("https://example.org/portfolio/%d", i), Narrative: "Video of the robot on the test track."}},
		Narrative: "Completed the robotics basics course.",
	}
}

// assertionURL returns the hosted assertion URL of the i-th assertion,
// cycling through all of them.
func (n *badgeNode) assertionURL(i int) string {
	return n.urls.Assertion(n.assertions[i%len(n.assertions)])
}

// getLoad sends n GETs with benchLoadWorkers concurrent workers, request i
// to url(i) with the Accept header accept, each worker sending its next
// request as soon as its previous one is answered, and times each request
// and the whole run. An answer with status 200 is a success; the body is
// read to the end, so the connection is reused.
func getLoad(client *http.Client, n int, url func(int) string, accept string) loadResult {
	ctx, cancel := context.WithTimeout(context.Background(), benchLoadDeadline)
	defer cancel()
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var next atomic.Int64
	var failMu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	for range benchLoadWorkers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				u := url(i)
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				req.Header.Set("Accept", accept)
				t0 := time.Now()
				resp, err := client.Do(req)
				var status int
				if err == nil {
					status = resp.StatusCode
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat[i] = time.Since(t0)
				if err == nil && status == http.StatusOK {
					ok[i] = true
					continue
				}
				failMu.Lock()
				if res.firstFail == "" {
					res.firstFail = fmt.Sprintf("GET %s: %d %v", u, status, err)
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
	res.failures = n - len(res.latencies) // also counts those the deadline left unsent
	slices.Sort(res.latencies)
	return res
}

// measure runs f and returns how long it took and the CPU used meanwhile
// by this process and by PostgreSQL. The clocks are read inside the
// meter's own reading of /proc, so that reading is not counted.
func measure(cpu cpuMeter, f func()) (time.Duration, cpuSpan) {
	pg0, self0 := cpu.postgres(), cpu.self()
	start := time.Now()
	f()
	elapsed := time.Since(start)
	self1, pg1 := cpu.self(), cpu.postgres()
	return elapsed, cpuSpan{self: self1 - self0, postgres: pg1 - pg0}
}

// benchRounds is how many times a run of a load benchmark alternates
// between the baseline and Laurel, so that load from elsewhere on the
// machine that comes or goes during a run weighs on both alike.
const benchRounds = 5

// benchGetLoad is one run of a load benchmark: b.N GETs of the baseline's
// URLs and b.N of Laurel's, both with benchLoadWorkers clients on the same
// node, in benchRounds alternating rounds (baseline first), request i of
// either to url(i). It reports Laurel's time per request (ns/op: the wall
// time of its rounds over b.N), rate, latencies and CPU per request (this
// process, load generator included, and PostgreSQL), the baseline's, and
// x_baseline: the baseline's rate over Laurel's.
func benchGetLoad(b *testing.B, client *http.Client, cpu cpuMeter, accept string, baseURL, ourURL func(int) string) {
	if b.N > benchMaxRequests {
		b.Fatalf("-benchtime=%dx: at most %d requests per run", b.N, benchMaxRequests)
	}
	b.StopTimer() // the time is Laurel's rounds only, reported as ns/op below
	type side struct {
		res loadResult
		cpu cpuSpan
	}
	var base, ours side
	round := func(s *side, url func(int) string, off, n int) {
		var r loadResult
		elapsed, span := measure(cpu, func() { r = getLoad(client, n, func(i int) string { return url(off + i) }, accept) })
		if r.failures > 0 {
			b.Fatalf("%d of %d requests failed or were not sent; first: %s", r.failures, n, r.firstFail)
		}
		s.res.elapsed += elapsed
		s.res.latencies = append(s.res.latencies, r.latencies...)
		s.cpu.self += span.self
		s.cpu.postgres += span.postgres
	}
	for k := range benchRounds {
		off, end := k*b.N/benchRounds, (k+1)*b.N/benchRounds
		if end > off {
			round(&base, baseURL, off, end-off)
			round(&ours, ourURL, off, end-off)
		}
	}
	slices.Sort(base.res.latencies)
	slices.Sort(ours.res.latencies)

	perReq := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(float64(ours.res.elapsed.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(ours.res.rate(), "req/s")
	b.ReportMetric(ms(ours.res.quantile(0.5)), "p50_ms")
	b.ReportMetric(ms(ours.res.quantile(0.99)), "p99_ms")
	b.ReportMetric(perReq(ours.cpu.self+ours.cpu.postgres), "cpu_us/req")
	b.ReportMetric(perReq(ours.cpu.postgres), "pg_cpu_us/req")
	b.ReportMetric(base.res.rate(), "baseline_req/s")
	b.ReportMetric(ms(base.res.quantile(0.99)), "baseline_p99_ms")
	b.ReportMetric(perReq(base.cpu.self+base.cpu.postgres), "baseline_cpu_us/req")
	b.ReportMetric(perReq(base.cpu.postgres), "baseline_pg_cpu_us/req")
	b.ReportMetric(base.res.rate()/ours.res.rate(), "x_baseline")
}

// warmLoad sends a few hundred requests to each of the URLs, untimed, so
// that the client's connections, the node's database connections and
// their prepared statements exist before the first measured run.
func warmLoad(b *testing.B, client *http.Client, accept string, urls ...func(int) string) {
	b.Helper()
	for _, u := range urls {
		if r := getLoad(client, 20*benchLoadWorkers, u, accept); r.failures > 0 {
			b.Fatalf("warm-up: %d requests failed; first: %s", r.failures, r.firstFail)
		}
	}
}

// BenchmarkHostedAssertion measures how many hosted assertions a node
// serves per second (GET /ob/assertions/{uuid} with Accept:
// application/ld+json, cycling through 1,000 assertions, 32 concurrent
// clients) against the same load on GET /healthz of the same node: the
// same HTTP server, router and middleware, without the database. One op is
// one request: use -benchtime=Nx.
func BenchmarkHostedAssertion(b *testing.B) {
	n := startBadgeNode(b)
	healthz := func(int) string { return n.base + "/healthz" }

	// The document is the assertion, at its own id.
	client := newLoadClient()
	defer client.CloseIdleConnections()
	u := n.assertionURL(0)
	doc := getJSON(b, client, u, vocab.ContentType)
	if doc["id"] != u || doc["type"] != "Assertion" {
		b.Fatalf("%s answered %v", u, doc)
	}
	warmLoad(b, client, vocab.ContentType, healthz, n.assertionURL)
	cpu := newCPUMeter(b, n.pool)
	b.Run(fmt.Sprintf("%d_assertions_%d_clients", benchAssertions, benchLoadWorkers), func(b *testing.B) {
		benchGetLoad(b, client, cpu, vocab.ContentType, healthz, n.assertionURL)
	})
}

// BenchmarkBakedImage measures how many earned badge images a node serves
// per second (GET /ob/assertions/{uuid}/image: the badge class's PNG with
// the assertion baked in, cycling through 1,000 assertions, 32 concurrent
// clients) against the same load on the unbaked image of the badge class
// (GET /ob/badges/{uuid}/image: the same badge_class row, one query, the
// image as stored). One op is one request: use -benchtime=Nx.
func BenchmarkBakedImage(b *testing.B) {
	n := startBadgeNode(b)
	unbaked := func(int) string { return n.urls.BadgeImage(n.badge.UUID) }
	baked := func(i int) string { return n.urls.AssertionImage(n.assertions[i%len(n.assertions)]) }

	// The baked image carries the hosted assertion.
	client := newLoadClient()
	defer client.CloseIdleConnections()
	img := getBody(b, client, baked(0), "image/png")
	text, err := bake.Extract(img)
	if err != nil {
		b.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil || doc["id"] != n.assertionURL(0) {
		b.Fatalf("baked into %s: %s (%v)", baked(0), text, err)
	}
	warmLoad(b, client, "image/png", unbaked, baked)
	cpu := newCPUMeter(b, n.pool)
	b.Run(fmt.Sprintf("%d_assertions_%d_clients", benchAssertions, benchLoadWorkers), func(b *testing.B) {
		benchGetLoad(b, client, cpu, "image/png", unbaked, baked)
	})
}

// getBody GETs u and returns the body of its 200 answer.
func getBody(b *testing.B, client *http.Client, u, accept string) []byte {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s %v %.300s", u, resp.Status, err, body)
	}
	return body
}

// getJSON GETs u and decodes the JSON object of its 200 answer.
func getJSON(b *testing.B, client *http.Client, u, accept string) map[string]any {
	b.Helper()
	var doc map[string]any
	if err := json.Unmarshal(getBody(b, client, u, accept), &doc); err != nil {
		b.Fatalf("GET %s: %v", u, err)
	}
	return doc
}

// verifyAccept is the Accept header the verifier sends, which the
// baseline sends too.
const verifyAccept = "application/ld+json, application/json;q=0.9"

// BenchmarkVerifyHosted measures verifier.Verify of a hosted assertion on
// a node (cycling through 1,000 of them): it fetches the assertion, its
// BadgeClass, the issuer Profile and the revocation list over loopback
// HTTP through an egress client that allows 127.0.0.0/8, and checks them.
// The baseline GETs the same four documents one after the other with a
// plain http.Client (keep-alive, the verifier's Accept header) and reads
// them, without decoding: the ratio is the verifier's own overhead
// (decoding, normalising, the rule checks, the egress guard). One
// verification at a time; one op is one verification: use -benchtime=Nx.
//
// The verifier is called directly: POST /api/v1/verify, which runs the
// same code, allows 30 checks a minute per client address.
func BenchmarkVerifyHosted(b *testing.B) {
	ctx := context.Background()
	n := startBadgeNode(b)
	allow, err := egress.ParseAllow("127.0.0.0/8")
	if err != nil {
		b.Fatal(err)
	}
	eg := egress.New(egress.Config{Allow: allow})
	defer eg.CloseIdleConnections()
	v := &verifier.Verifier{Client: eg.HTTPClient()}
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	plain := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// The four documents of assertion i, in the order the verifier
	// fetches them.
	docs := func(i int) [4]string {
		return [4]string{n.assertionURL(i), n.urls.BadgeClass(n.badge.UUID), n.urls.Profile(n.org.Slug), n.urls.RevocationList(n.org.Slug)}
	}
	verify := func(b *testing.B, i int) {
		rep := v.Verify(ctx, verifier.Input{URL: n.assertionURL(i)})
		if !rep.Valid || rep.Verification != verifier.Hosted {
			b.Fatalf("verify %s: %+v", n.assertionURL(i), rep)
		}
	}
	fetch := func(b *testing.B, i int) {
		for _, u := range docs(i) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			req.Header.Set("Accept", verifyAccept)
			resp, err := plain.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("GET %s: %s %v", u, resp.Status, err)
			}
		}
	}

	// The report names the four documents it fetched, and all its checks
	// pass (the recipient is not given, which is a warning).
	rep := v.Verify(ctx, verifier.Input{URL: n.assertionURL(0)})
	for _, c := range []string{verifier.CheckAssertionFetched, verifier.CheckBadgeFetched, verifier.CheckIssuerFetched, verifier.CheckRevocation} {
		if !slices.ContainsFunc(rep.Checks, func(k verifier.Check) bool { return k.Name == c && k.OK }) {
			b.Fatalf("no passed %s check in %+v", c, rep)
		}
	}
	list := n.urls.RevocationList(n.org.Slug)
	if !rep.Valid || !slices.ContainsFunc(rep.Checks, func(k verifier.Check) bool {
		return k.Name == verifier.CheckRevocation && strings.Contains(k.Message, list)
	}) {
		b.Fatalf("the report is not valid or did not check %s: %+v", list, rep)
	}
	for i := range 100 { // warm-up: connections and prepared statements
		fetch(b, i)
		verify(b, i)
	}
	cpu := newCPUMeter(b, n.pool)
	b.Run(fmt.Sprintf("%d_assertions", benchAssertions), func(b *testing.B) {
		benchSequential(b, cpu, func(i int) { fetch(b, i) }, func(i int) { verify(b, i) })
	})
}

// benchSeqBlock is how many ops of the baseline and of Laurel a
// sequential benchmark runs in turn, so that load from elsewhere on the
// machine that comes or goes during a run weighs on both alike.
const benchSeqBlock = 200

// benchSequential is one run of a sequential benchmark: b.N ops of the
// baseline and b.N of Laurel's, one at a time, alternating in blocks of
// benchSeqBlock (baseline first), op i of either called with i; it gives
// up after benchSeqDeadline. It reports Laurel's time per op (ns/op and
// us/op) and CPU per op (this process, node included, and PostgreSQL), the
// baseline's, and x_baseline: Laurel's time per op over the baseline's.
func benchSequential(b *testing.B, cpu cpuMeter, baseline, ours func(i int)) {
	if b.N > benchMaxSeqOps {
		b.Fatalf("-benchtime=%dx: at most %d ops per run", b.N, benchMaxSeqOps)
	}
	b.StopTimer() // the time is Laurel's blocks only, reported as ns/op below
	deadline := time.Now().Add(benchSeqDeadline)
	var baseTime, ourTime time.Duration
	var baseCPU, ourCPU cpuSpan
	block := func(total *time.Duration, used *cpuSpan, op func(int), from, to int) {
		d, span := measure(cpu, func() {
			for i := from; i < to; i++ {
				op(i)
			}
		})
		*total += d
		used.self += span.self
		used.postgres += span.postgres
	}
	for from := 0; from < b.N; from += benchSeqBlock {
		if time.Now().After(deadline) {
			b.Fatalf("gave up after %s, at op %d of %d", benchSeqDeadline, from, b.N)
		}
		to := min(from+benchSeqBlock, b.N)
		block(&baseTime, &baseCPU, baseline, from, to)
		block(&ourTime, &ourCPU, ours, from, to)
	}
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(float64(ourTime.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(perOp(ourTime), "us/op")
	b.ReportMetric(perOp(ourCPU.self+ourCPU.postgres), "cpu_us/op")
	b.ReportMetric(perOp(ourCPU.postgres), "pg_cpu_us/op")
	b.ReportMetric(perOp(baseTime), "baseline_us/op")
	b.ReportMetric(perOp(baseCPU.self+baseCPU.postgres), "baseline_cpu_us/op")
	b.ReportMetric(perOp(baseCPU.postgres), "baseline_pg_cpu_us/op")
	b.ReportMetric(float64(ourTime)/float64(baseTime), "x_baseline")
}

// BenchmarkIssue measures issuing one assertion per op through
// issuer.Issue (validation, the recipient's email hashed with a fresh
// salt, a claim token, one INSERT into assertion in one transaction; no
// email queued) on a fresh testkit database, against a single-row INSERT
// of the same values in a transaction (BEGIN, INSERT … RETURNING id,
// COMMIT: the same three round trips) into a scratch table of the same
// columns with only an identity primary key: no unique uuid or claim
// token, no foreign keys, no other index, nothing computed. Use
// -benchtime=Nx.
func BenchmarkIssue(b *testing.B) {
	ctx := context.Background()
	pool := benchPool(b)
	o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{
		Slug: "alpha", Name: "ALPHA", Country: "FI", Email: "badges@alpha.example",
	})
	if err != nil {
		b.Fatal(err)
	}
	badge := createBenchBadge(b, pool, o)
	base, _ := url.Parse("http://127.0.0.2:8080") // only in the documents of signed badges and claim emails: neither here
	u := issuer.URLs{Base: base}
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_assertion (
		id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		badge_class_id     bigint NOT NULL,
		recipient_kind     text NOT NULL,
		recipient_identity text NOT NULL,
		recipient_salt     text NOT NULL,
		recipient_hint     text NOT NULL,
		recipient_name     text NOT NULL,
		evidence           jsonb NOT NULL,
		narrative          text NOT NULL,
		issued_on          timestamptz NOT NULL,
		expires            timestamptz,
		claim_token_hash   bytea,
		issued_by          bigint,
		created_at         timestamptz NOT NULL DEFAULT now())`); err != nil {
		b.Fatal(err)
	}

	// The baseline stores what issuing stores, with the hash, salt and
	// token hash of the same sizes made once.
	proto := benchAssertionInput(0)
	evidence, _ := json.Marshal(proto.Evidence)
	salt := strings.Repeat("5a", 16)
	identity := vocab.HashIdentity("email", proto.Recipient.Identity, salt)
	tokenHash := make([]byte, 32)
	insert := func(i int) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var id int64
			return tx.QueryRow(ctx, `
				INSERT INTO bench_assertion (badge_class_id, recipient_kind, recipient_identity, recipient_salt, recipient_hint,
					recipient_name, evidence, narrative, issued_on, expires, claim_token_hash, issued_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				RETURNING id`,
				badge.ID, issuer.RecipientEmail, identity, salt, "e…@example.org", proto.Recipient.Name,
				evidence, proto.Narrative, time.Now().UTC().Truncate(time.Second), nil, tokenHash, nil).Scan(&id)
		})
	}
	var seq atomic.Int64 // distinct recipients across runs
	issue := func() error {
		_, err := issuer.Issue(ctx, pool, account.NodeActor(), issuer.Hooks{}, u, o, badge, []issuer.AssertionInput{benchAssertionInput(int(seq.Add(1)))})
		return err
	}
	for i := range 100 { // warm-up: connections and prepared statements
		if err := insert(i); err != nil {
			b.Fatal(err)
		}
		if err := issue(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := newCPUMeter(b, pool)
	b.Run("one_email_recipient", func(b *testing.B) {
		benchSequential(b, cpu, func(i int) {
			if err := insert(i); err != nil {
				b.Fatal(err)
			}
		}, func(int) {
			if err := issue(); err != nil {
				b.Fatal(err)
			}
		})
	})
}
