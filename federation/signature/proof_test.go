package signature

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/mr-tron/base58"
)

// The W3C eddsa-jcs-2022 test vector (testdata/eddsa-jcs-2022).
const (
	w3cPublicKey    = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
	w3cVM           = "did:key:" + w3cPublicKey + "#" + w3cPublicKey
	w3cProofHash    = "66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db"
	w3cDocumentHash = "59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19"
)

func multikeyLookup(t *testing.T, vm, multikey, owner string) KeyLookup {
	t.Helper()
	key, err := ParseMultikey(multikey)
	if err != nil {
		t.Fatal(err)
	}
	return func(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
		if keyID != vm {
			return nil, "", errors.New("unknown key " + keyID)
		}
		return key, owner, nil
	}
}

// TestVerifyProofW3CVector checks the specification's test vector: both
// hashes exactly as published, and the published proofValue verifies.
func TestVerifyProofW3CVector(t *testing.T) {
	doc, err := os.ReadFile("testdata/eddsa-jcs-2022/signedJCS.json")
	if err != nil {
		t.Fatal(err)
	}
	hash, _, err := proofHashData(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(hash); got != w3cProofHash+w3cDocumentHash {
		t.Fatalf("hash data %s\nwant      %s%s", got, w3cProofHash, w3cDocumentHash)
	}
	lookup := multikeyLookup(t, w3cVM, w3cPublicKey, "https://vc.example/issuers/5678")
	res, err := VerifyProof(context.Background(), doc, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if res != (Result{KeyID: w3cVM, Owner: "https://vc.example/issuers/5678", Scheme: SchemeProof, Algorithm: CryptosuiteEdDSAJCS2022}) {
		t.Fatalf("Result = %+v", res)
	}
	// Any change to the signed document breaks the proof.
	tampered := strings.Replace(string(doc), "The School of Examples", "The School of Forgeries", 1)
	if _, err := VerifyProof(context.Background(), []byte(tampered), time.Now(), lookup); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered document: %v", err)
	}
}

// signProof builds an FEP-8b32 proof the way the FEP describes it, in the
// test: proof options without proofValue, both canonicalised and hashed,
// the Ed25519 signature in base58btc.
func signProof(t *testing.T, doc map[string]any, vm string, key ed25519.PrivateKey, created string) []byte {
	t.Helper()
	options := map[string]any{
		"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
		"verificationMethod": vm, "proofPurpose": "assertionMethod", "created": created,
	}
	hash := func(v any) []byte {
		b, _ := json.Marshal(v)
		c, err := jcs.Transform(b)
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(c)
		return s[:]
	}
	sig := ed25519.Sign(key, append(hash(options), hash(doc)...))
	options["proofValue"] = "z" + base58.Encode(sig)
	signed := map[string]any{"proof": options}
	for k, v := range doc {
		signed[k] = v
	}
	b, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyProofActivity checks a forwarded reply as FEP-8b32 servers
// (Mitra, Fedify) send it: a Create{Note} with a proof by the actor's
// assertionMethod Multikey.
func TestVerifyProofActivity(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	actor := "https://mitra.example/users/carol"
	vm := actor + "#ed25519-key"
	activity := map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"},
		"id":       actor + "/activities/1", "type": "Create", "actor": actor,
		"object": map[string]any{"id": actor + "/notes/1", "type": "Note", "attributedTo": actor,
			"content": "<p>a reply, 100% &amp; ünïcödé</p>", "inReplyTo": "https://laurel.example/posts/1", "score": 1.5e3},
	}
	lookup := multikeyLookup(t, vm, EncodeMultikey(pub), actor)
	now := time.Now()
	signed := signProof(t, activity, vm, priv, now.UTC().Format(time.RFC3339))
	res, err := VerifyProof(context.Background(), signed, now, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if res.Owner != actor || res.KeyID != vm {
		t.Fatalf("Result = %+v", res)
	}

	otherPub, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name   string
		doc    []byte
		lookup KeyLookup
		want   error
	}{
		{"no proof", mustJSON(t, activity), lookup, ErrNoProof},
		{"content changed", []byte(strings.Replace(string(signed), "a reply", "a forgery", 1)), lookup, ErrBadSignature},
		{"signed by another key", signProof(t, activity, vm, otherPriv, now.UTC().Format(time.RFC3339)), lookup, ErrBadSignature},
		{"key is not Ed25519", signed, func(context.Context, string, bool) (crypto.PublicKey, string, error) {
			k, _ := keys(t)
			return &k.PublicKey, actor, nil
		}, ErrUnsupportedAlgorithm},
		{"unknown verification method", signed, multikeyLookup(t, "https://x.example/k", EncodeMultikey(otherPub), actor), ErrKeyLookup},
		{"created tomorrow", signProof(t, activity, vm, priv, now.Add(24*time.Hour).UTC().Format(time.RFC3339)), lookup, ErrDateSkew},
		{"other cryptosuite", []byte(strings.Replace(string(signed), "eddsa-jcs-2022", "eddsa-rdfc-2022", 1)), lookup, ErrUnsupportedAlgorithm},
		{"other purpose", []byte(strings.Replace(string(signed), `"assertionMethod"`, `"authentication"`, 1)), lookup, ErrMalformedSignature},
		{"not JSON", []byte("{"), lookup, ErrMalformedSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyProof(context.Background(), tc.doc, now, tc.lookup)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
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

// TestMultikey checks FEP-521a publicKeyMultibase decoding.
func TestMultikey(t *testing.T) {
	k, err := ParseMultikey(w3cPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if EncodeMultikey(k.(ed25519.PublicKey)) != w3cPublicKey {
		t.Fatal("Ed25519 multikey does not round-trip")
	}
	rsaKey, _ := keys(t)
	for _, bad := range []string{"", "z", "u6MkrJVnaZ", "z0OIl", "z" + base58.Encode([]byte{0xe7, 0x01, 1, 2, 3})} {
		if _, err := ParseMultikey(bad); err == nil {
			t.Errorf("ParseMultikey(%q) accepted", bad)
		}
	}
	rsaMultikey := "z" + base58.Encode(append([]byte{0x85, 0x24}, x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)...))
	if k, err := ParseMultikey(rsaMultikey); err != nil || !rsaKey.PublicKey.Equal(k) {
		t.Fatalf("RSA multikey: %v", err)
	}
}
