package vocab

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// decode parses a JSON object the way the verifier does (numbers as
// json.Number).
func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

// Minimal valid documents of each class, written from the specification's
// tables: every required property present and nothing else.
const (
	validAssertion = `{
		"id": "https://example.org/assertions/123",
		"type": "Assertion",
		"recipient": {"type": "email", "hashed": false, "identity": "alice@example.org"},
		"badge": "https://example.org/badges/5",
		"verification": {"type": "hosted"},
		"issuedOn": "2016-12-31T23:59:59+00:00"
	}`
	validBadgeClass = `{
		"id": "https://example.org/badges/5",
		"type": "BadgeClass",
		"name": "3-D Printmaster",
		"description": "For passing the 3-D printing test.",
		"image": "https://example.org/badges/5/image",
		"criteria": {"narrative": "Pass the test."},
		"issuer": "https://example.org/issuer"
	}`
	validIssuer = `{
		"id": "https://example.org/issuer",
		"type": "Profile",
		"name": "Example Maker Society",
		"url": "https://example.org",
		"email": "contact@example.org"
	}`
	validEndorsement = `{
		"id": "https://example.org/endorsements/1",
		"type": "Endorsement",
		"claim": {"id": "https://other.example/1", "endorsementComment": "Great"},
		"issuer": "https://example.org/issuer",
		"issuedOn": "2017-10-01T00:00:00Z",
		"verification": {"type": "HostedBadge"}
	}`
	validRevocationList = `{
		"type": "RevocationList",
		"revokedAssertions": ["https://example.org/1", {"id": "https://example.org/2", "revocationReason": "Error"}, {"uid": "abc123"}]
	}`
	validIdentity  = `{"type": "email", "hashed": true, "salt": "deadsea", "identity": "sha256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942"}`
	validAlignment = `{"targetName": "CCSS.ELA-Literacy.RST.11-12.3", "targetUrl": "http://www.corestandards.org/ELA-Literacy/RST/11-12/3"}`
)

func TestCheckValid(t *testing.T) {
	for _, tc := range []struct {
		class, doc string
	}{
		{"Assertion", validAssertion},
		{"BadgeClass", validBadgeClass},
		{"Issuer", validIssuer},
		{"Profile", validIssuer},
		{"Profile", `{"id": "urn:uuid:2d4fb5a4-31f3-4e52-9d5b-5bf0e1f4c8a1", "type": "Profile"}`},
		{"Profile", `{"id": "https://example.org/p", "type": ["Issuer", "https://example.org/vocab#Thing"]}`},
		{"Issuer", `{"id": "https://example.org/i", "type": "obi:Issuer", "name": "I", "url": "https://example.org", "email": "i@example.org"}`},
		{"Endorsement", validEndorsement},
		{"RevocationList", validRevocationList},
		{"RevocationList", `{"id": "https://example.org/rl", "type": "RevocationList", "revokedAssertions": []}`},
		{"IdentityObject", validIdentity},
		{"IdentityObject", `{"type": "email", "hashed": true, "identity": "md5$c0c1a5e3f4e0e4b1e6d0e6a0b2d3f4a5"}`},
		{"AlignmentObject", validAlignment},
		{"VerificationObject", `{"type": "SignedBadge", "creator": "https://example.org/key1"}`},
		{"Criteria", `{"id": "https://example.org/criteria"}`},
		{"Evidence", `{"id": "https://example.org/work", "narrative": "Did it", "genre": "Film"}`},
		{"Image", `{"id": "data:image/png;base64,iVBORw0KGgo=", "caption": "A badge"}`},
		{"CryptographicKey", `{"type": "CryptographicKey", "id": "https://example.org/key1", "owner": "https://example.org/issuer", "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----"}`},
		// A revoked hosted Assertion may be stripped down to id and revoked.
		{"Assertion", `{"id": "https://example.org/assertions/1", "revoked": true, "revocationReason": "Error"}`},
		// An embedded BadgeClass and issuer Profile, with an Image object,
		// criteria page, alignment, tags and evidence list.
		{"Assertion", `{
			"id": "urn:uuid:8a0c3b0a-7d4b-4b8e-9a43-0b5f4a3f2f10", "type": ["Assertion"],
			"recipient": {"type": "url", "hashed": false, "identity": "https://alice.example"},
			"issuedOn": "2016-12-31T23:59Z", "expires": "2030-01-01T00:00:00.123-05:00",
			"verification": {"type": "signed", "creator": "https://example.org/key1"},
			"evidence": ["https://example.org/work/1", {"narrative": "Built a robot"}],
			"image": {"id": "https://example.org/a/1.png", "caption": "baked"},
			"badge": {
				"id": "urn:uuid:1b0f1d3a-0f4e-4b4c-9a32-6f1d7c3b2a10", "type": "BadgeClass",
				"name": "N", "description": "D", "image": "data:image/svg+xml;base64,PHN2Zz4=",
				"criteria": "https://example.org/criteria", "tags": ["robots", "making"],
				"alignment": [` + validAlignment + `],
				"issuer": {
					"id": "https://example.org/issuer", "type": "Issuer", "name": "E", "url": "https://example.org",
					"email": "e@example.org", "publicKey": "https://example.org/key1",
					"verification": {"allowedOrigins": ["example.org", "badges.example.org"]},
					"revocationList": "https://example.org/revocations"
				}
			}
		}`},
	} {
		t.Run(tc.class, func(t *testing.T) {
			if got := Check(tc.class, decode(t, tc.doc)); len(got) != 0 {
				t.Errorf("Check(%s) = %v; want no problems", tc.class, got)
			}
		})
	}
}

// TestCheckProblems removes or breaks one property at a time and expects a
// problem (an error unless warning is set) at the property's path.
func TestCheckProblems(t *testing.T) {
	type problemCase struct {
		name    string
		class   string
		doc     string
		edit    func(m map[string]any)
		path    string // the path the problem must name
		message string // a part of its message
	}
	errorCases := []problemCase{
		// Required properties, one at a time.
		{"assertion without id", "Assertion", validAssertion, del("id"), "id", "missing required property id"},
		{"assertion without type", "Assertion", validAssertion, del("type"), "type", "missing required property type"},
		{"assertion without recipient", "Assertion", validAssertion, del("recipient"), "recipient", "missing required property recipient"},
		{"assertion without badge", "Assertion", validAssertion, del("badge"), "badge", "missing required property badge"},
		{"assertion without verification", "Assertion", validAssertion, del("verification"), "verification", "missing required property verification"},
		{"assertion without issuedOn", "Assertion", validAssertion, del("issuedOn"), "issuedOn", "missing required property issuedOn"},
		{"revoked assertion without id", "Assertion", `{"revoked": true}`, nil, "id", "missing required property id"},
		{"badgeclass without id", "BadgeClass", validBadgeClass, del("id"), "id", "missing"},
		{"badgeclass without type", "BadgeClass", validBadgeClass, del("type"), "type", "missing"},
		{"badgeclass without name", "BadgeClass", validBadgeClass, del("name"), "name", "missing"},
		{"badgeclass without description", "BadgeClass", validBadgeClass, del("description"), "description", "missing"},
		{"badgeclass without image", "BadgeClass", validBadgeClass, del("image"), "image", "missing"},
		{"badgeclass without criteria", "BadgeClass", validBadgeClass, del("criteria"), "criteria", "missing"},
		{"badgeclass without issuer", "BadgeClass", validBadgeClass, del("issuer"), "issuer", "missing"},
		{"profile without id", "Profile", validIssuer, del("id"), "id", "missing"},
		{"profile without type", "Profile", validIssuer, del("type"), "type", "missing"},
		{"issuer without name", "Issuer", validIssuer, del("name"), "name", "missing"},
		{"issuer without url", "Issuer", validIssuer, del("url"), "url", "missing"},
		{"issuer without email", "Issuer", validIssuer, del("email"), "email", "missing"},
		{"identity without identity", "IdentityObject", validIdentity, del("identity"), "identity", "missing"},
		{"identity without type", "IdentityObject", validIdentity, del("type"), "type", "missing"},
		{"identity without hashed", "IdentityObject", validIdentity, del("hashed"), "hashed", "missing"},
		{"endorsement without id", "Endorsement", validEndorsement, del("id"), "id", "missing"},
		{"endorsement without type", "Endorsement", validEndorsement, del("type"), "type", "missing"},
		{"endorsement without claim", "Endorsement", validEndorsement, del("claim"), "claim", "missing"},
		{"endorsement without issuer", "Endorsement", validEndorsement, del("issuer"), "issuer", "missing"},
		{"endorsement without issuedOn", "Endorsement", validEndorsement, del("issuedOn"), "issuedOn", "missing"},
		{"endorsement without verification", "Endorsement", validEndorsement, del("verification"), "verification", "missing"},
		{"revocation list without type", "RevocationList", validRevocationList, del("type"), "type", "missing"},
		{"revocation list without entries", "RevocationList", validRevocationList, del("revokedAssertions"), "revokedAssertions", "missing"},
		{"alignment without targetName", "AlignmentObject", validAlignment, del("targetName"), "targetName", "missing"},
		{"alignment without targetUrl", "AlignmentObject", validAlignment, del("targetUrl"), "targetUrl", "missing"},
		{"verification without type", "VerificationObject", `{"type": "hosted"}`, del("type"), "type", "missing"},
		{"image without id", "Image", `{"id": "https://example.org/i.png", "caption": "c"}`, del("id"), "id", "missing"},

		// Required properties of embedded objects, named by their path.
		{"embedded badge without name", "Assertion", validAssertion, set("badge", decodeAny(validBadgeClass), del("name")), "badge.name", "missing"},
		{"embedded issuer without email", "Assertion", validAssertion,
			set("badge", decodeAny(validBadgeClass), set("issuer", decodeAny(validIssuer), del("email"))), "badge.issuer.email", "missing"},
		{"recipient without identity", "Assertion", validAssertion, set("recipient", map[string]any{"type": "email", "hashed": false}), "recipient.identity", "missing"},

		// Wrong types.
		{"type without the class", "Assertion", validAssertion, set("type", "BadgeClass"), "type", `does not include "Assertion"`},
		{"type array without the class", "BadgeClass", validBadgeClass, set("type", []any{"Assertion", "https://example.org/X"}), "type", `"BadgeClass"`},
		{"type a number", "Assertion", validAssertion, set("type", json.Number("3")), "type", "string or an array"},
		{"profile typed as badge", "Issuer", validIssuer, set("type", "BadgeClass"), "type", `"Issuer" or "Profile"`},
		{"relative id", "Assertion", validAssertion, set("id", "assertions/123"), "id", "not an absolute IRI"},
		{"id a number", "Assertion", validAssertion, set("id", json.Number("123")), "id", "must be an IRI string"},
		{"data URI as id", "BadgeClass", validBadgeClass, set("id", "data:text/plain,x"), "id", "only for images"},
		{"http IRI without host", "BadgeClass", validBadgeClass, set("issuer", "https:///issuer"), "issuer", "no host"},
		{"IRI with a space", "BadgeClass", validBadgeClass, set("criteria", "https://example.org/a b"), "criteria", "space"},
		{"recipient a string", "Assertion", validAssertion, set("recipient", "alice@example.org"), "recipient", "must be an IdentityObject object"},
		{"verification a string", "Assertion", validAssertion, set("verification", "hosted"), "verification", "must be a VerificationObject"},
		{"unknown verification type", "Assertion", validAssertion, set("verification", map[string]any{"type": "Blockchain"}), "verification.type", "does not include"},
		{"badge a number", "Assertion", validAssertion, set("badge", json.Number("5")), "badge", "IRI or a BadgeClass object"},
		{"badge an array", "Assertion", validAssertion, set("badge", []any{"https://example.org/b"}), "badge", "single value"},
		{"issuedOn without time zone", "Assertion", validAssertion, set("issuedOn", "2016-12-31T23:59:59"), "issuedOn", "no time zone"},
		{"issuedOn a date only", "Assertion", validAssertion, set("issuedOn", "2016-12-31"), "issuedOn", "not an ISO 8601"},
		{"issuedOn a unix time", "Assertion", validAssertion, set("issuedOn", json.Number("1483228799")), "issuedOn", "must be an ISO 8601"},
		{"issuedOn 30 February", "Assertion", validAssertion, set("issuedOn", "2017-02-30T00:00:00Z"), "issuedOn", "not a valid date"},
		{"expires month 13", "Assertion", validAssertion, set("expires", "2017-13-01T00:00:00Z"), "expires", "not a valid"},
		{"revoked a string", "Assertion", validAssertion, set("revoked", "true"), "revoked", "must be a boolean"},
		{"hashed a string", "Assertion", validAssertion, set("recipient", map[string]any{"type": "email", "hashed": "false", "identity": "a@example.org"}), "recipient.hashed", "boolean"},
		{"hash without algorithm", "IdentityObject", validIdentity, set("identity", "ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942"), "identity", "sha256$<hex>"},
		{"hash with sha1", "IdentityObject", validIdentity, set("identity", "sha1$2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"), "identity", "not supported"},
		{"sha256 hash too short", "IdentityObject", validIdentity, set("identity", "sha256$28d50415252ab6c689a54413da15b083034b66e5"), "identity", "64 hex digits"},
		{"md5 hash not hex", "IdentityObject", validIdentity, set("identity", "md5$zz0c1a5e3f4e0e4b1e6d0e6a0b2d3f4a"), "identity", "32 hex digits"},
		{"name a number", "BadgeClass", validBadgeClass, set("name", json.Number("7")), "name", "must be text"},
		{"tags not text", "BadgeClass", validBadgeClass, set("tags", []any{"a", true}), "tags[1]", "must be text"},
		{"alignment a string", "BadgeClass", validBadgeClass, set("alignment", "http://example.org/std"), "alignment", "AlignmentObject object"},
		{"alignment url not http", "AlignmentObject", validAlignment, set("targetUrl", "urn:isbn:123"), "targetUrl", "http or https URL"},
		{"evidence entry a number", "Assertion", validAssertion, set("evidence", []any{"https://example.org/e", json.Number("1")}), "evidence[1]", "IRI or an Evidence object"},
		{"embedded criteria with a bad id", "BadgeClass", validBadgeClass, set("criteria", map[string]any{"id": "criteria.html", "narrative": "x"}), "criteria.id", "absolute IRI"},
		{"publicKey not an IRI", "Issuer", validIssuer, set("publicKey", "key1"), "publicKey", "absolute IRI"},
		{"revocationList an object", "Issuer", validIssuer, set("revocationList", map[string]any{}), "revocationList", "IRI string"},
		{"revoked entry without id", "RevocationList", validRevocationList, set("revokedAssertions", []any{map[string]any{"revocationReason": "x"}}), "revokedAssertions[0]", "id or a uid"},
		{"revoked entry a number", "RevocationList", validRevocationList, set("revokedAssertions", json.Number("1")), "revokedAssertions", "an id or an object"},
		{"claim without id", "Endorsement", validEndorsement, set("claim", map[string]any{"endorsementComment": "x"}), "claim.id", "identify"},
		{"startsWith a number", "Issuer", validIssuer, set("verification", map[string]any{"startsWith": json.Number("1")}), "verification.startsWith", "must be text"},
	}
	// Warnings: allowed, but worth telling.
	warningCases := []problemCase{
		{"criteria without id or narrative", "BadgeClass", validBadgeClass, set("criteria", map[string]any{"type": "Criteria"}), "criteria", "neither"},
		{"profile verification with another type", "Issuer", validIssuer, set("verification", map[string]any{"type": "hosted"}), "verification.type", "is not"},
		{"verificationProperty other than id", "Issuer", validIssuer, set("verification", map[string]any{"verificationProperty": "uid"}), "verification.verificationProperty", "only id"},
		{"key with another type", "CryptographicKey", `{"type": "Key", "id": "https://example.org/k"}`, nil, "type", "is not"},
	}
	run := func(tc problemCase, warning bool) {
		t.Run(tc.name, func(t *testing.T) {
			doc := decode(t, tc.doc)
			if tc.edit != nil {
				tc.edit(doc)
			}
			got := Check(tc.class, doc)
			for _, p := range got {
				if p.Path == tc.path && strings.Contains(p.Message, tc.message) && p.Warning == warning {
					if warning && Invalid(got) {
						t.Errorf("a warning alone made the document invalid: %v", got)
					}
					return
				}
			}
			kind := "an error"
			if warning {
				kind = "a warning"
			}
			t.Errorf("Check(%s) = %v; want %s at %q containing %q", tc.class, got, kind, tc.path, tc.message)
		})
	}
	for _, tc := range errorCases {
		run(tc, false)
	}
	for _, tc := range warningCases {
		run(tc, true)
	}
}

// del returns an edit that removes property name.
func del(name string) func(map[string]any) {
	return func(m map[string]any) { delete(m, name) }
}

// set returns an edit that sets property name to v, after applying the
// edits to v (which must then be an object).
func set(name string, v any, edits ...func(map[string]any)) func(map[string]any) {
	return func(m map[string]any) {
		for _, e := range edits {
			e(v.(map[string]any))
		}
		m[name] = v
	}
}

// decodeAny decodes a JSON object for use in a table, where there is no t.
func decodeAny(s string) map[string]any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

func TestCheckUnknownClass(t *testing.T) {
	if got := Check("Badge", map[string]any{}); len(got) != 1 || !Invalid(got) {
		t.Errorf("Check(Badge) = %v; want one error", got)
	}
	if got := Check("Assertion", nil); len(got) != 1 || !Invalid(got) {
		t.Errorf("Check(Assertion, nil) = %v; want one error", got)
	}
}

// TestCheckExamples checks the examples from the 1EdTech validator's tests,
// which are valid documents of their classes.
func TestCheckExamples(t *testing.T) {
	for _, tc := range []struct{ file, class string }{
		{"assertion-with-endorsements.json", "Assertion"},
		{"basic-assertion-expired.json", "Assertion"}, // expired, but well-formed
		{"badgeclass-with-endorsements.json", "BadgeClass"},
		{"badgeclass1.json", "BadgeClass"},
		{"robotics-badge.json", "BadgeClass"},
		{"issuer1.json", "Issuer"},
		{"issuer1.json", "Profile"},
		{"endorsement-1.json", "Endorsement"},
		{"revocation-list.json", "RevocationList"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			doc := readExample(t, tc.file)
			if got := Check(tc.class, doc); Invalid(got) {
				t.Errorf("Check(%s, %s) = %v; want no errors", tc.class, tc.file, got)
			}
		})
	}
}

// readExample decodes testdata/ob20/name.
func readExample(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ob20", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return m
}

func TestParseDateTime(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return tm
	}
	for _, tc := range []struct {
		in   string
		want time.Time // zero: an error is expected
	}{
		{"2016-12-31T23:59:59Z", utc("2016-12-31T23:59:59Z")},
		{"2016-12-31T23:59:59+00:00", utc("2016-12-31T23:59:59Z")},
		{"2016-12-31T23:59:59.5-05:30", utc("2017-01-01T05:29:59.5Z")},
		{"2016-12-31T23:59:59+0200", utc("2016-12-31T21:59:59Z")},
		{"2016-12-31T23:59:59+02", utc("2016-12-31T21:59:59Z")},
		{"2017-10-01T00:00Z", utc("2017-10-01T00:00:00Z")},
		{"2016-12-31t23:59:59z", utc("2016-12-31T23:59:59Z")},
		{"2016-12-31T23:59:59", time.Time{}},
		{"2016-12-31", time.Time{}},
		{"1483228799", time.Time{}},
		{"2016-12-31T24:00:00Z", time.Time{}},
		{"2016-02-30T00:00:00Z", time.Time{}},
		{"2016-12-31T23:59:59+25:00", time.Time{}},
		{"", time.Time{}},
	} {
		got, err := ParseDateTime(tc.in)
		switch {
		case tc.want.IsZero() && err == nil:
			t.Errorf("ParseDateTime(%q) = %v; want an error", tc.in, got)
		case !tc.want.IsZero() && (err != nil || !got.Equal(tc.want)):
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseIdentityHash(t *testing.T) {
	for _, tc := range []struct {
		in, alg, digest string
		ok              bool
	}{
		{"sha256$ECF5409F3F4B91AB60CC5EF4C02AEF7032354375E70CF4D8E43F6A1D29891942", "sha256", "ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942", true},
		{"md5$c0c1a5e3f4e0e4b1e6d0e6a0b2d3f4a5", "md5", "c0c1a5e3f4e0e4b1e6d0e6a0b2d3f4a5", true},
		{"SHA256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942", "sha256", "ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942", true},
		{"sha256$ecf5", "", "", false},
		{"sha512$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942", "", "", false},
		{"alice@example.org", "", "", false},
	} {
		alg, digest, err := ParseIdentityHash(tc.in)
		if (err == nil) != tc.ok || alg != tc.alg || digest != tc.digest {
			t.Errorf("ParseIdentityHash(%q) = %q, %q, %v; want %q, %q, ok=%t", tc.in, alg, digest, err, tc.alg, tc.digest, tc.ok)
		}
	}
}

func TestTypeIs(t *testing.T) {
	for _, tc := range []struct {
		typ  any
		name string
		want bool
	}{
		{"Issuer", "Issuer", true},
		{[]any{"Thing", "obi:Issuer"}, "Issuer", true},
		{"https://w3id.org/openbadges#Profile", "Profile", true},
		{"Profile", "Issuer", false},
		{"hosted", "HostedBadge", true},
		{"SignedBadge", "signed", true},
		{nil, "Issuer", false},
		{json.Number("1"), "Issuer", false},
	} {
		if got := TypeIs(map[string]any{"type": tc.typ}, tc.name); got != tc.want {
			t.Errorf("TypeIs(%v, %s) = %t; want %t", tc.typ, tc.name, got, tc.want)
		}
	}
}
