package reports_test

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestBrowserDashboardAndReports: a staff member issues two badges in the
// issue form; the dashboard counts them at once, and the reports page
// draws them in a chart that fits the screen, on a desktop and a phone.
func TestBrowserDashboardAndReports(t *testing.T) {
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{
		{"desktop", browser.Desktop()},
		{"phone", browser.Phone()},
	} {
		t.Run(device.name, func(t *testing.T) {
			f := webtest.StartNode(t)
			f.IssuerReady(t)
			b := f.CreateBadge(t, "Research Data Management and Open Science Practice", issuer.Expiry{})
			f.CreateBadge(t, "Teamwork", issuer.Expiry{})
			ctx := browser.New(t)
			browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+"/login?next=/issuer/tampere-uni/badges/"+b.UUID),
				chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("form.issue-form #identity")),
			)
			for _, who := range []string{"maria@example.org", "mikko@example.org"} {
				// A fresh form each time, so the notice waited for is this one's.
				browser.Do(t, ctx, chromedp.Navigate(f.Base+"/issuer/tampere-uni/badges/"+b.UUID),
					chromedp.WaitVisible(chromedp.CSS("form.issue-form #identity")),
					chromedp.SendKeys(chromedp.CSS("form.issue-form #identity"), who),
					chromedp.Click(chromedp.CSS("form.issue-form button[type=submit]")),
					chromedp.WaitVisible(chromedp.CSS("p.notice")),
				)
			}

			browser.Do(t, ctx, chromedp.Navigate(f.Base+"/"), chromedp.WaitVisible(chromedp.CSS("#org-tampere-uni")))
			for name, want := range map[string]int{"badges": 2, "issued-this-month": 2, "claimed": 0, "partners": 0} {
				got := browser.Text(t, ctx, `#org-tampere-uni dd[data-count="`+name+`"]`)
				if n, err := strconv.Atoi(got); err != nil || n != want {
					t.Errorf("dashboard %s = %q, want %d", name, got, want)
				}
			}
			if got := browser.Text(t, ctx, "#org-tampere-uni ul.activity li:first-child a"); got != "Issued Research Data Management and Open Science Practice" {
				t.Errorf("latest activity = %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "dashboard-"+device.name)

			browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`#org-tampere-uni a[href="/orgs/tampere-uni/reports"]`)),
				chromedp.WaitVisible(chromedp.CSS("#report-issued svg.chart")))
			// Every chart is drawn, and fits inside the page's width.
			fits := browser.Eval[bool](t, ctx, `[...document.querySelectorAll("svg.chart")].every(s => {
				const r = s.getBoundingClientRect();
				return r.width > 200 && r.height > 100 && r.left >= 0 && r.right <= document.documentElement.clientWidth;
			}) && document.querySelectorAll("svg.chart").length === 4`)
			if !fits {
				t.Error("a chart is missing, too small, or wider than the page")
			}
			bars := browser.Eval[int](t, ctx, `document.querySelectorAll("#report-issued svg.chart g.series rect").length`)
			if bars != 1 {
				t.Errorf("the issued chart draws %d bars, want 1 (two badges of one kind this month)", bars)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "reports-"+device.name)
			// The table of the same numbers, folded under the chart.
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS("#report-issued details summary")),
				chromedp.WaitVisible(chromedp.CSS("#report-issued details table")))
			if got := browser.Text(t, ctx, "#report-issued details tbody tr:last-child td"); got != "2" {
				t.Errorf("this month's row in the table = %q, want 2", got)
			}
			browser.NoHorizontalScroll(t, ctx)
		})
	}
}
