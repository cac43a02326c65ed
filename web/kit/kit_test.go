package kit_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

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
