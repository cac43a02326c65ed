package openbadges_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/statuslist"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// keyFromProfile resolves a verification method the way a verifier does
// for an https issuer: fetch the Profile named before the fragment, find
// the Multikey with that id controlled by the Profile and listed for
// assertions, and refuse a key revoked before the proof was made.
func keyFromProfile(f *webtest.Fixture, t *testing.T) dataintegrity.KeyResolver {
	return func(_ context.Context, vm string, created time.Time) (ed25519.PublicKey, error) {
		profileID, _, _ := strings.Cut(vm, "#")
		profile := f.Hosted(t, profileID, 200)
		var p vocab.IssuerProfile
		raw, _ := json.Marshal(profile)
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		listed := false
		for _, id := range p.AssertionMethod {
			listed = listed || id == vm
		}
		for _, m := range p.VerificationMethod {
			if m.ID != vm || !listed || m.Controller != p.ID {
				continue
			}
			if m.Revoked != "" {
				if r, _ := time.Parse(time.RFC3339, m.Revoked); !created.Before(r) {
					return nil, errors.New("key revoked before the proof")
				}
			}
			return dataintegrity.DecodeMultikey(m.PublicKeyMultibase)
		}
		return nil, errors.New("the profile does not list " + vm)
	}
}

func TestOpenBadges3IssueAndHost(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)

	// credential_formats: default both; at least one; only ob3 and ob2.
	_, org := f.API(t, "GET", "/api/v1/orgs/tampere-uni", nil, "")
	if got, _ := json.Marshal(org["credential_formats"]); string(got) != `["ob3","ob2"]` {
		t.Errorf("default credential_formats = %s", got)
	}
	for _, bad := range []any{[]string{}, []string{"ob4"}, "ob3", 3} {
		status, out := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"credential_formats": bad}, "")
		if e, _ := out["error"].(map[string]any); status != 400 || e["field"] != "credential_formats" {
			t.Errorf("credential_formats %v = %d %v, want 400 naming credential_formats", bad, status, out)
		}
	}
	if status, out := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"credential_formats": []string{"ob2", "ob3"}}, ""); status != 200 {
		t.Fatalf("PATCH formats = %d %v", status, out)
	}

	b := f.APIBadge(t)
	status, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "earner@example.org"}, "evidence": "https://portfolio.example/robot",
	}, "")
	credURL, _ := a["credential"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(a["id"].(string), f.Base+"/ob/assertions/") ||
		credURL != f.Base+"/ob/v3/credentials/"+a["uuid"].(string) {
		t.Fatalf("issue = %d %v", status, a)
	}
	path := strings.TrimPrefix(credURL, f.Base)
	status, text, hdr := f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "application/vc+ld+json"})
	if status != 200 || hdr.Get("Content-Type") != "application/vc+ld+json" || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET credential = %d %q CORS %q\n%s", status, hdr.Get("Content-Type"), hdr.Get("Access-Control-Allow-Origin"), text)
	}
	var cred map[string]any
	if err := json.Unmarshal([]byte(text), &cred); err != nil {
		t.Fatal(err)
	}
	if cred["id"] != credURL || cred["issuer"].(map[string]any)["id"] != f.Base+"/ob/v3/issuers/tampere-uni" {
		t.Errorf("credential id %v issuer %v", cred["id"], cred["issuer"])
	}
	// The proof verifies with the key the Profile publishes, fetched over
	// HTTP from the node.
	if _, err := dataintegrity.Verify(context.Background(), cred, keyFromProfile(f, t), vocab.DocumentLoader(nil)); err != nil {
		t.Fatalf("the served credential does not verify: %v", err)
	}
	// application/ld+json works too (same bytes); a browser goes to the page.
	_, text2, hdr := f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "application/ld+json"})
	if hdr.Get("Content-Type") != "application/ld+json" || text2 != text {
		t.Errorf("as ld+json: %q, same bytes %v", hdr.Get("Content-Type"), text2 == text)
	}
	// As a VC-JWT for those who ask for one: the same credential, EdDSA.
	status, jwt, hdr := f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "application/vc+jwt"})
	if status != 200 || hdr.Get("Content-Type") != "application/vc+jwt" || strings.Count(jwt, ".") != 2 {
		t.Fatalf("as vc+jwt = %d %q %.40q", status, hdr.Get("Content-Type"), jwt)
	}
	kid, err := vocab.VCJWTKeyID(jwt)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keyFromProfile(f, t)(context.Background(), kid, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if payload, err := vocab.VerifyVCJWT(jwt, pub); err != nil || !strings.Contains(string(payload), credURL) {
		t.Fatalf("VC-JWT: %v", err)
	}
	status, _, hdr = f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "text/html"})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/badges/"+a["uuid"].(string) {
		t.Errorf("browser at the credential = %d %q", status, hdr.Get("Location"))
	}
	if status, _, _ := f.Do(t, f.Client, "GET", "/ob/v3/credentials/00000000-0000-4000-8000-000000000000", nil, nil); status != 404 {
		t.Errorf("unknown credential = %d", status)
	}

	// The image with the credential baked in carries the served bytes,
	// which verify.
	status, png, hdr := f.Do(t, f.Client, "GET", path+"/image", nil, nil)
	if status != 200 || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("credential image = %d %q", status, hdr.Get("Content-Type"))
	}
	if got, err := bake.ExtractCredential([]byte(png)); err != nil || got != text {
		t.Fatalf("baked credential = %.80q, %v; want the hosted one", got, err)
	}

	// The earner's page offers both downloads.
	_, page, _ := f.Do(t, f.Client, "GET", "/badges/"+a["uuid"].(string), nil, map[string]string{"Accept": "text/html"})
	if !strings.Contains(page, `href="`+credURL+`/image"`) || !strings.Contains(page, `href="`+a["image"].(string)+`"`) {
		t.Errorf("the badge page does not offer both downloads")
	}

	// did:web lists the same key.
	status, text, hdr = f.Do(t, f.Client, "GET", "/orgs/tampere-uni/did.json", nil, nil)
	var did vocab.DIDDocument
	if err := json.Unmarshal([]byte(text), &did); status != 200 || err != nil || hdr.Get("Content-Type") != vocab.DIDContentType {
		t.Fatalf("did.json = %d %q %v", status, hdr.Get("Content-Type"), err)
	}
	host := strings.ReplaceAll(strings.TrimPrefix(f.Base, "http://"), ":", "%3A")
	vm := cred["proof"].(map[string]any)["verificationMethod"].(string)
	_, fragment, _ := strings.Cut(vm, "#")
	if did.ID != "did:web:"+host+":orgs:tampere-uni" || len(did.VerificationMethod) != 1 ||
		did.VerificationMethod[0].PublicKeyMultibase != fragment || did.AssertionMethod[0] != did.ID+"#"+fragment {
		t.Errorf("did document %+v, want the key %s", did, fragment)
	}

	// Rotation: admins only; the old key stays, revoked; new credentials
	// use the new key; both credentials verify.
	status, keys := f.API(t, "GET", "/api/v1/orgs/tampere-uni/credential-keys", nil, "")
	if list, _ := keys["items"].([]any); status != 200 || len(list) != 1 || strings.Contains(mustMarshal(keys), "PRIVATE") {
		t.Fatalf("credential keys = %d %v", status, keys)
	}
	status, keys = f.API(t, "POST", "/api/v1/orgs/tampere-uni/credential-keys/rotate", nil, "")
	list, _ := keys["items"].([]any)
	if status != 200 || len(list) != 2 || list[0].(map[string]any)["revoked_at"] == nil || list[1].(map[string]any)["revoked_at"] != nil {
		t.Fatalf("rotate = %d %v", status, keys)
	}
	_, a2 := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "second@example.org"}}, "")
	_, text3, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(a2["credential"].(string), f.Base), nil, map[string]string{"Accept": "application/vc+ld+json"})
	var cred2 map[string]any
	_ = json.Unmarshal([]byte(text3), &cred2)
	if cred2["proof"].(map[string]any)["verificationMethod"] == vm {
		t.Error("a credential after rotation is signed with the revoked key")
	}
	for name, c := range map[string]map[string]any{"before": cred, "after": cred2} {
		if _, err := dataintegrity.Verify(context.Background(), c, keyFromProfile(f, t), vocab.DocumentLoader(nil)); err != nil {
			t.Errorf("credential issued %s the rotation: %v", name, err)
		}
	}

	// Revoking flips the credential's bit in the signed status list at once.
	statusBit := func(c map[string]any) bool {
		t.Helper()
		st := c["credentialStatus"].(map[string]any)
		status, text, hdr := f.Do(t, f.Client, "GET", strings.TrimPrefix(st["statusListCredential"].(string), f.Base), nil,
			map[string]string{"Accept": "application/vc+ld+json"})
		if status != 200 || hdr.Get("Content-Type") != "application/vc+ld+json" {
			t.Fatalf("status list = %d %q", status, hdr.Get("Content-Type"))
		}
		var sl map[string]any
		_ = json.Unmarshal([]byte(text), &sl)
		if _, err := dataintegrity.Verify(context.Background(), sl, keyFromProfile(f, t), vocab.DocumentLoader(nil)); err != nil {
			t.Fatalf("status list signature: %v", err)
		}
		bits, err := statuslist.Decode(sl["credentialSubject"].(map[string]any)["encodedList"].(string))
		if err != nil {
			t.Fatal(err)
		}
		i, _ := strconv.Atoi(st["statusListIndex"].(string))
		set, err := bits.Bit(i)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	if statusBit(cred) || statusBit(cred2) {
		t.Fatal("status bit set before revocation")
	}
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+a["uuid"].(string)+"/revoke", map[string]any{"revocationReason": "error"}, ""); status != 200 {
		t.Fatalf("revoke = %d %v", status, out)
	}
	if !statusBit(cred) || statusBit(cred2) {
		t.Error("revoking the first credential did not set its bit alone")
	}
	if status, _, _ := f.Do(t, f.Client, "GET", path+"/image", nil, nil); status != http.StatusGone {
		t.Errorf("image of a revoked credential = %d, want 410", status)
	}

	// A 2.0-only organisation issues no credential.
	f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"credential_formats": []string{"ob2"}}, "")
	_, a3 := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "third@example.org"}}, "")
	if _, ok := a3["credential"]; ok {
		t.Errorf("a 2.0-only issue answered a credential: %v", a3)
	}
	if status, _, _ := f.Do(t, f.Client, "GET", "/ob/v3/credentials/"+a3["uuid"].(string), nil, nil); status != 404 {
		t.Errorf("credential of a 2.0-only badge = %d, want 404", status)
	}
	// Its 2.0 documents stay served after a change to 3.0 only.
	f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"credential_formats": []string{"ob3"}}, "")
	if status, _, _ := f.Do(t, f.Client, "GET", "/ob/assertions/"+a3["uuid"].(string), nil, nil); status != 200 {
		t.Errorf("2.0 assertion issued before the change to 3.0 only = %d, want 200", status)
	}

	// A 3.0-only organisation publishes the credential alone: the answer
	// names it, and no 2.0 Assertion is served or baked.
	status, a4 := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "fourth@example.org"}}, "")
	cred4 := f.Base + "/ob/v3/credentials/" + a4["uuid"].(string)
	if status != http.StatusCreated || a4["id"] != cred4 || a4["credential"] != cred4 || a4["type"] != nil || a4["badge"] != nil {
		t.Fatalf("3.0-only issue = %d %v, want id and credential %s and no 2.0 Assertion", status, a4, cred4)
	}
	for _, p := range []string{"/ob/assertions/" + a4["uuid"].(string), "/ob/assertions/" + a4["uuid"].(string) + "/image"} {
		status, body, hdr := f.Do(t, f.Client, "GET", p, nil, map[string]string{"Accept": "application/ld+json"})
		if status != 404 || !strings.Contains(body, "Open Badges 3.0 credential only") || !strings.Contains(hdr.Get("Link"), cred4) {
			t.Errorf("GET %s of a 3.0-only badge = %d %q Link %q, want 404 pointing at the credential", p, status, body, hdr.Get("Link"))
		}
	}
	if status, _, _ := f.Do(t, f.Client, "GET", "/ob/v3/credentials/"+a4["uuid"].(string), nil, map[string]string{"Accept": "application/vc+ld+json"}); status != 200 {
		t.Errorf("credential of a 3.0-only badge = %d", status)
	}
	status, page, _ = f.Do(t, f.Client, "GET", "/badges/"+a4["uuid"].(string), nil, nil)
	if status != 200 || strings.Contains(page, "Open Badges 2.0") || !strings.Contains(page, "Download badge (Open Badges 3.0)") ||
		!strings.Contains(page, `name="url" value="`+cred4+`"`) {
		t.Errorf("page of a 3.0-only badge = %d: want the 3.0 download alone and the check of the credential", status)
	}
	if status, rep := f.API(t, "POST", "/api/v1/verify", map[string]any{"url": cred4}, ""); status != 200 || rep["valid"] != true {
		t.Errorf("verify a 3.0-only badge by its id = %d %v", status, rep)
	}
}

func TestRotateCredentialKeyNeedsAnAdmin(t *testing.T) {
	f := webtest.StartNode(t)
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/credential-keys/rotate", nil, ""); status != http.StatusForbidden {
		t.Fatalf("rotate by staff = %d %v, want 403", status, out)
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCredentialKeyResolver(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	_, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "earner@example.org"}}, "")
	_, text, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(a["credential"].(string), f.Base), nil, map[string]string{"Accept": "application/vc+ld+json"})
	var cred map[string]any
	_ = json.Unmarshal([]byte(text), &cred)
	issuerID := cred["issuer"].(map[string]any)["id"].(string)
	vm := cred["proof"].(map[string]any)["verificationMethod"].(string)
	_, fragment, _ := strings.Cut(vm, "#")
	v := verifier.Verifier{
		Client:    egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).HTTPClient(),
		PlainHTTP: func(host string) bool { return host == "127.0.0.1" },
	}
	ctx := context.Background()
	if _, err := dataintegrity.Verify(ctx, cred, v.CredentialKeyResolver(issuerID), vocab.DocumentLoader(nil)); err != nil {
		t.Fatalf("Laurel's credential with the https Profile key: %v", err)
	}
	if _, err := dataintegrity.Verify(ctx, cred, v.CredentialKeyResolver("https://other.example/issuer"), vocab.DocumentLoader(nil)); err == nil {
		t.Fatal("verified for another issuer")
	}
	// The same key through did:web, for the DID or for the Profile that
	// the DID document names in alsoKnownAs.
	host := strings.ReplaceAll(strings.TrimPrefix(f.Base, "http://"), ":", "%3A")
	did := "did:web:" + host + ":orgs:tampere-uni"
	for _, issuer := range []string{did, issuerID} {
		pub, err := v.CredentialKeyResolver(issuer)(ctx, did+"#"+fragment, time.Now())
		if err != nil || dataintegrity.EncodeMultikey(pub) != fragment {
			t.Errorf("did:web key for issuer %s = %v", issuer, err)
		}
	}
	if _, err := v.CredentialKeyResolver(did)(ctx, "did:web:"+host+":orgs:nobody#"+fragment, time.Now()); err == nil {
		t.Error("a key of an unknown DID resolved")
	}
	// After a rotation the old key serves proofs made before it only.
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/credential-keys/rotate", nil, ""); status != 200 {
		t.Fatalf("rotate = %d %v", status, out)
	}
	if _, err := v.CredentialKeyResolver(issuerID)(ctx, vm, time.Now().Add(time.Hour)); err == nil {
		t.Error("a revoked key accepted for a proof made after its revocation")
	}
	if _, err := dataintegrity.Verify(ctx, cred, v.CredentialKeyResolver(issuerID), vocab.DocumentLoader(nil)); err != nil {
		t.Errorf("a credential signed before the rotation: %v", err)
	}
}

func TestVerifyOpenBadges3Credentials(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	_, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "earner@example.org"}}, "")
	credURL := a["credential"].(string)
	path := strings.TrimPrefix(credURL, f.Base)
	_, text, _ := f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "application/vc+ld+json"})
	_, jwt, _ := f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "application/vc+jwt"})
	_, png, _ := f.Do(t, f.Client, "GET", path+"/image", nil, nil)
	var cred map[string]any
	_ = json.Unmarshal([]byte(text), &cred)
	tampered := map[string]any{}
	_ = json.Unmarshal([]byte(text), &tampered)
	tampered["name"] = "Brain surgery"
	expired := map[string]any{}
	_ = json.Unmarshal([]byte(strings.Replace(text, `"validUntil":"`, `"validUntil":"2001-01-01T00:00:00Z","x":"`, 1)), &expired)
	delete(expired, "x")

	check := func(t *testing.T, body map[string]any) map[string]any {
		t.Helper()
		status, rep := f.API(t, "POST", "/api/v1/verify", body, "")
		if status != 200 {
			t.Fatalf("verify = %d %v", status, rep)
		}
		return rep
	}
	failed := func(rep map[string]any) []string {
		var out []string
		for _, e := range rep["errors"].([]any) {
			out = append(out, e.(map[string]any)["name"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		name         string
		body         map[string]any
		verification string
		fails        []string // the checks that must fail; none: valid
	}{
		{"by URL", map[string]any{"credential": credURL}, "eddsa-rdfc-2022", nil},
		{"by url field", map[string]any{"url": credURL}, "eddsa-rdfc-2022", nil},
		{"as JSON, right recipient", map[string]any{"credential": cred, "email": "Earner@example.org"}, "eddsa-rdfc-2022", nil},
		{"as VC-JWT", map[string]any{"credential": jwt}, "vc-jwt", nil},
		{"baked PNG", map[string]any{"image": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte(png))}, "eddsa-rdfc-2022", nil},
		{"wrong recipient", map[string]any{"credential": cred, "email": "someone@example.org"}, "eddsa-rdfc-2022", []string{"recipient"}},
		{"tampered", map[string]any{"credential": tampered}, "eddsa-rdfc-2022", []string{"signature"}},
		{"expired (and so tampered)", map[string]any{"credential": expired}, "eddsa-rdfc-2022", []string{"signature", "expiry"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := check(t, tc.body)
			got := failed(rep)
			if rep["verification"] != tc.verification || rep["valid"] != (len(tc.fails) == 0) || !slices.Equal(got, tc.fails) {
				t.Fatalf("valid %v verification %v, failed %v, want %v\n%v", rep["valid"], rep["verification"], got, tc.fails, rep["checks"])
			}
			if rep["credential"] == nil {
				t.Error("the report lacks the credential")
			}
		})
	}
	if status, out := f.API(t, "POST", "/api/v1/verify", map[string]any{"credential": ""}, ""); status != 400 || out["error"].(map[string]any)["field"] != "credential" {
		t.Errorf("empty credential = %d %v", status, out)
	}

	// Revoked: the status list says so, in every form.
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+a["uuid"].(string)+"/revoke", map[string]any{}, ""); status != 200 {
		t.Fatalf("revoke = %d %v", status, out)
	}
	for _, body := range []map[string]any{{"credential": credURL}, {"credential": jwt}} {
		rep := check(t, body)
		if rep["valid"] != false || rep["revoked"] != true || !slices.Equal(failed(rep), []string{"revocation"}) {
			t.Errorf("revoked credential: valid %v revoked %v failed %v", rep["valid"], rep["revoked"], failed(rep))
		}
	}
}

// TestPersonCredentialKeys: a person lists and rotates the keys their
// EndorsementCredentials are signed with; the revoked one stays on their
// 3.0 Profile with its date.
func TestPersonCredentialKeys(t *testing.T) {
	f := webtest.StartNode(t)
	api := f.UserAPI(t, f.Staff)
	if status, out := api("GET", "/api/v1/me/credential-keys", nil); status != 200 || len(out["items"].([]any)) != 0 {
		t.Fatalf("keys before any endorsement = %d %v, want none", status, out)
	}
	for want := 1; want <= 2; want++ {
		status, out := api("POST", "/api/v1/me/credential-keys/rotate", nil)
		if items, _ := out["items"].([]any); status != 200 || len(items) != want {
			t.Fatalf("rotation %d = %d %v", want, status, out)
		}
	}
	_, out := api("GET", "/api/v1/me/credential-keys", nil)
	revoked := 0
	for _, k := range out["items"].([]any) {
		key := k.(map[string]any)
		if key["revoked_at"] != nil {
			revoked++
		}
		if !strings.HasPrefix(key["id"].(string), f.Base+"/ob/v3/people/"+f.Staff.Username+"#") {
			t.Errorf("key id %v", key["id"])
		}
	}
	if revoked != 1 {
		t.Errorf("%d revoked keys after two rotations, want 1", revoked)
	}
	_, profile, _ := f.Do(t, f.Client, "GET", "/ob/v3/people/"+f.Staff.Username, nil, map[string]string{"Accept": "application/ld+json"})
	if strings.Count(profile, `"Multikey"`) != 2 || !strings.Contains(profile, `"revoked"`) {
		t.Errorf("the person's Profile after rotation:\n%s", profile)
	}
}
