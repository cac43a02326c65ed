package creator_test

import (
	"context"
	"net/http"
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

var devices = []struct {
	name    string
	emulate chromedp.Action[chromedp.Void]
}{
	{"desktop", browser.Desktop()},
	{"phone", browser.Phone()},
}

// login signs the staff member in, in the browser, and opens next.
func login(t *testing.T, ctx context.Context, f *webtest.Fixture, emulate chromedp.Action[chromedp.Void], next, ready string) {
	t.Helper()
	browser.Do(t, ctx, emulate, chromedp.Navigate(f.Base+"/login?next="+next),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(ready)),
	)
}

// TestBrowserMilestoneProgress: a creator makes a milestone of three badges
// in the form; with two of them issued to them, the passport says 2 of 3
// and names the one missing.
func TestBrowserMilestoneProgress(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	for _, device := range devices {
		t.Run(device.name, func(t *testing.T) {
			a := f.CreateBadge(t, "Arduino "+device.name, issuer.Expiry{})
			b := f.CreateBadge(t, "Breadboard "+device.name, issuer.Expiry{})
			c := f.CreateBadge(t, "Circuits "+device.name, issuer.Expiry{})
			m := f.CreateBadge(t, "Maker "+device.name, issuer.Expiry{})
			ctx := browser.New(t)
			login(t, ctx, f, device.emulate, "/creator", "nav.creator-tools")
			browser.NoHorizontalScroll(t, ctx)
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS(`nav.creator-tools a[href="/creator/tampere-uni/milestones"]`)),
				chromedp.WaitVisible(chromedp.CSS("#new-milestone")),
				chromedp.Click(chromedp.CSS("#new-milestone")),
				chromedp.WaitVisible(chromedp.CSS("form.badge-form")),
				chromedp.SetValue(chromedp.CSS("#badge"), m.UUID),
				chromedp.Click(chromedp.CSS(`input[name=requirement][value="`+a.UUID+`"]`)),
				chromedp.Click(chromedp.CSS(`input[name=requirement][value="`+b.UUID+`"]`)),
				chromedp.Click(chromedp.CSS(`input[name=requirement][value="`+c.UUID+`"]`)),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "milestone-form-"+device.name)
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("form.badge-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#milestones")),
			)
			if got := browser.Text(t, ctx, "#milestones"); !strings.Contains(got, m.Name) || !strings.Contains(got, c.Name) {
				t.Fatalf("milestones list is %q", got)
			}
			f.IssueTo(t, a, "staff@example.org")
			f.IssueTo(t, b, "staff@example.org")
			browser.Do(t, ctx, chromedp.Navigate(f.Base+"/passport"), chromedp.WaitVisible(chromedp.CSS("#milestone-progress")))
			got := browser.Text(t, ctx, "#milestone-progress")
			for _, want := range []string{m.Name, "2 of 3", "Still missing:", c.Name} {
				if !strings.Contains(got, want) {
					t.Errorf("passport's milestones lack %q: %q", want, got)
				}
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "passport-milestones-"+device.name)
		})
	}
}

// TestBrowserDesignedImageInBadge: a badge image designed in the designer
// (the preview following the form), saved to the library, picked in the
// badge editor; the issued badge's page shows that image.
func TestBrowserDesignedImageInBadge(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	for _, device := range devices {
		t.Run(device.name, func(t *testing.T) {
			ctx := browser.New(t)
			name := "Shield " + device.name
			login(t, ctx, f, device.emulate, "/creator/tampere-uni/designer", "#designer")
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS(`input[name=shape][value=shield]`)),
				chromedp.Click(chromedp.CSS(`input[name=icon][value=rocket]`)),
				chromedp.SendKeys(chromedp.CSS("#line-1"), "Rocketry"),
				chromedp.Poll[chromedp.Void](`document.getElementById("preview").src.includes("shape=shield") && document.getElementById("preview").src.includes("Rocketry")`),
				chromedp.Poll[chromedp.Void](`(() => { const i = document.getElementById("preview"); return i.complete && i.naturalWidth > 0; })()`),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "designer-"+device.name)
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#design-name"), name),
				chromedp.Click(chromedp.CSS("#save-design")),
				chromedp.WaitVisible(chromedp.CSS("#images")),
			)
			if got := browser.Text(t, ctx, "p.notice"); !strings.Contains(got, name) {
				t.Fatalf("after saving, the notice is %q", got)
			}
			badgeName := "Rocketry " + device.name
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("p.notice a")), // "Use it in a new badge"
				chromedp.WaitVisible(chromedp.CSS("form.badge-form")),
				chromedp.WaitVisible(chromedp.CSS("#library-pick")),
			)
			if !browser.Eval[bool](t, ctx, `document.querySelector("input[name=library_image]:checked").value !== ""`) {
				t.Fatal("the designed image is not picked in the badge editor")
			}
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#name"), badgeName),
				chromedp.SendKeys(chromedp.CSS("#description"), "Launches a rocket."),
				chromedp.SendKeys(chromedp.CSS("#criteria_narrative"), "Launch one."),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "badge-from-library-"+device.name)
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("form.badge-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#library")),
				chromedp.Click(chromedp.CSS("p.notice a")), // "Issue it"
				chromedp.WaitVisible(chromedp.CSS("form.issue-form")),
				chromedp.SendKeys(chromedp.CSS("#identity"), "ada@example.org"),
				chromedp.Click(chromedp.CSS("form.issue-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#assertions")),
				chromedp.Click(chromedp.CSS("p.notice a")), // "See the badge"
				chromedp.WaitVisible(chromedp.CSS("img.badge-image")),
				chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("img.badge-image"); return i.complete && i.naturalWidth > 0; })()`),
			)
			// The designer's PNG is 512 pixels wide; the fixture's robot is not.
			if w := browser.Eval[int](t, ctx, `document.querySelector("img.badge-image").naturalWidth`); w != 512 {
				t.Errorf("the badge page's image is %d wide, not the design's 512", w)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "badge-page-"+device.name)
			var badge issuer.BadgeClass
			list, err := issuer.BadgeClasses(context.Background(), f.Pool, f.Org.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range list {
				if b.Name == badgeName {
					badge = b
				}
			}
			_, got, _ := f.Do(t, f.Client, "GET", "/ob/badges/"+badge.UUID+"/image", nil, nil)
			status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/images?name="+strings.ReplaceAll(name, " ", "+"), nil, "")
			if status != http.StatusOK || len(items(out)) != 1 {
				t.Fatalf("the library = %d %v", status, out)
			}
			_, want, _ := f.Do(t, f.Client, "GET", "/api/v1/orgs/tampere-uni/images/"+items(out)[0].(map[string]any)["uuid"].(string)+"/file", nil,
				map[string]string{"Authorization": "Bearer " + f.Token})
			if got != want || !strings.HasPrefix(got, "\x89PNG") {
				t.Errorf("the badge's image (%d bytes) is not the design saved (%d bytes)", len(got), len(want))
			}
		})
	}
}

// TestBrowserCriteriaTemplate: in the badge editor, "Pick template" and
// "Fill" write the template, filled with the badge's name and the
// organisation, into the criteria; on the phone with JavaScript off, as
// the form's own button works without it. "Save as template" keeps the
// criteria typed as a new template.
func TestBrowserCriteriaTemplate(t *testing.T) {
	f := webtest.StartNode(t)
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/criteria-templates", map[string]any{"name": "Project", "body": "Earn **{badge}** from {issuer} by a project."}, "")
	if status != http.StatusCreated {
		t.Fatalf("template = %d %v", status, out)
	}
	project := out["uuid"].(string)
	for _, c := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
		script  bool
	}{
		{"desktop", browser.Desktop(), true},
		{"phone-no-javascript", browser.Phone(), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := browser.New(t)
			if !c.script {
				browser.Do(t, ctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
					_, err := cdp.Call(ctx, tgt, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
					return err
				}))
			}
			login(t, ctx, f, c.emulate, "/creator/tampere-uni/badges/new", "form.badge-form")
			badge := "Project work " + c.name
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#name"), badge),
				chromedp.SetValue(chromedp.CSS("#criteria_template"), project),
				chromedp.Click(chromedp.CSS("#fill-template")),
				chromedp.WaitVisible(chromedp.CSS("p.notice")),
			)
			narrative, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#criteria_narrative")))
			if err != nil {
				t.Fatal(err)
			}
			if want := "Earn **" + badge + "** from Tampere University by a project."; narrative != want {
				t.Fatalf("criteria after Fill = %q, want %q", narrative, want)
			}
			if v := browser.Text(t, ctx, "h1"); v != "New badge" {
				t.Errorf("after Fill the page is %q", v)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "criteria-filled-"+c.name)
			browser.Do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#template_name"), "Kept "+c.name),
				chromedp.Click(chromedp.CSS("#save-template")),
			)
			// The page is replaced by the answer: wait for its notice.
			got := ""
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(got, "Kept "+c.name); {
				time.Sleep(100 * time.Millisecond)
				got = browser.Text(t, ctx, "p.notice")
			}
			if !strings.Contains(got, "Kept "+c.name) {
				t.Errorf("after Save as template the notice is %q", got)
			}
			if v := browser.Text(t, ctx, "#criteria_template"); !strings.Contains(v, "Kept "+c.name) {
				t.Errorf("the new template is not offered: %q", v)
			}
		})
	}
	if n := len(items(out0(t, f))); n != 3 {
		t.Errorf("%d templates after two saved, want 3", n)
	}
}

func out0(t *testing.T, f *webtest.Fixture) map[string]any {
	t.Helper()
	status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/criteria-templates", nil, "")
	if status != http.StatusOK {
		t.Fatalf("templates = %d %v", status, out)
	}
	return out
}
