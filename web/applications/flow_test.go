package applications_test

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestApplyByEmailExternalReviewApproved: someone without an account
// applies by email through the public form (a failed attempt first: the
// error names the field and the answers stay), confirms through the mailed
// link (a link scanner's GET confirms nothing), an external reviewer
// opens the emailed single-use link, downloads the evidence and approves;
// the badge is issued with the application's evidence, the claim mail
// arrives, and the used link shows a clear page.
func TestApplyByEmailExternalReviewApproved(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	s := newSetup(t, f, allKinds, nil)
	mustAPI(t, f, http.StatusCreated, "POST", "/api/v1/orgs/tampere-uni/application-forms/"+s.formUUID()+"/reviewers",
		map[string]any{"email": "rita@reviewers.example", "name": "Rita Reviewer"})

	ada := webtest.Visitor()
	page := f.Page(t, ada, "/apply/"+s.token)
	webtest.Contains(t, "the form", page, "Apply for Line Follower", `enctype="multipart/form-data"`,
		"What did you build?", `name="answers.what"`, `name="files.evidence"`, `type="file"`, "multiple", `name="answers.agree"`,
		"Up to 2 files, each at most 1 MiB.")
	photo := webtest.ReadBadgePNG(t)

	// Not ticked: the page says which question, and keeps the answers.
	body, h := multipartBody(t, part{Name: "email", Value: "ada@example.org"}, part{Name: "name", Value: "Ada Lovelace"},
		part{Name: "answers.what", Value: "A robot that follows a line"}, part{Name: "answers.agree", Value: "no"},
		part{Name: "files.evidence", File: "robot.png", Data: photo})
	status, page, _ := f.Do(t, ada, "POST", "/apply/"+s.token, body, h)
	if status != http.StatusBadRequest {
		t.Fatalf("unticked = %d, want 400:\n%s", status, page)
	}
	webtest.Contains(t, "the failed attempt", page, "The work is my own: ", "A robot that follows a line", `value="ada@example.org"`,
		"Choose your files again")

	// An HTML file is refused, naming the file's input.
	body, h = multipartBody(t, part{Name: "email", Value: "ada@example.org"}, part{Name: "answers.what", Value: "A robot"},
		part{Name: "answers.agree", Value: "yes"}, part{Name: "files.evidence", File: "x.png", Data: []byte("<html><script>alert(1)</script>")})
	if status, page, _ = f.Do(t, ada, "POST", "/apply/"+s.token, body, h); status != http.StatusBadRequest || !strings.Contains(page, "Photo or report: ") {
		t.Fatalf("HTML as evidence = %d:\n%s", status, page)
	}

	body, h = multipartBody(t, part{Name: "email", Value: "ada@example.org"}, part{Name: "name", Value: "Ada Lovelace"},
		part{Name: "answers.what", Value: "A robot that follows a line"}, part{Name: "answers.story", Value: "It worked\non the second try."},
		part{Name: "answers.portfolio", Value: "https://ada.example/robot"},
		part{Name: "answers.agree", Value: "no"}, part{Name: "answers.agree", Value: "yes"},
		part{Name: "files.evidence", File: "robot.png", Data: photo})
	status, page, _ = f.Do(t, ada, "POST", "/apply/"+s.token, body, h)
	if status != http.StatusOK || !strings.Contains(page, "we emailed a confirmation link to ada@example.org") {
		t.Fatalf("apply = %d:\n%s", status, page)
	}
	if a := s.applicationOf(t, "ada@example.org"); a != nil {
		t.Fatalf("an unconfirmed application is listed: %v", a)
	}

	confirm := linkIn(t, f, mailTo(t, smtp, "ada@example.org", "Confirm your application"), "/apply/confirm/")
	page = f.Page(t, webtest.Visitor(), confirm) // a link scanner
	webtest.Contains(t, "the confirmation page", page, `<form method="post" id="confirm">`)
	if a := s.applicationOf(t, "ada@example.org"); a != nil {
		t.Fatalf("a GET of the link confirmed the application: %v", a)
	}
	status, page, _ = f.Do(t, ada, "POST", confirm, nil, nil)
	if status != http.StatusOK || !strings.Contains(page, "is confirmed") {
		t.Fatalf("confirm = %d:\n%s", status, page)
	}
	if status, page, _ = f.Do(t, ada, "POST", confirm, nil, nil); status != http.StatusNotFound || !strings.Contains(page, "used already") {
		t.Fatalf("second confirm = %d:\n%s", status, page)
	}
	app := s.applicationOf(t, "ada@example.org")
	if app == nil || app["state"] != "new" {
		t.Fatalf("after confirming: %v", app)
	}
	appUUID := app["id"].(string)

	// The external reviewer's link: the application, its file, a decision.
	review := linkIn(t, f, mailTo(t, smtp, "rita@reviewers.example", "Review an application"), "/review/")
	jar, _ := cookiejar.New(nil)
	rita := webtest.NoRedirects(jar)
	page = f.Page(t, rita, review)
	webtest.Contains(t, "the review page", page, "Ada Lovelace", "A robot that follows a line", "It worked\non the second try.",
		`href="https://ada.example/robot"`, "robot.png", `id="decision"`)
	fileUUID := webtest.UUIDIn(t, page, `" download`)
	filePath := "/applications/" + appUUID + "/files/" + fileUUID
	status, data, hdr := f.Do(t, rita, "GET", filePath, nil, nil)
	if status != http.StatusOK || data != string(photo) {
		t.Fatalf("the reviewer's download = %d (%d bytes)", status, len(data))
	}
	for k, want := range map[string]string{"Content-Type": "image/png", "Content-Disposition": `attachment; filename=robot.png`,
		"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'"} {
		if got := hdr.Get(k); got != want {
			t.Errorf("file %s = %q, want %q", k, got, want)
		}
	}
	if status, _, _ := f.Do(t, webtest.Visitor(), "GET", filePath, nil, nil); status != http.StatusForbidden {
		t.Errorf("a stranger's download = %d, want 403", status)
	}

	status, page, _ = f.Do(t, rita, "POST", review, strings.NewReader("decision=approve&comment=Lovely+work"), webtest.FormPost)
	if status != http.StatusOK || !strings.Contains(page, "You approved the application") {
		t.Fatalf("approve = %d:\n%s", status, page)
	}
	// The link is used up: a clear page, and a 409 for a second decision.
	status, page, _ = f.Do(t, rita, "GET", review, nil, nil)
	if status != http.StatusNotFound || !strings.Contains(page, "This review link no longer works") || strings.Contains(page, `id="decision"`) {
		t.Fatalf("used link = %d:\n%s", status, page)
	}
	if status, page, _ = f.Do(t, rita, "POST", review, strings.NewReader("decision=reject&comment=No"), webtest.FormPost); status != http.StatusConflict ||
		!strings.Contains(page, "used already") {
		t.Fatalf("second use = %d:\n%s", status, page)
	}
	if status, _, _ := f.Do(t, rita, "GET", filePath, nil, nil); status != http.StatusForbidden {
		t.Errorf("download with the used link = %d, want 403", status)
	}

	// Approved: the badge is issued with the evidence, the claim mail arrives.
	app = s.applicationOf(t, "ada@example.org")
	if app["state"] != "approved" || app["assertion"] == "" {
		t.Fatalf("after approval: %v", app)
	}
	approved := mailTo(t, smtp, "ada@example.org", "was approved")
	claim := linkIn(t, f, approved, "/claim/")
	webtest.Contains(t, "the approval mail", approved.Text, "Lovely work")
	if page = f.Page(t, webtest.Visitor(), claim); !strings.Contains(page, "Line Follower") {
		t.Errorf("the claim page lacks the badge:\n%s", page)
	}
	doc := f.Hosted(t, issuer.URLs{Base: webtest.MustURL(t, f.Base)}.Assertion(app["assertion"].(string)), http.StatusOK)
	evidence, _ := doc["evidence"].([]any)
	var ids []string
	for _, e := range evidence {
		m := e.(map[string]any)
		id, _ := m["id"].(string)
		ids = append(ids, id)
	}
	if !containsString(ids, f.Base+filePath) || !containsString(ids, "https://ada.example/robot") {
		t.Errorf("the assertion's evidence is %v, want the file %s and the portfolio link", ids, f.Base+filePath)
	}
	if n, _ := doc["narrative"].(string); !strings.Contains(n, "**What did you build?**") || !strings.Contains(n, "A robot that follows a line") {
		t.Errorf("the assertion's narrative lacks the answers: %q", n)
	}
	// The applicant's page through the receipt's link: approved, file downloadable.
	mine := linkIn(t, f, mailTo(t, smtp, "ada@example.org", "was received"), "/apply/mine/")
	page = f.Page(t, ada, mine)
	webtest.Contains(t, "the applicant's page", page, "approved", "robot.png", "/badges/"+app["assertion"].(string))
	webtest.Lacks(t, "the applicant's page of a decided application", page, `id="withdraw"`)
	if status, data, _ := f.Do(t, ada, "GET", filePath, nil, nil); status != http.StatusOK || data != string(photo) {
		t.Errorf("the applicant's download = %d", status)
	}
	f.NoLinksInMailJobs(t)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
