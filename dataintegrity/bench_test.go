package dataintegrity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/vocab"
)

// laurelCredential is an OpenBadgeCredential as Laurel issues it (made by
// issuer.Issue: email recipient, evidence, ESCO alignment, status entry),
// with its proof.
func laurelCredential(t testing.TB) map[string]any {
	b, err := os.ReadFile("testdata/laurel-credential.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// fragmentKey resolves Laurel's verification methods offline: the
// fragment of the id is the key's publicKeyMultibase.
func fragmentKey(_ context.Context, vm string, _ time.Time) (ed25519.PublicKey, error) {
	_, mb, _ := strings.Cut(vm, "#")
	return dataintegrity.DecodeMultikey(mb)
}

// TestVerifyLaurelSample keeps a credential signed by an earlier Laurel
// verifying: a change in canonicalization or in the documents' contexts
// would break every credential already issued.
func TestVerifyLaurelSample(t *testing.T) {
	doc := laurelCredential(t)
	if _, err := dataintegrity.Verify(context.Background(), doc, fragmentKey, vocab.DocumentLoader(nil)); err != nil {
		t.Fatal(err)
	}
	doc["validUntil"] = "2099-12-07T08:00:00Z"
	if _, err := dataintegrity.Verify(context.Background(), doc, fragmentKey, vocab.DocumentLoader(nil)); err == nil {
		t.Fatal("a credential with a later validUntil verified")
	}
}

// baselineSign is the bare algorithm on the same document: two json-gold
// URDNA2015 canonicalizations (proof options, document), two SHA-256 and
// one Ed25519 signature, without Laurel's checks (safe-mode expansion) and
// copies.
func baselineSign(b *testing.B, doc, proofConfig map[string]any, key ed25519.PrivateKey, loader ld.DocumentLoader) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader
	opts.Format = "application/n-quads"
	opts.Algorithm = ld.AlgorithmURDNA2015
	proc := ld.NewJsonLdProcessor()
	c1, err := proc.Normalize(ld.CloneDocument(proofConfig), opts)
	if err != nil {
		b.Fatal(err)
	}
	c2, err := proc.Normalize(ld.CloneDocument(doc), opts)
	if err != nil {
		b.Fatal(err)
	}
	h1 := sha256.Sum256([]byte(c1.(string)))
	h2 := sha256.Sum256([]byte(c2.(string)))
	ed25519.Sign(key, append(h1[:], h2[:]...))
}

// BenchmarkSignCredential signs Laurel's credential with
// dataintegrity.Sign (a fresh loader per signature, as issuing does) and,
// in alternating blocks of the same size, runs baselineSign on it.
// x_baseline is Sign's time over the baseline's.
func BenchmarkSignCredential(b *testing.B) {
	doc := laurelCredential(b)
	proof := doc["proof"].(map[string]any)
	delete(doc, "proof")
	config := map[string]any{"@context": doc["@context"]}
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	vm := proof["verificationMethod"].(string)
	now := time.Now()
	laurel := func() {
		if _, err := dataintegrity.Sign(doc, key, vm, now, vocab.DocumentLoader(nil)); err != nil {
			b.Fatal(err)
		}
	}
	baseline := func() { baselineSign(b, doc, config, key, vocab.DocumentLoader(nil)) }
	alternate(b, laurel, baseline, "credentials/s")
}

// BenchmarkVerifyCredential verifies the credential with
// dataintegrity.Verify against the same baseline (the verifier's work is
// the signer's with Ed25519 verification instead of signing).
func BenchmarkVerifyCredential(b *testing.B) {
	doc := laurelCredential(b)
	proof := doc["proof"].(map[string]any)
	unsigned := map[string]any{}
	for k, v := range doc {
		if k != "proof" {
			unsigned[k] = v
		}
	}
	config := map[string]any{"@context": doc["@context"]}
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	key := ed25519.NewKeyFromSeed(make([]byte, 32))
	laurel := func() {
		if _, err := dataintegrity.Verify(context.Background(), doc, fragmentKey, vocab.DocumentLoader(nil)); err != nil {
			b.Fatal(err)
		}
	}
	baseline := func() { baselineSign(b, unsigned, config, key, vocab.DocumentLoader(nil)) }
	alternate(b, laurel, baseline, "verifications/s")
}

// alternate runs b.N ops of laurel and of baseline in alternating blocks
// (the baseline first), so that load from elsewhere weighs on both, and
// reports laurel's ns/op (the framework's), the baseline's, their ratio and laurel's rate.
func alternate(b *testing.B, laurel, baseline func(), rate string) {
	const block = 20
	var tl, tb time.Duration
	b.ResetTimer()
	b.StopTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		start := time.Now()
		for range n {
			baseline()
		}
		tb += time.Since(start)
		b.StartTimer() // the framework's ns/op is laurel's alone
		start = time.Now()
		for range n {
			laurel()
		}
		tl += time.Since(start)
		b.StopTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(tb.Nanoseconds())/n, "baseline-ns/op")
	b.ReportMetric(float64(tl)/float64(tb), "x_baseline")
	b.ReportMetric(n/tl.Seconds(), rate)
}
