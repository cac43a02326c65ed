package node_test

import (
	"context"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
)

// getWithToken GETs a page of the peer's as its staff member, with the
// API token, and returns the status and the body.
func getWithToken(t *testing.T, p *peer, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", p.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// noFollow is a client that does not follow redirects.
func noFollow() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// makeAdmin makes the peer's staff member an admin of its organisation.
func makeAdmin(t *testing.T, p *peer) {
	t.Helper()
	ctx := context.Background()
	u, err := account.UserByEmail(ctx, p.pool, "staff@"+p.org+".example")
	if err != nil {
		t.Fatal(err)
	}
	o, err := issuer.OrganisationBySlug(ctx, p.pool, p.org)
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, p.pool, u.ID, o.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
}

// secondOrg makes another organisation on the peer's node, with an admin
// of its own, and returns it as a peer.
func secondOrg(t *testing.T, p *peer, slug, country string) *peer {
	t.Helper()
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, p.pool, issuer.NewOrganisation{Slug: slug, Name: strings.ToUpper(slug), Country: country})
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.CreateUser(ctx, p.pool, account.NewUser{Username: slug + "-admin", Email: "staff@" + slug + ".example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, p.pool, u.ID, o.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, p.pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &peer{node: p.node, pool: p.pool, base: p.base, org: slug, token: token}
}

type networkMember struct {
	ID                           int64
	Actor, Name, Country, Handle string
	Profile                      string
	JoinedAt                     string `json:"joined_at"`
	State                        string
	Network                      string
}

type networkMembers struct{ Items []networkMember }

// memberNames lists the names of the network's members, as its public
// API shows them.
func memberNames(t *testing.T, p *peer, network string) []string {
	t.Helper()
	var list networkMembers
	if status := p.call(t, "GET", "/api/v1/networks/"+network+"/members", nil, &list); status != http.StatusOK {
		t.Fatalf("members of %s = %d", network, status)
	}
	var out []string
	for _, m := range list.Items {
		out = append(out, m.Name+" "+m.Country)
	}
	return out
}

// directoryNames lists the network's members as the peer's directory
// finds them (network=), as "name country".
func directoryNames(t *testing.T, p *peer, network, query string) []string {
	t.Helper()
	var list struct {
		Items []struct{ Actor, Name, Country, Handle string }
	}
	if status := p.call(t, "GET", "/api/v1/directory?network="+url.QueryEscape(network)+query, nil, &list); status != http.StatusOK {
		t.Fatalf("directory of %s on %s = %d", network, p.base, status)
	}
	var out []string
	for _, l := range list.Items {
		out = append(out, l.Name+" "+l.Country)
	}
	return out
}

// everyDirectory reports whether every peer's directory lists exactly
// want as the network's members.
func everyDirectory(t *testing.T, network string, want []string, peers ...*peer) bool {
	t.Helper()
	for _, p := range peers {
		if got := directoryNames(t, p, network, ""); !slices.Equal(got, want) {
			t.Logf("directory of %s on %s: %v, want %v", network, p.base, got, want)
			return false
		}
	}
	return true
}

// feedAuthors lists the posts in the peer organisation's network feed as
// "author_name: text".
func feedAuthors(t *testing.T, p *peer) []string {
	t.Helper()
	var feed struct {
		Items []struct {
			Network, ID, Author, Content string
			AuthorName                   string `json:"author_name"`
		}
	}
	if status := p.api(t, "GET", "/network-feed", nil, &feed); status != http.StatusOK {
		t.Fatalf("network feed of %s = %d", p.org, status)
	}
	var out []string
	for _, it := range feed.Items {
		out = append(out, it.AuthorName+": "+it.Content)
	}
	return out
}

// membershipStates lists the peer organisation's memberships as
// "handle state".
func membershipStates(t *testing.T, p *peer) []string {
	t.Helper()
	var list networkMembers
	if status := p.api(t, "GET", "/memberships", nil, &list); status != http.StatusOK {
		t.Fatalf("memberships of %s = %d", p.org, status)
	}
	var out []string
	for _, m := range list.Items {
		out = append(out, m.Handle+" "+m.State)
	}
	return out
}

// TestNetworkMembershipAcrossNodes: ALPHA on node A founds Badge Finland
// (approval); BETA (node B), GAMMA (node C), DELTA (node D) and EPSILON
// (node A itself) apply. The moderators accept BETA, DELTA and EPSILON and
// decline GAMMA; every side sees its state, and every node's directory of
// the network lists exactly the members with their countries. Posts that
// members share reach every member's feed once and not GAMMA's; a
// fediverse account follows the network and hears of new members (Add)
// and of each relayed post, once. The network recognises BETA's badge
// class, and withdraws it. BETA is removed and hears of it, applies
// again, is accepted, and leaves: every directory follows.
func TestNetworkMembershipAcrossNodes(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	c := startPeer(t, "127.0.0.4", "gamma", "SE")
	d := startPeer(t, "127.0.0.5", "delta", "NO")
	for _, p := range []*peer{a, b, c, d} {
		makeAdmin(t, p)
	}
	epsilon := secondOrg(t, a, "epsilon", "EE")
	hostA := a.node.BaseURL().Host
	handleBF := "badge-finland@" + hostA

	// Founding: bad input is refused with the field named.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"slug": "bf", "name": "BF", "countries": []string{}}, "countries"},
		{map[string]any{"slug": "bf", "name": "BF", "countries": []string{"XX"}}, "countries"},
		{map[string]any{"slug": "bf", "name": "BF", "countries": []string{"FI"}, "policy": "anyone"}, "policy"},
		{map[string]any{"slug": "alpha", "name": "BF", "countries": []string{"FI"}}, "slug"},
	} {
		if status := a.api(t, "POST", "/networks", tc.body, nil); status != http.StatusBadRequest && status != http.StatusConflict {
			t.Errorf("found %v = %d, want 400/409 naming %s", tc.body, status, tc.field)
		}
	}
	var founded struct{ Actor, Handle, Policy, Profile string }
	if status := a.api(t, "POST", "/networks", map[string]any{"slug": "badge-finland", "name": "Badge Finland",
		"description": "Open badges in **Finland**.", "countries": []string{"FI", "AX"}, "policy": "approval"}, &founded); status != http.StatusCreated ||
		founded.Handle != handleBF || founded.Actor != a.base+"/actors/badge-finland" || founded.Policy != "approval" {
		t.Fatalf("found Badge Finland = %d %+v", status, founded)
	}
	// The network is a Group to the fediverse.
	if status, doc := getActivityJSON(t, founded.Actor); status != 200 || doc["type"] != "Group" || doc["name"] != "Badge Finland" {
		t.Fatalf("the network's actor = %d %v", status, doc)
	}

	// A fediverse account follows the network: a plain follower.
	fedi := startFakeServer(t, "127.0.0.6", "mastodon")
	fedi.addUser("kim", "Kim")
	if status, body := fedi.send("kim", a.base+"/inbox", map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": fedi.actor("kim") + "#follows/1",
		"type": "Follow", "actor": fedi.actor("kim"), "object": founded.Actor,
	}); status != http.StatusAccepted {
		t.Fatalf("Kim follows the network = %d %s", status, body)
	}

	// Applications: a network cannot be joined by a non-network target.
	if status := b.api(t, "POST", "/memberships", map[string]string{"network": handle(a)}, nil); status != http.StatusBadRequest {
		t.Errorf("joining an organisation = %d, want 400", status)
	}
	for _, p := range []*peer{b, c, d, epsilon} {
		var m networkMember
		target := handleBF
		if p == c {
			target = "acct:" + handleBF // both ways of writing a handle
		}
		if status := p.api(t, "POST", "/memberships", map[string]string{"network": target}, &m); status != http.StatusCreated || m.State != "pending" {
			t.Fatalf("%s applies = %d %+v", p.org, status, m)
		}
	}
	var apps networkMembers
	eventually(t, "the network has three applications", func() bool {
		apps = networkMembers{}
		a.call(t, "GET", "/api/v1/networks/badge-finland/applications", nil, &apps)
		return len(apps.Items) == 4
	})
	if status := b.call(t, "GET", "/api/v1/networks/badge-finland/applications", nil, nil); status != http.StatusNotFound {
		t.Errorf("applications asked on another node = %d, want 404", status)
	}
	if status := epsilon.call(t, "GET", "/api/v1/networks/badge-finland/applications", nil, nil); status != http.StatusForbidden {
		t.Errorf("applications asked by a non-moderator = %d, want 403", status)
	}
	ids := map[string]int64{}
	for _, m := range apps.Items {
		ids[m.Name] = m.ID
	}
	for name, verb := range map[string]string{"BETA": "accept", "DELTA": "accept", "EPSILON": "accept", "GAMMA": "decline"} {
		if status := a.call(t, "POST", "/api/v1/networks/badge-finland/applications/"+strconv.FormatInt(ids[name], 10)+"/"+verb, nil, nil); status != http.StatusOK {
			t.Fatalf("%s %s = %d", verb, name, status)
		}
	}
	if status := a.call(t, "POST", "/api/v1/networks/badge-finland/applications/"+strconv.FormatInt(ids["BETA"], 10)+"/decline", nil, nil); status != http.StatusConflict {
		t.Errorf("answering twice = %d, want 409", status)
	}
	eventually(t, "every applicant knows its answer", func() bool {
		return slices.Equal(membershipStates(t, b), []string{handleBF + " accepted"}) &&
			slices.Equal(membershipStates(t, c), []string{handleBF + " declined"}) &&
			slices.Equal(membershipStates(t, d), []string{handleBF + " accepted"}) &&
			slices.Equal(membershipStates(t, epsilon), []string{handleBF + " accepted"})
	})
	if status := c.call(t, "GET", "/api/v1/networks/badge-finland/members", nil, nil); status != http.StatusNotFound {
		t.Errorf("members of a network node C does not host = %d, want 404", status)
	}
	if got := memberNames(t, a, "badge-finland"); !slices.Equal(got, []string{"ALPHA FI", "BETA DE", "DELTA NO", "EPSILON EE"}) {
		t.Errorf("members = %v, want ALPHA FI (the founder), BETA DE, DELTA NO and EPSILON EE", got)
	}
	status, coll := getActivityJSON(t, founded.Actor+"/members?page=1")
	var inColl []string
	for _, it := range coll["orderedItems"].([]any) {
		m := it.(map[string]any)
		inColl = append(inColl, m["id"].(string)+" "+m["name"].(string)+" "+m["country"].(string))
	}
	if want := []string{a.base + "/actors/alpha ALPHA FI", b.base + "/actors/beta BETA DE", d.base + "/actors/delta DELTA NO", a.base + "/actors/epsilon EPSILON EE"}; status != 200 || !slices.Equal(inColl, want) {
		t.Errorf("members collection = %d %v, want %v", status, inColl, want)
	}
	// Every node's directory lists exactly the members: here from the
	// network's own records, on B (a member) from its copy, on C (declined)
	// from the network's collection.
	eventually(t, "every directory lists the members", func() bool {
		return everyDirectory(t, handleBF, []string{"ALPHA FI", "BETA DE", "DELTA NO", "EPSILON EE"}, a, b, c, d)
	})
	// The Partners tab's directory of B finds DELTA, which B's node knows
	// only as a fellow member, and names the network it searches in.
	for _, query := range []string{"", "&dnetwork=" + url.QueryEscape(handleBF)} {
		status, page := getWithToken(t, b, "/network?org=beta&dq=del"+query)
		if status != http.StatusOK || !strings.Contains(page, "DELTA") || !strings.Contains(page, d.base+"/actors/delta") {
			t.Errorf("B's directory page (%q) = %d, lacks DELTA", query, status)
		}
	}
	if got := directoryNames(t, b, handleBF, "&country=EE"); !slices.Equal(got, []string{"EPSILON EE"}) {
		t.Errorf("B's directory of the network in EE: %v", got)
	}
	if got := directoryNames(t, c, "acct:"+handleBF, "&q=bet"); !slices.Equal(got, []string{"BETA DE"}) {
		t.Errorf("C's directory of the network matching bet: %v", got)
	}
	if status := b.call(t, "GET", "/api/v1/directory?network="+url.QueryEscape(handle(c)), nil, nil); status != http.StatusBadRequest {
		t.Errorf("directory of an organisation taken for a network = %d, want 400", status)
	}
	eventually(t, "Kim's server heard of the new members", func() bool {
		adds := 0
		for _, d := range fedi.deliveries() {
			if d["type"] == "Add" && d["target"] == founded.Actor+"/members" {
				adds++
			}
		}
		return adds == 3
	})

	// The feed: BETA (node B) and EPSILON (the network's node) share posts;
	// every member's feed has each once, GAMMA's has none, and Kim's
	// server got each relay once.
	if status := c.api(t, "POST", "/network-posts", map[string]string{"network": handleBF, "content": "Not a member."}, nil); status != http.StatusBadRequest {
		t.Errorf("a post shared by a non-member = %d, want 400", status)
	}
	// A stranger's post addressed to the network is not relayed.
	kimNote := fedi.actor("kim") + "/statuses/1"
	if status, body := fedi.send("kim", a.base+"/inbox", map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": kimNote + "/activity", "type": "Create", "actor": fedi.actor("kim"),
		"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{founded.Actor},
		"object": map[string]any{"id": kimNote, "type": "Note", "attributedTo": fedi.actor("kim"), "content": "<p>Relay me!</p>",
			"to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{founded.Actor}},
	}); status != http.StatusAccepted {
		t.Fatalf("Kim's post to the network = %d %s", status, body)
	}
	maker := b.createBadge(t, map[string]any{"name": "Maker", "description": "Makes things.", "criteria": map[string]string{"narrative": "Make one."}})
	if status := epsilon.api(t, "POST", "/network-posts", map[string]string{"network": handleBF, "content": "x", "badge": maker.UUID}, nil); status != http.StatusBadRequest {
		t.Errorf("publishing another organisation's badge = %d, want 400", status)
	}
	for _, p := range []*peer{b, epsilon} {
		post := map[string]string{"network": handleBF, "content": p.org + " says hello to Badge Finland"}
		if p == b {
			post["badge"] = maker.UUID // BETA publishes its badge class to the network
		}
		if status := p.api(t, "POST", "/network-posts", post, nil); status != http.StatusCreated {
			t.Fatalf("%s shares a post = %d", p.org, status)
		}
	}
	wantFeed := func(p *peer) bool {
		got := feedAuthors(t, p)
		slices.Sort(got)
		return slices.Equal(got, []string{"BETA: <p>beta says hello to Badge Finland</p>", "EPSILON: <p>epsilon says hello to Badge Finland</p>"})
	}
	eventually(t, "both posts in every member's feed", func() bool { return wantFeed(b) && wantFeed(d) && wantFeed(epsilon) })
	if got := feedAuthors(t, c); got != nil {
		t.Errorf("GAMMA, declined, has a network feed: %v", got)
	}
	var dFeed struct {
		Items []struct {
			Author, Badge, Image string
			BadgeName            string `json:"badge_name"`
		}
	}
	d.api(t, "GET", "/network-feed", nil, &dFeed)
	published := 0
	for _, it := range dFeed.Items {
		if it.Badge != "" {
			published++
			if it.Badge != maker.ID || it.BadgeName != "Maker" || !strings.HasPrefix(it.Image, b.base) || it.Author != b.base+"/actors/beta" {
				t.Errorf("the published badge in DELTA's feed: %+v", it)
			}
		}
	}
	if published != 1 {
		t.Errorf("DELTA's feed has %d published badges, want BETA's", published)
	}
	eventually(t, "Kim's server got each relay once", func() bool {
		relays := map[string]int{}
		for _, d := range fedi.deliveries() {
			if obj, _ := d["object"].(map[string]any); d["type"] == "Announce" && d["actor"] == founded.Actor && obj != nil {
				relays[obj["id"].(string)]++
			}
		}
		return len(relays) == 2 && !slices.ContainsFunc(slices.Collect(maps.Values(relays)), func(n int) bool { return n != 1 })
	})

	// Recognition: the moderators recognise BETA's badge class. B lists it
	// on the hosted BadgeClass once it verified the credential; it is a
	// valid Open Badges Endorsement and EndorsementCredential by the
	// network; withdrawing it revokes the credential.
	robot := b.createBadge(t, map[string]any{"name": "Robot builder", "description": "Builds robots.",
		"criteria": map[string]string{"narrative": "Build one."}})
	for _, bad := range []map[string]string{
		{"subject": "not a url", "comment": "Fine work."},
		{"subject": c.base + "/ob/issuers/gamma", "comment": "GAMMA is not a member."},
		{"subject": robot.ID, "comment": ""},
	} {
		if status := a.call(t, "POST", "/api/v1/networks/badge-finland/recognitions", bad, nil); status != http.StatusBadRequest {
			t.Errorf("recognise %v = %d, want 400", bad, status)
		}
	}
	if status := epsilon.call(t, "POST", "/api/v1/networks/badge-finland/recognitions", map[string]string{"subject": robot.ID, "comment": "x"}, nil); status != http.StatusForbidden {
		t.Errorf("a recognition by a non-moderator = %d, want 403", status)
	}
	var recognition credentialEndorsement
	if status := a.call(t, "POST", "/api/v1/networks/badge-finland/recognitions", map[string]string{"subject": robot.ID,
		"comment": "Recognised by Badge Finland: the robotics badge of the region."}, &recognition); status != http.StatusCreated ||
		recognition.Subject != robot.ID || !strings.HasPrefix(recognition.ID, a.base+"/ob/endorsements/") || recognition.Credential == "" {
		t.Fatalf("recognise BETA's badge = %d %+v", status, recognition)
	}
	var recognitions struct{ Items []credentialEndorsement }
	if status := c.call(t, "GET", "/api/v1/networks/badge-finland/recognitions", nil, nil); status != http.StatusNotFound {
		t.Errorf("recognitions of a network C does not host = %d", status)
	}
	if anon := (&peer{base: a.base}); anon.call(t, "GET", "/api/v1/networks/badge-finland/recognitions", nil, &recognitions) != http.StatusOK ||
		len(recognitions.Items) != 1 || recognitions.Items[0].ID != recognition.ID {
		t.Errorf("the public recognitions: %+v", recognitions)
	}
	eventually(t, "B lists the recognition on its BadgeClass, verified", func() bool {
		_, doc := fetchLD(t, robot.ID)
		state, _ := credentialState(t, b, recognition.ID)
		return slices.Contains(endorsementIDs(doc), recognition.ID) && state == "verified"
	})
	if _, doc := fetchLD(t, recognition.ID); doc["type"] != "Endorsement" || doc["issuer"] != a.base+"/ob/issuers/badge-finland" {
		t.Errorf("the hosted recognition: %v", doc)
	}
	for _, p := range []*peer{a, b, c} {
		if rep := verifyURL(t, p, recognition.Credential); !rep.Valid {
			t.Errorf("the recognition's credential on %s: %+v", p.org, rep)
		}
	}
	if status := a.call(t, "DELETE", "/api/v1/networks/badge-finland/recognitions/"+recognition.UUID, nil, nil); status != http.StatusOK {
		t.Fatalf("withdraw the recognition = %d", status)
	}
	if rep := verifyURL(t, c, recognition.Credential); rep.Valid {
		t.Errorf("the withdrawn recognition's credential still verifies: %+v", rep)
	}
	eventually(t, "B no longer lists the recognition", func() bool {
		_, doc := fetchLD(t, robot.ID)
		return !slices.Contains(endorsementIDs(doc), recognition.ID)
	})

	// Proposals: DELTA proposes that the network recognise it (an
	// endorsement request to the network's handle); the moderators accept
	// it, and DELTA's node shows the recognition.
	if status := d.api(t, "POST", "/endorsement-requests", map[string]string{"target": "acct:" + handleBF,
		"message": "We run the region's maker badges: would Badge Finland recognise us?"}, nil); status != http.StatusCreated {
		t.Fatalf("DELTA proposes = %d", status)
	}
	var proposals struct {
		Items []struct{ UUID, Requester, Subject, Message string }
	}
	eventually(t, "the moderators see DELTA's proposal", func() bool {
		a.call(t, "GET", "/api/v1/networks/badge-finland/proposals", nil, &proposals)
		return len(proposals.Items) == 1
	})
	if p := proposals.Items[0]; p.Requester != d.base+"/actors/delta" || p.Subject != d.base+"/ob/issuers/delta" {
		t.Errorf("the proposal: %+v", p)
	}
	if status := epsilon.call(t, "GET", "/api/v1/networks/badge-finland/proposals", nil, nil); status != http.StatusForbidden {
		t.Errorf("proposals listed by a non-moderator = %d, want 403", status)
	}
	if status := a.call(t, "POST", "/api/v1/networks/badge-finland/proposals/"+proposals.Items[0].UUID+"/accept",
		map[string]string{"comment": "Recognised by Badge Finland for its maker badges."}, nil); status != http.StatusOK {
		t.Fatalf("accept the proposal = %d", status)
	}
	eventually(t, "DELTA's node shows the recognition and the answer", func() bool {
		var got struct {
			Items []struct{ Endorser, Comment string }
		}
		d.api(t, "GET", "/endorsements?direction=received", nil, &got)
		return len(got.Items) == 1 && got.Items[0].Endorser == founded.Actor && slices.Equal(requestStates(t, d, "outgoing"), []string{"accepted"})
	})

	// Who endorses whom: BETA and DELTA endorse each other, EPSILON
	// endorses ALPHA (both on the network's node); the moderators read the
	// members' endorsements, and the page's picture shows them.
	for _, e := range []struct {
		from   *peer
		target string
	}{{b, handle(d)}, {d, handle(b)}, {epsilon, "alpha"}} {
		if status := e.from.api(t, "POST", "/endorsements", map[string]string{"target": e.target, "comment": "A fellow member we trust."}, nil); status != http.StatusCreated {
			t.Fatalf("%s endorses %s = %d", e.from.org, e.target, status)
		}
	}
	relations := func() string {
		if status, page := getWithToken(t, a, "/networks/badge-finland"); status != http.StatusOK {
			t.Fatalf("the network's page = %d", status)
		} else if !strings.Contains(page, `id="relations"`) {
			return ""
		}
		status, svg := get(t, a.base+"/networks/badge-finland/relations.svg")
		if status != http.StatusOK {
			t.Fatalf("relations.svg = %d", status)
		}
		return svg
	}
	eventually(t, "the picture shows the three endorsements", func() bool {
		if status, _ := getWithToken(t, a, "/networks/badge-finland"); status != http.StatusOK {
			return false
		}
		req, _ := http.NewRequest("POST", a.base+"/networks/badge-finland/moderate/relations/refresh", nil)
		req.Header.Set("Authorization", "Bearer "+a.token)
		req.Header.Set("Origin", a.base)
		if resp, err := noFollow().Do(req); err == nil {
			resp.Body.Close()
		}
		svg := relations()
		return strings.Count(svg, `class="mutual"`) == 1 && strings.Count(svg, `class="endorses"`) == 1
	})
	if svg := relations(); !strings.Contains(svg, ">BETA<") || !strings.Contains(svg, ">EPSILON<") || strings.Contains(svg, ">GAMMA<") {
		t.Errorf("the picture's names: %s", svg)
	}

	// Removal by the moderators reaches the member's node.
	if status := a.call(t, "DELETE", "/api/v1/networks/badge-finland/members/"+strconv.FormatInt(ids["BETA"], 10), nil, nil); status != http.StatusNoContent {
		t.Fatalf("remove BETA = %d", status)
	}
	eventually(t, "BETA knows it was removed", func() bool {
		return slices.Equal(membershipStates(t, b), []string{handleBF + " removed"})
	})
	if got := memberNames(t, a, "badge-finland"); !slices.Equal(got, []string{"ALPHA FI", "DELTA NO", "EPSILON EE"}) {
		t.Errorf("members after the removal = %v", got)
	}
	eventually(t, "every directory dropped BETA", func() bool {
		return everyDirectory(t, handleBF, []string{"ALPHA FI", "DELTA NO", "EPSILON EE"}, a, b, c, d)
	})

	// BETA applies again, is accepted, and leaves.
	var again networkMember
	if status := b.api(t, "POST", "/memberships", map[string]string{"network": handleBF}, &again); status != http.StatusCreated || again.State != "pending" {
		t.Fatalf("BETA applies again = %d %+v", status, again)
	}
	eventually(t, "the new application arrived", func() bool {
		apps = networkMembers{}
		a.call(t, "GET", "/api/v1/networks/badge-finland/applications", nil, &apps)
		return len(apps.Items) == 1 && apps.Items[0].Name == "BETA"
	})
	if status := a.call(t, "POST", "/api/v1/networks/badge-finland/applications/"+strconv.FormatInt(apps.Items[0].ID, 10)+"/accept", nil, nil); status != http.StatusOK {
		t.Fatalf("accept BETA again = %d", status)
	}
	eventually(t, "BETA is a member again", func() bool {
		return slices.Equal(membershipStates(t, b), []string{handleBF + " accepted"})
	})
	eventually(t, "every directory lists BETA again", func() bool {
		return everyDirectory(t, handleBF, []string{"ALPHA FI", "BETA DE", "DELTA NO", "EPSILON EE"}, a, b, c, d)
	})
	if status := b.api(t, "DELETE", "/memberships/"+strconv.FormatInt(again.ID, 10), nil, nil); status != http.StatusNoContent {
		t.Fatalf("BETA leaves = %d", status)
	}
	eventually(t, "BETA is gone from every directory", func() bool {
		return everyDirectory(t, handleBF, []string{"ALPHA FI", "DELTA NO", "EPSILON EE"}, a, b, c, d)
	})
	if got := membershipStates(t, b); got != nil {
		t.Errorf("BETA's memberships after leaving: %v", got)
	}
	// EPSILON, on the network's own node, leaves too.
	var mine networkMembers
	epsilon.api(t, "GET", "/memberships", nil, &mine)
	if status := epsilon.api(t, "DELETE", "/memberships/"+strconv.FormatInt(mine.Items[0].ID, 10), nil, nil); status != http.StatusNoContent {
		t.Fatalf("EPSILON leaves = %d", status)
	}
	if got := memberNames(t, a, "badge-finland"); !slices.Equal(got, []string{"ALPHA FI", "DELTA NO"}) {
		t.Errorf("members after BETA and EPSILON left: %v", got)
	}
}

// TestNetworkInvitations: a network open by invitation only declines
// those not invited; an organisation the moderators invite by handle
// learns of it on its node and is a member as soon as it asks.
func TestNetworkInvitations(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "caen", "FR")
	b := startPeer(t, "127.0.0.3", "rouen", "FR")
	c := startPeer(t, "127.0.0.4", "havre", "FR")
	for _, p := range []*peer{a, b, c} {
		makeAdmin(t, p)
	}
	handleBN := "badgeons-normandie@" + a.node.BaseURL().Host
	if status := a.api(t, "POST", "/networks", map[string]any{"slug": "badgeons-normandie", "name": "Badgeons la Normandie",
		"countries": []string{"FR"}, "policy": "invitation"}, nil); status != http.StatusCreated {
		t.Fatalf("found the network = %d", status)
	}
	invite := func(target string) int {
		return a.call(t, "POST", "/api/v1/networks/badgeons-normandie/invitations", map[string]string{"handle": target}, nil)
	}

	// Not invited: declined at once.
	if status := b.api(t, "POST", "/memberships", map[string]string{"network": handleBN}, nil); status != http.StatusCreated {
		t.Fatalf("rouen applies = %d", status)
	}
	eventually(t, "rouen is declined", func() bool {
		return slices.Equal(membershipStates(t, b), []string{handleBN + " declined"})
	})

	// Invited by handle: told on its node, a member when it asks.
	if status := invite(handle(c)); status != http.StatusCreated {
		t.Fatalf("invite havre = %d", status)
	}
	eventually(t, "havre's node shows the invitation", func() bool {
		return slices.Equal(membershipStates(t, c), []string{handleBN + " invited"})
	})
	var invited networkMembers
	a.call(t, "GET", "/api/v1/networks/badgeons-normandie/applications?state=invited", nil, &invited)
	if len(invited.Items) != 1 || invited.Items[0].Name != "HAVRE" {
		t.Errorf("invitations listed: %+v", invited)
	}
	if status := c.api(t, "POST", "/memberships", map[string]string{"network": handleBN}, nil); status != http.StatusCreated {
		t.Fatalf("havre joins = %d", status)
	}
	eventually(t, "havre is a member", func() bool {
		return slices.Equal(membershipStates(t, c), []string{handleBN + " accepted"})
	})

	// Rouen, declined before, is invited and joins; inviting a member, a
	// network or nobody is refused.
	if status := invite(handle(b)); status != http.StatusCreated {
		t.Fatalf("invite rouen = %d", status)
	}
	eventually(t, "rouen's node shows the invitation", func() bool {
		return slices.Equal(membershipStates(t, b), []string{handleBN + " invited"})
	})
	if status := b.api(t, "POST", "/memberships", map[string]string{"network": handleBN}, nil); status != http.StatusCreated {
		t.Fatalf("rouen joins = %d", status)
	}
	eventually(t, "rouen is a member", func() bool {
		return slices.Equal(memberNames(t, a, "badgeons-normandie"), []string{"CAEN FR", "HAVRE FR", "ROUEN FR"})
	})
	for target, want := range map[string]int{handle(c): http.StatusConflict, handleBN: http.StatusBadRequest, "nobody@" + c.node.BaseURL().Host: http.StatusBadRequest} {
		if status := invite(target); status != want {
			t.Errorf("invite %s = %d, want %d", target, status, want)
		}
	}
	if status := b.call(t, "POST", "/api/v1/networks/badgeons-normandie/invitations", map[string]string{"handle": handle(c)}, nil); status != http.StatusNotFound {
		t.Errorf("an invitation asked of another node = %d, want 404", status)
	}

	// An organisation on the network's node, invited by slug, joins and is
	// made a moderator; its admin moderates, the founder steps down, and the
	// last moderator cannot.
	cherbourg := secondOrg(t, a, "cherbourg", "FR")
	if status := invite("cherbourg"); status != http.StatusCreated {
		t.Fatalf("invite cherbourg = %d", status)
	}
	if got := membershipStates(t, cherbourg); !slices.Equal(got, []string{handleBN + " invited"}) {
		t.Errorf("cherbourg's memberships: %v", got)
	}
	if status := cherbourg.api(t, "POST", "/memberships", map[string]string{"network": handleBN}, nil); status != http.StatusCreated {
		t.Fatalf("cherbourg joins = %d", status)
	}
	if status := a.call(t, "POST", "/api/v1/networks/badgeons-normandie/moderators", map[string]string{"organisation": "rouen"}, nil); status != http.StatusBadRequest {
		t.Errorf("appoint an organisation of another node = %d, want 400", status)
	}
	var net struct{ Moderators []string }
	if status := a.call(t, "POST", "/api/v1/networks/badgeons-normandie/moderators", map[string]string{"organisation": "cherbourg"}, &net); status != http.StatusCreated ||
		!slices.Equal(net.Moderators, []string{"caen", "cherbourg"}) {
		t.Fatalf("appoint cherbourg = %d %+v", status, net)
	}
	if status := cherbourg.call(t, "DELETE", "/api/v1/networks/badgeons-normandie/moderators/caen", nil, nil); status != http.StatusOK {
		t.Fatalf("cherbourg dismisses caen = %d", status)
	}
	if status := a.call(t, "GET", "/api/v1/networks/badgeons-normandie/applications", nil, nil); status != http.StatusForbidden {
		t.Errorf("caen, no longer a moderator, lists applications = %d, want 403", status)
	}
	if status := cherbourg.call(t, "DELETE", "/api/v1/networks/badgeons-normandie/moderators/cherbourg", nil, nil); status != http.StatusConflict {
		t.Errorf("dismissing the last moderator = %d, want 409", status)
	}

	// The moderators change the network's rules; bad ones are refused.
	var changed struct {
		Policy    string
		Countries []string
		Charter   string
	}
	if status := cherbourg.call(t, "PATCH", "/api/v1/networks/badgeons-normandie", map[string]any{"policy": "open", "countries": []string{"FR", "GG"},
		"charter": "Open to every badge issuer of Normandy."}, &changed); status != http.StatusOK || changed.Policy != "open" ||
		!slices.Equal(changed.Countries, []string{"FR", "GG"}) || changed.Charter == "" {
		t.Fatalf("change the rules = %d %+v", status, changed)
	}
	for _, bad := range []map[string]any{{"policy": "closed"}, {"countries": []string{}}, {"website": "ftp://x"}, {"name": ""}} {
		if status := cherbourg.call(t, "PATCH", "/api/v1/networks/badgeons-normandie", bad, nil); status != http.StatusBadRequest {
			t.Errorf("PATCH %v = %d, want 400", bad, status)
		}
	}
	// The log says who decided what, the policy included.
	var log struct {
		Items []struct{ By, Action, Subject string }
	}
	cherbourg.call(t, "GET", "/api/v1/networks/badgeons-normandie/decisions", nil, &log)
	var said []string
	for _, d := range log.Items {
		said = append(said, d.By+"|"+d.Action+"|"+d.Subject)
	}
	for _, want := range []string{"|declined|ROUEN", "|accepted|HAVRE", "cherbourg-admin|changed the profile|", "cherbourg-admin|dismissed|caen", "staff|appointed|CHERBOURG", "staff|invited|HAVRE"} {
		if !slices.Contains(said, want) {
			t.Errorf("the decisions lack %q: %v", want, said)
		}
	}
	if status := b.call(t, "PATCH", "/api/v1/networks/badgeons-normandie", map[string]any{"policy": "open"}, nil); status != http.StatusNotFound {
		t.Errorf("PATCH on another node = %d, want 404", status)
	}

	// A common language: the moderators recommend alignments, which every
	// member's badge editor is offered, wherever the member is.
	for _, al := range []map[string]string{
		{"targetName": "use digital tools for collaboration", "targetUrl": "http://data.europa.eu/esco/skill/0a9cd9a5-0ab1-4a59-a6c0-2f1d5b5dd5b6",
			"targetFramework": "ESCO", "targetCode": "0a9cd9a5-0ab1-4a59-a6c0-2f1d5b5dd5b6"},
		{"targetName": "Normandy maker skills, level 2", "targetUrl": "https://makers.normandie.example/framework/level-2"},
	} {
		if status := cherbourg.call(t, "POST", "/api/v1/networks/badgeons-normandie/alignments", al, nil); status != http.StatusCreated {
			t.Fatalf("recommend %s = %d", al["targetName"], status)
		}
	}
	if status := b.call(t, "POST", "/api/v1/networks/badgeons-normandie/alignments", map[string]string{"targetName": "x", "targetUrl": "https://x.example"}, nil); status != http.StatusNotFound {
		t.Errorf("recommend on another node = %d, want 404", status)
	}
	for _, p := range []*peer{b, c, cherbourg} {
		var rec struct {
			Items []struct {
				NetworkName string `json:"network_name"`
				TargetName  string `json:"targetName"`
			}
			Unreachable []string
		}
		if status := p.api(t, "GET", "/recommended-alignments", nil, &rec); status != http.StatusOK || len(rec.Items) != 2 || len(rec.Unreachable) != 0 ||
			rec.Items[0].NetworkName != "Badgeons la Normandie" {
			t.Errorf("%s is recommended %d %+v", p.org, status, rec)
		}
	}
	other := secondOrg(t, b, "evreux", "FR")
	var none struct{ Items []any }
	if other.api(t, "GET", "/recommended-alignments", nil, &none); len(none.Items) != 0 {
		t.Errorf("evreux, in no network, is recommended %v", none.Items)
	}
}

// sharesOf lists the peer organisation's shared badges in one direction
// (given or received) as "receiver-or-sharer state network".
func sharesOf(t *testing.T, p *peer, direction string) []string {
	t.Helper()
	var list struct {
		Items []struct{ UUID, Sharer, Receiver, State, Network, Badge string }
	}
	if status := p.api(t, "GET", "/shares?direction="+direction, nil, &list); status != http.StatusOK {
		t.Fatalf("%s shares of %s = %d", direction, p.org, status)
	}
	var out []string
	for _, s := range list.Items {
		who := s.Receiver
		if direction == "received" {
			who = s.Sharer
		}
		out = append(out, who+" "+s.State+" "+s.Network)
	}
	slices.Sort(out)
	return out
}

// receivedShare is the uuid of the one badge shared with the peer
// organisation.
func receivedShare(t *testing.T, p *peer) string {
	t.Helper()
	var list struct{ Items []struct{ UUID string } }
	p.api(t, "GET", "/shares?direction=received", nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("%s has %d shared badges, want 1", p.org, len(list.Items))
	}
	return list.Items[0].UUID
}

// countRelays counts what the peer's node delivered of the network's
// activities of type typ whose object is of type objectType ("" for
// any): how many inboxes it sent them to.
func countRelays(t *testing.T, p *peer, actor, typ, objectType string) int {
	t.Helper()
	var n int
	if err := p.pool.QueryRow(context.Background(), `SELECT count(*) FROM delivery d JOIN outbox_activity o ON o.id = d.outbox_id
		WHERE o.type = $1 AND o.document->>'actor' = $2 AND ($3 = '' OR o.document->'object'->>'type' = $3)`,
		typ, actor, objectType).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNetworkSharesEndorsementsAndProfile: Badge Finland, open, on node
// A, has members BETA (node B), DELTA and ZETA (node D) and EPSILON (A).
// BETA offers a badge to the whole network: the network relays it once
// to each member server, every member but BETA has it to answer, DELTA
// accepts and EPSILON declines, and BETA's node keeps each answer. DELTA
// endorses BETA and shares it with the network: every member's feed
// shows it once, and so does a fediverse follower's server. The
// moderators rename the network and upload a logo: the Group's Update
// reaches the member nodes, which rename their memberships, and the
// follower's server. The members collection carries each member's Open
// Badges Profile and join date.
func TestNetworkSharesEndorsementsAndProfile(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	d := startPeer(t, "127.0.0.4", "delta", "NO")
	for _, p := range []*peer{a, b, d} {
		makeAdmin(t, p)
	}
	epsilon := secondOrg(t, a, "epsilon", "EE")
	zeta := secondOrg(t, d, "zeta", "DK")
	outsider := secondOrg(t, b, "outsider", "DE")
	handleBF := "badge-finland@" + a.node.BaseURL().Host
	var founded struct{ Actor string }
	if status := a.api(t, "POST", "/networks", map[string]any{"slug": "badge-finland", "name": "Badge Finland",
		"countries": []string{"FI"}, "policy": "open"}, &founded); status != http.StatusCreated {
		t.Fatalf("found Badge Finland = %d", status)
	}
	fedi := startFakeServer(t, "127.0.0.6", "mastodon")
	fedi.addUser("kim", "Kim")
	if status, body := fedi.send("kim", a.base+"/inbox", map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": fedi.actor("kim") + "#follows/1",
		"type": "Follow", "actor": fedi.actor("kim"), "object": founded.Actor,
	}); status != http.StatusAccepted {
		t.Fatalf("Kim follows the network = %d %s", status, body)
	}
	for _, p := range []*peer{b, d, zeta, epsilon} {
		if status := p.api(t, "POST", "/memberships", map[string]string{"network": handleBF}, nil); status != http.StatusCreated {
			t.Fatalf("%s joins = %d", p.org, status)
		}
	}
	eventually(t, "every member is accepted", func() bool {
		for _, p := range []*peer{b, d, zeta, epsilon} {
			if !slices.Equal(membershipStates(t, p), []string{handleBF + " accepted"}) {
				return false
			}
		}
		return true
	})

	// A badge offered to the whole network.
	maker := b.createBadge(t, map[string]any{"name": "Maker", "description": "Makes things.", "criteria": map[string]string{"narrative": "Make one."}})
	theirs := outsider.createBadge(t, map[string]any{"name": "Outside", "description": "Not ours.", "criteria": map[string]string{"narrative": "x"}})
	if status := outsider.api(t, "POST", "/badges/"+theirs.UUID+"/shares", map[string]any{"network": handleBF, "mode": "link"}, nil); status != http.StatusBadRequest {
		t.Errorf("a non-member offers a badge to the network = %d, want 400", status)
	}
	if status := b.api(t, "POST", "/badges/"+maker.UUID+"/shares", map[string]any{"network": handleBF, "targets": []string{handle(d)}}, nil); status != http.StatusBadRequest {
		t.Errorf("a share with partners and a network at once = %d, want 400", status)
	}
	var offered struct {
		Items []struct {
			Share struct{ State, Network, Receiver string }
		}
	}
	if status := b.api(t, "POST", "/badges/"+maker.UUID+"/shares", map[string]any{"network": "acct:" + handleBF, "mode": "link"}, &offered); status != http.StatusOK ||
		len(offered.Items) != 1 || offered.Items[0].Share.State != "offered" || offered.Items[0].Share.Network != founded.Actor {
		t.Fatalf("BETA offers its badge to the network = %d %+v", status, offered)
	}
	sharer := b.base + "/actors/beta"
	eventually(t, "every member but BETA has the badge to answer", func() bool {
		for _, p := range []*peer{a, d, zeta, epsilon} {
			if !slices.Equal(sharesOf(t, p, "received"), []string{sharer + " pending " + founded.Actor}) {
				return false
			}
		}
		return true
	})
	if got := sharesOf(t, b, "received"); got != nil {
		t.Errorf("BETA received its own badge: %v", got)
	}
	// Once per member server: B's and D's shared inboxes (A's members are
	// here); the fediverse follower is no member.
	if got := countRelays(t, a, founded.Actor, "Announce", "Offer"); got != 2 {
		t.Errorf("the network relayed the offer to %d inboxes, want 2", got)
	}
	if status := d.api(t, "POST", "/shares/"+receivedShare(t, d)+"/accept", nil, nil); status != http.StatusOK {
		t.Fatalf("DELTA accepts = %d", status)
	}
	if status := epsilon.api(t, "POST", "/shares/"+receivedShare(t, epsilon)+"/decline", nil, nil); status != http.StatusOK {
		t.Fatalf("EPSILON declines = %d", status)
	}
	eventually(t, "BETA's node keeps each member's answer", func() bool {
		return slices.Equal(sharesOf(t, b, "given"), []string{
			founded.Actor + " offered " + founded.Actor,
			a.base + "/actors/epsilon declined " + founded.Actor,
			d.base + "/actors/delta accepted " + founded.Actor,
		})
	})
	if got := sharesOf(t, zeta, "received"); !slices.Equal(got, []string{sharer + " pending " + founded.Actor}) {
		t.Errorf("ZETA's share after DELTA answered: %v", got)
	}

	// An endorsement shared with the network's feed.
	if status := outsider.api(t, "POST", "/endorsements", map[string]any{"target": handle(d), "comment": "Fine.",
		"networks": []string{handleBF}}, nil); status != http.StatusBadRequest {
		t.Errorf("an endorsement shared with a network by a non-member = %d, want 400", status)
	}
	var endorsement struct{ ID string }
	if status := d.api(t, "POST", "/endorsements", map[string]any{"target": handle(b), "comment": "BETA runs the best maker badges.",
		"networks": []string{"acct:" + handleBF}}, &endorsement); status != http.StatusCreated {
		t.Fatalf("DELTA endorses BETA, shared with the network = %d", status)
	}
	endorsed := func(p *peer) []string {
		var feed struct {
			Items []struct {
				Endorsement, Content string
				AuthorName           string `json:"author_name"`
				EndorsedName         string `json:"endorsed_name"`
			}
		}
		p.api(t, "GET", "/network-feed", nil, &feed)
		var out []string
		for _, it := range feed.Items {
			if it.Endorsement != "" {
				out = append(out, it.AuthorName+" endorsed "+it.EndorsedName+" "+it.Endorsement+" "+
					strconv.FormatBool(strings.Contains(it.Content, "BETA runs the best maker badges.")))
			}
		}
		return out
	}
	want := []string{"DELTA endorsed BETA " + endorsement.ID + " true"}
	eventually(t, "the endorsement in every member's feed, once", func() bool {
		return slices.Equal(endorsed(b), want) && slices.Equal(endorsed(zeta), want) && slices.Equal(endorsed(epsilon), want)
	})
	eventually(t, "Kim's server got the endorsement once", func() bool {
		n := 0
		for _, del := range fedi.deliveries() {
			if obj, _ := del["object"].(map[string]any); del["type"] == "Announce" && obj != nil && strings.Contains(str(obj["content"]), "BETA runs the best") {
				n++
			}
		}
		return n == 1
	})
	if status, page := getWithToken(t, b, "/network?org=beta&tab=networks"); status != http.StatusOK || !strings.Contains(page, "DELTA endorsed BETA") {
		t.Errorf("BETA's networks tab = %d, lacks DELTA endorsed BETA", status)
	}

	// The profile: renamed, with a logo; bad logos are refused naming the
	// field.
	for _, bad := range []string{"data:image/png;base64,bm90IGEgcG5n", "not a data url"} {
		if status := a.call(t, "PATCH", "/api/v1/networks/badge-finland", map[string]any{"logo": bad}, nil); status != http.StatusBadRequest {
			t.Errorf("logo %q = %d, want 400", bad, status)
		}
	}
	logo, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	if status := epsilon.call(t, "PATCH", "/api/v1/networks/badge-finland", map[string]any{"name": "X"}, nil); status != http.StatusForbidden {
		t.Errorf("a profile change by a non-moderator = %d, want 403", status)
	}
	if status := a.call(t, "PATCH", "/api/v1/networks/badge-finland", map[string]any{"name": "Badge Suomi",
		"description": "Avoimet osaamismerkit.", "logo": "data:image/png;base64," + base64.StdEncoding.EncodeToString(logo)}, nil); status != http.StatusOK {
		t.Fatalf("rename the network with a logo = %d", status)
	}
	_, actor := getActivityJSON(t, founded.Actor)
	icon, _ := actor["icon"].(map[string]any)
	iconURL := str(icon["url"])
	if actor["name"] != "Badge Suomi" || !strings.HasPrefix(iconURL, a.base+"/networks/badge-finland/logo") {
		t.Fatalf("the Group after the change: name %v icon %v", actor["name"], actor["icon"])
	}
	if status, body := get(t, iconURL); status != http.StatusOK || body != string(logo) {
		t.Errorf("the logo = %d (%d bytes, want %d)", status, len(body), len(logo))
	}
	memberships := func(p *peer) []string {
		var list struct{ Items []struct{ Name string } }
		p.api(t, "GET", "/memberships", nil, &list)
		var out []string
		for _, m := range list.Items {
			out = append(out, m.Name)
		}
		return out
	}
	eventually(t, "the member nodes renamed their memberships", func() bool {
		return slices.Equal(memberships(b), []string{"Badge Suomi"}) && slices.Equal(memberships(zeta), []string{"Badge Suomi"}) &&
			slices.Equal(memberships(d), []string{"Badge Suomi"})
	})
	eventually(t, "Kim's server got the Update", func() bool {
		for _, del := range fedi.deliveries() {
			if obj, _ := del["object"].(map[string]any); del["type"] == "Update" && obj != nil && obj["id"] == founded.Actor && obj["name"] == "Badge Suomi" {
				icon, _ := obj["icon"].(map[string]any)
				return str(icon["url"]) == iconURL
			}
		}
		return false
	})
	if got := countRelays(t, a, founded.Actor, "Update", "Group"); got != 3 {
		t.Errorf("the Update went to %d inboxes, want 3 (B, D and Kim's server, once each)", got)
	}

	// The members collection: each member's Open Badges Profile and the
	// date it joined.
	_, page := getActivityJSON(t, founded.Actor+"/members?page=1")
	items, _ := page["orderedItems"].([]any)
	if len(items) != 5 {
		t.Fatalf("members collection: %d items, want 5", len(items))
	}
	for _, it := range items {
		m := it.(map[string]any)
		joined, err := time.Parse(time.RFC3339, str(m["joined"]))
		if err != nil || time.Since(joined) > time.Hour || !strings.HasSuffix(str(m["openBadgesProfile"]), "/ob/issuers/"+path.Base(str(m["id"]))) {
			t.Errorf("member %v: want its join date and Open Badges Profile", m)
		}
	}
}

func str(v any) string { s, _ := v.(string); return s }
