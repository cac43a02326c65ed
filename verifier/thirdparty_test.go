package verifier_test

// Third-party Open Badges 3.0 credentials of every kind the verifier
// accepts, signed here by code written apart from Laurel's (json-gold's
// URDNA2015, crypto/ed25519 and go-jose used directly, following the
// specifications), by three kinds of issuer: a did:key, a did:web and an
// https Profile, the last two served on loopback. The templates are in
// testdata/thirdparty; each case asserts the exact failing checks.

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/mr-tron/base58"
	"github.com/piprate/json-gold/ld"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/verifier"
)

// tpNow is the time the third-party cases are verified at.
var tpNow = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const (
	earnerEmail = "earner@example.org"
	earnerSalt  = "a7c2e1"
)

// fileLoader serves the JSON-LD contexts from the files in the
// repository, by URL, and nothing else.
type fileLoader map[string]string

func (l fileLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	path, ok := l[u]
	if !ok {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, "no context "+u)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	doc, err := ld.DocumentFromReader(bytes.NewReader(b))
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

var contextFiles = fileLoader{
	"https://www.w3.org/ns/credentials/v2":                       "../vocab/contexts/credentials-v2.jsonld",
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "../vocab/contexts/openbadges-v3p0-3.0.3.json",
	"https://purl.imsglobal.org/spec/ob/v3p0/extensions.json":    "contexts/ob-v3p0-extensions.json",
	"https://w3id.org/security/suites/ed25519-2020/v1":           "../dataintegrity/contexts/ed25519-signature-2020-v1.jsonld",
	"https://w3id.org/security/data-integrity/v1":                "../vocab/contexts/data-integrity-v1.jsonld",
	"https://w3id.org/security/multikey/v1":                      "../vocab/contexts/multikey-v1.jsonld",
	"https://www.w3.org/ns/credentials/examples/v2":              "../dataintegrity/testdata/w3c-eddsa-rdfc-2022/credentials-examples-v2.jsonld",
}

// urdna2015 is the RDF Dataset Canonicalization of doc, by json-gold.
func urdna2015(t *testing.T, doc map[string]any) string {
	t.Helper()
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = contextFiles
	opts.Format = "application/n-quads"
	opts.Algorithm = ld.AlgorithmURDNA2015
	out, err := ld.NewJsonLdProcessor().Normalize(roundTrip(t, doc), opts)
	if err != nil {
		t.Fatalf("canonicalize: %v", err)
	}
	return out.(string)
}

// roundTrip is a deep copy of v through JSON.
func roundTrip(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// signProof adds a proof to doc as the W3C Data Integrity EdDSA
// Cryptosuites specify: the proof configuration (with the document's
// @context) and the document canonicalized, each hashed with SHA-256,
// the configuration's hash first; Ed25519 over the 64 bytes; multibase
// base58btc. suite is "eddsa-rdfc-2022" (a DataIntegrityProof) or
// "Ed25519Signature2020".
func signProof(t *testing.T, doc map[string]any, key ed25519.PrivateKey, vm, suite string, after ...func(map[string]any)) map[string]any {
	t.Helper()
	config := map[string]any{
		"@context":           doc["@context"],
		"type":               "DataIntegrityProof",
		"cryptosuite":        suite,
		"created":            "2026-01-01T00:00:00Z",
		"verificationMethod": vm,
		"proofPurpose":       "assertionMethod",
	}
	if suite == "Ed25519Signature2020" {
		config["type"] = suite
		delete(config, "cryptosuite")
	}
	h1 := sha256.Sum256([]byte(urdna2015(t, config)))
	h2 := sha256.Sum256([]byte(urdna2015(t, doc)))
	sig := ed25519.Sign(key, append(h1[:], h2[:]...))
	out := roundTrip(t, doc)
	delete(config, "@context")
	config["proofValue"] = "z" + base58.Encode(sig)
	out["proof"] = config
	for _, a := range after {
		a(out)
	}
	return out
}

// signJWT makes a compact JWS of payload with go-jose, with header typ
// and kid (or the public key as jwk when kid is empty).
func signJWT(t *testing.T, alg jose.SignatureAlgorithm, key crypto.Signer, kid, typ string, payload map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	} else {
		opts.EmbedJWK = true
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(payload)
	obj, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// multikey is the publicKeyMultibase of an Ed25519 or P-256 key.
func multikey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return "z" + base58.Encode(append([]byte{0xed, 0x01}, k...))
	case *ecdsa.PublicKey:
		return "z" + base58.Encode(append([]byte{0x80, 0x24}, compressP256(k)...))
	}
	panic("key kind")
}

// compressP256 is the compressed form of a P-256 public key (SEC 1: 0x02
// or 0x03 for the parity of y, then x).
func compressP256(k *ecdsa.PublicKey) []byte {
	b, _ := k.Bytes() // 0x04, x, y
	return append([]byte{2 | b[64]&1}, b[1:33]...)
}

// publicJWK is the JWK of a public key, as JSON.
func publicJWK(t *testing.T, pub crypto.PublicKey) map[string]any {
	t.Helper()
	b, err := jose.JSONWebKey{Key: pub}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// encodedList is a BitstringStatusList of 131,072 entries with the given
// bits set (bit 0 the first byte's most significant), GZIP'd and
// multibase base64url.
func encodedList(set ...int) string {
	bits := make([]byte, 131072/8)
	for _, i := range set {
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(bits)
	_ = zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// tpSite serves documents on loopback.
type tpSite struct {
	*httptest.Server
	mu   sync.Mutex
	docs map[string][]byte
	hits map[string]int
}

func (s *tpSite) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *tpSite) put(t *testing.T, path string, doc any) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.docs[path] = b
	s.mu.Unlock()
}

// thirdParty is the world of the third-party cases: keys, issuers and
// the site that serves the did:web and Profile documents.
type thirdParty struct {
	site                     *tpSite
	didKey, webKey, profKey  ed25519.PrivateKey
	endorserKey              ed25519.PrivateKey
	ecKey, ecDIDKey          *ecdsa.PrivateKey
	rsaKey                   *rsa.PrivateKey
	didKeyID, didKeyVM       string
	ecDIDKeyID, ecDIDKeyVM   string
	endorserID, endorserVM   string
	webDID, profileID, gone  string
	statusURL, revocationURL string
	v                        *verifier.Verifier
}

func seedKey(b byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)) }

func newThirdParty(t *testing.T) *thirdParty {
	t.Helper()
	site := &tpSite{docs: map[string][]byte{}, hits: map[string]int{}}
	site.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site.mu.Lock()
		site.hits[r.URL.Path]++
		b, ok := site.docs[r.URL.Path]
		site.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(site.Close)
	u, _ := url.Parse(site.URL)
	host := strings.ReplaceAll(u.Host, ":", "%3A")

	tp := &thirdParty{site: site, didKey: seedKey(1), webKey: seedKey(2), profKey: seedKey(3), endorserKey: seedKey(4)}
	var err error
	if tp.ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if tp.ecDIDKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if tp.rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	mk := multikey(tp.didKey.Public())
	tp.didKeyID, tp.didKeyVM = "did:key:"+mk, "did:key:"+mk+"#"+mk
	mk = multikey(&tp.ecDIDKey.PublicKey)
	tp.ecDIDKeyID, tp.ecDIDKeyVM = "did:key:"+mk, "did:key:"+mk+"#"+mk
	mk = multikey(tp.endorserKey.Public())
	tp.endorserID, tp.endorserVM = "did:key:"+mk, "did:key:"+mk+"#"+mk
	tp.webDID = "did:web:" + host + ":issuers:web"
	tp.gone = "did:web:" + host + ":issuers:gone"
	tp.profileID = site.URL + "/issuers/profile"
	tp.statusURL = site.URL + "/status/web"
	tp.revocationURL = site.URL + "/revocations/profile"

	// The did:web document: a Multikey referred to relatively, an
	// Ed25519VerificationKey2020 and a JsonWebKey (P-256), a revoked key.
	site.put(t, "/issuers/web/did.json", map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":       tp.webDID,
		"verificationMethod": []any{
			map[string]any{"id": "#key-1", "type": "Multikey", "controller": tp.webDID, "publicKeyMultibase": multikey(tp.webKey.Public())},
			map[string]any{"id": tp.webDID + "#key-2020", "type": "Ed25519VerificationKey2020", "controller": tp.webDID, "publicKeyMultibase": multikey(tp.webKey.Public())},
			map[string]any{"id": tp.webDID + "#p256", "type": "JsonWebKey", "controller": tp.webDID, "publicKeyJwk": publicJWK(t, &tp.ecKey.PublicKey)},
			map[string]any{"id": tp.webDID + "#old", "type": "Multikey", "controller": tp.webDID, "publicKeyMultibase": multikey(tp.webKey.Public()), "revoked": "2025-06-01T00:00:00Z"},
		},
		"assertionMethod": []any{"#key-1", tp.webDID + "#key-2020", tp.webDID + "#p256", tp.webDID + "#old"},
	})
	// The https Profile: a Multikey and an RSA JsonWebKey2020.
	site.put(t, "/issuers/profile", map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		"id":       tp.profileID, "type": []any{"Profile"}, "name": "Profile University",
		"verificationMethod": []any{
			map[string]any{"id": tp.profileID + "#key-1", "type": "Multikey", "controller": tp.profileID, "publicKeyMultibase": multikey(tp.profKey.Public())},
			map[string]any{"id": tp.profileID + "#rsa", "type": "JsonWebKey2020", "controller": tp.profileID, "publicKeyJwk": publicJWK(t, &tp.rsaKey.PublicKey)},
		},
		"assertionMethod": []any{tp.profileID + "#key-1", tp.profileID + "#rsa"},
	})
	// A bare JWK and a JWK Set on the Profile's origin (as Open Badges
	// 3.0 §8.2 lets a kid dereference to a JWK), and one elsewhere.
	site.put(t, "/keys/rsa.json", publicJWK(t, &tp.rsaKey.PublicKey))
	set := publicJWK(t, &tp.ecKey.PublicKey)
	set["kid"] = "es-1"
	site.put(t, "/keys/set.json", map[string]any{"keys": []any{set}})
	// The did:web issuer's status list: entries 7 and 9 revoked.
	list := tp.template(t, "statuslist.json", tp.webDID, tp.statusURL)
	list["credentialSubject"].(map[string]any)["encodedList"] = encodedList(7, 9)
	site.put(t, "/status/web", signProof(t, list, tp.webKey, tp.webDID+"#key-1", "eddsa-rdfc-2022"))
	// The Profile issuer's 1EdTech revocation list.
	site.put(t, "/revocations/profile", map[string]any{
		"id": tp.revocationURL, "issuer": tp.profileID,
		"revokedCredentials": []any{
			map[string]any{"id": "urn:uuid:00000000-0000-4000-8000-00000000dead", "revocationReason": "Awarded in error"},
		},
	})

	allow, err := egress.ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	tp.v = &verifier.Verifier{
		Client:    egress.New(egress.Config{Allow: allow, Timeout: 10 * time.Second}).HTTPClient(),
		Now:       func() time.Time { return tpNow },
		PlainHTTP: func(h string) bool { return h == "127.0.0.1" },
	}
	return tp
}

// template reads testdata/thirdparty/name with ISSUER and ID filled in.
func (tp *thirdParty) template(t *testing.T, name, issuer, id string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "thirdparty", name))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("{{ISSUER}}"), []byte(issuer))
	b = bytes.ReplaceAll(b, []byte("{{ID}}"), []byte(id))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// badge is an unsigned OpenBadgeCredential of issuer, awarded to
// earnerEmail, changed by each of change.
func (tp *thirdParty) badge(t *testing.T, issuer, id string, change ...func(map[string]any)) map[string]any {
	t.Helper()
	doc := tp.template(t, "openbadgecredential.json", issuer, id)
	sum := sha256.Sum256([]byte(earnerEmail + earnerSalt))
	subject := doc["credentialSubject"].(map[string]any)
	subject["identifier"] = []any{map[string]any{"type": "IdentityObject", "hashed": true,
		"identityHash": "sha256$" + hex.EncodeToString(sum[:]), "identityType": "emailAddress", "salt": earnerSalt}}
	for _, c := range change {
		c(doc)
	}
	return doc
}

// endorsement is a signed EndorsementCredential of the endorser's
// did:key about subject, changed by change after signing.
func (tp *thirdParty) endorsement(t *testing.T, subject string, change func(map[string]any)) map[string]any {
	t.Helper()
	doc := tp.template(t, "endorsementcredential.json", tp.endorserID, "urn:uuid:00000000-0000-4000-8000-0000000e0001")
	doc["credentialSubject"].(map[string]any)["id"] = subject
	signed := signProof(t, doc, tp.endorserKey, tp.endorserVM, "eddsa-rdfc-2022")
	if change != nil {
		change(signed)
	}
	return signed
}

func asJSON(t *testing.T, v map[string]any) verifier.Input {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return verifier.Input{JSON: b, RecipientEmail: earnerEmail}
}

func asText(s string) verifier.Input {
	return verifier.Input{JSON: []byte(s), RecipientEmail: earnerEmail}
}

// withContext adds a context to a credential.
func withContext(u string) func(map[string]any) {
	return func(d map[string]any) { d["@context"] = append(d["@context"].([]any), u) }
}

// jwtClaims returns payload with the JWT claims of Open Badges 3.0 §8.2
// beside the credential.
func jwtClaims(cred map[string]any, vcClaim bool) map[string]any {
	claims := map[string]any{
		"iss": cred["issuer"].(map[string]any)["id"],
		"jti": cred["id"],
		"nbf": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
	}
	if vcClaim {
		claims["vc"] = cred
		return claims
	}
	for k, v := range cred {
		claims[k] = v
	}
	return claims
}

func TestVerifyThirdPartyCredentials(t *testing.T) {
	tp := newThirdParty(t)
	const (
		di    = verifier.DataIntegrity
		ed20  = verifier.Ed25519Signature2020
		vcjwt = verifier.VCJWT
	)
	id := func(n string) string { return "urn:uuid:00000000-0000-4000-8000-0000000000" + n }
	bitstring := func(index string) func(map[string]any) {
		return func(d map[string]any) {
			d["credentialStatus"] = map[string]any{"id": tp.statusURL + "#" + index, "type": "BitstringStatusListEntry",
				"statusPurpose": "revocation", "statusListIndex": index, "statusListCredential": tp.statusURL}
		}
	}
	revocationList := func(d map[string]any) {
		d["@context"] = append(d["@context"].([]any), "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
		d["credentialStatus"] = map[string]any{"id": tp.revocationURL, "type": "1EdTechRevocationList"}
	}
	achievementEndorsed := func(e map[string]any) func(map[string]any) {
		return func(d map[string]any) {
			a := d["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
			a["endorsement"] = []any{e}
		}
	}
	achievementID := "https://example.org/achievements/teamwork"
	withSubjectID := func(d map[string]any) { d["credentialSubject"].(map[string]any)["id"] = "did:example:earner" }
	tampered := func(d map[string]any) map[string]any { d["name"] = "Forged badge"; return d }
	swapPayload := func(jwt string, other string) string {
		a, b := strings.Split(jwt, "."), strings.Split(other, ".")
		return a[0] + "." + b[1] + "." + a[2]
	}

	esJWT := signJWT(t, jose.ES256, tp.ecKey, tp.webDID+"#p256", "JWT",
		jwtClaims(tp.badge(t, tp.webDID, id("21"), withSubjectID), false))
	esJWTOther := signJWT(t, jose.ES256, tp.ecKey, tp.webDID+"#p256", "JWT",
		jwtClaims(tp.badge(t, tp.webDID, id("22"), withSubjectID, func(d map[string]any) { tampered(d) }), false))

	cases := []struct {
		name         string
		in           verifier.Input
		verification string
		errs         []string // the failing checks, in order
		warns        []string // the warnings, in order
		passes       []string // the endorsement checks passed, when not nil
		revoked      bool
		reason       string
	}{
		// Valid, each kind of issuer and proof.
		{name: "did:key, eddsa-rdfc-2022",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("01")), tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022")),
			verification: di},
		{name: "did:web Multikey, eddsa-rdfc-2022, BitstringStatusList entry clear",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.webDID, id("02"), bitstring("5")), tp.webKey, tp.webDID+"#key-1", "eddsa-rdfc-2022")),
			verification: di},
		{name: "https Profile Multikey, eddsa-rdfc-2022, not in the 1EdTechRevocationList",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.profileID, id("03"), revocationList), tp.profKey, tp.profileID+"#key-1", "eddsa-rdfc-2022")),
			verification: di},
		{name: "did:web Ed25519VerificationKey2020, Ed25519Signature2020",
			in: asJSON(t, signProof(t, tp.badge(t, tp.webDID, id("04"), withContext("https://w3id.org/security/suites/ed25519-2020/v1")),
				tp.webKey, tp.webDID+"#key-2020", "Ed25519Signature2020")),
			verification: ed20},
		{name: "did:key, Ed25519Signature2020",
			in: asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("05"), withContext("https://w3id.org/security/suites/ed25519-2020/v1")),
				tp.didKey, tp.didKeyVM, "Ed25519Signature2020")),
			verification: ed20},
		{name: "VC-JWT EdDSA, did:key, VC 2.0 payload",
			in:           asText(signJWT(t, jose.EdDSA, tp.didKey, tp.didKeyVM, "vc+jwt", tp.badge(t, tp.didKeyID, id("06")))),
			verification: vcjwt},
		{name: "VC-JWT ES256, did:web JsonWebKey, OB 3.0 claims",
			in:           asText(esJWT),
			verification: vcjwt},
		{name: "VC-JWT ES256, did:key P-256",
			in:           asText(signJWT(t, jose.ES256, tp.ecDIDKey, tp.ecDIDKeyVM, "", tp.badge(t, tp.ecDIDKeyID, id("07")))),
			verification: vcjwt},
		{name: "VC-JWT RS256, https Profile JsonWebKey2020, vc claim",
			in:           asText(signJWT(t, jose.RS256, tp.rsaKey, tp.profileID+"#rsa", "JWT", jwtClaims(tp.badge(t, tp.profileID, id("08")), true))),
			verification: vcjwt},
		{name: "VC-JWT RS256, key in the jwk header, listed by the Profile",
			in:           asText(signJWT(t, jose.RS256, tp.rsaKey, "", "JWT", jwtClaims(tp.badge(t, tp.profileID, id("09")), false))),
			verification: vcjwt},
		{name: "VC-JWT RS256, kid a bare JWK on the issuer's origin",
			in:           asText(signJWT(t, jose.RS256, tp.rsaKey, tp.site.URL+"/keys/rsa.json", "JWT", tp.badge(t, tp.profileID, id("32")))),
			verification: vcjwt},
		{name: "VC-JWT ES256, kid in a JWK Set on the issuer's origin",
			in:           asText(signJWT(t, jose.ES256, tp.ecKey, tp.site.URL+"/keys/set.json#es-1", "JWT", tp.badge(t, tp.profileID, id("33")))),
			verification: vcjwt},
		{name: "VC-JWT vc claim leaving validFrom and id to nbf and jti",
			in: asText(signJWT(t, jose.ES256, tp.ecKey, tp.webDID+"#p256", "JWT", func() map[string]any {
				c := jwtClaims(tp.badge(t, tp.webDID, id("36")), true)
				vc := c["vc"].(map[string]any)
				delete(vc, "validFrom")
				delete(vc, "id")
				return c
			}())),
			verification: vcjwt},
		{name: "valid endorsement embedded in the achievement",
			in: asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("10"), achievementEndorsed(tp.endorsement(t, achievementID, nil))),
				tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022")),
			verification: di},

		// endorsementJwt has no term in the Open Badges 3.0 context, so
		// a Data Integrity proof cannot cover it (canonicalization in safe
		// mode refuses it); a VC-JWT's signature covers its payload whole.
		{name: "VC-JWT with endorsements in the issuer Profile (a VC-JWT) and at the top level",
			in: asText(signJWT(t, jose.EdDSA, tp.didKey, tp.didKeyVM, "JWT", jwtClaims(tp.badge(t, tp.didKeyID, id("27"), func(d map[string]any) {
				d["issuer"].(map[string]any)["endorsementJwt"] = []any{signJWT(t, jose.EdDSA, tp.endorserKey, tp.endorserVM, "JWT",
					jwtClaims(tp.endorsement(t, tp.didKeyID, func(e map[string]any) { delete(e, "proof") }), false))}
				d["endorsement"] = []any{tp.endorsement(t, id("27"), nil)}
			}), false))),
			verification: vcjwt, passes: []string{verifier.CheckEndorsement, verifier.CheckEndorsement}},
		{name: "endorsementJwt under a Data Integrity proof",
			in: asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("31")), tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022", func(d map[string]any) {
				d["endorsementJwt"] = []any{"e30.e30.e30"}
			})),
			verification: di, errs: []string{verifier.CheckSignature}, warns: []string{verifier.CheckEndorsement}},

		// Invalid.
		{name: "tampered, did:web",
			in:           asJSON(t, tampered(signProof(t, tp.badge(t, tp.webDID, id("11")), tp.webKey, tp.webDID+"#key-1", "eddsa-rdfc-2022"))),
			verification: di, errs: []string{verifier.CheckSignature}},
		{name: "tampered, Ed25519Signature2020",
			in: asJSON(t, tampered(signProof(t, tp.badge(t, tp.didKeyID, id("12"), withContext("https://w3id.org/security/suites/ed25519-2020/v1")),
				tp.didKey, tp.didKeyVM, "Ed25519Signature2020"))),
			verification: ed20, errs: []string{verifier.CheckSignature}},
		{name: "expired, https Profile",
			in: asJSON(t, signProof(t, tp.badge(t, tp.profileID, id("13"), func(d map[string]any) { d["validUntil"] = "2026-06-01T00:00:00Z" }),
				tp.profKey, tp.profileID+"#key-1", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckExpiry}},
		{name: "revoked in the BitstringStatusList",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.webDID, id("14"), bitstring("7")), tp.webKey, tp.webDID+"#key-1", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckRevocation}, revoked: true},
		{name: "revoked in the 1EdTechRevocationList",
			in: asJSON(t, signProof(t, tp.badge(t, tp.profileID, "urn:uuid:00000000-0000-4000-8000-00000000dead", revocationList),
				tp.profKey, tp.profileID+"#key-1", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckRevocation}, revoked: true, reason: "Awarded in error"},
		{name: "wrong recipient",
			in: func() verifier.Input {
				in := asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("15")), tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022"))
				in.RecipientEmail = "someone.else@example.org"
				return in
			}(),
			verification: di, errs: []string{verifier.CheckRecipient}},
		{name: "unresolvable key: the did:web document is 404",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.gone, id("16")), tp.webKey, tp.gone+"#key-1", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckKeyOwner}},
		{name: "unresolvable key: no such verificationMethod",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.webDID, id("17")), tp.webKey, tp.webDID+"#key-9", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckKeyOwner}},
		{name: "key revoked before the proof",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.webDID, id("18")), tp.webKey, tp.webDID+"#old", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckKeyOwner}},
		{name: "another issuer's key",
			in:           asJSON(t, signProof(t, tp.badge(t, tp.profileID, id("19")), tp.webKey, tp.webDID+"#key-1", "eddsa-rdfc-2022")),
			verification: di, errs: []string{verifier.CheckKeyOwner}},
		{name: "tampered endorsement: reported, the badge stays valid",
			in: asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("20"), achievementEndorsed(tp.endorsement(t, achievementID, func(e map[string]any) {
				e["credentialSubject"].(map[string]any)["endorsementComment"] = "Forged praise"
			}))), tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022")),
			verification: di, warns: []string{verifier.CheckEndorsement}},
		{name: "expired endorsement and one that is no EndorsementCredential: reported, the badge stays valid",
			in: asJSON(t, signProof(t, tp.badge(t, tp.didKeyID, id("28"), func(d map[string]any) {
				expired := tp.template(t, "endorsementcredential.json", tp.endorserID, id("29"))
				expired["validUntil"] = "2026-02-01T00:00:00Z"
				badge := signProof(t, tp.badge(t, tp.endorserID, id("30")), tp.endorserKey, tp.endorserVM, "eddsa-rdfc-2022")
				d["endorsement"] = []any{signProof(t, expired, tp.endorserKey, tp.endorserVM, "eddsa-rdfc-2022"), badge}
			}), tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022")),
			verification: di, passes: []string{}, warns: []string{verifier.CheckEndorsement, verifier.CheckEndorsement}},
		{name: "VC-JWT tampered payload",
			in:           asText(swapPayload(esJWT, esJWTOther)),
			verification: vcjwt, errs: []string{verifier.CheckSignature}},
		{name: "VC-JWT whose jti is not the credential's id",
			in: asText(signJWT(t, jose.ES256, tp.ecKey, tp.webDID+"#p256", "JWT", func() map[string]any {
				c := jwtClaims(tp.badge(t, tp.webDID, id("23"), withSubjectID), false)
				c["jti"] = id("99")
				return c
			}())),
			verification: vcjwt, errs: []string{verifier.CheckJWTClaims}},
		{name: "VC-JWT RS256 naming an EC key",
			in:           asText(signJWT(t, jose.RS256, tp.rsaKey, tp.webDID+"#p256", "JWT", tp.badge(t, tp.webDID, id("24")))),
			verification: vcjwt, errs: []string{verifier.CheckSignature}},
		{name: "VC-JWT whose bare JWK is not on the issuer's origin",
			in:           asText(signJWT(t, jose.RS256, tp.rsaKey, tp.site.URL+"/keys/rsa.json", "JWT", tp.badge(t, "https://elsewhere.example/issuer", id("34")))),
			verification: vcjwt, errs: []string{verifier.CheckKeyOwner}},
		{name: "VC-JWT whose kid is not in the JWK Set",
			in:           asText(signJWT(t, jose.ES256, tp.ecKey, tp.site.URL+"/keys/set.json#es-2", "JWT", tp.badge(t, tp.profileID, id("35")))),
			verification: vcjwt, errs: []string{verifier.CheckKeyOwner}},
		{name: "VC-JWT with a jwk the issuer does not list",
			in:           asText(signJWT(t, jose.ES256, tp.ecDIDKey, "", "JWT", tp.badge(t, tp.profileID, id("25")))),
			verification: vcjwt, errs: []string{verifier.CheckKeyOwner}},
		{name: "VC-JWT expired by its exp claim",
			in: asText(signJWT(t, jose.EdDSA, tp.didKey, tp.didKeyVM, "JWT", func() map[string]any {
				c := jwtClaims(tp.badge(t, tp.didKeyID, id("26")), true)
				c["exp"] = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
				return c
			}())),
			verification: vcjwt, errs: []string{verifier.CheckExpiry}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := tp.v.Verify(context.Background(), tc.in)
			names := func(cs []verifier.Check) []string {
				var out []string
				for _, c := range cs {
					out = append(out, c.Name)
				}
				return out
			}
			dump := func() string {
				var b strings.Builder
				for _, c := range rep.Checks {
					b.WriteString("\n  " + c.Name + " " + map[bool]string{true: "ok  ", false: "FAIL"}[c.OK] + " " + c.Message)
				}
				return b.String()
			}
			t.Log(dump())
			if got := names(rep.Errors); !slices.Equal(got, tc.errs) {
				t.Errorf("errors %v, want %v%s", got, tc.errs, dump())
			}
			if got := names(rep.Warnings); !slices.Equal(got, tc.warns) {
				t.Errorf("warnings %v, want %v%s", got, tc.warns, dump())
			}
			if tc.passes != nil {
				var got []string
				for _, c := range rep.Checks {
					if c.OK && c.Name == verifier.CheckEndorsement {
						got = append(got, c.Name)
					}
				}
				if len(got) != len(tc.passes) {
					t.Errorf("%d endorsement checks passed, want %d%s", len(got), len(tc.passes), dump())
				}
				if n := len(rep.Endorsements); n != len(tc.passes)+len(tc.warns) {
					t.Errorf("%d endorsements reported, want %d", n, len(tc.passes)+len(tc.warns))
				}
			}
			if rep.Valid != (len(tc.errs) == 0) {
				t.Errorf("Valid = %v", rep.Valid)
			}
			if rep.Verification != tc.verification {
				t.Errorf("Verification = %q, want %q", rep.Verification, tc.verification)
			}
			if rep.Revoked != tc.revoked || rep.RevocationReason != tc.reason {
				t.Errorf("Revoked = %v %q, want %v %q", rep.Revoked, rep.RevocationReason, tc.revoked, tc.reason)
			}
		})
	}
}

func TestVerifyChecksAtMostMaxEndorsements(t *testing.T) {
	tp := newThirdParty(t)
	e := tp.endorsement(t, "https://example.org/achievements/teamwork", nil)
	var many []any
	for range verifier.MaxEndorsements + 2 {
		many = append(many, e)
	}
	doc := signProof(t, tp.badge(t, tp.didKeyID, "urn:uuid:00000000-0000-4000-8000-000000000100", func(d map[string]any) {
		d["endorsement"] = many
	}), tp.didKey, tp.didKeyVM, "eddsa-rdfc-2022")
	rep := tp.v.Verify(context.Background(), asJSON(t, doc))
	passed := 0
	for _, c := range rep.Checks {
		if c.Name == verifier.CheckEndorsement && c.OK {
			passed++
		}
	}
	if !rep.Valid || passed != verifier.MaxEndorsements || len(rep.Endorsements) != verifier.MaxEndorsements ||
		len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0].Message, "2 more endorsements were not checked") {
		t.Fatalf("valid %v, %d endorsement checks passed, %d reported, warnings %+v", rep.Valid, passed, len(rep.Endorsements), rep.Warnings)
	}
}

func TestVerifyFetchesEachDocumentOnce(t *testing.T) {
	// The did:web document serves the credential's proof and its status
	// list's: one fetch.
	tp := newThirdParty(t)
	doc := signProof(t, tp.badge(t, tp.webDID, "urn:uuid:00000000-0000-4000-8000-000000000200", func(d map[string]any) {
		d["credentialStatus"] = map[string]any{"id": tp.statusURL + "#3", "type": "BitstringStatusListEntry",
			"statusPurpose": "revocation", "statusListIndex": "3", "statusListCredential": tp.statusURL}
	}), tp.webKey, tp.webDID+"#key-1", "eddsa-rdfc-2022")
	rep := tp.v.Verify(context.Background(), asJSON(t, doc))
	if !rep.Valid {
		t.Fatalf("not valid: %+v", rep.Errors)
	}
	if n, m := tp.site.hitsOf("/issuers/web/did.json"), tp.site.hitsOf("/status/web"); n != 1 || m != 1 {
		t.Errorf("did.json fetched %d times, the status list %d; want once each", n, m)
	}
}
