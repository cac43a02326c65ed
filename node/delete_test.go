package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/laurelnet/laurel/account"
)

// callAs calls a peer's API with another user's token.
func (p *peer) callAs(t *testing.T, token, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.base+path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// TestDeletedPersonLeavesFollowers: a person on node B follows an
// organisation on node A, then deletes their account. A receives the
// Delete, signed by the person's actor, and drops the follow and its copy
// of the actor; on B the actor's URL answers 410 Gone.
func TestDeletedPersonLeavesFollowers(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	ctx := context.Background()
	u, err := account.CreateUser(ctx, b.pool, account.NewUser{Email: "pia@example.org", Name: "Pia", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, b.pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	pia := b.base + "/actors/" + u.Username

	target := map[string]string{"target": "acct:alpha@" + a.node.BaseURL().Host}
	if status := b.callAs(t, token, "POST", "/api/v1/me/following", target, nil); status != http.StatusAccepted {
		t.Fatalf("follow = %d", status)
	}
	followers := func() follows {
		var list follows
		a.api(t, "GET", "/followers", nil, &list)
		return list
	}
	eventually(t, "alpha accepted pia's follow", func() bool {
		var list follows
		b.callAs(t, token, "GET", "/api/v1/me/following", nil, &list)
		return len(list.Items) == 1 && list.Items[0].State == "accepted"
	})
	if list := followers(); len(list.Items) != 1 || list.Items[0].Actor != pia {
		t.Fatalf("alpha's followers: %+v", list)
	}

	if status := b.callAs(t, token, "DELETE", "/api/v1/me", map[string]string{"password": "long enough password"}, nil); status != http.StatusNoContent {
		t.Fatalf("delete = %d", status)
	}
	eventually(t, "alpha dropped pia", func() bool { return len(followers().Items) == 0 })
	var outcome string
	if err := a.pool.QueryRow(ctx, `SELECT outcome FROM inbox_activity WHERE type = 'Delete' AND actor = $1`, pia).Scan(&outcome); err != nil ||
		outcome != "actor deleted, 1 follows removed" {
		t.Errorf("alpha recorded the Delete as %q (%v)", outcome, err)
	}
	var cached int
	if err := a.pool.QueryRow(ctx, `SELECT count(*) FROM remote_actor WHERE id = $1`, pia).Scan(&cached); err != nil || cached != 0 {
		t.Errorf("alpha still caches pia's actor: %d (%v)", cached, err)
	}

	req, _ := http.NewRequest("GET", pia, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusGone || doc["type"] != "Tombstone" || doc["id"] != pia {
		t.Fatalf("GET %s = %d %v (%v)", pia, resp.StatusCode, doc, err)
	}
	// B's delivery of the Delete is done, and B keeps no follow of pia's.
	eventually(t, "beta delivered the Delete", func() bool {
		var pending int
		err := b.pool.QueryRow(ctx, `SELECT count(*) FROM delivery d JOIN outbox_activity o ON o.id = d.outbox_id
			WHERE o.type = 'Delete' AND d.state <> 'delivered'`).Scan(&pending)
		return err == nil && pending == 0
	})
	var left int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM follow WHERE follower = $1 OR followee = $1`, pia).Scan(&left); err != nil || left != 0 {
		t.Errorf("beta keeps %d follows of pia (%v)", left, err)
	}
}
