package migrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/migrations"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// emptyDB returns a pool on a database without any schema: testkit's
// databases come migrated, so this one is created by hand.
func emptyDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := testkit.DB(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	return pool
}

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestApplyIsIdempotent(t *testing.T) {
	pool := emptyDB(t)
	ctx := context.Background()
	first, err := migrations.Apply(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := migrations.All()
	if len(first.Laurel) != len(all) || len(first.River) == 0 {
		t.Fatalf("first run applied %v Laurel and %v River migrations, want all %d and some", first.Laurel, first.River, len(all))
	}
	for _, table := range []string{"organisation", "app_user", "sessions", "river_job"} {
		if !tableExists(t, pool, table) {
			t.Errorf("table %s missing after migration", table)
		}
	}
	second, err := migrations.Apply(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Laurel)+len(second.River) != 0 {
		t.Fatalf("second run applied %+v, want nothing", second)
	}
}

func TestConcurrentApplyRunsOnce(t *testing.T) {
	pool := emptyDB(t)
	var wg sync.WaitGroup
	results := make([]migrations.Result, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = migrations.Apply(context.Background(), pool) })
	}
	wg.Wait()
	applied := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Apply %d: %v", i, err)
		}
		applied += len(results[i].Laurel)
	}
	all, _ := migrations.All()
	if applied != len(all) {
		t.Fatalf("the four runs applied %d Laurel migrations between them, want %d", applied, len(all))
	}
}

func TestFailedMigrationLeavesDatabaseAsItWas(t *testing.T) {
	pool := emptyDB(t)
	ctx := context.Background()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	broken := append(all[:len(all):len(all)],
		migrations.Migration{Version: 9998, Name: "good", SQL: `CREATE TABLE should_not_stay (id int)`},
		migrations.Migration{Version: 9999, Name: "bad", SQL: `SELECT * FROM no_such_table`})
	if _, err := migrations.ApplyList(ctx, pool, broken); err == nil {
		t.Fatal("applying a broken migration succeeded")
	}
	for _, table := range []string{"should_not_stay", "organisation", "laurel_migration"} {
		if tableExists(t, pool, table) {
			t.Errorf("table %s exists after a failed migration run", table)
		}
	}
	// And the good set still applies afterwards.
	if _, err := migrations.Apply(ctx, pool); err != nil {
		t.Fatal(err)
	}
}

func TestFileNamesAreValid(t *testing.T) {
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range all {
		if m.Version != i+1 {
			t.Errorf("migration %s has version %d, want %d: versions must be consecutive", m.Name, m.Version, i+1)
		}
	}
}
