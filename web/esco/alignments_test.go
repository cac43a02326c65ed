package esco_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// withNetwork makes Tampere a founder of a network that recommends an
// alignment (founding takes an admin; the staff member is a creator
// again after).
func withNetwork(t *testing.T, f *webtest.Fixture) {
	t.Helper()
	ctx := context.Background()
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/networks", map[string]any{
		"slug": "badge-finland", "name": "Badge Finland", "countries": []string{"FI"}}, ""); status != http.StatusCreated {
		t.Fatalf("found a network = %d %v", status, out)
	}
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, f.Org.ID, account.RoleCreator); err != nil {
		t.Fatal(err)
	}
	network, err := issuer.OrganisationBySlug(ctx, f.Pool, "badge-finland")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := issuer.SaveAlignment(ctx, f.Pool, network.ID, vocab.AlignmentObject{TargetName: "Finnish maker skills",
		TargetURL: "https://makers.example/fi/level-1", TargetFramework: "Maker skills", TargetCode: "MS-1"}); err != nil {
		t.Fatal(err)
	}
}

// TestAlignmentsPage: the Alignments tab of the creator tools lists the
// organisation's saved alignments beside its networks' recommendations,
// adds one by hand (a problem names the field and keeps what was typed),
// adds one from an ESCO search, and removes one; an issuer may not.
func TestAlignmentsPage(t *testing.T) {
	f, _ := startESCONode(t)
	ctx := context.Background()
	c := f.Login(t, "staff@example.org")
	const page = "/creator/tampere-uni/alignments"

	body := escoPageOK(f, t, c, page)
	hasAll(t, "empty page", body, `href="`+page+`" aria-current="page">Alignments</a>`, "No saved alignments yet",
		`action="`+page+`"`, `name="targetUrl"`, `action="`+page+`#esco"`, `name="text"`)
	if strings.Contains(body, "Recommended by your networks") {
		t.Error("an organisation of no network is shown recommendations")
	}
	withNetwork(t, f)
	hasAll(t, "with a network", escoPageOK(f, t, c, page), "Recommended by your networks", "Finnish maker skills",
		"Recommended by Badge Finland · Maker skills", "https://makers.example/fi/level-1")

	// Bad input: 400 naming the field, with what was typed kept.
	for _, tc := range []struct {
		name string
		form url.Values
		says string
		bad  string
	}{
		{"no name", url.Values{"targetName": {" "}, "targetUrl": {"https://example.org/x"}}, "Name: must be 1 to 300 characters", "al-name"},
		{"private URL", url.Values{"targetName": {"Welding"}, "targetUrl": {"http://localhost/welding"}}, "URL: must be an absolute http or https URL", "al-url"},
		{"not a URL", url.Values{"targetName": {"Welding"}, "targetUrl": {"welding"}}, "URL: must be an absolute", "al-url"},
		{"long code", url.Values{"targetName": {"Welding"}, "targetUrl": {"https://example.org/w"}, "targetCode": {strings.Repeat("x", 301)}},
			"Code: must be at most 300 characters", "al-code"},
	} {
		status, body, _ := f.Post(t, c, page, tc.form)
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.name, status)
			continue
		}
		hasAll(t, tc.name, body, tc.says, `id="`+tc.bad+`"`)
		if !strings.Contains(body, `id="`+tc.bad+`" name=`) || !strings.Contains(body[strings.Index(body, `id="`+tc.bad+`"`):], `aria-invalid="true"`) {
			t.Errorf("%s: the field %s is not marked invalid", tc.name, tc.bad)
		}
		if tc.form.Get("targetName") == "Welding" && !strings.Contains(body, `value="Welding"`) {
			t.Errorf("%s: the name typed is lost", tc.name)
		}
	}

	// By hand, any framework.
	f.PostOK(t, c, page, url.Values{"targetName": {"Welding, level 2"}, "targetUrl": {"https://frameworks.example/weld/2"},
		"targetFramework": {"Welding framework"}, "targetCode": {"W-2"}, "targetDescription": {"Welds steel."}}, page)
	body = escoPageOK(f, t, c, page)
	hasAll(t, "after adding", body, "“Welding, level 2” is saved in the alignments of Tampere University.",
		"Welding framework · <code>W-2</code>", "https://frameworks.example/weld/2", "Welds steel.")
	// The same URL again replaces it.
	f.PostOK(t, c, page, url.Values{"targetName": {"Welding 2"}, "targetUrl": {"https://frameworks.example/weld/2"}}, page)
	hasAll(t, "after replacing", escoPageOK(f, t, c, page), "was in the alignments already")

	// From ESCO, on the page.
	search := page + "?text=python&language=en&type=skill"
	hasAll(t, "ESCO results", escoPageOK(f, t, c, search), "Python (computer programming)", "2 found in ESCO", `action="`+page+`/esco"`)
	if loc := escoPost(f, t, c, page+"/esco", url.Values{"uri": {escoPython}, "language": {"en"}}); loc != page {
		t.Errorf("saving from ESCO goes to %q", loc)
	}
	hasAll(t, "ESCO results after saving", escoPageOK(f, t, c, search), "Saved already")
	saved, err := issuer.Alignments(ctx, f.Pool, f.Org.ID)
	if err != nil || len(saved) != 2 || saved[0].TargetURL != escoPython || saved[1].TargetName != "Welding 2" {
		t.Fatalf("saved alignments = %+v, %v", saved, err)
	}
	// A concept the search never found cannot be saved from the form.
	if status, _, _ := f.Post(t, c, page+"/esco", url.Values{"uri": {"http://data.europa.eu/esco/skill/nothing"}}); status != http.StatusNotFound {
		t.Errorf("saving an unknown concept = %d, want 404", status)
	}

	// Remove one.
	f.PostOK(t, c, page+"/"+jsonNumber(saved[1].ID)+"/delete", url.Values{"back": {page}}, page)
	body = escoPageOK(f, t, c, page)
	hasAll(t, "after removing", body, "“Welding 2” is no longer in the saved alignments")
	if strings.Contains(body, "https://frameworks.example/weld/2") {
		t.Error("the removed alignment is still listed")
	}

	// An issuer does not keep the library.
	lund := f.SecondOrganisation(t) // another organisation's admin
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, f.Org.ID, account.RoleIssuer); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c            *http.Client
		method, path string
	}{
		{c, "GET", page}, {c, "POST", page}, {c, "POST", page + "/esco"}, {c, "POST", page + "/" + jsonNumber(saved[0].ID) + "/delete"},
		{lund.Client, "GET", page}, {lund.Client, "POST", page + "/" + jsonNumber(saved[0].ID) + "/delete"},
	} {
		var status int
		if tc.method == "GET" {
			status, _, _ = f.Do(t, tc.c, "GET", tc.path, nil, nil)
		} else {
			status, _, _ = f.Post(t, tc.c, tc.path, url.Values{"targetName": {"X"}, "targetUrl": {"https://example.org/x"}})
		}
		if status != http.StatusForbidden {
			t.Errorf("%s %s by one who may not = %d, want 403", tc.method, tc.path, status)
		}
	}
	if after, _ := issuer.Alignments(ctx, f.Pool, f.Org.ID); len(after) != 1 {
		t.Errorf("after the refused requests the library has %d alignments, want 1", len(after))
	}
}

// TestBrowserAlignmentsPageOnPhone: the tab fits a phone, and its form
// adds an alignment.
func TestBrowserAlignmentsPageOnPhone(t *testing.T) {
	f, _ := startESCONode(t)
	withNetwork(t, f)
	ctx := browser.New(t)
	browser.Do(t, ctx, browser.Phone(),
		chromedp.Navigate(f.Base+"/login?next=/creator/tampere-uni/alignments"),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#add-alignment")),
		chromedp.SendKeys(chromedp.CSS("#al-name"), "Welding, level 2"),
		chromedp.SendKeys(chromedp.CSS("#al-url"), "https://frameworks.example/a/very/long/path/to/the/entry/of/welding/level-2-of-the-framework"),
		chromedp.SendKeys(chromedp.CSS("#al-framework"), "Welding framework"),
		chromedp.Click(chromedp.CSS("#add-alignment button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#saved-alignments")),
	)
	if got := browser.Text(t, ctx, "#saved-alignments"); !strings.Contains(got, "Welding, level 2") || !strings.Contains(got, "Welding framework") {
		t.Errorf("saved alignments: %q", got)
	}
	if got := browser.Text(t, ctx, "#recommended-alignments"); !strings.Contains(got, "Finnish maker skills") {
		t.Errorf("recommended: %q", got)
	}
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "alignments-phone")
	browser.Do(t, ctx, chromedp.Navigate(f.Base+"/creator/tampere-uni/alignments?text=python&type=skill#esco"),
		chromedp.WaitVisible(chromedp.CSS("#esco-results")))
	browser.NoHorizontalScroll(t, ctx)
	browser.Screenshot(t, ctx, "alignments-esco-phone")
}
