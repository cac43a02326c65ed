package esco

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// The shipped dataset, and concepts in it the tests look for.
const (
	shippedSet        = "testdata/dataset-v1.1.1-en"
	technicalDirector = "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"
	pythonSkill       = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
)

// importShipped imports the shipped dataset into a fresh database.
func importShipped(t testing.TB) *pgxpool.Pool {
	t.Helper()
	db := testkit.DB(t)
	if _, err := Import(context.Background(), db, shippedSet, ImportOptions{}); err != nil {
		t.Fatalf("import %s: %v", shippedSet, err)
	}
	return db
}

func TestFoldText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"  Technical   Director ", "technical director"},
		{"Técnico de Sonido", "tecnico de sonido"},
		{"Straße", "strasse"},
		{"Ølbrygger  Æblemost", "olbrygger aeblemost"},
		{"Łódź", "lodz"},
		{"Софтуерен РАЗРАБОТЧИК", "софтуерен разработчик"},
		{"ΜΗΧΑΝΙΚΟΣ λογισμικός", "μηχανικοσ λογισμικοσ"},
		{"Softwareentwickler/Softwareentwicklerin", "softwareentwickler softwareentwicklerin"},
		{"\t\n ", ""},
		{"C++ / C#", "c++ c#"},
	} {
		if got := foldText(tc.in); got != tc.want {
			t.Errorf("foldText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"v1.1.1", "v1.2.0", -1},
		{"v1.2.0", "v1.1.1", 1},
		{"v1.10.0", "v1.9.9", 1},
		{"v1.2", "v1.2.0", -1},
		{"v1.2.0", "1.2.0", 0},
		{"v01.2", "v1.2", 0},
		{"", "v1.0.0", -1},
		{"", "", 0},
	} {
		if got := compareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestVersionKeyAgreesWithGo checks that SQL's esco_version_key orders
// versions as compareVersions does.
func TestVersionKeyAgreesWithGo(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	versions := []string{"", "v1.0.0", "v1.1.1", "v1.2", "v1.2.0", "v1.9.9", "v1.10.0", "v2"}
	for _, a := range versions {
		for _, b := range versions {
			var got int
			if err := db.QueryRow(context.Background(),
				`SELECT CASE WHEN esco_version_key($1) < esco_version_key($2) THEN -1
					WHEN esco_version_key($1) > esco_version_key($2) THEN 1 ELSE 0 END`, a, b).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if want := compareVersions(a, b); got != want {
				t.Errorf("SQL orders %q and %q as %d, Go as %d", a, b, got, want)
			}
		}
	}
}

func TestUpsertKeepsNewerVersion(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	uri := "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000001"
	put := func(c Concept) {
		t.Helper()
		if err := Upsert(ctx, db, "api", c); err != nil {
			t.Fatalf("Upsert %s %s: %v", c.Version, c.Labels["en"], err)
		}
	}
	get := func() Concept {
		t.Helper()
		c, err := Lookup(ctx, db, uri)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	put(Concept{URI: uri, Type: TypeSkill, Version: "v1.2.0", Status: "released",
		Labels:       map[string]string{"en": "  manage  projects ", "fi": "johtaa projekteja"},
		AltLabels:    map[string][]string{"en": {"project management", "project management", " run projects"}},
		Descriptions: map[string]string{"en": "Plan and run projects."}})
	c := get()
	if c.Version != "v1.2.0" || c.Labels["en"] != "manage projects" || c.Label("fi") != "johtaa projekteja" ||
		!slices.Equal(c.AltLabels["en"], []string{"project management", "run projects"}) || c.Description("en") != "Plan and run projects." {
		t.Fatalf("stored concept: %+v", c)
	}

	put(Concept{URI: uri, Type: TypeSkill, Version: "v1.1.1", Labels: map[string]string{"en": "old label"}})
	if c := get(); c.Version != "v1.2.0" || c.Labels["en"] != "manage projects" {
		t.Errorf("an older version overwrote the newer one: %+v", c)
	}
	if res := search(t, db, Query{Text: "old label"}); res.Total != 0 {
		t.Errorf("the older version's label is searchable: %+v", res)
	}

	// A newer version replaces the languages it has and keeps the others.
	put(Concept{URI: uri, Type: TypeSkill, Version: "v1.10.0", Labels: map[string]string{"en": "lead projects"},
		AltLabels: map[string][]string{"en": {"project leadership"}}})
	c = get()
	if c.Version != "v1.10.0" || c.Labels["en"] != "lead projects" || c.Labels["fi"] != "johtaa projekteja" ||
		!slices.Equal(c.AltLabels["en"], []string{"project leadership"}) || c.Status != "released" {
		t.Errorf("after a newer version: %+v", c)
	}
	for text, want := range map[string]int{"manage projects": 0, "project management": 0, "lead proj": 1, "project leader": 1} {
		if res := search(t, db, Query{Text: text}); res.Total != want {
			t.Errorf("search %q after the label changed: %d found, want %d", text, res.Total, want)
		}
	}

	// The same URI twice in one call: the newest wins.
	if err := Upsert(ctx, db, "import",
		Concept{URI: uri, Type: TypeSkill, Version: "v1.11.0", Labels: map[string]string{"en": "newest"}},
		Concept{URI: uri, Type: TypeSkill, Version: "v1.10.5", Labels: map[string]string{"en": "in between"}}); err != nil {
		t.Fatal(err)
	}
	if c := get(); c.Labels["en"] != "newest" {
		t.Errorf("of two versions in one call, %q was kept", c.Labels["en"])
	}
}

func TestUpsertRejects(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	good := Concept{URI: "http://data.europa.eu/esco/skill/x", Type: TypeSkill, Labels: map[string]string{"en": "x"}}
	for _, tc := range []struct {
		name   string
		change func(c *Concept)
		field  string
	}{
		{"no URI", func(c *Concept) { c.URI = " " }, "uri"},
		{"not a URL", func(c *Concept) { c.URI = "skill/x" }, "uri"},
		{"unknown type", func(c *Concept) { c.Type = "qualification" }, "type"},
		{"bad version", func(c *Concept) { c.Version = "latest" }, "version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			err := Upsert(ctx, db, "api", c)
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Errorf("Upsert: %v, want a problem with %s", err, tc.field)
			}
		})
	}
	if err := Upsert(ctx, db, "cache", good); err == nil {
		t.Error("Upsert took source \"cache\"")
	}
	if err := Upsert(ctx, db, "api"); err != nil {
		t.Errorf("Upsert of nothing: %v", err)
	}
	if _, err := Lookup(ctx, db, good.URI); !problem.Is(err, problem.NotFound) {
		t.Errorf("Lookup of a concept never stored: %v, want NotFound", err)
	}
}

func search(t *testing.T, db DB, q Query) Results {
	t.Helper()
	res, err := SearchLocal(context.Background(), db, q)
	if err != nil {
		t.Fatalf("SearchLocal %+v: %v", q, err)
	}
	if res.Source != "local" || res.Concepts == nil {
		t.Fatalf("SearchLocal %+v: source %q, concepts %v", q, res.Source, res.Concepts)
	}
	return res
}

func uris(res Results) []string {
	var out []string
	for _, c := range res.Concepts {
		out = append(out, c.URI)
	}
	return out
}

func TestSearchLocal(t *testing.T) {
	t.Parallel()
	db := importShipped(t)
	for _, tc := range []struct {
		name  string
		q     Query
		first string // URI expected first
		has   string // URI expected on the page
		none  bool   // nothing expected
		check func(t *testing.T, res Results)
	}{
		{name: "exact preferred label", q: Query{Text: "technical director"}, first: technicalDirector},
		{name: "prefix of the preferred label", q: Query{Text: "technical direct"}, first: technicalDirector},
		{name: "case, spaces and accents", q: Query{Text: "  TÉCHNICAL   Director "}, first: technicalDirector},
		{name: "words in any order", q: Query{Text: "director technical"}, has: technicalDirector},
		{name: "alternative label", q: Query{Text: "head of technical"}, first: technicalDirector},
		{name: "alternative label prefix", q: Query{Text: "head of techn"}, has: technicalDirector},
		{name: "skill", q: Query{Text: "python"}, first: pythonSkill},
		{name: "punctuation", q: Query{Text: "Python (computer programming)"}, first: pythonSkill},
		{name: "tsquery syntax is just text", q: Query{Text: `python' & !( | :* \`}, first: pythonSkill},
		{name: "one letter is a whole word", q: Query{Text: "r"}, first: "http://data.europa.eu/esco/skill/51586df8-1c46-4b47-8583-773cb63bf00b",
			check: func(t *testing.T, res Results) {
				if res.Total > 5 {
					t.Errorf("%d concepts match \"r\": %v", res.Total, labels(res))
				}
			}},
		{name: "occupations only", q: Query{Text: "technical", Types: []string{TypeOccupation}}, has: technicalDirector,
			check: func(t *testing.T, res Results) { allTypes(t, res, TypeOccupation) }},
		{name: "skills only", q: Query{Text: "technical", Types: []string{TypeSkill}},
			check: func(t *testing.T, res Results) { allTypes(t, res, TypeSkill) }},
		{name: "skill groups are concepts", q: Query{Text: "programming computer systems", Types: []string{TypeConcept}},
			first: "http://data.europa.eu/esco/skill/a8c3186b-c791-4d57-8f4f-4d12c7a5c6a7"},
		{name: "two types", q: Query{Text: "python", Types: []string{TypeSkill, TypeOccupation}}, first: pythonSkill},
		{name: "wrong type", q: Query{Text: "python", Types: []string{TypeOccupation}}, none: true},
		{name: "language without labels falls back to English", q: Query{Text: "technical direct", Language: "fi"}, first: technicalDirector},
		{name: "language code case", q: Query{Text: "technical director", Language: "EN"}, first: technicalDirector},
		{name: "no match", q: Query{Text: "zzyzx quux"}, none: true},
		{name: "spaces only", q: Query{Text: "   \t "}, none: true},
		{name: "punctuation only", q: Query{Text: "&&& !!"}, none: true},
		{name: "each concept once", q: Query{Text: "manage", Limit: 100}, check: func(t *testing.T, res Results) {
			if len(res.Concepts) != 100 || res.Total <= 100 {
				t.Errorf("%d concepts of %d, want a full page of 100 and more in total", len(res.Concepts), res.Total)
			}
			u := uris(res)
			slices.Sort(u)
			if len(slices.Compact(u)) != len(res.Concepts) {
				t.Error("a concept came twice")
			}
		}},
		{name: "exact match, then prefix, then others", q: Query{Text: "maintain database"}, check: func(t *testing.T, res Results) {
			got := labels(res)
			if len(got) < 4 || got[0] != "maintain database" ||
				!strings.HasPrefix(got[1], "maintain database ") || !strings.HasPrefix(got[2], "maintain database ") ||
				strings.HasPrefix(got[3], "maintain database") {
				t.Errorf("want the exact match, then the two that begin with it, then others: got %q", got)
			}
		}},
		{name: "whole concept returned", q: Query{Text: "technical director"}, check: func(t *testing.T, res Results) {
			c := res.Concepts[0]
			if c.Type != TypeOccupation || c.Version != "v1.1.1" || c.Status != "released" || c.Code != "2654.1.7" ||
				!slices.Contains(c.AltLabels["en"], "head of technical") || !strings.HasPrefix(c.Description("en"), "Technical directors realise") {
				t.Errorf("concept: %+v", c)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, db, tc.q)
			switch {
			case tc.none && (res.Total != 0 || len(res.Concepts) != 0):
				t.Errorf("found %d: %v", res.Total, labels(res))
			case !tc.none && (res.Total == 0 || len(res.Concepts) == 0):
				t.Fatalf("found nothing")
			case tc.first != "" && res.Concepts[0].URI != tc.first:
				t.Errorf("first is %s (%s), want %s; got %v", res.Concepts[0].URI, res.Concepts[0].Label("en"), tc.first, labels(res))
			case tc.has != "" && !slices.Contains(uris(res), tc.has):
				t.Errorf("%s is not among %v", tc.has, labels(res))
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func labels(res Results) []string {
	var out []string
	for _, c := range res.Concepts {
		out = append(out, c.Label("en"))
	}
	return out
}

func allTypes(t *testing.T, res Results, typ string) {
	t.Helper()
	for _, c := range res.Concepts {
		if c.Type != typ {
			t.Errorf("%s (%s) is a %s, not a %s", c.Label("en"), c.URI, c.Type, typ)
		}
	}
}

func TestSearchLocalPaging(t *testing.T) {
	t.Parallel()
	db := importShipped(t)
	all := search(t, db, Query{Text: "waste", Limit: 100})
	if all.Total < 30 || all.Total > 100 {
		t.Fatalf("%d concepts match \"waste\": the test wants between 30 and 100", all.Total)
	}
	var paged []string
	for offset := 0; offset < all.Total+7; offset += 7 {
		page := search(t, db, Query{Text: "waste", Limit: 7, Offset: offset})
		if page.Total != all.Total {
			t.Errorf("offset %d: total %d, want %d", offset, page.Total, all.Total)
		}
		if want := min(7, max(0, all.Total-offset)); len(page.Concepts) != want {
			t.Errorf("offset %d: %d concepts, want %d", offset, len(page.Concepts), want)
		}
		paged = append(paged, uris(page)...)
	}
	if !slices.Equal(paged, uris(all)) {
		t.Error("pages of 7 do not add up to the page of 100, in the same order")
	}
	if res := search(t, db, Query{Text: "data"}); len(res.Concepts) != 20 {
		t.Errorf("default page: %d concepts, want 20", len(res.Concepts))
	}
	if res := search(t, db, Query{Text: "manage", Limit: 1000}); len(res.Concepts) != 100 {
		t.Errorf("Limit 1000: %d concepts, want at most 100", len(res.Concepts))
	}
}

func TestSearchLocalLanguages(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	dev := "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"
	if err := Upsert(ctx, db, "api",
		Concept{URI: dev, Type: TypeOccupation, Version: "v1.2.0",
			Labels:    map[string]string{"en": "software developer", "bg": "Софтуерен разработчик", "fi": "ohjelmistokehittäjä", "de": "Softwareentwickler/Softwareentwicklerin"},
			AltLabels: map[string][]string{"fi": {"sovelluskehittäjä"}}},
		Concept{URI: "http://data.europa.eu/esco/skill/y", Type: TypeSkill,
			Labels: map[string]string{"en": "develop software prototype", "fi": "kehittää ohjelmistoprototyyppejä"}},
	); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, lang string
		want       int
	}{
		{"софтуерен", "bg", 1},
		{"СОФТУЕРЕН разр", "bg", 1},
		{"ohjelmistokehittaja", "fi", 1},
		{"sovelluskehit", "fi", 1},
		{"kehittää", "fi", 1},
		{"softwareentwickler", "de", 1},
		{"softwareentwicklerin", "de", 1},
		{"software developer", "bg", 1}, // no Bulgarian match: English
		{"software", "fi", 2},           // no Finnish match: English
		{"ohjelmistokehittäjä", "en", 0},
	} {
		res := search(t, db, Query{Text: tc.text, Language: tc.lang})
		if res.Total != tc.want {
			t.Errorf("%q in %s: %d found (%v), want %d", tc.text, tc.lang, res.Total, labels(res), tc.want)
		}
	}
}

func TestSearchLocalRejects(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	for _, tc := range []struct {
		name  string
		q     Query
		field string
	}{
		{"text too long", Query{Text: strings.Repeat("é", MaxSearchText+1)}, "text"},
		{"unknown language", Query{Text: "x", Language: "xx"}, "language"},
		{"unknown type", Query{Text: "x", Types: []string{"skills"}}, "type"},
		{"negative offset", Query{Text: "x", Offset: -1}, "offset"},
		{"offset too far", Query{Text: "x", Offset: MaxSearchOffset + 1}, "offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SearchLocal(context.Background(), db, tc.q)
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Errorf("SearchLocal: %v, want a problem with %s", err, tc.field)
			}
		})
	}
	// Spaces do not count towards the length.
	if _, err := SearchLocal(context.Background(), db, Query{Text: strings.Repeat("a  ", MaxSearchText/2)}); err != nil {
		t.Errorf("a text of %d characters once its spaces collapse: %v", MaxSearchText-1, err)
	}
}
