package web_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestBrowserLoginMenuLogout logs in as a person would, in a real Chromium,
// on a desktop and on a phone, sees the product's menu, and logs out.
func TestBrowserLoginMenuLogout(t *testing.T) {
	f := webtest.StartNode(t)
	if _, err := account.CreateUser(context.Background(), f.Pool, account.NewUser{Email: "earner@example.org", Password: webtest.Password}); err != nil {
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
			ctx := browser.New(t)
			browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+"/network"))
			if h := browser.Text(t, ctx, "h1"); h != "Log in" {
				t.Fatalf("anonymous visit shows %q, want the login page", h)
			}
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#email"), "root@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("nav.menu")),
			)
			// Back where the visitor wanted to go.
			if h := browser.Text(t, ctx, "h1"); h != "Network" {
				t.Fatalf("after login the page is %q, want Network", h)
			}
			menu := browser.Text(t, ctx, "nav.menu")
			for _, item := range []string{"Dashboard", "Issuer tools", "Creator tools", "Network", "Admin tools", "Reports", "Help"} {
				if !strings.Contains(menu, item) {
					t.Errorf("menu %q lacks %q", menu, item)
				}
			}
			if cur := browser.Text(t, ctx, `nav.menu a[aria-current="page"]`); cur != "Network" {
				t.Errorf("current menu entry is %q, want Network", cur)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "menu-"+device.name)

			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("form.logout button")),
				chromedp.WaitVisible(chromedp.CSS("#password")),
			)
			if h := browser.Text(t, ctx, "h1"); h != "Log in" {
				t.Fatalf("after logout the page is %q, want the login page", h)
			}

			// A public page offers to log in; an earner, in no
			// organisation, sees only what is theirs.
			browser.Do(t, ctx, chromedp.Navigate(f.Base+"/help"), chromedp.WaitVisible(chromedp.CSS("a.login-link")))
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS("a.login-link")), chromedp.WaitVisible(chromedp.CSS("#password")),
				chromedp.SendKeys(chromedp.CSS("#email"), "earner@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("nav.menu")),
			)
			var items []string
			for _, l := range strings.Split(browser.Text(t, ctx, "nav.menu"), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					items = append(items, l)
				}
			}
			if want := []string{"Dashboard", "Passport", "Profile", "Help"}; !slices.Equal(items, want) {
				t.Errorf("an earner's menu is %q, want %q", items, want)
			}
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS("form.logout button")), chromedp.WaitVisible(chromedp.CSS("#password")))
		})
	}
}
