package passport_test

import (
	"context"
	"testing"

	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/testkit"
)

// TestNodeImportsBound: imports are bounded on the whole node, whichever
// process runs them: with NodeImports running (one of them the asker),
// one more may run; past that, the next waits.
func TestNodeImportsBound(t *testing.T) {
	ctx := context.Background()
	pool := testkit.DB(t)
	running := func(n int) {
		t.Helper()
		for range n {
			// As River marks a job it works, in whichever process.
			if _, err := pool.Exec(ctx, `INSERT INTO river_job (kind, args, max_attempts, queue, state, attempt, attempted_at)
				VALUES ('passport_import', '{"import_id": 1}', 3, $1, 'running', 1, now())`, passport.ImportQueue); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		running int
		busy    bool
	}{{1, false}, {passport.NodeImports - 1, false}, {1, true}} {
		running(tc.running)
		busy, err := passport.NodeImportsBusy(ctx, pool)
		if err != nil || busy != tc.busy {
			t.Fatalf("after %d more running: busy %v, %v; want %v", tc.running, busy, err, tc.busy)
		}
	}
	// An import no longer running does not count.
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id IN (
		SELECT id FROM river_job WHERE kind = 'passport_import' LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	if busy, err := passport.NodeImportsBusy(ctx, pool); err != nil || busy {
		t.Fatalf("with %d running: busy %v, %v", passport.NodeImports, busy, err)
	}
}
