package issuer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

const (
	pythonURI = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
	nurseURI  = "http://data.europa.eu/esco/occupation/18e14e61-495b-44cc-a7c6-df4c625934ba"
	noSkill   = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
)

func TestSavedAlignments(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "library")
	other := newOrg(t, db, "other")

	python := vocab.AlignmentObject{TargetName: " Python (computer programming) ", TargetURL: pythonURI,
		TargetFramework: "ESCO v1.2.1", TargetDescription: "Programming in Python."}
	saved, created, err := issuer.SaveAlignment(ctx, db, o.ID, python)
	if err != nil || !created || saved.ID == 0 || saved.TargetName != "Python (computer programming)" {
		t.Fatalf("SaveAlignment = %+v, created %v, %v", saved, created, err)
	}
	// The same target again replaces it.
	python.TargetName = "Python"
	again, created, err := issuer.SaveAlignment(ctx, db, o.ID, python)
	if err != nil || created || again.ID != saved.ID || again.TargetName != "Python" {
		t.Fatalf("SaveAlignment of the same URL = %+v, created %v, %v; want the first one replaced", again, created, err)
	}
	nurse, _, err := issuer.SaveAlignment(ctx, db, o.ID, vocab.AlignmentObject{TargetName: "specialist nurse", TargetURL: nurseURI})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := issuer.SaveAlignment(ctx, db, other.ID, python); err != nil {
		t.Fatalf("another organisation saves the same target: %v", err)
	}

	list, err := issuer.Alignments(ctx, db, o.ID)
	if err != nil || len(list) != 2 || list[0].TargetName != "Python" || list[1].ID != nurse.ID {
		t.Fatalf("Alignments = %+v, %v; want Python and the nurse, by name", list, err)
	}
	if got, err := issuer.AlignmentByID(ctx, db, o.ID, nurse.ID); err != nil || got.TargetURL != nurseURI {
		t.Fatalf("AlignmentByID = %+v, %v", got, err)
	}
	if _, err := issuer.AlignmentByID(ctx, db, other.ID, nurse.ID); !problem.Is(err, problem.NotFound) {
		t.Errorf("another organisation reads the nurse: %v", err)
	}
	if err := issuer.DeleteAlignment(ctx, db, other.ID, nurse.ID); !problem.Is(err, problem.NotFound) {
		t.Errorf("another organisation deletes the nurse: %v", err)
	}
	if err := issuer.DeleteAlignment(ctx, db, o.ID, nurse.ID); err != nil {
		t.Fatal(err)
	}
	if err := issuer.DeleteAlignment(ctx, db, o.ID, nurse.ID); !problem.Is(err, problem.NotFound) {
		t.Errorf("deleting twice = %v, want not found", err)
	}
	if list, _ := issuer.Alignments(ctx, db, o.ID); len(list) != 1 {
		t.Errorf("after delete the library has %d alignments, want 1", len(list))
	}
}

func TestSaveAlignmentRules(t *testing.T) {
	db := testkit.DB(t)
	o := newOrg(t, db, "rules")
	for _, tc := range []struct {
		name  string
		a     vocab.AlignmentObject
		field string
	}{
		{"no name", vocab.AlignmentObject{TargetURL: pythonURI}, "targetName"},
		{"long name", vocab.AlignmentObject{TargetName: strings.Repeat("x", 301), TargetURL: pythonURI}, "targetName"},
		{"no URL", vocab.AlignmentObject{TargetName: "Python"}, "targetUrl"},
		{"localhost", vocab.AlignmentObject{TargetName: "Python", TargetURL: "http://localhost/skill"}, "targetUrl"},
		{"not http", vocab.AlignmentObject{TargetName: "Python", TargetURL: "ftp://example.org/skill"}, "targetUrl"},
		{"long description", vocab.AlignmentObject{TargetName: "Python", TargetURL: pythonURI, TargetDescription: strings.Repeat("x", 5001)}, "targetDescription"},
		{"long framework", vocab.AlignmentObject{TargetName: "Python", TargetURL: pythonURI, TargetFramework: strings.Repeat("x", 301)}, "targetFramework"},
		{"long code", vocab.AlignmentObject{TargetName: "Python", TargetURL: pythonURI, TargetCode: strings.Repeat("x", 301)}, "targetCode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := issuer.SaveAlignment(context.Background(), db, o.ID, tc.a)
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Fatalf("SaveAlignment = %v, want a problem with %s", err, tc.field)
			}
		})
	}
}

// escoFetchJobs returns the URIs of the esco_fetch jobs queued.
func escoFetchJobs(t *testing.T, db issuer.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT args->>'uri' FROM river_job WHERE kind = 'esco_fetch' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestAlignBadge(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "aligning")
	other := newOrg(t, db, "elsewhere")
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	if err != nil {
		t.Fatal(err)
	}
	queue, err := river.NewClient(riverpgxv5.New(db), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	python := issuer.ESCOAlignment(esco.Concept{URI: pythonURI, Type: esco.TypeSkill, Version: "v1.2.1",
		Labels: map[string]string{"en": "Python (computer programming)"}}, "en")

	got, err := issuer.AlignBadge(ctx, db, account.NodeActor(), queue, o.ID, b.UUID, python)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Alignments) != 2 || got.Alignments[1] != python || got.Name != b.Name || got.Tags[0] != b.Tags[0] ||
		got.Expiry.Kind != b.Expiry.Kind || got.CriteriaNarrative != b.CriteriaNarrative {
		t.Fatalf("after AlignBadge the badge is %+v", got)
	}
	if jobs := escoFetchJobs(t, db); len(jobs) != 1 || jobs[0] != pythonURI {
		t.Fatalf("esco_fetch jobs = %v, want one for %s", jobs, pythonURI)
	}

	for _, tc := range []struct {
		name  string
		orgID int64
		uuid  string
		a     vocab.AlignmentObject
		kind  problem.Kind
		field string
	}{
		{"aligned already", o.ID, b.UUID, python, problem.Conflict, "alignment"},
		{"bad URL", o.ID, b.UUID, vocab.AlignmentObject{TargetName: "x", TargetURL: "http://10.0.0.1/x"}, problem.Invalid, "alignment.targetUrl"},
		{"another organisation", other.ID, b.UUID, vocab.AlignmentObject{TargetName: "x", TargetURL: "https://example.org/x"}, problem.NotFound, ""},
		{"no such badge", o.ID, "6f1e0bcb-5a0a-4c43-9d35-000000000000", vocab.AlignmentObject{TargetName: "x", TargetURL: "https://example.org/x"}, problem.NotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := issuer.AlignBadge(ctx, db, account.NodeActor(), queue, tc.orgID, tc.uuid, tc.a)
			if p, ok := problem.As(err); !ok || p.Kind != tc.kind || p.Field != tc.field {
				t.Fatalf("AlignBadge = %v, want a problem of kind %d with %q", err, tc.kind, tc.field)
			}
		})
	}

	// Not an ESCO concept, or no queue: no job.
	if _, err := issuer.AlignBadge(ctx, db, account.NodeActor(), queue, o.ID, b.UUID, vocab.AlignmentObject{TargetName: "Robots", TargetURL: "https://example.org/robots"}); err != nil {
		t.Fatal(err)
	}
	nurse := vocab.AlignmentObject{TargetName: "specialist nurse", TargetURL: nurseURI}
	if _, err := issuer.AlignBadge(ctx, db, account.NodeActor(), nil, o.ID, b.UUID, nurse); err != nil {
		t.Fatal(err)
	}
	if jobs := escoFetchJobs(t, db); len(jobs) != 1 {
		t.Errorf("esco_fetch jobs = %v, want still only the first", jobs)
	}
	got, _ = issuer.BadgeClassByUUID(ctx, db, b.UUID)
	if len(got.Alignments) != 4 {
		t.Errorf("the badge has %d alignments, want 4: %+v", len(got.Alignments), got.Alignments)
	}
}

func TestESCOAlignment(t *testing.T) {
	c := esco.Concept{URI: pythonURI, Type: esco.TypeSkill, Version: "v1.1.1", Code: "S1.2.3",
		Labels:       map[string]string{"en": "Python (computer programming)", "fi": "Python (tietokoneohjelmointi)"},
		Descriptions: map[string]string{"en": "Programming in Python."}}
	for _, tc := range []struct {
		name string
		c    esco.Concept
		lang string
		want vocab.AlignmentObject
	}{
		{"English", c, "en", vocab.AlignmentObject{TargetName: "Python (computer programming)", TargetURL: pythonURI,
			TargetDescription: "Programming in Python.", TargetFramework: "ESCO v1.1.1", TargetCode: "S1.2.3"}},
		{"Finnish, description falls back", c, "fi", vocab.AlignmentObject{TargetName: "Python (tietokoneohjelmointi)", TargetURL: pythonURI,
			TargetDescription: "Programming in Python.", TargetFramework: "ESCO v1.1.1", TargetCode: "S1.2.3"}},
		{"no version", esco.Concept{URI: nurseURI, Labels: map[string]string{"en": "nurse"}}, "de",
			vocab.AlignmentObject{TargetName: "nurse", TargetURL: nurseURI, TargetFramework: "ESCO"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := issuer.ESCOAlignment(tc.c, tc.lang); got != tc.want {
				t.Fatalf("ESCOAlignment = %+v, want %+v", got, tc.want)
			}
		})
	}
	long := issuer.ESCOAlignment(esco.Concept{URI: pythonURI, Labels: map[string]string{"en": strings.Repeat("ä", 400)},
		Descriptions: map[string]string{"en": strings.Repeat("é", 4000)}}, "en")
	if len(long.TargetName) > 300 || !strings.HasSuffix(long.TargetName, "…") || len(long.TargetDescription) > 5000 ||
		!strings.HasPrefix(long.TargetName, "ää") {
		t.Errorf("long texts are not cut to fit: %d and %d bytes", len(long.TargetName), len(long.TargetDescription))
	}
}
