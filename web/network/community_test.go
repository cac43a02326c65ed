package network_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestNetworkPagesInBrowser: Tampere's admin founds a regional network on
// the Regional networks tab; Lund University applies; Tampere's admin
// accepts it on the network's page (on a phone); Lund shares a post,
// which the network relays into Tampere's feed.
func TestNetworkPagesInBrowser(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	lund := f.SecondOrganisation(t)
	lena, err := account.UserByEmail(ctx, f.Pool, "lena@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, lena.ID, lund.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	host, _ := url.Parse(f.Base)
	handle := "badge-finland@" + host.Host

	bctx := browser.New(t)
	browser.Do(t, bctx, browser.Desktop(), chromedp.Navigate(f.Base+"/login?next="+url.QueryEscape("/network/networks?org=tampere-uni")),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#memberships-title")),
		chromedp.Click(chromedp.CSS("details.partner-form summary")),
		chromedp.SendKeys(chromedp.CSS("#found-name"), "Badge Finland"),
		chromedp.SendKeys(chromedp.CSS("#found-slug"), "badge-finland"),
		chromedp.SendKeys(chromedp.CSS("#found-countries"), "FI, AX"),
		chromedp.SendKeys(chromedp.CSS("#found-description"), "Open badges in **Finland**."),
		chromedp.Click(chromedp.CSS(`form[action$="/networks"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#memberships")),
	)
	if got := browser.Text(t, bctx, "p.notice"); !strings.Contains(got, "Badge Finland is founded") || !strings.Contains(got, handle) {
		t.Fatalf("notice after founding: %q", got)
	}
	if got := browser.Text(t, bctx, "#memberships"); !strings.Contains(got, "Badge Finland") || !strings.Contains(got, "accepted") {
		t.Errorf("Tampere's memberships: %q", got)
	}
	browser.Screenshot(t, bctx, "networks-tab-desktop")

	// Lund applies with the tab's form; a bad handle names the field.
	if status, body, _ := f.Post(t, lund.Client, "/network/orgs/lund-uni/memberships", url.Values{"network": {"nobody"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "Network:") {
		t.Errorf("joining a bad handle = %d", status)
	}
	f.PostOK(t, lund.Client, "/network/orgs/lund-uni/memberships", url.Values{"network": {handle}}, "/network/networks?org=lund-uni")
	webtest.Contains(t, "Lund's tab", f.Page(t, lund.Client, "/network/networks?org=lund-uni"), "pending")

	// Tampere's admin accepts Lund on the network's page, on a phone.
	browser.Do(t, bctx, browser.Phone(), chromedp.Navigate(f.Base+"/networks/badge-finland"),
		chromedp.WaitVisible(chromedp.CSS("#applications")),
	)
	if got := browser.Text(t, bctx, "#applications"); !strings.Contains(got, "Lund University") {
		t.Fatalf("applications: %q", got)
	}
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "network-moderation-phone")
	browser.Do(t, bctx,
		chromedp.Click(chromedp.CSS(`#applications form[action$="/accept"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if got := browser.Text(t, bctx, "#members"); !strings.Contains(got, "Lund University") || !strings.Contains(got, "Tampere University") {
		t.Errorf("members after accepting: %q", got)
	}
	// The page is public: a visitor sees the members, not the moderation.
	anon := f.Page(t, webtest.NoRedirects(nil), "/networks/badge-finland")
	webtest.Contains(t, "the public page", anon, "Lund University", "Open badges in <strong>Finland</strong>", "Members (2)")
	if strings.Contains(anon, "Moderation") {
		t.Error("a visitor sees the moderation")
	}

	// Lund proposes that the network recognise it; the moderator does.
	f.PostOK(t, lund.Client, "/network/orgs/lund-uni/requests", url.Values{"target": {f.Base + "/actors/badge-finland"},
		"message": {"Recognise us, please."}}, "/network/requests?org=lund-uni")
	browser.Do(t, bctx, chromedp.Navigate(f.Base+"/networks/badge-finland"),
		chromedp.WaitVisible(chromedp.CSS("#proposals")),
		chromedp.SendKeys(chromedp.CSS("#proposal-comment-0"), "Recognised for its open badge pilots."),
		chromedp.Click(chromedp.CSS(`#proposals form[action$="/accept"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#recognitions")),
	)
	if got := browser.Text(t, bctx, "#recognitions"); !strings.Contains(got, "Lund University") || !strings.Contains(got, "open badge pilots") {
		t.Errorf("recognitions: %q", got)
	}

	// Lund, a member on this server, is made a moderator; Tampere steps
	// down, and Lund's admin now sees the moderation.
	browser.Do(t, bctx,
		chromedp.SetValue(chromedp.CSS("#appoint-organisation"), "lund-uni"),
		chromedp.Click(chromedp.CSS(`form[action$="/moderate/moderators"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/moderators/lund-uni/dismiss"]`)),
	)
	if got := browser.Text(t, bctx, "#moderators"); !strings.Contains(got, "lund-uni") {
		t.Fatalf("moderators after appointing: %q", got)
	}
	browser.Do(t, bctx,
		chromedp.Click(chromedp.CSS(`form[action$="/moderators/tampere-uni/dismiss"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action$="/moderators/tampere-uni/dismiss"]`)),
	)
	if strings.Contains(f.Page(t, f.Login(t, "staff@example.org"), "/networks/badge-finland"), `id="moderation-title"`) {
		t.Error("Tampere still sees the moderation after stepping down")
	}
	webtest.Contains(t, "Lund's view of the network", f.Page(t, lund.Client, "/networks/badge-finland"), `id="moderation-title"`, "Applications (0)")

	// The network recommends an alignment; Tampere's badge editor offers it
	// and a pick adds it to the badge.
	network, err := issuer.OrganisationBySlug(ctx, f.Pool, "badge-finland")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := issuer.SaveAlignment(ctx, f.Pool, network.ID, vocab.AlignmentObject{TargetName: "Finnish maker skills",
		TargetURL: "https://makers.example/fi/level-1", TargetFramework: "Maker skills"}); err != nil {
		t.Fatal(err)
	}
	b := f.CreateBadge(t, "Robot builder", issuer.Expiry{})
	tampere := f.Login(t, "staff@example.org")
	pick := "/creator/tampere-uni/badges/" + b.UUID + "/alignments"
	webtest.Contains(t, "the alignment picker", f.Page(t, tampere, pick), "Recommended by Badge Finland", "Finnish maker skills")
	if status, _, _ := f.Post(t, tampere, pick+"/recommended", url.Values{"network": {f.Base + "/actors/badge-finland"}, "url": {"https://evil.example/not-recommended"}}); status != http.StatusNotFound {
		t.Errorf("picking what no network recommends = %d, want 404", status)
	}
	if status, _, _ := f.Post(t, tampere, pick+"/recommended", url.Values{"network": {f.Base + "/actors/badge-finland"}, "url": {"https://makers.example/fi/level-1"}}); status != http.StatusSeeOther {
		t.Fatalf("pick the recommended alignment = %d", status)
	}
	if aligned, err := issuer.BadgeClassByUUID(ctx, f.Pool, b.UUID); err != nil || len(aligned.Alignments) != 1 || aligned.Alignments[0].TargetName != "Finnish maker skills" {
		t.Errorf("the badge's alignments: %+v %v", aligned.Alignments, err)
	}

	// Lund shares a post; it reaches Tampere's feed.
	f.PostOK(t, lund.Client, "/network/orgs/lund-uni/network-posts", url.Values{"network": {f.Base + "/actors/badge-finland"},
		"content": {"Lund joins **Badge Finland**!"}}, "/network/networks?org=lund-uni")
	browser.Do(t, bctx, browser.Desktop(), chromedp.Navigate(f.Base+"/network/networks?org=tampere-uni"),
		chromedp.WaitVisible(chromedp.CSS("#network-feed")),
	)
	if got := browser.Text(t, bctx, "#network-feed"); !strings.Contains(got, "Lund joins Badge Finland!") || !strings.Contains(got, "Lund University") {
		t.Errorf("Tampere's feed: %q", got)
	}
}
