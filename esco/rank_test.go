package esco

import (
	"context"
	"slices"
	"testing"

	"github.com/laurelnet/laurel/testkit"
)

// rankConcepts are four concepts that match "database" in each tier, in
// the order a relevance ranking may give them: full text first.
func rankConcepts() []Concept {
	c := func(id, label string, alt ...string) Concept {
		return Concept{URI: "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-00000000000" + id, Type: TypeSkill,
			Version: "v1.2.0", Labels: map[string]string{"en": label}, AltLabels: map[string][]string{"en": alt}}
	}
	return []Concept{
		c("1", "maintain a database"),                 // full text: a later word
		c("2", "manage data stores", "Database care"), // an alternative label
		c("3", "database administration"),             // a prefix of the preferred label
		c("4", "Database"),                            // the preferred label itself
	}
}

func rankLabels(list []Concept) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Label("en"))
	}
	return out
}

var wantRank = []string{"Database", "database administration", "manage data stores", "maintain a database"}

// TestRankPage: a page of ESCO's answer is put in the order local search
// uses: exact, then prefix of the preferred label, then alternative
// labels, then full text.
func TestRankPage(t *testing.T) {
	for _, text := range []string{"database", "  DATABASE ", "databáse"} {
		list := rankConcepts()
		RankPage(list, text, "en")
		if got := rankLabels(list); !slices.Equal(got, wantRank) {
			t.Errorf("RankPage(%q) = %q, want %q", text, got, wantRank)
		}
	}
	// Within a tier, ESCO's order stays.
	list := rankConcepts()
	RankPage(list, "zzz", "en")
	if got := rankLabels(list); !slices.Equal(got, rankLabels(rankConcepts())) {
		t.Errorf("no match reordered the page: %q", got)
	}
}

// TestSearchLocalTiers: the local store ranks the same four tiers.
func TestSearchLocalTiers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testkit.DB(t)
	if err := Upsert(ctx, db, "api", rankConcepts()...); err != nil {
		t.Fatal(err)
	}
	res, err := SearchLocal(ctx, db, Query{Text: "database"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rankLabels(res.Concepts); !slices.Equal(got, wantRank) {
		t.Errorf("local search = %q, want %q", got, wantRank)
	}
}

// TestServiceNotesAfterImport: once ESCO was imported, an answer from the
// local store says it is complete instead of warning.
func TestServiceNotesAfterImport(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	svc := NewService(ServiceConfig{DB: db})
	if err := Upsert(ctx, db, "api", rankConcepts()...); err != nil {
		t.Fatal(err)
	}
	ans, err := svc.Search(ctx, Query{Text: "database"})
	if err != nil || ans.Note != NoteLocalOnly || ans.Complete {
		t.Fatalf("before an import: note %q, complete %v, %v", ans.Note, ans.Complete, err)
	}
	imported := rankConcepts()[:1]
	imported[0].URI = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000009"
	if err := Upsert(ctx, db, "import", imported...); err != nil {
		t.Fatal(err)
	}
	ans, err = svc.Search(ctx, Query{Text: "database"})
	if err != nil || ans.Note != NoteComplete || !ans.Complete {
		t.Fatalf("after an import: note %q, complete %v, %v", ans.Note, ans.Complete, err)
	}
}
