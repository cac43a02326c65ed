package network

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/statuslist"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// decode decodes a signed credential.
func decode(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatalf("credential is not JSON: %v in %s", err, doc)
	}
	return m
}

// orgKeys resolves the verification methods of a local organisation's 3.0
// Profile from the database, as a verifier resolves them from the Profile.
func orgKeys(pool *pgxpool.Pool, n *Network, o issuer.Organisation) dataintegrity.KeyResolver {
	return func(ctx context.Context, vm string, _ time.Time) (ed25519.PublicKey, error) {
		keys, err := issuer.CredentialKeys(ctx, pool, o.ID)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if n.urls.CredentialKey(o.Slug, k.Multibase) == vm {
				return dataintegrity.DecodeMultikey(k.Multibase)
			}
		}
		return nil, fmt.Errorf("%s is not a key of %s", vm, o.Slug)
	}
}

// statusBit reads the bit of a credential's status entry in a signed
// status list.
func statusBit(t *testing.T, credential map[string]any, list []byte) bool {
	t.Helper()
	entry, _ := credential["credentialStatus"].(map[string]any)
	index, err := strconv.Atoi(fmt.Sprint(entry["statusListIndex"]))
	if err != nil {
		t.Fatalf("status entry %v", entry)
	}
	subject, _ := decode(t, list)["credentialSubject"].(map[string]any)
	bits, err := statuslist.Decode(fmt.Sprint(subject["encodedList"]))
	if err != nil {
		t.Fatal(err)
	}
	set, err := bits.Bit(index)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestEndorsementCredentials: an organisation's endorsements of another
// organisation and of one of its badges are EndorsementCredentials signed
// with the endorser's key, listed by the endorsed Profile and embedded in
// the badge's new OpenBadgeCredentials, with entries in the endorser's
// one status list beside its OpenBadgeCredentials; withdrawing revokes them.
func TestEndorsementCredentials(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a, b := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE")
	badge := newBadge(t, pool, b)
	badgeID := n.urls.BadgeClass(badge.UUID)

	org, err := n.Endorse(ctx, a, "beta", "", "Trusted partner.")
	if err != nil {
		t.Fatal(err)
	}
	ofBadge, err := n.Endorse(ctx, a, "beta", badgeID, "Rigorous criteria.")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		e                Endorsement
		subject, comment string
	}{
		{org, n.urls.ProfileV3("beta"), "Trusted partner."},
		{ofBadge, badgeID, "Rigorous criteria."},
	} {
		if tc.e.Credential != n.urls.EndorsementCredential(tc.e.UUID) {
			t.Fatalf("endorsement %s has credential %q", tc.e.ID, tc.e.Credential)
		}
		doc, err := HostedCredential(ctx, pool, tc.e.UUID, false)
		if err != nil {
			t.Fatal(err)
		}
		c := decode(t, doc)
		if problems := vocab.CheckCredential(c); vocab.Invalid(problems) {
			t.Errorf("%s breaks the Open Badges 3.0 rules: %v", tc.e.Credential, problems)
		}
		if p, err := dataintegrity.Verify(ctx, c, orgKeys(pool, n, a), vocab.DocumentLoader(nil)); err != nil {
			t.Errorf("the proof of %s: %v", tc.e.Credential, err)
		} else if !strings.HasPrefix(p.VerificationMethod, n.urls.ProfileV3("alpha")+"#") {
			t.Errorf("signed with %s, not a key of alpha's Profile", p.VerificationMethod)
		}
		subject, _ := c["credentialSubject"].(map[string]any)
		iss, _ := c["issuer"].(map[string]any)
		status, _ := c["credentialStatus"].(map[string]any)
		if c["id"] != tc.e.Credential || subject["id"] != tc.subject || subject["endorsementComment"] != tc.comment ||
			iss["id"] != n.urls.ProfileV3("alpha") || status["statusListCredential"] != n.urls.StatusList("alpha") ||
			fmt.Sprint(c["type"]) != "[VerifiableCredential EndorsementCredential]" {
			t.Errorf("credential %s", doc)
		}
		jwt, err := HostedCredential(ctx, pool, tc.e.UUID, true)
		if err != nil || !strings.HasPrefix(string(jwt), "ey") {
			t.Errorf("VC-JWT %q, %v", jwt, err)
		}
	}
	// The API objects say where their credentials are.
	given, err := n.Endorsements(ctx, a, Given, "")
	if err != nil || len(given) != 2 || given[0].Credential == "" || given[1].Credential == "" {
		t.Fatalf("given = %+v, %v", given, err)
	}

	// The endorsed Profile and badge list them.
	for subject, want := range map[string]string{n.urls.Profile("beta"): org.Credential, badgeID: ofBadge.Credential} {
		list, err := CredentialsOf(ctx, pool, subject)
		if err != nil || len(list) != 1 || credentialID(list[0]) != want {
			t.Fatalf("CredentialsOf(%s) = %d, %v", subject, len(list), err)
		}
	}

	// A new OpenBadgeCredential of the badge embeds its endorsement, and
	// its proof (over the embedded one's) verifies.
	if _, err := pool.Exec(ctx, `UPDATE organisation SET email = 'beta@example.org' WHERE id = $1`, b.ID); err != nil {
		t.Fatal(err)
	}
	b, _ = issuer.OrganisationBySlug(ctx, pool, "beta")
	hooks := issuer.Hooks{BadgeEndorsementCredentials: func(ctx context.Context, tx pgx.Tx, id string) ([]json.RawMessage, error) {
		return CredentialsOf(ctx, tx, id)
	}}
	issued, err := issuer.Issue(ctx, pool, account.NodeActor(), hooks, n.urls, b, badge, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "eva@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := issuer.CredentialJSON(ctx, pool, issued[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	obc := decode(t, raw)
	if _, err := dataintegrity.Verify(ctx, obc, orgKeys(pool, n, b), vocab.DocumentLoader(nil)); err != nil {
		t.Fatalf("the proof of the OpenBadgeCredential with an embedded endorsement: %v", err)
	}
	cs, _ := obc["credentialSubject"].(map[string]any)
	ach, _ := cs["achievement"].(map[string]any)
	embedded := vocab.Objects(ach["endorsement"])
	if len(embedded) != 1 || embedded[0]["id"] != ofBadge.Credential || embedded[0]["proof"] == nil {
		t.Fatalf("the achievement embeds %v", ach["endorsement"])
	}
	if _, err := dataintegrity.Verify(ctx, embedded[0], orgKeys(pool, n, a), vocab.DocumentLoader(nil)); err != nil {
		t.Fatalf("the embedded EndorsementCredential's proof: %v", err)
	}

	// Withdrawal sets its bit in alpha's list at once; the other stays clear.
	orgDoc, _ := HostedCredential(ctx, pool, org.UUID, false)
	badgeDoc, _ := HostedCredential(ctx, pool, ofBadge.UUID, false)
	list, err := issuer.StatusListJSON(ctx, pool, n.urls, a)
	if err != nil {
		t.Fatal(err)
	}
	if statusBit(t, decode(t, orgDoc), list) || statusBit(t, decode(t, badgeDoc), list) {
		t.Fatal("a current endorsement's credential is revoked")
	}
	if _, err := n.Withdraw(ctx, a, org.UUID); err != nil {
		t.Fatal(err)
	}
	list, _ = issuer.StatusListJSON(ctx, pool, n.urls, a)
	if !statusBit(t, decode(t, orgDoc), list) || statusBit(t, decode(t, badgeDoc), list) {
		t.Fatal("withdrawal did not revoke exactly its credential")
	}
	if still, err := HostedCredential(ctx, pool, org.UUID, false); err != nil || string(still) != string(orgDoc) {
		t.Fatalf("a withdrawn endorsement's credential is no longer served: %v", err)
	}
	if left, _ := CredentialsOf(ctx, pool, n.urls.Profile("beta")); len(left) != 0 {
		t.Fatalf("the Profile still lists the withdrawn endorsement")
	}
	// The subject taking one off revokes it too.
	if _, err := n.Remove(ctx, b, ofBadge.ID); err != nil {
		t.Fatal(err)
	}
	list, _ = issuer.StatusListJSON(ctx, pool, n.urls, a)
	if !statusBit(t, decode(t, badgeDoc), list) {
		t.Fatal("removal did not revoke the credential")
	}
	// One allocator: the three credentials hold three distinct indexes of
	// their organisations' lists.
	var distinct, all int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT (organisation_id, status_index)), count(*) FROM credential`).Scan(&distinct, &all); err != nil || distinct != 3 || all != 3 {
		t.Fatalf("credential rows: %d distinct of %d (%v)", distinct, all, err)
	}
}

// TestExternalEndorsementCredential: an external endorser's endorsement is
// an EndorsementCredential issued by its own 3.0 Profile, signed with the
// key that Profile lists, and revoked in its own status list when the
// endorsed organisation takes it off.
func TestExternalEndorsementCredential(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	o := newOrg(t, pool, "alpha", "FI")
	_, token := invite(t, pool, mailQueue(t, pool), o, "eve@example.org", "")
	e, err := EndorseExternal(ctx, pool, n.urls, token, "Eve", "", "Fair and open.")
	if err != nil {
		t.Fatal(err)
	}
	x, err := ExternalEndorserByUUID(ctx, pool, strings.TrimPrefix(e.Profile, "https://laurel.example/ob/endorsers/"))
	if err != nil {
		t.Fatal(err)
	}
	profile, err := x.DocumentV3(n.urls)
	if err != nil || profile.ID != EndorserProfileV3ID(n.urls, x.UUID) || len(profile.VerificationMethod) != 1 ||
		!slices.Equal(profile.AssertionMethod, []string{profile.VerificationMethod[0].ID}) {
		t.Fatalf("the endorser's 3.0 Profile %+v, %v", profile, err)
	}
	if e.Credential != n.urls.EndorsementCredential(e.UUID) {
		t.Fatalf("credential %q", e.Credential)
	}
	doc, err := HostedCredential(ctx, pool, e.UUID, false)
	if err != nil {
		t.Fatal(err)
	}
	c := decode(t, doc)
	keys := func(_ context.Context, vm string, _ time.Time) (ed25519.PublicKey, error) {
		if vm != profile.VerificationMethod[0].ID {
			return nil, errors.New("not the endorser's key")
		}
		return dataintegrity.DecodeMultikey(profile.VerificationMethod[0].PublicKeyMultibase)
	}
	if _, err := dataintegrity.Verify(ctx, c, keys, vocab.DocumentLoader(nil)); err != nil {
		t.Fatalf("the proof: %v", err)
	}
	subject, _ := c["credentialSubject"].(map[string]any)
	iss, _ := c["issuer"].(map[string]any)
	if iss["id"] != profile.ID || iss["name"] != "Eve" || subject["id"] != n.urls.ProfileV3("alpha") {
		t.Fatalf("credential %s", doc)
	}
	list, err := x.StatusListJSON(ctx, pool, n.urls)
	if err != nil {
		t.Fatal(err)
	}
	if verifier.IssuerOf(decode(t, list)) != profile.ID || statusBit(t, c, list) {
		t.Fatalf("status list %s", list)
	}
	if _, err := n.Remove(ctx, o, e.ID); err != nil {
		t.Fatal(err)
	}
	list, _ = x.StatusListJSON(ctx, pool, n.urls)
	if !statusBit(t, c, list) {
		t.Fatal("taking the endorsement off did not revoke its credential")
	}
}

// otherNode is another Laurel node as far as a verifier sees it: an issuer
// Profile listing one credential key, and its revocation status list.
type otherNode struct {
	srv     *httptest.Server
	key     ed25519.PrivateKey
	revoked []int
}

func (o *otherNode) profile() string { return o.srv.URL + "/ob/v3/issuers/gamma" }
func (o *otherNode) vm() string {
	return o.profile() + "#" + dataintegrity.EncodeMultikey(o.key.Public().(ed25519.PublicKey))
}

func startOther(t *testing.T) *otherNode {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	o := &otherNode{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ob/v3/issuers/gamma", func(w http.ResponseWriter, r *http.Request) {
		p := vocab.IssuerProfile{ID: o.profile(), Type: []string{"Profile"}, Name: "Gamma",
			Context: []any{vocab.CredentialsContext, vocab.OB3Context, vocab.MultikeyContext, vocab.ProfileKeyTerms}}
		p.VerificationMethod, p.AssertionMethod = issuer.Multikeys([]issuer.CredentialKey{{Multibase: dataintegrity.EncodeMultikey(key.Public().(ed25519.PublicKey))}},
			p.ID, func(mb string) string { return p.ID + "#" + mb })
		_ = json.NewEncoder(w).Encode(p)
	})
	mux.HandleFunc("GET /ob/v3/issuers/gamma/status/revocation", func(w http.ResponseWriter, r *http.Request) {
		doc, err := issuer.SignStatusList(o.profile()+"/status/revocation", o.profile(), o.revoked, key, o.vm(), time.Now())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, _ = w.Write(doc)
	})
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	return o
}

// credential is an EndorsementCredential of gamma's, signed with key
// naming vm, with status index index.
func (o *otherNode) credential(t *testing.T, id, subjectID, comment string, key ed25519.PrivateKey, vm string, index int) map[string]any {
	t.Helper()
	c := endorsementCredential(id, vocab.IssuerProfile{ID: o.profile(), Type: []string{"Profile"}, Name: "Gamma"},
		subjectID, "Alpha", comment, time.Now().Add(-time.Minute))
	c.CredentialStatus = issuer.StatusEntryAt(o.profile()+"/status/revocation", index)
	doc, _, err := issuer.SignWithStatus(c, key, vm, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, doc)
}

// TestReceivedCredentialsVerified: an endorsement from another node that
// carries its EndorsementCredential is recorded unverified with a job,
// shown once the job verified the credential, and never shown when it
// does not verify (tampered, signed by another key, revoked, about
// something else) or its node stays unreachable; one without a credential
// is shown at once, as from a node that speaks only Open Badges 2.0; the
// same activity twice leaves the same state.
func TestReceivedCredentialsVerified(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	other := startOther(t)
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	n := New(pool, fed, issuer.URLs{Base: base}, nil, &verifier.Verifier{Client: other.srv.Client()})
	n.SetQueue(mailQueue(t, pool))
	newOrg(t, pool, "alpha", "FI")
	gammaActor := other.srv.URL + "/actors/gamma"
	gammaProfile := other.srv.URL + "/ob/issuers/gamma"
	if _, err := pool.Exec(ctx, `INSERT INTO remote_actor (id, host, username, inbox, key_id, public_key_pem,
		document, type, name, ob_profile) VALUES ($1, $2, 'gamma', $1 || '/inbox', $1 || '#main-key',
		'unused', '{}', 'Organization', 'Gamma', $3)`, gammaActor, vocab.HostOf(gammaActor), gammaProfile); err != nil {
		t.Fatal(err)
	}
	profile := n.urls.Profile("alpha")
	_, mallory, _ := ed25519.GenerateKey(nil)

	send := func(name, comment string, credential map[string]any) (Endorsement, string) {
		t.Helper()
		id := other.srv.URL + "/ob/endorsements/" + name
		obj := map[string]any{"id": id, "type": "Endorsement", "issuer": gammaProfile,
			"claim": map[string]any{"id": profile, "endorsementComment": comment}, "issuedOn": "2026-11-01T00:00:00Z"}
		if credential != nil {
			obj[CredentialProperty] = credential
		}
		in := incoming(map[string]any{"@context": activityContext(credential != nil), "id": gammaActor + "/activities/" + name,
			"type": "Create", "actor": gammaActor, "object": obj})
		outcome := apply(t, pool, n.receiveEndorsement, in)
		return Endorsement{ID: id}, outcome
	}
	shownIDs := func() []string {
		ids, err := EndorsementIDs(ctx, pool, profile)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	verify := func(id string, last bool) error {
		var row int64
		if err := pool.QueryRow(ctx, `SELECT id FROM endorsement WHERE endorsement_id = $1`, id).Scan(&row); err != nil {
			t.Fatal(err)
		}
		return n.VerifyCredential(ctx, row, last)
	}
	state := func(id string) (string, string) {
		s, r, err := CredentialProblem(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		return s, r
	}
	credID := func(name string) string { return other.srv.URL + "/ob/v3/endorsements/" + name }
	subject3 := n.urls.ProfileV3("alpha")

	// Valid: not shown until verified; then shown, with its credential.
	good := other.credential(t, credID("good"), subject3, "Good.", other.key, other.vm(), 7)
	e, outcome := send("good", "Good.", good)
	if outcome != "endorsement stored; its credential is being verified" || len(shownIDs()) != 0 {
		t.Fatalf("before verification: %q, shown %v", outcome, shownIDs())
	}
	var jobs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'network_endorsement_verify'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("%d verification jobs queued (%v)", jobs, err)
	}
	if _, again := send("good", "Good.", good); again != "ignored: already stored" {
		t.Fatalf("the same Create twice: %q", again)
	}
	if err := verify(e.ID, false); err != nil {
		t.Fatal(err)
	}
	if s, r := state(e.ID); s != CredentialVerified || !slices.Equal(shownIDs(), []string{e.ID}) {
		t.Fatalf("after verification: %s %q, shown %v", s, r, shownIDs())
	}
	list, _ := CredentialsOf(ctx, pool, profile)
	if len(list) != 1 || credentialID(list[0]) != credID("good") {
		t.Fatalf("the Profile lists %d credentials", len(list))
	}
	received, _ := EndorsementsOf(ctx, pool, profile)
	if len(received) != 1 || received[0].Credential != credID("good") {
		t.Fatalf("received %+v", received)
	}
	if err := verify(e.ID, false); err != nil { // a job run twice
		t.Fatal(err)
	}

	// Refused by the verifier: never shown, with the reason kept.
	tampered := other.credential(t, credID("tampered"), subject3, "Fine.", other.key, other.vm(), 8)
	tampered["credentialSubject"].(map[string]any)["endorsementComment"] = "Outstanding."
	revoked := other.credential(t, credID("revoked"), subject3, "Was good.", other.key, other.vm(), 9)
	other.revoked = []int{9}
	for _, tc := range []struct {
		name, comment string
		credential    map[string]any
		reason        string
	}{
		{"tampered", "Outstanding.", tampered, "signature"},
		{"mallory", "Mine.", other.credential(t, credID("mallory"), subject3, "Mine.", mallory, other.profile()+"#mallory", 10), "lists no verification method"},
		{"forged", "Forged.", other.credential(t, credID("forged"), subject3, "Forged.", mallory, other.vm(), 11), "signature"},
		{"revoked", "Was good.", revoked, "revoked"},
	} {
		e, _ := send(tc.name, tc.comment, tc.credential)
		if err := verify(e.ID, false); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if s, r := state(e.ID); s != CredentialRejected || !strings.Contains(r, tc.reason) {
			t.Errorf("%s: %s %q, want rejected for %q", tc.name, s, r, tc.reason)
		}
	}
	// Refused before any verification: not the endorsement's credential.
	for _, tc := range []struct {
		name, comment string
		credential    map[string]any
	}{
		{"elsewhere", "Else.", other.credential(t, credID("elsewhere"), n.urls.ProfileV3("beta"), "Else.", other.key, other.vm(), 12)},
		{"other-words", "Said.", other.credential(t, credID("other-words"), subject3, "Not said.", other.key, other.vm(), 13)},
		{"off-host", "Off.", other.credential(t, "https://third.example/ob/v3/endorsements/x", subject3, "Off.", other.key, other.vm(), 14)},
		{"another-issuer", "Theirs.", func() map[string]any {
			c := other.credential(t, credID("another-issuer"), subject3, "Theirs.", other.key, other.vm(), 16)
			c["issuer"] = map[string]any{"id": other.srv.URL + "/ob/v3/issuers/delta", "type": []string{"Profile"}, "name": "Delta"}
			return c
		}()},
	} {
		e, outcome := send(tc.name, tc.comment, tc.credential)
		if s, _ := state(e.ID); s != CredentialRejected || !strings.HasPrefix(outcome, "endorsement not shown") {
			t.Errorf("%s: %s, %q", tc.name, s, outcome)
		}
	}
	// (Each of gamma's endorsements of alpha replaced the one before, the
	// good one too: none of these took its place.)
	if got := shownIDs(); len(got) != 0 {
		t.Fatalf("shown: %v", got)
	}

	// Unreachable: tried again, then rejected on the last attempt.
	late := other.credential(t, credID("late"), subject3, "Late.", other.key, other.vm(), 15)
	e2, _ := send("late", "Late.", late)
	other.srv.Close()
	if err := verify(e2.ID, false); err == nil {
		t.Fatal("an unreachable issuer did not fail the attempt")
	}
	if s, _ := state(e2.ID); s != CredentialUnverified {
		t.Fatalf("after a failed attempt: %s", s)
	}
	if err := verify(e2.ID, true); err != nil {
		t.Fatal(err)
	}
	if s, r := state(e2.ID); s != CredentialRejected || !strings.Contains(r, "fetch") {
		t.Fatalf("after the last attempt: %s %q", s, r)
	}

	// From a node without credentials: shown at once.
	plain, outcome := send("plain", "Plain.", nil)
	if outcome != "endorsement stored" || !slices.Contains(shownIDs(), plain.ID) {
		t.Fatalf("a 2.0-only endorsement: %q, shown %v", outcome, shownIDs())
	}
}
