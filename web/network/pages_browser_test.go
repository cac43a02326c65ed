package network_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// devices are the widths the browser tests run at.
var devices = []struct {
	name   string
	action chromedp.Action[chromedp.Void]
}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}}

// login opens a Chromium tab at the device's width, logged in as email,
// on path.
func login(t *testing.T, f *webtest.Fixture, device chromedp.Action[chromedp.Void], email, path, wait string) context.Context {
	t.Helper()
	ctx := browser.New(t)
	browser.Do(t, ctx, device, chromedp.Navigate(f.Base+"/login?next="+url.QueryEscape(path)),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(wait)),
	)
	return ctx
}

// TestBrowserOrganisationLogo: an organisation's admin uploads a logo on
// the settings, sees it there, and the public page shows it, loaded.
func TestBrowserOrganisationLogo(t *testing.T) {
	f := webtest.StartNode(t)
	if err := account.SetMembership(context.Background(), f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	image, err := filepath.Abs(webtest.BadgePNG())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		ctx := login(t, f, d.action, "staff@example.org", "/creator/tampere-uni/settings", "#logo")
		browser.NoHorizontalScroll(t, ctx)
		browser.Do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#logo"), []string{image}),
			chromedp.Click(chromedp.CSS(`form.badge-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("p.notice")), // saved
			chromedp.WaitVisible(chromedp.CSS("img.org-logo")),
			// Loaded, not only in the page: the node serves it.
			chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("img.org-logo"); return i.complete && i.naturalWidth > 0 })()`),
			chromedp.Navigate(f.Base+"/orgs/tampere-uni"), chromedp.WaitVisible(chromedp.CSS("img.profile-image")),
			chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("img.profile-image"); return i.complete && i.naturalWidth > 0 })()`),
		)
		if got := browser.Text(t, ctx, "#follow"); !strings.Contains(got, "@tampere-uni@") {
			t.Errorf("%s: the follow section reads %q", d.name, got)
		}
		browser.NoHorizontalScroll(t, ctx)
		browser.Screenshot(t, ctx, "org-profile-"+d.name)
	}
}

// TestBrowserAnsweringMarksNotificationRead: an endorsement request shows
// as a new notification; accepting it on the requests tab leaves no new
// notification.
func TestBrowserAnsweringMarksNotificationRead(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	f.SecondOrganisation(t)
	for _, d := range devices {
		f.PostOK(t, c, tamperePost+"/requests", url.Values{"target": {"lund-uni"}, "message": {"Please endorse us (" + d.name + ")."}},
			"/network/requests?org=tampere-uni")
		ctx := login(t, f, d.action, "lena@example.org", "/network?org=lund-uni", ".request-links")
		if got := browser.Text(t, ctx, ".request-links"); !strings.Contains(got, "Notifications (1 new)") {
			t.Fatalf("%s: before answering: %q", d.name, got)
		}
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`.network-tabs a[href^="/network/requests"]`)),
			chromedp.WaitVisible(chromedp.CSS("#incoming form button[type=submit]")),
			chromedp.SendKeys(chromedp.CSS("#incoming textarea[name=comment]"), "A fine partner."),
			chromedp.Click(chromedp.CSS("#incoming form button[type=submit]:not(.secondary)")),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		if got := browser.Text(t, ctx, ".request-links"); !strings.Contains(got, "Notifications (0 new)") {
			t.Errorf("%s: after accepting: %q", d.name, got)
		}
		browser.NoHorizontalScroll(t, ctx)
		browser.Screenshot(t, ctx, "notification-read-"+d.name)
	}
}
