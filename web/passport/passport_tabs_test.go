package passport_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestPassportTabs: the passport is in tabs, each a link of its own
// (/passport?tab=…), each showing its part only; forms come back to their
// tab; an unknown tab is a 404 in words.
func TestPassportTabs(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")
	for _, tc := range []struct {
		path, current string
		has, lacks    []string
	}{
		{"/passport", `href="/passport" aria-current="page"`, []string{`id="pending"`, `id="add-title"`}, []string{`id="portability-title"`, `action="/passport/settings"`, `id="ask-title"`}},
		{"/passport?tab=badges", `href="/passport" aria-current="page"`, []string{`id="pending"`}, []string{`id="portability-title"`}},
		{"/passport?tab=endorsements", `href="/passport?tab=endorsements" aria-current="page"`, []string{`id="given-title"`}, []string{`id="pending"`, `id="ask-title"`}},
		{"/passport?tab=requests", `href="/passport?tab=requests" aria-current="page"`, []string{`id="ask-title"`}, []string{`id="given-title"`, `id="pending"`}},
		{"/passport?tab=import", `href="/passport?tab=import" aria-current="page"`, []string{`id="portability-title"`, `href="/passport/export"`, `action="/passport/import"`}, []string{`id="pending"`, `action="/passport/settings"`}},
		{"/passport?tab=settings", `href="/passport?tab=settings" aria-current="page"`, []string{`action="/passport/settings"`, `href="/passport/stream#digest-title"`}, []string{`id="pending"`, `id="portability-title"`}},
	} {
		body := f.Page(t, staff, tc.path)
		webtest.Contains(t, tc.path, body, append([]string{tc.current, `<nav class="tabs passport-tabs"`}, tc.has...)...)
		webtest.Lacks(t, tc.path, body, tc.lacks...)
		if strings.Count(body, `aria-current="page"`) != 2 { // the menu's Passport and the tab
			t.Errorf("%s marks %d links current, want the menu's and one tab", tc.path, strings.Count(body, `aria-current="page"`))
		}
	}
	status, body, _ := f.Do(t, staff, "GET", "/passport?tab=passwords", nil, nil)
	if status != http.StatusNotFound || !strings.Contains(body, "The passport has no such tab") {
		t.Errorf("an unknown tab = %d:\n%s", status, body)
	}
	f.PostOK(t, staff, "/passport/settings", url.Values{"announce_badges": {"on"}}, "/passport?tab=settings")
	webtest.Contains(t, "the settings tab after saving", f.Page(t, staff, "/passport?tab=settings"), "announced to your followers")
}

// TestBrowserPassportTabsWithoutScript: with JavaScript off, at desktop
// and phone widths, a person goes through the passport's tabs by their
// links; none scrolls sideways.
func TestBrowserPassportTabsWithoutScript(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics and Long-Named Automation Engineering Badge", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	for _, size := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		bctx := browser.New(t)
		browser.Do(t, bctx, size.action, browser.NoScript(), chromedp.Navigate(f.Base+"/login?next=/passport"),
			chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
			chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
			chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#pending")),
		)
		browser.NoHorizontalScroll(t, bctx)
		for _, tab := range []struct{ link, shows string }{
			{"/passport?tab=endorsements", "#given-title"},
			{"/passport?tab=requests", "#ask-title"},
			{"/passport?tab=import", "#portability-title"},
			{"/passport?tab=settings", "#settings-title"},
			{"/passport", "#pending"},
		} {
			browser.Do(t, bctx, chromedp.Click(chromedp.CSS(`.passport-tabs a[href="`+tab.link+`"]`)), chromedp.WaitVisible(chromedp.CSS(tab.shows)))
			if got := browser.Text(t, bctx, `.passport-tabs a[aria-current="page"]`); got == "" {
				t.Errorf("%s %s: no tab marked current", size.name, tab.link)
			}
			browser.NoHorizontalScroll(t, bctx)
		}
		browser.Screenshot(t, bctx, "passport-tabs-"+size.name)
	}
}
