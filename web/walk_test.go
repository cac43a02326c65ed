package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

// TestWalk walks a new node, started as `laurel serve` starts it with only
// a node admin (as the README's set-up makes one), to an issued, endorsed,
// verified badge, through pages alone: the only thing read besides them
// is the SMTP server's inbox, for the links it mails.
func TestWalk(t *testing.T) {
	ctx := context.Background()
	smtp := smtptest.New(t)
	dbURL := testkit.DatabaseURL(t)
	n, err := node.Start(ctx, node.Config{
		Listen:       "127.0.0.1:0",
		DataDir:      t.TempDir(),
		DatabaseURL:  dbURL,
		MaxBodyBytes: 1 << 20,       // serve's default
		AllowIPs:     "127.0.0.0/8", // the verifier fetches this node's own badges
		SMTPURL:      smtp.URL(),    // claim and confirmation mails are sent
		SMTPFrom:     "badges@walk.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	base := n.BaseURL().String()
	const password = "a long password"
	// `laurel user create --node-admin` does this, and nothing else.
	{
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		_, err = account.CreateUser(ctx, pool, account.NewUser{Email: "root@walk.example", Password: password, NodeAdmin: true})
		pool.Close()
		if err != nil {
			t.Fatal(err)
		}
	}

	logo := filepath.Join(t.TempDir(), "badge.png")
	writePNG(t, logo)

	mails := 0
	// mailTo waits for the next mail, which must go to addr, and returns
	// the first link in it that matches path.
	mailTo := func(addr, path string) string {
		t.Helper()
		mails++
		m := smtp.Wait(t, mails, 30*time.Second)[mails-1]
		if len(m.To) != 1 || m.To[0] != addr {
			t.Fatalf("mail %d (%q) goes to %v, want %s", mails, m.Subject, m.To, addr)
		}
		link := regexp.MustCompile(regexp.QuoteMeta(base) + path + `[A-Za-z0-9_-]+`).FindString(m.Text)
		if link == "" {
			t.Fatalf("mail %q to %s has no %s link:\n%s", m.Subject, addr, path, m.Text)
		}
		return link
	}
	// do runs actions in b and, when they fail, says where the page was.
	do := func(b context.Context, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		step, cancel := context.WithTimeout(b, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(step, actions...); err != nil {
			t.Fatalf("browser: %v; the page %s says:\n%s", err, browser.Eval[string](t, b, "location.href"),
				browser.Eval[string](t, b, `document.querySelector("main")?.innerText.slice(0, 1500) ?? ""`))
		}
	}
	text := func(b context.Context, sel string) string { t.Helper(); return browser.Text(t, b, sel) }
	logIn := func(b context.Context, email, next, ready string) {
		t.Helper()
		do(b, chromedp.Navigate(base+"/login?next="+next),
			chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(ready)),
		)
	}
	// signUp makes an account on /signup and confirms its address with
	// the mailed link.
	signUp := func(b context.Context, email, name string) {
		t.Helper()
		do(b, chromedp.Navigate(base+"/signup"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS(`form[action="/signup"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		link := mailTo(email, "/verify-email/")
		do(b, chromedp.Navigate(link),
			chromedp.Click(chromedp.CSS(`form[action^="/verify-email/"] button[type=submit]`)),
			chromedp.WaitNotPresent(chromedp.CSS(`form[action^="/verify-email/"]`)),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		if got := text(b, "p.notice"); !strings.Contains(got, email) {
			t.Fatalf("confirming %s says %q", email, got)
		}
	}
	createOrg := func(b context.Context, name, slug, admin string) {
		t.Helper()
		do(b, chromedp.Navigate(base+"/admin"),
			chromedp.WaitVisible(chromedp.CSS("#org-name")),
			chromedp.SendKeys(chromedp.CSS("#org-name"), name),
			chromedp.SendKeys(chromedp.CSS("#org-slug"), slug),
			chromedp.SendKeys(chromedp.CSS("#org-country"), "FI"),
			chromedp.SendKeys(chromedp.CSS("#org-admin"), admin),
			chromedp.Click(chromedp.CSS(`form[action="/admin/organisations"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("p.notice")),
		)
		if got := text(b, "p.notice"); !strings.Contains(got, name+" is created") {
			t.Fatalf("creating %s says %q", name, got)
		}
	}

	// Each person has a browser of their own, on a desktop.
	// (browser.New's deadline runs from its start: each is started when
	// its person first acts.)
	root := browser.New(t)
	// The node admin opens sign-up, so that the organisations' admins can
	// make their accounts.
	b := root
	logIn(b, "root@walk.example", "/admin", "#signup")
	do(b,
		chromedp.Click(chromedp.CSS(`form[action="/admin/signup"] input[name=mode][value=open]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/signup"] button[type=submit]`)),
	)
	// The saved form comes back as /admin#signup (from /admin), with the
	// mode chosen; evaluating can fail while the page changes.
	for saved := false; !saved; time.Sleep(100 * time.Millisecond) {
		saved, _ = chromedp.Run(root, chromedp.Evaluate[bool](`location.hash === "#signup" && document.readyState === "complete"
			&& !!document.querySelector('form[action="/admin/signup"] input[name=mode][value=open]:checked')`))
		if root.Err() != nil {
			t.Fatalf("the sign-up mode was never saved as open: %v", root.Err())
		}
	}
	// /signup now offers its form (signUp waits for it), which a closed
	// node does not.
	olga := browser.New(t)
	signUp(olga, "olga@tuni.example", "Olga Admin")
	lena := browser.New(t)
	signUp(lena, "lena@lund.example", "Lena Admin")
	createOrg(root, "Tampere University", "tampere-uni", "olga@tuni.example")
	createOrg(root, "Lund University", "lund-uni", "lena@lund.example")

	// Olga sets her organisation's address, makes a badge and issues it.
	b = olga
	logIn(b, "olga@tuni.example", "/creator/tampere-uni/settings", `form[action="/creator/tampere-uni/settings"]`)
	do(b,
		chromedp.SendKeys(chromedp.CSS("#email"), "badges@tuni.example"),
		chromedp.Click(chromedp.CSS(`form[action="/creator/tampere-uni/settings"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if got := browser.Eval[string](t, b, `document.getElementById("email").value`); got != "badges@tuni.example" {
		t.Fatalf("after saving, the settings' email is %q", got)
	}
	const badge = "Line Follower"
	do(b, chromedp.Navigate(base+"/creator?org=tampere-uni"),
		chromedp.Click(chromedp.CSS(".toolbar a.button")),
		chromedp.WaitVisible(chromedp.CSS("form.badge-form")),
		chromedp.SendKeys(chromedp.CSS("#name"), badge),
		chromedp.SendKeys(chromedp.CSS("#description"), "Builds a robot that follows a line."),
		chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{logo}),
		chromedp.SendKeys(chromedp.CSS("#criteria_narrative"), "Build a robot that follows a black line."),
		chromedp.Click(chromedp.CSS("form.badge-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#library")),
	)
	if got := text(b, "p.notice"); !strings.Contains(got, badge) {
		t.Fatalf("after creating the badge the notice says %q", got)
	}
	do(b,
		chromedp.Click(chromedp.CSS("p.notice a")), // "Issue it"
		chromedp.WaitVisible(chromedp.CSS("form.issue-form")),
		chromedp.SendKeys(chromedp.CSS("#identity"), "ada@example.org"),
		chromedp.SendKeys(chromedp.CSS("#recipient_name"), "Ada Lovelace"),
		chromedp.Click(chromedp.CSS("form.issue-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#assertions")),
	)
	if got := text(b, "#assertions"); !strings.Contains(got, "a…@example.org") {
		t.Fatalf("the issued badges show %q", got)
	}

	// Olga adds Lund as a partner and asks it to endorse the badge.
	do(b, chromedp.Navigate(base+"/network?org=tampere-uni"),
		chromedp.WaitVisible(chromedp.CSS("#add-target")),
		chromedp.SendKeys(chromedp.CSS("#add-target"), "lund-uni"),
		chromedp.Click(chromedp.CSS(`#add-partner form[action="/network/orgs/tampere-uni/partners"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#partners")),
	)
	if got := text(b, "#partners"); !strings.Contains(got, "Lund University") {
		t.Fatalf("after adding Lund the partners are %q", got)
	}
	do(b,
		chromedp.Click(chromedp.CSS(`#partners details.partner-form:has(form[action="/network/orgs/tampere-uni/requests"]) summary`)),
		chromedp.WaitVisible(chromedp.CSS("#ask-badge-0")),
	)
	badgeOption := browser.Eval[string](t, b, `[...document.querySelectorAll("#ask-badge-0 option")].find(o => o.textContent.includes("`+badge+`"))?.value ?? ""`)
	if badgeOption == "" {
		t.Fatalf("the request form offers no %s: %q", badge, text(b, "#ask-badge-0"))
	}
	do(b,
		chromedp.SetValue(chromedp.CSS("#ask-badge-0"), badgeOption),
		chromedp.SendKeys(chromedp.CSS("#ask-message-0"), "Would you endorse our Line Follower?"),
		chromedp.Click(chromedp.CSS(`#partners form[action="/network/orgs/tampere-uni/requests"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)

	// Lena accepts the request, which endorses the badge.
	b = lena
	logIn(b, "lena@lund.example", "/network/requests?org=lund-uni", "#incoming")
	if got := text(b, "#incoming"); !strings.Contains(got, badge) {
		t.Fatalf("Lund's incoming requests show %q, want the request for %s", got, badge)
	}
	do(b,
		chromedp.SendKeys(chromedp.CSS("#incoming textarea[name=comment]"), "A well-made badge."),
		chromedp.Click(chromedp.CSS("#incoming form button[type=submit]:not(.secondary)")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if got := text(b, "#incoming"); strings.Contains(got, badge) {
		t.Fatalf("after accepting, Lund's incoming requests still show %q", got)
	}

	// Ada follows the claim link and signs up with that address: once she
	// confirms it, the badge waits in her passport, and she accepts it.
	b = browser.New(t)
	claim := mailTo("ada@example.org", "/claim/")
	do(b, chromedp.Navigate(claim), chromedp.WaitVisible(chromedp.CSS("#passport-handle")))
	if got := text(b, "main"); !strings.Contains(got, badge) {
		t.Fatalf("the claim page shows %q", got)
	}
	do(b, chromedp.Click(chromedp.CSS(`header a.login-link`)), chromedp.WaitVisible(chromedp.CSS(`main a[href="/signup"]`)),
		chromedp.Click(chromedp.CSS(`main a[href="/signup"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/signup"]`)))
	signUp(b, "ada@example.org", "Ada Lovelace")
	logIn(b, "ada@example.org", "/passport", "#accepted-title")
	if got := text(b, "main"); !strings.Contains(got, "Waiting for you") {
		t.Fatalf("Ada's passport shows %q", got)
	}
	waiting := browser.Eval[string](t, b, `[...document.querySelectorAll("form[action$='/accept']")].map(f => f.closest("li").innerText).join("\n")`)
	if !strings.Contains(waiting, badge) {
		t.Fatalf("Ada's passport has waiting %q, want %s from the claim mail", waiting, badge)
	}
	do(b, chromedp.Click(chromedp.CSS(`form[action^="/passport/badges/"][action$="/accept"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#accepted")),
	)
	if got := text(b, "#accepted"); !strings.Contains(got, badge) {
		t.Fatalf("Ada's accepted badges are %q, want %s", got, badge)
	}
	browser.Screenshot(t, b, "walk-passport")

	// The public page of the badge, as anyone sees it, and its check.
	b = browser.New(t)
	do(b, chromedp.Navigate(claim), chromedp.WaitVisible(chromedp.CSS("#share-link")))
	public := browser.Eval[string](t, b, `document.getElementById("share-link").value`)
	do(b, chromedp.Navigate(public), chromedp.WaitVisible(chromedp.CSS("#endorsements-title")))
	if got := text(b, "main"); !strings.Contains(got, "This badge is endorsed by") || !strings.Contains(got, "Lund University") {
		t.Fatalf("the public badge page shows %q, want Lund's endorsement", got)
	}
	do(b, chromedp.Click(chromedp.CSS("#check-badge")), chromedp.WaitVisible(chromedp.CSS("#verdict")))
	if got := browser.Eval[string](t, b, `document.getElementById("verdict").className`); !strings.Contains(got, "valid") || strings.Contains(got, "invalid") {
		t.Fatalf("the check says %q (%s)", text(b, "#verdict"), got)
	}
	browser.Screenshot(t, b, "walk-verified")
	do(b, browser.Phone(), chromedp.Navigate(public), chromedp.WaitVisible(chromedp.CSS("#endorsements-title")))
	browser.NoHorizontalScroll(t, b)
	browser.Screenshot(t, b, "walk-badge-phone")
}

// writePNG writes a small badge image to path.
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 128, 128))
	for x := range 128 {
		for y := range 128 {
			img.Set(x, y, color.RGBA{uint8(x * 2), 90, uint8(y * 2), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
