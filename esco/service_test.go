package esco

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/laurelnet/laurel/esco/escotest"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

// pythonQuery is a search the fake ESCO has a recording of.
var pythonQuery = Query{Text: "python", Language: "en", Types: []string{TypeSkill}}

func TestServiceSearchCachesAndFallsBack(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	srv := escotest.New(t)
	svc := NewService(ServiceConfig{Client: newTestClient(t, srv, ClientConfig{}), DB: db})

	ans, err := svc.Search(ctx, pythonQuery)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Source != "api" || ans.Note != "" || !slices.Contains(uris(ans.Results), pythonURI) {
		t.Fatalf("search with ESCO up = %s %q %v, want api results with %s", ans.Source, ans.Note, uris(ans.Results), pythonURI)
	}
	stored, err := Lookup(ctx, db, pythonURI)
	if err != nil {
		t.Fatalf("the result was not kept in the store: %v", err)
	}
	if stored.Label("en") != "Python (computer programming)" || stored.Version != "v1.2.1" || stored.Label("fi") == stored.Label("en") {
		t.Errorf("stored concept = %q (fi %q), version %q", stored.Label("en"), stored.Label("fi"), stored.Version)
	}

	srv.Down()
	ans, err = svc.Search(ctx, pythonQuery)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Source != "local" || ans.Note != NoteUnreachable || len(ans.Concepts) == 0 || ans.Concepts[0].URI != pythonURI {
		t.Fatalf("search with ESCO down = %s %q %v, want the stored concept from the store", ans.Source, ans.Note, uris(ans.Results))
	}

	// During the cooldown ESCO is not asked, even once it is back.
	srv.Up()
	before := len(srv.Requests())
	if ans, err = svc.Search(ctx, pythonQuery); err != nil || ans.Source != "local" {
		t.Fatalf("search in the cooldown = %s, %v; want local", ans.Source, err)
	}
	if n := len(srv.Requests()); n != before {
		t.Errorf("ESCO was asked %d times in the cooldown", n-before)
	}
}

func TestServiceSearchSources(t *testing.T) {
	ctx := context.Background()
	db := testkit.DB(t)
	srv := escotest.New(t)
	if err := Upsert(ctx, db, "api", Concept{URI: pythonURI, Type: TypeSkill, Version: "v1.1.1",
		Labels: map[string]string{"en": "Python (computer programming)"}}); err != nil {
		t.Fatal(err)
	}
	slow := newTestClient(t, srv, ClientConfig{})
	for _, tc := range []struct {
		name       string
		cfg        ServiceConfig
		setup      func()
		q          Query
		wantSource string
		wantNote   string
	}{
		{name: "no client", cfg: ServiceConfig{}, q: pythonQuery, wantSource: "local", wantNote: NoteLocalOnly},
		{name: "ESCO refuses", cfg: ServiceConfig{Client: newTestClient(t, srv, ClientConfig{})},
			q: Query{Text: "python", Types: []string{TypeOccupation}}, wantSource: "local", wantNote: NoteRefused},
		{name: "ESCO too slow", cfg: ServiceConfig{Client: slow, Timeout: 100 * time.Millisecond},
			setup: func() { srv.Delay(2 * time.Second) }, q: pythonQuery, wantSource: "local", wantNote: NoteUnreachable},
		{name: "ESCO fails, no cooldown", cfg: ServiceConfig{Client: newTestClient(t, srv, ClientConfig{MaxRetries: -1}), Cooldown: -1},
			setup: func() { srv.Delay(0); srv.Fail(1, 503) }, q: pythonQuery, wantSource: "local", wantNote: NoteUnreachable},
		{name: "ESCO back", cfg: ServiceConfig{Client: newTestClient(t, srv, ClientConfig{})}, q: pythonQuery, wantSource: "api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			tc.cfg.DB = db
			ans, err := NewService(tc.cfg).Search(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Source != tc.wantSource || ans.Note != tc.wantNote {
				t.Fatalf("source %q note %q, want %q %q", ans.Source, ans.Note, tc.wantSource, tc.wantNote)
			}
			if tc.wantSource == "local" && tc.q.Types[0] == TypeSkill && !slices.Contains(uris(ans.Results), pythonURI) {
				t.Errorf("the store's answer lacks %s: %v", pythonURI, uris(ans.Results))
			}
		})
	}
}

func TestServiceSearchRejects(t *testing.T) {
	db := testkit.DB(t)
	srv := escotest.New(t)
	svc := NewService(ServiceConfig{Client: newTestClient(t, srv, ClientConfig{}), DB: db})
	for _, tc := range []struct {
		q     Query
		field string
	}{
		{Query{Text: "  "}, "text"},
		{Query{Text: "python", Language: "xx"}, "language"},
		{Query{Text: "python", Types: []string{"person"}}, "type"},
		{Query{Text: "python", Offset: -1}, "offset"},
	} {
		_, err := svc.Search(context.Background(), tc.q)
		if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != tc.field {
			t.Errorf("Search(%+v) = %v, want a problem with %s", tc.q, err, tc.field)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad searches reached ESCO %d times", n)
	}
}

func TestIsConceptURI(t *testing.T) {
	for uri, want := range map[string]bool{
		pythonURI:                               true,
		iscoC25:                                 true,
		"https://data.europa.eu/esco/skill/abc": false,
		"http://data.europa.eu/esco/skill":      false,
		"https://example.org/skill/abc":         false,
		"":                                      false,
	} {
		if got := IsConceptURI(uri); got != want {
			t.Errorf("IsConceptURI(%q) = %v, want %v", uri, got, want)
		}
	}
}
