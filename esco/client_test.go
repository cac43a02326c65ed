package esco

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/esco/escotest"
	"github.com/laurelnet/laurel/federation/egress"
)

const (
	pythonURI = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
	nurseURI  = "http://data.europa.eu/esco/occupation/18e14e61-495b-44cc-a7c6-df4c625934ba"
	iscoC25   = "http://data.europa.eu/esco/isco/C25"
	noSkill   = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
)

// newTestClient returns a client of the fake, quick to retry and without
// a rate limit unless cfg says otherwise.
func newTestClient(t *testing.T, srv *escotest.Server, cfg ClientConfig) *Client {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = srv.URL()
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 5 * time.Millisecond
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = -1
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// recorded is the part of a recorded answer the tests compare with.
type recorded struct {
	HTTPStatus int `json:"httpStatus"`
	Body       struct {
		URI      string `json:"uri"`
		Total    int    `json:"total"`
		Language string `json:"language"`
		Embedded json.RawMessage
	} `json:"body"`
}

func readRecorded(t *testing.T, name string) (recorded, int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "openapi-recorded", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	var rec recorded
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var whole struct {
		Body struct {
			Embedded json.RawMessage `json:"_embedded"`
		} `json:"body"`
	}
	if err := json.Unmarshal(raw, &whole); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var hits []json.RawMessage
	if json.Unmarshal(whole.Body.Embedded, &hits) != nil {
		hits = nil // a resource's _embedded is an object
	}
	return rec, len(hits)
}

// recordedOK lists the recorded 200 answers under dir.
func recordedOK(t *testing.T, dir string) []string {
	t.Helper()
	root := filepath.Join("testdata", "openapi-recorded")
	var names []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rec, _ := readRecorded(t, filepath.ToSlash(rel)); rec.HTTPStatus == http.StatusOK {
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no recorded 200 answers under %s", dir)
	}
	return names
}

// checkConcept fails the test unless con looks like a concept: a URI, a
// known type, a label in lang and no stray spaces.
func checkConcept(t *testing.T, con Concept, lang string) {
	t.Helper()
	if !strings.HasPrefix(con.URI, "http://data.europa.eu/esco/") {
		t.Errorf("concept URI %q", con.URI)
	}
	if con.Type != TypeSkill && con.Type != TypeOccupation && con.Type != TypeConcept {
		t.Errorf("%s: type %q", con.URI, con.Type)
	}
	if con.Label(lang) == "" || con.Labels[lang] == "" {
		t.Errorf("%s: no label in %q: %v", con.URI, lang, con.Labels)
	}
	for l, s := range con.Labels {
		if s != strings.Join(strings.Fields(s), " ") || s == "" {
			t.Errorf("%s: label %s %q is not tidy", con.URI, l, s)
		}
	}
	for l, list := range con.AltLabels {
		for _, s := range list {
			if s != strings.Join(strings.Fields(s), " ") || s == "" {
				t.Errorf("%s: alternative label %s %q is not tidy", con.URI, l, s)
			}
		}
	}
	for l, s := range con.Descriptions {
		if s != strings.TrimSpace(s) || s == "" {
			t.Errorf("%s: description %s %q is not trimmed", con.URI, l, s)
		}
	}
}

// TestRecordedAnswersParse sends every recorded 200 answer under search/
// and resource/ through the client, from the fake of each API.
func TestRecordedAnswersParse(t *testing.T) {
	apis := []struct {
		api string
		new func(testing.TB) *escotest.Server
	}{
		{APIOpen, escotest.New},
		{APIClassic, escotest.NewClassic},
	}
	for _, api := range apis {
		srv := api.new(t)
		c := newTestClient(t, srv, ClientConfig{API: api.api})
		for _, name := range recordedOK(t, "search") {
			t.Run(api.api+"/"+name, func(t *testing.T) {
				rec, hits := readRecorded(t, name)
				lang := cmpOr(rec.Body.Language, "en")
				srv.Respond(t, 1, name)
				res, err := c.Search(t.Context(), Query{Text: "anything", Language: lang})
				if err != nil {
					t.Fatalf("Search: %v", err)
				}
				if res.Source != "api" || res.Total != rec.Body.Total || len(res.Concepts) != hits {
					t.Errorf("got source %q, total %d, %d concepts; want api, %d, %d", res.Source, res.Total, len(res.Concepts), rec.Body.Total, hits)
				}
				for _, con := range res.Concepts {
					checkConcept(t, con, lang)
				}
			})
		}
		for _, name := range recordedOK(t, "resource") {
			t.Run(api.api+"/"+name, func(t *testing.T) {
				rec, _ := readRecorded(t, name)
				lang := "en"
				if strings.HasSuffix(name, "_pt.json") {
					lang = "pt"
				}
				srv.Respond(t, 1, name)
				con, err := c.Get(t.Context(), rec.Body.URI, "", lang, "")
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if con.URI != rec.Body.URI {
					t.Errorf("URI %q, want %q", con.URI, rec.Body.URI)
				}
				checkConcept(t, con, lang)
				if con.Version != "v1.2.1" {
					t.Errorf("version %q, want v1.2.1 from the self link", con.Version)
				}
			})
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestSearch checks what the client asks and what it makes of the answer,
// with the fake matching each query to its recording.
func TestSearch(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{})
	tests := []struct {
		name      string
		q         Query
		recording string
		wantQuery string // the query the client sends, encoded
		firstURI  string
	}{
		{
			name:      "skills",
			q:         Query{Text: " python ", Types: []string{TypeSkill}},
			recording: "search/SearchGetTest/get_skills.json",
			wantQuery: "language=en&limit=20&offset=0&text=python&type=skill",
			firstURI:  pythonURI,
		},
		{
			name:      "occupations",
			q:         Query{Text: "nurse", Language: "EN", Types: []string{TypeOccupation}, Limit: 5},
			recording: "search/SearchGetTest/get_occupations.json",
			wantQuery: "language=en&limit=5&offset=0&text=nurse&type=occupation",
			firstURI:  nurseURI,
		},
		{
			name:      "second page",
			q:         Query{Text: "data", Types: []string{TypeSkill}, Limit: 5, Offset: 5},
			recording: "search/SearchGetTest/get_page2.json",
			wantQuery: "language=en&limit=5&offset=5&text=data&type=skill",
		},
		{
			name:      "concepts",
			q:         Query{Text: "ICT", Types: []string{TypeConcept}},
			recording: "search/SearchGetTest/get_concepts.json",
			wantQuery: "language=en&limit=20&offset=0&text=ICT&type=concept",
		},
		{
			name:      "nothing found",
			q:         Query{Text: "xyznonexistent12345"},
			recording: "search/SearchGetTest/get_empty_result.json",
			wantQuery: "language=en&limit=20&offset=0&text=xyznonexistent12345",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			res, err := c.Search(t.Context(), tt.q)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			reqs := srv.Requests()[before:]
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if got := reqs[0].URL.Query().Encode(); got != tt.wantQuery {
				t.Errorf("query %s, want %s", got, tt.wantQuery)
			}
			if got := reqs[0].URL.Path; got != escotest.OpenAPIPath+"/search" {
				t.Errorf("path %s, want %s/search", got, escotest.OpenAPIPath)
			}
			rec, hits := readRecorded(t, tt.recording)
			if res.Total != rec.Body.Total || len(res.Concepts) != hits {
				t.Errorf("total %d with %d concepts, want %d with %d", res.Total, len(res.Concepts), rec.Body.Total, hits)
			}
			if tt.firstURI != "" && (len(res.Concepts) == 0 || res.Concepts[0].URI != tt.firstURI) {
				t.Errorf("first concept %+v, want %s", res.Concepts, tt.firstURI)
			}
			for _, con := range res.Concepts {
				checkConcept(t, con, "en")
				for _, typ := range tt.q.Types {
					if typ == TypeSkill && con.Type != TypeSkill {
						t.Errorf("%s has type %q in a skill search", con.URI, con.Type)
					}
				}
			}
		})
	}
}

func TestSearchSendsQueryBounds(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{})
	// The fake has no recording for this query: only the request matters.
	_, err := c.Search(t.Context(), Query{Text: "x", Language: "fi", Types: []string{"skill", " ", "occupation"},
		Limit: 500, Offset: -3, Version: "v1.1.1"})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Search: %v, want the fake's 404", err)
	}
	got := srv.Requests()[0].URL.Query()
	if got.Get("limit") != "100" || got.Get("offset") != "0" || got.Get("language") != "fi" ||
		!slices.Equal(got["type"], []string{"skill", "occupation"}) || got.Get("selectedVersion") != "v1.1.1" {
		t.Errorf("query %s", got.Encode())
	}
}

func TestSearchLabelsAndQuirks(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{})

	res, err := c.Search(t.Context(), Query{Text: "python", Types: []string{TypeSkill}})
	if err != nil {
		t.Fatal(err)
	}
	py := res.Concepts[0]
	if py.Labels["pt"] != "Python (programação informática)" || len(py.Labels) < 28 {
		t.Errorf("labels of %s: %v", py.URI, py.Labels)
	}
	if py.Version != "v1.2.1" || py.Type != TypeSkill {
		t.Errorf("version %q type %q, want v1.2.1 skill", py.Version, py.Type)
	}
	if !strings.HasPrefix(py.Description("en"), "The techniques and principles of software development") {
		t.Errorf("description %q", py.Description("en"))
	}

	res, err = c.Search(t.Context(), Query{Text: "nurse", Types: []string{TypeOccupation}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	byURI := map[string]Concept{}
	for _, con := range res.Concepts {
		byURI[con.URI] = con
	}
	// A single alternative label may come as a string instead of an array.
	midwife := byURI["http://data.europa.eu/esco/occupation/95cda6a9-a70a-4a93-9442-11d573cb4a02"]
	if got := midwife.AltLabels["lv"]; !slices.Equal(got, []string{"vecākā vecmāte"}) {
		t.Errorf("lv alternative labels %q, want the single string as a list", got)
	}
	head := byURI["http://data.europa.eu/esco/occupation/36494988-69d2-4420-9db4-eb56605ac983"]
	if got := head.AltLabels["da"]; !slices.Equal(got, []string{"ledende sygeplejerske"}) {
		t.Errorf("da alternative labels %q", got)
	}
	// Stray spaces are trimmed.
	nurse := byURI[nurseURI]
	if !slices.Contains(nurse.AltLabels["de"], "Fachkrankenpfleger/in - Psychiatrie") {
		t.Errorf("de alternative labels %q lack the trimmed label", nurse.AltLabels["de"])
	}
	if d := nurse.Descriptions["no"]; strings.HasSuffix(d, " ") || strings.HasSuffix(d, "\n") || d == "" {
		t.Errorf("no description %q is not trimmed", d)
	}

	// The client cannot ask for hasLabel: answer with that recording.
	srv.Respond(t, 1, "search/SearchGetTest/get_with_hasLabel.json")
	res, err = c.Search(t.Context(), Query{Text: "programming"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, con := range res.Concepts {
		if con.URI == "http://data.europa.eu/esco/skill/69bbd53f-fbb0-4476-b4b2-ef7844464e28" {
			found = slices.Contains(con.AltLabels["bg"], "програмиране с AJAX")
		}
	}
	if !found {
		t.Error("the bg label with a double space inside was not tidied")
	}
}

func TestGet(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{})
	tests := []struct {
		name, uri, typ, lang, version string
		wantPath                      string
		wantType, wantLabel, wantCode string
	}{
		{"skill pt", pythonURI, TypeSkill, "pt", "", "/skill/skill:ccd0a1d9-afda-43d9-b901-96344886e14d",
			TypeSkill, "Python (programação informática)", ""},
		{"skill pinned", pythonURI, "", "en", "v1.2.1", "/skill/skill:ccd0a1d9-afda-43d9-b901-96344886e14d",
			TypeSkill, "Python (computer programming)", ""},
		{"occupation", nurseURI, TypeOccupation, "en", "", "/occupation/occupation:18e14e61-495b-44cc-a7c6-df4c625934ba",
			TypeOccupation, "specialist nurse", "2221.3"},
		{"occupation pt", nurseURI, "", "pt", "", "/occupation/occupation:18e14e61-495b-44cc-a7c6-df4c625934ba",
			TypeOccupation, "Enfermeiro especialista/Enfermeira especialista", "2221.3"},
		{"isco group", iscoC25, TypeConcept, "en", "", "/concept/isco:C25",
			TypeConcept, "Information and communications technology professionals", "25"},
		{"concept scheme, title only", "http://data.europa.eu/esco/concept-scheme/skills", "", "pt", "",
			"/concept-scheme/concept-scheme:skills", TypeConcept, "Competências ESCO", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			con, err := c.Get(t.Context(), tt.uri, tt.typ, tt.lang, tt.version)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			req := srv.Requests()[before]
			if req.URL.Path != escotest.OpenAPIPath+tt.wantPath || req.URL.Query().Get("language") != tt.lang ||
				req.URL.Query().Get("selectedVersion") != tt.version {
				t.Errorf("asked %s, want %s%s?language=%s&selectedVersion=%s", req.URL.RequestURI(), escotest.OpenAPIPath, tt.wantPath, tt.lang, tt.version)
			}
			checkConcept(t, con, tt.lang)
			if con.URI != tt.uri || con.Type != tt.wantType || con.Label(tt.lang) != tt.wantLabel || con.Code != tt.wantCode {
				t.Errorf("got %s %s %q code %q; want %s %s %q code %q", con.URI, con.Type, con.Label(tt.lang), con.Code,
					tt.uri, tt.wantType, tt.wantLabel, tt.wantCode)
			}
			if con.Version != "v1.2.1" {
				t.Errorf("version %q", con.Version)
			}
		})
	}

	con, err := c.Get(t.Context(), pythonURI, TypeSkill, "pt", "")
	if err != nil {
		t.Fatal(err)
	}
	if con.Status != "released" || len(con.Labels) < 28 || !slices.Contains(con.AltLabels["en"], "Python") ||
		!strings.Contains(con.Description("pt"), "Python") || con.Description("pt") == con.Description("en") {
		t.Errorf("Python in Portuguese: %+v", con)
	}
}

func TestGetRefusesBadInput(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{})
	tests := []struct{ name, uri, typ string }{
		{"not ESCO", "https://example.org/skill/1", ""},
		{"no id", "http://data.europa.eu/esco/skill/", ""},
		{"nested id", "http://data.europa.eu/esco/skill/a/b", ""},
		{"empty", "", ""},
		{"bad type", pythonURI, "knowledge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Get(t.Context(), tt.uri, tt.typ, "en", ""); err == nil || errors.Is(err, ErrUnavailable) {
				t.Errorf("Get(%q, %q) = %v, want a plain error", tt.uri, tt.typ, err)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
}

func TestErrors(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{})
	tests := []struct {
		name       string
		call       func(ctx context.Context) error
		respond    string // a recording to answer with, when the client cannot ask for it
		status     int
		message    string
		isNotFound bool
	}{
		{
			name:       "unknown skill",
			call:       func(ctx context.Context) error { _, err := c.Get(ctx, noSkill, TypeSkill, "en", ""); return err },
			status:     404,
			message:    "Skill not found " + noSkill,
			isNotFound: true,
		},
		{
			name: "unknown occupation",
			call: func(ctx context.Context) error {
				_, err := c.Get(ctx, "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000", "", "en", "")
				return err
			},
			status:     404,
			message:    "Occupation not found http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000",
			isNotFound: true,
		},
		{
			name: "unknown ISCO group",
			call: func(ctx context.Context) error {
				_, err := c.Get(ctx, "http://data.europa.eu/esco/isco/C9999", "", "en", "")
				return err
			},
			status:     404,
			message:    "Concept not found http://data.europa.eu/esco/isco/C9999",
			isNotFound: true,
		},
		{
			name: "invalid type",
			call: func(ctx context.Context) error {
				_, err := c.Search(ctx, Query{Text: "python", Types: []string{"invalid"}})
				return err
			},
			status:  400,
			message: "Unexpected value 'invalid'",
		},
		{
			name:    "bad limit",
			call:    func(ctx context.Context) error { _, err := c.Search(ctx, Query{Text: "python"}); return err },
			respond: "error/ErrorHandlingTest/by_scheme_invalid_limit.json",
			status:  422,
			message: "limit: must be greater than or equal to 1",
		},
		{
			name:    "missing parameter",
			call:    func(ctx context.Context) error { _, err := c.Search(ctx, Query{Text: "python"}); return err },
			respond: "error/ErrorHandlingTest/by_scheme_missing_inScheme.json",
			status:  400,
			message: "Required request parameter 'inScheme' for method parameter type String is not present",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.respond != "" {
				srv.Respond(t, 1, tt.respond)
			}
			before := len(srv.Requests())
			err := tt.call(t.Context())
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %v, want an *APIError", err)
			}
			if apiErr.Status != tt.status || !strings.Contains(apiErr.Message, tt.message) {
				t.Errorf("got %d %q, want %d with %q", apiErr.Status, apiErr.Message, tt.status, tt.message)
			}
			if errors.Is(err, ErrNotFound) != tt.isNotFound || errors.Is(err, ErrUnavailable) {
				t.Errorf("error %v: ErrNotFound %v (want %v), ErrUnavailable %v", err, errors.Is(err, ErrNotFound), tt.isNotFound, errors.Is(err, ErrUnavailable))
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not carry ESCO's message", err)
			}
			if n := len(srv.Requests()) - before; n != 1 {
				t.Errorf("%d requests, want 1: a %d is not retried", n, tt.status)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	q := Query{Text: "python", Types: []string{TypeSkill}}

	t.Run("503 twice then success", func(t *testing.T) {
		srv := escotest.New(t)
		c := newTestClient(t, srv, ClientConfig{})
		srv.Fail(2, http.StatusServiceUnavailable)
		res, err := c.Search(t.Context(), q)
		if err != nil || len(res.Concepts) != 2 {
			t.Fatalf("Search = %d concepts, %v; want success after retries", len(res.Concepts), err)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})

	t.Run("429 with Retry-After", func(t *testing.T) {
		srv := escotest.New(t)
		c := newTestClient(t, srv, ClientConfig{RetryBackoff: time.Millisecond})
		srv.Fail(1, http.StatusTooManyRequests) // Retry-After: 1
		if _, err := c.Search(t.Context(), q); err != nil {
			t.Fatalf("Search: %v", err)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		if gap := escotest.ReceivedAt(reqs[1]).Sub(escotest.ReceivedAt(reqs[0])); gap < 900*time.Millisecond {
			t.Errorf("retried after %v, want Retry-After's 1s", gap)
		}
	})

	t.Run("persistent 503", func(t *testing.T) {
		srv := escotest.New(t)
		c := newTestClient(t, srv, ClientConfig{MaxRetries: 2})
		srv.Fail(100, http.StatusServiceUnavailable)
		_, err := c.Search(t.Context(), q)
		var apiErr *APIError
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.Status != 503 {
			t.Fatalf("Search = %v, want ErrUnavailable with the 503", err)
		}
		if n := len(srv.Requests()); n != 3 {
			t.Errorf("%d requests, want 3 (1 + 2 retries)", n)
		}
	})

	t.Run("no retries", func(t *testing.T) {
		srv := escotest.New(t)
		c := newTestClient(t, srv, ClientConfig{MaxRetries: -1})
		srv.Fail(100, http.StatusBadGateway)
		if _, err := c.Search(t.Context(), q); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Search = %v, want ErrUnavailable", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})

	t.Run("server down", func(t *testing.T) {
		srv := escotest.New(t)
		c := newTestClient(t, srv, ClientConfig{MaxRetries: 2, Timeout: 2 * time.Second})
		srv.Down()
		start := time.Now()
		_, err := c.Search(t.Context(), q)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Search = %v, want ErrUnavailable", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %v to give up", took)
		}
		if n := len(srv.Requests()); n < 3 {
			t.Errorf("%d requests, want at least 3", n)
		}
		srv.Up()
		if _, err := c.Search(t.Context(), q); err != nil {
			t.Errorf("after Up: %v", err)
		}
	})

	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c, err := NewClient(ClientConfig{BaseURL: "http://" + addr + "/esco/open-api", MaxRetries: 2, RetryBackoff: time.Millisecond, RatePerSecond: -1})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Search(t.Context(), q); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Search = %v, want ErrUnavailable", err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %v to give up", took)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		srv := escotest.New(t)
		c := newTestClient(t, srv, ClientConfig{MaxRetries: 1, Timeout: 100 * time.Millisecond})
		srv.Delay(10 * time.Second)
		start := time.Now()
		_, err := c.Search(t.Context(), q)
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Search = %v, want ErrUnavailable", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("took %v, want about 2 × 100ms", took)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

func TestContextCancelStops(t *testing.T) {
	q := Query{Text: "python", Types: []string{TypeSkill}}
	tests := []struct {
		name  string
		setup func(*escotest.Server)
		cfg   ClientConfig
	}{
		{"while waiting for ESCO", func(s *escotest.Server) { s.Delay(10 * time.Second) }, ClientConfig{Timeout: 30 * time.Second}},
		{"while backing off", func(s *escotest.Server) { s.Fail(100, http.StatusServiceUnavailable) }, ClientConfig{RetryBackoff: 10 * time.Second}},
		{"while keeping the rate", nil, ClientConfig{RatePerSecond: 0.05}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := escotest.New(t)
			c := newTestClient(t, srv, tt.cfg)
			if tt.setup != nil {
				tt.setup(srv)
			} else if _, err := c.Search(t.Context(), q); err != nil { // uses up the rate
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			_, err := c.Search(ctx, q)
			if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
				t.Fatalf("Search = %v, want context.Canceled", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v to stop", took)
			}
		})
	}
}

func TestUserAgent(t *testing.T) {
	tests := []struct{ set, want string }{
		{"", DefaultUserAgent},
		{"Laurel/1.0 (+https://badges.example)", "Laurel/1.0 (+https://badges.example)"},
	}
	srv := escotest.New(t)
	for _, tt := range tests {
		c := newTestClient(t, srv, ClientConfig{UserAgent: tt.set})
		if _, err := c.Get(t.Context(), pythonURI, TypeSkill, "en", ""); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		got := reqs[len(reqs)-1].UserAgent()
		if got != tt.want || !strings.Contains(got, "Laurel") {
			t.Errorf("User-Agent %q, want %q", got, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	srv := escotest.New(t)
	c := newTestClient(t, srv, ClientConfig{RatePerSecond: 20}) // one request every 50ms
	for range 5 {
		if _, err := c.Get(t.Context(), pythonURI, TypeSkill, "en", ""); err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.Requests()
	for i := 1; i < len(reqs); i++ {
		if gap := escotest.ReceivedAt(reqs[i]).Sub(escotest.ReceivedAt(reqs[i-1])); gap < 35*time.Millisecond {
			t.Errorf("requests %d and %d came %v apart, want about 50ms", i, i+1, gap)
		}
	}
}

func TestEgressClient(t *testing.T) {
	srv := escotest.New(t)
	q := Query{Text: "python", Types: []string{TypeSkill}}

	strict := newTestClient(t, srv, ClientConfig{HTTP: egress.New(egress.Config{}).HTTPClient()})
	_, err := strict.Search(t.Context(), q)
	if !errors.Is(err, egress.ErrForbiddenAddress) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Search through egress to 127.0.0.1 = %v, want a forbidden address", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the fake", n)
	}

	allowed := newTestClient(t, srv, ClientConfig{HTTP: egress.New(egress.Config{
		Allow:   []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		MaxBody: MaxResponseBytes,
	}).HTTPClient()})
	res, err := allowed.Search(t.Context(), q)
	if err != nil || len(res.Concepts) != 2 {
		t.Fatalf("Search with 127.0.0.0/8 allowed = %d concepts, %v", len(res.Concepts), err)
	}
}

func TestClassicAPI(t *testing.T) {
	srv := escotest.NewClassic(t)
	c := newTestClient(t, srv, ClientConfig{API: APIClassic})

	res, err := c.Search(t.Context(), Query{Text: "python", Types: []string{TypeSkill}})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if len(res.Concepts) != 2 || res.Concepts[0].URI != pythonURI || res.Concepts[0].Type != TypeSkill ||
		!strings.HasPrefix(res.Concepts[0].Description("en"), "The techniques") {
		t.Errorf("classic search: %+v", res)
	}
	if got := srv.Requests()[0].URL.Path; got != escotest.ClassicAPIPath+"/search" {
		t.Errorf("searched at %s", got)
	}

	con, err := c.Get(t.Context(), pythonURI, "", "pt", "")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	req := srv.Requests()[1]
	if req.URL.Path != escotest.ClassicAPIPath+"/resource/skill" || req.URL.Query().Get("uri") != pythonURI {
		t.Errorf("asked %s, want /resource/skill?uri=%s", req.URL.RequestURI(), pythonURI)
	}
	if con.Label("pt") != "Python (programação informática)" || !strings.Contains(con.Description("pt"), "programação em Python") {
		t.Errorf("classic Get in Portuguese: label %q, description %q", con.Label("pt"), con.Description("pt"))
	}

	_, err = c.Get(t.Context(), noSkill, TypeSkill, "en", "")
	var apiErr *APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &apiErr) || !strings.HasPrefix(apiErr.Message, "Skill not found") {
		t.Errorf("classic Get of an unknown skill = %v", err)
	}
	if _, err := c.Get(t.Context(), "http://data.europa.eu/esco/concept-scheme/skills", "", "en", ""); err != nil {
		t.Errorf("classic Get of a concept scheme: %v", err)
	}
}

func TestNewClient(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ClientConfig
		wantErr bool
	}{
		{"defaults", ClientConfig{}, false},
		{"classic defaults", ClientConfig{API: APIClassic}, false},
		{"local API", ClientConfig{API: APIClassic, BaseURL: "http://localhost:8080/"}, false},
		{"unknown API", ClientConfig{API: "soap"}, true},
		{"relative", ClientConfig{BaseURL: "/esco/open-api"}, true},
		{"no host", ClientConfig{BaseURL: "https:///esco"}, true},
		{"ftp", ClientConfig{BaseURL: "ftp://ec.europa.eu/esco"}, true},
		{"query", ClientConfig{BaseURL: "https://ec.europa.eu/esco/open-api?x=1"}, true},
		{"unparsable", ClientConfig{BaseURL: "http://%zz"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewClient(%+v) error %v, want error %v", tt.cfg, err, tt.wantErr)
			}
			if err == nil && strings.HasSuffix(c.base.Path, "/") {
				t.Errorf("base path %q keeps its trailing slash", c.base.Path)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 4, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"-1", 0},
		{"soon", 0},
		{"Mon, 06 Apr 2026 12:00:30 GMT", 30 * time.Second},
		{"Mon, 06 Apr 2026 11:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := apiRetryAfter(tt.header, now); got != tt.want {
			t.Errorf("apiRetryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestRetryWait(t *testing.T) {
	c, err := NewClient(ClientConfig{RetryBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		err       error
		attempt   int
		min, max  time.Duration
		wantRetry bool
	}{
		{"503", &APIError{Status: 503}, 1, 50 * time.Millisecond, 100 * time.Millisecond, true},
		{"503 third", &APIError{Status: 503}, 3, 200 * time.Millisecond, 400 * time.Millisecond, true},
		{"capped", &APIError{Status: 500}, 20, clientMaxBackoff / 2, clientMaxBackoff, true},
		{"429 Retry-After", &APIError{Status: 429, retryAfter: 3 * time.Second}, 1, 3 * time.Second, 3 * time.Second, true},
		{"Retry-After too long", &APIError{Status: 503, retryAfter: time.Hour}, 1, -1, -1, true},
		{"404", &APIError{Status: 404}, 1, 0, 0, false},
		{"400", &APIError{Status: 400}, 1, 0, 0, false},
		{"reset", &apiTransportError{err: &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}}, 1, 50 * time.Millisecond, 100 * time.Millisecond, true},
		{"timeout", &apiTransportError{err: context.DeadlineExceeded}, 1, 50 * time.Millisecond, 100 * time.Millisecond, true},
		{"refused by the client", &apiTransportError{err: errors.New("egress: 10.0.0.1 is a private address")}, 1, 0, 0, false},
		{"other", errors.New("decode"), 1, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, retry := c.retryWait(tt.err, tt.attempt)
			if retry != tt.wantRetry || wait < tt.min || wait > tt.max {
				t.Errorf("retryWait = %v, %v; want %v in [%v, %v]", wait, retry, tt.wantRetry, tt.min, tt.max)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"message":"Skill not found http://x"}`, "Skill not found http://x"},
		{`{"logref":"BadInputException","status":400,"message":"Illegal/Unknown type parameter values: ('taxonom')","_links":null}`,
			"Illegal/Unknown type parameter values: ('taxonom')"},
		{`{"message":"Missing detailing message of the error.","errors":[{"field":"offset","message":"must be greater than or equal to 0"}]}`,
			"offset: must be greater than or equal to 0"},
		{`{"status":502,"error":"Bad Gateway"}`, "Bad Gateway"},
		{"<html><body>Service  Unavailable</body></html>\n", "<html><body>Service Unavailable</body></html>"},
		{"", "(no message)"},
		{strings.Repeat("é", 400), strings.Repeat("é", errorMessageMax) + "…"},
	}
	for _, tt := range tests {
		if got := apiErrorMessage([]byte(tt.body)); got != tt.want {
			t.Errorf("apiErrorMessage(%.40q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

func TestWireLangTexts(t *testing.T) {
	tests := []struct {
		json string
		want wireLangTexts
	}{
		{`{"en":"Python","fi":["a","b"]}`, wireLangTexts{"en": {"Python"}, "fi": {"a", "b"}}},
		{`{"en":{"literal":"text","mimetype":"plain/text"}}`, wireLangTexts{"en": {"text"}}},
		{`{"en":[{"literal":"x"}],"de":null,"fr":3}`, wireLangTexts{"en": {"x"}}},
		{`null`, nil},
	}
	for _, tt := range tests {
		var got wireLangTexts
		if err := json.Unmarshal([]byte(tt.json), &got); err != nil {
			t.Errorf("%s: %v", tt.json, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s = %v, want %v", tt.json, got, tt.want)
		}
		for k, v := range tt.want {
			if !slices.Equal(got[k], v) {
				t.Errorf("%s[%s] = %v, want %v", tt.json, k, got[k], v)
			}
		}
	}
	var bad wireLangTexts
	if err := json.Unmarshal([]byte(`["en"]`), &bad); err == nil {
		t.Error("an array of languages was accepted")
	}
}
