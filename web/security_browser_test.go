package web_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestBrowserUnconfirmedAddressClaimsNothing: on a node with open sign-up,
// someone signs up in a real Chromium with an address that is not theirs
// and tries to add a badge awarded to it, by URL in the form and by JSON
// through the API: both are refused, and nothing is kept. Once the
// address is confirmed through the emailed link (its owner), the same
// badge is added.
func TestBrowserUnconfirmedAddressClaimsNothing(t *testing.T) {
	ctx := context.Background()
	f, smtp := webtest.StartMailingNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{Kind: "none"})
	assertion, _ := f.IssueTo(t, b, "victim@example.org")
	smtp.Wait(t, 1, 20*time.Second) // the claim email, to the address's owner
	if err := account.SetSignupMode(ctx, f.Pool, account.SignupOpen); err != nil {
		t.Fatal(err)
	}

	bc := browser.New(t)
	browser.Do(t, bc, chromedp.Navigate(f.Base+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#email"), "victim@example.org"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Not The Victim"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
		chromedp.Click(chromedp.CSS(`main a[href^="/login"]`)),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "victim@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/me/verify-email"]`)),
		chromedp.Navigate(f.Base+"/passport"),
		chromedp.SendKeys(chromedp.CSS("#url"), assertion),
		chromedp.Click(chromedp.CSS(`form[action="/passport/badges"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.message, p.notice`)),
	)
	msg := browser.Text(t, bc, "p.message")
	if !strings.Contains(msg, "not awarded to you") || !strings.Contains(msg, "once you have confirmed the address") {
		t.Errorf("adding with an unconfirmed address says %q", msg)
	}
	u, err := account.UserByEmail(ctx, f.Pool, "victim@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.EmailVerified {
		t.Fatal("the sign-up confirmed the address by itself")
	}
	api := f.UserAPI(t, u)
	doc := f.Hosted(t, assertion, http.StatusOK)
	if status, out := api("POST", "/api/v1/me/badges", map[string]any{"assertion": doc}); status != http.StatusBadRequest {
		t.Errorf("adding the JSON with an unconfirmed address = %d %v, want 400", status, out)
	}
	if status, out := api("POST", "/api/v1/me/badges", map[string]any{"url": assertion}); status != http.StatusBadRequest {
		t.Errorf("adding the URL by API with an unconfirmed address = %d %v, want 400", status, out)
	}
	var kept int
	if err := f.Pool.QueryRow(ctx, `SELECT count(*) FROM backpack_item WHERE user_id = $1`, u.ID).Scan(&kept); err != nil || kept != 0 {
		t.Fatalf("the backpack keeps %d badges (%v), want none", kept, err)
	}

	// The owner confirms the address; now the badge issued to it before
	// is theirs: it waits in their passport.
	var link string
	for _, m := range smtp.Wait(t, 2, 20*time.Second) {
		if l := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/verify-email/[A-Za-z0-9_-]+`).FindString(m.Text); l != "" {
			link = l
		}
	}
	if link == "" {
		t.Fatal("no confirmation email")
	}
	browser.Do(t, bc, chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`form[action^="/verify-email/"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)),
		chromedp.Navigate(f.Base+"/passport"),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if err := f.Pool.QueryRow(ctx, `SELECT count(*) FROM backpack_item WHERE user_id = $1`, u.ID).Scan(&kept); err != nil || kept != 1 {
		t.Fatalf("after confirming, the backpack keeps %d badges (%v), want the one issued to the address", kept, err)
	}
	if body := browser.Text(t, bc, "main"); !strings.Contains(body, "Robotics") {
		t.Errorf("the passport after confirming does not show the badge:\n%s", body)
	}
}

// TestBrowserLoginStaysOnThisSite logs in through the real form in
// Chromium with next set to the usual open-redirect bypasses, and then,
// logged in, opens /login with each of them: every time the browser ends
// on this node, never on the other host that is waiting for it.
func TestBrowserLoginStaysOnThisSite(t *testing.T) {
	f := webtest.StartNode(t)
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>Elsewhere</title><h1>Elsewhere</h1>"))
	})}
	go func() { _ = elsewhere.Serve(l) }()
	t.Cleanup(func() { _ = elsewhere.Close() })
	evil := l.Addr().String()

	bypasses := []string{
		"/\t/" + evil, "/\n/" + evil, "/\r\n/" + evil, "\t//" + evil, "/\\" + evil, "\\/" + evil,
		"//" + evil, "%2f%2f" + evil, "/%2f%2f" + evil, "https:" + evil, "https://" + evil, "http:/" + evil,
	}
	ctx := browser.New(t)
	origin := func(what string) {
		t.Helper()
		browser.Do(t, ctx, chromedp.WaitVisible(chromedp.CSS("h1")))
		got := browser.Eval[string](t, ctx, `location.origin`)
		if got != f.Base {
			t.Errorf("%s: the browser is at %s, want %s (%q)", what, got, f.Base, browser.Text(t, ctx, "h1"))
		}
	}
	browser.Do(t, ctx,
		chromedp.Navigate(f.Base+"/login?"+url.Values{"next": {bypasses[0]}}.Encode()),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("#password")),
	)
	origin("login form with next=" + strconv.Quote(bypasses[0]))
	for _, next := range bypasses {
		browser.Do(t, ctx, chromedp.Navigate(f.Base+"/login?"+url.Values{"next": {next}}.Encode()))
		origin("logged in, /login?next=" + strconv.Quote(next))
	}
	// A path of this site is still where the login goes.
	browser.Do(t, ctx, chromedp.Navigate(f.Base+"/login?next=%2Fnetwork"))
	if h := browser.Text(t, ctx, "h1"); h != "Network" {
		t.Errorf("next=/network lands on %q", h)
	}
}

// TestBrowserRiverUIUnderItsHeaders: the River UI at /admin/jobs comes
// with a CSP, X-Frame-Options and nosniff, and still works under them in
// a real Chromium: its job list renders, and the page broke no rule of
// the policy.
func TestBrowserRiverUIUnderItsHeaders(t *testing.T) {
	f := webtest.StartNode(t)
	admin := f.Login(t, "root@example.org")
	for _, path := range []string{"/admin/jobs/", "/admin/jobs/api/jobs?state=available"} {
		status, _, h := f.Do(t, admin, "GET", path, nil, nil)
		if status != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d with CSP %q, X-Frame-Options %q, nosniff %q", path, status,
				h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
		}
	}
	ctx := browser.New(t)
	// Every page records the rules of its policy it broke.
	watch := chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__csp = [];
			document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI), true)`})
		return err
	})
	browser.Do(t, ctx, watch,
		chromedp.Navigate(f.Base+"/login?next=%2Fadmin%2Fjobs%2F"),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`a[href*="/admin/jobs/jobs"], nav a[href*="jobs"]`)),
	)
	if n := browser.Eval[int](t, ctx, `performance.getEntriesByType("resource").filter(e => e.name.includes("/admin/jobs/")).length`); n == 0 {
		t.Error("the River UI loaded none of its own assets")
	}
	// Zod, in the UI, probes whether it may compile code (Function(""))
	// and does without when it may not: that refusal is the policy working.
	if broken := browser.Eval[[]string](t, ctx, `window.__csp.filter(v => v !== "script-src eval")`); len(broken) != 0 {
		t.Errorf("the River UI broke its policy: %v", broken)
	}
}
