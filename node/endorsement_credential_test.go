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

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/vocab"
)

// credentialEndorsement is an endorsement as the API shows it, with its
// EndorsementCredential's URL.
type credentialEndorsement struct {
	ID, UUID, Subject, Credential string
}

// verifyReport is what POST /api/v1/verify answers, in part.
type verifyReport struct {
	Valid   bool
	Revoked bool
	Errors  []struct{ Name, Message string }
}

// verifyURL verifies the credential at u through p's POST /api/v1/verify.
func verifyURL(t *testing.T, p *peer, u string) verifyReport {
	t.Helper()
	var rep verifyReport
	if status := p.call(t, "POST", "/api/v1/verify", map[string]string{"url": u}, &rep); status != http.StatusOK {
		t.Fatalf("verify %s on %s = %d", u, p.org, status)
	}
	return rep
}

// getCredential GETs a credential as application/vc+ld+json.
func getCredential(t *testing.T, u string) ([]byte, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", vocab.CredentialContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, body)
	}
	return body, resp.Header.Get("Content-Type")
}

// credentialState is the state of an endorsement's credential on p.
func credentialState(t *testing.T, p *peer, endorsementID string) (string, string) {
	t.Helper()
	var state, problem string
	err := p.pool.QueryRow(context.Background(), `SELECT credential_state, credential_problem FROM endorsement WHERE endorsement_id = $1`,
		endorsementID).Scan(&state, &problem)
	if err != nil {
		return "", err.Error()
	}
	return state, problem
}

// embeddedIDs are the ids of the EndorsementCredentials a 3.0 document
// embeds in endorsement.
func embeddedIDs(doc map[string]any) []string {
	var ids []string
	for _, c := range vocab.Objects(doc["endorsement"]) {
		if id, _ := c["id"].(string); id != "" && c["proof"] != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestEndorsementCredentialsAcrossNodes: beta, on node B, endorses alpha
// (on node A) and one of alpha's badges. Each endorsement is a signed
// EndorsementCredential that B hosts and that verifies; it travels with
// the Create, and A shows the endorsements only once it has verified them,
// in its lists, in alpha's 3.0 Profile and in the credentials alpha then
// issues for the badge. A tampered credential in an incoming activity is
// never shown. Beta withdraws: the credential verifies as revoked on both
// nodes.
func TestEndorsementCredentialsAcrossNodes(t *testing.T) {
	a := startPeer(t, "127.0.0.2", "alpha", "FI")
	b := startPeer(t, "127.0.0.3", "beta", "DE")
	ctx := context.Background()
	badge := a.createBadge(t, map[string]any{"name": "Robot builder", "description": "Builds robots.",
		"criteria": map[string]string{"narrative": "Build one."}})
	other := a.createBadge(t, map[string]any{"name": "Welder", "description": "Welds.",
		"criteria": map[string]string{"narrative": "Weld."}})

	var ofOrg, ofBadge credentialEndorsement
	if status := b.api(t, "POST", "/endorsements", map[string]string{"target": handle(a), "comment": "A reliable partner."}, &ofOrg); status != http.StatusCreated {
		t.Fatalf("beta endorses alpha = %d", status)
	}
	if status := b.api(t, "POST", "/endorsements", map[string]string{"target": handle(a), "subject": badge.ID, "comment": "Rigorous criteria."}, &ofBadge); status != http.StatusCreated {
		t.Fatalf("beta endorses alpha's badge = %d", status)
	}
	for _, e := range []credentialEndorsement{ofOrg, ofBadge} {
		if e.Credential != b.base+"/ob/v3/endorsements/"+e.UUID {
			t.Fatalf("endorsement %s carries credential %q", e.ID, e.Credential)
		}
		doc, ct := getCredential(t, e.Credential)
		if ct != vocab.CredentialContentType {
			t.Errorf("GET %s: Content-Type %s", e.Credential, ct)
		}
		var c map[string]any
		if err := json.Unmarshal(doc, &c); err != nil || c["proof"] == nil || !vocab.IsEndorsementCredential(c) {
			t.Fatalf("GET %s: %s", e.Credential, doc)
		}
		// The signed JSON itself verifies, and so does its URL, on both nodes.
		var rep verifyReport
		if status := a.call(t, "POST", "/api/v1/verify", map[string]json.RawMessage{"credential": doc}, &rep); status != 200 || !rep.Valid {
			t.Errorf("verify the JSON of %s on A = %d %+v", e.Credential, status, rep)
		}
		if rep := verifyURL(t, b, e.Credential); !rep.Valid {
			t.Errorf("verify %s on B: %+v", e.Credential, rep)
		}
	}

	// A forged endorsement of alpha's other badge: beta's credential with
	// its subject and comment changed, signed as beta's actor.
	genuine, _ := getCredential(t, ofBadge.Credential)
	var forgedCredential map[string]any
	_ = json.Unmarshal(genuine, &forgedCredential)
	forgedCredential["id"] = b.base + "/ob/v3/endorsements/00000000-0000-4000-8000-000000000001"
	forgedCredential["credentialSubject"] = map[string]any{"id": other.ID, "type": []string{"EndorsementSubject"}, "endorsementComment": "Superb."}
	forgedID := b.base + "/ob/endorsements/00000000-0000-4000-8000-000000000001"
	betaActor := b.base + "/actors/beta"
	forged, _ := json.Marshal(map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", map[string]any{"laurel": federation.LaurelNamespace,
			"endorsementCredential": map[string]any{"@id": "laurel:endorsementCredential", "@type": "@json"}}},
		"id": betaActor + "/activities/forged", "type": "Create", "actor": betaActor, "to": []string{a.base + "/actors/alpha"},
		"object": map[string]any{"@context": "https://w3id.org/openbadges/v2", "id": forgedID, "type": "Endorsement",
			"claim":  map[string]any{"id": other.ID, "endorsementComment": "Superb."},
			"issuer": b.base + "/ob/issuers/beta", "issuedOn": time.Now().UTC().Format(time.RFC3339),
			"verification": map[string]any{"type": "hosted"}, "endorsementCredential": forgedCredential},
	})
	key, err := federation.SigningKey(ctx, b.pool, "beta")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", a.base+"/inbox", bytes.NewReader(forged))
	req.Header.Set("Content-Type", federation.ActivityJSON)
	if err := signature.SignRequest(req, betaActor+"#main-key", key, forged, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("the forged Create = %d", resp.StatusCode)
	}

	// A verifies both genuine credentials before showing them, and rejects
	// the forged one.
	received := func() []credentialEndorsement {
		var list struct{ Items []credentialEndorsement }
		a.api(t, "GET", "/endorsements?direction=received", nil, &list)
		return list.Items
	}
	eventually(t, "alpha shows both endorsements, verified", func() bool {
		list := received()
		return len(list) == 2 && list[0].Credential != "" && list[1].Credential != ""
	})
	for _, e := range []credentialEndorsement{ofOrg, ofBadge} {
		if state, problem := credentialState(t, a, e.ID); state != "verified" {
			t.Errorf("on A, the credential of %s is %s %s", e.ID, state, problem)
		}
		if !slices.ContainsFunc(received(), func(r credentialEndorsement) bool { return r.ID == e.ID && r.Credential == e.Credential }) {
			t.Errorf("A's list lacks %s with its credential", e.ID)
		}
	}
	eventually(t, "A rejected the forged credential", func() bool {
		state, _ := credentialState(t, a, forgedID)
		return state == "rejected"
	})
	if _, problem := credentialState(t, a, forgedID); !strings.Contains(problem, "signature") {
		t.Errorf("the forged credential was rejected for %q, want its signature", problem)
	}
	_, otherDoc := fetchLD(t, other.ID)
	if ids := endorsementIDs(otherDoc); len(ids) != 0 {
		t.Errorf("the other badge shows the forged endorsement: %v", ids)
	}

	// Alpha's 3.0 Profile embeds the organisation's endorsement; a
	// credential alpha issues for the badge embeds the badge's.
	_, profile := fetchLD(t, a.base+"/ob/v3/issuers/alpha")
	if ids := embeddedIDs(profile); !slices.Equal(ids, []string{ofOrg.Credential}) {
		t.Errorf("alpha's 3.0 Profile embeds %v, want %s", ids, ofOrg.Credential)
	}
	a.makeIssuer(t)
	var issued struct{ Credential string }
	if status := a.api(t, "POST", "/badges/"+badge.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "email", "identity": "eva@example.org"}}, &issued); status != http.StatusCreated || issued.Credential == "" {
		t.Fatalf("issue = %d, credential %q", status, issued.Credential)
	}
	raw, _ := getCredential(t, issued.Credential)
	var obc struct {
		CredentialSubject struct{ Achievement map[string]any } `json:"credentialSubject"`
	}
	_ = json.Unmarshal(raw, &obc)
	if ids := embeddedIDs(obc.CredentialSubject.Achievement); !slices.Equal(ids, []string{ofBadge.Credential}) {
		t.Errorf("the issued credential's achievement embeds %v, want %s", ids, ofBadge.Credential)
	}
	if rep := verifyURL(t, a, issued.Credential); !rep.Valid {
		t.Errorf("the credential with the embedded endorsement: %+v", rep)
	}

	// Beta withdraws: revoked at once, on both nodes; A stops showing it.
	if status := b.api(t, "DELETE", "/endorsements/"+ofOrg.UUID, nil, nil); status != http.StatusOK {
		t.Fatalf("withdraw = %d", status)
	}
	for _, p := range []*peer{a, b} {
		if rep := verifyURL(t, p, ofOrg.Credential); rep.Valid || !rep.Revoked {
			t.Errorf("the withdrawn credential on %s's node: %+v", p.org, rep)
		}
	}
	if rep := verifyURL(t, a, ofBadge.Credential); !rep.Valid {
		t.Errorf("the other credential after the withdrawal: %+v", rep)
	}
	eventually(t, "alpha no longer shows the withdrawn endorsement", func() bool {
		list := received()
		return len(list) == 1 && list[0].ID == ofBadge.ID
	})
	_, profile = fetchLD(t, a.base+"/ob/v3/issuers/alpha")
	if ids := embeddedIDs(profile); len(ids) != 0 {
		t.Errorf("alpha's 3.0 Profile still embeds %v", ids)
	}
}
