package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/web/kit"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	pool := testkit.DB(t)
	client, err := jobs.NewClient(pool, jobs.Config{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://127.0.0.1:8080")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := New(ctx, kit.Deps{Pool: pool, River: client, BaseURL: base, Logger: slog.New(slog.DiscardHandler),
		Ready: func(context.Context) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document true: every API route
// is described, and every described path is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newTestServer(t)
	raw, err := assets.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented = append(documented, strings.ToUpper(method)+" /api/v1"+path)
			}
		}
	}
	err = chi.Walk(s.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/api/v1/") {
			served = append(served, method+" "+strings.TrimSuffix(route, "/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("OpenAPI paths and routes differ:\ndocumented %v\nserved     %v", documented, served)
	}
}

func TestPanicBecomes500(t *testing.T) {
	s := newTestServer(t)
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	for _, path := range []string{"/api/v1/x", "/x"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") {
			t.Errorf("panic at %s answered %d %q, want a 500 that does not reveal the panic", path, rec.Code, rec.Body.String())
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type input struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	for _, tc := range []struct {
		body, contentType string
		field             string // the field the problem must name; "" for none
		ok                bool
	}{
		{body: `{"name":"a","count":1}`, contentType: "application/json", ok: true},
		{body: `{"name":"a"}`, ok: true},
		{body: `{"name":`, field: ""},
		{body: `{"count":"three"}`, field: "count"},
		{body: `{"colour":"red"}`, field: "colour"},
		{body: `{"name":"a"} {"name":"b"}`, field: ""},
		{body: ``, field: ""},
		{body: `[1,2]`, field: ""},
		{body: `{"name":"a"}`, contentType: "text/plain", field: ""},
	} {
		req := httptest.NewRequest("POST", "/api/v1/x", io.NopCloser(strings.NewReader(tc.body)))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		var in input
		err := kit.DecodeJSON(req, &in)
		if tc.ok {
			if err != nil {
				t.Errorf("decode %q: %v", tc.body, err)
			}
			continue
		}
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.Invalid || p.Field != tc.field {
			t.Errorf("decode %q: got %#v, want an Invalid problem naming field %q", tc.body, err, tc.field)
		}
	}
}

// TestSafeNext: the usual open-redirect bypasses all land on "/"; paths
// of this site, with their queries, stay.
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/network", "/network"},
		{"/passport/badges/1?tab=x#top", "/passport/badges/1?tab=x#top"},
		{"/search?q=a%20b", "/search?q=a%20b"},
		{"", "/"},
		{"https://evil.example", "/"},
		{"https:evil.example", "/"},
		{"http:/evil.example", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%5cevil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/./%2fevil.example", "/"},
		{"/../evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/\x00", "/"},
		{"evil.example", "/"},
	} {
		if got := kit.SafeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
