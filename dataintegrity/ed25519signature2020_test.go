package dataintegrity_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/laurelnet/laurel/dataintegrity"
)

const vectors2020 = "testdata/w3c-ed25519signature2020"

func read2020(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectors2020, "signedEdSig.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCanonicalize2020MatchesTheW3CVector(t *testing.T) {
	doc := read2020(t)
	proof := doc["proof"].(map[string]any)
	delete(proof, "proofValue")
	proof["@context"] = doc["@context"]
	got, err := dataintegrity.Canonicalize(proof, dataintegrity.WithSuiteContexts(loader(t)))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(vectors2020, "proofCanonEdSig.txt"))
	if got != string(want) {
		t.Errorf("canonical proof options:\n%s\nwant\n%s", got, want)
	}
}

func TestVerifyTheW3CEd25519Signature2020Vector(t *testing.T) {
	doc := read2020(t)
	p, err := dataintegrity.Verify(context.Background(), doc, didKeyResolver, loader(t))
	if err != nil {
		t.Fatalf("the W3C Ed25519Signature2020 vector does not verify: %v", err)
	}
	if p.Type != dataintegrity.Ed25519Signature2020 || p.Cryptosuite != "" {
		t.Errorf("proof %+v", p)
	}
	cases := []struct {
		name   string
		change func(d map[string]any)
	}{
		{"tampered subject", func(d map[string]any) {
			d["credentialSubject"].(map[string]any)["alumniOf"] = "The School of Forgery"
		}},
		{"tampered created", func(d map[string]any) { d["proof"].(map[string]any)["created"] = "2024-02-24T23:36:38Z" }},
		{"a cryptosuite added", func(d map[string]any) { d["proof"].(map[string]any)["cryptosuite"] = "eddsa-rdfc-2022" }},
		{"relabelled as DataIntegrityProof", func(d map[string]any) {
			pr := d["proof"].(map[string]any)
			pr["type"], pr["cryptosuite"] = "DataIntegrityProof", "eddsa-rdfc-2022"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := read2020(t)
			c.change(doc)
			_, err := dataintegrity.Verify(context.Background(), doc, didKeyResolver, loader(t))
			if !errors.Is(err, dataintegrity.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDecodePublicMultikey(t *testing.T) {
	pub := vectorKey(t).Public().(ed25519.PublicKey)
	got, err := dataintegrity.DIDKeyPublic("did:key:" + dataintegrity.EncodeMultikey(pub))
	if k, ok := got.(ed25519.PublicKey); err != nil || !ok || !k.Equal(pub) {
		t.Fatalf("Ed25519 did:key: %v %v", got, err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mb := "z" + base58.Encode(append([]byte{0x80, 0x24}, compressP256(&ec.PublicKey)...))
	if !strings.HasPrefix(mb, "zDn") {
		t.Errorf("a P-256 multikey starts %s, want zDn", mb[:3])
	}
	got, err = dataintegrity.DIDKeyPublic("did:key:" + mb + "#" + mb)
	if k, ok := got.(*ecdsa.PublicKey); err != nil || !ok || !k.Equal(&ec.PublicKey) {
		t.Fatalf("P-256 did:key: %v %v", got, err)
	}
	if _, err := dataintegrity.DIDKeyPublic("did:key:z" + base58.Encode(append([]byte{0x12, 0x05}, make([]byte, 32)...))); err == nil {
		t.Error("decoded an unknown multicodec")
	}
}

// compressP256 is the compressed form of a P-256 public key (SEC 1: 0x02
// or 0x03 for the parity of y, then x).
func compressP256(k *ecdsa.PublicKey) []byte {
	b, _ := k.Bytes() // 0x04, x, y
	return append([]byte{2 | b[64]&1}, b[1:33]...)
}
