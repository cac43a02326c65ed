package people_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestBrowserInviteAndJoin: an organisation admin invites a person by
// email from the People page on a desktop, cannot demote themself as the
// last admin, and the person opens the mailed link on a phone, makes an
// account and lands in the issuer tools as an issuer; the link then says
// it was used. A person with an account logs in from an invitation's
// page and accepts it.
func TestBrowserInviteAndJoin(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	admin := member(t, f, "olga", account.RoleAdmin)
	ctx := browser.New(t)
	logIn := func(email string) {
		t.Helper()
		browser.Do(t, ctx,
			chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
			chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		)
	}
	browser.Do(t, ctx, browser.Desktop(), chromedp.Navigate(f.Base+"/login"))
	logIn(admin.Email)
	browser.Do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS("nav.menu")),
		chromedp.Navigate(f.Base+"/creator/tampere-uni/settings"),
		chromedp.Click(chromedp.CSS(`a[href="/creator/tampere-uni/people"]`)),
		chromedp.WaitVisible(chromedp.CSS("#members")),
	)
	if got := browser.Text(t, ctx, "#members"); !strings.Contains(got, "Olga") || !strings.Contains(got, "Sara Staff") {
		t.Fatalf("the members table shows %q, want Olga and Sara Staff", got)
	}
	browser.Do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#role-"+admin.Username), "creator"),
		chromedp.Click(chromedp.CSS(`form[action$="/members/`+admin.Username+`/role"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.message[role="alert"]`)),
	)
	if got := browser.Text(t, ctx, "p.message"); !strings.Contains(got, "last admin") {
		t.Fatalf("demoting the last admin shows %q, want it to say why not", got)
	}
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#invite-email"), "nina@example.org"),
		chromedp.SetValue(chromedp.CSS("#invite-role"), "issuer"),
		chromedp.Click(chromedp.CSS(`form[action$="/people/invitations"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#invitations")),
	)
	if got := browser.Text(t, ctx, "#invitations"); !strings.Contains(got, "nina@example.org") || !strings.Contains(got, "open") {
		t.Fatalf("the invitations table shows %q", got)
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "people-desktop")

	m := webtest.WaitForSubject(t, smtp, "Join Tampere University")
	if !strings.Contains(m.Text, "as an issuer") || m.To[0] != "nina@example.org" {
		t.Fatalf("the invitation mail to %v says %q", m.To, m.Text)
	}
	link := linkIn(t, m.Text)
	f.NoLinksInMailJobs(t)

	browser.Do(t, ctx,
		chromedp.Click(chromedp.CSS("form.logout button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		browser.Phone(),
		chromedp.Navigate(f.Base+link),
		chromedp.WaitVisible(chromedp.CSS(`form[action="`+link+`"]`)),
	)
	if got := browser.Text(t, ctx, "main"); !strings.Contains(got, "Olga invites you to join Tampere University as issuer") {
		t.Fatalf("the join page says %q", got)
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "join-phone")
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#name"), "Nina Issuer"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS(`form[action="`+link+`"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if got := browser.Text(t, ctx, "p.notice"); !strings.Contains(got, "you are a member now") {
		t.Fatalf("after joining the notice says %q", got)
	}
	if path := browser.Eval[string](t, ctx, "location.pathname + location.search"); path != "/issuer?org=tampere-uni" {
		t.Fatalf("a new issuer lands on %s, want the issuer tools", path)
	}
	menu := func(path string) int {
		return browser.Eval[int](t, ctx, `document.querySelectorAll('nav.menu a[href="`+path+`"]').length`)
	}
	if menu("/issuer") != 1 || menu("/reports") != 1 || menu("/creator") != 0 || menu("/network") != 0 {
		t.Fatalf("an issuer's menu: issuer %d, reports %d, creator %d, network %d; want the issuer tools and reports only",
			menu("/issuer"), menu("/reports"), menu("/creator"), menu("/network"))
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.Do(t, ctx, chromedp.Navigate(f.Base+link), chromedp.WaitVisible(chromedp.CSS("main")))
	if got := browser.Text(t, ctx, "main"); !strings.Contains(got, "used already") {
		t.Fatalf("the used link shows %q, want it to say it was used", got)
	}
	browser.NoHorizontalScroll(t, ctx)

	// Someone with an account: logs in from the invitation and accepts.
	sam := member(t, f, "sam", "")
	_, token, err := account.InviteMember(context.Background(), f.Pool, f.Org.ID, admin.ID, sam.Email, account.RoleCreator, account.InviteMail{})
	if err != nil {
		t.Fatal(err)
	}
	browser.Do(t, ctx,
		chromedp.Click(chromedp.CSS("form.logout button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		browser.Desktop(),
		chromedp.Navigate(f.Base+"/join/"+token),
		chromedp.Click(chromedp.CSS(`main a[href^="/login"]`)),
	)
	logIn(sam.Email)
	browser.Do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS(`form[action="/join/`+token+`"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/join/`+token+`"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if path := browser.Eval[string](t, ctx, "location.pathname + location.search"); path != "/creator?org=tampere-uni" || menu("/creator") != 1 {
		t.Fatalf("a new creator lands on %s (creator menu %d), want the creator tools", path, menu("/creator"))
	}
}
