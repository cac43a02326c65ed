package node_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/vocab"
)

type partnerList struct {
	Items []struct {
		Actor, Name, Country, Relation string
		WeAdded                        bool `json:"we_added"`
		TheyAdded                      bool `json:"they_added"`
	}
}

type endorsementList struct {
	Items []struct {
		ID, UUID, Endorser, Subject, Comment string
		SubjectKind                          string `json:"subject_kind"`
		EndorserName                         string `json:"endorser_name"`
	}
}

type requestList struct {
	Items []struct{ UUID, State, Requester, Target, Subject, Endorsement string }
}

// partnerNames lists the names of a peer's partners under a filter.
func partnerNames(t *testing.T, p *peer, query string) []string {
	t.Helper()
	var list partnerList
	if status := p.api(t, "GET", "/partners"+query, nil, &list); status != 200 {
		t.Fatalf("%s partners%s = %d", p.org, query, status)
	}
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Name)
	}
	sort.Strings(names)
	return names
}

func requestStates(t *testing.T, p *peer, direction string) []string {
	t.Helper()
	var list requestList
	p.api(t, "GET", "/endorsement-requests?direction="+direction, nil, &list)
	var states []string
	for _, it := range list.Items {
		states = append(states, it.State)
	}
	sort.Strings(states)
	return states
}

func handle(p *peer) string { return "acct:" + p.org + "@" + p.node.BaseURL().Host }

// fetchLD GETs a hosted Open Badges document as a verifier would.
func fetchLD(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/ld+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc
}

func endorsementIDs(doc map[string]any) []string {
	var ids []string
	list, _ := doc["endorsement"].([]any)
	for _, v := range list {
		ids = append(ids, v.(string))
	}
	return ids
}

// TestEndorsementNetwork: three organisations on three nodes in three
// countries add each other as partners, endorse each other (directly and
// by request), decline a request, endorse a badge and withdraw an
// endorsement while its subject's node is down; afterwards every list on
// every node tells the same story and every hosted endorsement is a valid
// Open Badges 2.0 Endorsement.
func TestEndorsementNetwork(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	c := startPeer(t, "127.0.0.4", "gamma", "SE")

	// Partner requests: alpha and beta add each other, alpha adds gamma,
	// gamma adds beta.
	for _, pair := range [][2]*peer{{a, b}, {b, a}, {a, c}, {c, b}} {
		if status := pair[0].api(t, "POST", "/partners", map[string]string{"target": handle(pair[1])}, nil); status != http.StatusCreated {
			t.Fatalf("%s adds %s = %d", pair[0].org, pair[1].org, status)
		}
	}
	eventually(t, "every partner request arrived", func() bool {
		return slices.Equal(partnerNames(t, a, ""), []string{"BETA", "GAMMA"}) &&
			slices.Equal(partnerNames(t, b, ""), []string{"ALPHA", "GAMMA"}) &&
			slices.Equal(partnerNames(t, c, ""), []string{"ALPHA", "BETA"})
	})
	if got := partnerNames(t, a, "?country=DE"); !slices.Equal(got, []string{"BETA"}) {
		t.Errorf("alpha's partners in DE: %v", got)
	}
	if got := partnerNames(t, a, "?q=gam"); !slices.Equal(got, []string{"GAMMA"}) {
		t.Errorf("alpha's partners matching gam: %v", got)
	}

	// Mutual: alpha endorses beta; alpha asks beta to endorse it and beta
	// accepts.
	if status := a.api(t, "POST", "/endorsements", map[string]string{"target": handle(b), "comment": "A reliable partner in robotics education."}, nil); status != http.StatusCreated {
		t.Fatalf("alpha endorses beta = %d", status)
	}
	if status := a.api(t, "POST", "/endorsement-requests", map[string]string{"target": handle(b), "message": "Would you endorse us?"}, nil); status != http.StatusCreated {
		t.Fatalf("alpha asks beta = %d", status)
	}
	var incoming requestList
	eventually(t, "beta sees alpha's request", func() bool {
		incoming = requestList{}
		b.api(t, "GET", "/endorsement-requests?direction=incoming&state=pending", nil, &incoming)
		return len(incoming.Items) == 1
	})
	if status := b.api(t, "POST", "/endorsement-requests/"+incoming.Items[0].UUID+"/accept", map[string]string{"comment": "Alpha trains excellent engineers."}, nil); status != 200 {
		t.Fatalf("beta accepts = %d", status)
	}

	// One-way: gamma endorses alpha; declined: beta asks gamma, gamma
	// declines.
	if status := c.api(t, "POST", "/endorsements", map[string]string{"target": handle(a), "comment": "Good work."}, nil); status != http.StatusCreated {
		t.Fatalf("gamma endorses alpha = %d", status)
	}
	if status := b.api(t, "POST", "/endorsement-requests", map[string]string{"target": handle(c)}, nil); status != http.StatusCreated {
		t.Fatalf("beta asks gamma = %d", status)
	}
	eventually(t, "gamma sees beta's request", func() bool {
		incoming = requestList{}
		c.api(t, "GET", "/endorsement-requests?direction=incoming&state=pending", nil, &incoming)
		return len(incoming.Items) == 1
	})
	if status := c.api(t, "POST", "/endorsement-requests/"+incoming.Items[0].UUID+"/decline", nil, nil); status != 200 {
		t.Fatalf("gamma declines = %d", status)
	}

	// A badge endorsement: alpha endorses one of beta's badges.
	badge := b.createBadge(t, map[string]any{"name": "Robot builder", "description": "Builds robots.",
		"criteria": map[string]string{"narrative": "Build one."}})
	if status := a.api(t, "POST", "/endorsements", map[string]string{"target": handle(b), "subject": badge.ID, "comment": "We also issue this badge."}, nil); status != http.StatusCreated {
		t.Fatalf("alpha endorses beta's badge = %d", status)
	}

	// A badge shared and accepted: beta shares its badge with gamma as a
	// link.
	if status := b.api(t, "POST", "/badges/"+badge.UUID+"/shares", map[string]any{"targets": []string{handle(c)}, "mode": "link"}, nil); status != 200 {
		t.Fatalf("beta shares its badge = %d", status)
	}
	type shareList struct {
		Items []struct{ UUID, State string }
	}
	var shared shareList
	eventually(t, "gamma received the shared badge", func() bool {
		shared = shareList{}
		c.api(t, "GET", "/shares?direction=received", nil, &shared)
		return len(shared.Items) == 1
	})
	if status := c.api(t, "POST", "/shares/"+shared.Items[0].UUID+"/accept", nil, nil); status != 200 {
		t.Fatalf("gamma accepts the share = %d", status)
	}

	eventually(t, "every endorsement and answer arrived", func() bool {
		var given shareList
		b.api(t, "GET", "/shares?direction=given", nil, &given)
		if len(given.Items) != 1 || given.Items[0].State != "accepted" {
			return false
		}
		return slices.Equal(partnerNames(t, a, "?filter=mutual"), []string{"BETA"}) &&
			slices.Equal(partnerNames(t, b, "?filter=mutual"), []string{"ALPHA"}) &&
			slices.Equal(partnerNames(t, a, "?filter=they-endorse"), []string{"BETA", "GAMMA"}) &&
			slices.Equal(requestStates(t, a, "outgoing"), []string{"accepted"}) &&
			slices.Equal(requestStates(t, b, "outgoing"), []string{"declined"})
	})

	// Withdrawal while alpha's node is down: gamma withdraws its
	// endorsement of alpha; alpha hears of it when it is back.
	var given endorsementList
	c.api(t, "GET", "/endorsements?direction=given", nil, &given)
	if len(given.Items) != 1 {
		t.Fatalf("gamma has given %d endorsements, want 1", len(given.Items))
	}
	gammaEndorsement := given.Items[0]
	a.stop()
	if status := c.api(t, "DELETE", "/endorsements/"+gammaEndorsement.UUID, nil, nil); status != 200 {
		t.Fatalf("gamma withdraws = %d", status)
	}
	ctx := context.Background()
	eventually(t, "the withdrawal's first delivery failed", func() bool {
		var attempts int
		err := c.pool.QueryRow(ctx, `SELECT coalesce(max(attempts), 0) FROM delivery WHERE state = 'pending'`).Scan(&attempts)
		return err == nil && attempts >= 1
	})
	a.start(t)
	eventually(t, "alpha heard of the withdrawal", func() bool {
		// Time passes: the retry River scheduled is due now. Done on every
		// poll, since the failed attempt may still be finishing (running)
		// the first time.
		if _, err := c.pool.Exec(ctx, `UPDATE river_job SET scheduled_at = now() WHERE state IN ('retryable', 'scheduled')`); err != nil {
			t.Fatal(err)
		}
		return slices.Equal(partnerNames(t, a, "?filter=they-endorse"), []string{"BETA"})
	})

	// Every list on every node tells the same story.
	for _, tc := range []struct {
		p      *peer
		filter string
		want   []string
	}{
		{a, "", []string{"BETA", "GAMMA"}}, {a, "?filter=mutual", []string{"BETA"}},
		{a, "?filter=we-endorse", []string{"BETA"}}, {a, "?filter=they-endorse", []string{"BETA"}},
		{b, "", []string{"ALPHA", "GAMMA"}}, {b, "?filter=mutual", []string{"ALPHA"}},
		{b, "?filter=we-endorse", []string{"ALPHA"}}, {b, "?filter=they-endorse", []string{"ALPHA"}},
		{c, "", []string{"ALPHA", "BETA"}}, {c, "?filter=we-endorse", nil}, {c, "?filter=they-endorse", nil},
	} {
		if got := partnerNames(t, tc.p, tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("%s partners%s = %v, want %v", tc.p.org, tc.filter, got, tc.want)
		}
	}
	for _, tc := range []struct {
		p         *peer
		direction string
		want      []string
	}{
		{a, "outgoing", []string{"accepted"}}, {b, "incoming", []string{"accepted"}},
		{b, "outgoing", []string{"declined"}}, {c, "incoming", []string{"declined"}},
		{a, "incoming", nil}, {c, "outgoing", nil},
	} {
		if got := requestStates(t, tc.p, tc.direction); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s requests = %v, want %v", tc.p.org, tc.direction, got, tc.want)
		}
	}

	// The Open Badges side: each issuer Profile and the badge list their
	// current endorsements, each hosted where its endorser lives, valid.
	profile := func(p *peer) map[string]any {
		_, doc := fetchLD(t, p.base+"/ob/issuers/"+p.org)
		return doc
	}
	alphaEndorsements := endorsementIDs(profile(a))
	betaEndorsements := endorsementIDs(profile(b))
	_, badgeDoc := fetchLD(t, badge.ID)
	badgeEndorsements := endorsementIDs(badgeDoc)
	if len(alphaEndorsements) != 1 || !strings.HasPrefix(alphaEndorsements[0], b.base+"/ob/endorsements/") {
		t.Errorf("alpha's profile lists %v, want beta's endorsement only", alphaEndorsements)
	}
	if len(betaEndorsements) != 1 || !strings.HasPrefix(betaEndorsements[0], a.base+"/ob/endorsements/") {
		t.Errorf("beta's profile lists %v, want alpha's endorsement", betaEndorsements)
	}
	if len(badgeEndorsements) != 1 || !strings.HasPrefix(badgeEndorsements[0], a.base+"/ob/endorsements/") {
		t.Errorf("beta's badge lists %v, want alpha's endorsement", badgeEndorsements)
	}
	for _, id := range slices.Concat(alphaEndorsements, betaEndorsements, badgeEndorsements) {
		status, doc := fetchLD(t, id)
		if status != 200 {
			t.Fatalf("GET %s = %d", id, status)
		}
		for _, p := range vocab.Check("Endorsement", doc) {
			if !p.Warning {
				t.Errorf("%s: %s", id, p)
			}
		}
		raw, _ := json.Marshal(doc)
		if _, err := vocab.Expand(raw); err != nil {
			t.Errorf("%s does not expand: %v", id, err)
		}
	}
	_, doc := fetchLD(t, badgeEndorsements[0])
	if claim := doc["claim"].(map[string]any); claim["id"] != badge.ID || claim["endorsementComment"] != "We also issue this badge." {
		t.Errorf("badge endorsement claims %v", claim)
	}
	if status, doc := fetchLD(t, gammaEndorsement.ID); status != http.StatusGone || doc["revoked"] != true {
		t.Errorf("withdrawn endorsement = %d %v, want 410 revoked", status, doc)
	}
}

// TestBadgeSharingAcrossNodes: alpha shares a badge with beta on another
// node as a copy; beta accepts, and the copy (with the image fetched from
// alpha's node) is in beta's library; beta changes its mind and alpha sees
// it.
func TestBadgeSharingAcrossNodes(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	badge := a.createBadge(t, map[string]any{"name": "Welding basics", "description": "Welds safely.",
		"criteria": map[string]string{"narrative": "Weld a seam."}, "tags": []string{"metal"}})
	var results struct {
		Items []struct{ Error string }
	}
	if status := a.api(t, "POST", "/badges/"+badge.UUID+"/shares", map[string]any{"targets": []string{handle(b)}, "mode": "copy"}, &results); status != 200 || len(results.Items) != 1 || results.Items[0].Error != "" {
		t.Fatalf("share = %d %+v", status, results)
	}
	type shares struct {
		Items []struct {
			UUID, State, Mode, Copy string
			BadgeName               string `json:"badge_name"`
		}
	}
	var got shares
	eventually(t, "beta received the share", func() bool {
		got = shares{}
		b.api(t, "GET", "/shares?direction=received", nil, &got)
		return len(got.Items) == 1
	})
	if got.Items[0].State != "pending" || got.Items[0].Mode != "copy" || got.Items[0].BadgeName != "Welding basics" {
		t.Fatalf("beta's share: %+v", got.Items[0])
	}
	var notes struct{ Unread int }
	b.api(t, "GET", "/notifications", nil, &notes)
	if notes.Unread != 1 {
		t.Errorf("beta has %d unread notifications, want 1", notes.Unread)
	}
	var accepted struct{ State, Copy string }
	if status := b.api(t, "POST", "/shares/"+got.Items[0].UUID+"/accept", nil, &accepted); status != 200 || accepted.Copy == "" {
		t.Fatalf("accept = %d %+v", status, accepted)
	}
	var copy struct{ Name, Issuer string }
	if status := b.api(t, "GET", "/badges/"+accepted.Copy, nil, &copy); status != 200 || copy.Name != "Welding basics" || !strings.HasPrefix(copy.Issuer, b.base) {
		t.Fatalf("beta's copy = %d %+v", status, copy)
	}
	state := func() string {
		var given shares
		a.api(t, "GET", "/shares?direction=given", nil, &given)
		if len(given.Items) != 1 {
			return ""
		}
		return given.Items[0].State
	}
	eventually(t, "alpha sees the share accepted", func() bool { return state() == "accepted" })
	if status := b.api(t, "POST", "/shares/"+got.Items[0].UUID+"/decline", nil, nil); status != 200 {
		t.Fatalf("decline = %d", status)
	}
	eventually(t, "alpha sees beta's change of mind", func() bool { return state() == "declined" })
}
