package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// accept is the Accept header of every fetch: Open Badges documents are
// served as JSON-LD, or as JSON to clients that ask only for that.
const accept = "application/ld+json, application/json;q=0.9"

// maxDocument bounds a fetched body even when the Verifier's Client does
// not (the egress client has its own, usually lower, limit).
const maxDocument = 2 << 20

// fetcher fetches the documents of one verification, at most MaxFetches.
// It keeps what it fetched, so that documents several checks need (an
// issuer's key document, for its credential, its status list and its
// endorsements) are fetched once. A verification runs in one goroutine,
// so it needs no lock.
type fetcher struct {
	client *http.Client
	n      int
	seen   map[string]*response
}

func newFetcher(client *http.Client) *fetcher {
	return &fetcher{client: client, seen: map[string]*response{}}
}

// response is a fetched document.
type response struct {
	status     int
	statusText string // e.g. "404 Not Found"
	body       []byte
}

// get fetches u. A non-2xx status is not an error (410 Gone means
// revoked); failing to get any answer is, and names u and the cause.
func (f *fetcher) get(ctx context.Context, u string) (*response, error) {
	if res, ok := f.seen[u]; ok {
		return res, nil
	}
	if f.n >= MaxFetches {
		return nil, fmt.Errorf("%s not fetched: one verification fetches at most %d documents", u, MaxFetches)
	}
	f.n++
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it would repeat the method and URL
		}
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: read body: %w", u, err)
	}
	if len(body) > maxDocument {
		return nil, fmt.Errorf("fetch %s: the document is larger than %d bytes", u, maxDocument)
	}
	res := &response{status: resp.StatusCode, statusText: resp.Status, body: body}
	if f.seen != nil {
		f.seen[u] = res
	}
	return res, nil
}

// fetchContext fetches a JSON-LD context for the document loader, through
// the same fetcher, so contexts count towards MaxFetches.
func (r *run) fetchContext(ctx context.Context, u string) ([]byte, error) {
	if err := checkFetchURL(u); err != nil {
		return nil, err
	}
	res, err := r.f.get(ctx, u)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u, res.statusText)
	}
	return res.body, nil
}

// decodeObject parses data as one JSON object, numbers as json.Number.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a JSON %s, not an object", jsonType(v))
	}
	return m, nil
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	}
	return "value"
}

// hasHTTPScheme reports whether s starts with http:// or https://.
func hasHTTPScheme(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// checkFetchURL reports why u cannot be fetched: it must be an absolute
// http or https URL with a host.
func checkFetchURL(u string) error {
	if !hasHTTPScheme(u) {
		return fmt.Errorf("%s is not an http or https URL", describeValue(u))
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%s is not a valid URL", describeValue(u))
	}
	if p.Host == "" {
		return fmt.Errorf("%s has no host", describeValue(u))
	}
	return nil
}
