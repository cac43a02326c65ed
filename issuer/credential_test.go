package issuer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"
	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/statuslist"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

// verifyIndependently checks an eddsa-rdfc-2022 proof step by step as the
// W3C specification writes it, with json-gold, SHA-256 and Ed25519
// directly and none of Laurel's signing code: the public key is taken
// from the Multikey that the issuer's Profile lists under the proof's
// verificationMethod, decoded by hand (base58btc, 0xed01 prefix).
func verifyIndependently(t *testing.T, credential []byte, profile vocab.IssuerProfile) error {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(credential, &doc); err != nil {
		t.Fatal(err)
	}
	proof, ok := doc["proof"].(map[string]any)
	if !ok {
		return errors.New("no proof object")
	}
	if proof["type"] != "DataIntegrityProof" || proof["cryptosuite"] != "eddsa-rdfc-2022" || proof["proofPurpose"] != "assertionMethod" {
		return errors.New("not an eddsa-rdfc-2022 assertion proof")
	}
	issuerID := doc["issuer"]
	if m, ok := issuerID.(map[string]any); ok {
		issuerID = m["id"]
	}
	if issuerID != profile.ID {
		return errors.New("issuer is not the profile")
	}
	var pub ed25519.PublicKey
	for _, m := range profile.VerificationMethod {
		if m.ID == proof["verificationMethod"] && m.Controller == profile.ID && m.Type == "Multikey" {
			raw, err := base58.Decode(strings.TrimPrefix(m.PublicKeyMultibase, "z"))
			if err != nil || len(raw) != 34 || raw[0] != 0xed || raw[1] != 0x01 {
				return errors.New("bad publicKeyMultibase")
			}
			pub = raw[2:]
		}
	}
	if pub == nil {
		return errors.New("the profile does not list the verification method")
	}
	sig, err := base58.Decode(strings.TrimPrefix(proof["proofValue"].(string), "z"))
	if err != nil {
		return err
	}
	delete(doc, "proof")
	config := map[string]any{}
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	config["@context"] = doc["@context"]
	canon := func(v map[string]any) []byte {
		opts := ld.NewJsonLdOptions("")
		opts.Algorithm = ld.AlgorithmURDNA2015
		opts.Format = "application/n-quads"
		opts.DocumentLoader = vocab.DocumentLoader(nil) // the context files, no network
		out, err := ld.NewJsonLdProcessor().Normalize(v, opts)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(out.(string))
	}
	ph := sha256.Sum256(canon(config))
	dh := sha256.Sum256(canon(doc))
	if !ed25519.Verify(pub, append(ph[:], dh[:]...), sig) {
		return errors.New("signature does not verify")
	}
	return nil
}

func TestIssueOpenBadgeCredential(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "obf")
	in := validBadge(t)
	in.Alignments[0].TargetFramework = "ESCO v1.2.0"
	in.Alignments[0].TargetCode = "7111b95d-0ce3-441a-9d92-4c75d05c4388"
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: "email", Identity: "Maria@Example.org"}, IssuedOn: &issued,
			Evidence: []vocab.Evidence{{ID: "https://example.org/work", Narrative: "Led the pilot."}}, Narrative: "Ran the spring project."},
		{Recipient: issuer.Recipient{Kind: "actor", Identity: "https://social.example/users/jo"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !list[0].HasCredential {
		t.Fatal("no credential issued by default")
	}
	raw, a, err := issuer.CredentialJSON(ctx, db, list[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	if a.UUID != list[0].UUID {
		t.Fatalf("assertion %s", a.UUID)
	}
	var c struct {
		vocab.Credential
		Proof map[string]any `json:"proof"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	subj, ach := c.CredentialSubject, c.CredentialSubject.Achievement
	checks := []struct {
		what      string
		got, want any
	}{
		{"@context", strings.Join(c.Context, " "), vocab.CredentialsContext + " " + vocab.OB3Context},
		{"id", c.ID, testURLs.Credential(a.UUID)},
		{"type", strings.Join(c.Type, " "), "VerifiableCredential OpenBadgeCredential"},
		{"issuer", c.Issuer.ID, testURLs.ProfileV3("obf")},
		{"issuer type", strings.Join(c.Issuer.Type, ""), "Profile"},
		{"validFrom", c.ValidFrom, "2026-03-01T10:00:00Z"},
		{"validUntil (badge rule: 2 years)", c.ValidUntil, "2028-03-01T10:00:00Z"},
		{"name", c.Name, "Project management"},
		{"subject type", strings.Join(subj.Type, ""), "AchievementSubject"},
		{"subject id (email: none)", subj.ID, ""},
		{"identityHash", subj.Identifier[0].IdentityHash, vocab.HashIdentity("email", "maria@example.org", subj.Identifier[0].Salt)},
		{"identityType", subj.Identifier[0].IdentityType, "emailAddress"},
		{"hashed", subj.Identifier[0].Hashed, true},
		{"achievement id", ach.ID, testURLs.BadgeClass(b.UUID)},
		{"achievementType", ach.AchievementType, "Badge"},
		{"criteria", ach.Criteria.Narrative, "1. Plan a project\n2. *Deliver* it"},
		{"image", ach.Image.ID, testURLs.BadgeImage(b.UUID)},
		{"tags", strings.Join(ach.Tag, ","), "projects,management"},
		{"alignment framework", ach.Alignment[0].TargetFramework, "ESCO v1.2.0"},
		{"alignment code", ach.Alignment[0].TargetCode, "7111b95d-0ce3-441a-9d92-4c75d05c4388"},
		{"alignment type", strings.Join(ach.Alignment[0].Type, ""), "Alignment"},
		{"evidence", len(c.Evidence), 2},
		{"evidence url", c.Evidence[0].ID, "https://example.org/work"},
		{"narrative as evidence", c.Evidence[1].Narrative, "Ran the spring project."},
		{"proof cryptosuite", c.Proof["cryptosuite"], "eddsa-rdfc-2022"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
		}
	}
	if strings.Contains(string(raw), "maria@example.org") {
		t.Error("the credential carries the email address in the clear")
	}
	// Every property and type is defined by the contexts (nothing that
	// a JSON-LD verifier would drop), with no network.
	definedTerms(t, raw)
	var generic map[string]any
	_ = json.Unmarshal(raw, &generic)
	if p := vocab.CheckCredential(generic); p != nil {
		t.Errorf("the credential breaks the Open Badges 3.0 rules: %v", p)
	}

	profile, err := issuer.ProfileV3Document(ctx, db, testURLs, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyIndependently(t, raw, profile); err != nil {
		t.Fatalf("independent eddsa-rdfc-2022 check: %v", err)
	}
	tampered := strings.Replace(string(raw), "Project management", "Brain surgery", 1)
	if err := verifyIndependently(t, []byte(tampered), profile); err == nil {
		t.Fatal("a tampered credential verified")
	}

	// An earner named by a fediverse actor is the subject's id.
	raw2, _, err := issuer.CredentialJSON(ctx, db, list[1].UUID)
	if err != nil {
		t.Fatal(err)
	}
	var c2 vocab.Credential
	_ = json.Unmarshal(raw2, &c2)
	if c2.CredentialSubject.ID != "https://social.example/users/jo" || c2.CredentialSubject.Identifier != nil {
		t.Errorf("actor subject = %+v", c2.CredentialSubject)
	}
	if err := verifyIndependently(t, raw2, profile); err != nil {
		t.Fatalf("independent check of the second credential: %v", err)
	}
}

func TestCredentialKeysRotate(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "rot")
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	issue := func() []byte {
		list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}}})
		if err != nil {
			t.Fatal(err)
		}
		raw, _, err := issuer.CredentialJSON(ctx, db, list[0].UUID)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	before := issue()
	p1, err := issuer.ProfileV3Document(ctx, db, testURLs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.VerificationMethod) != 1 || p1.VerificationMethod[0].Revoked != "" || len(p1.AssertionMethod) != 1 {
		t.Fatalf("profile keys %+v", p1.VerificationMethod)
	}
	if !strings.HasPrefix(p1.VerificationMethod[0].PublicKeyMultibase, "z6Mk") {
		t.Errorf("an Ed25519 Multikey starts z6Mk: %s", p1.VerificationMethod[0].PublicKeyMultibase)
	}
	if pb, _ := json.Marshal(p1); strings.Contains(string(pb), "PRIVATE") || strings.Contains(string(pb), "secretKey") {
		t.Fatal("the profile shows a private key")
	}
	definedTerms(t, mustJSON(t, p1))

	k2, err := issuer.RotateCredentialKey(ctx, db, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	after := issue()
	p2, err := issuer.ProfileV3Document(ctx, db, testURLs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.VerificationMethod) != 2 || p2.VerificationMethod[0].Revoked == "" || p2.VerificationMethod[1].Revoked != "" ||
		p2.VerificationMethod[1].PublicKeyMultibase != k2.Multibase {
		t.Fatalf("after rotation: %+v", p2.VerificationMethod)
	}
	if _, err := time.Parse(time.RFC3339, p2.VerificationMethod[0].Revoked); err != nil {
		t.Errorf("revoked is not a date: %v", err)
	}
	for name, raw := range map[string][]byte{"before": before, "after": after} {
		if err := verifyIndependently(t, raw, p2); err != nil {
			t.Errorf("credential signed %s the rotation: %v", name, err)
		}
	}
	var proofAfter struct {
		Proof struct{ VerificationMethod string } `json:"proof"`
	}
	_ = json.Unmarshal(after, &proofAfter)
	if proofAfter.Proof.VerificationMethod != testURLs.CredentialKey("rot", k2.Multibase) {
		t.Errorf("signed after rotation with %s", proofAfter.Proof.VerificationMethod)
	}

	d, err := issuer.DIDDocument(ctx, db, testURLs, o)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "did:web:badges.example:orgs:rot" || len(d.VerificationMethod) != 2 ||
		d.VerificationMethod[1].ID != d.ID+"#"+k2.Multibase || d.VerificationMethod[1].Controller != d.ID ||
		d.VerificationMethod[0].Revoked == "" || len(d.AssertionMethod) != 2 {
		t.Fatalf("did document %+v", d)
	}
}

// definedTerms fails the test unless JSON-LD expansion in safe mode (which
// refuses to drop a property or type no context defines) accepts doc.
func definedTerms(t *testing.T, doc []byte) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	if _, err := dataintegrity.Canonicalize(m, vocab.DocumentLoader(nil)); err != nil {
		t.Errorf("%s: %v", m["id"], err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDIDWeb(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"https://badges.example", "did:web:badges.example:orgs:alpha"},
		{"http://127.0.0.2:8080", "did:web:127.0.0.2%3A8080:orgs:alpha"},
		{"https://example.org/laurel/", "did:web:example.org:laurel:orgs:alpha"},
	} {
		u, _ := url.Parse(c.base)
		if got := (issuer.URLs{Base: u}).DID("alpha"); got != c.want {
			t.Errorf("DID on %s = %s, want %s", c.base, got, c.want)
		}
	}
}

func TestCredentialFormats(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "fmt")
	if !o.CredentialFormats.OB3 || !o.CredentialFormats.OB2 {
		t.Fatalf("default formats %+v, want both", o.CredentialFormats)
	}
	for _, bad := range [][]string{{}, {"ob4"}, {"ob3", "jwt"}} {
		_, err := issuer.UpdateOrganisation(ctx, db, o.ID, issuer.OrganisationUpdate{CredentialFormats: &bad})
		if p, ok := problem.As(err); !ok || p.Field != "credential_formats" {
			t.Errorf("formats %q: %v, want a problem on credential_formats", bad, err)
		}
	}
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	recipient := []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}}}

	o, err := issuer.UpdateOrganisation(ctx, db, o.ID, issuer.OrganisationUpdate{CredentialFormats: &[]string{"ob2"}, SignBadges: ptr(true)})
	if err != nil || o.CredentialFormats.OB3 || !o.CredentialFormats.OB2 {
		t.Fatalf("ob2 only: %+v %v", o.CredentialFormats, err)
	}
	if got, _ := json.Marshal(o.CredentialFormats); string(got) != `["ob2"]` {
		t.Errorf("formats as JSON: %s", got)
	}
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, recipient)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].HasCredential || list[0].JWS == "" {
		t.Errorf("ob2 only: credential %v, JWS %q", list[0].HasCredential, list[0].JWS)
	}
	if _, _, err := issuer.CredentialJSON(ctx, db, list[0].UUID); !problem.Is(err, problem.NotFound) {
		t.Errorf("credential of a 2.0-only badge: %v, want NotFound", err)
	}

	o, err = issuer.UpdateOrganisation(ctx, db, o.ID, issuer.OrganisationUpdate{CredentialFormats: &[]string{"ob3"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err = issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, recipient)
	if err != nil {
		t.Fatal(err)
	}
	if !list[0].HasCredential || list[0].JWS != "" {
		t.Errorf("ob3 only: credential %v, JWS %q (no 2.0 signing)", list[0].HasCredential, list[0].JWS)
	}
	again, _ := issuer.AssertionByUUID(ctx, db, list[0].UUID)
	if !again.HasCredential {
		t.Error("HasCredential not read back")
	}
}

func TestRevocationStatusList(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "status")
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}},
		{Recipient: issuer.Recipient{Kind: "email", Identity: "b@example.org"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	profile, err := issuer.ProfileV3Document(ctx, db, testURLs, o)
	if err != nil {
		t.Fatal(err)
	}
	entry := func(uuid string) vocab.StatusEntry {
		raw, _, err := issuer.CredentialJSON(ctx, db, uuid)
		if err != nil {
			t.Fatal(err)
		}
		var c vocab.Credential
		_ = json.Unmarshal(raw, &c)
		if c.CredentialStatus == nil {
			t.Fatal("no credentialStatus")
		}
		return *c.CredentialStatus
	}
	e0, e1 := entry(list[0].UUID), entry(list[1].UUID)
	if e0.Type != "BitstringStatusListEntry" || e0.StatusPurpose != "revocation" || e0.StatusListCredential != testURLs.StatusList("status") ||
		e0.ID != e0.StatusListCredential+"#"+e0.StatusListIndex || e0.StatusListIndex == e1.StatusListIndex {
		t.Fatalf("entries %+v %+v", e0, e1)
	}
	bit := func(e vocab.StatusEntry) bool {
		t.Helper()
		raw, err := issuer.StatusListJSON(ctx, db, testURLs, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyIndependently(t, raw, profile); err != nil {
			t.Fatalf("status list signature: %v", err)
		}
		definedTerms(t, raw)
		var sl vocab.StatusListCredential
		_ = json.Unmarshal(raw, &sl)
		if sl.ID != e.StatusListCredential || sl.CredentialSubject.Type != "BitstringStatusList" || sl.CredentialSubject.StatusPurpose != "revocation" {
			t.Fatalf("status list %+v", sl)
		}
		bits, err := statuslist.Decode(sl.CredentialSubject.EncodedList)
		if err != nil || bits.Len() < 131072 {
			t.Fatalf("decoded %d bits, %v", bits.Len(), err)
		}
		i, _ := strconv.Atoi(e.StatusListIndex)
		set, err := bits.Bit(i)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	if bit(e0) || bit(e1) {
		t.Fatal("a bit is set before any revocation")
	}
	if _, err := issuer.Revoke(ctx, db, account.NodeActor(), o.ID, list[0].UUID, "issued in error"); err != nil {
		t.Fatal(err)
	}
	if !bit(e0) || bit(e1) {
		t.Fatalf("after revoking the first: bits %v %v, want true false", bit(e0), bit(e1))
	}
}

func TestCredentialImageSVG(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "svg")
	in := validBadge(t)
	in.Image = []byte(svgBadge)
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := issuer.CredentialImage(ctx, db, list[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := issuer.CredentialJSON(ctx, db, list[0].UUID)
	if got, err := bake.ExtractCredential(img.Data); img.Type != "image/svg+xml" || err != nil || got != string(doc) {
		t.Fatalf("SVG credential image %s: %.80q %v", img.Type, got, err)
	}
}

func TestCredentialJWT(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "jwt")
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	jwt, _, err := issuer.CredentialJWT(ctx, db, list[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := issuer.CredentialJSON(ctx, db, list[0].UUID)
	profile, _ := issuer.ProfileV3Document(ctx, db, testURLs, o)
	// Checked by hand: the signature is Ed25519 over header.payload, with
	// the key the Profile lists under the header's kid.
	parts := strings.Split(string(jwt), ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %s", jwt)
	}
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	var h struct{ Alg, Typ, Kid string }
	_ = json.Unmarshal(header, &h)
	if h.Alg != "EdDSA" || h.Typ != "vc+jwt" || h.Kid != profile.VerificationMethod[0].ID {
		t.Fatalf("header %s", header)
	}
	pub, err := dataintegrity.DecodeMultikey(profile.VerificationMethod[0].PublicKeyMultibase)
	if err != nil || !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig) {
		t.Fatalf("the VC-JWT does not verify with the profile's key: %v", err)
	}
	// The payload is the credential of the JSON-LD form, without its proof.
	var fromJWT, fromLD map[string]any
	_ = json.Unmarshal(payload, &fromJWT)
	_ = json.Unmarshal(doc, &fromLD)
	delete(fromLD, "proof")
	if a, b := mustJSON(t, fromJWT), mustJSON(t, fromLD); string(a) != string(b) {
		t.Errorf("JWT payload\n%s\ndiffers from the credential\n%s", a, b)
	}
}
