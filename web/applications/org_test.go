package applications_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestCreatorPages: from Creator tools, a staff member makes a form
// template in the editor (without JavaScript: rows, one of each kind; an
// error names the row's input and keeps what was typed), publishes an
// application form from it for a badge, sees its public link, changes its
// dates, and invites an external reviewer.
func TestCreatorPages(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Line Follower", issuer.Expiry{})
	c := f.Login(t, "staff@example.org")
	creator := f.Page(t, c, "/creator")
	webtest.Contains(t, "the creator page", creator, `href="/creator/tampere-uni/applications">Badge applications`,
		`href="/creator/tampere-uni/form-templates">Form templates`)
	webtest.Contains(t, "the templates page", f.Page(t, c, "/creator/tampere-uni/form-templates"), "No form templates yet")
	editor := f.Page(t, c, "/creator/tampere-uni/form-templates/new")
	webtest.Contains(t, "the editor", editor, `name="field-0-label"`, `name="field-2-kind"`, `<option value="file"`, `value="application/pdf"`)

	form := url.Values{"name": {"Robotics"},
		"field-0-kind": {"text"}, "field-0-label": {"What did you build?"}, "field-0-required": {"yes"},
		"field-1-kind": {"file"}, "field-1-label": {"Photo"}, "field-1-maxmib": {"20"},
		"field-2-kind": {"checkbox"}, "field-2-label": {""}}
	status, page, _ := f.Post(t, c, "/creator/tampere-uni/form-templates", form)
	if status != http.StatusBadRequest || !strings.Contains(page, `name="field-1-maxmib" type="number" min="0.01" max="10" step="any" value="20" placeholder="5" aria-invalid="true"`) ||
		!strings.Contains(page, `value="What did you build?"`) {
		t.Fatalf("a file too large = %d:\n%s", status, page)
	}
	form.Set("field-1-maxmib", "2")
	form["field-1-types"] = []string{"image/png", "application/pdf"}
	form.Set("field-2-label", "I did it myself")
	form.Set("field-2-required", "yes")
	f.PostOK(t, c, "/creator/tampere-uni/form-templates", form, "/creator/tampere-uni/form-templates")
	list := f.Page(t, c, "/creator/tampere-uni/form-templates")
	webtest.Contains(t, "the templates page", list, "Form template “Robotics” saved.", "Robotics")
	tmpls := mustAPIList(t, f, "/api/v1/orgs/tampere-uni/form-templates")
	fields := tmpls[0].(map[string]any)["fields"].([]any)
	if len(fields) != 3 || fields[1].(map[string]any)["maxBytes"].(float64) != 2<<20 || len(fields[1].(map[string]any)["types"].([]any)) != 2 {
		t.Fatalf("the template's fields: %v", fields)
	}
	tmplID := int64(tmpls[0].(map[string]any)["id"].(float64))
	edit := f.Page(t, c, "/creator/tampere-uni/form-templates/"+itoa(tmplID))
	webtest.Contains(t, "the template's editor", edit, `value="What did you build?"`, `value="2"`, `name="field-3-label"`, `value="image/png" checked`)
	webtest.Lacks(t, "the template's editor", edit, `value="image/gif" checked`)

	newForm := f.Page(t, c, "/creator/tampere-uni/application-forms/new")
	webtest.Contains(t, "the new form page", newForm, `<option value="`+b.UUID+`"`, "Robotics")
	in := url.Values{"badge": {b.UUID}, "template": {itoa(tmplID)}, "title": {"Apply for Line Follower"}, "approvals": {"2"},
		"opens_at": {"2030-01-01T10:00"}, "closes_at": {"2029-01-01T10:00"}}
	status, page, _ = f.Post(t, c, "/creator/tampere-uni/application-forms", in)
	if status != http.StatusBadRequest || !strings.Contains(page, "must be after opensAt") || !strings.Contains(page, `value="Apply for Line Follower"`) {
		t.Fatalf("closing before opening = %d:\n%s", status, page)
	}
	in.Set("closes_at", "2031-01-01T10:00")
	status, _, loc := f.Post(t, c, "/creator/tampere-uni/application-forms", in)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/creator/tampere-uni/application-forms/") {
		t.Fatalf("create form = %d to %q", status, loc)
	}
	page = f.Page(t, c, loc)
	webtest.Lacks(t, "the organisation's page", f.Page(t, webtest.Visitor(), "/orgs/tampere-uni"), "/apply/")
	webtest.Contains(t, "the form's page", page, `id="form-url" readonly value="`+f.Base+`/apply/`, `data-copy="form-url"`,
		"not open now", "Unlisted", `value="2030-01-01T10:00"`, "No member has the reviewer or admin role.")
	token := page[strings.Index(page, f.Base+"/apply/")+len(f.Base+"/apply/"):]
	token = token[:strings.IndexByte(token, '"')]
	closed := f.Page(t, webtest.Visitor(), "/apply/"+token)
	webtest.Contains(t, "the form before it opens", closed, "This form opens on")
	webtest.Lacks(t, "the form before it opens", closed, `id="apply"`)

	in = url.Values{"title": {"Apply for Line Follower"}, "approvals": {"1"}, "listed": {"yes"}}
	f.PostOK(t, c, loc, in, loc)
	page = f.Page(t, c, loc)
	webtest.Contains(t, "the form after saving", page, "Settings saved.", "open now", "Listed:")
	webtest.Contains(t, "the open form", f.Page(t, webtest.Visitor(), "/apply/"+token), `id="apply"`, "What did you build?", "One file of at most 2 MiB.")
	webtest.Contains(t, "the organisation's page", f.Page(t, webtest.Visitor(), "/orgs/tampere-uni"), "Apply for a badge",
		`<a href="/apply/`+token+`">Apply for Line Follower</a>`)

	status, page, _ = f.Post(t, c, loc+"/reviewers", url.Values{"email": {"not an address"}})
	if status != http.StatusBadRequest || !strings.Contains(page, `id="reviewer_email" name="email" type="email" required value="not an address" aria-invalid="true"`) {
		t.Fatalf("a bad reviewer = %d:\n%s", status, page)
	}
	f.PostOK(t, c, loc+"/reviewers", url.Values{"email": {"rita@reviewers.example"}, "name": {"Rita"}}, loc+"#reviewers")
	page = f.Page(t, c, loc)
	webtest.Contains(t, "the reviewers", page, "rita@reviewers.example invited to review.", "Rita · rita@reviewers.example")
	apps := f.Page(t, c, "/creator/tampere-uni/applications")
	webtest.Contains(t, "the applications page", apps, "Apply for Line Follower", "No applications match.", `id="csv"`)

	// A member of another organisation has none of this.
	other := f.SecondOrganisation(t).Client
	for _, path := range []string{"/creator/tampere-uni/form-templates", "/creator/tampere-uni/applications", loc} {
		if status, _, _ := f.Do(t, other, "GET", path, nil, nil); status != http.StatusForbidden {
			t.Errorf("GET %s by another organisation's staff = %d, want 403", path, status)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustAPIList(t *testing.T, f *webtest.Fixture, path string) []any {
	t.Helper()
	status, out := api(t, f, "GET", path, nil)
	list, ok := out.([]any)
	if status != http.StatusOK || !ok || len(list) == 0 {
		t.Fatalf("GET %s = %d %v", path, status, out)
	}
	return list
}
