package jobs

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

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
