package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
)

// lund is the other side of the network tests: a second organisation on
// the same node, with a staff member of its own.
type lund struct {
	org    issuer.Organisation
	client *http.Client // logged in as its staff member
}

// secondOrganisation adds Lund University (SE) and its staff member, and
// logs them in.
func (f *fixture) secondOrganisation(t *testing.T) lund {
	t.Helper()
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, f.pool, issuer.NewOrganisation{Slug: "lund-uni", Name: "Lund University", Country: "SE"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.CreateUser(ctx, f.pool, account.NewUser{Email: "lena@example.org", Name: "Lena Lund", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.pool, u.ID, o.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	return lund{org: o, client: f.login(t, "lena@example.org")}
}

// post sends a form and returns the status, the body and where it
// redirects to.
func (f *fixture) post(t *testing.T, c *http.Client, path string, form url.Values) (int, string, string) {
	t.Helper()
	status, body, hdr := f.do(t, c, "POST", path, strings.NewReader(form.Encode()), formPost)
	return status, body, hdr.Get("Location")
}

// postOK sends a form that must succeed: a 303 back to the tab want.
func (f *fixture) postOK(t *testing.T, c *http.Client, path string, form url.Values, want string) {
	t.Helper()
	status, body, loc := f.post(t, c, path, form)
	if status != http.StatusSeeOther || loc != want {
		t.Fatalf("POST %s = %d to %q, want 303 to %q:\n%s", path, status, loc, want, body)
	}
}

// page gets a page that must answer 200, and returns its body.
func (f *fixture) page(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	status, body, _ := f.do(t, c, "GET", path, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", path, status, body)
	}
	return body
}

// contains fails the test for each of want that body lacks.
func contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// lacks fails the test for each of unwanted that body has.
func lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s has %q", what, w)
		}
	}
}

// uuidIn returns the first uuid of the page in a path that ends as suffix.
func uuidIn(t *testing.T, body, suffix string) string {
	t.Helper()
	m := regexp.MustCompile(`/([0-9a-f-]{36})` + regexp.QuoteMeta(suffix)).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form ending in %s on the page:\n%s", suffix, body)
	}
	return m[1]
}

const (
	tampereNet  = "/network?org=tampere-uni"
	lundNet     = "/network?org=lund-uni"
	tamperePost = "/network/orgs/tampere-uni"
	lundPost    = "/network/orgs/lund-uni"
)

func TestNetworkPartnerEndorseAndFilters(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	l := f.secondOrganisation(t)

	body := f.page(t, c, "/network")
	contains(t, "empty network page", body, "Partner network of Tampere University", "No partners yet",
		"Pending requests <strong>0</strong>", "New endorsement request", "External endorsements", "Endorsement templates")
	lacks(t, "network page", body, "Badges shared")

	f.postOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)
	body = f.page(t, c, tampereNet)
	contains(t, "partners after adding", body, "Lund University is now a partner of Tampere University.",
		"<h3>Lund University</h3>", "SE · ", "No endorsement yet", "on this node", "Remove Lund University")

	actor := f.base + "/actors/lund-uni"
	f.postOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "key": {actor},
		"comment": {"A trusted partner in research & teaching."}}, tampereNet)
	body = f.page(t, c, tampereNet)
	contains(t, "partners after endorsing", body, "Tampere University now endorses Lund University.", "We endorse them")

	for _, tc := range []struct {
		query string
		found bool
	}{
		{"filter=we-endorse", true}, {"filter=they-endorse", false}, {"filter=mutual", false}, {"filter=all", true},
		{"country=SE", true}, {"country=FI", false}, {"q=lund", true}, {"q=oulu", false},
		{"filter=we-endorse&country=se&q=Univ", true},
	} {
		body := f.page(t, c, tampereNet+"&"+tc.query)
		if got := strings.Contains(body, "<h3>Lund University</h3>"); got != tc.found {
			t.Errorf("filter %s lists Lund: %v, want %v", tc.query, got, tc.found)
		}
		if !tc.found && !strings.Contains(body, "No partner matches the filter") {
			t.Errorf("filter %s: no word that nothing matches", tc.query)
		}
	}
	status, body, _ := f.do(t, c, "GET", tampereNet+"&country=Sweden", nil, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "Country: must be a two-letter country code") {
		t.Errorf("bad country filter = %d:\n%s", status, body)
	}

	// The other side sees the endorsement and who added it.
	body = f.page(t, l.client, "/network/external?org=lund-uni")
	contains(t, "Lund's external endorsements", body, "<td data-label=\"Endorser\">Tampere University</td>",
		html.EscapeString("A trusted partner in research & teaching."), "<td data-label=\"Endorses\">Lund University</td>")
	body = f.page(t, l.client, lundNet)
	contains(t, "Lund's partners", body, "<h3>Tampere University</h3>", "They endorse us", "added us as a partner", "Add as partner")
	body = f.page(t, c, "/network/given?org=tampere-uni")
	contains(t, "Tampere's given endorsements", body, "Lund University", "Withdraw this endorsement")

	// Staff act for their own organisation only; node admins for all.
	if status, _, _ := f.do(t, c, "GET", lundNet, nil, nil); status != http.StatusForbidden {
		t.Errorf("another organisation's network = %d, want 403", status)
	}
	admin := f.login(t, "root@example.org")
	body = f.page(t, admin, lundNet)
	contains(t, "the node admin's network page", body, "Partner network of Lund University", `<select id="org" name="org">`)
}

func TestNetworkRequestAcceptWithTemplateIsMutual(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	l := f.secondOrganisation(t)
	f.postOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)

	f.postOK(t, l.client, lundPost+"/templates", url.Values{"name": {"Research partner"},
		"text": {"We trust their research and teaching."}}, "/network/templates?org=lund-uni")

	f.postOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}, "message": {"Please endorse us."}},
		"/network/requests?org=tampere-uni")
	body := f.page(t, c, "/network/requests?org=tampere-uni")
	contains(t, "Tampere's requests", body, "Endorsement request sent to Lund University.", `class="state pending">pending`, "Withdraw")

	body = f.page(t, l.client, lundNet)
	contains(t, "Lund's network page", body, "Pending requests <strong>1</strong>")
	body = f.page(t, l.client, "/network/requests?org=lund-uni")
	contains(t, "Lund's requests", body, "Pending requests 1", "<strong>Tampere University</strong> asks Lund University to endorse Tampere University.",
		"Please endorse us.", "Research partner", "Accept and endorse", "Decline")
	id := uuidIn(t, body, "/accept")
	tid := regexp.MustCompile(`<option value="(\d+)"[^>]*>Research partner</option>`).FindStringSubmatch(body)
	if tid == nil {
		t.Fatalf("no template to choose:\n%s", body)
	}

	// A comment and a template at once is refused, keeping the comment.
	status, body, _ := f.post(t, l.client, lundPost+"/requests/"+id+"/accept", url.Values{"comment": {"My own words."}, "template": {tid[1]}})
	if status != http.StatusBadRequest {
		t.Fatalf("accept with both = %d", status)
	}
	contains(t, "refused accept", body, "Template: give a comment or a template, not both", "My own words.</textarea>",
		`id="accept-template-`+id+`" name="template" aria-invalid="true"`)

	f.postOK(t, l.client, lundPost+"/requests/"+id+"/accept", url.Values{"comment": {""}, "template": {tid[1]}},
		"/network/requests?org=lund-uni")
	body = f.page(t, l.client, "/network/requests?org=lund-uni")
	contains(t, "Lund's requests after accepting", body, "Request of Tampere University accepted", "Pending requests 0",
		"Answered requests", `class="state accepted">accepted`)
	body = f.page(t, c, "/network/external?org=tampere-uni")
	contains(t, "Tampere's external endorsements", body, "Lund University", "We trust their research and teaching.")

	f.postOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "comment": {"Likewise."}}, tampereNet)
	for _, side := range []struct {
		c       *http.Client
		path    string
		partner string
	}{{c, tampereNet, "Lund University"}, {l.client, lundNet, "Tampere University"}} {
		body := f.page(t, side.c, side.path+"&filter=mutual")
		contains(t, side.path+" mutual filter", body, "<h3>"+side.partner+"</h3>", "Mutual endorsement")
	}
	body = f.page(t, c, "/network/requests?org=tampere-uni")
	contains(t, "Tampere's outgoing request", body, `class="state accepted">accepted`)
}

func TestNetworkDeclineWithdrawRemove(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	l := f.secondOrganisation(t)
	f.postOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)

	f.postOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}}, "/network/requests?org=tampere-uni")
	body := f.page(t, l.client, "/network/requests?org=lund-uni")
	id := uuidIn(t, body, "/decline")
	f.postOK(t, l.client, lundPost+"/requests/"+id+"/decline", nil, "/network/requests?org=lund-uni")
	body = f.page(t, l.client, "/network/requests?org=lund-uni")
	contains(t, "Lund's requests after declining", body, "Request of Tampere University declined.", "Pending requests 0",
		`class="state declined">declined`)
	body = f.page(t, c, "/network/requests?org=tampere-uni")
	contains(t, "Tampere's requests after the decline", body, `class="state declined">declined`)
	// Answered once is answered.
	status, body, _ := f.post(t, l.client, lundPost+"/requests/"+id+"/decline", nil)
	if status != http.StatusConflict || !strings.Contains(body, "the request is declined, not pending") {
		t.Errorf("declining twice = %d:\n%s", status, body)
	}

	f.postOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}}, "/network/requests?org=tampere-uni")
	body = f.page(t, c, "/network/requests?org=tampere-uni")
	id = uuidIn(t, body, "/withdraw")
	f.postOK(t, c, tamperePost+"/requests/"+id+"/withdraw", nil, "/network/requests?org=tampere-uni")
	body = f.page(t, c, "/network/requests?org=tampere-uni")
	contains(t, "Tampere's requests after withdrawing", body, "Request to Lund University withdrawn.", `class="state withdrawn">withdrawn`)
	body = f.page(t, l.client, lundNet)
	contains(t, "Lund's network after the withdrawal", body, "Pending requests <strong>0</strong>")

	f.postOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "comment": {"Good partner."}}, tampereNet)
	body = f.page(t, c, "/network/given?org=tampere-uni")
	eid := uuidIn(t, body, "/withdraw")
	f.postOK(t, c, tamperePost+"/endorsements/"+eid+"/withdraw", nil, "/network/given?org=tampere-uni")
	body = f.page(t, c, "/network/given?org=tampere-uni")
	contains(t, "given after withdrawing", body, "The endorsement of Lund University is withdrawn.", "endorses nothing yet")
	body = f.page(t, c, tampereNet+"&filter=we-endorse")
	contains(t, "we-endorse filter after withdrawing", body, "No partner matches the filter")
	body = f.page(t, l.client, "/network/external?org=lund-uni")
	contains(t, "Lund's external endorsements after the withdrawal", body, "No endorsements yet")
	lacks(t, "Lund's external endorsements after the withdrawal", body, "Good partner.")

	f.postOK(t, c, tamperePost+"/partners/remove", url.Values{"actor": {f.base + "/actors/lund-uni"}}, tampereNet)
	body = f.page(t, c, tampereNet)
	contains(t, "partners after removing", body, "Lund University is no longer a partner of Tampere University.", "No partners yet")
	body = f.page(t, l.client, lundNet)
	contains(t, "Lund's partners after the removal", body, "No partners yet")
}

func TestNetworkTemplatesCRUD(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	tab := "/network/templates?org=tampere-uni"
	body := f.page(t, c, tab)
	contains(t, "empty templates tab", body, "No templates yet", "New template")

	f.postOK(t, c, tamperePost+"/templates", url.Values{"name": {"Co-creator"}, "text": {"We co-created this badge."}}, tab)
	body = f.page(t, c, tab)
	contains(t, "templates after creating", body, "Template “Co-creator” saved.", "<h3>Co-creator</h3>", "We co-created this badge.")

	// Problems name the field and keep what was typed.
	status, body, _ := f.post(t, c, tamperePost+"/templates", url.Values{"name": {"Co-creator"}, "text": {"Another text."}})
	if status != http.StatusConflict {
		t.Fatalf("duplicate name = %d", status)
	}
	contains(t, "duplicate template", body, "Name: a template named &#34;Co-creator&#34; exists", "Another text.</textarea>",
		`id="template-name" name="name" required maxlength="200" value="Co-creator" aria-invalid="true"`)
	status, body, _ = f.post(t, c, tamperePost+"/templates", url.Values{"name": {"Empty"}, "text": {"  "}})
	if status != http.StatusBadRequest {
		t.Fatalf("empty text = %d", status)
	}
	contains(t, "template without text", body, "Text: must be 1 to 5000 characters", `value="Empty"`)

	id := regexp.MustCompile(`/templates/(\d+)/delete`).FindStringSubmatch(f.page(t, c, tab))
	if id == nil {
		t.Fatal("no template to delete")
	}
	status, body, _ = f.post(t, c, tamperePost+"/templates/"+id[1], url.Values{"name": {""}, "text": {"Kept."}})
	if status != http.StatusBadRequest {
		t.Fatalf("edit without a name = %d", status)
	}
	contains(t, "refused edit", body, "Name: must be 1 to 200 characters", "<details class=\"partner-form\" open>", "Kept.</textarea>")
	f.postOK(t, c, tamperePost+"/templates/"+id[1], url.Values{"name": {"Co-creators"}, "text": {"We made this badge together."}}, tab)
	body = f.page(t, c, tab)
	contains(t, "templates after editing", body, "Template “Co-creators” saved.", "<h3>Co-creators</h3>", "We made this badge together.")
	lacks(t, "templates after editing", body, "We co-created this badge.")

	f.postOK(t, c, tamperePost+"/templates/"+id[1]+"/delete", nil, tab)
	body = f.page(t, c, tab)
	contains(t, "templates after deleting", body, "Template “Co-creators” deleted.", "No templates yet")
	if status, _, _ := f.post(t, c, tamperePost+"/templates/"+id[1]+"/delete", nil); status != http.StatusNotFound {
		t.Errorf("deleting again = %d, want 404", status)
	}
}

func TestNetworkBadgeEndorsementOnBadgePage(t *testing.T) {
	f := startNode(t)
	f.issuerReady(t)
	c := f.login(t, "staff@example.org")
	l := f.secondOrganisation(t)
	b := f.createBadge(t, "Team Player", issuer.Expiry{})
	f.postOK(t, c, "/issuer/tampere-uni/badges/"+b.UUID, url.Values{"recipient_type": {"email"}, "identity": {"ada@example.org"}},
		"/issuer/tampere-uni/badges/"+b.UUID)
	issued, err := issuer.Assertions(context.Background(), f.pool, b.ID, 10, 0)
	if err != nil || len(issued) != 1 {
		t.Fatalf("assertions = %v, %v", issued, err)
	}
	a := issued[0]
	body := f.page(t, f.client, "/badges/"+a.UUID)
	contains(t, "badge page before", body, "No endorsements yet")

	f.postOK(t, l.client, lundPost+"/partners", url.Values{"target": {"tampere-uni"}}, lundNet)
	badgeID := f.base + "/ob/badges/" + b.UUID
	// A badge of another organisation is refused, naming the field.
	status, body, _ := f.post(t, l.client, lundPost+"/endorsements", url.Values{"target": {"tampere-uni"},
		"key": {f.base + "/actors/tampere-uni"}, "badge": {f.base + "/ob/badges/00000000-0000-0000-0000-000000000000"}, "comment": {"Solid."}})
	if status != http.StatusBadRequest {
		t.Fatalf("endorsing a badge that is not theirs = %d", status)
	}
	contains(t, "refused badge endorsement", body, "Badge URL: ", "is not a badge of Tampere University", "Solid.</textarea>")
	f.postOK(t, l.client, lundPost+"/endorsements", url.Values{"target": {"tampere-uni"}, "badge": {badgeID},
		"comment": {"We also issue this badge.\nIt is <great>."}}, lundNet)
	body = f.page(t, l.client, lundNet)
	contains(t, "Lund's notice", body, "Lund University now endorses the badge “Team Player”.")

	body = f.page(t, f.client, "/badges/"+a.UUID)
	today := time.Now().UTC().Format("2 January 2006")
	contains(t, "badge page after", body, "This badge is endorsed by:", "<strong>Lund University</strong> – ", today,
		"We also issue this badge.\nIt is &lt;great&gt;.")
	lacks(t, "badge page after", body, "No endorsements yet", "<great>")
	body = f.page(t, c, "/network/external?org=tampere-uni")
	contains(t, "Tampere's external endorsements", body, "Badge “Team Player”", "Lund University")
}

func TestNetworkBadTargetKeepsInput(t *testing.T) {
	f := startNode(t)
	c := f.login(t, "staff@example.org")
	f.secondOrganisation(t)

	status, body, _ := f.post(t, c, tamperePost+"/partners", url.Values{"target": {"no-such-org"}})
	if status != http.StatusBadRequest {
		t.Fatalf("bad partner = %d", status)
	}
	contains(t, "bad partner", body, "Organisation: no organisation &#34;no-such-org&#34; on this node",
		`id="add-target" name="target" required autocomplete="off" value="no-such-org"`, `aria-invalid="true" autofocus`)
	status, body, _ = f.post(t, c, tamperePost+"/partners", url.Values{"target": {"tampere-uni"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "Organisation: an organisation cannot be its own partner") {
		t.Errorf("adding itself = %d:\n%s", status, body)
	}

	status, body, _ = f.post(t, c, tamperePost+"/requests", url.Values{"target": {"nobody@"}, "message": {"Please."}})
	if status != http.StatusBadRequest {
		t.Fatalf("bad request target = %d", status)
	}
	contains(t, "bad request target", body, "Organisation: must be acct:name@host, name@host or an actor URL",
		`value="nobody@"`, "Please.</textarea>")

	// Several at once: each gets its own request, and the report says which
	// failed and why, keeping the failed ones to try again.
	f.postOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)
	status, body, _ = f.post(t, c, tamperePost+"/requests", url.Values{"targets": {f.base + "/actors/lund-uni"},
		"target": {"ghost-org"}, "message": {"Together?"}})
	if status != http.StatusOK {
		t.Fatalf("request to several = %d:\n%s", status, body)
	}
	contains(t, "report of a request to several", body, "1 of 2 requests were not sent", `<td data-label="Organisation">Lund University</td>`,
		`<td data-label="Result">Sent</td>`, `<td data-label="Organisation">ghost-org</td>`,
		"<strong>Not sent:</strong> no organisation &#34;ghost-org&#34; on this node", `value="ghost-org"`, "Together?</textarea>")
	// One chosen partner is one request: a problem is the form's.
	status, body, _ = f.post(t, c, tamperePost+"/requests", url.Values{"targets": {f.base + "/actors/lund-uni"}, "message": {"Again?"}})
	if status != http.StatusConflict {
		t.Fatalf("a second pending request = %d", status)
	}
	contains(t, "a second pending request", body, "Organisation: Lund University already has a pending request to endorse Tampere University",
		`value="`+f.base+`/actors/lund-uni" checked`, "Again?</textarea>")
}

// TestBrowserNetworkPartnerEndorse adds a partner and endorses it as a
// person would, in a real Chromium on a desktop and on a phone.
func TestBrowserNetworkPartnerEndorse(t *testing.T) {
	f := startNode(t)
	ctx := context.Background()
	for _, o := range []issuer.NewOrganisation{
		{Slug: "lund-uni", Name: "Lund University", Country: "SE"},
		{Slug: "aalto-uni", Name: "Aalto University", Country: "FI"},
	} {
		if _, err := issuer.CreateOrganisation(ctx, f.pool, o); err != nil {
			t.Fatal(err)
		}
	}
	listed := true
	if _, err := issuer.UpdateOrganisation(ctx, f.pool, mustOrg(t, f, "aalto-uni").ID, issuer.OrganisationUpdate{Listed: &listed}); err != nil {
		t.Fatal(err)
	}
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{
		{"desktop", browser.Desktop()},
		{"phone", browser.Phone()},
	} {
		t.Run(device.name, func(t *testing.T) {
			bctx := browser.New(t)
			browser.Do(t, bctx, device.emulate, chromedp.Navigate(f.base+"/login?next=/network"),
				chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#add-target")),
			)
			browser.NoHorizontalScroll(t, bctx)

			// By slug.
			browser.Do(t, bctx,
				chromedp.SendKeys(chromedp.CSS("#add-target"), "lund-uni"),
				chromedp.Click(chromedp.CSS("#add-partner form.network-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#partners")),
			)
			if got := browser.Text(t, bctx, "p.notice"); !strings.Contains(got, "Lund University is now a partner") {
				t.Fatalf("after adding, the notice is %q", got)
			}
			// From the directory.
			browser.Do(t, bctx,
				chromedp.SendKeys(chromedp.CSS("#dq"), "aalto"),
				chromedp.Click(chromedp.CSS(`form[aria-label="Search the directory"] button`)),
				chromedp.WaitVisible(chromedp.CSS("#directory-results")),
				chromedp.Click(chromedp.CSS("#directory-results button")),
				chromedp.WaitVisible(chromedp.CSS("p.notice")),
			)
			if got := browser.Text(t, bctx, "#partners"); !strings.Contains(got, "Aalto University") || !strings.Contains(got, "Lund University") {
				t.Fatalf("partners are %q", got)
			}

			// Endorse Lund, the second partner by name. The page is loaded
			// afresh, so that the notice waited for is the endorsement's.
			browser.Do(t, bctx,
				chromedp.Navigate(f.base+"/network"),
				chromedp.WaitVisible(chromedp.CSS("#partners")),
				chromedp.Click(chromedp.CSS("#partners li:nth-child(2) details.partner-form summary")),
				chromedp.WaitVisible(chromedp.CSS("#endorse-comment-1")),
				chromedp.SendKeys(chromedp.CSS("#endorse-comment-1"), "A trusted partner in research."),
			)
			browser.NoHorizontalScroll(t, bctx)
			browser.Screenshot(t, bctx, "network-endorse-form-"+device.name)
			browser.Do(t, bctx,
				chromedp.Click(chromedp.CSS("#partners li:nth-child(2) details.partner-form[open] button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("p.notice")),
			)
			if got := browser.Text(t, bctx, "p.notice"); !strings.Contains(got, "Tampere University now endorses Lund University") {
				t.Fatalf("after endorsing, the notice is %q", got)
			}
			if got := browser.Text(t, bctx, "#partners li:nth-child(2) .partner-facts"); !strings.Contains(got, "We endorse them") {
				t.Errorf("Lund's line says %q", got)
			}
			browser.NoHorizontalScroll(t, bctx)
			browser.Screenshot(t, bctx, "network-partners-"+device.name)

			browser.Do(t, bctx, chromedp.Navigate(f.base+"/network/given"), chromedp.WaitVisible(chromedp.CSS("#endorsements")))
			if got := browser.Text(t, bctx, "#endorsements"); !strings.Contains(got, "A trusted partner in research.") {
				t.Errorf("endorsements given are %q", got)
			}
			browser.NoHorizontalScroll(t, bctx)
			browser.Screenshot(t, bctx, "network-given-"+device.name)
			// Withdrawn, so that the next device can endorse again.
			browser.Do(t, bctx,
				chromedp.Click(chromedp.CSS("#endorsements details.danger summary")),
				chromedp.Click(chromedp.CSS("#endorsements details.danger button")),
				chromedp.WaitVisible(chromedp.CSS("p.notice")),
			)
			for _, tab := range []string{"/network/requests", "/network/templates"} {
				browser.Do(t, bctx, chromedp.Navigate(f.base+tab), chromedp.WaitVisible(chromedp.CSS("nav.network-tabs")))
				browser.NoHorizontalScroll(t, bctx)
			}
			browser.Screenshot(t, bctx, "network-templates-"+device.name)

			// Both partners removed, so that the next device starts afresh.
			for range 2 {
				browser.Do(t, bctx,
					chromedp.Navigate(f.base+"/network"),
					chromedp.WaitVisible(chromedp.CSS("#partners")),
					chromedp.Click(chromedp.CSS("#partners > li:first-child details.danger summary")),
					chromedp.Click(chromedp.CSS("#partners > li:first-child details.danger button")),
					chromedp.WaitVisible(chromedp.CSS("p.notice")),
				)
			}
			if got := browser.Text(t, bctx, "p.empty"); !strings.Contains(got, "No partners yet") {
				t.Errorf("after removing both partners the page says %q", got)
			}
		})
	}
}

func mustOrg(t *testing.T, f *fixture, slug string) issuer.Organisation {
	t.Helper()
	o, err := issuer.OrganisationBySlug(context.Background(), f.pool, slug)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
