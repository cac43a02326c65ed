package openbadges_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// issueEndorsed issues the endorsed badge to eva@example.org, returning
// the assertion's id and uuid.
func issueEndorsed(t *testing.T, f *webtest.Fixture, b issuer.BadgeClass) (string, string) {
	t.Helper()
	return f.IssueTo(t, b, "eva@example.org")
}

// TestCheckThisBadgeReadsAsAVerdict: the result of a check starts with the
// verdict, then the badge as a person reads it (image, name, issuer
// linking to its page, earner, dates, endorsements with dates and
// comments), with the list of checks folded below; for a revoked badge of
// this node the verdict says when it was revoked, and the checks unfold.
func TestCheckThisBadgeReadsAsAVerdict(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b, _ := endorsedBadge(t, f)
	id, uuid := issueEndorsed(t, f, b)
	today := time.Now().UTC().Format("02/01/2006")
	check := func(fields url.Values) string {
		t.Helper()
		status, page, _ := f.Post(t, webtest.Visitor(), "/verify", fields)
		if status != 200 {
			t.Fatalf("check %v = %d:\n%s", fields, status, page)
		}
		return page
	}
	inOrder := func(what, page string, parts ...string) {
		t.Helper()
		at := 0
		for _, p := range parts {
			i := strings.Index(page[at:], p)
			if i < 0 {
				t.Fatalf("%s lacks %q after what came before:\n%s", what, p, page)
			}
			at += i + len(p)
		}
	}

	page := check(url.Values{"url": {id}})
	inOrder("the result of a valid badge", page, `id="verdict">Valid`, `src="`+f.Base+`/ob/badges/`+b.UUID+`/image"`,
		`<h2 id="checked-name">Team Player</h2>`, `id="checked-issuer"><a href="/orgs/tampere-uni" rel="nofollow noopener">Tampere University</a>`,
		`id="checked-earner">Hashed (give the earner&#39;s email to check it)`, today, "This badge is endorsed by:",
		`<strong>Lund University</strong></a> – <time`, today, "We issue it too &amp; trust it.",
		`<details class="checks-detail" id="checks">`, "<summary>The checks (", "✓", `<form class="card verify-form"`)
	page = check(url.Values{"url": {id}, "email": {"eva@example.org"}})
	webtest.Contains(t, "the result with the earner's email", page, `id="checked-earner">eva@example.org (checked)`)

	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+uuid+"/revoke", map[string]any{"revocationReason": "Issued by mistake"}, "")
	if status != 200 {
		t.Fatalf("revoke = %d %v", status, out)
	}
	page = check(url.Values{"url": {id}})
	inOrder("the result of a revoked badge", page, `id="verdict">Not valid: revoked on `+today+` (Issued by mistake).`,
		`<h2 id="checked-name">Team Player</h2>`, `<details class="checks-detail" id="checks" open>`, "✗")
}

// TestBrowserCheckThisBadge: on the badge's page, in a real Chromium on a
// desktop and a phone, "Check this badge" lands at once on the result,
// whose verdict comes first: Valid for a badge, "Not valid: revoked on
// …" once it is revoked; nothing scrolls sideways.
func TestBrowserCheckThisBadge(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b, _ := endorsedBadge(t, f)
	_, valid := issueEndorsed(t, f, b)
	_, revoked := issueEndorsed(t, f, b)
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+revoked+"/revoke", map[string]any{"revocationReason": "Issued by mistake"}, ""); status != 200 {
		t.Fatalf("revoke = %d %v", status, out)
	}
	today := time.Now().UTC().Format("02/01/2006")
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		t.Run(device.name, func(t *testing.T) {
			for _, tc := range []struct{ name, uuid, verdict string }{
				{"valid", valid, "Valid: this badge checks out (hosted verification)."},
				{"revoked", revoked, "Not valid: revoked on " + today + " (Issued by mistake)."},
			} {
				ctx := browser.New(t)
				browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+"/badges/"+tc.uuid),
					chromedp.Click(chromedp.CSS("#check-badge")), chromedp.WaitVisible(chromedp.CSS("#verdict")))
				if got := browser.Text(t, ctx, "#verdict"); got != tc.verdict {
					t.Errorf("%s: the verdict reads %q, want %q", tc.name, got, tc.verdict)
				}
				if got := browser.Text(t, ctx, "#checked-name"); got != "Team Player" {
					t.Errorf("%s: the checked badge is %q", tc.name, got)
				}
				if !browser.Eval[bool](t, ctx, `document.querySelector("#verdict").getBoundingClientRect().top < document.querySelector("#checks").getBoundingClientRect().top`) {
					t.Errorf("%s: the verdict is not above the checks", tc.name)
				}
				open := browser.Eval[bool](t, ctx, `document.querySelector("#checks").open`)
				if open != (tc.name == "revoked") {
					t.Errorf("%s: the checks are open = %v", tc.name, open)
				}
				browser.NoHorizontalScroll(t, ctx)
				browser.Screenshot(t, ctx, "verify-"+tc.name+"-"+device.name)
			}
		})
	}
}
