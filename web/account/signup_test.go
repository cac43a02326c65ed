package account_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestSignUp goes through the three sign-up modes on a node that mails
// through a real SMTP server: closed refuses, invitation needs an admin's
// single-use link, open takes anyone; the emailed link confirms the
// address once, and the banner that asks for it goes.
func TestSignUp(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	ctx := context.Background()
	admin := f.Login(t, "root@example.org")
	form := func(email, invitation string) url.Values {
		return url.Values{"email": {email}, "name": {"Eva Earner"}, "password": {"a long password"}, "invitation": {invitation}}
	}

	// Closed, the default.
	anon := webtest.Visitor()
	body := f.Page(t, anon, "/signup")
	webtest.Contains(t, "closed sign-up page", body, "Sign-up is closed on this node")
	if strings.Contains(body, `action="/signup"`) {
		t.Error("a closed node shows the sign-up form")
	}
	if status, body, _ := f.Post(t, anon, "/signup", form("eva@example.org", "")); status != http.StatusForbidden ||
		!strings.Contains(body, "sign-up is closed") {
		t.Fatalf("sign-up on a closed node = %d:\n%s", status, body)
	}
	if body := f.Page(t, anon, "/login"); strings.Contains(body, `href="/signup"`) {
		t.Error("the login page of a closed node offers sign-up")
	}

	// Only node admins choose the mode.
	staff := f.Login(t, "staff@example.org")
	if status, _, _ := f.Post(t, staff, "/admin/signup", url.Values{"mode": {"open"}}); status != http.StatusForbidden {
		t.Fatalf("staff set the sign-up mode: %d", status)
	}
	f.PostOK(t, admin, "/admin/signup", url.Values{"mode": {"invitation"}}, "/admin#signup")
	if status, _, _ := f.Post(t, admin, "/admin/signup", url.Values{"mode": {"sometimes"}}); status != http.StatusBadRequest {
		t.Fatalf("mode sometimes = %d", status)
	}
	webtest.Contains(t, "login page by invitation", f.Page(t, anon, "/login"), `href="/signup"`)

	// An invitation link, shown once.
	f.PostOK(t, admin, "/admin/invitations", url.Values{"note": {"Eva from the robotics course"}}, "/admin#signup")
	body = f.Page(t, admin, "/admin")
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/signup\?invitation=([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no invitation link on the admin page:\n%s", body)
	}
	webtest.Contains(t, "admin page", body, "Eva from the robotics course", `value="invitation" checked`, "open")
	if strings.Contains(f.Page(t, admin, "/admin"), link[0]) {
		t.Error("the invitation link is shown twice")
	}
	token := link[1]

	body = f.Page(t, anon, strings.TrimPrefix(link[0], f.Base))
	webtest.Contains(t, "invited sign-up form", body, `name="invitation"`, `value="`+token+`"`)
	status, body, _ := f.Post(t, anon, "/signup", form("eva@example.org", ""))
	if status != http.StatusBadRequest || !regexp.MustCompile(`name="invitation"[^>]*aria-invalid="true"`).MatchString(body) ||
		!strings.Contains(body, `value="eva@example.org"`) || !strings.Contains(body, "Invitation: ") {
		t.Fatalf("sign-up without the invitation = %d:\n%s", status, body)
	}
	status, body, _ = f.Post(t, anon, "/signup", form("eva@example.org", token))
	if status != http.StatusOK || !strings.Contains(body, "Check your email") || !strings.Contains(body, "eva@example.org") {
		t.Fatalf("sign-up = %d:\n%s", status, body)
	}
	// Not logged in by the sign-up (that would tell a new address from a
	// known one); the password logs in at once, asked to confirm the address.
	if status, _, _ := f.Do(t, anon, "GET", "/me/profile", nil, nil); status != http.StatusSeeOther {
		t.Fatalf("the profile right after sign-up = %d, want a redirect to log in", status)
	}
	f.PostOK(t, anon, "/login", url.Values{"email": {"eva@example.org"}, "password": {"a long password"}, "next": {"/me/profile?welcome=1"}}, "/me/profile?welcome=1")
	body = f.Page(t, anon, "/me/profile?welcome=1")
	webtest.Contains(t, "profile after sign-up", body, "Welcome!", "<code>@eva@", "Confirm your email", `action="/me/verify-email"`)
	if status, body, _ := f.Post(t, anon, "/me/verify-email", nil); status != http.StatusConflict || !strings.Contains(body, "a moment ago") {
		t.Fatalf("asking for another link at once = %d:\n%s", status, body)
	}
	if status, _, _ := f.Post(t, webtest.Visitor(), "/signup", form("eve@example.org", token)); status != http.StatusBadRequest {
		t.Fatalf("a used invitation = %d", status)
	}
	webtest.Contains(t, "admin page after the sign-up", f.Page(t, admin, "/admin"), `used by <a href="/people/eva">eva</a>`)

	// The email, through the SMTP server; its link confirms once.
	m := smtp.Wait(t, 1, 20*time.Second)[0]
	f.NoLinksInMailJobs(t)
	if len(m.To) != 1 || m.To[0] != "eva@example.org" || !strings.Contains(m.Text, "Hello Eva Earner") {
		t.Fatalf("message to %v, subject %q:\n%s", m.To, m.Subject, m.Text)
	}
	verify := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/verify-email/[A-Za-z0-9_-]+`).FindString(m.Text)
	if verify == "" {
		t.Fatalf("no verification link in:\n%s", m.Text)
	}
	path := strings.TrimPrefix(verify, f.Base)
	webtest.Contains(t, "confirmation page", f.Page(t, webtest.Visitor(), path), "eva@example.org", "Confirm my address")
	if u, _ := account.UserByEmail(ctx, f.Pool, "eva@example.org"); u.EmailVerified {
		t.Fatal("opening the link confirmed the address: mail scanners open links too")
	}
	status, body, _ = f.Post(t, webtest.Visitor(), path, nil)
	if status != http.StatusOK || !strings.Contains(body, "is confirmed") {
		t.Fatalf("confirm = %d:\n%s", status, body)
	}
	for _, method := range []string{"GET", "POST"} {
		if status, _, _ := f.Do(t, webtest.Visitor(), method, path, nil, webtest.FormPost); status != http.StatusNotFound {
			t.Errorf("%s of a used link = %d, want 404", method, status)
		}
	}
	if strings.Contains(f.Page(t, anon, "/"), "Confirm your email") {
		t.Error("the banner stays after confirmation")
	}
	if u, err := account.UserByEmail(ctx, f.Pool, "eva@example.org"); err != nil || !u.EmailVerified || u.Name != "Eva Earner" {
		t.Fatalf("eva = %+v, %v", u, err)
	}

	// Open: anyone, once per address.
	f.PostOK(t, admin, "/admin/signup", url.Values{"mode": {"open"}}, "/admin#signup")
	body = f.Page(t, webtest.Visitor(), "/signup")
	if strings.Contains(body, `name="invitation"`) {
		t.Error("open sign-up asks for an invitation")
	}
	_, first, _ := f.Post(t, webtest.Visitor(), "/signup", form("otto@example.org", ""))
	status, again, _ := f.Post(t, webtest.Visitor(), "/signup", form("otto@example.org", ""))
	if status != http.StatusOK || again != first || !strings.Contains(again, "Check your email") {
		t.Fatalf("the same address again = %d, a different answer from a new address's:\n%s\n---\n%s", status, again, first)
	}
	if status, body, _ := f.Post(t, webtest.Visitor(), "/signup", url.Values{"email": {"ann@example.org"}, "password": {"short"}}); status != http.StatusBadRequest ||
		!regexp.MustCompile(`name="password"[^>]*aria-invalid="true"`).MatchString(body) {
		t.Fatalf("a short password = %d:\n%s", status, body)
	}
	// Otto is told of the second sign-up instead.
	var notice bool
	for _, m := range smtp.Wait(t, 3, 20*time.Second) {
		notice = notice || m.To[0] == "otto@example.org" && strings.Contains(m.Subject, "Sign-up with your address") &&
			strings.Contains(m.Text, "has an account there already") && !strings.Contains(m.Text, "/verify-email/")
	}
	if !notice {
		t.Error("the owner of the address was not told of the second sign-up")
	}
	if _, err := account.UserByEmail(ctx, f.Pool, "ann@example.org"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("a refused sign-up made a user: %v", err)
	}
}

// TestSignUpRateLimit: sign-ups from one address are limited, like
// logins.
func TestSignUpRateLimit(t *testing.T) {
	f := webtest.StartNode(t)
	c := webtest.Visitor()
	for i := range 12 {
		status, body, _ := f.Post(t, c, "/signup", url.Values{"email": {"nobody"}})
		if status == http.StatusTooManyRequests {
			if i < 10 || !strings.Contains(body, "Too many sign-ups") {
				t.Fatalf("limited after %d sign-ups:\n%s", i, body)
			}
			return
		}
	}
	t.Fatal("12 sign-ups in a row from one address were not limited")
}

// TestBrowserSignUpOnPhone signs up, fills in the profile and looks at
// the public page in a real Chromium on a phone, then a node admin makes
// an invitation link there: no page scrolls sideways.
func TestBrowserSignUpOnPhone(t *testing.T) {
	f := webtest.StartNode(t)
	if err := account.SetSignupMode(context.Background(), f.Pool, account.SignupOpen); err != nil {
		t.Fatal(err)
	}
	ctx := browser.New(t)
	browser.Do(t, ctx, browser.Phone(), chromedp.Navigate(f.Base+"/login"),
		chromedp.Click(chromedp.CSS(`a[href="/signup"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)),
	)
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "signup")
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#email"), "eva.earner@example.org"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Eva Earner"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	)
	browser.NoHorizontalScroll(t, ctx)
	browser.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`main a[href^="/login"]`)),
		chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "eva.earner@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/me/profile"]`)),
	)
	if got := browser.Text(t, ctx, `form[action="/me/verify-email"]`); !strings.Contains(got, "Confirm your email") {
		t.Errorf("the banner says %q", got)
	}
	browser.Do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#bio"), "Learning robotics."),
		chromedp.SendKeys(chromedp.CSS("#link-label-0"), "Portfolio"),
		chromedp.SendKeys(chromedp.CSS("#link-url-0"), "https://portfolio.example/eva-earner-with-a-rather-long-address"),
	)
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "profile-form")
	browser.Do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/me/profile"] > button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#saved")),
		chromedp.Navigate(f.Base+"/people/eva-earner"),
		chromedp.WaitVisible(chromedp.CSS("p.description")),
	)
	if got := browser.Text(t, ctx, "main"); !strings.Contains(got, "Learning robotics.") || !strings.Contains(got, "Portfolio") {
		t.Errorf("the public page shows %q", got)
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "person-page")

	browser.Do(t, ctx,
		chromedp.Click(chromedp.CSS("form.logout button")),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.Navigate(f.Base+"/login?next=/admin"),
		chromedp.SendKeys(chromedp.CSS("#email"), "root@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/invitations"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/invitations"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[aria-label="Invitation link"]`)),
	)
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "admin")
}
