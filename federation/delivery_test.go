package federation

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/testkit"
)

// deliveryFixture is a node (on a name that is never dialled) with one
// organisation actor, whose peers are httptest servers on 127.0.0.1.
type deliveryFixture struct {
	t      *testing.T
	pool   *pgxpool.Pool
	f      *Federation
	client *river.Client[pgx.Tx] // inserts (and, once started, works) jobs
}

const fixtureActor = "hamk"

func newDeliveryFixture(t *testing.T) *deliveryFixture {
	t.Helper()
	pool := testkit.DB(t)
	base, _ := url.Parse("https://laurel.test")
	f := New(Config{
		Base: base, Pool: pool,
		Client: egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second}),
	})
	if _, err := AddActor(context.Background(), pool, fixtureActor, Organization, "username"); err != nil {
		t.Fatal(err)
	}
	fx := &deliveryFixture{t: t, pool: pool, f: f}
	// Until a test starts a working client, jobs are only inserted and
	// the test works them one by one with rivertest.
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	fx.client = c
	f.SetJobs(c)
	return fx
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// quickRetry retries at once, so tests need not wait for RetryPolicy.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(10 * time.Millisecond)
}

// start replaces the insert-only client with a started one that works the
// delivery queue with maxWorkers workers and quick retries.
func (fx *deliveryFixture) start(maxWorkers int) {
	fx.t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, NewDeliverWorker(fx.f))
	c, err := river.NewClient(riverpgxv5.New(fx.pool), &river.Config{
		Logger:            quietLogger(),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{DeliveryQueue: {MaxWorkers: maxWorkers}},
		FetchCooldown:     5 * time.Millisecond,
		FetchPollInterval: 20 * time.Millisecond,
		RetryPolicy:       quickRetry{},
		TestOnly:          true,
	})
	if err != nil {
		fx.t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			fx.t.Errorf("stop River: %v", err)
		}
	})
	fx.client = c
	fx.f.SetJobs(c)
}

// activity is a minimal Create by the fixture's actor.
func (fx *deliveryFixture) activity(name string) map[string]any {
	self := fx.f.urls.Actor(fixtureActor)
	return map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       self + "/activities/" + name,
		"type":     "Create",
		"actor":    self,
		"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"object":   map[string]any{"type": "Note", "content": "hello " + name},
	}
}

// publish publishes activity in a transaction of its own and commits it.
func (fx *deliveryFixture) publish(activity map[string]any, inboxes ...string) int64 {
	fx.t.Helper()
	var id int64
	err := pgx.BeginFunc(context.Background(), fx.pool, func(tx pgx.Tx) error {
		var err error
		id, err = fx.f.Publish(context.Background(), tx, fixtureActor, activity, true, inboxes)
		return err
	})
	if err != nil {
		fx.t.Fatalf("Publish: %v", err)
	}
	return id
}

// lookup finds the public keys of the fixture's local actors, as a peer
// would after fetching the actor.
func (fx *deliveryFixture) lookup(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	owner, _, _ := strings.Cut(keyID, "#")
	name := fx.f.urls.UsernameOf(owner)
	if name == "" || fx.f.urls.KeyID(name) != keyID {
		return nil, "", fmt.Errorf("unknown key %s", keyID)
	}
	a, err := ActorByUsername(ctx, fx.pool, name)
	if err != nil {
		return nil, "", err
	}
	key, err := signature.ParsePublicKey(a.PublicKeyPEM)
	return key, owner, err
}

// sink is a peer's inbox. It checks every request's signature, Digest and
// headers, and answers with the scripted statuses in turn (the last one
// repeats).
type sink struct {
	srv *httptest.Server
	mu  sync.Mutex
	// script
	statuses []int
	header   http.Header
	delay    time.Duration
	// observations
	requests    int
	ids         []string
	inflight    int
	maxInflight int
}

func (fx *deliveryFixture) newSink(statuses ...int) *sink {
	fx.t.Helper()
	s := &sink{statuses: statuses, header: http.Header{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.inflight++
		s.maxInflight = max(s.maxInflight, s.inflight)
		delay := s.delay
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
		}()
		time.Sleep(delay)

		body, err := io.ReadAll(r.Body)
		if err != nil {
			fx.t.Errorf("sink: read body: %v", err)
		}
		res, err := signature.Verify(r, body, time.Now(), serverURL(s.srv), fx.lookup)
		switch {
		case err != nil:
			fx.t.Errorf("sink: signature does not verify: %v", err)
		case res.Owner != fx.f.urls.Actor(fixtureActor) || res.KeyID != fx.f.urls.KeyID(fixtureActor):
			fx.t.Errorf("sink: signed by %s (%s), want the actor's key", res.KeyID, res.Owner)
		}
		if got, want := r.Header.Get("Digest"), signature.DigestHeader(body); got != want {
			fx.t.Errorf("sink: Digest %q, want %q", got, want)
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != ActivityJSON || r.Header.Get("Accept") != ActivityJSON {
			fx.t.Errorf("sink: %s with Content-Type %q, Accept %q", r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"))
		}
		var doc struct {
			ID    string `json:"id"`
			Actor string `json:"actor"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || doc.Actor != fx.f.urls.Actor(fixtureActor) {
			fx.t.Errorf("sink: body %s: %v", body, err)
		}

		s.mu.Lock()
		status := http.StatusAccepted
		if len(s.statuses) > 0 {
			status = s.statuses[min(s.requests, len(s.statuses)-1)]
		}
		s.requests++
		s.ids = append(s.ids, doc.ID)
		for k, v := range s.header {
			w.Header()[k] = v
		}
		s.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, `{"error":"scripted answer"}`)
	}))
	fx.t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) inbox() string { return s.srv.URL + "/inbox" }

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

type deliveryRow struct {
	State       string
	Attempts    int
	LastError   string
	DeliveredAt *time.Time
}

func (fx *deliveryFixture) delivery(outboxID int64, inbox string) deliveryRow {
	fx.t.Helper()
	var d deliveryRow
	err := fx.pool.QueryRow(context.Background(), `SELECT state, attempts, last_error, delivered_at
		FROM delivery WHERE outbox_id = $1 AND inbox = $2`, outboxID, inbox).
		Scan(&d.State, &d.Attempts, &d.LastError, &d.DeliveredAt)
	if err != nil {
		fx.t.Fatalf("delivery %d → %s: %v", outboxID, inbox, err)
	}
	return d
}

func (fx *deliveryFixture) count(query string, args ...any) int {
	fx.t.Helper()
	var n int
	if err := fx.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		fx.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// job returns the current row of the delivery job of outboxID to inbox.
func (fx *deliveryFixture) job(outboxID int64, inbox string) *rivertype.JobRow {
	fx.t.Helper()
	var id int64
	err := fx.pool.QueryRow(context.Background(), `SELECT id FROM river_job
		WHERE kind = 'deliver' AND (args->>'outbox_id')::bigint = $1 AND args->>'inbox' = $2`, outboxID, inbox).Scan(&id)
	if err != nil {
		fx.t.Fatalf("job of %d → %s: %v", outboxID, inbox, err)
	}
	job, err := fx.client.JobGet(context.Background(), id)
	if err != nil {
		fx.t.Fatal(err)
	}
	return job
}

// work runs one attempt of the delivery job of outboxID to inbox with
// rivertest, as River would, committing the job's new state. It returns
// the worker's error, which is nil for snoozes and cancellations.
func (fx *deliveryFixture) work(f *Federation, outboxID int64, inbox string) (*rivertest.WorkResult, error) {
	fx.t.Helper()
	ctx := context.Background()
	w := rivertest.NewWorker(fx.t, riverpgxv5.New(fx.pool),
		&river.Config{Logger: quietLogger(), RetryPolicy: RetryPolicy{}}, NewDeliverWorker(f))
	tx, err := fx.pool.Begin(ctx)
	if err != nil {
		fx.t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	res, workErr := w.WorkJob(ctx, fx.t, tx, fx.job(outboxID, inbox))
	if res == nil {
		fx.t.Fatalf("WorkJob: %v", workErr)
	}
	if err := tx.Commit(ctx); err != nil {
		fx.t.Fatal(err)
	}
	return res, workErr
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitIdle waits until no delivery job is left to run.
func (fx *deliveryFixture) waitIdle() {
	fx.t.Helper()
	waitFor(fx.t, "the delivery jobs to finish", func() bool {
		return fx.count(`SELECT count(*) FROM river_job WHERE kind = 'deliver'
			AND state NOT IN ('completed', 'cancelled', 'discarded')`) == 0
	})
}

func TestPublishDeliversOncePerInbox(t *testing.T) {
	fx := newDeliveryFixture(t)
	fx.start(10)
	a, b := fx.newSink(), fx.newSink(http.StatusOK)
	act := fx.activity("one")
	local := fx.f.urls.Inbox("someone")
	id := fx.publish(act, a.inbox(), b.inbox(), a.inbox(), local, fx.f.urls.SharedInbox())

	for _, s := range []*sink{a, b} {
		waitFor(t, "delivery to "+s.inbox(), func() bool { return fx.delivery(id, s.inbox()).State == deliveryDelivered })
	}
	fx.waitIdle()
	for _, s := range []*sink{a, b} {
		if n := s.count(); n != 1 {
			t.Errorf("%s got %d requests, want 1", s.inbox(), n)
		}
		if s.ids[0] != act["id"] {
			t.Errorf("%s got activity %q, want %q", s.inbox(), s.ids[0], act["id"])
		}
		d := fx.delivery(id, s.inbox())
		if d.Attempts != 1 || d.DeliveredAt == nil || d.LastError != "" {
			t.Errorf("delivery to %s: %+v", s.inbox(), d)
		}
	}
	if n := fx.count(`SELECT count(*) FROM delivery WHERE outbox_id = $1`, id); n != 2 {
		t.Errorf("%d delivery rows, want 2 (duplicates and local inboxes skipped)", n)
	}
	if n := fx.count(`SELECT count(*) FROM river_job WHERE kind = 'deliver'`); n != 2 {
		t.Errorf("%d delivery jobs, want 2", n)
	}
}

func TestPublishRolledBackDeliversNothing(t *testing.T) {
	fx := newDeliveryFixture(t)
	fx.start(10)
	s := fx.newSink()
	ctx := context.Background()
	tx, err := fx.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.Publish(ctx, tx, fixtureActor, fx.activity("rolled-back"), true, []string{s.inbox()}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"outbox_activity", "delivery", "river_job"} {
		if n := fx.count(`SELECT count(*) FROM ` + table); n != 0 {
			t.Errorf("%d rows in %s after rollback", n, table)
		}
	}
	time.Sleep(200 * time.Millisecond) // give a worker the chance to misbehave
	if n := s.count(); n != 0 {
		t.Errorf("sink got %d requests", n)
	}
}

func TestPublishIsIdempotent(t *testing.T) {
	fx := newDeliveryFixture(t)
	s := fx.newSink()
	act := fx.activity("twice")
	first := fx.publish(act, s.inbox())
	second := fx.publish(act, s.inbox())
	if first != second {
		t.Fatalf("second Publish returned row %d, want %d", second, first)
	}
	// Publishing twice in one transaction, too.
	err := pgx.BeginFunc(context.Background(), fx.pool, func(tx pgx.Tx) error {
		act := fx.activity("twice-in-one-tx")
		a, err := fx.f.Publish(context.Background(), tx, fixtureActor, act, true, []string{s.inbox()})
		if err != nil {
			return err
		}
		b, err := fx.f.Publish(context.Background(), tx, fixtureActor, act, true, []string{s.inbox()})
		if err == nil && a != b {
			err = fmt.Errorf("rows %d and %d", a, b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := fx.count(`SELECT count(*) FROM delivery`); n != 2 {
		t.Fatalf("%d delivery rows, want 2", n)
	}
	// A replayed job is refused by River's uniqueness.
	err = pgx.BeginFunc(context.Background(), fx.pool, func(tx pgx.Tx) error {
		res, err := fx.client.InsertTx(context.Background(), tx, DeliverArgs{OutboxID: first, Inbox: s.inbox()}, nil)
		if err == nil && !res.UniqueSkippedAsDuplicate {
			err = errors.New("a second job for the same delivery was inserted")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	fx.start(10)
	fx.waitIdle()
	if n := s.count(); n != 2 {
		t.Fatalf("sink got %d requests, want one per activity (2)", n)
	}
	if fx.delivery(first, s.inbox()).State != deliveryDelivered {
		t.Fatalf("not delivered: %+v", fx.delivery(first, s.inbox()))
	}
}

func TestPublishChecksItsInput(t *testing.T) {
	fx := newDeliveryFixture(t)
	ctx := context.Background()
	good := fx.activity("x")
	with := func(k string, v any) map[string]any {
		m := fx.activity("x")
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name     string
		username string
		activity map[string]any
	}{
		{"no id", fixtureActor, with("id", nil)},
		{"foreign id", fixtureActor, with("id", "https://elsewhere.example/activities/1")},
		{"look-alike host", fixtureActor, with("id", "https://laurel.test.evil/actors/hamk/activities/1")},
		{"no type", fixtureActor, with("type", nil)},
		{"other actor", fixtureActor, with("actor", fx.f.urls.Actor("someone"))},
		{"unknown actor", "nobody", with("actor", fx.f.urls.Actor("nobody"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
				_, err := fx.f.Publish(ctx, tx, tc.username, tc.activity, true, nil)
				return err
			})
			if err == nil {
				t.Fatal("Publish accepted it")
			}
		})
	}

	// bto and bcc are not stored (nor delivered); the caller's map is kept.
	act := with("bcc", []string{"https://peer.example/users/secret"})
	act["object"].(map[string]any)["bto"] = "https://peer.example/users/hidden"
	id := fx.publish(act)
	var doc string
	if err := fx.pool.QueryRow(ctx, `SELECT document::text FROM outbox_activity WHERE id = $1`, id).Scan(&doc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc, "secret") || strings.Contains(doc, "hidden") || !strings.Contains(doc, good["id"].(string)) {
		t.Errorf("stored %s", doc)
	}
	if act["bcc"] == nil || act["object"].(map[string]any)["bto"] == nil {
		t.Errorf("Publish changed the caller's activity: %v", act)
	}

	// Inboxes that are not http(s) URLs are skipped, not fatal.
	id = fx.publish(fx.activity("odd-inboxes"), "mailto:someone@example.org", "not a url", "")
	if n := fx.count(`SELECT count(*) FROM delivery WHERE outbox_id = $1`, id); n != 0 {
		t.Errorf("%d deliveries to odd inboxes", n)
	}
}

func TestPublishSkipsBlockedDomains(t *testing.T) {
	fx := newDeliveryFixture(t)
	ctx := context.Background()
	if _, err := fx.pool.Exec(ctx, `INSERT INTO domain_block (host) VALUES ('blocked.example')`); err != nil {
		t.Fatal(err)
	}
	ok := "https://fine.example/inbox"
	id := fx.publish(fx.activity("blocks"), "https://blocked.example/inbox", "https://sub.blocked.example/inbox", ok)
	rows, err := fx.pool.Query(ctx, `SELECT inbox FROM delivery WHERE outbox_id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(inboxes) != 1 || inboxes[0] != ok {
		t.Fatalf("deliveries to %v (%v), want only %s", inboxes, err, ok)
	}
}

func TestCollapseInboxes(t *testing.T) {
	got := CollapseInboxes([]InboxTarget{
		{Inbox: "https://a.example/users/1/inbox", SharedInbox: "https://a.example/inbox"},
		{Inbox: "https://b.example/users/2/inbox"},
		{Inbox: "https://a.example/users/3/inbox", SharedInbox: "https://a.example/inbox"},
		{},
		{Inbox: "https://b.example/users/2/inbox"},
		{Inbox: "https://c.example/u/4/inbox", SharedInbox: "https://c.example/shared"},
	})
	want := []string{"https://a.example/inbox", "https://b.example/users/2/inbox", "https://c.example/shared"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("CollapseInboxes = %v, want %v", got, want)
	}
	if got := CollapseInboxes(nil); len(got) != 0 {
		t.Fatalf("CollapseInboxes(nil) = %v", got)
	}
}

func TestDeliveryRetriesUntilAccepted(t *testing.T) {
	fx := newDeliveryFixture(t)
	fx.start(4)
	s := fx.newSink(http.StatusInternalServerError, http.StatusInternalServerError, http.StatusAccepted)
	id := fx.publish(fx.activity("flaky"), s.inbox())
	waitFor(t, "the delivery", func() bool { return fx.delivery(id, s.inbox()).State == deliveryDelivered })
	fx.waitIdle()
	if n := s.count(); n != 3 {
		t.Errorf("sink got %d requests, want 3", n)
	}
	if d := fx.delivery(id, s.inbox()); d.Attempts != 3 || d.LastError != "" {
		t.Errorf("delivery: %+v", d)
	}
	var failures int
	err := fx.pool.QueryRow(context.Background(), `SELECT consecutive_failures FROM peer WHERE host = $1`, hostOf(s.inbox())).Scan(&failures)
	if err != nil || failures != 0 {
		t.Errorf("peer failures after success: %d, %v; want 0", failures, err)
	}
}

func TestDeliveryGoneIsNotRetried(t *testing.T) {
	fx := newDeliveryFixture(t)
	s := fx.newSink(http.StatusGone)
	id := fx.publish(fx.activity("gone"), s.inbox())
	res, err := fx.work(fx.f, id, s.inbox())
	if err != nil || res.EventKind != river.EventKindJobCancelled || res.Job.State != rivertype.JobStateCancelled {
		t.Fatalf("work = %v %v, %v; want cancelled", res.EventKind, res.Job.State, err)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryFailed || d.Attempts != 1 || !strings.Contains(d.LastError, "410") {
		t.Errorf("delivery: %+v", d)
	}
	if n := s.count(); n != 1 {
		t.Errorf("sink got %d requests, want 1", n)
	}
	if n := fx.count(`SELECT count(*) FROM peer WHERE consecutive_failures > 0`); n != 0 {
		t.Errorf("a 410 counted as a peer failure")
	}
}

func TestDeliveryRetryAfterSnoozes(t *testing.T) {
	fx := newDeliveryFixture(t)
	s := fx.newSink(http.StatusTooManyRequests)
	s.header.Set("Retry-After", "120")
	id := fx.publish(fx.activity("slow-down"), s.inbox())
	before := time.Now()
	res, err := fx.work(fx.f, id, s.inbox())
	if err != nil || res.EventKind != river.EventKindJobSnoozed || res.Job.State != rivertype.JobStateScheduled {
		t.Fatalf("work = %v %v, %v; want snoozed", res.EventKind, res.Job.State, err)
	}
	if at := res.Job.ScheduledAt; at.Before(before.Add(119*time.Second)) || at.After(time.Now().Add(121*time.Second)) {
		t.Errorf("scheduled at %v, want about %v", at, before.Add(120*time.Second))
	}
	if res.Job.Attempt != 0 {
		t.Errorf("a snooze used attempt %d", res.Job.Attempt)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryPending || d.Attempts != 1 || !strings.Contains(d.LastError, "429") {
		t.Errorf("delivery: %+v", d)
	}
	// The whole host waits, without a failure counted against it.
	wait, ok, err := peerBackoff(context.Background(), fx.pool, hostOf(s.inbox()))
	if err != nil || !ok || wait < 110*time.Second || wait > 121*time.Second {
		t.Errorf("peer backoff %v %v %v; want about 120s", wait, ok, err)
	}
}

func TestDeliveryToBlockedDomainIsCancelled(t *testing.T) {
	fx := newDeliveryFixture(t)
	s := fx.newSink()
	id := fx.publish(fx.activity("blocked-later"), s.inbox())
	if _, err := fx.pool.Exec(context.Background(), `INSERT INTO domain_block (host) VALUES ('127.0.0.1')`); err != nil {
		t.Fatal(err)
	}
	res, err := fx.work(fx.f, id, s.inbox())
	if err != nil || res.EventKind != river.EventKindJobCancelled {
		t.Fatalf("work = %v, %v; want cancelled", res.EventKind, err)
	}
	if n := s.count(); n != 0 {
		t.Errorf("sink got %d requests", n)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryFailed || d.Attempts != 0 {
		t.Errorf("delivery: %+v", d)
	}
}

func TestDeliveryToForbiddenAddressIsCancelled(t *testing.T) {
	fx := newDeliveryFixture(t)
	s := fx.newSink()
	id := fx.publish(fx.activity("forbidden"), s.inbox())
	strict := New(Config{Base: fx.f.urls.Base, Pool: fx.pool, Client: egress.New(egress.Config{})})
	res, err := fx.work(strict, id, s.inbox())
	if err != nil || res.EventKind != river.EventKindJobCancelled {
		t.Fatalf("work = %v, %v; want cancelled", res.EventKind, err)
	}
	if n := s.count(); n != 0 {
		t.Errorf("sink got %d requests", n)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryFailed || !strings.Contains(d.LastError, "loopback") {
		t.Errorf("delivery: %+v", d)
	}
}

func TestDeliveryWaitsForPeerBackoff(t *testing.T) {
	fx := newDeliveryFixture(t)
	ctx := context.Background()
	s := fx.newSink()
	id := fx.publish(fx.activity("backed-off"), s.inbox())
	if _, err := fx.pool.Exec(ctx, `INSERT INTO peer (host, consecutive_failures, backoff_until)
		VALUES ($1, 7, now() + interval '10 minutes')`, hostOf(s.inbox())); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	res, err := fx.work(fx.f, id, s.inbox())
	if err != nil || res.EventKind != river.EventKindJobSnoozed {
		t.Fatalf("work = %v, %v; want snoozed", res.EventKind, err)
	}
	if at := res.Job.ScheduledAt; at.Before(before.Add(9*time.Minute+55*time.Second)) || at.After(time.Now().Add(11*time.Minute)) {
		t.Errorf("scheduled at %v, want 10 minutes from now", at)
	}
	if n := s.count(); n != 0 {
		t.Errorf("sink got %d requests", n)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryPending || d.Attempts != 0 {
		t.Errorf("delivery: %+v", d)
	}

	// A delivery too old to wait any longer is given up.
	if _, err := fx.pool.Exec(ctx, `UPDATE river_job SET created_at = now() - $1::interval
		WHERE kind = 'deliver'`, (DeliveryMaxAge + time.Hour).String()); err != nil {
		t.Fatal(err)
	}
	res, err = fx.work(fx.f, id, s.inbox())
	if err != nil || res.EventKind != river.EventKindJobCancelled {
		t.Fatalf("old job: work = %v, %v; want cancelled", res.EventKind, err)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryFailed {
		t.Errorf("old delivery: %+v", d)
	}
}

func TestDeliveryLastAttemptFails(t *testing.T) {
	fx := newDeliveryFixture(t)
	s := fx.newSink(http.StatusBadGateway)
	id := fx.publish(fx.activity("never"), s.inbox())

	res, err := fx.work(fx.f, id, s.inbox())
	if err == nil || res.EventKind != river.EventKindJobFailed || res.Job.State != rivertype.JobStateRetryable {
		t.Fatalf("first attempt: %v %v, %v; want retryable", res.EventKind, res.Job.State, err)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryPending || d.Attempts != 1 {
		t.Errorf("after the first attempt: %+v", d)
	}
	if _, err := fx.pool.Exec(context.Background(), `UPDATE river_job SET max_attempts = 2, scheduled_at = now()`); err != nil {
		t.Fatal(err)
	}
	res, err = fx.work(fx.f, id, s.inbox())
	if err == nil || res.Job.State != rivertype.JobStateDiscarded {
		t.Fatalf("last attempt: %v %v, %v; want discarded", res.EventKind, res.Job.State, err)
	}
	if d := fx.delivery(id, s.inbox()); d.State != deliveryFailed || d.Attempts != 2 || !strings.Contains(d.LastError, "502") {
		t.Errorf("after the last attempt: %+v", d)
	}
	if n := s.count(); n != 2 {
		t.Errorf("sink got %d requests, want 2", n)
	}
}

func TestPeerBackoffGrows(t *testing.T) {
	fx := newDeliveryFixture(t)
	ctx := context.Background()
	w := NewDeliverWorker(fx.f)
	const host = "down.example"
	state := func() (int, time.Duration) {
		t.Helper()
		var n int
		var left *float64
		err := fx.pool.QueryRow(ctx, `SELECT consecutive_failures, extract(epoch FROM backoff_until - now())::float8
			FROM peer WHERE host = $1`, host).Scan(&n, &left)
		if err != nil {
			t.Fatal(err)
		}
		if left == nil || *left < 0 {
			return n, 0
		}
		return n, time.Duration(*left * float64(time.Second))
	}
	near := func(got, want time.Duration) bool { return got > want-5*time.Second && got <= want }

	for i := 1; i < peerFailureThreshold; i++ {
		w.peerFailed(ctx, host, "timeout")
	}
	if n, left := state(); n != peerFailureThreshold-1 || left != 0 {
		t.Fatalf("below the threshold: %d failures, backoff %v", n, left)
	}
	w.peerFailed(ctx, host, "timeout")
	if n, left := state(); n != 5 || !near(left, 32*time.Minute) {
		t.Fatalf("at the threshold: %d failures, backoff %v; want 5 and 32 min", n, left)
	}
	// Requests already under way when the backoff began change nothing.
	w.peerFailed(ctx, host, "timeout")
	if n, left := state(); n != 5 || !near(left, 32*time.Minute) {
		t.Fatalf("during the backoff: %d failures, backoff %v", n, left)
	}
	// After it, the next failure doubles it...
	if _, err := fx.pool.Exec(ctx, `UPDATE peer SET backoff_until = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	w.peerFailed(ctx, host, "timeout")
	if n, left := state(); n != 6 || !near(left, 64*time.Minute) {
		t.Fatalf("after the backoff: %d failures, backoff %v; want 6 and 64 min", n, left)
	}
	// ... up to the cap.
	if _, err := fx.pool.Exec(ctx, `UPDATE peer SET backoff_until = NULL, consecutive_failures = 40`); err != nil {
		t.Fatal(err)
	}
	w.peerFailed(ctx, host, "timeout")
	if _, left := state(); !near(left, peerMaxBackoff) {
		t.Fatalf("backoff %v, want the cap %v", left, peerMaxBackoff)
	}
	// An answer clears it.
	w.peerAnswered(ctx, host)
	if n, left := state(); n != 0 || left != 0 {
		t.Fatalf("after an answer: %d failures, backoff %v", n, left)
	}
}

func TestDeliveriesPerHostAreBounded(t *testing.T) {
	fx := newDeliveryFixture(t)
	fx.start(20)
	s := fx.newSink()
	s.delay = 100 * time.Millisecond
	const n = 3*PerHostDeliveries + 2
	for i := range n {
		fx.publish(fx.activity(fmt.Sprint("burst-", i)), s.inbox())
	}
	waitFor(t, "all deliveries", func() bool {
		return fx.count(`SELECT count(*) FROM delivery WHERE state = 'delivered'`) == n
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("%d requests, at most %d at once", s.requests, s.maxInflight)
	if s.requests != n || s.maxInflight > PerHostDeliveries {
		t.Fatalf("%d requests, at most %d at once; want %d, at most %d", s.requests, s.maxInflight, n, PerHostDeliveries)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		status int
		err    error
		want   outcome
	}{
		{200, nil, outcomeDelivered},
		{201, nil, outcomeDelivered},
		{202, nil, outcomeDelivered},
		{204, nil, outcomeDelivered},
		{408, nil, outcomeRetry},
		{429, nil, outcomeRetry},
		{500, nil, outcomeRetry},
		{502, nil, outcomeRetry},
		{503, nil, outcomeRetry},
		{504, nil, outcomeRetry},
		{400, nil, outcomePermanent},
		{401, nil, outcomePermanent},
		{403, nil, outcomePermanent},
		{404, nil, outcomePermanent},
		{410, nil, outcomePermanent},
		{413, nil, outcomePermanent},
		{422, nil, outcomePermanent},
		{302, nil, outcomePermanent},
		{0, connRefused{}, outcomeRetry},
		{0, context.DeadlineExceeded, outcomeRetry},
		{0, fmt.Errorf("fetch x: %w", egress.ErrForbiddenAddress), outcomePermanent},
		{0, fmt.Errorf("fetch x: %w", egress.ErrUnsupportedScheme), outcomePermanent},
		{0, fmt.Errorf("fetch x: %w", egress.ErrTooManyRedirects), outcomePermanent},
	} {
		if got := classify(tc.status, tc.err); got != tc.want {
			t.Errorf("classify(%d, %v) = %v, want %v", tc.status, tc.err, got, tc.want)
		}
	}
}

// connRefused stands for a connection failure.
type connRefused struct{}

func (connRefused) Error() string { return "dial tcp 192.0.2.1:443: connect: connection refused" }

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"120", 120 * time.Second, true},
		{" 3600 ", time.Hour, true},
		{"5", minRetryAfter, true},
		{"999999999", maxRetryAfter, true},
		{now.Add(10 * time.Minute).Format(http.TimeFormat), 10 * time.Minute, true},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, false},
		{"0", 0, false},
		{"-5", 0, false},
		{"", 0, false},
		{"soon", 0, false},
	} {
		got, ok := retryAfter(tc.header, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v %v, want %v %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCleanError(t *testing.T) {
	got := cleanError("bad\x00answer\n\xff" + strings.Repeat("é", maxLastError))
	if strings.ContainsAny(got, "\x00\n") || !strings.HasPrefix(got, "bad answer") || len(got) > maxLastError+len("…") {
		t.Fatalf("cleanError = %q", got[:40])
	}
	if !strings.HasSuffix(got, "é…") || !strings.Contains(got, "\uFFFD") {
		t.Fatalf("cleanError = ...%q; want invalid UTF-8 replaced and the cut on a rune boundary, marked", got[len(got)-10:])
	}
}
