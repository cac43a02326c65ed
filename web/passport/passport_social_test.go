package passport_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestPassportSocialPages: on one node, a visitor endorses, congratulates
// and comments on a public badge with the page's forms (without
// JavaScript); refused forms come back with the reason and what was
// typed; the earner accepts the endorsement on /passport and asks for
// another; the badge's JSON-LD and ActivityStreams forms follow.
func TestPassportSocialPages(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")
	id := webtest.UUIDIn(t, f.Page(t, staff, "/passport"), "/accept")
	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")
	public := "/u/staff/badges/" + id

	body := f.Page(t, webtest.NoRedirects(nil), public)
	webtest.Contains(t, "the public page, anonymously", body, "<strong>0</strong> congratulations", "No individual endorsements yet.",
		"No comments yet.", `href="/login?next=%2Fu%2Fstaff%2Fbadges%2F`, `<link rel="alternate" type="application/ld+json" href="`+public+`.json">`)
	webtest.Lacks(t, "the public page, anonymously", body, "Congratulate!</button>", `action="`+public+`/endorse"`)

	root := f.Login(t, "root@example.org")
	body = f.Page(t, root, public)
	webtest.Contains(t, "the public page for a visitor", body, "Congratulate!</button>", `action="`+public+`/endorse"`, `action="`+public+`/comments"`)
	status, body, _ := f.Post(t, root, public+"/endorse", url.Values{"comment": {"Good<script>alert(1)</script> job"}})
	if status != http.StatusBadRequest {
		t.Fatalf("an endorsement with script = %d", status)
	}
	webtest.Contains(t, "the refused endorsement", body, "must not contain script", "Good&lt;script&gt;alert(1)&lt;/script&gt; job", `aria-invalid="true"`)
	f.PostOK(t, root, public+"/endorse", url.Values{"comment": {"Sara built a **line follower** robot."}}, public)
	f.PostOK(t, root, public+"/congratulate", nil, public)
	f.PostOK(t, root, public+"/comments", url.Values{"content": {"Well done, Sara!"}}, public)
	status, body, _ = f.Post(t, root, public+"/congratulate", nil)
	if status != http.StatusConflict || !strings.Contains(body, "already") {
		t.Fatalf("congratulating twice = %d:\n%s", status, body)
	}
	body = f.Page(t, root, public)
	webtest.Contains(t, "the public page after the visitor's forms", body, "You endorse this badge", "waits for Sara Staff",
		"You congratulated Sara Staff", "<strong>1</strong> congratulation</span>", "Well done, Sara!", "Delete your endorsement")

	// The earner answers on /passport; the endorsement shows on the page.
	webtest.Contains(t, "the backpack's tabs", f.Page(t, staff, "/passport"), `href="/passport?tab=endorsements">Endorsements <span class="count">1</span>`)
	body = f.Page(t, staff, "/passport?tab=endorsements")
	webtest.Contains(t, "the backpack with a pending endorsement", body, "Endorsements waiting for you (1)", "<strong>line follower</strong>",
		`<input type="hidden" name="next" value="/passport?tab=endorsements">`)
	endorsement := webtest.UUIDIn(t, body, "/accept")
	f.PostOK(t, staff, "/passport/endorsements/"+endorsement+"/accept", url.Values{"next": {"/passport?tab=endorsements"}}, "/passport?tab=endorsements")
	body = f.Page(t, webtest.NoRedirects(nil), public)
	webtest.Contains(t, "the public page with an accepted endorsement", body, "This badge is endorsed by these individuals",
		"root</strong>", "<strong>line follower</strong> robot", "<strong>1</strong> endorsement</span>")
	body = f.Page(t, staff, "/passport/badges/"+id)
	webtest.Contains(t, "the earner's page of the badge", body, "Ask for an endorsement", "Well done, Sara!", "/delete\">", "Hide it")

	// The earner asks the visitor for another; the visitor sees it.
	f.PostOK(t, staff, "/passport/requests", url.Values{"badge": {id}, "handle": {"root"}, "message": {"Please?"}}, "/passport")
	webtest.Contains(t, "the visitor's backpack", f.Page(t, root, "/passport?tab=requests"), "Asked to endorse", "Sara Staff</strong> asks you", "Please?")
	webtest.Contains(t, "the visitor's endorsements", f.Page(t, root, "/passport?tab=endorsements"), "Your endorsements", "line follower")

	// JSON-LD and ActivityStreams.
	status, text, hdr := f.Do(t, f.Client, "GET", public+".json", nil, nil)
	var doc map[string]any
	if status != http.StatusOK || hdr.Get("Content-Type") != vocab.ContentType || json.Unmarshal([]byte(text), &doc) != nil {
		t.Fatalf("the JSON-LD = %d %s", status, text)
	}
	list, _ := doc["endorsement"].([]any)
	if len(list) != 1 || !strings.HasPrefix(list[0].(string), f.Base+"/ob/person-endorsements/") {
		t.Fatalf("the JSON-LD's endorsements: %v", doc["endorsement"])
	}
	hosted := f.Hosted(t, list[0].(string), http.StatusOK)
	if problems := vocab.Check("Endorsement", hosted); len(problems) != 0 {
		t.Fatalf("the hosted endorsement: %v", problems)
	}
	profile := f.Hosted(t, hosted["issuer"].(string), http.StatusOK)
	if profile["type"] != "Profile" || profile["url"] != f.Base+"/people/root" {
		t.Fatalf("the endorser's profile: %v", profile)
	}
	status, text, _ = f.Do(t, f.Client, "GET", public, nil, map[string]string{"Accept": "application/activity+json"})
	if status != http.StatusOK || !strings.Contains(text, `"attributedTo": "`+f.Base+`/actors/staff"`) && !strings.Contains(text, `"attributedTo":"`+f.Base+`/actors/staff"`) {
		t.Fatalf("the page as ActivityStreams = %d %s", status, text)
	}

	// /passport/social: a badge of this node goes to its own page; one
	// that cannot be reached says why.
	if status, _, hdr := f.Do(t, root, "GET", "/passport/social?badge="+url.QueryEscape(f.Base+public), nil, nil); status != http.StatusSeeOther ||
		hdr.Get("Location") != public {
		t.Fatalf("/passport/social of a local badge = %d to %q", status, hdr.Get("Location"))
	}
	status, body, _ = f.Do(t, root, "GET", "/passport/social?badge="+url.QueryEscape("http://127.0.0.1:1/u/x/badges/0f0e0d0c-0b0a-4908-8706-050403020100"), nil, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "cannot fetch") {
		t.Fatalf("/passport/social of an unreachable badge = %d:\n%s", status, body)
	}
	webtest.Contains(t, "/passport/social with no badge", f.Page(t, root, "/passport/social"), `name="badge"`)

	// The visitor deletes the endorsement: gone from the page, 410 at its id.
	f.PostOK(t, root, public+"/endorsement/delete", nil, public)
	webtest.Lacks(t, "the public page after deletion", f.Page(t, webtest.NoRedirects(nil), public), "line follower")
	f.Hosted(t, list[0].(string), http.StatusGone)
}

// TestBrowserPassportSocialOnPhone: on a phone, a visitor congratulates
// and endorses a public badge with the page's forms, and the earner
// accepts the endorsement on /passport; no page scrolls sideways.
func TestBrowserPassportSocialOnPhone(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics and Long-Named Automation Engineering Badge", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")
	id := webtest.UUIDIn(t, f.Page(t, staff, "/passport"), "/accept")
	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")
	public := f.Base + "/u/staff/badges/" + id

	bctx := browser.New(t)
	browser.Do(t, bctx, browser.Phone(), chromedp.Navigate(f.Base+"/login?next="+url.QueryEscape("/u/staff/badges/"+id)),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#endorse-form")),
		chromedp.Click(chromedp.CSS(`form[action$="/congratulate"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#congratulated")),
		chromedp.SendKeys(chromedp.CSS("#endorsement"), "Sara's robot followed the line **flawlessly**."),
		chromedp.Click(chromedp.CSS("#endorse-form button")),
		chromedp.WaitVisible(chromedp.CSS("#you-endorse")),
		chromedp.SendKeys(chromedp.CSS("#comment"), "Well done!"),
		chromedp.Click(chromedp.CSS(`form[action$="/comments"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#comment-list")),
	)
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "social-visitor-phone")

	earner := browser.New(t)
	browser.Do(t, earner, browser.Phone(), chromedp.Navigate(f.Base+"/login?next=/passport"),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".passport-tabs")),
		// The tabs are links: the endorsements wait on their own tab.
		chromedp.Click(chromedp.CSS(`.passport-tabs a[href="/passport?tab=endorsements"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pending-endorsements")),
	)
	browser.NoHorizontalScroll(t, earner)
	browser.Screenshot(t, earner, "social-earner-passport-phone")
	browser.Do(t, earner,
		chromedp.Click(chromedp.CSS("#pending-endorsements form button:not(.secondary)")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.Navigate(public),
		chromedp.WaitVisible(chromedp.CSS("#individual-endorsements")),
	)
	if got := browser.Text(t, earner, "#individual-endorsements"); !strings.Contains(got, "flawlessly") {
		t.Fatalf("the accepted endorsement on the page: %q", got)
	}
	browser.NoHorizontalScroll(t, earner)
	browser.Screenshot(t, earner, "social-public-phone")
}

// TestPeopleBadgeAPI: the API of one public badge of a person here names
// the badge by its path; the same calls under /me name it in the body.
func TestPeopleBadgeAPI(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")
	id := webtest.UUIDIn(t, f.Page(t, staff, "/passport"), "/accept")
	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")

	root := f.UserAPI(t, f.Admin)
	here := "/api/v1/people/staff/badges/" + id
	if status, out := root("POST", here+"/endorsement", map[string]string{"comment": "A fine robot, well built."}); status != http.StatusCreated {
		t.Fatalf("endorse by path = %d %v", status, out)
	}
	if status, out := root("POST", here+"/comments", map[string]string{"content": "Bravo!"}); status != http.StatusCreated {
		t.Fatalf("comment by path = %d %v", status, out)
	}
	// Under /me the body names the badge; a second endorsement is refused.
	if status, _ := root("POST", "/api/v1/me/endorsements", map[string]string{"badge": f.Base + "/u/staff/badges/" + id, "comment": "Again, again!"}); status != http.StatusConflict {
		t.Fatalf("a second endorsement by body = %d, want 409", status)
	}
	if status, out := root("POST", "/api/v1/me/comments", map[string]string{"badge": f.Base + "/u/staff/badges/" + id, "content": "And again."}); status != http.StatusCreated {
		t.Fatalf("comment by body = %d %v", status, out)
	}
	status, out := root("GET", here+"/comments", nil)
	list, _ := out["items"].([]any)
	if status != 200 || len(list) != 2 {
		t.Fatalf("comments = %d %v, want both", status, out)
	}
	// A comment is deleted by its path too.
	first, _ := list[0].(map[string]any)
	cid, _ := first["id"].(string)
	if status, out := root("DELETE", here+"/comments/"+cid, nil); status != http.StatusNoContent {
		t.Fatalf("DELETE %s/comments/%s = %d %v, want 204", here, cid, status, out)
	}
	if status, out = root("GET", here+"/comments", nil); status != 200 || len(out["items"].([]any)) != 1 {
		t.Fatalf("comments after deleting one = %d %v", status, out)
	}
}
