// Package dataintegrity signs and verifies W3C Data Integrity proofs with
// the eddsa-rdfc-2022 cryptosuite (W3C Data Integrity EdDSA Cryptosuites
// v1.0): RDF Dataset Canonicalization (URDNA2015, by json-gold) of the
// document and of the proof options, SHA-256 of each, and an Ed25519
// signature of the two hashes, encoded as multibase base58btc.
//
// It also verifies (but does not make) proofs of the earlier
// Ed25519Signature2020 suite, which many Open Badges 3.0 issuers used: the
// same algorithm (the same specification's appendix), with proof type
// Ed25519Signature2020, no cryptosuite, and its terms defined by the
// https://w3id.org/security/suites/ed25519-2020/v1 context, embedded here.
//
// The same code signs Laurel's credentials and verifies anyone's, so a
// credential that Laurel's verifier accepts is one Laurel could have made.
package dataintegrity

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mr-tron/base58"
	"github.com/piprate/json-gold/ld"
)

// Names of the proof this package makes and checks.
const (
	ProofType   = "DataIntegrityProof"
	Cryptosuite = "eddsa-rdfc-2022"
	// AssertionMethod is the proof purpose of a credential's proof.
	AssertionMethod = "assertionMethod"
	// Ed25519Signature2020 is the type of the earlier suite's proofs.
	Ed25519Signature2020 = "Ed25519Signature2020"
	// Ed25519Signature2020Context is the context that defines its terms.
	Ed25519Signature2020Context = "https://w3id.org/security/suites/ed25519-2020/v1"
)

// ed25519Signature2020Context is the context document published at
// Ed25519Signature2020Context (from github.com/digitalbazaar/
// ed25519-signature-2020-context), embedded so that verifying needs no
// network. Read-only.
//
//go:embed contexts/ed25519-signature-2020-v1.jsonld
var ed25519Signature2020Context []byte

// suiteLoader answers the Ed25519Signature2020 context from the embedded
// copy and passes any other URL on.
type suiteLoader struct{ next ld.DocumentLoader }

// LoadDocument implements ld.DocumentLoader.
func (l suiteLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	if u != Ed25519Signature2020Context {
		return l.next.LoadDocument(u)
	}
	doc, err := ld.DocumentFromReader(bytes.NewReader(ed25519Signature2020Context))
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// WithSuiteContexts returns loader answering, beside what it does, the
// contexts of the suites this package verifies that no other Laurel
// document uses (Ed25519Signature2020's), from embedded copies.
func WithSuiteContexts(loader ld.DocumentLoader) ld.DocumentLoader {
	if _, ok := loader.(suiteLoader); ok {
		return loader
	}
	return suiteLoader{next: loader}
}

// ErrInvalid is wrapped by every error of Verify that says the proof does
// not hold (as opposed to a key that could not be found).
var ErrInvalid = errors.New("invalid data integrity proof")

// Proof is a DataIntegrityProof (eddsa-rdfc-2022) or an
// Ed25519Signature2020 proof (Type says which; it has no Cryptosuite).
type Proof struct {
	Type               string `json:"type"`
	Cryptosuite        string `json:"cryptosuite"`
	Created            string `json:"created,omitempty"`
	VerificationMethod string `json:"verificationMethod"`
	ProofPurpose       string `json:"proofPurpose"`
	ProofValue         string `json:"proofValue,omitempty"`
}

func (p Proof) options() map[string]any {
	m := map[string]any{
		"type":               p.Type,
		"verificationMethod": p.VerificationMethod,
		"proofPurpose":       p.ProofPurpose,
	}
	if p.Cryptosuite != "" {
		m["cryptosuite"] = p.Cryptosuite
	}
	if p.Created != "" {
		m["created"] = p.Created
	}
	return m
}

// Canonicalize returns the RDF Dataset Canonicalization (URDNA2015) of
// doc, a JSON-LD document decoded into maps and slices, as N-Quads. It
// fails rather than drop a property or type that the contexts do not
// define (json-gold's safe mode), so that nothing unsigned can ride along
// with a signed document. loader loads the contexts (see
// vocab.DocumentLoader).
func Canonicalize(doc map[string]any, loader ld.DocumentLoader) (string, error) {
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader
	opts.Format = "application/n-quads"
	opts.Algorithm = ld.AlgorithmURDNA2015
	opts.ProcessingMode = ld.JsonLd_1_1
	opts.SafeMode = true
	proc := ld.NewJsonLdProcessor()
	// Normalize does not pass safe mode on to its expansion, so expand
	// first (safely) and canonicalize the expanded form, which needs no
	// context.
	expanded, err := proc.Expand(ld.CloneDocument(doc), opts)
	if err != nil {
		return "", fmt.Errorf("canonicalize: %w", err)
	}
	out, err := proc.Normalize(expanded, opts)
	if err != nil {
		return "", fmt.Errorf("canonicalize: %w", err)
	}
	s, ok := out.(string)
	if !ok {
		return "", fmt.Errorf("canonicalize: unexpected result %T", out)
	}
	if s == "" {
		return "", errors.New("canonicalize: the document says nothing its contexts define")
	}
	return s, nil
}

// hashData is the data an eddsa-rdfc-2022 signature is made over: the
// SHA-256 of the canonical proof options (with the document's @context)
// followed by the SHA-256 of the canonical document without its proof.
func hashData(unsecured map[string]any, p Proof, loader ld.DocumentLoader) ([]byte, error) {
	opts := p.options()
	opts["@context"] = unsecured["@context"]
	canonProof, err := Canonicalize(opts, loader)
	if err != nil {
		return nil, fmt.Errorf("proof options: %w", err)
	}
	canonDoc, err := Canonicalize(unsecured, loader)
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	ph := sha256.Sum256([]byte(canonProof))
	dh := sha256.Sum256([]byte(canonDoc))
	return append(ph[:], dh[:]...), nil
}

// Sign returns a copy of doc (which must have no proof) with an
// eddsa-rdfc-2022 DataIntegrityProof made with key, naming
// verificationMethod as the key's id and created as its time.
func Sign(doc map[string]any, key ed25519.PrivateKey, verificationMethod string, created time.Time, loader ld.DocumentLoader) (map[string]any, error) {
	if _, ok := doc["proof"]; ok {
		return nil, errors.New("sign: the document already has a proof")
	}
	p := Proof{
		Type:               ProofType,
		Cryptosuite:        Cryptosuite,
		Created:            created.UTC().Truncate(time.Second).Format(time.RFC3339),
		VerificationMethod: verificationMethod,
		ProofPurpose:       AssertionMethod,
	}
	data, err := hashData(doc, p, loader)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	p.ProofValue = "z" + base58.Encode(ed25519.Sign(key, data))
	out := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		out[k] = v
	}
	proof := p.options()
	proof["proofValue"] = p.ProofValue
	out["proof"] = proof
	return out, nil
}

// KeyResolver returns the public key of a verification method (its id),
// having checked that the key may make proofs for purpose on behalf of
// the document's issuer, at created (the proof's time).
type KeyResolver func(ctx context.Context, verificationMethod string, created time.Time) (ed25519.PublicKey, error)

// Verify checks the eddsa-rdfc-2022 or Ed25519Signature2020 proof of doc,
// with the key resolve finds for its verification method, and returns the
// proof. An error
// that wraps ErrInvalid means the proof does not hold; other errors (from
// resolve, say) mean it could not be checked.
func Verify(ctx context.Context, doc map[string]any, resolve KeyResolver, loader ld.DocumentLoader) (Proof, error) {
	p, err := ParseProof(doc)
	if err != nil {
		return p, err
	}
	created, err := time.Parse(time.RFC3339, p.Created)
	if p.Created != "" && err != nil {
		return p, fmt.Errorf("%w: created %q is not a date and time", ErrInvalid, p.Created)
	}
	sig, err := decodeMultibase(p.ProofValue)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return p, fmt.Errorf("%w: proofValue is not a base58btc Ed25519 signature", ErrInvalid)
	}
	pub, err := resolve(ctx, p.VerificationMethod, created)
	if err != nil {
		return p, fmt.Errorf("key %s: %w", p.VerificationMethod, err)
	}
	unsecured := make(map[string]any, len(doc))
	for k, v := range doc {
		if k != "proof" {
			unsecured[k] = v
		}
	}
	if p.Type == Ed25519Signature2020 {
		// Both suites hash and sign alike (proof options, then the
		// document); only the terms of the proof options differ, and the
		// document's own @context must define them.
		loader = WithSuiteContexts(loader)
	}
	data, err := hashData(unsecured, p, loader)
	if err != nil {
		return p, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !ed25519.Verify(pub, data, sig) {
		return p, fmt.Errorf("%w: the signature does not match the document", ErrInvalid)
	}
	return p, nil
}

// ParseProof returns the one eddsa-rdfc-2022 or Ed25519Signature2020 proof
// of doc, checking its type, cryptosuite and purpose.
func ParseProof(doc map[string]any) (Proof, error) {
	raw, ok := doc["proof"]
	if !ok {
		return Proof{}, fmt.Errorf("%w: the document has no proof", ErrInvalid)
	}
	if list, ok := raw.([]any); ok {
		if len(list) != 1 {
			return Proof{}, fmt.Errorf("%w: %d proofs; only a single proof is checked", ErrInvalid, len(list))
		}
		raw = list[0]
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return Proof{}, fmt.Errorf("%w: proof is not an object", ErrInvalid)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	p := Proof{Type: str("type"), Cryptosuite: str("cryptosuite"), Created: str("created"),
		VerificationMethod: str("verificationMethod"), ProofPurpose: str("proofPurpose"), ProofValue: str("proofValue")}
	for k := range m {
		switch k {
		case "type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue":
		default:
			// Other options (expires, domain, challenge, ...) would be
			// part of the signed proof configuration; this package makes
			// and checks none, so refuse rather than ignore them.
			return p, fmt.Errorf("%w: proof option %q is not supported", ErrInvalid, k)
		}
	}
	switch {
	case p.Type == Ed25519Signature2020 && p.Cryptosuite != "":
		return p, fmt.Errorf("%w: an %s proof names no cryptosuite (it has %q)", ErrInvalid, Ed25519Signature2020, p.Cryptosuite)
	case p.Type != Ed25519Signature2020 && p.Type != ProofType:
		return p, fmt.Errorf("%w: proof type %q, want %s or %s", ErrInvalid, p.Type, ProofType, Ed25519Signature2020)
	case p.Type == ProofType && p.Cryptosuite != Cryptosuite:
		return p, fmt.Errorf("%w: cryptosuite %q, want %s", ErrInvalid, p.Cryptosuite, Cryptosuite)
	case p.ProofPurpose != AssertionMethod:
		return p, fmt.Errorf("%w: proofPurpose %q, want %s", ErrInvalid, p.ProofPurpose, AssertionMethod)
	case p.VerificationMethod == "":
		return p, fmt.Errorf("%w: the proof names no verificationMethod", ErrInvalid)
	}
	return p, nil
}

// ed25519Multicodec is the multicodec prefix of an Ed25519 public key
// (0xed as an unsigned varint).
var ed25519Multicodec = [2]byte{0xed, 0x01}

// EncodeMultikey returns the publicKeyMultibase of an Ed25519 public key:
// "z" and the base58btc of 0xed01 and the key.
func EncodeMultikey(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append(ed25519Multicodec[:], pub...))
}

// DecodeMultikey returns the Ed25519 public key of a publicKeyMultibase.
func DecodeMultikey(s string) (ed25519.PublicKey, error) {
	b, err := decodeMultibase(s)
	if err != nil {
		return nil, fmt.Errorf("publicKeyMultibase: %w", err)
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != ed25519Multicodec[0] || b[1] != ed25519Multicodec[1] {
		return nil, errors.New("publicKeyMultibase: not an Ed25519 public key (0xed01 and 32 bytes)")
	}
	return ed25519.PublicKey(b[2:]), nil
}

// DIDKey returns the public key of a did:key verification method
// ("did:key:z6Mk…#z6Mk…", or the DID alone), which is its own key
// document.
func DIDKey(verificationMethod string) (ed25519.PublicKey, error) {
	did, fragment, _ := strings.Cut(verificationMethod, "#")
	id, ok := strings.CutPrefix(did, "did:key:")
	if !ok {
		return nil, fmt.Errorf("%s is not a did:key", verificationMethod)
	}
	if fragment != "" && fragment != id {
		return nil, fmt.Errorf("%s: the fragment must be the key itself", verificationMethod)
	}
	return DecodeMultikey(id)
}

// p256Multicodec is the multicodec prefix of a compressed P-256 public key
// (p256-pub, 0x1200 as an unsigned varint).
var p256Multicodec = [2]byte{0x80, 0x24}

// DecodePublicMultikey returns the public key of a publicKeyMultibase
// (or a did:key's method-specific id): Ed25519 (0xed01) or P-256
// (0x8024, a compressed point), as an ed25519.PublicKey or an
// *ecdsa.PublicKey.
func DecodePublicMultikey(s string) (crypto.PublicKey, error) {
	b, err := decodeMultibase(s)
	if err != nil {
		return nil, fmt.Errorf("publicKeyMultibase: %w", err)
	}
	switch {
	case len(b) == 2+ed25519.PublicKeySize && b[0] == ed25519Multicodec[0] && b[1] == ed25519Multicodec[1]:
		return ed25519.PublicKey(b[2:]), nil
	case len(b) == 2+33 && b[0] == p256Multicodec[0] && b[1] == p256Multicodec[1]:
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b[2:])
		if x == nil {
			return nil, errors.New("publicKeyMultibase: not a point of P-256")
		}
		uncompressed := append([]byte{4}, x.FillBytes(make([]byte, 32))...)
		uncompressed = append(uncompressed, y.FillBytes(make([]byte, 32))...)
		k, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), uncompressed)
		if err != nil {
			return nil, fmt.Errorf("publicKeyMultibase: %w", err)
		}
		return k, nil
	}
	return nil, errors.New("publicKeyMultibase: neither an Ed25519 (0xed01) nor a P-256 (0x8024) public key")
}

// DIDKeyPublic is DIDKey for Ed25519 and P-256 keys (see
// DecodePublicMultikey).
func DIDKeyPublic(verificationMethod string) (crypto.PublicKey, error) {
	did, fragment, _ := strings.Cut(verificationMethod, "#")
	id, ok := strings.CutPrefix(did, "did:key:")
	if !ok {
		return nil, fmt.Errorf("%s is not a did:key", verificationMethod)
	}
	if fragment != "" && fragment != id {
		return nil, fmt.Errorf("%s: the fragment must be the key itself", verificationMethod)
	}
	return DecodePublicMultikey(id)
}

func decodeMultibase(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "z")
	if !ok {
		return nil, errors.New("not multibase base58btc (no leading z)")
	}
	b, err := base58.Decode(rest)
	if err != nil {
		return nil, fmt.Errorf("base58btc: %w", err)
	}
	return b, nil
}
