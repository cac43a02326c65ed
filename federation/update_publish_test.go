package federation

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPublishActorUpdate: an actor's Update carries its document as the
// profile says, with the context outside, and goes to each server once.
func TestPublishActorUpdate(t *testing.T) {
	fx := newDeliveryFixture(t)
	ctx := context.Background()
	p := Profile{Name: "Badge Suomi", Summary: "Avoimet *merkit*.", URL: "https://laurel.test/networks/hamk",
		IconURL: "https://laurel.test/networks/hamk/logo?v=2", Country: "FI", OpenBadgesProfile: "https://laurel.test/ob/issuers/hamk"}
	err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
		return fx.f.PublishActorUpdate(ctx, tx, fixtureActor, p,
			InboxTarget{Inbox: "https://a.example/users/1/inbox", SharedInbox: "https://a.example/inbox"},
			InboxTarget{Inbox: "https://a.example/users/2/inbox", SharedInbox: "https://a.example/inbox"},
			InboxTarget{Inbox: "https://b.example/actors/x/inbox"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	var id int64
	if err := fx.pool.QueryRow(ctx, `SELECT id, document FROM outbox_activity WHERE type = 'Update'`).Scan(&id, &raw); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context []any `json:"@context"`
		Type    string
		Actor   string
		To, Cc  []string
		Object  map[string]any
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	self := fx.f.urls.Actor(fixtureActor)
	icon, _ := doc.Object["icon"].(map[string]any)
	if doc.Type != "Update" || doc.Actor != self || doc.Object["id"] != self || doc.Object["name"] != "Badge Suomi" ||
		doc.Object["summary"] != "<p>Avoimet <em>merkit</em>.</p>" || icon["url"] != p.IconURL || doc.Object["country"] != "FI" ||
		doc.Object["@context"] != nil || len(doc.Context) == 0 || len(doc.Cc) != 1 || doc.Cc[0] != fx.f.urls.Followers(fixtureActor) {
		t.Errorf("the Update: %s", raw)
	}
	if n := fx.count(`SELECT count(*) FROM delivery WHERE outbox_id = $1`, id); n != 2 {
		t.Errorf("%d deliveries, want 2 (a.example's shared inbox once, b.example)", n)
	}
}
