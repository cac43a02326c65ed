package passport_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// didKeyCredential is an OpenBadgeCredential from a third-party issuer
// known only by its did:key, awarded to subject (an email address, as a
// salted hash, or a URL) and signed with a fresh key; change alters the
// signed document (to tamper with it).
func didKeyCredential(t *testing.T, subject string, change func(map[string]any)) []byte {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	did := "did:key:" + dataintegrity.EncodeMultikey(key.Public().(ed25519.PublicKey))
	cs := map[string]any{"type": []any{"AchievementSubject"},
		"achievement": map[string]any{"id": "urn:uuid:3a1b0a44-7f37-4f7e-8a50-0c7c0c3c3c3c", "type": []any{"Achievement"},
			"name": "Teamwork", "description": "Works well in a team.", "criteria": map[string]any{"narrative": "Nominated by peers."}}}
	if addr, ok := strings.CutPrefix(subject, "mailto:"); ok {
		sum := sha256.Sum256([]byte(strings.ToLower(addr) + "pepper"))
		cs["identifier"] = []any{map[string]any{"type": "IdentityObject", "identityType": "emailAddress", "hashed": true,
			"salt": "pepper", "identityHash": "sha256$" + hex.EncodeToString(sum[:])}}
	} else {
		cs["id"] = subject
	}
	doc := map[string]any{
		"@context":          []any{vocab.CredentialsContext, vocab.OB3Context},
		"id":                "urn:uuid:" + randomUUID(t),
		"type":              []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":            map[string]any{"id": did, "type": []any{"Profile"}, "name": "A small issuer"},
		"validFrom":         "2026-01-01T00:00:00Z",
		"name":              "Teamwork",
		"credentialSubject": cs,
	}
	signed, err := dataintegrity.Sign(doc, key, did+"#"+strings.TrimPrefix(did, "did:key:"), time.Now(), vocab.DocumentLoader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(signed)
	}
	b, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomUUID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	const hex = "0123456789abcdef"
	var s strings.Builder
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s.WriteByte('-')
		}
		s.WriteByte(hex[c>>4])
		s.WriteByte(hex[c&15])
	}
	return s.String()
}

// TestAddCredentials: the passport keeps Open Badges 3.0 credentials from
// any issuer, given by URL, as JSON, as a VC-JWT or baked in an image,
// labelled ob3; it refuses a tampered one and one awarded to someone else,
// naming the field; a revoked one shows revoked once checked again.
func TestAddCredentials(t *testing.T) {
	ctx := context.Background()
	w, p := hostedWorld(t)
	none := issuer.Hooks{}
	byURL := w.issue(t, none, email(evaEmail))
	asJSON := w.issue(t, none, email(evaEmail))
	asJWT := w.issue(t, none, email(evaEmail))
	baked := w.issue(t, none, email(evaEmail))
	toMax := w.issue(t, none, email("max@example.org"))
	doc, _, err := issuer.CredentialJSON(ctx, w.pool, asJSON.UUID)
	if err != nil {
		t.Fatal(err)
	}
	jwt, _, err := issuer.CredentialJWT(ctx, w.pool, asJWT.UUID)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := issuer.CredentialImage(ctx, w.pool, baked.UUID)
	if err != nil {
		t.Fatal(err)
	}
	maxDoc, _, err := issuer.CredentialJSON(ctx, w.pool, toMax.UUID)
	if err != nil {
		t.Fatal(err)
	}
	thirdParty := didKeyCredential(t, "mailto:"+evaEmail, nil)
	tampered := didKeyCredential(t, p.ActorID("eva"), func(d map[string]any) { d["name"] = "Leadership" })
	elsewhere := didKeyCredential(t, "https://elsewhere.example/users/someone", nil)

	for _, tc := range []struct {
		name   string
		in     verifier.Input
		kind   problem.Kind // 0: added
		field  string
		text   string
		badge  string
		issuer string
		jwt    bool
	}{
		{"hosted, by URL", verifier.Input{URL: w.urls.Credential(byURL.UUID)}, 0, "", "", "Robotics", "Tampere University", false},
		{"again, by URL", verifier.Input{URL: w.urls.Credential(byURL.UUID)}, problem.Conflict, "url", "already", "", "", false},
		{"as JSON", verifier.Input{JSON: doc}, 0, "", "", "Robotics", "Tampere University", false},
		{"as a VC-JWT", verifier.Input{JSON: jwt}, 0, "", "", "Robotics", "Tampere University", true},
		{"baked in a PNG", verifier.Input{Image: img.Data}, 0, "", "", "Robotics", "Tampere University", false},
		{"a did:key issuer's", verifier.Input{JSON: thirdParty}, 0, "", "", "Teamwork", "A small issuer", false},
		{"the same again", verifier.Input{JSON: thirdParty}, problem.Conflict, "credential", "already", "", "", false},
		{"tampered", verifier.Input{JSON: tampered}, problem.Invalid, "credential", "did not verify", "", "", false},
		{"awarded to someone else", verifier.Input{JSON: elsewhere}, problem.Invalid, "credential", "not awarded to you", "", "", false},
		{"Laurel's, to another email", verifier.Input{JSON: maxDoc}, problem.Invalid, "credential", "not awarded to you", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(items(t, w.pool, w.eva))
			it, err := p.Add(ctx, w.eva, tc.in)
			if tc.kind != 0 {
				wantProblem(t, tc.name, err, tc.kind, tc.text)
				if pe, _ := problem.As(err); pe.Field != tc.field {
					t.Fatalf("problem names field %q, want %q", pe.Field, tc.field)
				}
				if after := len(items(t, w.pool, w.eva)); after != before {
					t.Fatalf("a refused credential was stored: %d items, were %d", after, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.State != passport.Accepted || !it.Verified || it.BadgeName != tc.badge || it.IssuerName != tc.issuer ||
				!slices.Equal(it.Standards(), []string{passport.OB3}) || it.CredentialID() == "" || it.IssuedOn == nil {
				t.Fatalf("added %+v, standards %v", it, it.Standards())
			}
			if tc.jwt != (it.CredentialJWT != "") || tc.jwt == (it.CredentialJSON != "") {
				t.Fatalf("kept JSON %q and JWT %q", it.CredentialJSON, it.CredentialJWT)
			}
		})
	}

	// A revoked credential shows revoked when another node's passport
	// checks it again; the third-party one (no status) stays valid.
	if _, err := issuer.Revoke(ctx, w.pool, account.NodeActor(), w.org.ID, asJWT.UUID, "withdrawn"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(ctx, `UPDATE backpack_item SET last_checked_at = now() - interval '2 days'`); err != nil {
		t.Fatal(err)
	}
	other, _ := url.Parse("http://backpack.test")
	if n, err := newPassport(t, w.pool, other).RecheckStale(ctx, time.Now()); err != nil || n == 0 {
		t.Fatalf("recheck: %d, %v", n, err)
	}
	for _, it := range items(t, w.pool, w.eva) {
		revoked := it.CredentialID() == w.urls.Credential(asJWT.UUID)
		if it.Revoked != revoked || it.Problem != "" || len(it.Credential) == 0 {
			t.Fatalf("after the recheck, %s: revoked %v (want %v), problem %q", it.CredentialID(), it.Revoked, revoked, it.Problem)
		}
	}
}
