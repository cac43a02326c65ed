package passport_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// earnedPublicBadge issues a badge with a narrative and evidence to the
// staff member, who accepts it into the passport; it returns the issuer's
// page of it, the passport item's public page and the assertion's id.
func earnedPublicBadge(t *testing.T, f *webtest.Fixture, staff *http.Client) (issuerPage, public, assertion string, expires time.Time) {
	t.Helper()
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{Kind: "duration", Amount: 1, Unit: "years"})
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions", map[string]any{
		"recipient": map[string]string{"type": "email", "identity": "staff@example.org"},
		"narrative": "Led the *robot team* to the final.",
		"evidence":  []map[string]string{{"id": "https://example.org/portfolio/sara", "narrative": "The **log book** of the team."}},
	}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue = %d %v", status, out)
	}
	assertion = out["id"].(string)
	a, err := issuer.AssertionByUUID(context.Background(), f.Pool, out["uuid"].(string))
	if err != nil || a.Expires == nil {
		t.Fatalf("the assertion = %+v, %v", a, err)
	}
	body := f.Page(t, staff, "/passport")
	id := webtest.UUIDIn(t, body, "/accept")
	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	return "/badges/" + out["uuid"].(string), "/u/staff/badges/" + id, assertion, *a.Expires
}

// TestEarnedBadgeOnePage: an earned badge has one public page. While its
// earner keeps it private, the issuer's page stays (without the earner)
// and the passport page is not found; once public, the issuer's address
// redirects there (308, revalidated), and the page shows the narrative
// and evidence, the tags, the downloads, "Add to LinkedIn profile" with
// LinkedIn's parameters, the link to copy and an embed snippet. Private
// again, the old address stops redirecting and the page is gone.
func TestEarnedBadgeOnePage(t *testing.T) {
	f := webtest.StartNode(t)
	staff := f.Login(t, "staff@example.org")
	issuerPage, public, assertion, expires := earnedPublicBadge(t, f, staff)
	itemID := public[strings.LastIndex(public, "/")+1:]
	anonymous := webtest.NoRedirects(nil)

	status, body, _ := f.Do(t, anonymous, "GET", issuerPage, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("the issuer's page of a privately kept badge = %d", status)
	}
	webtest.Contains(t, "issuer's page", body, "Led the <em>robot team</em> to the final.", "Add to LinkedIn profile",
		`value="`+f.Base+issuerPage+`"`)
	webtest.Lacks(t, "issuer's page", body, "Sara Staff", "/u/staff/")
	if status, _, _ := f.Do(t, anonymous, "GET", public, nil, nil); status != http.StatusNotFound {
		t.Fatalf("a private badge's page = %d, want 404", status)
	}

	f.PostOK(t, staff, "/passport/badges/"+itemID+"/visibility", url.Values{"visibility": {"public"}}, "/passport")
	status, _, hdr := f.Do(t, anonymous, "GET", issuerPage, nil, nil)
	if status != http.StatusPermanentRedirect || hdr.Get("Location") != public || hdr.Get("Cache-Control") != "no-cache" {
		t.Fatalf("the issuer's page of a public badge = %d to %q (Cache-Control %q), want 308 to %s", status, hdr.Get("Location"), hdr.Get("Cache-Control"), public)
	}
	body = f.Page(t, webtest.Visitor(), public)
	webtest.Contains(t, "the one page", body, "<h1>Team Player</h1>", "Earned by", "Sara Staff",
		`id="narrative"><p>Led the <em>robot team</em> to the final.</p>`, "The <strong>log book</strong> of the team.",
		`href="https://example.org/portfolio/sara"`, `<li>testing</li>`,
		`id="download" href="`+f.Base+`/ob/assertions/`, `/image" download>Download badge (PNG)</a>`,
		`id="credential-download" href="`+public+`/credential"`,
		`action="/verify"><input type="hidden" name="url" value="`+assertion+`">`,
		`id="share-link" type="url" readonly value="`+f.Base+public+`"`,
		`&lt;a href=&#34;`+f.Base+public+`&#34;&gt;&lt;img src=&#34;`)

	link := between(t, body, `id="linkedin" href="`, `"`)
	u, err := url.Parse(html.UnescapeString(link))
	if err != nil || u.Scheme != "https" || u.Host != "www.linkedin.com" || u.Path != "/profile/add" {
		t.Fatalf("the LinkedIn link is %q", link)
	}
	t.Logf("LinkedIn: %s", link)
	now := time.Now().UTC()
	q := u.Query()
	for param, want := range map[string]string{
		"startTask": "CERTIFICATION_NAME", "name": "Team Player", "organizationName": "Tampere University",
		"issueYear": strconv.Itoa(now.Year()), "issueMonth": strconv.Itoa(int(now.Month())),
		"expirationYear": strconv.Itoa(expires.UTC().Year()), "expirationMonth": strconv.Itoa(int(expires.UTC().Month())),
		"certUrl": f.Base + public, "certId": assertion,
	} {
		if got := q.Get(param); got != want {
			t.Errorf("LinkedIn's %s = %q, want %q", param, got, want)
		}
	}

	f.PostOK(t, staff, "/passport/badges/"+itemID+"/visibility", url.Values{"visibility": {"private"}}, "/passport")
	if status, _, _ := f.Do(t, anonymous, "GET", issuerPage, nil, nil); status != http.StatusOK {
		t.Errorf("the issuer's page once the badge is private again = %d, want 200 (no redirect)", status)
	}
	if status, _, _ := f.Do(t, anonymous, "GET", public, nil, nil); status != http.StatusNotFound {
		t.Errorf("the private badge's page = %d, want 404", status)
	}
}

// between is the text of s between the first before and the next after.
func between(t *testing.T, s, before, after string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, before)
	if !ok {
		t.Fatalf("the page lacks %q", before)
	}
	v, _, _ := strings.Cut(rest, after)
	return v
}

// TestBrowserEarnedBadgePage opens the public page of an earned badge in a
// real Chromium, on a desktop and on a phone: the narrative, the LinkedIn
// link and the embed snippet show, nothing scrolls sideways, and printed
// the page has no menu and no forms.
func TestBrowserEarnedBadgePage(t *testing.T) {
	f := webtest.StartNode(t)
	staff := f.Login(t, "staff@example.org")
	_, public, _, _ := earnedPublicBadge(t, f, staff)
	f.PostOK(t, staff, "/passport/badges/"+public[strings.LastIndex(public, "/")+1:]+"/visibility", url.Values{"visibility": {"public"}}, "/passport")
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		t.Run(device.name, func(t *testing.T) {
			ctx := browser.New(t)
			browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+public), chromedp.WaitVisible(chromedp.CSS("#linkedin")))
			if got := browser.Text(t, ctx, "#narrative"); got != "Led the robot team to the final." {
				t.Errorf("the narrative reads %q", got)
			}
			if got := browser.Eval[string](t, ctx, `new URL(document.querySelector("#linkedin").href).searchParams.get("certUrl")`); got != f.Base+public {
				t.Errorf("LinkedIn's certUrl = %q", got)
			}
			if got := browser.Eval[string](t, ctx, `document.querySelector("#embed").value`); !strings.HasPrefix(got, `<a href="`+f.Base+public+`"><img src="`) {
				t.Errorf("the embed snippet is %q", got)
			}
			if !browser.Eval[bool](t, ctx, `!document.querySelector("[data-copy]").hidden`) {
				t.Errorf("the copy button stays hidden with JavaScript on")
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "earned-"+device.name)
			browser.Do(t, ctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
				_, err := cdp.Call(ctx, tgt, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
				return err
			}))
			for _, sel := range []string{"nav.menu", "header.top", "#share", "#check-badge"} {
				if shown := browser.Eval[bool](t, ctx, `(() => { const e = document.querySelector("`+sel+`"); return !!e && getComputedStyle(e).display !== "none" && e.offsetParent !== null })()`); shown {
					t.Errorf("printed, the page shows %s", sel)
				}
			}
			if shown := browser.Eval[bool](t, ctx, `getComputedStyle(document.querySelector(".earned")).display !== "none"`); !shown {
				t.Errorf("printed, the page hides the badge")
			}
			browser.Screenshot(t, ctx, "earned-print-"+device.name)
		})
	}
}
