package creator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/smtptest"
	"github.com/laurelnet/laurel/web/webtest"
)

// errorField is the field a JSON problem names.
func errorField(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func items(out map[string]any) []any {
	l, _ := out["items"].([]any)
	return l
}

// assertionsOf counts the assertions of badge b.
func assertionsOf(t *testing.T, f *webtest.Fixture, b issuer.BadgeClass) int {
	t.Helper()
	status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions", nil, "")
	if status != http.StatusOK {
		t.Fatalf("assertions of %s = %d %v", b.Name, status, out)
	}
	return len(items(out))
}

// TestMilestoneAPI: a milestone of two own badges and a partner's (Lund,
// named by its BadgeClass URL) is made through the API and shown to anyone
// with its rule; the earner's progress says 2 of 3 after the own badges,
// and the milestone is issued once when they accept the partner's badge
// into their passport, not again when a qualifying badge is issued again.
func TestMilestoneAPI(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	ctx := context.Background()
	a, b := f.CreateBadge(t, "Arduino", issuer.Expiry{}), f.CreateBadge(t, "Breadboard", issuer.Expiry{})
	maker := f.CreateBadge(t, "Maker", issuer.Expiry{})
	lund := f.SecondOrganisation(t)
	email := "lund@example.org"
	if _, err := issuer.UpdateOrganisation(ctx, f.Pool, lund.Org.ID, issuer.OrganisationUpdate{Email: &email}); err != nil {
		t.Fatal(err)
	}
	circuits, err := issuer.CreateBadgeClass(ctx, f.Pool, account.NodeActor(), lund.Org.ID, issuer.BadgeInput{Name: "Circuits", Description: "Lund's.",
		Image: webtest.ReadBadgePNG(t), CriteriaNarrative: "Solder."})
	if err != nil {
		t.Fatal(err)
	}
	circuitsURL := f.Base + "/ob/badges/" + circuits.UUID

	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no badge", map[string]any{"rule": "all", "requirements": []any{map[string]any{"badge": a.UUID}}}, "badge"},
		{"bad rule", map[string]any{"badge": maker.UUID, "rule": "most", "requirements": []any{map[string]any{"badge": a.UUID}}}, "rule"},
		{"another's badge by uuid", map[string]any{"badge": maker.UUID, "rule": "all", "requirements": []any{map[string]any{"badge": circuits.UUID}}}, "requirements[0].badge"},
		{"unknown property", map[string]any{"badge": maker.UUID, "rule": "all", "colour": "red"}, "colour"},
	} {
		status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/milestones", c.body, "")
		if status != http.StatusBadRequest || !strings.HasPrefix(errorField(out), c.field) {
			t.Errorf("%s: %d %v, want 400 naming %s", c.name, status, out, c.field)
		}
	}

	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/milestones", map[string]any{
		"badge": maker.UUID, "rule": "all",
		"requirements": []any{map[string]any{"badge": a.UUID}, map[string]any{"badge": b.UUID}, map[string]any{"badge": circuitsURL, "name": "Lund Circuits"}},
	}, "")
	if status != http.StatusCreated || out["badge"] != maker.UUID || out["rule"] != "all" || len(out["requirements"].([]any)) != 3 {
		t.Fatalf("create milestone = %d %v", status, out)
	}
	if status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/milestones", nil, ""); status != http.StatusOK || len(items(out)) != 1 {
		t.Fatalf("list = %d %v", status, out)
	}
	// Anyone may read the rule, and the criteria page lists it.
	status, text, _ := f.Do(t, webtest.Visitor(), "GET", "/api/v1/badges/"+maker.UUID+"/milestone", nil, nil)
	if status != http.StatusOK || !strings.Contains(text, "Lund Circuits") || !strings.Contains(text, `"partner": true`) {
		t.Fatalf("public milestone = %d %s", status, text)
	}
	if status, _, _ := f.Do(t, webtest.Visitor(), "GET", "/api/v1/badges/"+a.UUID+"/milestone", nil, nil); status != http.StatusNotFound {
		t.Errorf("an ordinary badge's milestone = %d, want 404", status)
	}
	_, page, _ := f.Do(t, webtest.Visitor(), "GET", "/ob/badges/"+maker.UUID+"/criteria", nil, map[string]string{"Accept": "text/html"})
	webtest.Contains(t, "criteria page", page, `id="milestone-rule"`, "Arduino", "Breadboard", "Lund Circuits", `href="`+circuitsURL+`"`)
	// Another organisation's staff cannot touch it.
	status, _, _ = f.Do(t, lund.Client, "GET", "/api/v1/orgs/tampere-uni/milestones/"+maker.UUID, nil, nil)
	if status != http.StatusForbidden {
		t.Errorf("Lund reads Tampere's milestone = %d, want 403", status)
	}

	f.IssueTo(t, a, "staff@example.org")
	f.IssueTo(t, b, "staff@example.org")
	if n := assertionsOf(t, f, maker); n != 0 {
		t.Fatalf("%d milestones after two of three", n)
	}
	me := f.UserAPI(t, f.Staff)
	status, out = me("GET", "/api/v1/me/milestones", nil)
	if status != http.StatusOK || len(items(out)) != 1 {
		t.Fatalf("my milestones = %d %v", status, out)
	}
	p := items(out)[0].(map[string]any)
	if p["count"] != 2.0 || p["required"] != 3.0 || p["earned"] != false || len(p["missing"].([]any)) != 1 ||
		p["missing"].([]any)[0].(map[string]any)["name"] != "Lund Circuits" {
		t.Fatalf("progress = %v, want 2 of 3 missing Lund Circuits", p)
	}

	// Lund issues its badge; the earner accepts it into their passport.
	j, _ := json.Marshal(map[string]any{"recipient": map[string]string{"type": "email", "identity": "staff@example.org"}})
	status, text, _ = f.Do(t, lund.Client, "POST", "/api/v1/orgs/lund-uni/badges/"+circuits.UUID+"/assertions", bytes.NewReader(j),
		map[string]string{"Content-Type": "application/json"})
	if status != http.StatusCreated {
		t.Fatalf("Lund issues = %d %s", status, text)
	}
	status, out = me("GET", "/api/v1/me/badges?state=pending", nil)
	if status != http.StatusOK {
		t.Fatalf("pending = %d %v", status, out)
	}
	var item string
	for _, it := range items(out) {
		if m := it.(map[string]any); m["issuer_name"] == "Lund University" {
			item = m["id"].(string)
		}
	}
	if item == "" {
		t.Fatalf("Lund's badge is not pending in the passport: %v", out)
	}
	if status, out := me("POST", "/api/v1/me/badges/"+item+"/accept", nil); status != http.StatusOK {
		t.Fatalf("accept = %d %v", status, out)
	}
	waitFor(t, "the milestone to be issued", func() bool { return assertionsOf(t, f, maker) == 1 })
	f.IssueTo(t, a, "staff@example.org")
	time.Sleep(500 * time.Millisecond) // any evaluation the new badge sets off has run
	if n := assertionsOf(t, f, maker); n != 1 {
		t.Fatalf("%d milestones after another qualifying badge, want still 1", n)
	}
	status, out = me("GET", "/api/v1/me/milestones", nil)
	if p := items(out)[0].(map[string]any); status != http.StatusOK || p["earned"] != true || p["count"] != 3.0 || p["assertion"] == "" {
		t.Fatalf("progress after earning = %d %v", status, out)
	}

	// The rule can change, and a milestone can go back to being a badge.
	status, out = f.API(t, "PUT", "/api/v1/orgs/tampere-uni/milestones/"+maker.UUID, map[string]any{
		"rule": "some", "required": 1, "requirements": []any{map[string]any{"badge": a.UUID}, map[string]any{"badge": b.UUID}},
		"revoke_with_requirements": true}, "")
	if status != http.StatusOK || out["rule"] != "some" || out["required"] != 1.0 || out["revoke_with_requirements"] != true {
		t.Fatalf("update = %d %v", status, out)
	}
	if status, out := f.API(t, "PUT", "/api/v1/orgs/tampere-uni/milestones/"+maker.UUID, map[string]any{"badge": a.UUID, "rule": "all"}, ""); status != http.StatusBadRequest || errorField(out) != "badge" {
		t.Errorf("changing the badge = %d %v", status, out)
	}
	if status, _ := f.API(t, "DELETE", "/api/v1/orgs/tampere-uni/milestones/"+maker.UUID, nil, ""); status != http.StatusNoContent {
		t.Fatalf("delete = %d", status)
	}
	if status, _ := f.API(t, "GET", "/api/v1/orgs/tampere-uni/milestones/"+maker.UUID, nil, ""); status != http.StatusNotFound {
		t.Errorf("deleted milestone = %d, want 404", status)
	}
	if n := assertionsOf(t, f, maker); n != 1 {
		t.Errorf("the award is gone with the milestone: %d", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestImageLibraryAPI: upload (JSON and multipart), list by tag and name,
// tags, rename, a design drawn and kept; a badge made from a library image
// has its bytes; deleting the image names the badge and leaves its image.
func TestImageLibraryAPI(t *testing.T) {
	f := webtest.StartNode(t)
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/images", map[string]any{"name": "Robot", "tags": []string{"STEM", "robots"}, "image": webtest.RobotDataURL(t)}, "")
	if status != http.StatusCreated || out["type"] != "image/png" || out["design"] != nil {
		t.Fatalf("upload = %d %v", status, out)
	}
	robot := out["uuid"].(string)
	form, h := webtest.MultipartForm(t, []webtest.Field{{"name", "Robot two"}, {"tags", "robots"}}, "image", "robot.png", webtest.ReadBadgePNG(t))
	h["Authorization"] = "Bearer " + f.Token
	if status, text, _ := f.Do(t, f.Client, "POST", "/api/v1/orgs/tampere-uni/images", form, h); status != http.StatusCreated {
		t.Fatalf("multipart upload = %d %s", status, text)
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"script in SVG", map[string]any{"name": "Bad", "image": "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4="}, "image"},
		{"no image", map[string]any{"name": "Empty"}, "image"},
		{"same name", map[string]any{"name": "ROBOT", "image": webtest.RobotDataURL(t)}, "name"},
	} {
		status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/images", c.body, "")
		if status/100 != 4 || errorField(out) != c.field {
			t.Errorf("%s: %d %v, want 4xx naming %s", c.name, status, out, c.field)
		}
	}
	if status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/images?tag=stem", nil, ""); status != http.StatusOK || len(items(out)) != 1 {
		t.Errorf("by tag = %d %v", status, out)
	}
	if status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/images?name=two", nil, ""); status != http.StatusOK || len(items(out)) != 1 {
		t.Errorf("by name = %d %v", status, out)
	}
	if status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/images/tags", nil, ""); status != http.StatusOK || len(items(out)) != 2 {
		t.Errorf("tags = %d %v", status, out)
	}
	if status, out := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni/images/"+robot, map[string]any{"name": "Robot one", "tags": []string{"stem"}}, ""); status != http.StatusOK || out["name"] != "Robot one" {
		t.Errorf("rename = %d %v", status, out)
	}

	// The designer.
	status, out = f.API(t, "GET", "/api/v1/designer", nil, "")
	if status != http.StatusOK || len(out["icons"].([]any)) < 10 || len(out["shapes"].([]any)) != 4 {
		t.Fatalf("designer = %d %v", status, out)
	}
	design := map[string]any{"shape": "shield", "fill": "#1E6B52", "border": "#0b3d2e", "border_width": 12, "text_color": "#ffffff", "lines": []string{"Robotics", "Tampere"}, "icon": "rocket"}
	status, svg, hdr := f.Do(t, f.Client, "POST", "/api/v1/designer/preview", jsonBody(design), map[string]string{"Authorization": "Bearer " + f.Token, "Content-Type": "application/json"})
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<svg") || !strings.Contains(hdr.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("preview svg = %d %s %.80s", status, hdr.Get("Content-Type"), svg)
	}
	status, png, hdr := f.Do(t, f.Client, "POST", "/api/v1/designer/preview?format=png", jsonBody(design), map[string]string{"Authorization": "Bearer " + f.Token, "Content-Type": "application/json"})
	if status != http.StatusOK || hdr.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
		t.Fatalf("preview png = %d %s", status, hdr.Get("Content-Type"))
	}
	bad := map[string]any{"shape": "star", "fill": "#000000", "border": "#000000", "text_color": "#ffffff", "lines": []string{"x"}}
	status, text, _ := f.Do(t, f.Client, "POST", "/api/v1/designer/preview", jsonBody(bad), map[string]string{"Authorization": "Bearer " + f.Token, "Content-Type": "application/json"})
	if status != http.StatusBadRequest || !strings.Contains(text, `"field": "shape"`) {
		t.Errorf("bad shape = %d %s", status, text)
	}
	status, out = f.API(t, "POST", "/api/v1/orgs/tampere-uni/images/designs", map[string]any{"name": "Shield", "design": design}, "")
	if status != http.StatusCreated || out["type"] != "image/png" || out["design"].(map[string]any)["fill"] != "#1e6b52" {
		t.Fatalf("save design = %d %v", status, out)
	}
	shield := out["uuid"].(string)
	design["lines"] = []string{"Robotics", strings.Repeat("W", 41)}
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/images/designs", map[string]any{"name": "Long", "design": design}, ""); status != http.StatusBadRequest || errorField(out) != "design.lines[1]" {
		t.Errorf("too long a line = %d %v", status, out)
	}
	design["lines"] = []string{"Robotics v2"}
	if status, out := f.API(t, "PUT", "/api/v1/orgs/tampere-uni/images/"+shield+"/design", map[string]any{"design": design, "format": "svg"}, ""); status != http.StatusOK || out["type"] != "image/svg+xml" {
		t.Errorf("redesign = %d %v", status, out)
	}

	// A badge from the library gets a copy.
	status, out = f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges", map[string]any{"name": "Robotics", "description": "Robots.",
		"criteria": map[string]any{"narrative": "Build one."}, "library_image": shield}, "")
	if status != http.StatusCreated {
		t.Fatalf("badge from the library = %d %v", status, out)
	}
	badge := out["uuid"].(string)
	_, file, _ := f.Do(t, f.Client, "GET", "/api/v1/orgs/tampere-uni/images/"+shield+"/file", nil, map[string]string{"Authorization": "Bearer " + f.Token})
	_, badgeImage, _ := f.Do(t, f.Client, "GET", "/ob/badges/"+badge+"/image", nil, nil)
	if file == "" || file != badgeImage {
		t.Fatalf("the badge's image (%d bytes) is not the library's (%d bytes)", len(badgeImage), len(file))
	}
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges", map[string]any{"name": "Both", "description": "d",
		"criteria": map[string]any{"narrative": "n"}, "library_image": shield, "image": webtest.RobotDataURL(t)}, ""); status != http.StatusBadRequest || errorField(out) != "library_image" {
		t.Errorf("image and library_image = %d %v", status, out)
	}
	status, out = f.API(t, "GET", "/api/v1/orgs/tampere-uni/images/"+shield, nil, "")
	if uses, _ := out["uses"].([]any); status != http.StatusOK || len(uses) != 1 || uses[0].(map[string]any)["name"] != "Robotics" {
		t.Fatalf("uses = %d %v", status, out)
	}
	if _, _, hdr := f.Do(t, f.Client, "GET", "/api/v1/orgs/tampere-uni/images/"+shield+"/file", nil, map[string]string{"Authorization": "Bearer " + f.Token}); !strings.HasPrefix(hdr.Get("Cache-Control"), "private") {
		t.Errorf("a library image may be kept by shared caches: Cache-Control %q", hdr.Get("Cache-Control"))
	}
	if status, _, _ := f.Do(t, webtest.Visitor(), "GET", "/api/v1/orgs/tampere-uni/images/"+shield+"/file", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("a visitor reads the library = %d, want 401", status)
	}
	status, out = f.API(t, "DELETE", "/api/v1/orgs/tampere-uni/images/"+shield, nil, "")
	if kept, _ := out["kept_by"].([]any); status != http.StatusOK || len(kept) != 1 || kept[0].(map[string]any)["badge"] != badge {
		t.Fatalf("delete = %d %v", status, out)
	}
	if _, after, _ := f.Do(t, f.Client, "GET", "/ob/badges/"+badge+"/image", nil, nil); after != badgeImage {
		t.Error("deleting the library image changed the badge's image")
	}
	if status, _ := f.API(t, "GET", "/api/v1/orgs/tampere-uni/images/"+shield, nil, ""); status != http.StatusNotFound {
		t.Errorf("deleted image = %d", status)
	}
}

func jsonBody(v any) *bytes.Reader {
	j, _ := json.Marshal(v)
	return bytes.NewReader(j)
}

// TestCriteriaTemplateAPI: a template saved, listed, filled for a badge
// with its name (escaped), the organisation and alignments, changed and
// deleted; an unknown placeholder is refused naming body.
func TestCriteriaTemplateAPI(t *testing.T) {
	f := webtest.StartNode(t)
	base := "/api/v1/orgs/tampere-uni/criteria-templates"
	if status, out := f.API(t, "POST", base, map[string]any{"name": "Bad", "body": "For {recipient}"}, ""); status != http.StatusBadRequest || errorField(out) != "body" {
		t.Errorf("unknown placeholder = %d %v", status, out)
	}
	status, out := f.API(t, "POST", base, map[string]any{"name": "Project", "body": "Earn **{badge}** from {issuer}.\n\n{alignments}"}, "")
	if status != http.StatusCreated {
		t.Fatalf("create = %d %v", status, out)
	}
	id := out["uuid"].(string)
	if status, out := f.API(t, "GET", base, nil, ""); status != http.StatusOK || len(items(out)) != 1 {
		t.Errorf("list = %d %v", status, out)
	}
	status, out = f.API(t, "POST", base+"/"+id+"/fill", map[string]any{"badge": "C# *advanced*",
		"alignments": []any{map[string]any{"targetName": "Programming", "targetUrl": "https://example.org/prog", "targetFramework": "ESCO", "targetCode": "P1"}}}, "")
	n, _ := out["narrative"].(string)
	if status != http.StatusOK || !strings.Contains(n, `C# \*advanced\*`) || !strings.Contains(n, "Tampere University") || !strings.Contains(n, "[Programming](<https://example.org/prog>)") {
		t.Fatalf("fill = %d %q", status, n)
	}
	if status, out := f.API(t, "PUT", base+"/"+id, map[string]any{"name": "Project 2", "body": "{badge}"}, ""); status != http.StatusOK || out["name"] != "Project 2" {
		t.Errorf("update = %d %v", status, out)
	}
	if status, _ := f.API(t, "DELETE", base+"/"+id, nil, ""); status != http.StatusNoContent {
		t.Errorf("delete = %d", status)
	}
	if status, _ := f.API(t, "POST", base+"/"+id+"/fill", map[string]any{"badge": "x"}, ""); status != http.StatusNotFound {
		t.Errorf("fill a deleted template = %d", status)
	}
}

// TestCustomClaimEmail: the organisation's Finnish claim template is sent,
// through the SMTP server, to a recipient issued with language fi (by the
// API and by the CSV column), the default text to one without; previews
// fill sample values; "use default" deletes the template.
func TestCustomClaimEmail(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotiikka", issuer.Expiry{})
	base := "/api/v1/orgs/tampere-uni/email-templates"
	status, out := f.API(t, "GET", "/api/v1/email-templates/claim/starter", nil, "")
	if status != http.StatusOK || !strings.Contains(out["body"].(string), "{claim_link}") {
		t.Fatalf("starter = %d %v", status, out)
	}
	if status, out := f.API(t, "PUT", base+"/claim/fi", map[string]any{"subject": "Sait merkin {claim_link}", "body": "x {claim_link}"}, ""); status != http.StatusBadRequest || errorField(out) != "subject" {
		t.Errorf("claim link in the subject = %d %v", status, out)
	}
	if status, out := f.API(t, "PUT", base+"/claim/xx-!!", map[string]any{"subject": "s", "body": "{claim_link}"}, ""); status != http.StatusBadRequest || errorField(out) != "language" {
		t.Errorf("bad language = %d %v", status, out)
	}
	fi := map[string]any{"subject": "Hei {earner}, sait merkin {badge}", "body": "{issuer} myönsi sinulle merkin {badge}.\nLunasta se: {claim_link}\n"}
	status, out = f.API(t, "PUT", base+"/claim/fi", fi, "")
	if status != http.StatusOK || out["language"] != "fi" {
		t.Fatalf("save = %d %v", status, out)
	}
	status, out = f.API(t, "POST", base+"/preview", map[string]any{"kind": "claim", "language": "fi", "subject": fi["subject"], "body": fi["body"]}, "")
	if status != http.StatusOK || !strings.Contains(out["text"].(string), "Tampere University myönsi") || strings.Contains(out["text"].(string), "{claim_link}") {
		t.Fatalf("preview = %d %v", status, out)
	}

	status, out = f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "email", "identity": "aino@example.org", "name": "Aino", "language": "fi-FI"}}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue in Finnish = %d %v", status, out)
	}
	m := webtest.WaitForSubject(t, smtp, "Hei Aino, sait merkin Robotiikka")
	if m.To[0] != "aino@example.org" || !strings.Contains(m.Text, "Tampere University myönsi sinulle merkin Robotiikka.") || !strings.Contains(m.Text, f.Base+"/claim/") {
		t.Fatalf("Finnish mail to %v:\n%s", m.To, m.Text)
	}
	f.IssueTo(t, b, "bob@example.org")
	if m := mailTo(t, smtp, "bob@example.org"); m.Subject != `You have earned the badge "Robotiikka" from Tampere University` {
		t.Errorf("the mail of an earner with no language is %q", m.Subject)
	}
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "email", "identity": "x@example.org", "language": "not a tag"}}, ""); status != http.StatusBadRequest || errorField(out) != "language" {
		t.Errorf("bad recipient language = %d %v", status, out)
	}
	csv := "recipient,name,language\r\neero@example.org,Eero,fi\r\n"
	form, h := webtest.MultipartForm(t, nil, "file", "r.csv", []byte(csv))
	h["Authorization"] = "Bearer " + f.Token
	if status, text, _ := f.Do(t, f.Client, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions/bulk", form, h); status != http.StatusCreated {
		t.Fatalf("bulk with language = %d %s", status, text)
	}
	webtest.WaitForSubject(t, smtp, "Hei Eero, sait merkin Robotiikka")

	status, out = f.API(t, "GET", base, nil, "")
	if status != http.StatusOK || len(items(out)) != 1 {
		t.Fatalf("list = %d %v", status, out)
	}
	if status, _ := f.API(t, "DELETE", base+"/"+items(out)[0].(map[string]any)["uuid"].(string), nil, ""); status != http.StatusNoContent {
		t.Fatalf("use default = %d", status)
	}
	f.IssueTo(t, b, "aino2@example.org")
	if m := mailTo(t, smtp, "aino2@example.org"); !strings.HasPrefix(m.Subject, "You have earned the badge") {
		t.Errorf("after use default, a Finnish earner's mail is %q", m.Subject)
	}
}

// mailTo waits for the message to address to.
func mailTo(t *testing.T, srv *smtptest.Server, to string) smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for n := 1; time.Now().Before(deadline); n++ {
		for _, m := range srv.Wait(t, n, time.Until(deadline)) {
			if slices.Contains(m.To, to) {
				return m
			}
		}
	}
	t.Fatalf("no mail to %s", to)
	return smtptest.Message{}
}
