package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/migrations"
)

// Migration 0036 makes every staff member a creator, and the role check
// refuses staff from then on.
func TestStaffBecomesCreator(t *testing.T) {
	pool := emptyDB(t)
	ctx := context.Background()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for i < len(all) && all[i].Version < 36 {
		i++
	}
	if i == len(all) || all[i].Version != 36 {
		t.Fatal("no migration 0036")
	}
	if _, err := migrations.ApplyList(ctx, pool, all[:i]); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO organisation (slug, name, country) VALUES ('aalto', 'Aalto University', 'FI');
		INSERT INTO app_user (email, username, password_hash) VALUES ('s@example.org', 's', 'x'), ('a@example.org', 'a', 'x');
		INSERT INTO membership (user_id, organisation_id, role)
			SELECT u.id, o.id, CASE u.username WHEN 's' THEN 'staff' ELSE 'admin' END FROM app_user u, organisation o`); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.ApplyList(ctx, pool, all); err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	rows, err := pool.Query(ctx, `SELECT u.username, m.role FROM membership m JOIN app_user u ON u.id = m.user_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u, r string
		if err := rows.Scan(&u, &r); err != nil {
			t.Fatal(err)
		}
		roles[u] = r
	}
	if roles["s"] != "creator" || roles["a"] != "admin" {
		t.Fatalf("roles after 0036: %v, want s creator and a admin", roles)
	}
	if _, err := pool.Exec(ctx, `UPDATE membership SET role = 'staff'`); err == nil || !strings.Contains(err.Error(), "membership_role_check") {
		t.Fatalf("storing staff after 0036: %v, want the role check to refuse it", err)
	}
}
