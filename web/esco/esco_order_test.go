package esco_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// orderConcepts are concepts matching "database" in each tier (an exact
// preferred label, a prefix of one, an alternative label, a later word),
// and extra ones that begin with it, enough for a second page of 20.
func orderConcepts(extra int) []esco.Concept {
	c := func(n int, label string, alt ...string) esco.Concept {
		return esco.Concept{URI: fmt.Sprintf("http://data.europa.eu/esco/skill/00000000-0000-4000-8000-%012d", n), Type: esco.TypeSkill,
			Version: "v1.2.0", Labels: map[string]string{"en": label}, AltLabels: map[string][]string{"en": alt}}
	}
	list := []esco.Concept{c(1, "maintain a database"), c(2, "manage data stores", "database care"),
		c(3, "database administration"), c(4, "Database")}
	for i := range extra {
		list = append(list, c(100+i, fmt.Sprintf("database tool %02d", i)))
	}
	return list
}

// startLocalESCONode starts a node that does not ask ESCO (its store
// answers), with orderConcepts in the store.
func startLocalESCONode(t *testing.T, extra int) (*webtest.Fixture, string) {
	t.Helper()
	f := webtest.StartNode(t)
	if err := esco.Upsert(context.Background(), f.Pool, "api", orderConcepts(extra)...); err != nil {
		t.Fatal(err)
	}
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Databases", issuer.Expiry{Kind: "none"})
	return f, "/creator/tampere-uni/badges/" + b.UUID
}

var resultName = regexp.MustCompile(`<li class="partner">\s*<h3>([^<]+)</h3>`)

func resultNames(page string) []string {
	var out []string
	for _, m := range resultName.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestESCOPickOrderAndMoreWithoutJavaScript: the picker page lists exact
// matches of the preferred label first, then prefixes, then alternative
// labels, then full-text matches; "More" is a link to the next page. The
// banner warns while the store holds only earlier picks, and says the
// store is complete once ESCO was imported.
func TestESCOPickOrderAndMoreWithoutJavaScript(t *testing.T) {
	f, base := startLocalESCONode(t, 0)
	c := f.Login(t, "staff@example.org")
	page := escoPageOK(f, t, c, base+"/esco?text=database&limit=2")
	if got := resultNames(page); strings.Join(got, "|") != "Database|database administration" {
		t.Fatalf("first page = %q, want the exact match, then the prefix", got)
	}
	hasAll(t, "first page", page, `class="banner warning"`, esco.NoteLocalOnly, "4 found")
	more := regexp.MustCompile(`<a href="([^"]+)">More`).FindStringSubmatch(page)
	if more == nil || !strings.Contains(more[1], "offset=2") {
		t.Fatalf("no More link to offset 2 on the first page:\n%s", page)
	}
	page = escoPageOK(f, t, c, more[1])
	if got := resultNames(page); strings.Join(got, "|") != "manage data stores|maintain a database" {
		t.Fatalf("second page = %q, want the alternative label, then the full-text match", got)
	}
	if strings.Contains(page, `">More`) {
		t.Error("the last page has a More link")
	}
	// The API answers in the same order.
	_, out, _ := searchESCO(f, t, nil, "text=database")
	var labels []string
	for _, c := range out.Concepts {
		labels = append(labels, c.Label)
	}
	if strings.Join(labels, "|") != "Database|database administration|manage data stores|maintain a database" {
		t.Errorf("API order = %q", labels)
	}

	imported := orderConcepts(0)[:1]
	imported[0].URI = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000999"
	if err := esco.Upsert(context.Background(), f.Pool, "import", imported...); err != nil {
		t.Fatal(err)
	}
	page = escoPageOK(f, t, c, base+"/esco?text=database&limit=2")
	hasAll(t, "after an import", page, `class="banner info"`, esco.NoteComplete)
	if strings.Contains(page, "banner warning") {
		t.Error("the banner still warns after an import")
	}
}

// TestBrowserESCOOrderAndMoreWithoutScript: with JavaScript off, at
// desktop and phone widths, the picker page shows the tiers in order and
// its More link brings the next page.
func TestBrowserESCOOrderAndMoreWithoutScript(t *testing.T) {
	f, base := startLocalESCONode(t, 0)
	for _, size := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		ctx := browser.New(t)
		browser.Do(t, ctx, size.action, browser.NoScript(),
			chromedp.Navigate(f.Base+"/login?next="+base+"/esco%3Ftext%3Ddatabase%26limit%3D2"),
			chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
			chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
			chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#esco-results")),
		)
		names := browser.Eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#esco-results h3"), (h) => h.textContent)`)
		if strings.Join(names, "|") != "Database|database administration" {
			t.Fatalf("%s: first page %q", size.name, names)
		}
		browser.NoHorizontalScroll(t, ctx)
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS(`a[href*="offset=2"]`)), chromedp.WaitVisible(chromedp.CSS("#esco-results")),
			chromedp.Poll[chromedp.Void](`location.search.includes("offset=2")`))
		names = browser.Eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#esco-results h3"), (h) => h.textContent)`)
		if strings.Join(names, "|") != "manage data stores|maintain a database" {
			t.Fatalf("%s: second page %q", size.name, names)
		}
		browser.NoHorizontalScroll(t, ctx)
		browser.Screenshot(t, ctx, "esco-more-noscript-"+size.name)
	}
}

// TestBrowserESCOMoreAndSaveWithScript: with JavaScript on, the editor's
// picker shows the tiers in order, "More" adds the next page, and "Save as
// template" keeps a concept in the organisation's saved alignments.
func TestBrowserESCOMoreAndSaveWithScript(t *testing.T) {
	f, base := startLocalESCONode(t, 25)
	for _, size := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
	}{{"desktop", browser.Desktop()}, {"phone", browser.Phone()}} {
		ctx := browser.New(t)
		browser.Do(t, ctx, size.action,
			chromedp.Navigate(f.Base+"/login?next="+base+"/edit"),
			chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
			chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
			chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("form.badge-form")),
			chromedp.Click(chromedp.CSS("details.alignments summary")),
			chromedp.WaitVisible(chromedp.CSS("button#pick-esco")),
			chromedp.Click(chromedp.CSS("button#pick-esco")),
			chromedp.WaitVisible(chromedp.CSS("#esco-q")),
			chromedp.SendKeys(chromedp.CSS("#esco-q"), "database"),
			chromedp.WaitVisible(chromedp.CSS("#esco-more")),
		)
		names := func() []string {
			return browser.Eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#esco-results li.partner > button:first-child"), (b) => b.textContent)`)
		}
		first := names()
		if len(first) != 20 || first[0] != "Database" || first[1] != "database administration" {
			t.Fatalf("%s: first page %q", size.name, first)
		}
		browser.NoHorizontalScroll(t, ctx)
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS("#esco-more")),
			chromedp.Poll[chromedp.Void](`document.querySelectorAll("#esco-results li.partner").length === 29`))
		all := names()
		if all[27] != "manage data stores" || all[28] != "maintain a database" ||
			browser.Eval[int](t, ctx, `document.querySelectorAll("#esco-more").length`) != 0 {
			t.Fatalf("%s: after More %q", size.name, all)
		}
		browser.Do(t, ctx, chromedp.Click(chromedp.CSS("#esco-results li.partner:first-child button.save-template")),
			chromedp.Poll[chromedp.Void](`document.getElementById("esco-status").textContent.includes("is saved")`))
		saved, err := issuer.Alignments(context.Background(), f.Pool, f.Org.ID)
		if err != nil || len(saved) != 1 || saved[0].TargetName != "Database" {
			t.Fatalf("%s: saved alignments %+v, %v", size.name, saved, err)
		}
		browser.Screenshot(t, ctx, "esco-more-script-"+size.name)
		// The second device saves the same concept: still one template.
	}
}
