package node_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
)

// burstPool is the target node's pool in TestBurstAgainstSmallPool, and
// burstSize the number of concurrent requests of each kind: 5× the pool.
const (
	burstPool = 4
	burstSize = 5 * burstPool
	// burstAnswerWithin is how long each request of a burst may take. The
	// bound on a request's wait for a connection is 5 s, so a request
	// that needs a connection nobody returns fails well within it.
	burstAnswerWithin = 15 * time.Second
)

// burstPeer is the remote side of the burst: a real node whose
// organisations sign the activities sent to the target.
type burstPeer struct {
	*peer
	urls federation.URLs
	keys map[string]*rsa.PrivateKey
}

func (p *burstPeer) addOrgs(t *testing.T, prefix string, manual bool) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for i := range burstSize {
		name := fmt.Sprintf("%s%02d", prefix, i)
		if _, err := issuer.CreateOrganisation(ctx, p.pool, issuer.NewOrganisation{Slug: name, Name: strings.ToUpper(name), Country: "DE"}); err != nil {
			t.Fatal(err)
		}
		if manual {
			if err := federation.SetManualApproval(ctx, p.pool, name, true); err != nil {
				t.Fatal(err)
			}
		}
		key, err := federation.SigningKey(ctx, p.pool, name)
		if err != nil {
			t.Fatal(err)
		}
		p.keys[name] = key
		names = append(names, name)
	}
	return names
}

// send POSTs activity, signed as username, to the shared inbox of target.
func (p *burstPeer) send(target *peer, username string, activity map[string]any) (int, string) {
	body, _ := json.Marshal(activity)
	req, _ := http.NewRequest(http.MethodPost, target.base+"/inbox", bytes.NewReader(body))
	req.Header.Set("Content-Type", federation.ActivityJSON)
	if err := signature.SignRequest(req, p.urls.KeyID(username), p.keys[username], body, time.Now()); err != nil {
		return 0, err.Error()
	}
	return do(req)
}

func do(req *http.Request) (int, string) {
	client := &http.Client{Timeout: burstAnswerWithin}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(raw)
}

// apiCall calls target's API as its staff member.
func apiCall(target *peer, method, path string, in any) (int, string) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, target.base+path, body)
	req.Header.Set("Authorization", "Bearer "+target.token)
	req.Header.Set("Content-Type", "application/json")
	return do(req)
}

// burst runs f for 0..burstSize-1 at once and checks every answer is a
// 2xx, each within burstAnswerWithin. It reports rather than stops, so
// that one run shows every kind that fails.
func burst(t *testing.T, name string, f func(i int) (int, string)) []string {
	t.Helper()
	bodies := make([]string, burstSize)
	fails := make([]string, burstSize)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range burstSize {
		wg.Go(func() {
			t0 := time.Now()
			status, body := f(i)
			bodies[i] = body
			if status < 200 || status > 299 || time.Since(t0) > burstAnswerWithin {
				fails[i] = fmt.Sprintf("%d after %s: %.200s", status, time.Since(t0).Round(time.Millisecond), body)
			}
		})
	}
	wg.Wait()
	var failed []string
	for _, f := range fails {
		if f != "" {
			failed = append(failed, f)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%s: %d of %d not answered 2xx in time (all took %s); first: %s", name, len(failed), burstSize,
			time.Since(start).Round(time.Millisecond), failed[0])
	} else {
		t.Logf("%s: %d answered in %s", name, burstSize, time.Since(start).Round(time.Millisecond))
	}
	return bodies
}

// TestBurstAgainstSmallPool sends every inbox activity type and calls
// every federating API action of organisations, 5× the pool size at once,
// to a node with a pool of 4 connections, and checks that all are
// answered 2xx within seconds, and that no code took a second connection
// while holding one (dbpool.HoldCheck): the hold-and-wait that let 20
// first-contact Follows freeze a node with a pool of 20.
func TestBurstAgainstSmallPool(t *testing.T) {
	if testing.Short() {
		t.Skip("two nodes, a few hundred requests")
	}
	ctx := context.Background()
	check := dbpool.NewHoldCheck()
	target := startPeer(t, "127.0.0.2", "target", "FI", func(c *node.Config) {
		c.DBMaxConns = burstPool
		c.DBHoldCheck = check
	})
	sp := startPeer(t, "127.0.0.3", "sender", "DE")
	remote := &burstPeer{peer: sp, urls: federation.URLs{Base: sp.node.BaseURL()}, keys: map[string]*rsa.PrivateKey{}}
	partners := remote.addOrgs(t, "s", false) // what the target's API acts on
	senders := remote.addOrgs(t, "f", true)   // who sends to the target's inbox, never seen before
	host := sp.node.BaseURL().Host
	tURLs := federation.URLs{Base: target.node.BaseURL()}
	tActor := tURLs.Actor("target")
	tProfile := issuer.URLs{Base: target.node.BaseURL()}.Profile("target")
	sProfile := func(name string) string { return issuer.URLs{Base: sp.node.BaseURL()}.Profile(name) }
	// A second organisation of the target approves followers by hand, for
	// the follower answers.
	o2, err := issuer.CreateOrganisation(ctx, target.pool, issuer.NewOrganisation{Slug: "gated", Name: "Gated", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	if err := federation.SetManualApproval(ctx, target.pool, "gated", true); err != nil {
		t.Fatal(err)
	}
	staff, err := account.UserByToken(ctx, target.pool, target.token)
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, target.pool, staff.ID, o2.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	api := "/api/v1/orgs/target"

	// Inbox: first contact, every sender unknown to the target.
	follows := make([]string, burstSize)
	burst(t, "inbox Follow (first contact)", func(i int) (int, string) {
		follows[i] = remote.urls.NewActivityID(senders[i])
		return remote.send(target, senders[i], map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": follows[i], "type": "Follow", "actor": remote.urls.Actor(senders[i]), "object": tActor})
	})
	var accepted int
	if err := target.pool.QueryRow(ctx, `SELECT count(*) FROM follow WHERE followee = $1 AND state = 'accepted'`,
		tActor).Scan(&accepted); err != nil {
		t.Fatal(err)
	}
	if accepted != burstSize {
		t.Errorf("%d of %d first-contact follows accepted", accepted, burstSize)
	}
	notes := make([]string, burstSize)
	burst(t, "inbox Create{Note}", func(i int) (int, string) {
		id := remote.urls.NewActivityID(senders[i])
		notes[i] = id + "/note"
		a := remote.urls.Actor(senders[i])
		return remote.send(target, senders[i], map[string]any{"id": id, "type": "Create", "actor": a,
			"to": []string{"https://www.w3.org/ns/activitystreams#Public"},
			"object": map[string]any{"id": notes[i], "type": "Note", "attributedTo": a, "content": "<p>Hello</p>",
				"to": []string{"https://www.w3.org/ns/activitystreams#Public"}}})
	})
	burst(t, "inbox Update{Note}", func(i int) (int, string) {
		a := remote.urls.Actor(senders[i])
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Update", "actor": a,
			"object": map[string]any{"id": notes[i], "type": "Note", "attributedTo": a, "content": "<p>Hello again</p>"}})
	})
	burst(t, "inbox Like", func(i int) (int, string) {
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Like",
			"actor": remote.urls.Actor(senders[i]), "object": tActor})
	})
	burst(t, "inbox Announce", func(i int) (int, string) {
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Announce",
			"actor": remote.urls.Actor(senders[i]), "object": notes[(i+1)%burstSize]})
	})
	endorsements := make([]string, burstSize)
	burst(t, "inbox Create{Endorsement}", func(i int) (int, string) {
		a := remote.urls.Actor(senders[i])
		endorsements[i] = a + "/endorsements/" + fmt.Sprint(i)
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Create", "actor": a,
			"to": []string{tActor},
			"object": map[string]any{"id": endorsements[i], "type": "Endorsement", "issuer": sProfile(senders[i]),
				"issuedOn": time.Now().UTC().Format(time.RFC3339),
				"claim":    map[string]any{"id": tProfile, "endorsementComment": "A reliable partner."}}})
	})
	offers := make([]string, burstSize)
	burst(t, "inbox Offer{Endorsement}", func(i int) (int, string) {
		a := remote.urls.Actor(senders[i])
		offers[i] = remote.urls.NewActivityID(senders[i])
		return remote.send(target, senders[i], map[string]any{"id": offers[i], "type": "Offer", "actor": a,
			"to": []string{tActor}, "content": "Would you endorse us?",
			"object": map[string]any{"type": "Endorsement", "issuer": tProfile,
				"claim": map[string]any{"id": sProfile(senders[i]), "name": strings.ToUpper(senders[i])}}})
	})

	// API: the target answers the requests (half accepted, half declined).
	var requests struct {
		Items []struct{ UUID, Requester string }
	}
	if status := target.api(t, http.MethodGet, "/endorsement-requests?direction=incoming", nil, &requests); status != http.StatusOK {
		t.Fatalf("list incoming requests: %d", status)
	}
	if len(requests.Items) >= burstSize {
		burst(t, "API answer endorsement requests", func(i int) (int, string) {
			if i%2 == 0 {
				return apiCall(target, http.MethodPost, api+"/endorsement-requests/"+requests.Items[i].UUID+"/accept",
					map[string]any{"comment": "Gladly."})
			}
			return apiCall(target, http.MethodPost, api+"/endorsement-requests/"+requests.Items[i].UUID+"/decline", nil)
		})
	} else {
		t.Errorf("%d incoming requests stored, want %d", len(requests.Items), burstSize)
	}
	burst(t, "API remove endorsements received", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/endorsements/remove", map[string]any{"id": endorsements[i]})
	})

	// API: first contact the other way, then everything an organisation
	// does to its partners.
	burst(t, "API follow (first contact)", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/following", map[string]any{"target": "acct:" + partners[i] + "@" + host})
	})
	burst(t, "API post", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/posts", map[string]any{"content": fmt.Sprintf("News %d", i)})
	})
	given := burst(t, "API endorse", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/endorsements",
			map[string]any{"target": "acct:" + partners[i] + "@" + host, "comment": "Excellent work."})
	})
	burst(t, "API request endorsement", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/endorsement-requests",
			map[string]any{"target": "acct:" + partners[i] + "@" + host, "message": "Would you?"})
	})
	var outgoing struct{ Items []struct{ UUID string } }
	target.api(t, http.MethodGet, "/endorsement-requests?direction=outgoing&state=pending", nil, &outgoing)
	if len(outgoing.Items) >= burstSize {
		burst(t, "API withdraw endorsement request", func(i int) (int, string) {
			return apiCall(target, http.MethodPost, api+"/endorsement-requests/"+outgoing.Items[i].UUID+"/withdraw", nil)
		})
	} else {
		t.Errorf("%d pending outgoing requests, want %d", len(outgoing.Items), burstSize)
	}
	burst(t, "API withdraw endorsement", func(i int) (int, string) {
		var e struct{ UUID string }
		_ = json.Unmarshal([]byte(given[i]), &e)
		return apiCall(target, http.MethodDelete, api+"/endorsements/"+e.UUID, nil)
	})
	burst(t, "API unfollow", func(i int) (int, string) {
		return apiCall(target, http.MethodDelete, api+"/following?target="+url.QueryEscape(remote.urls.Actor(partners[i])), nil)
	})
	burst(t, "API add partner", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/partners", map[string]any{"target": "acct:" + partners[i] + "@" + host})
	})
	burst(t, "API remove partner", func(i int) (int, string) {
		return apiCall(target, http.MethodDelete, api+"/partners?actor="+url.QueryEscape(remote.urls.Actor(partners[i])), nil)
	})

	// The target follows the senders, who approve by hand: they answer.
	burst(t, "API follow (pending)", func(i int) (int, string) {
		return apiCall(target, http.MethodPost, api+"/following", map[string]any{"target": remote.urls.Actor(senders[i])})
	})
	burst(t, "inbox Accept{Follow} and Reject{Follow}", func(i int) (int, string) {
		var followID string
		err := target.pool.QueryRow(ctx, `SELECT follow_id FROM follow WHERE follower = $1 AND followee = $2`,
			tActor, remote.urls.Actor(senders[i])).Scan(&followID)
		if err != nil {
			return 0, "no follow: " + err.Error()
		}
		typ := "Accept"
		if i%2 == 1 {
			typ = "Reject"
		}
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": typ,
			"actor":  remote.urls.Actor(senders[i]),
			"object": map[string]any{"id": followID, "type": "Follow", "actor": tActor, "object": remote.urls.Actor(senders[i])}})
	})

	// The partners follow the gated organisation, which answers.
	gated := tURLs.Actor("gated")
	burst(t, "inbox Follow (pending approval)", func(i int) (int, string) {
		return remote.send(target, partners[i], map[string]any{"id": remote.urls.NewActivityID(partners[i]), "type": "Follow",
			"actor": remote.urls.Actor(partners[i]), "object": gated})
	})
	burst(t, "API accept and reject followers", func(i int) (int, string) {
		answer := "/followers/accept"
		if i%2 == 1 {
			answer = "/followers/reject"
		}
		return apiCall(target, http.MethodPost, "/api/v1/orgs/gated"+answer, map[string]any{"actor": remote.urls.Actor(partners[i])})
	})

	// Taking things back.
	burst(t, "inbox Delete{Tombstone} of endorsements", func(i int) (int, string) {
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Delete",
			"actor":  remote.urls.Actor(senders[i]),
			"object": map[string]any{"id": endorsements[i], "type": "Tombstone", "formerType": "Endorsement"}})
	})
	burst(t, "inbox Delete{Note}", func(i int) (int, string) {
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Delete",
			"actor": remote.urls.Actor(senders[i]), "object": notes[i]})
	})
	burst(t, "inbox Undo{Follow}", func(i int) (int, string) {
		a := remote.urls.Actor(senders[i])
		return remote.send(target, senders[i], map[string]any{"id": remote.urls.NewActivityID(senders[i]), "type": "Undo", "actor": a,
			"object": map[string]any{"id": follows[i], "type": "Follow", "actor": a, "object": tActor}})
	})
	burst(t, "inbox Delete of the actor", func(i int) (int, string) {
		a := remote.urls.Actor(senders[i])
		return remote.send(target, senders[i], map[string]any{"id": a + "#delete", "type": "Delete", "actor": a, "object": a})
	})

	for _, v := range check.Violations() {
		t.Errorf("a connection was taken while the same goroutine held one, at:\n%s", v)
	}
}
