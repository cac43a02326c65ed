package esco

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestImportShippedSet(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	first, err := Import(ctx, db, shippedSet, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(first)
	wantFiles := []string{"occupations_en.csv", "skillGroups_en.csv", "digitalSkillsCollection_en.csv", "greenSkillsCollection_en.csv",
		"languageSkillsCollection_en.csv", "transversalSkillsCollection_en.csv"}
	if first.Version != "v1.1.1" || !slices.Equal(first.Files, wantFiles) || len(first.Ignored) != 0 {
		t.Errorf("version %q, files %v, ignored %v", first.Version, first.Files, first.Ignored)
	}
	if first.Skipped != 0 || first.Rows < first.Concepts || first.Inserted != first.Concepts ||
		first.Updated+first.Unchanged+first.Older != 0 || first.Changed() != first.Concepts {
		t.Errorf("first import: %+v", first)
	}

	counts := map[string]int{}
	rows, err := db.Query(ctx, `SELECT type, count(*) FROM esco_concept GROUP BY type`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ string
		var n int
		if err := rows.Scan(&typ, &n); err != nil {
			t.Fatal(err)
		}
		counts[typ] = n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if counts[TypeOccupation] < 2900 || counts[TypeSkill] < 1500 || counts[TypeConcept] < 600 ||
		counts[TypeOccupation]+counts[TypeSkill]+counts[TypeConcept] != first.Concepts {
		t.Errorf("stored %v, report says %d concepts", counts, first.Concepts)
	}
	var source, version string
	if err := db.QueryRow(ctx, `SELECT source, version FROM esco_concept WHERE uri = $1`, technicalDirector).Scan(&source, &version); err != nil {
		t.Fatal(err)
	}
	if source != "import" || version != "v1.1.1" {
		t.Errorf("source %q, version %q", source, version)
	}

	// A skill in several collections is one concept with its labels once.
	var labelRows int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM esco_label WHERE uri = $1 AND kind = 'preferred'`, pythonSkill).Scan(&labelRows); err != nil {
		t.Fatal(err)
	}
	if labelRows != 1 {
		t.Errorf("%d preferred label rows for one skill", labelRows)
	}

	second, err := Import(ctx, db, shippedSet, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Changed() != 0 || second.Unchanged != first.Concepts || second.Concepts != first.Concepts {
		t.Errorf("importing the same files again: %+v", second)
	}
	if !strings.Contains(second.String(), " 0 new, 0 updated, ") {
		t.Errorf("report: %s", second)
	}
}

// copyDataset copies some files of the shipped set into a new directory
// named name, with edit applied to each file's text.
func copyDataset(t *testing.T, name string, edit func(file, text string) string, files ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(shippedSet, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(edit(f, string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestImportNewerVersion(t *testing.T) {
	t.Parallel()
	db := importShipped(t)
	ctx := context.Background()
	renamed := "technical director (performing arts)"
	newer := copyDataset(t, "dataset-v1.2.0-en", func(_, text string) string {
		text = strings.Replace(text, technicalDirector+",2654,technical director,", technicalDirector+",2654,"+renamed+",", 1)
		return strings.Replace(text, "\nhead of technical\n", "\nhead of technical theatre\n", 1)
	}, "occupations_en.csv")

	report, err := Import(ctx, db, newer, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Version != "v1.2.0" || report.Inserted != 0 || report.Updated != report.Concepts || report.Updated < 2900 {
		t.Errorf("newer version: %+v", report)
	}
	c, err := Lookup(ctx, db, technicalDirector)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "v1.2.0" || c.Label("en") != renamed || !slices.Contains(c.AltLabels["en"], "head of technical theatre") ||
		slices.Contains(c.AltLabels["en"], "head of technical") {
		t.Errorf("after v1.2.0: %+v", c)
	}
	if res := search(t, db, Query{Text: "performing arts"}); !slices.Contains(uris(res), technicalDirector) {
		t.Errorf("the new label is not found: %v", labels(res))
	}
	if res := search(t, db, Query{Text: "head of technical theatre"}); len(res.Concepts) == 0 || res.Concepts[0].URI != technicalDirector {
		t.Errorf("the new alternative label is not found first: %v", labels(res))
	}
	// Skills were not in the newer files: still v1.1.1.
	if s, err := Lookup(ctx, db, pythonSkill); err != nil || s.Version != "v1.1.1" {
		t.Errorf("a skill after importing only occupations: %+v, %v", s, err)
	}

	// Importing the older version again leaves the newer one.
	older, err := Import(ctx, db, shippedSet, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if older.Changed() != 0 || older.Older != report.Concepts {
		t.Errorf("re-importing v1.1.1 over v1.2.0: %+v", older)
	}
	if c, _ := Lookup(ctx, db, technicalDirector); c.Label("en") != renamed {
		t.Errorf("re-importing v1.1.1 brought back %q", c.Label("en"))
	}
	// --version overrides the directory name.
	forced, err := Import(ctx, db, newer, ImportOptions{Version: "v1.1.0"})
	if err != nil || forced.Version != "v1.1.0" || forced.Older != forced.Concepts {
		t.Errorf("importing with Version v1.1.0: %+v, %v", forced, err)
	}
}

func TestImportSkipsBrokenRows(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	header := "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,status,altLabels,description,broaderConceptUri,broaderConceptPT\n"
	good := func(id, label string) string {
		return "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/" + id + ",skill/competence,transversal," + label +
			",released,\"" + label + " well | do " + label + "\",\"Can " + label + ".\",,\n"
	}
	dir := filepath.Join(t.TempDir(), "ESCO dataset - v1.1.1 - classification - fi - csv")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"transversalSkillsCollection_fi.csv": header +
			good("t1", "juggle") +
			"KnowledgeSkillCompetence,,skill/competence,transversal,no uri,released,,,,\n" +
			"KnowledgeSkillCompetence,http://example.org/skill/1,skill/competence,transversal,foreign,released,,,,\n" +
			"KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t2,skill/competence,transversal,,released,,,,\n" +
			"KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t3,too,few,fields\n" +
			"Qualification,http://data.europa.eu/esco/skill/t4,skill/competence,transversal,a qualification,released,,,,\n" +
			"KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t5,skill/competence,transversal,bare \"quote,released,,,,\n" +
			good("t6", "whistle") +
			"KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t7,skill/competence,transversal,wide,released,,\"" +
			strings.Repeat("x", DefaultMaxRowBytes) + "\",,\n" +
			good("t8", "dance"),
		// Not concepts: ignored.
		"skillsHierarchy_fi.csv":  "Level 0 URI,Level 0 preferred term\nhttp://data.europa.eu/esco/skill/S,skills\n",
		"conceptSchemes_xx.csv":   "conceptType,conceptSchemeUri,preferredLabel\n",
		"README.txt":              "not a CSV\n",
		"occupations_fi.csv.orig": "conceptType,conceptUri\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	report, err := Import(ctx, db, dir, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(report)
	if report.Version != "v1.1.1" || report.Rows != 10 || report.Concepts != 3 || report.Inserted != 3 || report.Skipped != 7 ||
		!slices.Equal(report.Ignored, []string{"conceptSchemes_xx.csv", "skillsHierarchy_fi.csv"}) {
		t.Errorf("report: %+v", report)
	}
	for i, want := range []string{
		"transversalSkillsCollection_fi.csv line 3: no conceptUri",
		`transversalSkillsCollection_fi.csv line 4: conceptUri "http://example.org/skill/1" is not an ESCO URI`,
		"transversalSkillsCollection_fi.csv line 5: no preferredLabel",
		"transversalSkillsCollection_fi.csv line 6: 5 fields, the header has 10",
		`transversalSkillsCollection_fi.csv line 7: conceptType "Qualification" is not an occupation, skill or group`,
	} {
		if i >= len(report.SkipReasons) || report.SkipReasons[i] != want {
			t.Errorf("skip reason %d: got %q, want %q", i, report.SkipReasons, want)
			break
		}
	}
	if s := report.String(); !strings.Contains(s, "\nskipped 7 broken rows: ") || !strings.HasSuffix(s, "; ...") {
		t.Errorf("report text:\n%s", s)
	}
	res := search(t, db, Query{Text: "dance", Language: "fi"})
	if len(res.Concepts) != 1 || res.Concepts[0].Label("fi") != "dance" ||
		!slices.Equal(res.Concepts[0].AltLabels["fi"], []string{"dance well", "do dance"}) || res.Concepts[0].Description("fi") != "Can dance." {
		t.Errorf("the row after the broken ones: %+v", res)
	}
}

func TestImportRefuses(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	noVersion := copyDataset(t, "esco-en", func(_, s string) string { return s }, "transversalSkillsCollection_en.csv")
	empty := filepath.Join(t.TempDir(), "dataset-v1.1.1-en")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dir  string
		opts ImportOptions
		want string
		kind problem.Kind // 0: not a problem
	}{
		{"missing directory", filepath.Join(empty, "nope"), ImportOptions{}, "no such file", 0},
		{"no version in the name", noVersion, ImportOptions{}, "give the version", problem.Invalid},
		{"bad version", shippedSet, ImportOptions{Version: "newest"}, `"newest" is not an ESCO version`, problem.Invalid},
		{"no concept files", empty, ImportOptions{}, "no ESCO concept files", 0},
		{"file too large", shippedSet, ImportOptions{MaxFileBytes: 1 << 20}, "occupations_en.csv is 2 MB, more than the 1 MB", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			report, err := Import(ctx, db, tc.dir, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Import: %v, want an error with %q", err, tc.want)
			}
			if tc.kind != 0 && !problem.Is(err, tc.kind) {
				t.Errorf("Import: %v is not a problem of kind %d", err, tc.kind)
			}
			if report.Changed() != 0 {
				t.Errorf("report: %+v", report)
			}
		})
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM esco_concept`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d concepts stored after refused imports (%v)", n, err)
	}
	// With the version given, the directory's name does not matter.
	if r, err := Import(ctx, db, noVersion, ImportOptions{Version: "v1.1.1"}); err != nil || r.Inserted != 96 {
		t.Errorf("import with a version: %+v, %v", r, err)
	}
}
