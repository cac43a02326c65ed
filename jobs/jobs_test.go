package jobs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestSessionSweepWorker(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES
		('old', '\x00', now() - interval '1 second'), ('live', '\x00', now() + interval '1 day')`); err != nil {
		t.Fatal(err)
	}
	w := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &SessionSweepWorker{pool: db})
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	res, err := w.Work(ctx, t, tx, SessionSweepArgs{}, nil)
	if err != nil || res.EventKind != river.EventKindJobCompleted {
		t.Fatalf("Work = %+v, %v", res, err)
	}
	var tokens []string
	rows, _ := db.Query(ctx, `SELECT token FROM sessions`)
	tokens, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tokens) != 1 || tokens[0] != "live" {
		t.Fatalf("sessions after sweep: %v, %v; want only the live one", tokens, err)
	}
}

// TestInsertTxCommitsWithTheChange checks the promise callers rely on: jobs
// queued in a transaction exist only if it commits.
func TestInsertTxCommitsWithTheChange(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	client, err := NewClient(db, Config{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'session_sweep'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) // a failed check must not leave the test database locked
	if err := InsertTx(ctx, client, tx, SessionSweepArgs{}); err != nil {
		t.Fatal(err)
	}
	rivertest.RequireInsertedTx[*riverpgxv5.Driver](ctx, t, tx, SessionSweepArgs{}, nil)
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d jobs after rollback, want 0", n)
	}

	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return InsertTx(ctx, client, tx, SessionSweepArgs{}) })
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d jobs after commit, want 1", n)
	}
}

// TestClientWorksJobs runs a real client: a queued sweep is worked.
func TestClientWorksJobs(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	client, err := NewClient(db, Config{MaxWorkers: 2})
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := client.Subscribe(river.EventKindJobCompleted)
	defer cancel()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(ctx)
	// The periodic sweep runs on start; wait for a completed one.
	ev := <-done
	if ev.Job.Kind != (SessionSweepArgs{}).Kind() {
		t.Fatalf("completed job %q, want a session sweep", ev.Job.Kind)
	}
}

// TestClientDeliversForFederation wires a Federation into the client: an
// insert-only client can queue deliveries (it knows the kind), and a
// working client delivers them on the delivery queue.
func TestClientDeliversForFederation(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	var hits atomic.Int32
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer peer.Close()
	base, _ := url.Parse("https://laurel.test")
	fed := federation.New(federation.Config{Base: base, Pool: db,
		Client: egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})})
	if _, err := federation.AddActor(ctx, db, "hamk", federation.Organization, "username"); err != nil {
		t.Fatal(err)
	}
	publish := func(name string) {
		t.Helper()
		self := fed.URLs().Actor("hamk")
		act := map[string]any{"id": self + "/activities/" + name, "type": "Create", "actor": self}
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			_, err := fed.Publish(ctx, tx, "hamk", act, true, []string{peer.URL + "/inbox"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	if _, err := NewClient(db, Config{InsertOnly: true, Federation: fed}); err != nil {
		t.Fatal(err)
	}
	publish("from-an-admin-command")
	var queue string
	var maxAttempts int
	if err := db.QueryRow(ctx, `SELECT queue, max_attempts FROM river_job WHERE kind = 'deliver'`).Scan(&queue, &maxAttempts); err != nil {
		t.Fatal(err)
	}
	if queue != federation.DeliveryQueue || maxAttempts != federation.DeliveryMaxAttempts {
		t.Fatalf("delivery job on queue %q with %d attempts", queue, maxAttempts)
	}

	client, err := NewClient(db, Config{MaxWorkers: 1, FetchCooldown: 10 * time.Millisecond, Federation: fed})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(ctx)
	publish("from-the-server")
	deadline := time.Now().Add(20 * time.Second)
	for {
		var delivered int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM delivery WHERE state = 'delivered'`).Scan(&delivered); err != nil {
			t.Fatal(err)
		}
		if delivered == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 2 deliveries made", delivered)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("peer got %d requests, want 2", n)
	}
}
