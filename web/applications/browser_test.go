package applications_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestBrowserApplyForm fills in and sends the public form, with a file, in
// a real Chromium on a desktop and on a phone: no horizontal scroll, the
// browser's own checks first (a required box left unticked stops it), then
// the server's answer. The creator's editor, list and form pages fit
// the phone too.
func TestBrowserApplyForm(t *testing.T) {
	f := webtest.StartNode(t)
	s := newSetup(t, f, allKinds, nil)
	photo, err := filepath.Abs(webtest.BadgePNG())
	if err != nil {
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
			browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+"/apply/"+s.token),
				chromedp.WaitVisible(chromedp.CSS("form#apply")),
				chromedp.SendKeys(chromedp.CSS("#email"), device.name+"@example.org"),
				chromedp.SendKeys(chromedp.CSS("#name"), "Ada "+device.name),
				chromedp.SendKeys(chromedp.CSS("#q-what"), "A robot that follows a line"),
				chromedp.SendKeys(chromedp.CSS("#q-story"), "It took three tries."),
				chromedp.SendKeys(chromedp.CSS("#q-portfolio"), "https://ada.example/robot"),
				chromedp.SetUploadFiles(chromedp.CSS("#q-evidence"), []string{photo}),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "apply-form-"+device.name)
			// The required box is not ticked: the browser does not send.
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS("form#apply button[type=submit]")))
			if valid := browser.Eval[bool](t, ctx, `document.querySelector("#q-agree").checkValidity()`); valid {
				t.Fatal("an unticked required box passes the browser's check")
			}
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("#q-agree")),
				chromedp.Click(chromedp.CSS("form#apply button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#sent")),
			)
			if got := browser.Text(t, ctx, "#sent"); !strings.Contains(got, device.name+"@example.org") {
				t.Fatalf("after sending: %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			// The creator's pages fit too.
			browser.Do(t, ctx, chromedp.Navigate(f.Base+"/login?next=/creator/tampere-uni/form-templates/new"),
				chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#template-form")),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "template-editor-"+device.name)
			for _, path := range []string{"/creator/tampere-uni/applications", "/creator/tampere-uni/application-forms/" + s.formUUID()} {
				browser.Do(t, ctx, chromedp.Navigate(f.Base+path), chromedp.WaitVisible(chromedp.CSS("footer")))
				browser.NoHorizontalScroll(t, ctx)
			}
			browser.Screenshot(t, ctx, "form-page-"+device.name)
			var n int
			if err := f.Pool.QueryRow(ctx, `SELECT count(*) FROM application a JOIN application_file f ON f.application_id = a.id
				WHERE a.email = $1 AND f.name = 'robotics-badge.png' AND f.content_type = 'image/png'`, device.name+"@example.org").Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d applications with the photo stored (%v)", n, err)
			}
		})
	}
}
