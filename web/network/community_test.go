package network_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

	// Lund applies with the tab's form; a bad handle names the webtest.Field.
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
	// The page is public: a webtest.Visitor sees the members, not the moderation.
	anon := f.Page(t, webtest.NoRedirects(nil), "/networks/badge-finland")
	webtest.Contains(t, "the public page", anon, "Lund University", "Open badges in <strong>Finland</strong>", "Members (2)")
	if strings.Contains(anon, "Moderation") {
		t.Error("a webtest.Visitor sees the moderation")
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

	// Tampere offers its badge to the whole network from the Shared tab:
	// Lund, a member, has it to answer. Lund endorses Tampere and ticks
	// the network on the endorse form: the feed shows it.
	webtest.Contains(t, "the Shared tab", f.Page(t, tampere, "/network/shared?org=tampere-uni"), `id="share-network"`, "Badge Finland")
	if status, body, _ := f.Post(t, tampere, "/network/orgs/tampere-uni/shares", url.Values{"badge": {b.UUID}, "mode": {"link"},
		"network": {f.Base + "/actors/badge-finland"}, "targets": {f.Base + "/actors/lund-uni"}}); status != http.StatusBadRequest ||
		!strings.Contains(body, "not both") {
		t.Errorf("offering to partners and a network at once = %d", status)
	}
	f.PostOK(t, tampere, "/network/orgs/tampere-uni/shares", url.Values{"badge": {b.UUID}, "mode": {"link"},
		"network": {f.Base + "/actors/badge-finland"}}, "/network/shared?org=tampere-uni")
	webtest.Contains(t, "Tampere's shared badges", f.Page(t, tampere, "/network/shared?org=tampere-uni"), "Robot builder", "offered to every member")
	webtest.Contains(t, "Lund's shared badges", f.Page(t, lund.Client, "/network/shared-with-us?org=lund-uni"), "Robot builder",
		"offered to the members of a network of ours")
	f.PostOK(t, lund.Client, "/network/orgs/lund-uni/partners", url.Values{"target": {"tampere-uni"}}, "/network?org=lund-uni")
	webtest.Contains(t, "Lund's endorse form", f.Page(t, lund.Client, "/network?org=lund-uni"), `name="networks"`)
	f.PostOK(t, lund.Client, "/network/orgs/lund-uni/endorsements", url.Values{"target": {"tampere-uni"},
		"comment": {"Tampere pioneers open badges."}, "networks": {f.Base + "/actors/badge-finland"}}, "/network?org=lund-uni")
	webtest.Contains(t, "Tampere's feed", f.Page(t, tampere, "/network/networks?org=tampere-uni"), "Lund University endorsed Tampere University",
		"Tampere pioneers open badges.")
}

// TestNetworkProfileInBrowser: Tampere's admin, the moderator of Badge
// Finland, edits its profile on the network's page: a file that is no
// image is refused naming the logo; a PNG logo, a new name, Markdown
// description, countries and website are saved, and the page, the logo
// served from the node and the Group actor show them.
func TestNetworkProfileInBrowser(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	tampere := f.Login(t, "staff@example.org")
	f.PostOK(t, tampere, "/network/orgs/tampere-uni/networks", url.Values{"slug": {"badge-finland"}, "name": {"Badge Finland"},
		"countries": {"FI"}, "policy": {"approval"}}, "/network/networks?org=tampere-uni")
	logo, err := filepath.Abs(webtest.BadgePNG())
	if err != nil {
		t.Fatal(err)
	}
	notImage := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(notImage, []byte("not an image at all"), 0o600); err != nil {
		t.Fatal(err)
	}

	bctx := browser.New(t)
	open := func() {
		browser.Do(t, bctx, chromedp.WaitVisible(chromedp.CSS("#moderation-title")),
			chromedp.Click(chromedp.CSS("#edit-profile summary")),
			chromedp.WaitVisible(chromedp.CSS("#profile-name")))
	}
	browser.Do(t, bctx, browser.Desktop(), chromedp.Navigate(f.Base+"/login?next="+url.QueryEscape("/networks/badge-finland")),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")))
	open()
	browser.Do(t, bctx, chromedp.SetUploadFiles(chromedp.CSS("#profile-logo"), []string{notImage}),
		chromedp.Click(chromedp.CSS(`form[action$="/moderate/profile"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.message")),
	)
	if got := browser.Text(t, bctx, "p.message"); !strings.Contains(got, "logo:") {
		t.Fatalf("a logo that is no image: %q", got)
	}
	browser.Do(t, bctx, chromedp.Navigate(f.Base+"/networks/badge-finland"))
	open()
	browser.Do(t, bctx, chromedp.SetValue(chromedp.CSS("#profile-name"), "Badge Suomi"),
		chromedp.SetValue(chromedp.CSS("#profile-description"), "Avoimet *osaamismerkit* Suomessa."),
		chromedp.SetValue(chromedp.CSS("#profile-countries"), "FI, AX"),
		chromedp.SetValue(chromedp.CSS("#profile-website"), "https://badgefinland.example/"),
		chromedp.SetValue(chromedp.CSS("#profile-policy"), "open"),
		chromedp.SetUploadFiles(chromedp.CSS("#profile-logo"), []string{logo}),
		chromedp.Click(chromedp.CSS(`form[action$="/moderate/profile"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.WaitVisible(chromedp.CSS("#network-logo")),
	)
	browser.Screenshot(t, bctx, "network-profile-desktop")
	if got := browser.Text(t, bctx, ".network-profile"); !strings.Contains(got, "FI, AX") || !strings.Contains(got, "open to any organisation") ||
		!strings.Contains(got, "https://badgefinland.example/") {
		t.Errorf("the profile after saving: %q", got)
	}
	page := f.Page(t, webtest.NoRedirects(nil), "/networks/badge-finland")
	webtest.Contains(t, "the public page", page, "Badge Suomi", "Avoimet <em>osaamismerkit</em> Suomessa.", `id="network-logo"`)

	n, err := issuer.OrganisationBySlug(ctx, f.Pool, "badge-finland")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(n.ImageURL, f.Base+"/networks/badge-finland/logo?v=") {
		t.Fatalf("the network's image: %q", n.ImageURL)
	}
	want, _ := os.ReadFile(webtest.BadgePNG())
	resp, err := http.Get(n.ImageURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || string(body) != string(want) {
		t.Errorf("the logo = %d %s, %d bytes (want %d)", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(want))
	}
	req, _ := http.NewRequest("GET", f.Base+"/actors/badge-finland", nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var actor struct {
		Name string
		Icon struct{ URL string }
	}
	err = json.NewDecoder(resp.Body).Decode(&actor)
	resp.Body.Close()
	if err != nil || actor.Name != "Badge Suomi" || actor.Icon.URL != n.ImageURL {
		t.Errorf("the Group actor: %+v %v", actor, err)
	}
}
