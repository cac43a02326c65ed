package verifier_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// now is the time of the tests: after the expired example's expiry
// (2022-11-15) and long after every example was issued.
var now = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// site is a web site on loopback serving Open Badges documents by path.
type site struct {
	*httptest.Server
	mu      sync.Mutex
	pages   map[string]page
	accepts []string // the Accept header of every request
}

type page struct {
	status int
	body   []byte
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{pages: map[string]page{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.pages[r.URL.Path]
	s.accepts = append(s.accepts, r.Header.Get("Accept"))
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if len(p.body) > 0 {
		w.Header().Set("Content-Type", "application/ld+json")
	}
	w.WriteHeader(p.status)
	w.Write(p.body)
}

// put serves v (a []byte as it is, anything else as JSON) at path.
func (s *site) put(t *testing.T, path string, status int, v any) {
	t.Helper()
	body, ok := v.([]byte)
	if !ok && v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	s.pages[path] = page{status: status, body: body}
	s.mu.Unlock()
}

func (s *site) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accepts)
}

// example reads an example of the 1EdTech validator's tests with its
// example.org URLs moved to the site.
func (s *site) example(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "vocab", "testdata", "ob20", name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("https://example.org", s.URL, "http://example.org", s.URL).Replace(string(data))
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// fixture is the issuer's site with every document the tests verify.
type fixture struct {
	a, b     *site           // the issuer's site, and another origin
	key      *rsa.PrivateKey // the issuer's signing key, published at /key.json
	otherKey *rsa.PrivateKey // a key that is not the issuer's
	v        *verifier.Verifier
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{a: newSite(t), b: newSite(t), key: newKey(t), otherKey: newKey(t)}
	allow, err := egress.ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	f.v = &verifier.Verifier{
		Client: egress.New(egress.Config{Allow: allow, Timeout: 10 * time.Second}).HTTPClient(),
		Now:    func() time.Time { return now },
	}
	a, b := f.a, f.b

	// The issuer Profile the examples name, from issuer1.json (whose inline
	// context also exercises normalisation), with keys and a revocation list.
	org := a.example(t, "issuer1.json")
	org["id"] = a.URL + "/organization.json"
	org["publicKey"] = []any{a.URL + "/key.json", a.URL + "/key-other-owner.json"}
	org["revocationList"] = a.URL + "/revocation-list.json"
	a.put(t, "/organization.json", 200, org)

	// Profiles that let other hosts host their assertions.
	allowing := clone(org)
	allowing["id"] = a.URL + "/organization-allowing.json"
	allowing["verification"] = map[string]any{"type": "VerificationObject", "allowedOrigins": hostPort(b.URL)}
	a.put(t, "/organization-allowing.json", 200, allowing)
	prefix := clone(org)
	prefix["id"] = a.URL + "/organization-prefix.json"
	prefix["verification"] = map[string]any{"startsWith": b.URL + "/ok/"}
	a.put(t, "/organization-prefix.json", 200, prefix)

	a.put(t, "/robotics-badge.json", 200, a.example(t, "robotics-badge.json"))
	a.put(t, "/badgeclass-with-endorsements.json", 200, a.example(t, "badgeclass-with-endorsements.json"))
	a.put(t, "/revocation-list.json", 200, a.example(t, "revocation-list.json"))

	valid := a.example(t, "assertion-with-endorsements.json")
	a.put(t, "/beths-robotics-badge.json", 200, valid)
	revoked := clone(valid)
	revoked["id"] = a.URL + "/beths-robotics-badge-revoked.json"
	a.put(t, "/beths-robotics-badge-revoked.json", 200, revoked)
	expired := a.example(t, "basic-assertion-expired.json")
	expired["id"] = a.URL + "/expired.json"
	a.put(t, "/expired.json", 200, expired)
	a.put(t, "/moved.json", 200, valid) // its id is /beths-robotics-badge.json
	a.put(t, "/gone.json", 410, map[string]any{"@context": vocab.Context, "id": a.URL + "/gone.json", "revoked": true, "revocationReason": "Awarded in error"})
	a.put(t, "/gone-empty.json", 410, nil)
	flagged := clone(valid)
	flagged["id"] = a.URL + "/flagged.json"
	flagged["revoked"] = true
	a.put(t, "/flagged.json", 200, flagged)
	missingBadge := clone(valid)
	missingBadge["id"] = a.URL + "/missing-badge.json"
	missingBadge["badge"] = a.URL + "/no-such-badge.json"
	a.put(t, "/missing-badge.json", 200, missingBadge)

	// Assertions hosted on the other origin.
	elsewhere := clone(valid)
	elsewhere["id"] = b.URL + "/beths-robotics-badge.json"
	b.put(t, "/beths-robotics-badge.json", 200, elsewhere)
	allowed := clone(valid)
	allowed["id"] = b.URL + "/allowed.json"
	allowed["badge"] = withIssuer(valid["badge"], a.URL+"/organization-allowing.json")
	b.put(t, "/allowed.json", 200, allowed)
	for _, p := range []string{"/ok/1.json", "/no/1.json"} {
		doc := clone(valid)
		doc["id"] = b.URL + p
		doc["badge"] = withIssuer(valid["badge"], a.URL+"/organization-prefix.json")
		b.put(t, p, 200, doc)
	}

	// Keys: the issuer's; one the Profile lists but that names another
	// owner; one that names the issuer but that the Profile does not list.
	a.put(t, "/key.json", 200, keyDoc(t, a.URL+"/key.json", a.URL+"/organization.json", &f.key.PublicKey))
	a.put(t, "/key-other-owner.json", 200, keyDoc(t, a.URL+"/key-other-owner.json", b.URL+"/someone-else.json", &f.otherKey.PublicKey))
	a.put(t, "/key-unlisted.json", 200, keyDoc(t, a.URL+"/key-unlisted.json", a.URL+"/organization.json", &f.otherKey.PublicKey))
	return f
}

// signed returns a signed assertion of the robotics badge, with the given
// id and creator key, signed by key.
func (f *fixture) signed(t *testing.T, id, creator string, key *rsa.PrivateKey) string {
	t.Helper()
	payload := f.signedPayload(id, creator)
	jws, err := vocab.SignJWS(key, payload)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

func (f *fixture) signedPayload(id, creator string) []byte {
	doc := map[string]any{
		"@context": vocab.Context,
		"type":     "Assertion",
		"id":       id,
		"recipient": map[string]any{
			"type": "email", "hashed": true, "salt": "deadsea",
			"identity": "sha256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942",
		},
		"issuedOn":     "2016-12-31T23:59:59Z",
		"badge":        f.a.URL + "/robotics-badge.json",
		"verification": map[string]any{"type": "SignedBadge", "creator": creator},
	}
	data, _ := json.Marshal(doc)
	return data
}

func newKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keyDoc(t *testing.T, id, owner string, pub *rsa.PublicKey) map[string]any {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"@context":     vocab.Context,
		"type":         "CryptographicKey",
		"id":           id,
		"owner":        owner,
		"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}
}

// clone deep-copies a decoded JSON document.
func clone(m map[string]any) map[string]any {
	data, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(data, &out)
	return out
}

// withIssuer returns a copy of an embedded BadgeClass naming issuer.
func withIssuer(badge any, issuer string) map[string]any {
	b := clone(badge.(map[string]any))
	b["issuer"] = issuer
	return b
}

func hostPort(u string) string { return strings.TrimPrefix(u, "http://") }

// expect is what a test wants of a Report.
type expect struct {
	valid        bool
	verification string
	errs         map[string]string // check name -> a part of its message; every error must be listed
	revoked      bool
	reason       string
	expired      bool
	recipient    *bool
}

func (e expect) check(t *testing.T, rep verifier.Report) {
	t.Helper()
	if rep.Valid != e.valid {
		t.Errorf("Valid = %t; want %t", rep.Valid, e.valid)
	}
	if rep.Valid != (len(rep.Errors) == 0) {
		t.Errorf("Valid = %t with %d errors", rep.Valid, len(rep.Errors))
	}
	if e.verification != "" && rep.Verification != e.verification {
		t.Errorf("Verification = %q; want %q", rep.Verification, e.verification)
	}
	for name, part := range e.errs {
		found := false
		for _, c := range rep.Errors {
			if c.Name == name && strings.Contains(c.Message, part) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %q error containing %q", name, part)
		}
	}
	for _, c := range rep.Errors {
		if _, want := e.errs[c.Name]; !want {
			t.Errorf("unexpected error %s: %s", c.Name, c.Message)
		}
	}
	if rep.Revoked != e.revoked || rep.RevocationReason != e.reason {
		t.Errorf("Revoked = %t, %q; want %t, %q", rep.Revoked, rep.RevocationReason, e.revoked, e.reason)
	}
	if rep.Expired != e.expired {
		t.Errorf("Expired = %t; want %t", rep.Expired, e.expired)
	}
	switch {
	case e.recipient == nil && rep.RecipientMatched != nil:
		t.Errorf("RecipientMatched = %t; want nil", *rep.RecipientMatched)
	case e.recipient != nil && (rep.RecipientMatched == nil || *rep.RecipientMatched != *e.recipient):
		t.Errorf("RecipientMatched = %v; want %t", rep.RecipientMatched, *e.recipient)
	}
	if t.Failed() {
		for _, c := range rep.Checks {
			t.Logf("  %-18s ok=%-5t %s", c.Name, c.OK, c.Message)
		}
	}
}

func ptr(b bool) *bool { return &b }

func TestVerify(t *testing.T) {
	f := newFixture(t)
	a, b := f.a, f.b
	validJSON, _ := json.Marshal(a.example(t, "assertion-with-endorsements.json"))
	signedOK := f.signed(t, "urn:uuid:0b2a4c1e-3d5f-4a6b-8c7d-9e0f1a2b3c4d", a.URL+"/key.json", f.key)

	// A signed assertion whose payload was changed after signing: the
	// year of issuedOn, so it is still a well-formed assertion.
	parts := strings.Split(signedOK, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte("2016-"), []byte("2015-"), 1)) + "." + parts[2]

	// Tokens that name another algorithm than RS256: HMAC keyed with the
	// issuer's public key (the classic forgery), and no signature at all.
	b64 := base64.RawURLEncoding
	unsigned := f.signedPayload("urn:uuid:6", a.URL+"/key.json")
	pubDER, _ := x509.MarshalPKIXPublicKey(&f.key.PublicKey)
	hsInput := b64.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + b64.EncodeToString(unsigned)
	mac := hmac.New(sha256.New, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + b64.EncodeToString(mac.Sum(nil))
	algNone := b64.EncodeToString([]byte(`{"alg":"none"}`)) + "." + b64.EncodeToString(unsigned) + "."

	for _, tc := range []struct {
		name string
		in   verifier.Input
		want expect
	}{
		{"hosted assertion with endorsements", verifier.Input{URL: a.URL + "/beths-robotics-badge.json"},
			expect{valid: true, verification: "hosted"}},
		{"hosted assertion given as its JSON", verifier.Input{JSON: validJSON},
			expect{valid: true, verification: "hosted"}},
		{"expired", verifier.Input{URL: a.URL + "/expired.json"},
			expect{verification: "hosted", expired: true, errs: map[string]string{"expiry": "expired on 2022-11-15T23:59:59Z"}}},
		{"hosted on another origin", verifier.Input{URL: b.URL + "/beths-robotics-badge.json"},
			expect{verification: "hosted", errs: map[string]string{"hosted-id-scope": "hosted on " + b.URL + ", not on the issuer's origin " + a.URL}}},
		{"other origin in allowedOrigins", verifier.Input{URL: b.URL + "/allowed.json"},
			expect{valid: true, verification: "hosted"}},
		{"startsWith allows", verifier.Input{URL: b.URL + "/ok/1.json"},
			expect{valid: true, verification: "hosted"}},
		{"startsWith refuses", verifier.Input{URL: b.URL + "/no/1.json"},
			expect{verification: "hosted", errs: map[string]string{"hosted-id-scope": "does not start with any of " + b.URL + "/ok/"}}},
		{"in the revocation list", verifier.Input{URL: a.URL + "/beths-robotics-badge-revoked.json"},
			expect{verification: "hosted", revoked: true, reason: "A good reason, for sure",
				errs: map[string]string{"revocation": "revocation list " + a.URL + "/revocation-list.json"}}},
		{"410 Gone with a reason", verifier.Input{URL: a.URL + "/gone.json"},
			expect{verification: "hosted", revoked: true, reason: "Awarded in error", errs: map[string]string{"revocation": "410 Gone"}}},
		{"410 Gone without a body", verifier.Input{URL: a.URL + "/gone-empty.json"},
			expect{verification: "hosted", revoked: true, errs: map[string]string{"revocation": "410 Gone"}}},
		{"revoked: true", verifier.Input{URL: a.URL + "/flagged.json"},
			expect{verification: "hosted", revoked: true, errs: map[string]string{"revocation": "declares it revoked"}}},
		{"id is not the URL", verifier.Input{URL: a.URL + "/moved.json"},
			expect{verification: "hosted", errs: map[string]string{"assertion-id": "has the id \"" + a.URL + "/beths-robotics-badge.json\""}}},
		{"not found", verifier.Input{URL: a.URL + "/nothing.json"},
			expect{verification: "hosted", errs: map[string]string{"assertion-fetched": a.URL + "/nothing.json answered 404 Not Found"}}},
		{"BadgeClass not found", verifier.Input{URL: a.URL + "/missing-badge.json"},
			expect{verification: "hosted", errs: map[string]string{"badgeclass-fetched": a.URL + "/no-such-badge.json answered 404 Not Found"}}},

		{"signed", verifier.Input{JSON: []byte(signedOK)}, expect{valid: true, verification: "signed"}},
		{"signed, JSON-quoted", verifier.Input{JSON: []byte(`"` + signedOK + `"`)}, expect{valid: true, verification: "signed"}},
		{"signed, tampered payload", verifier.Input{JSON: []byte(tampered)},
			expect{verification: "signed", errs: map[string]string{"signature": "does not verify with the key " + a.URL + "/key.json"}}},
		{"signed by another key", verifier.Input{JSON: []byte(f.signed(t, "urn:uuid:1", a.URL+"/key.json", f.otherKey))},
			expect{verification: "signed", errs: map[string]string{"signature": "signature does not verify"}}},
		{"signed with HS256", verifier.Input{JSON: []byte(hs256)},
			expect{verification: "signed", errs: map[string]string{"signature": "algorithm not allowed (only RS256): HS256"}}},
		{"alg none", verifier.Input{JSON: []byte(algNone)},
			expect{errs: map[string]string{"signature": `JWS algorithm not allowed (only RS256): "none"`}}},
		{"key owned by another profile", verifier.Input{JSON: []byte(f.signed(t, "urn:uuid:2", a.URL+"/key-other-owner.json", f.otherKey))},
			expect{verification: "signed", errs: map[string]string{"key-owner": "belongs to \"" + b.URL + "/someone-else.json\", not to the issuer", "signature": "no usable key"}}},
		{"key not listed by the profile", verifier.Input{JSON: []byte(f.signed(t, "urn:uuid:3", a.URL+"/key-unlisted.json", f.otherKey))},
			expect{verification: "signed", errs: map[string]string{"key-owner": "does not list the key " + a.URL + "/key-unlisted.json", "signature": "no usable key"}}},
		{"signed and revoked (string entry)", verifier.Input{JSON: []byte(f.signed(t, "urn:uuid:6deb4a00-ebce-4b28-8cc2-afa705ef7be4", a.URL+"/key.json", f.key))},
			expect{verification: "signed", revoked: true, errs: map[string]string{"revocation": "names it"}}},
		{"signed and revoked (object entry)", verifier.Input{JSON: []byte(f.signed(t, "urn:uuid:52e4c6b3-8c13-4fa8-8482-a5cf34ef37a9", a.URL+"/key.json", f.key))},
			expect{verification: "signed", revoked: true, errs: map[string]string{"revocation": "names it"}}},
		{"signed assertion as plain JSON", verifier.Input{JSON: f.signedPayload("urn:uuid:4", a.URL+"/key.json")},
			expect{errs: map[string]string{"verification-type": "give its JWS"}}},

		{"recipient email matches", verifier.Input{URL: a.URL + "/beths-robotics-badge.json", RecipientEmail: "nobody@example.org"},
			expect{valid: true, verification: "hosted", recipient: ptr(true)}},
		{"recipient email matches in another case", verifier.Input{URL: a.URL + "/beths-robotics-badge.json", RecipientEmail: " Nobody@Example.ORG "},
			expect{valid: true, verification: "hosted", recipient: ptr(true)}},
		{"recipient email does not match", verifier.Input{URL: a.URL + "/beths-robotics-badge.json", RecipientEmail: "somebody@example.org"},
			expect{verification: "hosted", recipient: ptr(false), errs: map[string]string{"recipient": "not awarded to the email address somebody@example.org"}}},
		{"recipient by URL, awarded by email", verifier.Input{URL: a.URL + "/beths-robotics-badge.json", RecipientURL: "https://nobody.example.org"},
			expect{verification: "hosted", recipient: ptr(false), errs: map[string]string{"recipient": "identified by \"email\""}}},
		{"signed, recipient matches", verifier.Input{JSON: []byte(signedOK), RecipientEmail: "nobody@example.org"},
			expect{valid: true, verification: "signed", recipient: ptr(true)}},

		{"nothing given", verifier.Input{}, expect{errs: map[string]string{"input": "nothing to verify"}}},
		{"two things given", verifier.Input{URL: a.URL + "/x.json", JSON: validJSON}, expect{errs: map[string]string{"input": "only one"}}},
		{"not an assertion", verifier.Input{JSON: []byte("hello")}, expect{errs: map[string]string{"input": "expected JSON, a JWS or a URL"}}},
		{"file URL", verifier.Input{URL: "file:///etc/passwd"}, expect{errs: map[string]string{"input": "not an http or https URL"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.check(t, f.v.Verify(context.Background(), tc.in))
		})
	}

	// Every fetch asked for JSON-LD.
	for _, s := range []*site{a, b} {
		s.mu.Lock()
		for _, h := range s.accepts {
			if !strings.Contains(h, "application/ld+json") || !strings.Contains(h, "application/json") {
				t.Errorf("a request had Accept %q; want JSON-LD and JSON", h)
			}
		}
		s.mu.Unlock()
	}
}

// TestVerifyReport checks the parts of a valid report: the normalised
// documents, the recipient warning and the JSON form.
func TestVerifyReport(t *testing.T) {
	f := newFixture(t)
	rep := f.v.Verify(context.Background(), verifier.Input{URL: f.a.URL + "/beths-robotics-badge.json"})
	if !rep.Valid {
		t.Fatalf("not valid: %+v", rep.Errors)
	}
	if rep.Assertion["id"] != f.a.URL+"/beths-robotics-badge.json" || rep.BadgeClass["name"] != "Awesome Robotics Badge" {
		t.Errorf("Assertion/BadgeClass = %v / %v", rep.Assertion["id"], rep.BadgeClass["name"])
	}
	// The issuer Profile had an inline context: normalised, it has the
	// standard one.
	if rep.Issuer["@context"] != vocab.Context || rep.Issuer["email"] != "me@example.org" {
		t.Errorf("Issuer = %v; want it normalised", rep.Issuer)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0].Name != verifier.CheckRecipient {
		t.Errorf("Warnings = %v; want one: the recipient was not checked", rep.Warnings)
	}
	names := map[string]bool{}
	for _, c := range rep.Checks {
		names[c.Name] = true
	}
	for _, n := range []string{"input", "assertion-fetched", "assertion-id", "assertion-valid", "badgeclass-valid", "issuer-fetched", "issuer-valid", "hosted-id-scope", "revocation", "expiry", "issued-on", "recipient"} {
		if !names[n] {
			t.Errorf("no %q check in %v", n, rep.Checks)
		}
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	for _, k := range []string{"valid", "verification", "assertion", "badge_class", "issuer", "checks", "errors", "warnings", "revoked", "expired"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report JSON has no %q: %s", k, data)
		}
	}
	if m["errors"] == nil {
		t.Error("errors is null in JSON; want []")
	}
	expired := f.v.Verify(context.Background(), verifier.Input{URL: f.a.URL + "/expired.json"})
	if expired.Expires == nil || !expired.Expires.Equal(time.Date(2022, 11, 15, 23, 59, 59, 0, time.UTC)) {
		t.Errorf("Expires = %v; want 2022-11-15T23:59:59Z", expired.Expires)
	}
}

// TestVerifyBadgeClassOrigin checks the warning for a hosted assertion
// whose BadgeClass lives on another origin than its issuer.
func TestVerifyBadgeClassOrigin(t *testing.T) {
	f := newFixture(t)
	doc := f.a.example(t, "assertion-with-endorsements.json")
	doc["id"] = f.a.URL + "/foreign-badge.json"
	badge := doc["badge"].(map[string]any)
	badge["id"] = f.b.URL + "/badge.json"
	f.a.put(t, "/foreign-badge.json", 200, doc)
	rep := f.v.Verify(context.Background(), verifier.Input{URL: f.a.URL + "/foreign-badge.json", RecipientEmail: "nobody@example.org"})
	expect{valid: true, verification: "hosted", recipient: ptr(true)}.check(t, rep)
	want := "the BadgeClass " + f.b.URL + "/badge.json is hosted on " + f.b.URL + ", not on the issuer's origin " + f.a.URL
	if len(rep.Warnings) != 1 || rep.Warnings[0].Name != verifier.CheckHostedScope || rep.Warnings[0].Message != want {
		t.Errorf("Warnings = %v; want one hosted-id-scope warning %q", rep.Warnings, want)
	}
}

// TestVerifyEgress checks that the verifier fetches only through its
// client: without an allowance for loopback, neither the test site nor a
// private address is reached, and the error says why.
func TestVerifyEgress(t *testing.T) {
	f := newFixture(t)
	strict := &verifier.Verifier{Client: egress.New(egress.Config{}).HTTPClient(), Now: f.v.Now}
	for _, tc := range []struct{ url, want string }{
		{f.a.URL + "/beths-robotics-badge.json", "loopback address"},
		{"http://10.0.0.1/assertion.json", "10.0.0.1 is a private address"},
	} {
		before := f.a.requests()
		rep := strict.Verify(context.Background(), verifier.Input{URL: tc.url})
		expect{verification: "hosted", errs: map[string]string{"assertion-fetched": tc.want}}.check(t, rep)
		if !strings.Contains(rep.Errors[0].Message, tc.url) {
			t.Errorf("error %q does not name the URL %s", rep.Errors[0].Message, tc.url)
		}
		if f.a.requests() != before {
			t.Errorf("the test site was reached")
		}
	}
	// The zero Verifier is just as strict.
	rep := (&verifier.Verifier{}).Verify(context.Background(), verifier.Input{URL: f.a.URL + "/beths-robotics-badge.json"})
	expect{verification: "hosted", errs: map[string]string{"assertion-fetched": "loopback address"}}.check(t, rep)
}

// TestVerifyFetchLimit serves an assertion naming more remote contexts
// than a verification may fetch.
func TestVerifyFetchLimit(t *testing.T) {
	f := newFixture(t)
	ctxs := []any{vocab.Context}
	for i := range verifier.MaxFetches + 2 {
		p := fmt.Sprintf("/contexts/%d.json", i)
		f.a.put(t, p, 200, map[string]any{"@context": map[string]any{fmt.Sprintf("x%d", i): fmt.Sprintf("http://example.org/x%d", i)}})
		ctxs = append(ctxs, f.a.URL+p)
	}
	doc := f.a.example(t, "assertion-with-endorsements.json")
	doc["@context"] = ctxs
	doc["id"] = f.a.URL + "/many.json"
	f.a.put(t, "/many.json", 200, doc)
	before := f.a.requests()
	rep := f.v.Verify(context.Background(), verifier.Input{URL: f.a.URL + "/many.json"})
	expect{verification: "hosted", errs: map[string]string{"assertion-valid": fmt.Sprintf("at most %d documents", verifier.MaxFetches)}}.check(t, rep)
	if n := f.a.requests() - before; n > verifier.MaxFetches {
		t.Errorf("%d requests; want at most %d", n, verifier.MaxFetches)
	}
}

func TestVerifyImage(t *testing.T) {
	f := newFixture(t)
	png, err := os.ReadFile(filepath.Join("..", "vocab", "testdata", "ob20", "robotics-badge.png"))
	if err != nil {
		t.Fatal(err)
	}
	hostedURL := f.a.URL + "/beths-robotics-badge.json"
	hostedJSON, _ := json.Marshal(f.a.example(t, "assertion-with-endorsements.json"))
	jws := f.signed(t, "urn:uuid:5", f.a.URL+"/key.json", f.key)
	bakePNG := func(text string) []byte {
		img, err := bake.PNG(png, text)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	svg, err := bake.SVG([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`), "", jws)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		image []byte
		want  expect
	}{
		{"PNG baked with the assertion JSON", bakePNG(string(hostedJSON)), expect{valid: true, verification: "hosted", recipient: ptr(true)}},
		{"PNG baked with the assertion URL", bakePNG(hostedURL), expect{valid: true, verification: "hosted", recipient: ptr(true)}},
		{"PNG baked with a JWS", bakePNG(jws), expect{valid: true, verification: "signed", recipient: ptr(true)}},
		{"SVG baked with a JWS", svg, expect{valid: true, verification: "signed", recipient: ptr(true)}},
		{"PNG not baked", png, expect{errs: map[string]string{"image-baked": "not baked"}}},
		{"not an image", []byte("GIF89a...."), expect{errs: map[string]string{"image-baked": "not a PNG or SVG"}}},
		{"PNG baked with nonsense", bakePNG("hello"), expect{errs: map[string]string{"input": "baked into the image is not an assertion"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want.recipient == nil && tc.want.valid {
				t.Fatal("bad test")
			}
			in := verifier.Input{Image: tc.image}
			if tc.want.recipient != nil {
				in.RecipientEmail = "nobody@example.org"
			}
			tc.want.check(t, f.v.Verify(context.Background(), in))
		})
	}
}

// TestVerifyMalformed feeds inputs that are wrong in many ways; each must
// give an invalid report with an error, and none may reach the verifier's
// own failure path.
func TestVerifyMalformed(t *testing.T) {
	f := newFixture(t)
	u := f.a.URL
	jwsOf := func(payload string) string {
		jws, err := vocab.SignJWS(f.key, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
	// Documents the site serves in place of a BadgeClass or issuer.
	f.a.put(t, "/array.json", 200, []byte(`[1, 2]`))
	f.a.put(t, "/not-json.json", 200, []byte(`<html>`))
	f.a.put(t, "/two.json", 200, []byte(`{} {}`))
	f.a.put(t, "/badge-bad-issuer.json", 200, map[string]any{"@context": vocab.Context, "id": u + "/badge-bad-issuer.json", "type": "BadgeClass", "issuer": json.Number("5")})
	f.a.put(t, "/issuer-weird.json", 200, map[string]any{"@context": vocab.Context, "id": u + "/issuer-weird.json", "type": "Issuer",
		"publicKey": []any{7, nil, map[string]any{"id": 3}}, "verification": "x", "revocationList": []any{"a"}})
	f.a.put(t, "/badge-weird-issuer.json", 200, map[string]any{"@context": vocab.Context, "id": u + "/badge-weird-issuer.json", "type": "BadgeClass", "issuer": u + "/issuer-weird.json"})
	f.a.put(t, "/bad-context.json", 200, map[string]any{"@context": 5, "id": u + "/bad-context.json"})
	f.a.put(t, "/key-no-pem.json", 200, map[string]any{"@context": vocab.Context, "id": u + "/key-no-pem.json", "owner": u + "/issuer-nopem.json"})
	f.a.put(t, "/issuer-nopem.json", 200, map[string]any{"@context": vocab.Context, "id": u + "/issuer-nopem.json", "type": "Issuer", "publicKey": u + "/key-no-pem.json"})
	f.a.put(t, "/badge-nopem.json", 200, map[string]any{"@context": vocab.Context, "id": u + "/badge-nopem.json", "type": "BadgeClass", "issuer": u + "/issuer-nopem.json"})

	for _, in := range []string{
		`{}`,
		`[]`,
		`null`,
		`"just a string"`,
		`{"@context": 5}`,
		`{"@context": {"@vocab": 5}}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": 5}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": ["hosted"]}, "id": 7}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "hosted"}, "id": "urn:uuid:1"}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "hosted"}, "id": "` + u + `/array.json"}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "hosted"}, "id": "` + u + `/not-json.json"}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "hosted"}, "id": "` + u + `/two.json"}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "hosted"}, "id": "` + u + `/bad-context.json"}`,
		`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "hosted"}, "id": "http://[::1"}`,
		jwsOf(`[1]`),
		jwsOf(`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "signed"}}`),
		jwsOf(`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "signed", "creator": 5}, "badge": {"issuer": {"id": 5}}, "recipient": 3, "expires": 4, "issuedOn": []}`),
		jwsOf(`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "signed"}, "badge": "` + u + `/badge-bad-issuer.json", "recipient": {"type": "email", "hashed": true, "identity": "sha1$00"}}`),
		jwsOf(`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "signed"}, "badge": "` + u + `/badge-weird-issuer.json"}`),
		jwsOf(`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "signed"}, "badge": "` + u + `/badge-nopem.json"}`),
		jwsOf(`{"@context": "https://w3id.org/openbadges/v2", "verification": {"type": "signed"}, "badge": {"id": "urn:uuid:9", "issuer": {"id": "urn:uuid:8", "publicKey": {"id": "urn:uuid:7", "publicKeyPem": "nope"}}}}`),
		"a.b.c",
		"eyJhbGciOiJub25lIn0.eyJ9.",
	} {
		t.Run(in, func(t *testing.T) {
			rep := f.v.Verify(context.Background(), verifier.Input{JSON: []byte(in), RecipientEmail: "nobody@example.org", RecipientURL: "https://x.example"})
			if rep.Valid || len(rep.Errors) == 0 {
				t.Errorf("Valid = %t with errors %v; want invalid", rep.Valid, rep.Errors)
			}
			for _, c := range rep.Errors {
				if c.Name == verifier.CheckInternal {
					t.Errorf("internal error: %s", c.Message)
				}
			}
		})
	}
}

// TestVerifyCancelled checks that a cancelled context stops fetching.
func TestVerifyCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := f.v.Verify(ctx, verifier.Input{URL: f.a.URL + "/beths-robotics-badge.json"})
	expect{verification: "hosted", errs: map[string]string{"assertion-fetched": "context canceled"}}.check(t, rep)
}
