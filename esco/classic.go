package esco

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// The classic API (ESCO's older web-service API at /esco/api, and what the
// downloadable ESCO local API serves) differs from the Open API in its
// layout, not in its concepts:
//
//   - GET /search takes the same text, language, type (repeated), limit,
//     offset and selectedVersion, and nests its hits under
//     "_embedded": {"results": [...]};
//   - one concept is GET /resource/{skill|occupation|concept|taxonomy}?uri=...
//     (concept schemes are "taxonomy");
//   - descriptions are objects, {"en": {"literal": "...", "mimetype": "plain/text"}},
//     and the class URI is "classId";
//   - errors are {"logref": ..., "status": ..., "message": ...}.
//
// wireConcept and wireLangTexts read both layouts; this file has what is
// only the classic API's.

// classicSearchPage is the classic API's answer to GET /search.
type classicSearchPage struct {
	Total    int             `json:"total"`
	Embedded json.RawMessage `json:"_embedded"`
}

// classicSearch runs q against the classic API's GET /search.
func (c *Client) classicSearch(ctx context.Context, q Query) (Results, error) {
	body, err := c.fetch(ctx, c.endpoint("/search", apiSearchValues(q)))
	if err != nil {
		return Results{}, err
	}
	var page classicSearchPage
	if err := json.Unmarshal(body, &page); err != nil {
		return Results{}, fmt.Errorf("decode classic API search answer: %w", err)
	}
	raw := bytes.TrimSpace(page.Embedded)
	var hits []wireConcept
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '[': // an Open API answer after all
		hits, err = decodeOpenHits(raw)
	default:
		hits, err = decodeClassicHits(raw)
	}
	if err != nil {
		return Results{}, fmt.Errorf("decode classic API search answer: %w", err)
	}
	return apiResults(hits, page.Total, q), nil
}

// decodeClassicHits reads the classic API's "_embedded" object, whose
// "results" are the search hits.
func decodeClassicHits(raw json.RawMessage) ([]wireConcept, error) {
	var emb struct {
		Results []wireConcept `json:"results"`
	}
	if err := json.Unmarshal(raw, &emb); err != nil {
		return nil, fmt.Errorf("_embedded.results: %w", err)
	}
	return emb.Results, nil
}

// classicGet fetches one concept from the classic API's
// GET /resource/{type}?uri=...
func (c *Client) classicGet(ctx context.Context, uri, typ, language, version string) (Concept, error) {
	prefix, _, err := apiSplitURI(uri)
	if err != nil {
		return Concept{}, err
	}
	kind := typ
	switch {
	case prefix == "concept-scheme":
		kind = "taxonomy"
	case kind == "":
		kind = apiTypeFromURI(uri)
	}
	v := url.Values{}
	v.Set("uri", uri)
	v.Set("language", language)
	if version != "" {
		v.Set("selectedVersion", version)
	}
	body, err := c.fetch(ctx, c.endpoint("/resource/"+kind, v))
	if err != nil {
		return Concept{}, err
	}
	var w wireConcept
	if err := json.Unmarshal(body, &w); err != nil {
		return Concept{}, fmt.Errorf("decode classic API concept: %w", err)
	}
	con := w.concept(language, typ, version)
	if con.URI == "" {
		return Concept{}, fmt.Errorf("decode classic API concept: the answer has no uri")
	}
	return con, nil
}
