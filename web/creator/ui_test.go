package creator_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestToolPagesWithoutJavaScript goes through the creator tools as a
// browser without script does, one form post at a time: the menu, a
// milestone made and refused, an image uploaded, a design previewed by GET
// and saved, a criteria template written and then filled into the badge
// editor by its button and the criteria saved back as a template, a badge
// made from the library image, an email template previewed and saved, and
// the issue form's email language.
func TestToolPagesWithoutJavaScript(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	a, b := f.CreateBadge(t, "Arduino", issuer.Expiry{}), f.CreateBadge(t, "Breadboard", issuer.Expiry{})
	maker := f.CreateBadge(t, "Maker", issuer.Expiry{})
	staff := f.Login(t, "staff@example.org")

	body := f.Page(t, staff, "/creator")
	webtest.Contains(t, "creator menu", body, `href="/creator/tampere-uni/milestones"`, `href="/creator/tampere-uni/applications"`,
		`href="/creator/tampere-uni/images"`, `href="/creator/tampere-uni/criteria-templates"`, `href="/creator/tampere-uni/form-templates"`,
		`href="/creator/tampere-uni/email-templates"`, `href="/creator/tampere-uni/designer"`, ">Milestone badges<")

	// Milestones.
	webtest.Contains(t, "no milestones", f.Page(t, staff, "/creator/tampere-uni/milestones"), "No milestone badges yet.")
	body = f.Page(t, staff, "/creator/tampere-uni/milestones/new")
	webtest.Contains(t, "milestone form", body, `name="badge"`, `value="`+maker.UUID+`"`, `name="requirement"`, `name="rule"`)
	status, body, _ := f.Post(t, staff, "/creator/tampere-uni/milestones", url.Values{"badge": {maker.UUID}, "rule": {"some"}, "required": {"three"},
		"requirement": {a.UUID, b.UUID}})
	if status != http.StatusBadRequest {
		t.Fatalf("a milestone with a bad number = %d", status)
	}
	webtest.Contains(t, "refused milestone", body, "required: must be a whole number", `id="required" name="required" type="number" min="1" max="100" inputmode="numeric" value="three" aria-invalid="true"`,
		`value="`+a.UUID+`" checked`)
	f.PostOK(t, staff, "/creator/tampere-uni/milestones", url.Values{"badge": {maker.UUID}, "rule": {"all"}, "requirement": {a.UUID, b.UUID}},
		"/creator/tampere-uni/milestones")
	body = f.Page(t, staff, "/creator/tampere-uni/milestones")
	webtest.Contains(t, "milestones", body, "Milestone “Maker” saved", "<h3>Maker</h3>", "<li>Arduino</li>", "<li>Breadboard</li>", "Every listed badge")
	body = f.Page(t, staff, "/creator/tampere-uni/milestones/"+maker.UUID+"/edit")
	webtest.Contains(t, "milestone edit form", body, `value="`+a.UUID+`" checked`, `value="`+b.UUID+`" checked`)

	// An image uploaded, refused when it runs script.
	form, h := webtest.MultipartForm(t, []webtest.Field{{"name", "Robot"}, {"tags", "stem, robots"}}, "image", "robot.png", webtest.ReadBadgePNG(t))
	if status, _, hdr := f.Do(t, staff, "POST", "/creator/tampere-uni/images", form, h); status != http.StatusSeeOther || hdr.Get("Location") != "/creator/tampere-uni/images" {
		t.Fatalf("upload = %d", status)
	}
	form, h = webtest.MultipartForm(t, []webtest.Field{{"name", "Evil"}, {"tags", "x"}}, "image", "evil.svg",
		[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	status, body, _ = f.Do(t, staff, "POST", "/creator/tampere-uni/images", form, h)
	if status != http.StatusBadRequest {
		t.Fatalf("a scripted SVG = %d", status)
	}
	webtest.Contains(t, "refused upload", body, "image: ", `value="Evil" aria-invalid`[:12])
	body = f.Page(t, staff, "/creator/tampere-uni/images?tag=STEM")
	webtest.Contains(t, "library by tag", body, "<h3>Robot</h3>", "robots (1)", `aria-current="page">stem (1)`)
	robot := webtest.UUIDIn(t, body, "/file")
	if status, _, hdr := f.Do(t, staff, "GET", "/creator/tampere-uni/images/"+robot+"/file", nil, nil); status != http.StatusOK || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("library file = %d %s", status, hdr.Get("Content-Type"))
	}

	// The designer: the form's GET is the preview.
	q := url.Values{"shape": {"hexagon"}, "fill": {"#224488"}, "border": {"#ffcc00"}, "border_width": {"10"}, "text_color": {"#ffffff"},
		"icon_color": {"#ffcc00"}, "line": {"Maker", "Tampere", ""}, "icon": {"wrench"}}
	body = f.Page(t, staff, "/creator/tampere-uni/designer?"+q.Encode())
	webtest.Contains(t, "designer", body, `<img id="preview" src="/creator/tampere-uni/designer/preview.svg?`, `value="hexagon" checked`,
		`value="wrench" checked`, `value="Maker"`, `formmethod="post"`)
	// Each icon's radio shows the icon, drawn by the same preview.
	icon := regexp.MustCompile(`value="rocket"> <img src="([^"]+)"`).FindStringSubmatch(body)
	if icon == nil {
		t.Fatal("the rocket icon's radio has no picture")
	}
	if status, svg, _ := f.Do(t, staff, "GET", html.UnescapeString(icon[1]), nil, nil); status != http.StatusOK || !strings.Contains(svg, "<path") {
		t.Errorf("the rocket icon's picture = %d", status)
	}
	preview := "/creator/tampere-uni/designer/preview.svg?" + q.Encode()
	if status, svg, hdr := f.Do(t, staff, "GET", preview, nil, nil); status != http.StatusOK || hdr.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<path") {
		t.Fatalf("preview = %d %s", status, hdr.Get("Content-Type"))
	}
	q.Set("shape", "star")
	body = f.Page(t, staff, "/creator/tampere-uni/designer?"+q.Encode())
	webtest.Contains(t, "a broken design says why", body, `id="design-error"`, "shape: must be one of")
	q.Set("shape", "hexagon")
	q.Set("name", "Maker hexagon")
	q.Set("tags", "designs")
	q.Set("format", "png")
	status, _, loc := f.Post(t, staff, "/creator/tampere-uni/designer", q)
	if status != http.StatusSeeOther || loc != "/creator/tampere-uni/images" {
		t.Fatalf("save design = %d %s", status, loc)
	}
	body = f.Page(t, staff, "/creator/tampere-uni/images?tag=designs")
	webtest.Contains(t, "designed image", body, "<h3>Maker hexagon</h3>", "designed", "Design again")
	hexagon := webtest.UUIDIn(t, body, "/file")

	// Criteria templates.
	f.PostOK(t, staff, "/creator/tampere-uni/criteria-templates", url.Values{"name": {"Project"}, "body": {"Earn **{badge}** from {issuer}.\n\n{alignments}"}},
		"/creator/tampere-uni/criteria-templates")
	status, body, _ = f.Post(t, staff, "/creator/tampere-uni/criteria-templates", url.Values{"name": {"Bad"}, "body": {"{whoever}"}})
	if status != http.StatusBadRequest {
		t.Fatalf("bad template = %d", status)
	}
	webtest.Contains(t, "bad template", body, "unknown placeholder {whoever}", `id="ct-body" name="body"`, `aria-invalid="true"`)
	body = f.Page(t, staff, "/creator/tampere-uni/badges/new?library_image="+hexagon)
	webtest.Contains(t, "badge editor", body, `name="library_image" value="`+hexagon+`" checked`, "Pick from image library",
		`name="criteria_template"`, `value="fill_template"`, `value="save_template"`, ">Project</option>")
	tmpl := webtest.UUIDIn(t, strings.ReplaceAll(body, `<option value="`, `<option value="/`), `">Project`)

	// "Fill": the form comes back with the criteria filled, nothing saved.
	fields := []webtest.Field{{"name", "Robot Maker"}, {"description", "Makes robots."}, {"criteria_kind", "narrative"},
		{"criteria_narrative", ""}, {"criteria_template", tmpl}, {"library_image", hexagon}, {"expiry_kind", "none"},
		{"align_name", "Robotics"}, {"align_url", "https://example.org/robotics"}, {"align_framework", ""}, {"align_code", ""}, {"align_description", ""},
		{"action", "fill_template"}}
	form, h = webtest.MultipartForm(t, fields, "", "", nil)
	status, body, _ = f.Do(t, staff, "POST", "/creator/tampere-uni/badges", form, h)
	if status != http.StatusOK {
		t.Fatalf("fill = %d:\n%s", status, body)
	}
	webtest.Contains(t, "filled form", body, "Criteria filled from the template", "Earn **Robot Maker** from Tampere University.",
		"[Robotics](&lt;https://example.org/robotics&gt;)", `value="Robot Maker"`, `value="`+hexagon+`" checked`)
	if list, _ := issuer.BadgeClasses(t.Context(), f.Pool, f.Org.ID, false); len(list) != 3 {
		t.Fatalf("filling saved a badge: %d badges", len(list))
	}
	// "Save as template" keeps the criteria typed.
	fields[3].Value, fields[12].Value = "Show a robot that {badge} needs.", "save_template"
	fields = append(fields, webtest.Field{Name: "template_name", Value: "Robot show"})
	form, h = webtest.MultipartForm(t, fields, "", "", nil)
	status, body, _ = f.Do(t, staff, "POST", "/creator/tampere-uni/badges", form, h)
	if status != http.StatusOK {
		t.Fatalf("save as template = %d:\n%s", status, body)
	}
	webtest.Contains(t, "saved as template", body, "Criteria saved as the template “Robot show”", ">Robot show</option>")
	// Saving the badge takes the library image.
	fields[12].Value = ""
	form, h = webtest.MultipartForm(t, fields, "", "", nil)
	if status, body, _ := f.Do(t, staff, "POST", "/creator/tampere-uni/badges", form, h); status != http.StatusSeeOther {
		t.Fatalf("create from the library = %d:\n%s", status, body)
	}
	body = f.Page(t, staff, "/creator/tampere-uni/images?tag=designs")
	webtest.Contains(t, "image used", body, "Used by Robot Maker")
	status, _, loc = f.Post(t, staff, "/creator/tampere-uni/images/"+hexagon+"/delete", nil)
	if status != http.StatusSeeOther {
		t.Fatalf("delete image = %d", status)
	}
	webtest.Contains(t, "deleted image", f.Page(t, staff, loc), "These badges keep their copy: Robot Maker.")

	// Email templates: preview, then save.
	body = f.Page(t, staff, "/creator/tampere-uni/email-templates")
	webtest.Contains(t, "email templates", body, "No email templates", "{claim_link}", `name="language"`)
	form2 := url.Values{"kind": {"claim"}, "language": {"fi"}, "subject": {"Sait merkin {badge}"}, "body": {"Hei {earner}! {claim_link}"}, "action": {"preview"}}
	status, body, _ = f.Post(t, staff, "/creator/tampere-uni/email-templates", form2)
	if status != http.StatusOK {
		t.Fatalf("preview = %d", status)
	}
	webtest.Contains(t, "email preview", body, `id="mail-preview"`, "Sait merkin ", `<pre id="preview-text">Hei `)
	form2.Set("action", "save")
	form2.Set("body", "Hei {earner}!")
	status, body, _ = f.Post(t, staff, "/creator/tampere-uni/email-templates", form2)
	if status != http.StatusBadRequest {
		t.Fatalf("a body without the claim link = %d", status)
	}
	webtest.Contains(t, "refused email template", body, "body: must contain {claim_link}", `aria-invalid="true"`)
	form2.Set("body", "Hei {earner}! {claim_link}")
	f.PostOK(t, staff, "/creator/tampere-uni/email-templates", form2, "/creator/tampere-uni/email-templates")
	body = f.Page(t, staff, "/creator/tampere-uni/email-templates")
	webtest.Contains(t, "saved email template", body, "<td>fi</td>", "Sait merkin {badge}", "Use Laurel&#39;s default")

	// The issue form asks for the email's language.
	body = f.Page(t, staff, "/issuer/tampere-uni/badges/"+a.UUID)
	webtest.Contains(t, "issue form", body, `id="language" name="language"`, "Email language")
	status, body, _ = f.Post(t, staff, "/issuer/tampere-uni/badges/"+a.UUID, url.Values{"recipient_type": {"email"}, "identity": {"x@example.org"}, "language": {"??"}})
	if status != http.StatusBadRequest {
		t.Fatalf("bad language = %d", status)
	}
	webtest.Contains(t, "bad language", body, "Email language: must be a language tag", `id="language" name="language"`)

	// Someone of another organisation sees none of these tools.
	lund := f.SecondOrganisation(t)
	for _, p := range []string{"/creator/tampere-uni/milestones", "/creator/tampere-uni/images", "/creator/tampere-uni/designer",
		"/creator/tampere-uni/criteria-templates", "/creator/tampere-uni/email-templates", "/creator/tampere-uni/images/" + robot + "/file"} {
		if status, _, _ := f.Do(t, lund.Client, "GET", p, nil, nil); status != http.StatusForbidden {
			t.Errorf("Lund's staff GET %s = %d, want 403", p, status)
		}
	}
}
