package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
)

// deleteSink is a peer's inbox that checks each request's signature
// against one key and keeps the activities it got.
type deleteSink struct {
	srv  *httptest.Server
	mu   sync.Mutex
	docs []map[string]any
}

func newDeleteSink(t *testing.T, keyID, owner string, key *rsa.PublicKey) *deleteSink {
	t.Helper()
	s := &deleteSink{}
	lookup := func(_ context.Context, id string, _ bool) (crypto.PublicKey, string, error) {
		if id != keyID {
			return nil, "", fmt.Errorf("unknown key %s", id)
		}
		return key, owner, nil
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := signature.Verify(r, body, time.Now(), serverURL(s.srv), lookup); err != nil {
			t.Errorf("sink %s: signature does not verify: %v", r.URL.Path, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Errorf("sink: %v in %s", err, body)
		}
		s.mu.Lock()
		s.docs = append(s.docs, doc)
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *deleteSink) received() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.docs...)
}

// cacheRemoteActor puts a remote actor into the cache as a fetch would.
func cacheRemoteActor(t *testing.T, fx *deliveryFixture, id, inbox, shared, pem string) {
	t.Helper()
	if pem == "" { // a key no test signs with
		key, err := signature.GenerateKey()
		if err == nil {
			pem, err = signature.EncodePublicKey(&key.PublicKey)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	a := RemoteActor{ID: id, Host: hostOf(id), Inbox: inbox, SharedInbox: shared, KeyID: id + "#main-key", PublicKeyPEM: pem, Type: "Person"}
	if err := storeRemoteActor(context.Background(), fx.pool, a, map[string]any{"id": id}); err != nil {
		t.Fatal(err)
	}
}

func addFollow(t *testing.T, fx *deliveryFixture, follower, followee, state string) {
	t.Helper()
	if _, err := fx.pool.Exec(context.Background(), `INSERT INTO follow (follow_id, follower, followee, state)
		VALUES ($1, $2, $3, $4)`, follower+"/follows/"+strings.ReplaceAll(followee, "/", "_"), follower, followee, state); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteActor: a person with remote followers and followees, pending
// and accepted, and a local follower is deleted. Every remote side gets one
// Delete per inbox (shared inboxes collapsed) signed with the deleted
// actor's key; the follows, its inbox and its delivered activities go; the
// actor stays as a tombstone that keeps its handle taken.
func TestDeleteActor(t *testing.T) {
	fx := newDeliveryFixture(t)
	fx.start(4)
	ctx := context.Background()
	ada, err := AddActor(ctx, fx.pool, "ada", Person, "username")
	if err != nil {
		t.Fatal(err)
	}
	adaKey, err := signature.ParsePublicKey(ada.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	self := fx.f.urls.Actor("ada")
	mastodon := newDeleteSink(t, fx.f.urls.KeyID("ada"), self, adaKey) // two of its accounts, one shared inbox
	laurel := newDeleteSink(t, fx.f.urls.KeyID("ada"), self, adaKey)   // one actor without a shared inbox
	unrelated := newDeleteSink(t, fx.f.urls.KeyID("ada"), self, adaKey)

	m := mastodon.srv.URL
	cacheRemoteActor(t, fx, m+"/users/bob", m+"/users/bob/inbox", m+"/inbox", ada.PublicKeyPEM)
	cacheRemoteActor(t, fx, m+"/users/cy", m+"/users/cy/inbox", m+"/inbox", ada.PublicKeyPEM)
	cacheRemoteActor(t, fx, laurel.srv.URL+"/actors/uni", laurel.srv.URL+"/actors/uni/inbox", "", ada.PublicKeyPEM)
	cacheRemoteActor(t, fx, unrelated.srv.URL+"/actors/x", unrelated.srv.URL+"/actors/x/inbox", "", ada.PublicKeyPEM)
	addFollow(t, fx, m+"/users/bob", self, "accepted")
	addFollow(t, fx, m+"/users/cy", self, "pending")
	addFollow(t, fx, self, laurel.srv.URL+"/actors/uni", "accepted")
	addFollow(t, fx, fx.f.urls.Actor(fixtureActor), self, "accepted")
	addFollow(t, fx, unrelated.srv.URL+"/actors/x", fx.f.urls.Actor(fixtureActor), "accepted")

	// An activity published (to nobody) before, and one received.
	err = pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
		_, err := fx.f.Publish(ctx, tx, "ada", map[string]any{"id": self + "/activities/old", "type": "Create", "actor": self}, true, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.pool.Exec(ctx, `INSERT INTO inbox_activity (activity_id, type, actor, recipient, document)
		VALUES ($1, 'Create', $2, 'ada', '{}')`, m+"/notes/1", m+"/users/bob"); err != nil {
		t.Fatal(err)
	}

	if err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error { return fx.f.DeleteActor(ctx, tx, "ada") }); err != nil {
		t.Fatal(err)
	}

	waitFor(t, "both peers got the Delete", func() bool {
		return len(mastodon.received()) == 1 && len(laurel.received()) == 1
	})
	fx.waitIdle()
	for _, s := range []*deleteSink{mastodon, laurel} {
		got := s.received()
		if len(got) != 1 {
			t.Fatalf("%s got %d activities, want one Delete", s.srv.URL, len(got))
		}
		d := got[0]
		to, _ := d["to"].([]any)
		if d["type"] != "Delete" || d["actor"] != self || d["object"] != self || len(to) != 1 || to[0] != asPublic {
			t.Errorf("%s got %v", s.srv.URL, d)
		}
	}
	if n := len(unrelated.received()); n != 0 {
		t.Errorf("an actor unrelated to ada got %d activities", n)
	}
	for _, tc := range []struct {
		what  string
		query string
		want  int
	}{
		{"follows of ada", `SELECT count(*) FROM follow WHERE follower = $1 OR followee = $1`, 0},
		{"other follows", `SELECT count(*) FROM follow WHERE NOT (follower = $1 OR followee = $1)`, 1},
		{"ada's inbox", `SELECT count(*) FROM inbox_activity WHERE recipient = 'ada' AND $1 <> ''`, 0},
		{"ada's outbox, the Delete aside", `SELECT count(*) FROM outbox_activity o JOIN actor a ON a.id = o.actor_id
			WHERE a.username = 'ada' AND o.type <> 'Delete' AND $1 <> ''`, 0},
		{"the tombstone", `SELECT count(*) FROM actor WHERE username = 'ada' AND deleted_at IS NOT NULL AND $1 <> ''`, 1},
	} {
		if n := fx.count(tc.query, self); n != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.what, n, tc.want)
		}
	}

	if _, err := ActorByUsername(ctx, fx.pool, "ada"); !problem.Is(err, problem.NotFound) {
		t.Errorf("ActorByUsername of a deleted actor = %v, want NotFound", err)
	}
	if _, err := SigningKey(ctx, fx.pool, "ada"); err != nil {
		t.Errorf("the deleted actor's key is gone: %v", err)
	}
	if _, err := AddActor(ctx, fx.pool, "ada", Person, "username"); !problem.Is(err, problem.Conflict) {
		t.Errorf("AddActor with a deleted actor's handle = %v, want Conflict", err)
	}
	for name, want := range map[string]problem.Kind{"ada": problem.NotFound, "nobody": problem.NotFound, InstanceUsername: problem.Invalid} {
		err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error { return fx.f.DeleteActor(ctx, tx, name) })
		if !problem.Is(err, want) {
			t.Errorf("DeleteActor(%s) = %v, want a problem of kind %d", name, err, want)
		}
	}

	// Its URL says it is gone; WebFinger and its inbox know it no more.
	router := chi.NewRouter()
	fx.f.Routes(router)
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/actors/ada", http.StatusGone},
		{"/.well-known/webfinger?resource=acct:ada@laurel.test", http.StatusNotFound},
		{"/actors/ada/followers", http.StatusNotFound},
		{"/actors/nobody", http.StatusNotFound},
	} {
		req := httptest.NewRequest("GET", "https://laurel.test"+tc.path, nil)
		req.Header.Set("Accept", ActivityJSON)
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("GET %s = %d, want %d: %s", tc.path, rec.Code, tc.status, rec.Body)
			continue
		}
		if tc.status == http.StatusGone {
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc["type"] != "Tombstone" ||
				doc["id"] != self || doc["formerType"] != "Person" || doc["deleted"] == nil {
				t.Errorf("GET %s: %s", tc.path, rec.Body)
			}
		}
	}
}

// TestReceiveDelete: a remote actor's signed Delete of itself removes its
// follows and its cached copy; a Delete of something else by a known actor
// changes nothing here; an unknown actor's Delete of itself is accepted
// without a signature to check, and not even recorded.
func TestReceiveDelete(t *testing.T) {
	fx := newDeliveryFixture(t)
	ctx := context.Background()
	router := chi.NewRouter()
	fx.f.Routes(router)
	hamk := fx.f.urls.Actor(fixtureActor)

	key, err := signature.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := signature.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	const bob, carol = "https://mastodon.test/users/bob", "https://mastodon.test/users/carol"
	for _, id := range []string{bob, carol} {
		cacheRemoteActor(t, fx, id, id+"/inbox", "https://mastodon.test/inbox", pem)
		addFollow(t, fx, id, hamk, "accepted")
	}
	addFollow(t, fx, hamk, bob, "accepted")

	post := func(doc map[string]any, signer string) int {
		t.Helper()
		body, _ := json.Marshal(doc)
		req := httptest.NewRequest("POST", "https://laurel.test/inbox", bytes.NewReader(body))
		req.Header.Set("Content-Type", ActivityJSON)
		if signer != "" {
			if err := signature.SignRequest(req, signer+"#main-key", key, body, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		return rec.Code
	}
	follows := func(actor string) int {
		return fx.count(`SELECT count(*) FROM follow WHERE follower = $1 OR followee = $1`, actor)
	}
	cached := func(actor string) int { return fx.count(`SELECT count(*) FROM remote_actor WHERE id = $1`, actor) }

	// Carol deletes a post: her follow stays.
	if status := post(map[string]any{"id": carol + "/statuses/1/delete", "type": "Delete", "actor": carol,
		"object": map[string]any{"id": carol + "/statuses/1", "type": "Tombstone"}}, carol); status != http.StatusAccepted {
		t.Fatalf("Delete of a post = %d", status)
	}
	if follows(carol) != 1 || cached(carol) != 1 {
		t.Fatalf("a Delete of a post removed its author's follow or actor")
	}

	// Bob deletes his account.
	if status := post(map[string]any{"id": bob + "#delete", "type": "Delete", "actor": bob, "object": bob,
		"to": []string{asPublic}}, bob); status != http.StatusAccepted {
		t.Fatalf("Delete of bob = %d", status)
	}
	if n := follows(bob); n != 0 {
		t.Errorf("%d follows of bob left", n)
	}
	if cached(bob) != 0 || follows(carol) != 1 || cached(carol) != 1 {
		t.Errorf("bob's actor cached %d times; carol's follows %d, cached %d", cached(bob), follows(carol), cached(carol))
	}
	var outcome string
	if err := fx.pool.QueryRow(ctx, `SELECT outcome FROM inbox_activity WHERE activity_id = $1`, bob+"#delete").Scan(&outcome); err != nil ||
		outcome != "actor deleted, 2 follows removed" {
		t.Errorf("outcome %q, %v", outcome, err)
	}

	// Bob's Delete again, now that he is unknown here, unsigned: accepted,
	// not recorded, and nothing fetched (mastodon.test does not exist).
	before := fx.count(`SELECT count(*) FROM inbox_activity`)
	if status := post(map[string]any{"id": bob + "#delete2", "type": "Delete", "actor": bob, "object": bob}, ""); status != http.StatusAccepted {
		t.Errorf("Delete of an unknown actor = %d, want 202", status)
	}
	if after := fx.count(`SELECT count(*) FROM inbox_activity`); after != before {
		t.Errorf("the unknown actor's Delete was recorded")
	}
	// Carol's Delete of herself unsigned is refused: she is known here.
	if status := post(map[string]any{"id": carol + "#delete", "type": "Delete", "actor": carol, "object": carol}, ""); status != http.StatusUnauthorized {
		t.Errorf("an unsigned Delete of a known actor = %d, want 401", status)
	}
	if follows(carol) != 1 {
		t.Errorf("an unsigned Delete removed carol's follows")
	}
}
