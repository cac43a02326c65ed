package jobs

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/testkit"
)

// rescueHelperEnv names the database a re-executed test binary runs the
// doomed process's River client on (see TestRescueHelperProcess).
const rescueHelperEnv = "LAUREL_RESCUE_HELPER_DB"

// rescueBase is the node both processes of the rescue test are.
var rescueBase, _ = url.Parse("https://laurel.test")

func rescueFederation(pool *pgxpool.Pool, deliveryTimeout time.Duration) *federation.Federation {
	return federation.New(federation.Config{Base: rescueBase, Pool: pool, DeliveryTimeout: deliveryTimeout,
		Client: egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})})
}

// TestRescueHelperProcess is not a test: TestKilledProcessJobIsRescued
// runs the test binary again with only it, as the process that fetches a
// delivery job and is killed with SIGKILL in the middle of sending it.
func TestRescueHelperProcess(t *testing.T) {
	dbURL := os.Getenv(rescueHelperEnv)
	if dbURL == "" {
		t.Skip("only run by TestKilledProcessJobIsRescued, as its doomed process")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	client, err := NewClient(pool, Config{MaxWorkers: 1, FetchCooldown: 10 * time.Millisecond,
		Federation: rescueFederation(pool, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {} // until killed
}

// retryAtOnce runs a rescued job again at once, so that the test waits for
// the rescue, not for the delivery schedule's first step (15–30 s).
type retryAtOnce struct{}

func (retryAtOnce) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// TestKilledProcessJobIsRescued kills -9 a process in the middle of a
// delivery and checks that another process's client, with a short rescue
// delay, makes the delivery: River's default (an hour) would strand it.
func TestKilledProcessJobIsRescued(t *testing.T) {
	dbURL := testkit.DatabaseURL(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// The peer never answers the first attempt (the doomed process's) and
	// accepts the next.
	var hits atomic.Int32
	firstArrived, release := make(chan struct{}), make(chan struct{})
	peer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read to the end: only then does the server notice a client gone.
		_, _ = io.Copy(io.Discard, r.Body)
		if hits.Add(1) == 1 {
			close(firstArrived)
			select { // its sender dies
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer peer.Close()
	defer close(release)

	if _, err := federation.AddActor(ctx, pool, "hamk", federation.Organization, "username"); err != nil {
		t.Fatal(err)
	}
	fed := rescueFederation(pool, time.Second)
	// An insert-only client hands itself to fed for Publish.
	if _, err := NewClient(pool, Config{InsertOnly: true, Federation: fed}); err != nil {
		t.Fatal(err)
	}
	self := fed.URLs().Actor("hamk")
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := fed.Publish(ctx, tx, "hamk", map[string]any{"id": self + "/activities/1", "type": "Create", "actor": self},
			true, []string{peer.URL + "/inbox"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	doomed := exec.Command(os.Args[0], "-test.run=^TestRescueHelperProcess$")
	doomed.Env = append(os.Environ(), rescueHelperEnv+"="+dbURL)
	if err := doomed.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-firstArrived:
	case <-time.After(30 * time.Second):
		_ = doomed.Process.Kill()
		t.Fatal("the doomed process did not start the delivery")
	}
	if err := doomed.Process.Kill(); err != nil { // SIGKILL: no clean-up of any kind
		t.Fatal(err)
	}
	_ = doomed.Wait()
	var state rivertype.JobState
	if err := pool.QueryRow(ctx, `SELECT state FROM river_job WHERE kind = 'deliver'`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != rivertype.JobStateRunning {
		t.Fatalf("the killed process's job is %s, want running (stranded)", state)
	}

	// The surviving process: rescue after 2 s of running. Its elector
	// first waits out the dead leader's term (about 10 s).
	killedAt := time.Now()
	survivor, err := NewClient(pool, Config{MaxWorkers: 1, FetchCooldown: 10 * time.Millisecond, Federation: fed,
		JobTimeout: time.Second, RescueAfter: 2 * time.Second, RetryPolicy: retryAtOnce{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := survivor.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer survivor.Stop(ctx)
	const window = 40 * time.Second // dead leader's term + rescuer run + the delivery
	for {
		var delivered string
		var attemptedBy []string
		err := pool.QueryRow(ctx, `SELECT d.state, j.attempted_by FROM delivery d, river_job j
			WHERE j.kind = 'deliver'`).Scan(&delivered, &attemptedBy)
		if err != nil {
			t.Fatal(err)
		}
		if delivered == "delivered" {
			if len(attemptedBy) != 2 || attemptedBy[0] == attemptedBy[1] {
				t.Fatalf("job attempted by %v, want the dead client and then the survivor", attemptedBy)
			}
			t.Logf("delivered %s after the kill", time.Since(killedAt).Round(100*time.Millisecond))
			break
		}
		if time.Since(killedAt) > window {
			t.Fatalf("delivery still %s %s after the kill", delivered, window)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("the peer got %d requests, want 2 (the killed attempt and the rescued one)", n)
	}
}
