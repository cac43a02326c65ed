package web_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// acceptLanguage makes the tab's requests carry this Accept-Language
// header, as a browser set to that language sends it.
func acceptLanguage(header string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": header}})
		return err
	})
}

// TestBrowserLanguages: a person who sets Finnish on their profile reads
// the pages in Finnish from then on, dates as 3.4.2019 included, whatever
// their browser asks for; a webtest.Visitor whose browser asks for Swedish gets
// the login page in Swedish. On a desktop and on a phone, where the longer
// words must still fit.
func TestBrowserLanguages(t *testing.T) {
	f := webtest.StartNode(t)
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{
		{"desktop", browser.Desktop()},
		{"phone", browser.Phone()},
	} {
		t.Run(device.name, func(t *testing.T) {
			email := "aino-" + device.name + "@example.org"
			if _, err := account.CreateUser(context.Background(), f.Pool, account.NewUser{Email: email, Password: webtest.Password}); err != nil {
				t.Fatal(err)
			}
			ctx := browser.New(t)
			// Chromium asks for English: the pages start in English.
			browser.Do(t, ctx, device.emulate, acceptLanguage("en-US,en;q=0.9"), chromedp.Navigate(f.Base+"/login"),
				chromedp.SendKeys(chromedp.CSS("#email"), email),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("nav.menu")),
				chromedp.Navigate(f.Base+"/me/profile"),
				chromedp.WaitVisible(chromedp.CSS("#language")),
			)
			if h := browser.Text(t, ctx, "h1"); h != "Your profile" {
				t.Fatalf("before the setting the profile page is %q", h)
			}
			browser.Do(t, ctx,
				chromedp.SetValue(chromedp.CSS("#language"), "fi"),
				chromedp.Click(chromedp.CSS("form.badge-form > button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#saved")),
			)
			if got := browser.Text(t, ctx, "#saved"); got != "Tallennettu." {
				t.Errorf("the saved notice is %q, want it in Finnish", got)
			}
			if lang := browser.Eval[string](t, ctx, `document.documentElement.lang`); lang != "fi" {
				t.Errorf("<html lang> = %q, want fi", lang)
			}
			if got := browser.Eval[string](t, ctx, `document.querySelector("#language").value`); got != "fi" {
				t.Errorf("the language select shows %q after saving, want fi", got)
			}
			var items []string
			for _, l := range strings.Split(browser.Text(t, ctx, "nav.menu"), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					items = append(items, l)
				}
			}
			if want := []string{"Etusivu", "Passi", "Profiili", "Ohje"}; !slices.Equal(items, want) {
				t.Errorf("the Finnish menu is %q, want %q", items, want)
			}
			if got := browser.Text(t, ctx, "form.logout button"); got != "Kirjaudu ulos" {
				t.Errorf("the log-out button says %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "profile-fi-"+device.name)

			// A date: the day a token is made, in the Finnish way.
			browser.Do(t, ctx, chromedp.Navigate(f.Base+"/me/account"), chromedp.WaitVisible(chromedp.CSS("#token-name")),
				chromedp.SendKeys(chromedp.CSS("#token-name"), "varmuuskopio"),
				chromedp.Click(chromedp.CSS("#tokens form.card button")),
				chromedp.WaitVisible(chromedp.CSS("#tokens table")),
			)
			if h := browser.Text(t, ctx, "h1"); h != "Tilisi" {
				t.Errorf("the account page is %q, want Tilisi", h)
			}
			today := time.Now().UTC().Format("2.1.2006")
			if got := browser.Text(t, ctx, "#tokens tbody td:nth-child(2) time"); got != today {
				t.Errorf("the token was made on %q, want %q (day.month.year)", got, today)
			}
			if got := browser.Text(t, ctx, "#tokens thead th:nth-child(2)"); got != "Luotu" {
				t.Errorf("the date column is headed %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "account-fi-"+device.name)

			// The setting outweighs the browser.
			browser.Do(t, ctx, acceptLanguage("fr-FR,fr;q=0.9"), chromedp.Navigate(f.Base+"/"), chromedp.WaitVisible(chromedp.CSS("nav.menu")))
			if h := browser.Text(t, ctx, "h1"); h != "Etusivu" {
				t.Errorf("with a French browser the dashboard is %q, want Etusivu", h)
			}

			// Someone not logged in, whose browser asks for Swedish.
			anon := browser.New(t)
			browser.Do(t, anon, device.emulate, acceptLanguage("sv-SE,sv;q=0.9,en;q=0.5"), chromedp.Navigate(f.Base+"/login"),
				chromedp.WaitVisible(chromedp.CSS("#password")))
			if h := browser.Text(t, anon, "h1"); h != "Logga in" {
				t.Errorf("the login page for a Swedish browser is %q, want Logga in", h)
			}
			if got := browser.Text(t, anon, `label[for="password"]`); got != "Lösenord" {
				t.Errorf("the password field is labelled %q", got)
			}
			if got := browser.Text(t, anon, "form.card button"); got != "Logga in" {
				t.Errorf("the login button says %q", got)
			}
			if got := browser.Text(t, anon, "footer"); !strings.Contains(got, "Hjälp") {
				t.Errorf("the footer is %q, want the Swedish help link", got)
			}
			if lang := browser.Eval[string](t, anon, `document.documentElement.lang`); lang != "sv" {
				t.Errorf("<html lang> = %q, want sv", lang)
			}
			browser.NoHorizontalScroll(t, anon)
			browser.Screenshot(t, anon, "login-sv-"+device.name)

			// French, the longest words, on the node admin's full menu.
			if err := account.SetLanguage(context.Background(), f.Pool, f.Admin.ID, "fr"); err != nil {
				t.Fatal(err)
			}
			admin := browser.New(t)
			browser.Do(t, admin, device.emulate, chromedp.Navigate(f.Base+"/login"),
				chromedp.SendKeys(chromedp.CSS("#email"), f.Admin.Email),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("nav.menu")),
				chromedp.Navigate(f.Base+"/admin"),
				chromedp.WaitVisible(chromedp.CSS("#new-org-title")),
			)
			menu := browser.Text(t, admin, "nav.menu")
			for _, item := range []string{"Tableau de bord", "Passeport", "Outils d’émission", "Outils de création", "Réseau", "Administration", "Rapports", "Profil", "Aide"} {
				if !strings.Contains(menu, item) {
					t.Errorf("the French menu %q webtest.Lacks %q", menu, item)
				}
			}
			if h := browser.Text(t, admin, "#new-org-title"); h != "Nouvelle organisation" {
				t.Errorf("the admin page's form is headed %q", h)
			}
			browser.NoHorizontalScroll(t, admin)
			browser.Screenshot(t, admin, "admin-fr-"+device.name)
		})
	}
}

// TestPagesFollowAcceptLanguage: without a setting, a page is in the
// language the browser asks for, and else in the node's --language; a
// form's problem and an error page's title are translated too.
func TestPagesFollowAcceptLanguage(t *testing.T) {
	f := webtest.StartNode(t)
	fr := webtest.StartNode(t, func(c *node.Config) { c.Language = "fr" })
	anonymous := webtest.NoRedirects(nil)
	for _, tc := range []struct {
		name, method, path, body string
		node                     *webtest.Fixture
		accept                   string
		status                   int
		lang                     string
		want                     []string
	}{
		{"Finnish browser", "GET", "/login", "", f, "fi-FI,fi;q=0.9", 200, "fi", []string{"<title>Kirjaudu sisään · Laurel</title>", ">Salasana</label>", "Unohditko salasanasi?"}},
		{"unknown language: English", "GET", "/login", "", f, "de-DE,de;q=0.9", 200, "en", []string{"<h1>Log in</h1>", "Forgot your password?"}},
		{"wrong password, French", "POST", "/login", "email=nobody%40example.org&password=wrong+horse+battery", f, "fr", 401, "fr", []string{"E-mail ou mot de passe incorrect."}},
		{"no such page, Swedish", "GET", "/no-such-page", "", f, "sv", 404, "sv", []string{"<h1>Hittades inte</h1>", "Tillbaka till översikten"}},
		{"node default French", "GET", "/login", "", fr, "", 200, "fr", []string{"<h1>Connexion</h1>", "Mot de passe oublié ?"}},
		{"browser over node default", "GET", "/login", "", fr, "sv", 200, "sv", []string{"<h1>Logga in</h1>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.accept != "" {
				hdr["Accept-Language"] = tc.accept
			}
			var body io.Reader
			if tc.body != "" {
				body, hdr["Content-Type"] = strings.NewReader(tc.body), "application/x-www-form-urlencoded"
			}
			status, page, h := tc.node.Do(t, anonymous, tc.method, tc.path, body, hdr)
			if status != tc.status {
				t.Fatalf("%s %s = %d, want %d", tc.method, tc.path, status, tc.status)
			}
			webtest.Contains(t, tc.name, page, append([]string{`<html lang="` + tc.lang + `">`}, tc.want...)...)
			if got := h.Get("Content-Language"); got != tc.lang {
				t.Errorf("Content-Language = %q, want %q", got, tc.lang)
			}
			if !slices.Contains(h.Values("Vary"), "Accept-Language") {
				t.Errorf("Vary = %q, want it to name Accept-Language", h.Values("Vary"))
			}
		})
	}
}
