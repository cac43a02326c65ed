package dataintegrity_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"
	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/vocab"
)

const vectors = "testdata/w3c-eddsa-rdfc-2022"

// loader serves the embedded contexts and, for the W3C vector, the
// examples context from testdata; nothing from the network.
func loader(t testing.TB) ld.DocumentLoader {
	examples, err := os.ReadFile(filepath.Join(vectors, "credentials-examples-v2.jsonld"))
	if err != nil {
		t.Fatal(err)
	}
	return vocab.DocumentLoader(func(_ context.Context, u string) ([]byte, error) {
		if u == "https://www.w3.org/ns/credentials/examples/v2" {
			return examples, nil
		}
		return nil, errors.New("no network in tests: " + u)
	})
}

func readJSON(t testing.TB, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectors, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func readText(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectors, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// vectorKey is the key pair of the W3C vectors: the private key is
// multicodec ed25519-priv (0x8026) and the 32-byte seed.
func vectorKey(t testing.TB) ed25519.PrivateKey {
	var kp struct{ PublicKeyMultibase, PrivateKeyMultibase string }
	b, _ := json.Marshal(readJSON(t, "keyPair.json"))
	if err := json.Unmarshal(b, &kp); err != nil {
		t.Fatal(err)
	}
	raw, err := base58.Decode(strings.TrimPrefix(kp.PrivateKeyMultibase, "z"))
	if err != nil || len(raw) != 34 || raw[0] != 0x80 || raw[1] != 0x26 {
		t.Fatalf("private key of the vector: %x %v", raw, err)
	}
	key := ed25519.NewKeyFromSeed(raw[2:])
	if got := dataintegrity.EncodeMultikey(key.Public().(ed25519.PublicKey)); got != kp.PublicKeyMultibase {
		t.Fatalf("EncodeMultikey of the vector's key = %s, want %s", got, kp.PublicKeyMultibase)
	}
	return key
}

func didKeyResolver(_ context.Context, vm string, _ time.Time) (ed25519.PublicKey, error) {
	return dataintegrity.DIDKey(vm)
}

func TestCanonicalizeMatchesTheW3CVector(t *testing.T) {
	doc := readJSON(t, "signedDataInt.json")
	proof := doc["proof"].(map[string]any)
	delete(doc, "proof")
	got, err := dataintegrity.Canonicalize(doc, loader(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := readText(t, "canonDocDataInt.txt"); got != want {
		t.Errorf("canonical document:\n%s\nwant\n%s", got, want)
	}
	delete(proof, "proofValue")
	proof["@context"] = doc["@context"]
	got, err = dataintegrity.Canonicalize(proof, loader(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := readText(t, "proofCanonDataInt.txt"); got != want {
		t.Errorf("canonical proof options:\n%s\nwant\n%s", got, want)
	}
}

func TestVerifyTheW3CVector(t *testing.T) {
	doc := readJSON(t, "signedDataInt.json")
	p, err := dataintegrity.Verify(context.Background(), doc, didKeyResolver, loader(t))
	if err != nil {
		t.Fatalf("the W3C vector does not verify: %v", err)
	}
	if !strings.HasPrefix(p.VerificationMethod, "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2") {
		t.Errorf("verification method %s", p.VerificationMethod)
	}
}

func TestSignReproducesTheW3CVector(t *testing.T) {
	// Ed25519 is deterministic: the same key, document and proof options
	// must give the vector's proofValue exactly.
	want := readJSON(t, "signedDataInt.json")
	wantProof := want["proof"].(map[string]any)
	doc := readJSON(t, "signedDataInt.json")
	delete(doc, "proof")
	created, _ := time.Parse(time.RFC3339, wantProof["created"].(string))
	signed, err := dataintegrity.Sign(doc, vectorKey(t), wantProof["verificationMethod"].(string), created, loader(t))
	if err != nil {
		t.Fatal(err)
	}
	got := signed["proof"].(map[string]any)
	for _, k := range []string{"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue"} {
		if got[k] != wantProof[k] {
			t.Errorf("proof.%s = %v, want %v", k, got[k], wantProof[k])
		}
	}
	if strings.TrimSpace(readText(t, "sigBTC58DataInt.txt")) != got["proofValue"] {
		// sigBTC58DataInt.txt is the same value on its own.
		t.Errorf("proofValue differs from sigBTC58DataInt.txt")
	}
}

func TestVerifyRejects(t *testing.T) {
	other := ed25519.NewKeyFromSeed(make([]byte, 32))
	cases := []struct {
		name    string
		change  func(doc map[string]any)
		resolve dataintegrity.KeyResolver
		invalid bool // the error wraps ErrInvalid
	}{
		{"tampered subject", func(d map[string]any) {
			d["credentialSubject"].(map[string]any)["alumniOf"] = "The School of Forgery"
		}, didKeyResolver, true},
		{"tampered date", func(d map[string]any) { d["validFrom"] = "2023-01-02T00:00:00Z" }, didKeyResolver, true},
		{"added property", func(d map[string]any) { d["description"] = "Something else" }, didKeyResolver, true},
		{"tampered proof created", func(d map[string]any) { d["proof"].(map[string]any)["created"] = "2024-02-24T23:36:38Z" }, didKeyResolver, true},
		{"other key", func(map[string]any) {}, func(context.Context, string, time.Time) (ed25519.PublicKey, error) {
			return other.Public().(ed25519.PublicKey), nil
		}, true},
		{"no proof", func(d map[string]any) { delete(d, "proof") }, didKeyResolver, true},
		{"other cryptosuite", func(d map[string]any) { d["proof"].(map[string]any)["cryptosuite"] = "eddsa-jcs-2022" }, didKeyResolver, true},
		{"other purpose", func(d map[string]any) { d["proof"].(map[string]any)["proofPurpose"] = "authentication" }, didKeyResolver, true},
		{"broken proofValue", func(d map[string]any) { d["proof"].(map[string]any)["proofValue"] = "uAAAA" }, didKeyResolver, true},
		{"unresolvable key", func(map[string]any) {}, func(context.Context, string, time.Time) (ed25519.PublicKey, error) {
			return nil, errors.New("404")
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := readJSON(t, "signedDataInt.json")
			c.change(doc)
			_, err := dataintegrity.Verify(context.Background(), doc, c.resolve, loader(t))
			if err == nil {
				t.Fatal("verified")
			}
			if errors.Is(err, dataintegrity.ErrInvalid) != c.invalid {
				t.Errorf("errors.Is(%v, ErrInvalid) = %v, want %v", err, !c.invalid, c.invalid)
			}
		})
	}
}

func TestSignRefusesUndefinedTerms(t *testing.T) {
	// A property no context defines would be dropped by canonicalization
	// and so left unsigned: signing must refuse it.
	doc := map[string]any{
		"@context":          []any{vocab.CredentialsContext, vocab.OB3Context},
		"id":                "urn:uuid:2f1d4d8e-0000-4000-8000-000000000001",
		"type":              []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":            map[string]any{"id": "https://a.example/issuer", "type": []any{"Profile"}, "name": "A"},
		"validFrom":         "2026-01-01T00:00:00Z",
		"credentialSubject": map[string]any{"id": "https://b.example/u", "type": []any{"AchievementSubject"}, "undefinedThing": "x"},
	}
	if _, err := dataintegrity.Sign(doc, vectorKey(t), "https://a.example/issuer#k", time.Now(), vocab.DocumentLoader(nil)); err == nil {
		t.Fatal("signed a document with an undefined term")
	}
}

func TestMultikeyRoundTrip(t *testing.T) {
	pub := vectorKey(t).Public().(ed25519.PublicKey)
	got, err := dataintegrity.DecodeMultikey(dataintegrity.EncodeMultikey(pub))
	if err != nil || !got.Equal(pub) {
		t.Fatalf("round trip: %x %v", got, err)
	}
	for _, bad := range []string{"", "6Mk", "z", "z111", "zQmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"} {
		if _, err := dataintegrity.DecodeMultikey(bad); err == nil {
			t.Errorf("DecodeMultikey(%q) accepted", bad)
		}
	}
}
