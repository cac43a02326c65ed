package verifier_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

func TestCredentialKeyResolverDIDKey(t *testing.T) {
	// The key of the W3C eddsa-rdfc-2022 test vector.
	const did = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	vm := did + "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	var v verifier.Verifier
	pub, err := v.CredentialKeyResolver(did)(context.Background(), vm, time.Now())
	if err != nil || dataintegrity.EncodeMultikey(pub) != "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2" {
		t.Fatalf("did:key = %x, %v", pub, err)
	}
	if _, err := v.CredentialKeyResolver("https://vc.example/issuers/5678")(context.Background(), vm, time.Now()); err == nil {
		t.Error("a did:key accepted for another issuer")
	}
	if _, err := v.CredentialKeyResolver(did)(context.Background(), "urn:x:y", time.Now()); err == nil {
		t.Error("an unknown kind of key accepted")
	}
}

// didKeyCredential is an Open Badges 3.0 credential issued by a did:key
// issuer (as wallets and small issuers make them), signed.
func didKeyCredential(t *testing.T, key ed25519.PrivateKey, issuer string, change func(map[string]any)) []byte {
	t.Helper()
	did := "did:key:" + dataintegrity.EncodeMultikey(key.Public().(ed25519.PublicKey))
	if issuer == "" {
		issuer = did
	}
	doc := map[string]any{
		"@context":  []any{vocab.CredentialsContext, vocab.OB3Context},
		"id":        "urn:uuid:9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
		"type":      []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":    map[string]any{"id": issuer, "type": []any{"Profile"}, "name": "A small issuer"},
		"validFrom": "2026-01-01T00:00:00Z",
		"name":      "Teamwork",
		"credentialSubject": map[string]any{
			"id": "did:example:earner", "type": []any{"AchievementSubject"},
			"achievement": map[string]any{"id": "urn:uuid:3a1b0a44-7f37-4f7e-8a50-0c7c0c3c3c3c", "type": []any{"Achievement"},
				"name": "Teamwork", "description": "Works well in a team.", "criteria": map[string]any{"narrative": "Nominated by peers."}},
		},
	}
	signed, err := dataintegrity.Sign(doc, key, did+"#"+strings.TrimPrefix(did, "did:key:"), time.Now(), vocab.DocumentLoader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(signed)
	}
	b, _ := json.Marshal(signed)
	return b
}

func TestVerifyDIDKeyCredential(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	other := ed25519.NewKeyFromSeed([]byte("01234567890123456789012345678901"))
	otherDID := "did:key:" + dataintegrity.EncodeMultikey(other.Public().(ed25519.PublicKey))
	for _, tc := range []struct {
		name  string
		doc   []byte
		email string
		fails []string
	}{
		{"valid", didKeyCredential(t, key, "", nil), "", nil},
		{"tampered", didKeyCredential(t, key, "", func(d map[string]any) { d["name"] = "Leadership" }), "", []string{verifier.CheckSignature}},
		{"someone else's key", didKeyCredential(t, key, otherDID, nil), "", []string{verifier.CheckKeyOwner}},
		{"not yet valid", didKeyCredential(t, key, "", func(d map[string]any) { d["validFrom"] = "2999-01-01T00:00:00Z" }), "",
			[]string{verifier.CheckSignature, verifier.CheckIssuedOn}},
		{"wrong recipient", didKeyCredential(t, key, "", nil), "a@example.org", []string{verifier.CheckRecipient}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v verifier.Verifier // no network needed for did:key
			rep := v.Verify(context.Background(), verifier.Input{JSON: tc.doc, RecipientEmail: tc.email})
			var failed []string
			for _, e := range rep.Errors {
				failed = append(failed, e.Name)
			}
			if rep.Verification != verifier.DataIntegrity || rep.Valid != (len(tc.fails) == 0) || !slices.Equal(failed, tc.fails) {
				t.Fatalf("valid %v (%s), failed %v, want %v: %+v", rep.Valid, rep.Verification, failed, tc.fails, rep.Checks)
			}
		})
	}
}
