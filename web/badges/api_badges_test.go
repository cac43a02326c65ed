package badges_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestOrganisationSettingsNeedAnAdmin: every setting of an organisation,
// in the API and in the settings page, is refused to its staff and
// changed by its admins.
func TestOrganisationSettingsNeedAnAdmin(t *testing.T) {
	f := webtest.StartNode(t)
	staff := f.Login(t, "staff@example.org")
	settings := []struct {
		name string
		try  func() int
	}{
		{"PATCH /orgs/{slug}", func() int {
			status, _ := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"email": "x@example.org"}, "")
			return status
		}},
		{"PUT /orgs/{slug}/federation", func() int {
			status, _ := f.API(t, "PUT", "/api/v1/orgs/tampere-uni/federation", map[string]any{"manually_approves_followers": true}, "")
			return status
		}},
		{"the settings page", func() int {
			status, _, _ := f.Post(t, staff, "/creator/tampere-uni/settings", url.Values{"name": {"Tampere University"}, "country": {"FI"}})
			return status
		}},
	}
	for _, c := range settings {
		if status := c.try(); status != http.StatusForbidden {
			t.Errorf("%s by staff = %d, want 403", c.name, status)
		}
	}
	var manual bool
	if err := f.Pool.QueryRow(context.Background(), `SELECT manually_approves_followers FROM actor WHERE username = 'tampere-uni'`).Scan(&manual); err != nil || manual {
		t.Fatalf("after staff tried, the organisation approves followers manually: %v (%v)", manual, err)
	}
	f.SetIssuerEmail(t, nil)
	if status, out := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"email": "not an address"}, ""); status != 400 || out["error"].(map[string]any)["field"] != "email" {
		t.Fatalf("PATCH with a bad email = %d %v", status, out)
	}
	// A name goes into email subjects: a line break in it would cancel
	// every email that mentions the organisation.
	for _, name := range []string{"Tampere\r\nUniversity", "Tampere\nUniversity", "Tampere\rUniversity"} {
		if status, out := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", map[string]any{"name": name}, ""); status != 400 || out["error"].(map[string]any)["field"] != "name" {
			t.Errorf("PATCH with the name %q = %d %v, want 400 on name", name, status, out)
		}
	}
	status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni", nil, "")
	if status != 200 || out["email"] != "badges@tuni.example" || out["profile"] != f.Base+"/ob/issuers/tampere-uni" {
		t.Fatalf("GET organisation = %d %v", status, out)
	}
	for _, c := range settings {
		if status := c.try(); status != http.StatusOK && status != http.StatusSeeOther {
			t.Errorf("%s by an admin = %d", c.name, status)
		}
	}
}

func TestHostedDocumentsFollowTheSpec(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	status, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "earner@example.org", "name": "Eva Earner"},
		"evidence":  "https://portfolio.example/robot", "narrative": "Built *Robbie*.",
	}, "")
	if status != http.StatusCreated || !strings.HasPrefix(a["id"].(string), f.Base+"/ob/assertions/") {
		t.Fatalf("issue = %d %v", status, a)
	}

	assertion := f.Hosted(t, a["id"].(string), 200)
	webtest.CheckDocument(t, "Assertion", assertion)
	badge := f.Hosted(t, assertion["badge"].(string), 200)
	webtest.CheckDocument(t, "BadgeClass", badge)
	profile := f.Hosted(t, badge["issuer"].(string), 200)
	webtest.CheckDocument(t, "Issuer", profile)
	webtest.CheckDocument(t, "RevocationList", f.Hosted(t, profile["revocationList"].(string), 200))
	criteria := badge["criteria"].(map[string]any)
	served := f.Hosted(t, criteria["id"].(string), 200)
	if served["narrative"] != criteria["narrative"] || served["type"] != "Criteria" {
		t.Errorf("criteria served %v, embedded %v", served, criteria)
	}
	raw, _ := json.Marshal(served)
	if _, err := vocab.Expand(raw); err != nil {
		t.Errorf("criteria: %v", err)
	}
	// Every id is on the issuer's origin: the hosted-verification scope.
	for _, id := range []any{assertion["id"], badge["id"], profile["id"], criteria["id"], assertion["image"]} {
		if !strings.HasPrefix(id.(string), f.Base+"/") {
			t.Errorf("id %v is not on the node's origin %s", id, f.Base)
		}
	}
	// The criteria page renders the Markdown safely for people.
	_, page, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(criteria["id"].(string), f.Base), nil, map[string]string{"Accept": "text/html"})
	if !strings.Contains(page, "<strong>walks</strong>") || strings.Contains(page, "<script>alert") {
		t.Errorf("criteria page does not render Markdown safely:\n%s", page)
	}
	// A browser following the assertion id lands on the public page.
	status, _, hdr := f.Do(t, f.Client, "GET", strings.TrimPrefix(a["id"].(string), f.Base), nil, map[string]string{"Accept": "text/html,application/xhtml+xml"})
	if status != http.StatusSeeOther || hdr.Get("Location") != "/badges/"+a["uuid"].(string) {
		t.Errorf("browser at the assertion id = %d to %q", status, hdr.Get("Location"))
	}
	// CORS preflight.
	status, _, hdr = f.Do(t, f.Client, "OPTIONS", strings.TrimPrefix(a["id"].(string), f.Base), nil, map[string]string{"Origin": "https://backpack.example", "Access-Control-Request-Method": "GET"})
	if status != http.StatusNoContent || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight = %d %v", status, hdr)
	}

	// Signed badges publish their key, owned by the profile.
	f.SetIssuerEmail(t, map[string]any{"sign_badges": true})
	profile = f.Hosted(t, badge["issuer"].(string), 200)
	keys, _ := profile["publicKey"].([]any)
	if len(keys) != 1 {
		t.Fatalf("profile of a signing issuer lists keys %v", profile["publicKey"])
	}
	key := f.Hosted(t, keys[0].(string), 200)
	webtest.CheckDocument(t, "CryptographicKey", key)
	if key["owner"] != profile["id"] {
		t.Errorf("key owner %v, want the profile %v", key["owner"], profile["id"])
	}
}

func TestVerifyOurBadgesRoundTrip(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	issue := func(email string) map[string]any {
		status, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
			map[string]any{"recipient": map[string]any{"type": "email", "identity": email}}, "")
		if status != http.StatusCreated {
			t.Fatalf("issue = %d %v", status, a)
		}
		return a
	}
	verify := func(body any, contentType string) map[string]any {
		t.Helper()
		status, rep := f.API(t, "POST", "/api/v1/verify", body, contentType)
		if status != 200 {
			t.Fatalf("verify = %d %v", status, rep)
		}
		return rep
	}
	failed := func(rep map[string]any) string {
		var names []string
		for _, e := range rep["errors"].([]any) {
			names = append(names, e.(map[string]any)["name"].(string))
		}
		return strings.Join(names, ",")
	}

	hosted := issue("ann@example.org")
	rep := verify(map[string]any{"url": hosted["id"], "email": "Ann@example.org"}, "")
	if rep["valid"] != true || rep["verification"] != "hosted" || rep["recipient_matched"] != true {
		t.Fatalf("our hosted badge: %v", rep)
	}
	if rep := verify(map[string]any{"url": hosted["id"], "email": "bob@example.org"}, ""); rep["valid"] != false || !strings.Contains(failed(rep), "recipient") {
		t.Errorf("wrong recipient email: %v", rep)
	}

	// Bake, download, un-bake: the same assertion, and it verifies.
	status, png, hdr := f.Do(t, f.Client, "GET", strings.TrimPrefix(hosted["image"].(string), f.Base), nil, nil)
	if status != 200 || hdr.Get("Content-Type") != "image/png" || !strings.Contains(hdr.Get("Content-Disposition"), "robotics.png") {
		t.Fatalf("baked image = %d %v", status, hdr)
	}
	baked, err := bake.Extract([]byte(png))
	if err != nil {
		t.Fatal(err)
	}
	var bakedDoc map[string]any
	if err := json.Unmarshal([]byte(baked), &bakedDoc); err != nil || bakedDoc["id"] != hosted["id"] {
		t.Fatalf("baked assertion %s (%v), want %v", baked, err, hosted["id"])
	}
	if rep := verify([]byte(png), "image/png"); rep["valid"] != true {
		t.Errorf("baked PNG upload: %v", rep)
	}

	// Revoke: 410 at the id, and the verifier says revoked.
	status, _ = f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+hosted["uuid"].(string)+"/revoke", map[string]any{"revocationReason": "Issued in error"}, "")
	if status != 200 {
		t.Fatalf("revoke = %d", status)
	}
	gone := f.Hosted(t, hosted["id"].(string), http.StatusGone)
	if gone["revoked"] != true || gone["revocationReason"] != "Issued in error" || gone["id"] != hosted["id"] {
		t.Errorf("revoked assertion answers %v", gone)
	}
	if rep := verify(map[string]any{"url": hosted["id"]}, ""); rep["valid"] != false || rep["revoked"] != true {
		t.Errorf("revoked badge: %v", rep)
	}

	// A signed badge verifies; a tampered one does not.
	f.SetIssuerEmail(t, map[string]any{"sign_badges": true})
	signed := issue("sig@example.org")
	jws, _ := signed["signed"].(string)
	if strings.Count(jws, ".") != 2 {
		t.Fatalf("signed assertion has no JWS: %v", signed)
	}
	if rep := verify(map[string]any{"assertion": jws}, ""); rep["valid"] != true || rep["verification"] != "signed" {
		t.Fatalf("our signed badge: %v", rep)
	}
	parts := strings.Split(jws, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var doc map[string]any
	_ = json.Unmarshal(payload, &doc)
	doc["issuedOn"] = "2020-01-01T00:00:00Z"
	payload, _ = json.Marshal(doc)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	if rep := verify(map[string]any{"assertion": tampered}, ""); rep["valid"] != false || !strings.Contains(failed(rep), "signature") {
		t.Errorf("tampered JWS: %v", rep)
	}
	// Revoking a signed badge puts it on the revocation list.
	f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+signed["uuid"].(string)+"/revoke", map[string]any{}, "")
	if rep := verify(map[string]any{"assertion": jws}, ""); rep["revoked"] != true {
		t.Errorf("revoked signed badge: %v", rep)
	}
}

func TestBadgeAPIBadInput(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	assertions := "/api/v1/orgs/tampere-uni/badges/" + b["uuid"].(string) + "/assertions"
	good := func() map[string]any {
		return map[string]any{"name": "N", "description": "D", "image": webtest.RobotDataURL(t), "criteria": map[string]any{"narrative": "Do it"}}
	}
	with := func(k string, v any) map[string]any {
		m := good()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		path   string
		body   any
		ctype  string
		status int
		field  string
	}{
		{"malformed JSON", "/api/v1/orgs/tampere-uni/badges", `{"name": `, "application/json", 400, ""},
		{"wrong type", "/api/v1/orgs/tampere-uni/badges", with("name", 5), "", 400, "name"},
		{"unknown property", "/api/v1/orgs/tampere-uni/badges", with("colour", "red"), "", 400, "colour"},
		{"missing name", "/api/v1/orgs/tampere-uni/badges", with("name", nil), "", 400, "name"},
		{"missing image", "/api/v1/orgs/tampere-uni/badges", with("image", nil), "", 400, "image"},
		{"not an image", "/api/v1/orgs/tampere-uni/badges", with("image", "data:image/png;base64,"+base64.StdEncoding.EncodeToString([]byte("hello"))), "", 400, "image"},
		{"image not a data URL", "/api/v1/orgs/tampere-uni/badges", with("image", "https://example.org/x.png"), "", 400, "image"},
		{"criteria on a private address", "/api/v1/orgs/tampere-uni/badges", with("criteria", map[string]any{"id": "http://127.0.0.1/c"}), "", 400, "criteria.id"},
		{"huge body", "/api/v1/orgs/tampere-uni/badges", with("description", strings.Repeat("x", 70<<10)), "", 413, ""},
		{"no recipient", assertions, map[string]any{}, "", 400, "recipient.type"},
		{"bad recipient", assertions, map[string]any{"recipient": map[string]any{"type": "email", "identity": "nope"}}, "", 400, "recipient.identity"},
		{"private evidence", assertions, map[string]any{"recipient": map[string]any{"type": "email", "identity": "a@example.org"}, "evidence": "http://192.168.0.1/"}, "", 400, "evidence[0].id"},
		{"bad date", assertions, map[string]any{"recipient": map[string]any{"type": "email", "identity": "a@example.org"}, "expires": "tomorrow"}, "", 400, ""},
		{"verify nothing", "/api/v1/verify", map[string]any{}, "", 400, "url"},
		{"verify a private address", "/api/v1/verify", map[string]any{"url": "http://10.0.0.1/badge"}, "", 400, "url"},
		{"verify not http", "/api/v1/verify", map[string]any{"url": "file:///etc/passwd"}, "", 400, "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := f.API(t, "POST", tc.path, tc.body, tc.ctype)
			e, _ := out["error"].(map[string]any)
			if status != tc.status || e == nil || (tc.field != "" && e["field"] != tc.field) {
				t.Fatalf("= %d %v, want %d naming %q", status, out, tc.status, tc.field)
			}
		})
	}
	// Nothing was half-written: still one badge, no assertion.
	_, list := f.API(t, "GET", "/api/v1/orgs/tampere-uni/badges", nil, "")
	_, issued := f.API(t, "GET", assertions, nil, "")
	if n := len(list["items"].([]any)); n != 1 {
		t.Errorf("%d badges after bad input, want 1", n)
	}
	if n := len(issued["items"].([]any)); n != 0 {
		t.Errorf("%d assertions after bad input, want 0", n)
	}
}

func TestBadgeAPIMultipartAndLifecycle(t *testing.T) {
	f := webtest.StartNode(t)
	png, _ := os.ReadFile("../../vocab/testdata/ob20/robotics-badge.png")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("badge", `{"name":"Uploaded","description":"By file","criteria":{"id":"https://example.org/criteria"}}`)
	fw, _ := mw.CreateFormFile("image", "robot.png")
	_, _ = fw.Write(png)
	_ = mw.Close()
	status, b := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges", buf.Bytes(), mw.FormDataContentType())
	if status != http.StatusCreated || b["criteria"].(map[string]any)["id"] != "https://example.org/criteria" {
		t.Fatalf("multipart create = %d %v", status, b)
	}
	path := "/api/v1/orgs/tampere-uni/badges/" + b["uuid"].(string)
	status, edited := f.API(t, "PUT", path, map[string]any{"name": "Renamed", "description": "By file", "criteria": map[string]any{"id": "https://example.org/criteria"}}, "")
	if status != 200 || edited["name"] != "Renamed" || edited["image"] != b["image"] {
		t.Fatalf("PUT = %d %v", status, edited)
	}
	if status, _ := f.API(t, "POST", path+"/archive", nil, ""); status != 200 {
		t.Fatalf("archive = %d", status)
	}
	_, archived := f.API(t, "GET", "/api/v1/orgs/tampere-uni/badges?archived=true", nil, "")
	if n := len(archived["items"].([]any)); n != 1 {
		t.Fatalf("%d archived badges", n)
	}
	if status, _ := f.API(t, "DELETE", path, nil, ""); status != http.StatusNoContent {
		t.Fatalf("delete of a never-issued badge = %d", status)
	}
	// Another organisation's members cannot see it.
	if status, _ := f.API(t, "GET", "/api/v1/orgs/nobody/badges", nil, ""); status != 404 {
		t.Fatalf("unknown organisation = %d", status)
	}
}

func TestBulkIssueAPI(t *testing.T) {
	f := webtest.StartNode(t)
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	path := "/api/v1/orgs/tampere-uni/badges/" + b["uuid"].(string) + "/assertions/bulk"
	status, rep := f.API(t, "POST", path, "recipient,name,expires\nann@example.org,Ann,\nnot-an-email,Bob,\ncid@example.org,Cid,someday\n", "text/csv")
	if status != http.StatusUnprocessableEntity || rep["issued"] != false {
		t.Fatalf("bulk with broken rows = %d %v", status, rep)
	}
	rows := rep["rows"].([]any)
	want := []string{"", "recipient.identity", "expires"}
	for i, r := range rows {
		row := r.(map[string]any)
		if row["row"] != float64(i+2) || fmt.Sprint(row["field"]) != want[i] && !(want[i] == "" && row["field"] == nil) {
			t.Errorf("row %d report %v, want field %q", i+2, row, want[i])
		}
	}
	_, issued := f.API(t, "GET", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", nil, "")
	if n := len(issued["items"].([]any)); n != 0 {
		t.Fatalf("%d assertions issued from a file with broken rows", n)
	}
	status, rep = f.API(t, "POST", path, "recipient,name\nann@example.org,Ann\nhttps://bob.example/,Bob\n", "text/csv")
	if status != http.StatusCreated || rep["issued"] != true {
		t.Fatalf("good bulk = %d %v", status, rep)
	}
	_, issued = f.API(t, "GET", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions", nil, "")
	if n := len(issued["items"].([]any)); n != 2 {
		t.Fatalf("%d assertions after the good file, want 2", n)
	}
}

// TestReviewerDoesNotActForTheOrganisation: a member with the reviewer
// role reviews badge applications and nothing else, so the organisation's
// tools answer 403 and the menu offers them no tools (a regression: the
// role once counted as staff).
func TestReviewerDoesNotActForTheOrganisation(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	u, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "rita@example.org", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, u.ID, f.Org.ID, account.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	api := f.UserAPI(t, u)
	if status, body := api("POST", "/api/v1/orgs/tampere-uni/badges", map[string]any{"name": "Sneaky", "description": "d", "criteria": "c"}); status != http.StatusForbidden {
		t.Errorf("a reviewer creating a badge = %d %v, want 403", status, body)
	}
	if status, body := api("GET", "/api/v1/orgs/tampere-uni/badges", nil); status != http.StatusForbidden {
		t.Errorf("a reviewer listing the badge library = %d %v, want 403", status, body)
	}
	home := f.Page(t, f.Login(t, "rita@example.org"), "/")
	for _, tool := range []string{"Issuer tools", "Creator tools", `href="/network"`} {
		if strings.Contains(home, tool) {
			t.Errorf("a reviewer's menu offers %s", tool)
		}
	}
}
