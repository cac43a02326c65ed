package vocab

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/piprate/json-gold/ld"
)

// obContext is the official Open Badges 2.0 JSON-LD context, served at
// Context. It is embedded so that processing Open Badges documents never
// depends on w3id.org being reachable. Read-only.
//
//go:embed contexts/openbadges-v2.json
var obContext []byte

// contextAliases are the URLs at which the Open Badges 2.0 context has been
// published; all of them are answered from the embedded copy. Read-only.
var contextAliases = map[string]bool{
	Context:                                     true,
	Context + "/":                               true,
	"http://w3id.org/openbadges/v2":             true,
	"http://w3id.org/openbadges/v2/":            true,
	"https://openbadgespec.org/v2/context.json": true,
	"http://openbadgespec.org/v2/context.json":  true,
}

// IsContextURL reports whether u is one of the URLs of the Open Badges 2.0
// context (https://w3id.org/openbadges/v2 and its http, trailing-slash and
// openbadgespec.org variants).
func IsContextURL(u string) bool { return contextAliases[u] }

// ErrRemoteContext is wrapped by the error for a JSON-LD context URL other
// than the Open Badges 2.0 context when no fetch function was given.
var ErrRemoteContext = errors.New("remote JSON-LD context not allowed")

// ErrNoContext is wrapped by the error of Normalize for a document without
// an @context: without it no property of the document means anything.
var ErrNoContext = errors.New("document has no @context")

// maxCachedContexts bounds how many fetched remote contexts one loader
// keeps, so that a document naming many contexts cannot grow it without end.
const maxCachedContexts = 16

// DocumentLoader returns a JSON-LD document loader for json-gold that serves
// the Open Badges 2.0 and 3.0 contexts, and the Verifiable Credentials 2.0,
// Data Integrity and Multikey contexts they build on, from embedded copies
// (see embeddedContexts) and passes any other
// URL to fetch (e.g. through the node's egress client). With fetch nil, any
// other context is refused with an error wrapping ErrRemoteContext, so that
// processing needs no network. Fetched contexts are cached by the loader,
// a few at most.
//
// Normalize passes its context to fetch; other uses of the loader (json-gold
// calls LoadDocument without one) pass context.Background().
func DocumentLoader(fetch func(ctx context.Context, url string) ([]byte, error)) ld.DocumentLoader {
	return &docLoader{ctx: context.Background(), fetch: fetch, cache: &contextCache{m: map[string][]byte{}}}
}

// docLoader is the loader DocumentLoader returns.
type docLoader struct {
	ctx   context.Context
	fetch func(ctx context.Context, url string) ([]byte, error)
	cache *contextCache
}

// contextCache holds fetched contexts, shared by a loader and its copies
// from withContext.
type contextCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// withContext returns a copy of l whose fetches use ctx.
func (l *docLoader) withContext(ctx context.Context) *docLoader {
	c := *l
	c.ctx = ctx
	return &c
}

// LoadDocument implements ld.DocumentLoader.
func (l *docLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	data, err := l.load(u)
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, err)
	}
	doc, err := ld.DocumentFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, ld.NewJsonLdError(ld.LoadingDocumentFailed, fmt.Errorf("parse JSON-LD context %s: %w", u, err))
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: doc}, nil
}

// load returns the bytes of the context at u.
func (l *docLoader) load(u string) ([]byte, error) {
	if contextAliases[u] {
		return obContext, nil
	}
	if data, ok := embeddedContexts[u]; ok {
		return data, nil
	}
	if l.fetch == nil {
		return nil, fmt.Errorf("load JSON-LD context %s: %w", u, ErrRemoteContext)
	}
	l.cache.mu.Lock()
	data, ok := l.cache.m[u]
	l.cache.mu.Unlock()
	if ok {
		return data, nil
	}
	data, err := l.fetch(l.ctx, u)
	if err != nil {
		return nil, fmt.Errorf("load JSON-LD context %s: %w", u, err)
	}
	l.cache.mu.Lock()
	if len(l.cache.m) < maxCachedContexts {
		l.cache.m[u] = data
	}
	l.cache.mu.Unlock()
	return data, nil
}

// Normalize returns doc in the standard form of the Open Badges 2.0
// context: it compacts the document against that context, so that a
// document with an inline context, another context URL or other prefixes
// comes out with the standard short property names, and "@context":
// Context. A document whose @context is already exactly Context is returned
// as it is, without JSON-LD processing. Properties that no context of the
// document defines have no meaning in JSON-LD and are dropped.
//
// loader loads the contexts the document names (nil: DocumentLoader(nil),
// which loads no remote context). doc is not modified.
func Normalize(ctx context.Context, doc map[string]any, loader ld.DocumentLoader) (map[string]any, error) {
	c, ok := doc["@context"]
	if !ok || c == nil {
		return nil, fmt.Errorf("normalize document: %w", ErrNoContext)
	}
	if s, ok := c.(string); ok && s == Context {
		return doc, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("normalize document: %w", err)
	}
	if loader == nil {
		loader = DocumentLoader(nil)
	}
	if l, ok := loader.(*docLoader); ok {
		loader = l.withContext(ctx)
	}
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader
	out, err := ld.NewJsonLdProcessor().Compact(ld.CloneDocument(doc), Context, opts)
	if err != nil {
		return nil, fmt.Errorf("normalize document: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("normalize document: nothing in it is defined by its @context")
	}
	if _, ok := out["@graph"]; ok {
		return nil, errors.New("normalize document: it holds several top-level objects (@graph), not one badge object")
	}
	out["@context"] = Context
	return out, nil
}

// UndefinedTermsError is returned by Expand for a document with properties
// or types that its context does not map to an IRI, which JSON-LD
// processing silently drops or leaves meaningless.
type UndefinedTermsError struct {
	// Terms lists each, as the path of the property ("badge.foo") or, for
	// a type, the path and the value ("type: Foo"), sorted.
	Terms []string
}

func (e *UndefinedTermsError) Error() string {
	return "terms not defined by the JSON-LD context: " + strings.Join(e.Terms, ", ")
}

// Expand expands doc, a JSON-LD document, with the embedded Open Badges 2.0
// context and without any network access (any other remote context is an
// error), and returns the expanded form. When a property of the document,
// or a type value, does not map to an IRI, it returns the expanded form
// (without them) together with an *UndefinedTermsError listing them, so a
// test can check that every document Laurel serves means what it says. Contexts nested in the document are taken
// into account; JSON-LD 1.1 scoped contexts are not looked at, as the Open
// Badges context has none.
func Expand(doc []byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var input any
	if err := dec.Decode(&input); err != nil {
		return nil, fmt.Errorf("expand: parse JSON: %w", err)
	}
	loader := DocumentLoader(nil)
	opts := ld.NewJsonLdOptions("")
	opts.DocumentLoader = loader
	proc := ld.NewJsonLdProcessor()
	expanded, err := proc.Expand(ld.CloneDocument(input), opts)
	if err != nil {
		return nil, fmt.Errorf("expand: %w", err)
	}

	// Find what the context leaves undefined: properties by looking each
	// key up in the active context, types in the expanded output.
	var undefined []string
	root := ld.NewContext(nil, opts)
	if err := findUndefined(root, "", input, &undefined); err != nil {
		return nil, fmt.Errorf("expand: %w", err)
	}
	findRelativeTypes(expanded, &undefined)
	if len(undefined) > 0 {
		slices.Sort(undefined)
		undefined = slices.Compact(undefined)
		return expanded, &UndefinedTermsError{Terms: undefined}
	}

	// The processor's own check, in case a construct escaped the walk.
	opts.SafeMode = true
	if _, err := proc.Expand(ld.CloneDocument(input), opts); err != nil {
		return nil, fmt.Errorf("expand: %w", err)
	}
	return expanded, nil
}

// findUndefined appends to out the path of every key in v that active (as
// changed by any @context on the way) does not expand to an absolute IRI or
// a keyword.
func findUndefined(active *ld.Context, path string, v any, out *[]string) error {
	switch v := v.(type) {
	case []any:
		for i, e := range v {
			if err := findUndefined(active, fmt.Sprintf("%s[%d]", path, i), e, out); err != nil {
				return err
			}
		}
	case map[string]any:
		if _, isValue := v["@value"]; isValue {
			return nil
		}
		if local, ok := v["@context"]; ok {
			next, err := active.Parse(local)
			if err != nil {
				return fmt.Errorf("parse @context at %q: %w", path, err)
			}
			active = next
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "@context" {
				continue
			}
			iri, err := active.ExpandIri(k, false, true, nil, nil)
			if err != nil {
				return fmt.Errorf("expand property %q: %w", join(path, k), err)
			}
			if iri == "" || !ld.IsKeyword(iri) && !strings.Contains(iri, ":") {
				*out = append(*out, join(path, k))
				continue
			}
			if iri == "@type" || iri == "@id" || iri == "@value" || iri == "@language" {
				continue // their values are not nodes
			}
			if err := findUndefined(active, join(path, k), v[k], out); err != nil {
				return err
			}
		}
	}
	return nil
}

// findRelativeTypes appends a description of every @type value in the
// expanded document v that is not an absolute IRI: a type name the context
// does not define.
func findRelativeTypes(v any, out *[]string) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			findRelativeTypes(e, out)
		}
	case map[string]any:
		if _, isValue := v["@value"]; isValue {
			return
		}
		for k, e := range v {
			if k == "@type" {
				for _, t := range strings1(e) {
					if !strings.Contains(t, ":") {
						*out = append(*out, "type: "+t)
					}
				}
				continue
			}
			findRelativeTypes(e, out)
		}
	}
}
