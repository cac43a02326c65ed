package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/vocab"
)

// personEndorsement is an individual endorsement as the API shows it.
type personEndorsement struct {
	Credential    string `json:"credential"`
	ID            string `json:"id"`
	EndorsementID string `json:"endorsement_id"`
	Endorser      string `json:"endorser"`
	EndorserName  string `json:"endorser_name"`
	Assertion     string `json:"assertion_id"`
	BadgePage     string `json:"badge_page"`
	Comment       string `json:"comment"`
	State         string `json:"state"`
}

type personEndorsements struct{ Items []personEndorsement }

type endorsementRequests struct {
	Items []struct{ ID, Target, State string }
}

// issueToPerson makes the organisation of peer a (given an email address,
// which issuers need) issue a badge to the person with handle.
func issueToPerson(t *testing.T, a *peer, name, handle string) string {
	t.Helper()
	a.makeIssuer(t)
	badge := a.createBadge(t, map[string]any{"name": name, "description": "Robots across servers.",
		"criteria": map[string]string{"narrative": "Build one."}})
	var issued struct{ ID string }
	if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "actor", "identity": handle},
	}, &issued); status != http.StatusCreated {
		t.Fatalf("issue = %d", status)
	}
	return issued.ID
}

// getAs fetches a URL anonymously with an Accept header.
func getAs(t *testing.T, u, accept string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestPassportSocialAcrossThreeNodes: ALPHA on node A issues a badge (Open
// Badges 2.0 and 3.0) to Bea on node B, who keeps it public. Carla and
// Cleo on node C endorse it, having been asked to; Bea accepts Carla's
// endorsement and declines Cleo's. Carla congratulates, Cleo comments and
// follows ALPHA. Then B's page of the badge lists exactly Carla's
// endorsement, C hosts both as valid Open Badges 2.0 Endorsements and as
// EndorsementCredentials that B verified before showing them and that
// every node verifies; GAMMA, C's organisation, endorses the badge class,
// which A verifies; withdrawing or deleting revokes each credential, an
// edit issues a new one; A's followers include Cleo. (Issue 13's
// three-node test.)
func TestPassportSocialAcrossThreeNodes(t *testing.T) {
	ctx := context.Background()
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	c := startPeer(t, "127.0.0.4", "gamma", "SE")
	hostB, hostC := b.node.BaseURL().Host, c.node.BaseURL().Host

	// Carla is C's staff member, named; Cleo a second person there.
	carlaUser, err := account.UserByUsername(ctx, c.pool, "staff")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := account.UpdateProfile(ctx, c.pool, carlaUser.ID, account.Profile{Name: "Carla Gamma", Public: true}); err != nil {
		t.Fatal(err)
	}
	carla := c
	cleoUser, err := account.CreateUser(ctx, c.pool, account.NewUser{Username: "cleo", Email: "cleo@gamma.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := account.CreateToken(ctx, c.pool, cleoUser.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	cleo := &peer{base: c.base, token: token}
	carlaActor, cleoActor := c.base+"/actors/staff", c.base+"/actors/cleo"

	// Issue, accept into Bea's backpack, make public.
	assertion := issueToPerson(t, a, "Federated robotics", "acct:staff@"+hostB)
	var item backpackItem
	eventually(t, "the badge arrived verified in Bea's backpack", func() bool {
		var list backpack
		b.call(t, "GET", "/api/v1/me/badges?state=pending", nil, &list)
		if len(list.Items) != 1 {
			return false
		}
		item = list.Items[0]
		return item.Verified
	})
	if status := b.call(t, "POST", "/api/v1/me/badges/"+item.ID+"/accept", nil, &item); status != http.StatusOK {
		t.Fatalf("accept = %d", status)
	}
	if status := b.call(t, "PUT", "/api/v1/me/badges/"+item.ID, map[string]string{"visibility": "public"}, &item); status != http.StatusOK {
		t.Fatalf("make public = %d", status)
	}
	page := item.PublicPage
	if page != b.base+"/u/staff/badges/"+item.ID || item.AssertionID != assertion {
		t.Fatalf("the public badge: %+v", item)
	}

	// Bea asks Cleo by handle; Cleo's node shows her the request.
	var asked struct{ ID, State, Target string }
	if status := b.call(t, "POST", "/api/v1/me/badges/"+item.ID+"/endorsement-requests",
		map[string]string{"handle": "acct:cleo@" + hostC, "message": "Would you endorse my robotics badge?"}, &asked); status != http.StatusCreated ||
		asked.State != "pending" || asked.Target != cleoActor {
		t.Fatalf("ask Cleo = %d %+v", status, asked)
	}
	if status := b.call(t, "POST", "/api/v1/me/badges/"+item.ID+"/endorsement-requests",
		map[string]string{"handle": "acct:cleo@" + hostC}, nil); status != http.StatusConflict {
		t.Fatalf("asking Cleo twice = %d, want 409", status)
	}
	eventually(t, "Cleo's node shows her Bea's request", func() bool {
		var list endorsementRequests
		cleo.call(t, "GET", "/api/v1/me/endorsement-requests?direction=received", nil, &list)
		return len(list.Items) == 1 && list.Items[0].State == "pending"
	})

	// Carla and Cleo endorse; bad endorsements are refused on C.
	for _, tc := range []struct {
		name    string
		by      *peer
		comment string
		want    int
	}{
		{"too short", carla, "Nice", http.StatusBadRequest},
		{"with script", carla, "Great<script>alert(1)</script> work", http.StatusBadRequest},
		{"Carla", carla, "Bea built and programmed **three** robots in our lab. Excellent work.", http.StatusCreated},
		{"Carla again", carla, "Once more with feeling.", http.StatusConflict},
		{"Cleo", cleo, "Solid work, though I only saw the final demo.", http.StatusCreated},
	} {
		if status := tc.by.call(t, "POST", "/api/v1/me/endorsements", map[string]string{"badge": page, "comment": tc.comment}, nil); status != tc.want {
			t.Fatalf("%s: endorse = %d, want %d", tc.name, status, tc.want)
		}
	}
	if status := b.call(t, "POST", "/api/v1/me/endorsements", map[string]string{"badge": page, "comment": "My own badge is great."}, nil); status != http.StatusBadRequest {
		t.Fatalf("the earner endorsing her own badge = %d, want 400", status)
	}
	given := func(p *peer) personEndorsement {
		t.Helper()
		var list personEndorsements
		p.call(t, "GET", "/api/v1/me/endorsements?direction=given", nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("given endorsements: %+v", list)
		}
		return list.Items[0]
	}
	carlaE, cleoE := given(carla), given(cleo)
	if carlaE.Assertion != assertion || carlaE.BadgePage != page || !strings.HasPrefix(carlaE.EndorsementID, c.base+"/ob/person-endorsements/") {
		t.Fatalf("Carla's endorsement on C: %+v", carlaE)
	}

	// Bea sees both pending, accepts Carla's and declines Cleo's.
	var pending personEndorsements
	eventually(t, "both endorsements reached Bea, pending", func() bool {
		pending = personEndorsements{}
		b.call(t, "GET", "/api/v1/me/endorsements?state=pending", nil, &pending)
		return len(pending.Items) == 2
	})
	for _, e := range pending.Items {
		answer := "decline"
		if e.EndorsementID == carlaE.EndorsementID {
			answer = "accept"
			if e.EndorserName != "Carla Gamma" || e.Endorser != carlaActor {
				t.Fatalf("Carla's endorsement on B: %+v", e)
			}
		}
		if status := b.call(t, "POST", "/api/v1/me/endorsements/"+e.ID+"/"+answer, nil, nil); status != http.StatusOK {
			t.Fatalf("%s = %d", answer, status)
		}
	}
	eventually(t, "C learned Bea's answers", func() bool {
		return given(carla).State == "accepted" && given(cleo).State == "declined"
	})
	// Bea's request to Cleo is endorsed, on both sides.
	var sent endorsementRequests
	b.call(t, "GET", "/api/v1/me/endorsement-requests", nil, &sent)
	var received endorsementRequests
	cleo.call(t, "GET", "/api/v1/me/endorsement-requests?direction=received", nil, &received)
	if len(sent.Items) != 1 || sent.Items[0].State != "endorsed" || len(received.Items) != 1 || received.Items[0].State != "endorsed" {
		t.Fatalf("the request, on B %+v and on C %+v", sent, received)
	}

	// One congratulation, once; one comment, without script.
	if status := carla.call(t, "POST", "/api/v1/me/congratulations", map[string]string{"badge": page}, nil); status != http.StatusNoContent {
		t.Fatalf("congratulate = %d", status)
	}
	if status := carla.call(t, "POST", "/api/v1/me/congratulations", map[string]string{"badge": page}, nil); status != http.StatusConflict {
		t.Fatalf("congratulating twice = %d, want 409", status)
	}
	if status := cleo.call(t, "POST", "/api/v1/me/comments", map[string]string{"badge": page, "content": "Hi<script>alert(1)</script>"}, nil); status != http.StatusBadRequest {
		t.Fatalf("a comment with script = %d, want 400", status)
	}
	var comment struct{ ID string }
	if status := cleo.call(t, "POST", "/api/v1/me/comments", map[string]string{"badge": page, "content": "Congratulations from Sweden!"}, &comment); status != http.StatusCreated {
		t.Fatalf("comment = %d", status)
	}

	// A Like signed by another actor than its own is refused.
	instanceKey, err := federation.SigningKey(ctx, c.pool, federation.InstanceUsername)
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": cleoActor + "/activities/forged-like", "type": "Like", "actor": cleoActor, "object": page})
	req, _ := http.NewRequest("POST", b.base+"/inbox", bytes.NewReader(forged))
	req.Header.Set("Content-Type", federation.ActivityJSON)
	if err := signature.SignRequest(req, c.base+"/actors/"+federation.InstanceUsername+"#main-key", instanceKey, forged, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a forged Like = %d, want 401", resp.StatusCode)
	}

	// Cleo follows the issuer.
	if status := cleo.call(t, "POST", "/api/v1/me/following", map[string]string{"target": "acct:alpha@" + a.node.BaseURL().Host}, nil); status != http.StatusAccepted {
		t.Fatalf("follow ALPHA = %d", status)
	}
	eventually(t, "ALPHA's followers include Cleo", func() bool {
		var list follows
		a.api(t, "GET", "/followers", nil, &list)
		return slices.ContainsFunc(list.Items, func(f struct{ Actor, State string }) bool {
			return f.Actor == cleoActor && f.State == "accepted"
		})
	})

	// B's badge page: Carla's endorsement and nobody else's, one
	// congratulation, one comment.
	eventually(t, "B's page shows the congratulation and the comment", func() bool {
		_, html := get(t, page)
		return strings.Contains(html, `<strong>1</strong> congratulation</span>`) && strings.Contains(html, "Congratulations from Sweden!")
	})
	status, html := get(t, page)
	if status != http.StatusOK || !strings.Contains(html, "This badge is endorsed by these individuals") ||
		!strings.Contains(html, "Carla Gamma") || !strings.Contains(html, "<strong>three</strong> robots") ||
		strings.Contains(html, "only saw the final demo") || !strings.Contains(html, `href="/u/staff/badges/`+item.ID+`.json"`) {
		t.Fatalf("B's public page of the badge:\n%s", html)
	}
	listed := func() []any {
		t.Helper()
		status, raw := getAs(t, page+".json", vocab.ContentType)
		var doc map[string]any
		if status != http.StatusOK || json.Unmarshal(raw, &doc) != nil || doc["id"] != assertion {
			t.Fatalf("the badge's JSON-LD = %d %s", status, raw)
		}
		list, _ := doc["endorsement"].([]any)
		return list
	}
	if got := listed(); !slices.Equal(got, []any{carlaE.EndorsementID}) {
		t.Fatalf("the badge's JSON-LD lists %v, want Carla's endorsement alone", got)
	}
	// As ActivityStreams, for other nodes.
	status, raw := getAs(t, page, federation.ActivityJSON)
	var obj struct {
		AttributedTo string
		Likes        struct{ TotalItems int }
		Replies      struct{ TotalItems int }
	}
	if status != http.StatusOK || json.Unmarshal(raw, &obj) != nil || obj.AttributedTo != b.base+"/actors/staff" ||
		obj.Likes.TotalItems != 1 || obj.Replies.TotalItems != 1 {
		t.Fatalf("the page as ActivityStreams = %d %s", status, raw)
	}

	// C hosts both endorsements, as valid Open Badges 2.0.
	for _, e := range []personEndorsement{carlaE, cleoE} {
		status, raw := getAs(t, e.EndorsementID, vocab.ContentType)
		var doc map[string]any
		if status != http.StatusOK || json.Unmarshal(raw, &doc) != nil {
			t.Fatalf("%s = %d %s", e.EndorsementID, status, raw)
		}
		if problems := vocab.Check("Endorsement", doc); len(problems) != 0 {
			t.Fatalf("%s: %v", e.EndorsementID, problems)
		}
		if _, err := vocab.Expand(raw); err != nil {
			t.Fatalf("%s does not expand cleanly: %v", e.EndorsementID, err)
		}
		claim, _ := doc["claim"].(map[string]any)
		issuerID, _ := doc["issuer"].(string)
		if claim["id"] != assertion || !strings.HasPrefix(issuerID, c.base+"/ob/people/") {
			t.Fatalf("%s: %v", e.EndorsementID, doc)
		}
		status, raw = getAs(t, issuerID, vocab.ContentType)
		var profile map[string]any
		if status != http.StatusOK || json.Unmarshal(raw, &profile) != nil || len(vocab.Check("Profile", profile)) != 0 ||
			!strings.HasPrefix(profile["url"].(string), c.base+"/people/") {
			t.Fatalf("the endorser's Profile %s = %d %s", issuerID, status, raw)
		}
	}

	// Each endorsement is also an EndorsementCredential signed by its
	// endorser's own key on C, which B verified before showing it, and
	// which verifies on every node.
	for _, e := range []personEndorsement{carlaE, cleoE} {
		if !strings.HasPrefix(e.Credential, c.base+"/ob/v3/person-endorsements/") {
			t.Fatalf("endorsement %s carries credential %q", e.EndorsementID, e.Credential)
		}
		var state string
		if err := b.pool.QueryRow(ctx, `SELECT credential_state FROM person_endorsement WHERE endorsement_id = $1`, e.EndorsementID).Scan(&state); err != nil || state != "verified" {
			t.Errorf("on B the credential of %s is %q (%v), want verified", e.EndorsementID, state, err)
		}
		for _, p := range []*peer{a, b, c} {
			if rep := verifyURL(t, p, e.Credential); !rep.Valid {
				t.Errorf("%s's credential on %s: %+v", e.EndorserName, p.org, rep)
			}
		}
	}
	cleoCredential := cleoE.Credential

	// The badge on B is an Open Badges 3.0 credential of A's too; GAMMA,
	// the organisation on C, endorses the badge class: A verifies that
	// EndorsementCredential before showing it, and every node verifies it.
	if !slices.Contains(item.Standards, "ob3") || item.Credential == nil {
		t.Errorf("Bea's badge on B: standards %v, credential %v", item.Standards, item.Credential != nil)
	}
	_, rawAssertion := getAs(t, assertion, vocab.ContentType)
	var hostedAssertion struct{ Badge string }
	if err := json.Unmarshal(rawAssertion, &hostedAssertion); err != nil || hostedAssertion.Badge == "" {
		t.Fatalf("the assertion on A: %s", rawAssertion)
	}
	var ofClass credentialEndorsement
	if status := c.api(t, "POST", "/endorsements", map[string]string{"target": handle(a), "subject": hostedAssertion.Badge,
		"comment": "GAMMA recognises this robotics badge."}, &ofClass); status != http.StatusCreated || ofClass.Credential == "" {
		t.Fatalf("GAMMA endorses the badge class = %d %+v", status, ofClass)
	}
	eventually(t, "A verified GAMMA's EndorsementCredential", func() bool {
		state, _ := credentialState(t, a, ofClass.ID)
		return state == "verified"
	})
	for _, p := range []*peer{a, b, c} {
		if rep := verifyURL(t, p, ofClass.Credential); !rep.Valid {
			t.Errorf("GAMMA's credential on %s: %+v", p.org, rep)
		}
	}
	if status := c.api(t, "DELETE", "/endorsements/"+ofClass.UUID, nil, nil); status != http.StatusOK {
		t.Fatalf("GAMMA withdraws = %d", status)
	}
	for _, p := range []*peer{a, b, c} {
		if rep := verifyURL(t, p, ofClass.Credential); rep.Valid {
			t.Errorf("GAMMA's withdrawn credential still verifies on %s", p.org)
		}
	}

	// Carla edits (Bea's answer stays), Cleo deletes (410 at its id).
	if status := carla.call(t, "PUT", "/api/v1/me/endorsements/"+carlaE.ID, map[string]string{"comment": "Bea built **four** robots in our lab."}, nil); status != http.StatusOK {
		t.Fatalf("edit = %d", status)
	}
	if status := cleo.call(t, "DELETE", "/api/v1/me/endorsements/"+cleoE.ID, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete = %d", status)
	}
	eventually(t, "B shows Carla's edit and forgot Cleo's endorsement", func() bool {
		var all personEndorsements
		b.call(t, "GET", "/api/v1/me/endorsements", nil, &all)
		return len(all.Items) == 1 && all.Items[0].State == "accepted" && strings.Contains(all.Items[0].Comment, "four")
	})
	if status, _ := getAs(t, cleoE.EndorsementID, vocab.ContentType); status != http.StatusGone {
		t.Fatalf("the deleted endorsement = %d, want 410", status)
	}
	// Deleting revoked Cleo's credential; Carla's edit is a new credential,
	// which B verified again, and the old one is revoked.
	if rep := verifyURL(t, b, cleoCredential); rep.Valid {
		t.Errorf("Cleo's deleted endorsement's credential still verifies: %+v", rep)
	}
	edited := given(carla)
	if edited.Credential == carlaE.Credential || !verifyURL(t, a, edited.Credential).Valid || verifyURL(t, a, carlaE.Credential).Valid {
		t.Errorf("after the edit: credential %s (was %s)", edited.Credential, carlaE.Credential)
	}
	if got := listed(); !slices.Equal(got, []any{carlaE.EndorsementID}) {
		t.Fatalf("after the edit, the badge's JSON-LD lists %v", got)
	}
	if _, html := get(t, page); !strings.Contains(html, "<strong>four</strong> robots") {
		t.Fatalf("B's page after the edit:\n%s", html)
	}
	// The issuer's node is untouched: its assertion lists no individual
	// endorsements, which are the earner's to show.
	status, raw = getAs(t, assertion, vocab.ContentType)
	var hosted map[string]any
	if status != http.StatusOK || json.Unmarshal(raw, &hosted) != nil || hosted["endorsement"] != nil {
		t.Fatalf("the assertion on A = %d %s", status, raw)
	}

	// Cleo deletes her comment on her own node: it is gone from B's page.
	if status := cleo.call(t, "DELETE", "/api/v1/me/comments/"+comment.ID, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete the comment = %d", status)
	}
	eventually(t, "B's page no longer shows the comment", func() bool {
		_, html := get(t, page)
		return !strings.Contains(html, "Congratulations from Sweden!")
	})
}
