package applications_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/web/webtest"
)

var textOnly = []map[string]any{{"key": "what", "kind": "text", "label": "What did you build?", "required": true}}

// applyJSON applies through the API by email and confirms through the
// mailed link.
func applyJSON(t *testing.T, s setup, email, name, what string) {
	t.Helper()
	status, out := publicJSON(t, s.f, "/api/v1/apply/"+s.token, map[string]any{"email": email, "name": name, "answers": map[string]string{"what": what}})
	if status != http.StatusCreated || out["state"] != "unconfirmed" {
		t.Fatalf("apply as %s = %d %v", email, status, out)
	}
}

// TestPeerReviewedApplication: on a form with peer review, two applicants
// by email are each asked, once the second confirms, to review the
// other's application through a single-use link; one peer's approval (the
// form needs one) issues the badge and mails the claim link.
func TestPeerReviewedApplication(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	s := newSetup(t, f, textOnly, map[string]any{"peerReview": true, "approvals": 1})
	for _, who := range []struct{ email, name, what string }{
		{"ada@example.org", "Ada", "A line follower"}, {"bo@example.org", "Bo", "A sumo robot"},
	} {
		applyJSON(t, s, who.email, who.name, who.what)
		confirm := linkIn(t, f, mailTo(t, smtp, who.email, "Confirm your application"), "/apply/confirm/")
		if status, page, _ := f.Do(t, webtest.Visitor(), "POST", confirm, nil, nil); status != http.StatusOK {
			t.Fatalf("confirm %s = %d:\n%s", who.email, status, page)
		}
	}
	// Ada reviews Bo's application: the page shows it without Bo's address.
	review := linkIn(t, f, mailTo(t, smtp, "ada@example.org", "Review an application"), "/review/")
	page := f.Page(t, webtest.Visitor(), review)
	webtest.Contains(t, "the peer's review page", page, "A sumo robot", "Bo")
	webtest.Lacks(t, "the peer's review page", page, "bo@example.org", "A line follower")
	// The API takes the decision; a rejection needs a comment.
	if status, out := publicJSON(t, f, "/api/v1"+review, map[string]any{"approve": false}); status != http.StatusBadRequest || errField(out) != "comment" {
		t.Fatalf("rejection without comment = %d %v", status, out)
	}
	status, out := publicJSON(t, f, "/api/v1"+review, map[string]any{"approve": true, "comment": "Nice sumo"})
	if status != http.StatusOK || out["state"] != "approved" || out["email"] != "" {
		t.Fatalf("peer approval = %d %v", status, out)
	}
	if status, out := publicJSON(t, f, "/api/v1"+review, map[string]any{"approve": true}); status != http.StatusConflict {
		t.Fatalf("second use = %d %v", status, out)
	}
	approved := mailTo(t, smtp, "bo@example.org", "was approved")
	linkIn(t, f, approved, "/claim/")
	if a := s.applicationOf(t, "bo@example.org"); a["state"] != "approved" || a["assertion"] == "" {
		t.Fatalf("Bo's application: %v", a)
	}
	if a := s.applicationOf(t, "ada@example.org"); a["state"] != "new" {
		t.Fatalf("Ada's application, not reviewed yet: %v", a)
	}
	// Bo was asked to review Ada's.
	mailTo(t, smtp, "bo@example.org", "Review an application")
}

// TestMemberRejectsWithComment: a member with the reviewer role, who has no
// creator tools, finds the application in the list, must give a reason to
// reject, rejects it; the applicant is mailed the comment, the list's
// filters and CSV show the rejection.
func TestMemberRejectsWithComment(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	s := newSetup(t, f, textOnly, nil)
	applyJSON(t, s, "ada@example.org", "Ada", "=HYPERLINK(\"http://evil.example\")")
	confirm := linkIn(t, f, mailTo(t, smtp, "ada@example.org", "Confirm your application"), "/apply/confirm/")
	if status, _, _ := f.Do(t, webtest.Visitor(), "POST", confirm, nil, nil); status != http.StatusOK {
		t.Fatalf("confirm = %d", status)
	}
	rev, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "rev@example.org", Name: "Rui Reviewer", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, rev.ID, f.Org.ID, account.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	c := f.Login(t, "rev@example.org")
	list := f.Page(t, c, "/creator/tampere-uni/applications")
	webtest.Contains(t, "the reviewer's list", list, "Ada", "Line Follower", "new")
	webtest.Lacks(t, "the reviewer's list", list, "New application form")
	appUUID := webtest.UUIDIn(t, list, `">Ada`)
	page := f.Page(t, c, "/applications/"+appUUID)
	webtest.Contains(t, "the application's page", page, "ada@example.org", `id="decision"`, "What did you build?")

	status, page, _ := f.Post(t, c, "/applications/"+appUUID+"/decision", url.Values{"decision": {"reject"}})
	if status != http.StatusBadRequest || !strings.Contains(page, "the applicant reads it") || !strings.Contains(page, `id="comment" name="comment" rows="4" maxlength="5000" aria-invalid="true"`) {
		t.Fatalf("reject without a comment = %d:\n%s", status, page)
	}
	f.PostOK(t, c, "/applications/"+appUUID+"/decision", url.Values{"decision": {"reject"}, "comment": {"Please add a photo of the robot."}},
		"/applications/"+appUUID)
	page = f.Page(t, c, "/applications/"+appUUID)
	webtest.Contains(t, "the decided application", page, "rejected", "Decision recorded.")
	webtest.Lacks(t, "the decided application", page, `id="decision"`)
	m := mailTo(t, smtp, "ada@example.org", "was not approved")
	webtest.Contains(t, "the rejection mail", m.Text, "Please add a photo of the robot.")

	webtest.Contains(t, "the rejected filter", f.Page(t, c, "/creator/tampere-uni/applications?state=rejected"), "/applications/"+appUUID)
	webtest.Lacks(t, "the new filter", f.Page(t, c, "/creator/tampere-uni/applications?state=new"), "/applications/"+appUUID)
	status, page, _ = f.Do(t, c, "GET", "/creator/tampere-uni/applications?state=nope", nil, nil)
	if status != http.StatusBadRequest || !strings.Contains(page, "State: must be new") {
		t.Errorf("a bad filter = %d:\n%s", status, page)
	}
	status, csv, hdr := f.Do(t, c, "GET", "/api/v1/orgs/tampere-uni/applications.csv?state=rejected&form="+s.formUUID(), nil, nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV = %d %v", status, hdr)
	}
	webtest.Contains(t, "the CSV", csv, "What did you build?", appUUID, "rejected", `'=HYPERLINK`)
	// Staff create forms but do not review.
	staff := f.Login(t, "staff@example.org")
	if status, _, _ := f.Post(t, staff, "/applications/"+appUUID+"/decision", url.Values{"decision": {"approve"}}); status != http.StatusForbidden {
		t.Errorf("staff's decision = %d, want 403", status)
	}
}
