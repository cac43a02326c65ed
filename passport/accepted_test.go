package passport_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/verifier"
)

// TestAcceptedHook: the function SetAccepted gives is told of a badge
// accepted or added, in the transaction that does so: when it fails,
// nothing is accepted or added.
func TestAcceptedHook(t *testing.T) {
	ctx := context.Background()
	w, p := hostedWorld(t)
	var told []string
	fail := false
	p.SetAccepted(func(ctx context.Context, tx pgx.Tx, it passport.Item) error {
		if fail {
			return errors.New("hook failed")
		}
		// Read through tx: the item is accepted there already.
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM backpack_item WHERE id = $1`, it.ID).Scan(&state); err != nil {
			return err
		}
		told = append(told, it.BadgeName+" "+state)
		return nil
	})

	w.issue(t, w.deliver(), email(evaEmail))
	pending := items(t, w.pool, w.eva)
	if len(pending) != 1 || pending[0].State != passport.Pending {
		t.Fatalf("the issued badge is not pending: %+v", pending)
	}
	fail = true
	if _, err := p.Accept(ctx, w.pool, w.eva.ID, pending[0].UUID); err == nil {
		t.Fatal("accepting succeeded although the hook failed")
	}
	if it := items(t, w.pool, w.eva)[0]; it.State != passport.Pending {
		t.Fatalf("a failed hook left the badge %s", it.State)
	}
	fail = false
	if _, err := p.Accept(ctx, w.pool, w.eva.ID, pending[0].UUID); err != nil {
		t.Fatal(err)
	}
	if len(told) != 1 || told[0] != "Robotics accepted" {
		t.Fatalf("the hook was told %v", told)
	}

	fail = true
	toEva := w.issue(t, issuer.Hooks{}, email(evaEmail)) // as if on another node
	if _, err := p.Add(ctx, w.eva, verifier.Input{URL: w.urls.Assertion(toEva.UUID)}); err == nil {
		t.Fatal("adding succeeded although the hook failed")
	}
	if n := len(items(t, w.pool, w.eva)); n != 1 {
		t.Fatalf("a failed hook left %d badges, want 1", n)
	}
	fail = false
	if _, err := p.Add(ctx, w.eva, verifier.Input{URL: w.urls.Assertion(toEva.UUID)}); err != nil {
		t.Fatal(err)
	}
	if len(told) != 2 || told[1] != "Robotics accepted" {
		t.Fatalf("the hook was told %v", told)
	}
}
