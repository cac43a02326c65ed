package passport_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestBrowserFollowBadgeState: on a badge's page a person follows the
// badge, the page then says Following with Unfollow, and unfollowing
// brings Follow back; at desktop and phone widths.
func TestBrowserFollowBadgeState(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	_, assertion := f.IssueTo(t, b, "staff@example.org")
	page := "/badges/" + assertion
	for _, d := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		ctx := browser.New(t)
		browser.Do(t, ctx, d.action, chromedp.Navigate(f.Base+"/login?next="+url.QueryEscape(page)),
			chromedp.SendKeys(chromedp.CSS("#email"), "root@example.org"),
			chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
			chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(`form.follow-badge[action="/passport/follow-badge"] button`)),
			chromedp.Click(chromedp.CSS(`form.follow-badge button`)),
			chromedp.WaitVisible(chromedp.CSS(`form.follow-badge[action="/passport/unfollow-badge"]`)),
		)
		if got := browser.Text(t, ctx, "form.follow-badge"); !strings.Contains(got, "Following") || !strings.Contains(got, "Unfollow") {
			t.Errorf("%s: after following, the form reads %q", d.name, got)
		}
		browser.NoHorizontalScroll(t, ctx)
		browser.Screenshot(t, ctx, "follow-badge-"+d.name)
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`form.follow-badge button`)),
			chromedp.WaitVisible(chromedp.CSS(`form.follow-badge[action="/passport/follow-badge"]`)))
		if got := browser.Text(t, ctx, "form.follow-badge"); !strings.Contains(got, "Follow this badge") {
			t.Errorf("%s: after unfollowing, the form reads %q", d.name, got)
		}
	}
}
