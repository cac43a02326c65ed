package node_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/signature"
)

// TestInboxRefusesBadDeliveries posts activities to a real node's inbox as
// a real second node's actor, signed well or badly, and checks each answer
// and that nothing but the good ones is stored.
func TestInboxRefusesBadDeliveries(t *testing.T) {
	ctx := context.Background()
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	bActor, aActor := b.base+"/actors/beta", a.base+"/actors/alpha"
	bKey, err := federation.SigningKey(ctx, b.pool, "beta")
	if err != nil {
		t.Fatal(err)
	}
	bInstanceKey, err := federation.SigningKey(ctx, b.pool, federation.InstanceUsername)
	if err != nil {
		t.Fatal(err)
	}
	strangerKey, err := signature.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	follow := func(actor string) []byte {
		n++
		body, _ := json.Marshal(map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       actor + "/activities/test-" + strings.Repeat("x", n),
			"type":     "Follow", "actor": actor, "object": aActor,
		})
		return body
	}
	type delivery struct {
		body   []byte
		keyID  string
		key    *rsa.PrivateKey
		date   time.Time
		tamper func(*http.Request, []byte) []byte // changes what is sent after signing
	}
	send := func(d delivery) int {
		req, _ := http.NewRequest("POST", a.base+"/inbox", bytes.NewReader(d.body))
		req.Header.Set("Content-Type", "application/activity+json")
		if d.key != nil {
			if err := signature.SignRequest(req, d.keyID, d.key, d.body, d.date); err != nil {
				t.Fatal(err)
			}
		}
		if d.tamper != nil {
			body := d.tamper(req, d.body)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	stored := func() int {
		var c int
		if err := a.pool.QueryRow(ctx, `SELECT count(*) FROM inbox_activity`).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	now := time.Now()
	bKeyID := bActor + "#main-key"
	ssrfActor := "http://10.0.0.1/actors/x"
	for _, tc := range []struct {
		name string
		d    delivery
		want int
	}{
		{"unsigned", delivery{body: follow(bActor)}, 401},
		{"signed with a stranger's key", delivery{body: follow(bActor), keyID: bKeyID, key: strangerKey, date: now}, 401},
		{"signed by another actor of the same node", delivery{body: follow(bActor), keyID: b.base + "/actors/" + federation.InstanceUsername + "#main-key", key: bInstanceKey, date: now}, 401},
		{"body changed after signing", delivery{body: follow(bActor), keyID: bKeyID, key: bKey, date: now,
			tamper: func(_ *http.Request, body []byte) []byte {
				return bytes.Replace(body, []byte("Follow"), []byte("Block"), 1)
			}}, 400},
		{"date two hours old", delivery{body: follow(bActor), keyID: bKeyID, key: bKey, date: now.Add(-2 * time.Hour)}, 401},
		{"malformed JSON", delivery{body: []byte(`{"type": "Follow",`), keyID: bKeyID, key: bKey, date: now}, 400},
		{"NUL character, which PostgreSQL cannot store", delivery{body: []byte(`{"id": "` + bActor + `/activities/nul", "type": "Create",
			"actor": "` + bActor + `", "object": {"type": "Note", "content": "a\u0000b"}}`), keyID: bKeyID, key: bKey, date: now}, 400},
		{"key on a private address", delivery{body: follow(ssrfActor), keyID: ssrfActor + "#main-key", key: strangerKey, date: now}, 401},
		{"oversized body", delivery{body: bytes.Repeat([]byte("x"), 2<<20), keyID: bKeyID, key: bKey, date: now}, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := send(tc.d); got != tc.want {
				t.Fatalf("answered %d, want %d", got, tc.want)
			}
			if c := stored(); c != 0 {
				t.Fatalf("%d activities stored after a refused delivery", c)
			}
		})
	}

	// A good delivery, twice: stored once, both answered 202.
	good := delivery{body: follow(bActor), keyID: bKeyID, key: bKey, date: now}
	for i := range 2 {
		if got := send(good); got != http.StatusAccepted {
			t.Fatalf("good delivery %d answered %d, want 202", i+1, got)
		}
	}
	if c := stored(); c != 1 {
		t.Fatalf("%d activities stored after the same delivery twice, want 1", c)
	}

	// Once B's domain is blocked, even a good delivery is refused.
	if _, err := a.pool.Exec(ctx, `INSERT INTO domain_block (host) VALUES ($1)`, b.node.BaseURL().Host); err != nil {
		t.Fatal(err)
	}
	if got := send(delivery{body: follow(bActor), keyID: bKeyID, key: bKey, date: now}); got != http.StatusForbidden {
		t.Fatalf("delivery from a blocked domain answered %d, want 403", got)
	}
	if c := stored(); c != 1 {
		t.Fatalf("%d activities stored, want still 1", c)
	}
}
