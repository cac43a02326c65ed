package network_test

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

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

const (
	tampereNet  = "/network?org=tampere-uni"
	lundNet     = "/network?org=lund-uni"
	tamperePost = "/network/orgs/tampere-uni"
	lundPost    = "/network/orgs/lund-uni"
)

func TestNetworkPartnerEndorseAndFilters(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)

	body := f.Page(t, c, "/network")
	webtest.Contains(t, "empty network page", body, "Partner network of Tampere University", "No partners yet",
		"Pending requests <strong>0</strong>", "New endorsement request", "External endorsements", "Endorsement templates")
	webtest.Contains(t, "network page", body, "Badges shared with partners", "Badges shared with us", "Notifications (0 new)",
		"No notifications yet")

	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)
	body = f.Page(t, c, tampereNet)
	webtest.Contains(t, "partners after adding", body, "Lund University is now a partner of Tampere University.",
		"<h3>Lund University</h3>", "SE · ", "No endorsement yet", "on this node", "Remove Lund University")

	actor := f.Base + "/actors/lund-uni"
	f.PostOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "key": {actor},
		"comment": {"A trusted partner in research & teaching."}}, tampereNet)
	body = f.Page(t, c, tampereNet)
	webtest.Contains(t, "partners after endorsing", body, "Tampere University now endorses Lund University.", "We endorse them")

	for _, tc := range []struct {
		query string
		found bool
	}{
		{"filter=we-endorse", true}, {"filter=they-endorse", false}, {"filter=mutual", false}, {"filter=all", true},
		{"country=SE", true}, {"country=FI", false}, {"q=lund", true}, {"q=oulu", false},
		{"filter=we-endorse&country=se&q=Univ", true},
	} {
		body := f.Page(t, c, tampereNet+"&"+tc.query)
		if got := strings.Contains(body, "<h3>Lund University</h3>"); got != tc.found {
			t.Errorf("filter %s lists Lund: %v, want %v", tc.query, got, tc.found)
		}
		if !tc.found && !strings.Contains(body, "No partner matches the filter") {
			t.Errorf("filter %s: no word that nothing matches", tc.query)
		}
	}
	status, body, _ := f.Do(t, c, "GET", tampereNet+"&country=Sweden", nil, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "Country: must be a two-letter country code") {
		t.Errorf("bad country filter = %d:\n%s", status, body)
	}

	// The other side sees the endorsement and who added it.
	body = f.Page(t, l.Client, "/network/external?org=lund-uni")
	webtest.Contains(t, "Lund's external endorsements", body, `<td data-label="Endorser"><a href="`+f.Base+`/actors/tampere-uni">Tampere University</a></td>`,
		html.EscapeString("A trusted partner in research & teaching."), "<td data-label=\"Endorses\">Lund University</td>")
	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's partners", body, "<h3>Tampere University</h3>", "They endorse us", "added us as a partner", "Add as partner")
	body = f.Page(t, c, "/network/given?org=tampere-uni")
	webtest.Contains(t, "Tampere's given endorsements", body, "Lund University", "Withdraw this endorsement")

	// Staff act for their own organisation only; node admins for all.
	if status, _, _ := f.Do(t, c, "GET", lundNet, nil, nil); status != http.StatusForbidden {
		t.Errorf("another organisation's network = %d, want 403", status)
	}
	admin := f.Login(t, "root@example.org")
	body = f.Page(t, admin, lundNet)
	webtest.Contains(t, "the node admin's network page", body, "Partner network of Lund University", `<select id="org" name="org">`)
}

func TestNetworkRequestAcceptWithTemplateIsMutual(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)

	f.PostOK(t, l.Client, lundPost+"/templates", url.Values{"name": {"Research partner"},
		"text": {"We trust their research and teaching."}}, "/network/templates?org=lund-uni")

	f.PostOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}, "message": {"Please endorse us."}},
		"/network/requests?org=tampere-uni")
	body := f.Page(t, c, "/network/requests?org=tampere-uni")
	webtest.Contains(t, "Tampere's requests", body, "Endorsement request sent to Lund University.", `class="state pending">pending`, "Withdraw")

	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's network page", body, "Pending requests <strong>1</strong>")
	body = f.Page(t, l.Client, "/network/requests?org=lund-uni")
	webtest.Contains(t, "Lund's requests", body, "Pending requests 1", "<strong>Tampere University</strong> asks Lund University to endorse Tampere University.",
		"Please endorse us.", "Research partner", "Accept and endorse", "Decline")
	id := webtest.UUIDIn(t, body, "/accept")
	tid := regexp.MustCompile(`<option value="(\d+)"[^>]*>Research partner</option>`).FindStringSubmatch(body)
	if tid == nil {
		t.Fatalf("no template to choose:\n%s", body)
	}

	// A comment and a template at once is refused, keeping the comment.
	status, body, _ := f.Post(t, l.Client, lundPost+"/requests/"+id+"/accept", url.Values{"comment": {"My own words."}, "template": {tid[1]}})
	if status != http.StatusBadRequest {
		t.Fatalf("accept with both = %d", status)
	}
	webtest.Contains(t, "refused accept", body, "Template: give a comment or a template, not both", "My own words.</textarea>",
		`id="accept-template-`+id+`" name="template" aria-invalid="true"`)

	f.PostOK(t, l.Client, lundPost+"/requests/"+id+"/accept", url.Values{"comment": {""}, "template": {tid[1]}},
		"/network/requests?org=lund-uni")
	body = f.Page(t, l.Client, "/network/requests?org=lund-uni")
	webtest.Contains(t, "Lund's requests after accepting", body, "Request of Tampere University accepted", "Pending requests 0",
		"Answered requests", `class="state accepted">accepted`)
	body = f.Page(t, c, "/network/external?org=tampere-uni")
	webtest.Contains(t, "Tampere's external endorsements", body, "Lund University", "We trust their research and teaching.")

	f.PostOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "comment": {"Likewise."}}, tampereNet)
	for _, side := range []struct {
		c       *http.Client
		path    string
		partner string
	}{{c, tampereNet, "Lund University"}, {l.Client, lundNet, "Tampere University"}} {
		body := f.Page(t, side.c, side.path+"&filter=mutual")
		webtest.Contains(t, side.path+" mutual filter", body, "<h3>"+side.partner+"</h3>", "Mutual endorsement")
	}
	body = f.Page(t, c, "/network/requests?org=tampere-uni")
	webtest.Contains(t, "Tampere's outgoing request", body, `class="state accepted">accepted`)
}

func TestNetworkDeclineWithdrawRemove(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)

	f.PostOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}}, "/network/requests?org=tampere-uni")
	body := f.Page(t, l.Client, "/network/requests?org=lund-uni")
	id := webtest.UUIDIn(t, body, "/decline")
	f.PostOK(t, l.Client, lundPost+"/requests/"+id+"/decline", nil, "/network/requests?org=lund-uni")
	body = f.Page(t, l.Client, "/network/requests?org=lund-uni")
	webtest.Contains(t, "Lund's requests after declining", body, "Request of Tampere University declined.", "Pending requests 0",
		`class="state declined">declined`)
	body = f.Page(t, c, "/network/requests?org=tampere-uni")
	webtest.Contains(t, "Tampere's requests after the decline", body, `class="state declined">declined`)
	// Answered once is answered.
	status, body, _ := f.Post(t, l.Client, lundPost+"/requests/"+id+"/decline", nil)
	if status != http.StatusConflict || !strings.Contains(body, "the request is declined, not pending") {
		t.Errorf("declining twice = %d:\n%s", status, body)
	}

	f.PostOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}}, "/network/requests?org=tampere-uni")
	body = f.Page(t, c, "/network/requests?org=tampere-uni")
	id = webtest.UUIDIn(t, body, "/withdraw")
	f.PostOK(t, c, tamperePost+"/requests/"+id+"/withdraw", nil, "/network/requests?org=tampere-uni")
	body = f.Page(t, c, "/network/requests?org=tampere-uni")
	webtest.Contains(t, "Tampere's requests after withdrawing", body, "Request to Lund University withdrawn.", `class="state withdrawn">withdrawn`)
	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's network after the withdrawal", body, "Pending requests <strong>0</strong>")

	f.PostOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "comment": {"Good partner."}}, tampereNet)
	body = f.Page(t, c, "/network/given?org=tampere-uni")
	eid := webtest.UUIDIn(t, body, "/withdraw")
	f.PostOK(t, c, tamperePost+"/endorsements/"+eid+"/withdraw", nil, "/network/given?org=tampere-uni")
	body = f.Page(t, c, "/network/given?org=tampere-uni")
	webtest.Contains(t, "given after withdrawing", body, "The endorsement of Lund University is withdrawn.", "endorses nothing yet")
	body = f.Page(t, c, tampereNet+"&filter=we-endorse")
	webtest.Contains(t, "we-endorse filter after withdrawing", body, "No partner matches the filter")
	body = f.Page(t, l.Client, "/network/external?org=lund-uni")
	webtest.Contains(t, "Lund's external endorsements after the withdrawal", body, "No endorsements yet")
	webtest.Lacks(t, "Lund's external endorsements after the withdrawal", body, "Good partner.")

	f.PostOK(t, c, tamperePost+"/partners/remove", url.Values{"actor": {f.Base + "/actors/lund-uni"}}, tampereNet)
	body = f.Page(t, c, tampereNet)
	webtest.Contains(t, "partners after removing", body, "Lund University is no longer a partner of Tampere University.", "No partners yet")
	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's partners after the removal", body, "No partners yet")
}

func TestNetworkTemplatesCRUD(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	tab := "/network/templates?org=tampere-uni"
	body := f.Page(t, c, tab)
	webtest.Contains(t, "empty templates tab", body, "No templates yet", "New template")

	f.PostOK(t, c, tamperePost+"/templates", url.Values{"name": {"Co-creator"}, "text": {"We co-created this badge."}}, tab)
	body = f.Page(t, c, tab)
	webtest.Contains(t, "templates after creating", body, "Template “Co-creator” saved.", "<h3>Co-creator</h3>", "We co-created this badge.")

	// Problems name the field and keep what was typed.
	status, body, _ := f.Post(t, c, tamperePost+"/templates", url.Values{"name": {"Co-creator"}, "text": {"Another text."}})
	if status != http.StatusConflict {
		t.Fatalf("duplicate name = %d", status)
	}
	webtest.Contains(t, "duplicate template", body, "Name: a template named &#34;Co-creator&#34; exists", "Another text.</textarea>",
		`id="template-name" name="name" required maxlength="200" value="Co-creator" aria-invalid="true"`)
	status, body, _ = f.Post(t, c, tamperePost+"/templates", url.Values{"name": {"Empty"}, "text": {"  "}})
	if status != http.StatusBadRequest {
		t.Fatalf("empty text = %d", status)
	}
	webtest.Contains(t, "template without text", body, "Text: must be 1 to 5000 characters", `value="Empty"`)

	id := regexp.MustCompile(`/templates/(\d+)/delete`).FindStringSubmatch(f.Page(t, c, tab))
	if id == nil {
		t.Fatal("no template to delete")
	}
	status, body, _ = f.Post(t, c, tamperePost+"/templates/"+id[1], url.Values{"name": {""}, "text": {"Kept."}})
	if status != http.StatusBadRequest {
		t.Fatalf("edit without a name = %d", status)
	}
	webtest.Contains(t, "refused edit", body, "Name: must be 1 to 200 characters", "<details class=\"partner-form\" open>", "Kept.</textarea>")
	f.PostOK(t, c, tamperePost+"/templates/"+id[1], url.Values{"name": {"Co-creators"}, "text": {"We made this badge together."}}, tab)
	body = f.Page(t, c, tab)
	webtest.Contains(t, "templates after editing", body, "Template “Co-creators” saved.", "<h3>Co-creators</h3>", "We made this badge together.")
	webtest.Lacks(t, "templates after editing", body, "We co-created this badge.")

	f.PostOK(t, c, tamperePost+"/templates/"+id[1]+"/delete", nil, tab)
	body = f.Page(t, c, tab)
	webtest.Contains(t, "templates after deleting", body, "Template “Co-creators” deleted.", "No templates yet")
	if status, _, _ := f.Post(t, c, tamperePost+"/templates/"+id[1]+"/delete", nil); status != http.StatusNotFound {
		t.Errorf("deleting again = %d, want 404", status)
	}
}

func TestNetworkBadgeEndorsementOnBadgePage(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{})
	f.PostOK(t, c, "/issuer/tampere-uni/badges/"+b.UUID, url.Values{"recipient_type": {"email"}, "identity": {"ada@example.org"}},
		"/issuer/tampere-uni/badges/"+b.UUID)
	issued, err := issuer.Assertions(context.Background(), f.Pool, b.ID, 10, 0)
	if err != nil || len(issued) != 1 {
		t.Fatalf("assertions = %v, %v", issued, err)
	}
	a := issued[0]
	body := f.Page(t, f.Client, "/badges/"+a.UUID)
	webtest.Contains(t, "badge page before", body, "No endorsements yet")

	f.PostOK(t, l.Client, lundPost+"/partners", url.Values{"target": {"tampere-uni"}}, lundNet)
	badgeID := f.Base + "/ob/badges/" + b.UUID
	// A badge of another organisation is refused, naming the field.
	status, body, _ := f.Post(t, l.Client, lundPost+"/endorsements", url.Values{"target": {"tampere-uni"},
		"key": {f.Base + "/actors/tampere-uni"}, "badge": {f.Base + "/ob/badges/00000000-0000-0000-0000-000000000000"}, "comment": {"Solid."}})
	if status != http.StatusBadRequest {
		t.Fatalf("endorsing a badge that is not theirs = %d", status)
	}
	webtest.Contains(t, "refused badge endorsement", body, "Badge URL: ", "is not a badge of Tampere University", "Solid.</textarea>")
	f.PostOK(t, l.Client, lundPost+"/endorsements", url.Values{"target": {"tampere-uni"}, "badge": {badgeID},
		"comment": {"We also issue this badge.\nIt is <great>."}}, lundNet)
	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's notice", body, "Lund University now endorses the badge “Team Player”.")

	body = f.Page(t, f.Client, "/badges/"+a.UUID)
	today := time.Now().UTC().Format("02/01/2006") // English pages write days as 05/03/2018
	webtest.Contains(t, "badge page after", body, "This badge is endorsed by:", "<a href=\"/orgs/lund-uni\"><strong>Lund University</strong></a> – ", today,
		"We also issue this badge.\nIt is &lt;great&gt;.")
	webtest.Lacks(t, "badge page after", body, "No endorsements yet", "<great>")
	body = f.Page(t, c, "/network/external?org=tampere-uni")
	webtest.Contains(t, "Tampere's external endorsements", body, "Badge “Team Player”", "Lund University")
}

func TestNetworkBadTargetKeepsInput(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	f.SecondOrganisation(t)

	status, body, _ := f.Post(t, c, tamperePost+"/partners", url.Values{"target": {"no-such-org"}})
	if status != http.StatusBadRequest {
		t.Fatalf("bad partner = %d", status)
	}
	webtest.Contains(t, "bad partner", body, "Organisation: no organisation &#34;no-such-org&#34; on this node",
		`id="add-target" name="target" required autocomplete="off" value="no-such-org"`, `aria-invalid="true" autofocus`)
	status, body, _ = f.Post(t, c, tamperePost+"/partners", url.Values{"target": {"tampere-uni"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "Organisation: an organisation cannot be its own partner") {
		t.Errorf("adding itself = %d:\n%s", status, body)
	}

	status, body, _ = f.Post(t, c, tamperePost+"/requests", url.Values{"target": {"nobody@"}, "message": {"Please."}})
	if status != http.StatusBadRequest {
		t.Fatalf("bad request target = %d", status)
	}
	webtest.Contains(t, "bad request target", body, "Organisation: must be acct:name@host, name@host or an actor URL",
		`value="nobody@"`, "Please.</textarea>")

	// Several at once: each gets its own request, and the report says which
	// failed and why, keeping the failed ones to try again.
	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)
	status, body, _ = f.Post(t, c, tamperePost+"/requests", url.Values{"targets": {f.Base + "/actors/lund-uni"},
		"target": {"ghost-org"}, "message": {"Together?"}})
	if status != http.StatusOK {
		t.Fatalf("request to several = %d:\n%s", status, body)
	}
	webtest.Contains(t, "report of a request to several", body, "1 of 2 requests were not sent", `<td data-label="Organisation">Lund University</td>`,
		`<td data-label="Result">Sent</td>`, `<td data-label="Organisation">ghost-org</td>`,
		"<strong>Not sent:</strong> no organisation &#34;ghost-org&#34; on this node", `value="ghost-org"`, "Together?</textarea>")
	// One chosen partner is one request: a problem is the form's.
	status, body, _ = f.Post(t, c, tamperePost+"/requests", url.Values{"targets": {f.Base + "/actors/lund-uni"}, "message": {"Again?"}})
	if status != http.StatusConflict {
		t.Fatalf("a second pending request = %d", status)
	}
	webtest.Contains(t, "a second pending request", body, "Organisation: Lund University already has a pending request to endorse Tampere University",
		`value="`+f.Base+`/actors/lund-uni" checked`, "Again?</textarea>")
}

// TestBrowserNetworkPartnerEndorse adds a partner and endorses it as a
// person would, in a real Chromium on a desktop and on a phone.
func TestBrowserNetworkPartnerEndorse(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	for _, o := range []issuer.NewOrganisation{
		{Slug: "lund-uni", Name: "Lund University", Country: "SE"},
		{Slug: "aalto-uni", Name: "Aalto University", Country: "FI"},
	} {
		if _, err := issuer.CreateOrganisation(ctx, f.Pool, o); err != nil {
			t.Fatal(err)
		}
	}
	listed := true
	if _, err := issuer.UpdateOrganisation(ctx, f.Pool, mustOrg(t, f, "aalto-uni").ID, issuer.OrganisationUpdate{Listed: &listed}); err != nil {
		t.Fatal(err)
	}
	// A badge shared with Lund, for the shares tab.
	b := f.CreateBadge(t, "Team Player and Long-Named Collaboration Badge", issuer.Expiry{})
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/shares",
		map[string]any{"targets": []string{"lund-uni"}, "mode": "copy"}, ""); status != http.StatusOK {
		t.Fatalf("share = %d %v", status, out)
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
			browser.Do(t, bctx, device.emulate, chromedp.Navigate(f.Base+"/login?next=/network"),
				chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
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
				chromedp.Navigate(f.Base+"/network"),
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

			browser.Do(t, bctx, chromedp.Navigate(f.Base+"/network/given"), chromedp.WaitVisible(chromedp.CSS("#endorsements")))
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
				browser.Do(t, bctx, chromedp.Navigate(f.Base+tab), chromedp.WaitVisible(chromedp.CSS("nav.network-tabs")))
				browser.NoHorizontalScroll(t, bctx)
			}
			browser.Screenshot(t, bctx, "network-templates-"+device.name)
			browser.Do(t, bctx, chromedp.Navigate(f.Base+"/network/shared"), chromedp.WaitVisible(chromedp.CSS("#shares")))
			if got := browser.Text(t, bctx, "#shares"); !strings.Contains(got, "Lund University") || !strings.Contains(got, "pending") {
				t.Errorf("shared badges are %q", got)
			}
			browser.NoHorizontalScroll(t, bctx)
			browser.Screenshot(t, bctx, "network-shared-"+device.name)

			// Both partners removed, so that the next device starts afresh.
			for range 2 {
				browser.Do(t, bctx,
					chromedp.Navigate(f.Base+"/network"),
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

func mustOrg(t *testing.T, f *webtest.Fixture, slug string) issuer.Organisation {
	t.Helper()
	o, err := issuer.OrganisationBySlug(context.Background(), f.Pool, slug)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestNetworkShareCopyAcceptDecline shares a badge as a copy between two
// organisations of one node: the receiver is notified (on the dashboard
// too), accepts it and finds the copy in its badge library, then declines
// it after all, which the sharer sees.
func TestNetworkShareCopyAcceptDecline(t *testing.T) {
	ctx := context.Background()
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{})
	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)
	lundActor := f.Base + "/actors/lund-uni"
	sharedTab, withUsTab := "/network/shared?org=tampere-uni", "/network/shared-with-us?org=lund-uni"

	body := f.Page(t, c, sharedTab)
	webtest.Contains(t, "empty shared tab", body, "Tampere University has not shared a badge yet.", "Share a badge",
		`<option value="`+b.UUID+`">Team Player</option>`, `name="targets" value="`+lundActor+`"`, `name="mode" value="link" checked`)

	// Problems name the field and keep the input.
	status, body, _ := f.Post(t, c, tamperePost+"/shares", url.Values{"targets": {lundActor}, "mode": {"copy"}})
	if status != http.StatusBadRequest {
		t.Fatalf("share without a badge = %d", status)
	}
	webtest.Contains(t, "share without a badge", body, "Badge: choose one of our badges to share", `id="share-badge" name="badge" required aria-invalid="true"`,
		`value="`+lundActor+`" checked`, `name="mode" value="copy" checked`)
	status, body, _ = f.Post(t, c, tamperePost+"/shares", url.Values{"badge": {b.UUID}, "mode": {"copy"}})
	if status != http.StatusBadRequest {
		t.Fatalf("share with nobody = %d", status)
	}
	webtest.Contains(t, "share with nobody", body, "Share with: name 1 to 100 organisations to share with",
		`id="share-target" name="target" autocomplete="off" value="" aria-describedby="share-target-hint" aria-invalid="true"`)
	status, body, _ = f.Post(t, c, tamperePost+"/shares", url.Values{"badge": {b.UUID}, "target": {"ghost-org"}, "mode": {"copy"}})
	if status != http.StatusBadRequest {
		t.Fatalf("share with an unknown organisation = %d", status)
	}
	webtest.Contains(t, "share with an unknown organisation", body, "Organisation: no organisation &#34;ghost-org&#34; on this node",
		`value="ghost-org"`, `<option value="`+b.UUID+`" selected>Team Player</option>`)

	f.PostOK(t, c, tamperePost+"/shares", url.Values{"badge": {b.UUID}, "targets": {lundActor}, "mode": {"copy"}}, sharedTab)
	body = f.Page(t, c, sharedTab)
	webtest.Contains(t, "shared tab after sharing", body, "Badge “Team Player” shared as a copy with Lund University",
		"With <strong>Lund University</strong> · as a copy · <span class=\"state pending\">pending</span>",
		`<a href="`+f.Base+`/ob/badges/`+b.UUID+`">Team Player</a>`, `class="share-image" src="`+f.Base+`/ob/badges/`+b.UUID)

	// Lund is told, on its dashboard and on its network page.
	body = f.Page(t, l.Client, "/")
	webtest.Contains(t, "Lund's dashboard", body, `<a href="/network?org=lund-uni" class="unread">1 new notification</a>`)
	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's notifications", body, "Notifications (1 new)", `<li class="unread">`,
		`<a href="/network?org=lund-uni&amp;tab=shared-with-us">Tampere University shared the badge &#34;Team Player&#34; with you</a>`,
		"Mark all read", "Badges shared with us <span class=\"count\">1</span>")
	status, _, hdr := f.Do(t, l.Client, "GET", "/network?org=lund-uni&tab=shared-with-us", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != withUsTab {
		t.Fatalf("the notification's link = %d to %q", status, hdr.Get("Location"))
	}
	body = f.Page(t, l.Client, withUsTab)
	webtest.Contains(t, "Lund's shared with us", body, "From <strong>Tampere University</strong> · as a copy · <span class=\"state pending\">pending</span>",
		"Accepting adds a copy to our badge library.", `<button type="submit">Accept`, ">Decline<")
	id := webtest.UUIDIn(t, body, "/accept")

	f.PostOK(t, l.Client, lundPost+"/shares/"+id+"/accept", nil, withUsTab)
	body = f.Page(t, l.Client, withUsTab)
	webtest.Contains(t, "Lund's shared with us after accepting", body,
		"Badge “Team Player” of Tampere University accepted: our copy is in our badge library", "Open our copy",
		`<span class="state accepted">accepted</span>`, "Our copy in the Creator tools", ">Decline<")
	webtest.Lacks(t, "Lund's shared with us after accepting", body, `<button type="submit">Accept`)
	library, err := issuer.BadgeClasses(ctx, f.Pool, l.Org.ID, false)
	if err != nil || len(library) != 1 || library[0].Name != "Team Player" || library[0].UUID == b.UUID {
		t.Fatalf("Lund's library = %+v, %v: want its own copy", library, err)
	}
	copyEdit := "/creator/lund-uni/badges/" + library[0].UUID + "/edit"
	webtest.Contains(t, "Lund's shared with us after accepting", body, `href="`+copyEdit+`"`)
	f.Page(t, l.Client, copyEdit)

	body = f.Page(t, c, tampereNet)
	webtest.Contains(t, "Tampere's notifications", body, "Notifications (1 new)", "Lund University accepted the badge &#34;Team Player&#34; you shared",
		`href="/network?org=tampere-uni&amp;tab=shared-with-partners"`)
	body = f.Page(t, c, sharedTab)
	webtest.Contains(t, "Tampere's shares after the accept", body, `<span class="state accepted">accepted</span>`, "They have a copy of their own to issue.")

	// Lund changes its mind; its copy stays in its library.
	f.PostOK(t, l.Client, lundPost+"/shares/"+id+"/decline", nil, withUsTab)
	body = f.Page(t, l.Client, withUsTab)
	webtest.Contains(t, "Lund's shared with us after declining", body, "Badge “Team Player” of Tampere University declined.",
		`<span class="state declined">declined</span>`, `<button type="submit">Accept`, `href="`+copyEdit+`"`)
	webtest.Lacks(t, "Lund's shared with us after declining", body, ">Decline<")
	body = f.Page(t, c, sharedTab)
	webtest.Contains(t, "Tampere's shares after the decline", body, "With <strong>Lund University</strong> · as a copy · <span class=\"state declined\">declined</span>")
	if status, _, _ := f.Post(t, l.Client, lundPost+"/shares/00000000-0000-0000-0000-000000000000/accept", nil); status != http.StatusNotFound {
		t.Errorf("accepting an unknown share = %d, want 404", status)
	}

	// Marking read.
	f.PostOK(t, l.Client, lundPost+"/notifications/read", nil, lundNet)
	body = f.Page(t, l.Client, lundNet)
	webtest.Contains(t, "Lund's notifications after marking read", body, "All notifications of Lund University are marked read.",
		"Notifications (0 new)", "Tampere University shared the badge")
	webtest.Lacks(t, "Lund's notifications after marking read", body, "Mark all read", `<li class="unread">`)
	body = f.Page(t, l.Client, "/")
	webtest.Contains(t, "Lund's dashboard after marking read", body, `<a href="/network?org=lund-uni">No new notifications</a>`)
	body = f.Page(t, c, "/")
	webtest.Contains(t, "Tampere's dashboard", body, "2 new notifications")
}

// TestNetworkShareWithSeveralReports shares a badge with a partner and an
// unknown organisation at once: the report says which failed and why,
// keeping it in the form.
func TestNetworkShareWithSeveralReports(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{})
	f.PostOK(t, c, tamperePost+"/partners", url.Values{"target": {"lund-uni"}}, tampereNet)

	status, body, _ := f.Post(t, c, tamperePost+"/shares", url.Values{"badge": {b.UUID},
		"targets": {f.Base + "/actors/lund-uni"}, "target": {"ghost-org"}, "mode": {"link"}})
	if status != http.StatusOK {
		t.Fatalf("share with several = %d:\n%s", status, body)
	}
	webtest.Contains(t, "report of a share with several", body, "The badge was not shared with 1 of 2 organisations",
		`<td data-label="Organisation">Lund University</td>`, `<td data-label="Result">Shared</td>`,
		`<td data-label="Organisation">ghost-org</td>`, "<strong>Not shared:</strong> no organisation &#34;ghost-org&#34; on this node",
		`value="ghost-org"`, "With <strong>Lund University</strong> · as a link")
	body = f.Page(t, l.Client, "/network/shared-with-us?org=lund-uni")
	webtest.Contains(t, "Lund's shared with us", body, "From <strong>Tampere University</strong> · as a link")
	webtest.Lacks(t, "Lund's shared with us", body, "Accepting adds a copy")
}

// TestNetworkTabQueries: /network?tab=, as notifications link, goes to the
// tab named, keeping the organisation.
func TestNetworkTabQueries(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	for _, tc := range []struct{ query, want string }{
		{"tab=shared-with-us&org=tampere-uni", "/network/shared-with-us?org=tampere-uni"},
		{"org=tampere-uni&tab=shared-with-partners", "/network/shared?org=tampere-uni"},
		{"tab=requests&org=tampere-uni", "/network/requests?org=tampere-uni"},
		{"tab=received&org=tampere-uni", "/network/external?org=tampere-uni"},
		{"tab=received", "/network/external"},
		{"tab=templates", "/network/templates"},
	} {
		status, _, hdr := f.Do(t, c, "GET", "/network?"+tc.query, nil, nil)
		if status != http.StatusSeeOther || hdr.Get("Location") != tc.want {
			t.Errorf("/network?%s = %d to %q, want 303 to %q", tc.query, status, hdr.Get("Location"), tc.want)
		}
	}
	for _, path := range []string{"/network?tab=no-such-tab", "/network/shared", "/network/shared-with-us"} {
		f.Page(t, c, path)
	}
}

// TestNetworkInviteWithoutMail: a node that sends no email says so on the
// page, and an invitation is refused with the reason, keeping the input.
func TestNetworkInviteWithoutMail(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	body := f.Page(t, c, "/network/external?org=tampere-uni")
	webtest.Contains(t, "external tab", body, "Invite someone to endorse us", "This node sends no email at present",
		"Tampere University has not invited anyone yet.")
	status, body, _ := f.Post(t, c, tamperePost+"/invitations", url.Values{"email": {"eve@example.org"}, "message": {"Would you?"}})
	if status != http.StatusConflict {
		t.Fatalf("invite without mail = %d:\n%s", status, body)
	}
	webtest.Contains(t, "invite without mail", body, "Email address: this node sends no email (it has no --smtp-url), so it cannot send an invitation",
		`value="eve@example.org" aria-invalid="true"`, "Would you?</textarea>")
}

// TestNetworkInviteExternalEndorser invites someone to endorse a badge
// through a real SMTP server; the invitation is listed as pending, then
// used once they endorse.
func TestNetworkInviteExternalEndorser(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	c := f.Login(t, "staff@example.org")
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{})
	badgeID := f.Base + "/ob/badges/" + b.UUID
	tab := "/network/external?org=tampere-uni"

	body := f.Page(t, c, tab)
	webtest.Contains(t, "external tab", body, `<option value="`+badgeID+`">Badge “Team Player”</option>`)
	webtest.Lacks(t, "external tab", body, "This node sends no email")
	status, body, _ := f.Post(t, c, tamperePost+"/invitations", url.Values{"email": {"eve"}, "badge": {badgeID}, "message": {"Please."}})
	if status != http.StatusBadRequest {
		t.Fatalf("invite a non-address = %d", status)
	}
	webtest.Contains(t, "invite a non-address", body, "Email address: must be an email address", `value="eve" aria-invalid="true"`,
		`<option value="`+badgeID+`" selected>`, "Please.</textarea>")

	f.PostOK(t, c, tamperePost+"/invitations", url.Values{"email": {"Eve@Example.org"}, "badge": {badgeID},
		"message": {"Would you endorse our badge?"}}, tab)
	body = f.Page(t, c, tab)
	webtest.Contains(t, "external tab after inviting", body, "Invitation to endorse the badge “Team Player” sent to e…@example.org",
		`<td data-label="To">e…@example.org</td>`, "Badge “Team Player”", `<span class="state pending">pending</span>`)
	webtest.Lacks(t, "external tab after inviting", body, "eve@example.org")

	m := smtp.Wait(t, 1, 20*time.Second)[0]
	if len(m.To) != 1 || m.To[0] != "eve@example.org" || !strings.Contains(m.Text, "Would you endorse our badge?") {
		t.Fatalf("message to %v:\n%s", m.To, m.Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/endorse/[A-Za-z0-9_-]+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in:\n%s", m.Text)
	}
	status, body = f.PostForm(t, strings.TrimPrefix(link, f.Base), url.Values{"name": {"Eve Endorser"}, "comment": {"A fine badge."}})
	if status != http.StatusOK {
		t.Fatalf("endorse = %d:\n%s", status, body)
	}
	body = f.Page(t, c, tab)
	webtest.Contains(t, "external tab after the endorsement", body, `<span class="state used">used</span>`,
		">Eve Endorser</a></td>", "A fine badge.")
	body = f.Page(t, c, tampereNet)
	webtest.Contains(t, "notifications after the endorsement", body, "Notifications (1 new)", `href="/network?org=tampere-uni&amp;tab=received"`)
}

// TestBrowserNetworkShareAccept: on a phone, the receiver of a shared
// badge sees the notification, opens it and accepts the copy, without a
// page that scrolls sideways.
func TestBrowserNetworkShareAccept(t *testing.T) {
	f := webtest.StartNode(t)
	l := f.SecondOrganisation(t)
	b := f.CreateBadge(t, "Team Player and Long-Named Collaboration Badge", issuer.Expiry{})
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/shares",
		map[string]any{"targets": []string{"lund-uni"}, "mode": "copy"}, ""); status != http.StatusOK {
		t.Fatalf("share = %d %v", status, out)
	}
	bctx := browser.New(t)
	browser.Do(t, bctx, browser.Phone(), chromedp.Navigate(f.Base+"/login?next=/network"),
		chromedp.SendKeys(chromedp.CSS("#email"), "lena@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#notifications .notification-list")),
	)
	if got := browser.Text(t, bctx, "#notifications summary"); !strings.Contains(got, "Notifications (1 new)") {
		t.Errorf("the notifications panel says %q", got)
	}
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "network-notifications-phone")
	browser.Do(t, bctx,
		chromedp.Click(chromedp.CSS("#notifications .notification-list a")),
		chromedp.WaitVisible(chromedp.CSS("#shares")),
	)
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "network-shared-with-us-phone")
	browser.Do(t, bctx,
		chromedp.Click(chromedp.CSS("#shares form.actions button:not(.secondary)")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if got := browser.Text(t, bctx, "p.notice"); !strings.Contains(got, "our copy is in our badge library") {
		t.Fatalf("after accepting, the notice is %q", got)
	}
	if got := browser.Text(t, bctx, "#shares"); !strings.Contains(got, "accepted") || !strings.Contains(got, "Our copy in the Creator tools") {
		t.Errorf("the share says %q", got)
	}
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "network-shared-with-us-accepted-phone")
	if list, err := issuer.BadgeClasses(context.Background(), f.Pool, l.Org.ID, false); err != nil || len(list) != 1 {
		t.Errorf("Lund's library = %v, %v", list, err)
	}
}

// TestNetworkSubjectRemovesEndorsement: the endorsed organisation takes an
// endorsement off its profile from its External endorsements tab.
func TestNetworkSubjectRemovesEndorsement(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	l := f.SecondOrganisation(t)
	f.PostOK(t, c, tamperePost+"/endorsements", url.Values{"target": {"lund-uni"}, "comment": {"Unasked-for praise."}}, tampereNet)
	external := "/network/external?org=lund-uni"
	body := f.Page(t, l.Client, external)
	webtest.Contains(t, "lund's external endorsements", body, "Unasked-for praise.", "Remove from our profile")
	m := regexp.MustCompile(`name="id" value="([^"]+/ob/endorsements/[0-9a-f-]{36})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no endorsement to remove on the page:\n%s", body)
	}
	id := m[1]
	f.PostOK(t, l.Client, "/network/orgs/lund-uni/endorsements/remove", url.Values{"id": {id}}, external)
	body = f.Page(t, l.Client, external)
	webtest.Contains(t, "after removing", body, "The endorsement by Tampere University is off our profile")
	webtest.Lacks(t, "after removing", body, "Unasked-for praise.")
	if status, _, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(id, f.Base), nil, map[string]string{"Accept": "application/ld+json"}); status != http.StatusGone {
		t.Fatalf("a removed endorsement answers %d, want 410", status)
	}
}
