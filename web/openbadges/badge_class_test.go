package openbadges_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// endorsedBadge makes a badge of Tampere University that Lund University,
// a partner, endorses with a comment, and returns the badge.
func endorsedBadge(t *testing.T, f *webtest.Fixture) (issuer.BadgeClass, *http.Client) {
	t.Helper()
	l := f.SecondOrganisation(t)
	b, err := issuer.CreateBadgeClass(context.Background(), f.Pool, account.NodeActor(), f.Org.ID, issuer.BadgeInput{
		Name: "Team Player", Description: "Awarded for working well in a team.", Image: webtest.ReadBadgePNG(t),
		CriteriaNarrative: "Lead a *team* project.", Tags: []string{"teamwork", "projects"},
		Alignments: []vocab.AlignmentObject{{TargetName: "work in teams", TargetURL: "http://data.europa.eu/esco/skill/team",
			TargetFramework: "ESCO", TargetCode: "S1.8"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.PostOK(t, l.Client, "/network/orgs/lund-uni/partners", url.Values{"target": {"tampere-uni"}}, "/network?org=lund-uni")
	f.PostOK(t, l.Client, "/network/orgs/lund-uni/endorsements", url.Values{"target": {"tampere-uni"},
		"badge": {f.Base + "/ob/badges/" + b.UUID}, "comment": {"We issue it too & trust it."}}, "/network?org=lund-uni")
	return b, l.Client
}

// TestBadgeClassPage: a badge class's id opened in a browser is a page
// for people (image, name, description, issuer, criteria, alignments,
// tags, the endorsements with dates and comments, the endorsers linking
// to their pages); an Open Badges tool at the same address still gets
// the JSON-LD, and the answers say they vary with Accept.
func TestBadgeClassPage(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b, _ := endorsedBadge(t, f)
	path := "/ob/badges/" + b.UUID
	today := time.Now().UTC().Format("02/01/2006")

	status, page, hdr := f.Do(t, webtest.Visitor(), "GET", path, nil, map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || hdr.Get("Vary") != "Accept" {
		t.Fatalf("GET %s in a browser = %d %s (Vary %q)", path, status, hdr.Get("Content-Type"), hdr.Get("Vary"))
	}
	webtest.Contains(t, "badge class page", page, "<h1>Team Player</h1>", `src="`+f.Base+path+`/image"`,
		"Awarded for working well in a team.", `Issued by <a href="/orgs/tampere-uni">Tampere University</a>`,
		"Lead a <em>team</em> project.", "work in teams", "<code>S1.8</code>", "<li>teamwork</li>", "<li>projects</li>",
		"This badge is endorsed by:",
		`<a href="/orgs/lund-uni"><strong>Lund University</strong></a> – <time datetime="`+time.Now().UTC().Format("2006-01-02")+`">`+today+`</time> – <span class="comment">We issue it too &amp; trust it.</span>`,
		`id="issued-count">0 badges issued`, `<link rel="alternate" type="application/ld+json" href="`+f.Base+path+`">`)
	webtest.Lacks(t, "the public badge class page", page, "New endorsement request", "Pending requests")

	for _, accept := range []string{"application/ld+json", "application/json", ""} {
		status, raw, hdr := f.Do(t, webtest.Visitor(), "GET", path, nil, map[string]string{"Accept": accept})
		var doc map[string]any
		if status != 200 || json.Unmarshal([]byte(raw), &doc) != nil || doc["type"] != "BadgeClass" || hdr.Get("Vary") != "Accept" {
			t.Fatalf("GET %s with Accept %q = %d (Vary %q):\n%s", path, accept, status, hdr.Get("Vary"), raw)
		}
		if e, _ := doc["endorsement"].([]any); len(e) != 1 {
			t.Errorf("the JSON-LD lists endorsements %v, want Lund's", doc["endorsement"])
		}
	}
	status, page, _ = f.Do(t, webtest.Visitor(), "GET", path+"/criteria", nil, map[string]string{"Accept": "text/html"})
	if status != 200 || !strings.Contains(page, `<a href="`+path+`" id="badge-page">`) {
		t.Errorf("the criteria page = %d, want a link to the badge's page:\n%s", status, page)
	}
	status, page, _ = f.Do(t, webtest.Visitor(), "GET", "/ob/badges/00000000-0000-0000-0000-000000000000", nil, map[string]string{"Accept": "text/html"})
	if status != http.StatusNotFound || !strings.Contains(page, "No such badge: it may have been deleted") {
		t.Errorf("no such badge in a browser = %d, want a 404 page:\n%s", status, page)
	}
}

// TestCreatorBadgeView: in the Creator tools a badge's page adds, for its
// creators, links to issue and edit it, "New endorsement request |
// Pending requests N" and the partners it was shared with; another
// organisation's staff do not get it.
func TestCreatorBadgeView(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b, lund := endorsedBadge(t, f)
	staff := f.Login(t, "staff@example.org")
	view := "/creator/tampere-uni/badges/" + b.UUID
	page := f.Page(t, staff, view)
	webtest.Contains(t, "creator view before", page, "<h1>Team Player</h1>", "New endorsement request", "Pending requests 0",
		"Not shared with partners yet.", `href="/issuer/tampere-uni/badges/`+b.UUID+`"`, `href="`+view+`/edit"`,
		"<strong>Lund University</strong>")

	f.PostOK(t, staff, "/network/orgs/tampere-uni/partners", url.Values{"target": {"lund-uni"}}, "/network?org=tampere-uni")
	f.PostOK(t, staff, "/network/orgs/tampere-uni/requests", url.Values{"target": {"lund-uni"}, "badge": {f.Base + "/ob/badges/" + b.UUID},
		"message": {"Would you endorse it again?"}}, "/network/requests?org=tampere-uni")
	status, _, _ := f.Post(t, staff, "/network/orgs/tampere-uni/shares", url.Values{"targets": {f.Base + "/actors/lund-uni"}, "badge": {b.UUID}, "mode": {"link"}})
	if status != http.StatusOK && status != http.StatusSeeOther {
		t.Fatalf("share = %d", status)
	}
	page = f.Page(t, staff, view)
	webtest.Contains(t, "creator view after", page, "Pending requests 1", `id="shares"`, "<strong>Lund University</strong> – as a link – waiting for an answer")
	if status, _, _ := f.Do(t, staff, "GET", "/creator/tampere-uni/badges/00000000-0000-0000-0000-000000000000", nil, nil); status != http.StatusNotFound {
		t.Errorf("creator view of no badge = %d, want 404", status)
	}
	if status, page, _ := f.Do(t, lund, "GET", view, nil, nil); status == http.StatusOK || strings.Contains(page, "Pending requests") {
		t.Errorf("another organisation's staff get the creator view: %d", status)
	}
	// The partner asked sees the badge's page from the request.
	page = f.Page(t, lund, "/network/requests?org=lund-uni")
	webtest.Contains(t, "Lund's requests", page, `<a href="`+f.Base+`/ob/badges/`+b.UUID+`">Team Player</a>`)
}

// TestBrowserBadgeClassPage opens a badge class's id in a real Chromium,
// on a desktop and on a phone: the endorsements show with their dates and
// comments, the endorser links to its page, nothing scrolls sideways.
func TestBrowserBadgeClassPage(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b, _ := endorsedBadge(t, f)
	today := time.Now().UTC().Format("02/01/2006")
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		t.Run(device.name, func(t *testing.T) {
			ctx := browser.New(t)
			browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+"/ob/badges/"+b.UUID), chromedp.WaitVisible(chromedp.CSS("#endorsements")))
			if got, want := browser.Text(t, ctx, "#endorsements li"), "Lund University – "+today+" – We issue it too & trust it."; got != want {
				t.Errorf("the endorsement reads %q, want %q", got, want)
			}
			if got := browser.Eval[string](t, ctx, `document.querySelector("#endorsements a").getAttribute("href")`); got != "/orgs/lund-uni" {
				t.Errorf("the endorser links to %q", got)
			}
			if got := browser.Text(t, ctx, "#issuer"); got != "Issued by Tampere University" {
				t.Errorf("the issuer line reads %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "badge-class-"+device.name)
		})
	}
}
