package esco_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/esco/escotest"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// Concepts the fake ESCO has recordings of.
const (
	escoPython = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
	escoNurse  = "http://data.europa.eu/esco/occupation/18e14e61-495b-44cc-a7c6-df4c625934ba"
)

// startESCONode starts a node whose ESCO is the fake.
func startESCONode(t *testing.T) (*webtest.Fixture, *escotest.Server) {
	t.Helper()
	srv := escotest.New(t)
	return webtest.StartNode(t, func(c *node.Config) { c.ESCOURL = srv.URL() }), srv
}

// escoSearch is the answer of GET /api/v1/esco/search.
type escoSearch struct {
	Concepts []struct {
		URI, Type, Label, Description, Code, Version string
	}
	Total       int
	Source      string
	Note        string
	Attribution string
}

// searchESCO runs a search through the API with client c (nil: the staff
// member's token) and decodes the answer.
func searchESCO(f *webtest.Fixture, t *testing.T, c *http.Client, query string) (int, escoSearch, string) {
	t.Helper()
	h := map[string]string{}
	if c == nil {
		c, h["Authorization"] = f.Client, "Bearer "+f.Token
	}
	status, body, _ := f.Do(t, c, "GET", "/api/v1/esco/search?"+query, nil, h)
	var out escoSearch
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("search %s: %v\n%s", query, err, body)
		}
	}
	return status, out, body
}

func escoURIs(s escoSearch) []string {
	var out []string
	for _, c := range s.Concepts {
		out = append(out, c.URI)
	}
	return out
}

// escoPageOK gets a page that must answer 200 and returns its text, with
// HTML's escapes undone.
func escoPageOK(f *webtest.Fixture, t *testing.T, c *http.Client, path string) string {
	t.Helper()
	status, body, _ := f.Do(t, c, "GET", path, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", path, status, body)
	}
	return html.UnescapeString(body)
}

// escoPost sends a form that must redirect, and returns where to.
func escoPost(f *webtest.Fixture, t *testing.T, c *http.Client, path string, form url.Values) string {
	t.Helper()
	status, body, hdr := f.Do(t, c, "POST", path, strings.NewReader(form.Encode()), webtest.FormPost)
	if status != http.StatusSeeOther {
		t.Fatalf("POST %s = %d, want 303:\n%s", path, status, body)
	}
	return hdr.Get("Location")
}

func hasAll(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func TestESCOSearchAPI(t *testing.T) {
	f, srv := startESCONode(t)
	ctx := context.Background()

	status, res, body := searchESCO(f, t, nil, "text=python&language=en&type=skill")
	if status != http.StatusOK || res.Source != "api" || res.Note != "" || res.Attribution != esco.Attribution || res.Total != 2 {
		t.Fatalf("search = %d %+v:\n%s", status, res, body)
	}
	if i := slices.Index(escoURIs(res), escoPython); i < 0 || res.Concepts[i].Label != "Python (computer programming)" ||
		res.Concepts[i].Type != "skill" || res.Concepts[i].Version != "v1.2.1" || !strings.Contains(res.Concepts[i].Description, "Python") {
		t.Fatalf("search results lack Python: %+v", res.Concepts)
	}
	// The label comes in the language searched.
	stored, err := esco.Lookup(ctx, f.Pool, escoPython)
	if err != nil {
		t.Fatalf("the results were not kept in the store: %v", err)
	}
	if stored.Labels["fi"] != "Python (tietokoneohjelmointi)" {
		t.Errorf("stored Finnish label = %q", stored.Labels["fi"])
	}

	// The browser's session works as well as a token; no one else may ask.
	c := f.Login(t, "staff@example.org")
	if status, res, _ := searchESCO(f, t, c, "text=python&type=skill"); status != http.StatusOK || res.Source != "api" {
		t.Errorf("search with the session = %d %s", status, res.Source)
	}
	if status, _, _ := searchESCO(f, t, f.Client, "text=python&type=skill"); status != http.StatusUnauthorized {
		t.Errorf("anonymous search = %d, want 401", status)
	}

	// ESCO down: the same search answers from the store, saying so.
	srv.Down()
	status, res, body = searchESCO(f, t, nil, "text=python&language=en&type=skill")
	if status != http.StatusOK || res.Source != "local" || res.Note != esco.NoteUnreachable ||
		len(res.Concepts) == 0 || res.Concepts[0].URI != escoPython || res.Concepts[0].Label != "Python (computer programming)" {
		t.Fatalf("search with ESCO down = %d %+v:\n%s", status, res, body)
	}
	// In Finnish, from the store too.
	if _, res, _ = searchESCO(f, t, nil, "text=python&language=fi&type=skill"); len(res.Concepts) == 0 ||
		res.Concepts[0].Label != "Python (tietokoneohjelmointi)" || res.Source != "local" {
		t.Errorf("Finnish search from the store = %+v", res)
	}
}

func TestESCOSearchAPIBadInput(t *testing.T) {
	f, srv := startESCONode(t)
	for _, tc := range []struct{ query, field string }{
		{"language=en", "text"},
		{"text=%20%20", "text"},
		{"text=python&language=xx", "language"},
		{"text=python&type=person", "type"},
		{"text=python&type=skill&type=", ""},
		{"text=python&limit=0", "limit"},
		{"text=python&limit=101", "limit"},
		{"text=python&offset=-1", "offset"},
		{"text=" + strings.Repeat("a", 201), "text"},
	} {
		t.Run(tc.query[:min(len(tc.query), 30)], func(t *testing.T) {
			status, _, body := searchESCO(f, t, nil, tc.query)
			if tc.field == "" {
				if status != http.StatusOK {
					t.Fatalf("%s = %d:\n%s", tc.query, status, body)
				}
				return
			}
			var e apiErrorBody
			if status != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error.Field != tc.field {
				t.Fatalf("%s = %d %s, want 400 naming %s", tc.query, status, body, tc.field)
			}
		})
	}
	for _, r := range srv.Requests() {
		if r.URL.Query().Get("text") != "python" || r.URL.Query().Get("type") != "skill" {
			t.Errorf("a bad search reached ESCO: %s", r.URL)
		}
	}
}

// apiErrorBody is the body of a JSON error.
type apiErrorBody struct {
	Error struct {
		Status  int
		Message string
		Field   string
	}
}

func TestSavedAlignmentsAPI(t *testing.T) {
	f := webtest.StartNode(t)
	const path = "/api/v1/orgs/tampere-uni/alignments"
	status, list := f.API(t, "GET", path, nil, "")
	if status != http.StatusOK || len(list["items"].([]any)) != 0 {
		t.Fatalf("empty library = %d %v", status, list)
	}
	python := map[string]any{"targetName": "Python (computer programming)", "targetUrl": escoPython,
		"targetFramework": "ESCO v1.2.1", "targetDescription": "Programming in Python."}
	status, saved := f.API(t, "POST", path, python, "")
	if status != http.StatusCreated || saved["targetUrl"] != escoPython || saved["id"] == nil {
		t.Fatalf("save = %d %v", status, saved)
	}
	python["targetName"] = "Python"
	if status, again := f.API(t, "POST", path, python, ""); status != http.StatusOK || again["id"] != saved["id"] || again["targetName"] != "Python" {
		t.Fatalf("save the same target = %d %v, want 200 replacing it", status, again)
	}
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"targetName": "x", "targetUrl": "http://localhost/skill"}, "targetUrl"},
		{map[string]any{"targetUrl": escoNurse}, "targetName"},
		{map[string]any{"targetName": "x", "targetUrl": escoNurse, "weight": 3}, "weight"},
		{`{"targetName": 3}`, "targetName"},
	} {
		contentType := ""
		if _, ok := tc.body.(string); ok {
			contentType = "application/json"
		}
		if status, e := f.API(t, "POST", path, tc.body, contentType); status != http.StatusBadRequest ||
			e["error"].(map[string]any)["field"] != tc.field {
			t.Errorf("save %v = %d %v, want 400 naming %s", tc.body, status, e, tc.field)
		}
	}
	status, list = f.API(t, "GET", path, nil, "")
	if items, _ := list["items"].([]any); status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["targetName"] != "Python" {
		t.Fatalf("library = %d %v", status, list)
	}

	// Another organisation's library is not the staff member's to touch.
	if _, err := issuer.CreateOrganisation(context.Background(), f.Pool, issuer.NewOrganisation{Slug: "lund-uni", Name: "Lund University", Country: "SE"}); err != nil {
		t.Fatal(err)
	}
	if status, _ := f.API(t, "GET", "/api/v1/orgs/lund-uni/alignments", nil, ""); status != http.StatusForbidden {
		t.Errorf("another organisation's library = %d, want 403", status)
	}

	id := "/" + jsonNumber(saved["id"])
	if status, _ := f.API(t, "DELETE", path+id, nil, ""); status != http.StatusNoContent {
		t.Fatalf("delete = %d", status)
	}
	for _, p := range []string{path + id, path + "/nope"} {
		if status, _ := f.API(t, "DELETE", p, nil, ""); status != http.StatusNotFound {
			t.Errorf("DELETE %s = %d, want 404", p, status)
		}
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// waitForJob waits until the job of kind about uri has finished, and
// returns its state.
func waitForJob(f *webtest.Fixture, t *testing.T, kind, uri string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var state string
		err := f.Pool.QueryRow(context.Background(), `SELECT state FROM river_job WHERE kind = $1 AND args->>'uri' = $2
			ORDER BY id DESC LIMIT 1`, kind, uri).Scan(&state)
		if err == nil && (state == "completed" || state == "cancelled" || state == "discarded") {
			return state
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s of %s not finished: %q, %v", kind, uri, state, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestESCOPickWithoutJavaScript(t *testing.T) {
	f, _ := startESCONode(t)
	ctx := context.Background()
	f.IssuerReady(t)
	c := f.Login(t, "staff@example.org")
	b := f.CreateBadge(t, "Python basics", issuer.Expiry{Kind: "none"})
	base := "/creator/tampere-uni/badges/" + b.UUID

	// A new badge cannot be picked for yet; a saved one links to the pickers.
	hasAll(t, "new badge form", escoPageOK(f, t, c, "/creator/tampere-uni/badges/new"), "save the badge first, then pick")
	hasAll(t, "editor", escoPageOK(f, t, c, base+"/edit"), `href="`+base+`/esco"`, "Pick from ESCO", `href="`+base+`/alignments"`,
		"Pick saved alignment", `src="/static/esco.js"`)

	// The search form, then its results.
	page := escoPageOK(f, t, c, base+"/esco")
	hasAll(t, "search page", page, `name="text"`, `<option value="fi">Finnish (suomi)</option>`, `value="occupation"`,
		`value="skill"`, `value="concept"`, esco.Attribution)
	if n := strings.Count(page, "<option value="); n != 28 {
		t.Errorf("the language select has %d languages, want ESCO's 28", n)
	}
	page = escoPageOK(f, t, c, base+"/esco?text=python&language=en&type=skill")
	hasAll(t, "results", page, "Python (computer programming)", escoPython, "Skill · ESCO v1.2.1", "2 found in ESCO",
		`name="do" value="pick"`, "Save as template", esco.Attribution)

	loc := escoPost(f, t, c, base+"/esco", url.Values{"uri": {escoPython}, "language": {"en"}, "do": {"pick"},
		"back": {base + "/esco?text=python&language=en&type=skill"}})
	if loc != base+"/edit" {
		t.Fatalf("a pick goes to %q, want the editor", loc)
	}
	page = escoPageOK(f, t, c, loc)
	hasAll(t, "editor after the pick", page, "“Python basics” is now aligned to “Python (computer programming)” (ESCO v1.2.1)",
		`value="Python (computer programming)"`, `value="`+escoPython+`"`, `value="ESCO v1.2.1"`)

	got, err := issuer.BadgeClassByUUID(ctx, f.Pool, b.UUID)
	if err != nil {
		t.Fatal(err)
	}
	want := vocab.AlignmentObject{TargetName: "Python (computer programming)", TargetURL: escoPython, TargetFramework: "ESCO v1.2.1",
		TargetDescription: "The techniques and principles of software development, such as analysis, algorithms, coding, testing and compiling of programming paradigms in Python."}
	if len(got.Alignments) != 1 || got.Alignments[0] != want {
		t.Fatalf("the badge's alignments = %+v, want %+v", got.Alignments, want)
	}
	// The hosted BadgeClass carries it.
	doc := f.Hosted(t, f.Base+"/ob/badges/"+b.UUID, http.StatusOK)
	webtest.CheckDocument(t, "BadgeClass", doc)
	al, _ := doc["alignment"].([]any)
	if len(al) != 1 || al[0].(map[string]any)["targetUrl"] != escoPython || al[0].(map[string]any)["targetFramework"] != "ESCO v1.2.1" ||
		al[0].(map[string]any)["targetName"] != "Python (computer programming)" {
		t.Errorf("hosted BadgeClass alignment = %v", doc["alignment"])
	}
	// So does the page of a badge issued.
	status, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions", map[string]any{
		"recipient": map[string]any{"type": "email", "identity": "ada@example.org"}}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue = %d %v", status, a)
	}
	page = escoPageOK(f, t, f.Client, strings.TrimPrefix(a["badge_page"].(string), f.Base))
	hasAll(t, "badge page", page, `<a href="`+escoPython+`" rel="nofollow noopener">Python (computer programming)</a>`, "ESCO v1.2.1")

	// The pick queued the fetch of the concept in the organisation's
	// languages (FI: en, fi, sv; the fake answers in English only).
	if state := waitForJob(f, t, "esco_fetch", escoPython); state != "completed" {
		t.Errorf("esco_fetch ended %s", state)
	}

	// Picking it again says so; the results say it is on the badge.
	page = escoPageOK(f, t, c, base+"/esco?text=python&language=en&type=skill")
	hasAll(t, "results after the pick", page, "On this badge")
	escoPost(f, t, c, base+"/esco", url.Values{"uri": {escoPython}, "language": {"en"}, "do": {"pick"}})
	hasAll(t, "editor after picking twice", escoPageOK(f, t, c, base+"/edit"), "“Python basics” already has the alignment “Python (computer programming)”.")

	// Save as template, then pick it from the saved alignments.
	back := base + "/esco?text=nurse&type=occupation&limit=5"
	hasAll(t, "nurse results", escoPageOK(f, t, c, back), "specialist nurse", "Occupation · ESCO v1.2.1")
	if loc := escoPost(f, t, c, base+"/esco", url.Values{"uri": {escoNurse}, "language": {"en"}, "do": {"save"}, "back": {back}}); loc != back {
		t.Errorf("save as template goes to %q, want back to %q", loc, back)
	}
	hasAll(t, "results after saving", escoPageOK(f, t, c, back), "“specialist nurse” is saved in the alignments of Tampere University.")
	saved, err := issuer.Alignments(ctx, f.Pool, f.Org.ID)
	if err != nil || len(saved) != 1 || saved[0].TargetURL != escoNurse {
		t.Fatalf("saved alignments = %+v, %v", saved, err)
	}
	if got, _ := issuer.BadgeClassByUUID(ctx, f.Pool, b.UUID); len(got.Alignments) != 1 {
		t.Errorf("saving as a template changed the badge: %+v", got.Alignments)
	}
	page = escoPageOK(f, t, c, base+"/alignments")
	hasAll(t, "saved alignments page", page, "specialist nurse", escoNurse, `name="id"`, "Remove from saved alignments")
	if loc := escoPost(f, t, c, base+"/alignments", url.Values{"id": {jsonNumber(saved[0].ID)}}); loc != base+"/edit" {
		t.Errorf("picking a saved alignment goes to %q", loc)
	}
	if got, _ := issuer.BadgeClassByUUID(ctx, f.Pool, b.UUID); len(got.Alignments) != 2 || got.Alignments[1].TargetName != "specialist nurse" {
		t.Errorf("after picking the saved nurse the badge's alignments = %+v", got.Alignments)
	}
	escoPost(f, t, c, "/creator/tampere-uni/alignments/"+jsonNumber(saved[0].ID)+"/delete", url.Values{"back": {base + "/alignments"}})
	hasAll(t, "saved alignments after removing", escoPageOK(f, t, c, base+"/alignments"), "No saved alignments yet")

	// A bad search says what is wrong on the page.
	status, body, _ := f.Do(t, c, "GET", base+"/esco?text=python&language=xx", nil, nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "language") {
		t.Errorf("bad language = %d:\n%s", status, body)
	}
}

func TestESCOReviewFlagShowsAndResolves(t *testing.T) {
	f, srv := startESCONode(t)
	ctx := context.Background()
	c := f.Login(t, "staff@example.org")
	b, err := issuer.CreateBadgeClass(ctx, f.Pool, account.NodeActor(), f.Org.ID, issuer.BadgeInput{
		Name: "Pythonista", Description: "Programs in Python.", Image: webtest.ReadBadgePNG(t), CriteriaNarrative: "Write a program.",
		Alignments: []vocab.AlignmentObject{{TargetName: "Python programming", TargetURL: escoPython, TargetFramework: "ESCO v1.1.1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	client, err := esco.NewClient(esco.ClientConfig{BaseURL: srv.URL(), RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := issuer.RefreshESCO(ctx, f.Pool, client, issuer.ESCORefreshAge); err != nil || rep.Flagged != 1 {
		t.Fatalf("RefreshESCO = %+v, %v", rep, err)
	}
	page := escoPageOK(f, t, c, "/creator?org=tampere-uni")
	hasAll(t, "library", page, "Review:", "ESCO changed the name of “Python programming” to “Python (computer programming)”", "Mark reviewed")
	reviews, err := issuer.BadgeReviews(ctx, f.Pool, f.Org.ID)
	if err != nil || len(reviews[b.ID]) != 1 {
		t.Fatalf("reviews = %+v, %v", reviews, err)
	}
	loc := escoPost(f, t, c, "/creator/tampere-uni/reviews/"+jsonNumber(reviews[b.ID][0].ID)+"/resolve", nil)
	if loc != "/creator?org=tampere-uni" {
		t.Errorf("mark reviewed goes to %q", loc)
	}
	page = escoPageOK(f, t, c, loc)
	hasAll(t, "library after review", page, "Marked reviewed.")
	if strings.Contains(page, "Review:") {
		t.Errorf("the library still shows the flag")
	}
	// The badge itself never changed.
	if got, _ := issuer.BadgeClassByUUID(ctx, f.Pool, b.UUID); got.Alignments[0].TargetName != "Python programming" {
		t.Errorf("the badge's alignment changed: %+v", got.Alignments)
	}
}

// TestBrowserESCOPicker picks from ESCO in the editor with JavaScript on:
// results as one types, and a click fills the first empty alignment row,
// without a page load. On the desktop it edits a saved badge; on the phone
// it designs a new one, which the picker serves only with JavaScript.
func TestBrowserESCOPicker(t *testing.T) {
	f, _ := startESCONode(t)
	image, err := filepath.Abs(webtest.BadgePNG())
	if err != nil {
		t.Fatal(err)
	}
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
		isNew   bool
		lang    string // the editor's language setting
		// found and filled are the panel's texts after the search and
		// after the click, in that language.
		found, filled string
	}{
		{"desktop", browser.Desktop(), false, "", "2 found in ESCO", "is alignment 1 now"},
		{"phone", browser.Phone(), true, "", "2 found in ESCO", "is alignment 1 now"},
		// The script's texts come from the page, in the reader's language.
		{"desktop-fi", browser.Desktop(), false, "fi", "2 osumaa ESCOssa", "on nyt kytkentä 1"},
	} {
		t.Run(device.name, func(t *testing.T) {
			if err := account.SetLanguage(context.Background(), f.Pool, f.Staff.ID, device.lang); err != nil {
				t.Fatal(err)
			}
			name := "Python on " + device.name
			editor := "/creator/tampere-uni/badges/new"
			if !device.isNew {
				editor = "/creator/tampere-uni/badges/" + f.CreateBadge(t, name, issuer.Expiry{Kind: "none"}).UUID + "/edit"
			}
			ctx := browser.New(t)
			browser.Do(t, ctx, device.emulate,
				chromedp.Navigate(f.Base+"/login?next="+editor),
				chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("form.badge-form")),
			)
			if device.isNew {
				browser.Do(t, ctx,
					chromedp.SendKeys(chromedp.CSS("#name"), name),
					chromedp.SendKeys(chromedp.CSS("#description"), "Programs in Python."),
					chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{image}),
					chromedp.SendKeys(chromedp.CSS("#criteria_narrative"), "Write a program."),
				)
			}
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("details.alignments summary")),
				chromedp.WaitVisible(chromedp.CSS("button#pick-esco")),
				chromedp.Click(chromedp.CSS("button#pick-esco")),
				chromedp.WaitVisible(chromedp.CSS("#esco-q")),
				chromedp.Click(chromedp.CSS(`.esco-type[value="skill"]`)),
				chromedp.SendKeys(chromedp.CSS("#esco-q"), "python"),
				chromedp.WaitVisible(chromedp.CSS("#esco-results button")),
			)
			if first := browser.Text(t, ctx, "#esco-results button"); first != "Python (computer programming)" {
				t.Fatalf("first result is %q", first)
			}
			hasAll(t, "panel", browser.Text(t, ctx, "#esco-panel"), device.found, esco.Attribution)
			browser.NoHorizontalScroll(t, ctx)
			browser.Do(t, ctx, chromedp.Click(chromedp.CSS("#esco-results button")))
			row := browser.Eval[[]string](t, ctx, `["name", "url", "framework", "code", "description"].map(
				(k) => document.getElementById("align-" + k + "-0").value)`)
			if row[0] != "Python (computer programming)" || row[1] != escoPython || row[2] != "ESCO v1.2.1" ||
				!strings.HasPrefix(row[4], "The techniques and principles of software development") {
				t.Fatalf("the first alignment row is %q", row)
			}
			if status := browser.Text(t, ctx, "#esco-status"); !strings.Contains(status, device.filled) {
				t.Errorf("status after the click: %q", status)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "esco-picker-"+device.name)

			// Saving the form keeps it.
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("form.badge-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#library")),
			)
			list, err := issuer.BadgeClasses(context.Background(), f.Pool, f.Org.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(list, func(b issuer.BadgeClass) bool { return b.Name == name })
			if i < 0 || len(list[i].Alignments) != 1 || list[i].Alignments[0].TargetURL != escoPython ||
				list[i].Alignments[0].TargetFramework != "ESCO v1.2.1" {
				t.Fatalf("after saving, the badges are %+v", list)
			}

			// The picker page without JavaScript fits the screen too.
			browser.Do(t, ctx, chromedp.Navigate(f.Base+"/creator/tampere-uni/badges/"+list[i].UUID+"/esco?text=python&type=skill"),
				chromedp.WaitVisible(chromedp.CSS("#esco-results")))
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "esco-pick-page-"+device.name)
		})
	}
}
