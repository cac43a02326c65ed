package signature

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/gowebpki/jcs"
)

// Object Integrity Proofs (FEP-8b32): a Data Integrity proof embedded in
// an activity or object, which lets a server forward it and the receiver
// still check who wrote it.
const (
	// SchemeProof is the Scheme of a Result from VerifyProof.
	SchemeProof = "fep-8b32"
	// CryptosuiteEdDSAJCS2022 is the only cryptosuite VerifyProof checks:
	// JCS (RFC 8785) canonicalisation, SHA-256, Ed25519.
	CryptosuiteEdDSAJCS2022 = "eddsa-jcs-2022"
)

// ErrNoProof: the document carries no proof at all.
var ErrNoProof = errors.New("signature: document has no integrity proof")

// VerifyProof verifies the FEP-8b32 Object Integrity Proof of a JSON
// document (an activity or an object, the exact bytes received), as the
// eddsa-jcs-2022 cryptosuite specifies (W3C Data Integrity EdDSA
// Cryptosuites v1.0, §3.3): the `proof` (one object, or the first
// eddsa-jcs-2022 one of an array) must be a DataIntegrityProof with
// cryptosuite eddsa-jcs-2022 and proofPurpose assertionMethod; the proof
// options (the proof without proofValue) and the document without `proof`
// are each canonicalised with JCS and hashed with SHA-256, and the
// multibase proofValue must be the Ed25519 signature of
// hash(options) || hash(document) by the key verificationMethod names,
// which lookup resolves (a Multikey in the actor's assertionMethod) like
// any signing key, with one refresh when it does not verify. A `created`
// in the future beyond MaxDateSkew or an `expires` that has passed is
// refused.
//
// The Result's KeyID is the verificationMethod and Owner the key's owner
// (its controller): the caller must check that it is the activity's actor
// or the object's attributedTo. Every error wraps a sentinel of this
// package (ErrNoProof when there is no proof).
func VerifyProof(ctx context.Context, doc []byte, now time.Time, lookup KeyLookup) (Result, error) {
	res := Result{Scheme: SchemeProof, Algorithm: CryptosuiteEdDSAJCS2022}
	hashData, proof, err := proofHashData(doc)
	if err != nil {
		return res, err
	}
	res.KeyID = proof.verificationMethod
	if err := proof.checkTimes(now); err != nil {
		return res, err
	}
	owner, err := withRefresh(ctx, proof.verificationMethod, lookup, func(key crypto.PublicKey) error {
		ek, ok := key.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an Ed25519 key, and %s is %s", ErrUnsupportedAlgorithm,
				CryptosuiteEdDSAJCS2022, clip(proof.verificationMethod), kindName(key))
		}
		if !ed25519.Verify(ek, hashData, proof.value) {
			return errors.New("ed25519: proof does not verify")
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Owner = owner
	return res, nil
}

// dataIntegrityProof is what VerifyProof reads of a proof.
type dataIntegrityProof struct {
	verificationMethod string
	value              []byte
	created, expires   string
}

func (p dataIntegrityProof) checkTimes(now time.Time) error {
	if p.created != "" {
		t, err := time.Parse(time.RFC3339, p.created)
		if err != nil {
			return malformed("proof created %q is not a date-time", clip(p.created))
		}
		if t.Sub(now) > MaxDateSkew {
			return fmt.Errorf("%w: proof created %s is in the future", ErrDateSkew, p.created)
		}
	}
	if p.expires != "" {
		t, err := time.Parse(time.RFC3339, p.expires)
		if err != nil {
			return malformed("proof expires %q is not a date-time", clip(p.expires))
		}
		if now.After(t) {
			return fmt.Errorf("%w: proof expired at %s", ErrDateSkew, p.expires)
		}
	}
	return nil
}

// proofHashData finds the proof of doc and computes the data its
// signature covers: SHA-256(JCS(proof options)) || SHA-256(JCS(document
// without proof)).
func proofHashData(doc []byte) ([]byte, dataIntegrityProof, error) {
	var p dataIntegrityProof
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // numbers pass through to JCS unchanged
	var secured map[string]any
	if err := dec.Decode(&secured); err != nil {
		return nil, p, malformed("document is not a JSON object: %v", err)
	}
	raw, ok := secured["proof"]
	if !ok {
		return nil, p, ErrNoProof
	}
	proof, err := pickProof(raw)
	if err != nil {
		return nil, p, err
	}
	if purpose, _ := proof["proofPurpose"].(string); purpose != "assertionMethod" {
		return nil, p, malformed("proofPurpose is %q, want assertionMethod", clip(purpose))
	}
	p.verificationMethod, _ = proof["verificationMethod"].(string)
	if p.verificationMethod == "" {
		return nil, p, malformed("proof has no verificationMethod")
	}
	value, _ := proof["proofValue"].(string)
	if p.value, err = DecodeMultibase(value); err != nil {
		return nil, p, fmt.Errorf("%w: proofValue: %w", ErrMalformedSignature, err)
	}
	if len(p.value) != ed25519.SignatureSize {
		return nil, p, malformed("proofValue has %d bytes, an Ed25519 signature has %d", len(p.value), ed25519.SignatureSize)
	}
	p.created, _ = proof["created"].(string)
	p.expires, _ = proof["expires"].(string)

	options := make(map[string]any, len(proof))
	for k, v := range proof {
		if k != "proofValue" {
			options[k] = v
		}
	}
	unsecured := make(map[string]any, len(secured))
	for k, v := range secured {
		if k != "proof" {
			unsecured[k] = v
		}
	}
	// A proof with its own @context must be made for the document's:
	// the document's @context starts with the proof's, and the proof's
	// is the one hashed.
	if pc, ok := options["@context"]; ok {
		if !contextStartsWith(secured["@context"], pc) {
			return nil, p, malformed("the proof's @context is not a prefix of the document's")
		}
		unsecured["@context"] = pc
	}
	optionsHash, err := jcsHash(options)
	if err != nil {
		return nil, p, err
	}
	docHash, err := jcsHash(unsecured)
	if err != nil {
		return nil, p, err
	}
	return append(optionsHash, docHash...), p, nil
}

// pickProof returns the proof object: the only one, or the first
// eddsa-jcs-2022 DataIntegrityProof of a set.
func pickProof(raw any) (map[string]any, error) {
	var list []any
	switch v := raw.(type) {
	case map[string]any:
		list = []any{v}
	case []any:
		list = v
	default:
		return nil, malformed("proof is neither an object nor an array")
	}
	var seen string
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := m["type"].(string)
		suite, _ := m["cryptosuite"].(string)
		if typ == "DataIntegrityProof" && suite == CryptosuiteEdDSAJCS2022 {
			return m, nil
		}
		if seen == "" {
			seen = typ + " " + suite
		}
	}
	return nil, fmt.Errorf("%w: proof %q (want DataIntegrityProof %s)", ErrUnsupportedAlgorithm, clip(seen), CryptosuiteEdDSAJCS2022)
}

// contextStartsWith reports whether the document's @context begins with
// the proof's (each a string or an array).
func contextStartsWith(docCtx, proofCtx any) bool {
	asList := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		if v == nil {
			return nil
		}
		return []any{v}
	}
	d, p := asList(docCtx), asList(proofCtx)
	if len(p) > len(d) {
		return false
	}
	for i := range p {
		if !reflect.DeepEqual(d[i], p[i]) {
			return false
		}
	}
	return true
}

// jcsHash is SHA-256 of the RFC 8785 canonical form of v.
func jcsHash(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, malformed("re-encoding the document: %v", err)
	}
	canon, err := jcs.Transform(b)
	if err != nil {
		return nil, malformed("canonicalising the document (JCS): %v", err)
	}
	sum := sha256.Sum256(canon)
	return sum[:], nil
}
