package esco

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// apiURIBase starts the URI of every ESCO concept; the part after it is
// "{prefix}/{id}", which the Open API writes "{prefix}:{id}" in its paths.
const apiURIBase = "http://data.europa.eu/esco/"

// openSearchPage is the Open API's answer to GET /search: its hits are an
// array under "_embedded".
type openSearchPage struct {
	Total    int             `json:"total"`
	Embedded json.RawMessage `json:"_embedded"`
}

// openSearch runs q against the Open API's GET /search.
func (c *Client) openSearch(ctx context.Context, q Query) (Results, error) {
	body, err := c.fetch(ctx, c.endpoint("/search", apiSearchValues(q)))
	if err != nil {
		return Results{}, err
	}
	var page openSearchPage
	if err := json.Unmarshal(body, &page); err != nil {
		return Results{}, fmt.Errorf("decode Open API search answer: %w", err)
	}
	hits, err := decodeOpenHits(page.Embedded)
	if err != nil {
		return Results{}, fmt.Errorf("decode Open API search answer: %w", err)
	}
	return apiResults(hits, page.Total, q), nil
}

// decodeOpenHits reads the Open API's "_embedded" array of search hits. An
// absent or null "_embedded" is no hits; the classic API's object with
// "results" is accepted too, in case a server answers in that layout.
func decodeOpenHits(raw json.RawMessage) ([]wireConcept, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '{' {
		return decodeClassicHits(raw)
	}
	var hits []wireConcept
	if err := json.Unmarshal(raw, &hits); err != nil {
		return nil, fmt.Errorf("_embedded: %w", err)
	}
	return hits, nil
}

// apiResults turns decoded search hits into Results, dropping hits
// without a URI.
func apiResults(hits []wireConcept, total int, q Query) Results {
	res := Results{Concepts: make([]Concept, 0, len(hits)), Total: total}
	typ := ""
	if len(q.Types) == 1 {
		typ = q.Types[0]
	}
	for _, h := range hits {
		con := h.concept(q.Language, typ, q.Version)
		if con.URI == "" {
			continue
		}
		res.Concepts = append(res.Concepts, con)
	}
	res.Total = max(res.Total, q.Offset+len(res.Concepts))
	return res
}

// openGet fetches one concept from the Open API's
// GET /{skill|occupation|concept|concept-scheme}/{prefix}:{id}.
func (c *Client) openGet(ctx context.Context, uri, typ, language, version string) (Concept, error) {
	prefix, id, err := apiSplitURI(uri)
	if err != nil {
		return Concept{}, err
	}
	kind := typ
	switch {
	case prefix == "concept-scheme":
		kind = "concept-scheme"
	case kind == "":
		kind = apiTypeFromURI(uri)
	}
	v := url.Values{}
	v.Set("language", language)
	if version != "" {
		v.Set("selectedVersion", version)
	}
	u := c.endpoint("/"+kind+"/"+prefix+":"+id, v)
	body, err := c.fetch(ctx, u)
	if err != nil {
		return Concept{}, err
	}
	var w wireConcept
	if err := json.Unmarshal(body, &w); err != nil {
		return Concept{}, fmt.Errorf("decode Open API concept: %w", err)
	}
	con := w.concept(language, typ, version)
	if con.URI == "" {
		return Concept{}, fmt.Errorf("decode Open API concept: the answer has no uri")
	}
	return con, nil
}

// apiSplitURI splits an ESCO URI, http://data.europa.eu/esco/{prefix}/{id},
// into the prefix and id the Open API's paths take.
func apiSplitURI(uri string) (prefix, id string, err error) {
	rest, ok := strings.CutPrefix(uri, apiURIBase)
	if !ok {
		return "", "", fmt.Errorf("%q is not an ESCO URI (want %s{prefix}/{id})", uri, apiURIBase)
	}
	prefix, id, ok = strings.Cut(rest, "/")
	if !ok || prefix == "" || id == "" || strings.ContainsAny(id, "/?#") || strings.ContainsAny(prefix, ":?#") {
		return "", "", fmt.Errorf("%q is not an ESCO URI (want %s{prefix}/{id})", uri, apiURIBase)
	}
	return prefix, id, nil
}

// apiTypeFromURI tells a concept's type from its URI: skills and occupations
// have their own prefixes, everything else is a concept.
func apiTypeFromURI(uri string) string {
	switch {
	case strings.HasPrefix(uri, apiURIBase+"skill/"):
		return TypeSkill
	case strings.HasPrefix(uri, apiURIBase+"occupation/"):
		return TypeOccupation
	}
	return TypeConcept
}

// wireConcept is a concept as both ESCO APIs write it, in a search hit or
// as a resource. Only what Concept keeps is read.
type wireConcept struct {
	URI       string        `json:"uri"`
	ClassName string        `json:"className"`
	ClassURI  string        `json:"classUri"` // Open API
	ClassID   string        `json:"classId"`  // classic API
	Title     string        `json:"title"`
	Code      string        `json:"code"`
	Status    string        `json:"status"`
	Preferred wireLangTexts `json:"preferredLabel"`
	Alt       wireLangTexts `json:"alternativeLabel"`
	Desc      wireLangTexts `json:"description"`
	Links     struct {
		Self struct {
			Href string `json:"href"`
			URI  string `json:"uri"`
		} `json:"self"`
	} `json:"_links"`
}

// concept maps w to a Concept. lang is the language asked for, whose label
// falls back to the title; typ (the type asked for) and version are used
// when the answer does not say.
func (w wireConcept) concept(lang, typ, version string) Concept {
	con := Concept{
		URI:    strings.TrimSpace(w.URI),
		Code:   strings.TrimSpace(w.Code),
		Status: strings.TrimSpace(w.Status),
	}
	if con.URI == "" {
		con.URI = strings.TrimSpace(w.Links.Self.URI)
	}
	con.Type = apiConceptType(w.ClassName, w.ClassURI+w.ClassID, typ, con.URI)
	con.Version = version
	if href, err := url.Parse(strings.TrimSpace(w.Links.Self.Href)); err == nil {
		if v := strings.TrimSpace(href.Query().Get("selectedVersion")); v != "" {
			con.Version = v
		}
	}

	con.Labels = make(map[string]string, len(w.Preferred))
	for l, texts := range w.Preferred {
		for _, t := range texts {
			if t = apiLabel(t); t != "" {
				con.Labels[l] = t
				break
			}
		}
	}
	if con.Labels[lang] == "" {
		if t := apiLabel(w.Title); t != "" {
			con.Labels[lang] = t
		}
	}
	for l, texts := range w.Alt {
		var labels []string
		for _, t := range texts {
			if t = apiLabel(t); t != "" && !slices.Contains(labels, t) {
				labels = append(labels, t)
			}
		}
		if len(labels) > 0 {
			if con.AltLabels == nil {
				con.AltLabels = make(map[string][]string)
			}
			con.AltLabels[l] = labels
		}
	}
	for l, texts := range w.Desc {
		for _, t := range texts {
			if t = strings.TrimSpace(t); t != "" {
				if con.Descriptions == nil {
					con.Descriptions = make(map[string]string)
				}
				con.Descriptions[l] = t
				break
			}
		}
	}
	return con
}

// apiConceptType tells a concept's type from ESCO's class name (or class
// URI), else from the type asked for, else from the URI.
func apiConceptType(className, classURI, asked, uri string) string {
	switch {
	case className == "Skill" || strings.HasSuffix(classURI, "#Skill"):
		return TypeSkill
	case className == "Occupation" || strings.HasSuffix(classURI, "#Occupation"):
		return TypeOccupation
	case className != "" || classURI != "":
		return TypeConcept
	}
	switch asked {
	case TypeSkill, TypeOccupation, TypeConcept:
		return asked
	}
	return apiTypeFromURI(uri)
}

// apiLabel trims a label and collapses the runs of spaces ESCO's data
// sometimes has inside ("programiране с  AJAX").
func apiLabel(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// wireLangTexts is a map from language to texts as ESCO writes them, in
// any of its shapes: a string ("en": "Python"), an array of strings (a
// single alternative label sometimes comes as a bare string instead), or
// the classic API's {"literal": "...", "mimetype": "..."} objects. Null
// values and values of other kinds are skipped.
type wireLangTexts map[string][]string

// UnmarshalJSON implements json.Unmarshaler.
func (m *wireLangTexts) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			*m = nil
			return nil
		}
		return err
	}
	out := make(wireLangTexts, len(raw))
	for lang, v := range raw {
		texts, err := decodeWireTexts(v, 0)
		if err != nil {
			return fmt.Errorf("language %q: %w", lang, err)
		}
		if lang = strings.TrimSpace(lang); lang != "" && len(texts) > 0 {
			out[lang] = append(out[lang], texts...)
		}
	}
	*m = out
	return nil
}

// decodeWireTexts reads one language's value of a wireLangTexts; depth
// bounds nesting (an array of literals is fine, deeper is ignored).
func decodeWireTexts(v json.RawMessage, depth int) ([]string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || depth > 2 {
		return nil, nil
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, err
		}
		var out []string
		for _, it := range items {
			texts, err := decodeWireTexts(it, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, texts...)
		}
		return out, nil
	case '{':
		var lit struct {
			Literal json.RawMessage `json:"literal"`
		}
		if err := json.Unmarshal(v, &lit); err != nil {
			return nil, err
		}
		return decodeWireTexts(lit.Literal, depth+1)
	}
	return nil, nil // null, numbers, booleans
}
