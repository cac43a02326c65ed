package vocab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestExpandExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "ob20", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Expand(data)
			if err != nil {
				t.Fatalf("Expand: %v", err)
			}
			if len(out) != 1 {
				t.Fatalf("Expand gave %d top-level objects; want 1", len(out))
			}
		})
	}
}

func TestExpandUndefinedTerms(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // nil: no error
	}{
		{"all defined", `{"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": "https://example.org/i", "name": "I"}`, nil},
		{"full IRI property", `{"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/i", "http://example.org/vocab#x": "y", "schema:comment": "z"}`, nil},
		{"extension context", `{"@context": ["https://w3id.org/openbadges/v2", {"foo": "http://example.org/foo"}], "id": "https://example.org/i", "foo": 1}`, nil},
		{"undefined property", `{"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/i", "colour": "red"}`, []string{"colour"}},
		{"undefined nested", `{"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/a",
			"badge": {"id": "https://example.org/b", "nmae": "typo", "issuer": {"id": "https://example.org/i", "homepage": "x"}},
			"evidence": [{"id": "https://example.org/e"}, {"notes": "n"}]}`,
			[]string{"badge.issuer.homepage", "badge.nmae", "evidence[1].notes"}},
		{"undefined type", `{"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/a", "type": ["Assertion", "Trophy"]}`, []string{"type: Trophy"}},
		{"nested context defines it", `{"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/a",
			"extensions:x": {"@context": {"size": "http://example.org/size"}, "type": ["Extension"], "size": 3}}`, nil},
		{"no context", `{"id": "https://example.org/a", "name": "n"}`, []string{"id", "name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Expand([]byte(tc.doc))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Expand: %v", err)
				}
				return
			}
			var ute *UndefinedTermsError
			if !errors.As(err, &ute) {
				t.Fatalf("Expand error = %v; want an UndefinedTermsError listing %v", err, tc.want)
			}
			if !slices.Equal(ute.Terms, tc.want) {
				t.Errorf("undefined terms = %v; want %v", ute.Terms, tc.want)
			}
		})
	}
}

func TestExpandRefusesRemoteContexts(t *testing.T) {
	_, err := Expand([]byte(`{"@context": "https://example.org/my-context.json", "id": "https://example.org/a"}`))
	if !errors.Is(err, ErrRemoteContext) {
		t.Fatalf("Expand with a remote context: %v; want ErrRemoteContext", err)
	}
	if _, err := Expand([]byte(`{"@context": `)); err == nil {
		t.Fatal("Expand of broken JSON succeeded")
	}
}

func TestNormalizeInlineContext(t *testing.T) {
	// badgeclass1.json carries the whole context inline; normalised, it is
	// the same BadgeClass with the context URL.
	got, err := Normalize(context.Background(), readExample(t, "badgeclass1.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"@context":    Context,
		"id":          "http://example.org/badgeclass1",
		"type":        "BadgeClass",
		"name":        "Example Badge",
		"description": "An example",
		"criteria":    "http://example.com/badgecriteria.json",
		"issuer":      "http://example.org/issuer1.json",
		"image":       "http://example.org/robotics-badge.png",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize(badgeclass1) = %v\nwant %v", got, want)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name      string
		doc, want string
	}{
		{
			// Other names for the same IRIs, as a translation or another
			// publisher's context would use.
			name: "renamed terms",
			doc: `{
				"@context": {"obi": "https://w3id.org/openbadges#", "schema": "http://schema.org/",
					"sec": "https://w3id.org/security#", "xsd": "http://www.w3.org/2001/XMLSchema#",
					"@vocab": "https://w3id.org/openbadges#",
					"nom": "schema:name", "courriel": "schema:email",
					"Emetteur": "obi:Issuer", "clef": {"@id": "sec:publicKey", "@type": "@id"}},
				"@id": "https://example.org/i", "@type": "Emetteur",
				"nom": "Exemple", "courriel": "a@example.org", "clef": "https://example.org/k"
			}`,
			want: `{"@context": "https://w3id.org/openbadges/v2", "id": "https://example.org/i", "type": "Issuer",
				"name": "Exemple", "email": "a@example.org", "publicKey": "https://example.org/k"}`,
		},
		{
			// Booleans, dates and arrays keep their short names and forms.
			name: "assertion in a context array",
			doc: `{"@context": ["https://w3id.org/openbadges/v2"], "type": "Assertion", "id": "urn:uuid:1",
				"recipient": {"type": "email", "hashed": true, "salt": "s", "identity": "sha256$00"},
				"badge": "https://example.org/b", "verification": {"type": "SignedBadge", "creator": "https://example.org/k"},
				"issuedOn": "2016-12-31T23:59:59Z", "revoked": false, "evidence": ["https://example.org/e1", "https://example.org/e2"]}`,
			want: `{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "urn:uuid:1",
				"recipient": {"type": "email", "hashed": true, "salt": "s", "identity": "sha256$00"},
				"badge": "https://example.org/b", "verification": {"type": "signed", "creator": "https://example.org/k"},
				"issuedOn": "2016-12-31T23:59:59Z", "revoked": false, "evidence": ["https://example.org/e1", "https://example.org/e2"]}`,
		},
		{
			name: "http context URL and an extension term",
			doc: `{"@context": ["http://w3id.org/openbadges/v2", {"colour": "http://example.org/colour"}],
				"type": "BadgeClass", "id": "https://example.org/b", "colour": "red", "undefined": 1}`,
			want: `{"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": "https://example.org/b",
				"http://example.org/colour": "red"}`,
		},
		{
			name: "revocation list from openbadgespec.org",
			doc: `{"@context": "https://openbadgespec.org/v2/context.json", "type": "RevocationList", "id": "https://example.org/r",
				"revokedAssertions": [{"id": "https://example.org/a1", "revocationReason": "x"}, "urn:uuid:2"]}`,
			want: `{"@context": "https://w3id.org/openbadges/v2", "type": "RevocationList", "id": "https://example.org/r",
				"revokedAssertions": [{"id": "https://example.org/a1", "revocationReason": "x"}, "urn:uuid:2"]}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(context.Background(), decode(t, tc.doc), nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := decode(t, tc.want); !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("Normalize =\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestNormalizeFastPath(t *testing.T) {
	doc := readExample(t, "assertion-with-endorsements.json")
	doc["undefinedTerm"] = "kept, since no processing happens"
	got, err := Normalize(context.Background(), doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(got).Pointer() != reflect.ValueOf(doc).Pointer() {
		t.Error("Normalize of a document with the standard context returned a new map; want the same one")
	}
}

func TestNormalizeErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Normalize(ctx, map[string]any{"id": "https://example.org/a"}, nil); !errors.Is(err, ErrNoContext) {
		t.Errorf("no @context: %v; want ErrNoContext", err)
	}
	remote := map[string]any{"@context": "https://example.org/context.json", "id": "https://example.org/a"}
	if _, err := Normalize(ctx, remote, nil); !errors.Is(err, ErrRemoteContext) {
		t.Errorf("remote context without fetch: %v; want ErrRemoteContext", err)
	}
	failing := DocumentLoader(func(context.Context, string) ([]byte, error) { return nil, errors.New("unreachable") })
	if _, err := Normalize(ctx, remote, failing); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("remote context whose fetch fails: %v; want the fetch error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Normalize(cancelled, remote, failing); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v; want context.Canceled", err)
	}
}

// TestDocumentLoaderFetch serves an extension context over HTTP on loopback
// and normalises a document that uses it through a loader with fetch.
func TestDocumentLoaderFetch(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/ld+json")
		io.WriteString(w, `{"@context": {"colour": "http://example.org/colour"}}`)
	}))
	defer srv.Close()
	type ctxKey struct{}
	fetch := func(ctx context.Context, url string) ([]byte, error) {
		if ctx.Value(ctxKey{}) != "mine" {
			return nil, errors.New("fetch did not get the caller's context")
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %s", resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	loader := DocumentLoader(fetch)
	ctx := context.WithValue(context.Background(), ctxKey{}, "mine")
	doc := map[string]any{
		"@context": []any{Context, srv.URL + "/ext.json"},
		"type":     "BadgeClass", "id": "https://example.org/b", "colour": "red",
	}
	for range 2 {
		got, err := Normalize(ctx, doc, loader)
		if err != nil {
			t.Fatal(err)
		}
		if got["http://example.org/colour"] != "red" || got["type"] != "BadgeClass" {
			t.Errorf("Normalize = %v; want the extension property by its IRI", got)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the extension context was fetched %d times; want 1 (cached)", n)
	}

	// The Open Badges context itself never reaches fetch.
	for u := range contextAliases {
		rd, err := loader.LoadDocument(u)
		if err != nil {
			t.Fatalf("LoadDocument(%s): %v", u, err)
		}
		if _, ok := rd.Document.(map[string]any)["@context"]; !ok {
			t.Errorf("LoadDocument(%s) has no @context", u)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("loading the Open Badges context fetched %d times in all; want 1", n)
	}
}
