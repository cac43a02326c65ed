package esco

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Where ESCO's web APIs live, and what the client calls itself there.
const (
	// DefaultBaseURL is the ESCO Open API, ESCO's current public API.
	DefaultBaseURL = "https://ec.europa.eu/esco/open-api"
	// DefaultClassicBaseURL is ESCO's classic web-service API. The
	// downloadable ESCO local API serves the same layout, usually at
	// http://localhost:8080 (set ClientConfig.BaseURL to it).
	DefaultClassicBaseURL = "https://ec.europa.eu/esco/api"
	// DefaultUserAgent names Laurel to ESCO unless ClientConfig.UserAgent
	// says otherwise.
	DefaultUserAgent = "Laurel (+https://github.com/laurelnet/laurel)"
)

// The APIs a Client can talk to (ClientConfig.API).
const (
	APIOpen    = "open"    // the ESCO Open API (the default)
	APIClassic = "classic" // the classic API, and the ESCO local API
)

// Defaults and limits of the client.
const (
	clientTimeout      = 10 * time.Second
	clientMaxRetries   = 3
	clientRate         = 5.0
	clientRetryBackoff = 250 * time.Millisecond
	clientMaxBackoff   = 5 * time.Second
	// clientMaxRetryAfter is the longest Retry-After the client waits for;
	// ESCO asking for longer counts as ESCO being unavailable.
	clientMaxRetryAfter = 30 * time.Second
	// MaxResponseBytes bounds every response body the client reads: 8 MiB,
	// room for a page of 100 results with labels in all 28 languages.
	MaxResponseBytes = 8 << 20
	// errorMessageMax bounds an error message taken from a body that is
	// not ESCO's JSON error object.
	errorMessageMax = 300
)

// ErrNotFound is matched (with errors.Is) by the error for a concept ESCO
// does not know: any answer 404 Not Found. The error is an *APIError with
// ESCO's message.
var ErrNotFound = errors.New("esco: not found")

// ErrUnavailable is wrapped by the error returned when ESCO cannot be
// reached or keeps failing: network errors and timeouts, 5xx answers and
// 429 Too Many Requests after the retries, a Retry-After too long to wait
// for, an address the HTTP client refuses to dial. Callers fall back to the
// local store on it.
var ErrUnavailable = errors.New("ESCO is unavailable")

// APIError is an answer from ESCO with a status other than 2xx, carrying
// the message ESCO put in its body. A 404 also matches ErrNotFound.
type APIError struct {
	Status  int    // HTTP status code
	Message string // ESCO's message, e.g. "Skill not found http://data.europa.eu/esco/skill/..."

	retryAfter time.Duration // from a Retry-After header; 0 when absent
}

// Error returns e.g. "ESCO answered 404 Not Found: Skill not found http://...".
func (e *APIError) Error() string {
	return fmt.Sprintf("ESCO answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Is reports whether e is a 404 when target is ErrNotFound.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// ClientConfig configures a Client. The zero value talks to the ESCO Open
// API with the defaults below.
type ClientConfig struct {
	// BaseURL is the API's base, an absolute http or https URL; empty means
	// DefaultBaseURL (or DefaultClassicBaseURL when API is APIClassic).
	BaseURL string
	// API is APIOpen (the default when empty) or APIClassic.
	API string
	// HTTP sends the requests; nil means a plain *http.Client. A node
	// passes its egress client (egress.New(...).HTTPClient()), whose body
	// limit must then allow MaxResponseBytes for large searches.
	HTTP *http.Client
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Timeout bounds each request (one attempt: connecting, waiting and
	// reading the body); zero or less means 10 s.
	Timeout time.Duration
	// MaxRetries is how many times a request is tried again after a
	// network error, a timeout, a 5xx or a 429; zero means 3 and a negative
	// value means no retries.
	MaxRetries int
	// RetryBackoff is the wait before the first retry, doubled before each
	// later one (at most 5 s) with random jitter; zero or less means
	// 250 ms. A Retry-After header from ESCO replaces it.
	RetryBackoff time.Duration
	// RatePerSecond is the most requests per second the client sends, a
	// politeness limit shared by all calls on the Client; zero means 5 and
	// a negative value means no limit.
	RatePerSecond float64
}

// Client searches and fetches ESCO concepts over ESCO's web API. It is safe
// for concurrent use. Create it with NewClient.
type Client struct {
	base         *url.URL
	classic      bool
	hc           *http.Client
	userAgent    string
	timeout      time.Duration
	maxRetries   int
	retryBackoff time.Duration
	pace         *apiPacer
}

// NewClient returns a Client configured by cfg, or an error naming the bad
// setting.
func NewClient(cfg ClientConfig) (*Client, error) {
	c := &Client{
		hc:           cfg.HTTP,
		userAgent:    cfg.UserAgent,
		timeout:      cfg.Timeout,
		maxRetries:   cfg.MaxRetries,
		retryBackoff: cfg.RetryBackoff,
	}
	switch cfg.API {
	case "", APIOpen:
	case APIClassic:
		c.classic = true
	default:
		return nil, fmt.Errorf("esco: new client: unknown API %q (want %q or %q)", cfg.API, APIOpen, APIClassic)
	}
	raw := strings.TrimSpace(cfg.BaseURL)
	if raw == "" {
		raw = DefaultBaseURL
		if c.classic {
			raw = DefaultClassicBaseURL
		}
	}
	base, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("esco: new client: base URL: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("esco: new client: base URL %q is not an absolute http or https URL", raw)
	}
	if base.RawQuery != "" || base.Fragment != "" || base.User != nil {
		return nil, fmt.Errorf("esco: new client: base URL %q may not have a query, fragment or user", raw)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""
	c.base = base

	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.timeout <= 0 {
		c.timeout = clientTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = clientMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.retryBackoff <= 0 {
		c.retryBackoff = clientRetryBackoff
	}
	rate := cfg.RatePerSecond
	if rate == 0 {
		rate = clientRate
	}
	c.pace = &apiPacer{}
	if rate > 0 {
		c.pace.interval = time.Duration(float64(time.Second) / rate)
	}
	return c, nil
}

// Search runs q against ESCO's search and returns one page of concepts,
// with Source "api". Labels and descriptions come in every language the
// answer carries; the requested language always has a label.
func (c *Client) Search(ctx context.Context, q Query) (Results, error) {
	q = apiQuery(q)
	var (
		res Results
		err error
	)
	if c.classic {
		res, err = c.classicSearch(ctx, q)
	} else {
		res, err = c.openSearch(ctx, q)
	}
	if err != nil {
		return Results{}, fmt.Errorf("esco: search %q: %w", q.Text, err)
	}
	res.Source = "api"
	return res, nil
}

// Get fetches the concept uri (e.g.
// http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d)
// with its labels, alternative labels and descriptions in every language,
// status, code and version. typ is TypeSkill, TypeOccupation, TypeConcept,
// or "" to tell from the URI; language (default "en") is the language the
// title comes in; version pins an ESCO version ("" for ESCO's current). An
// unknown concept gives an error matching ErrNotFound.
func (c *Client) Get(ctx context.Context, uri, typ, language, version string) (Concept, error) {
	uri = strings.TrimSpace(uri)
	language = apiLanguage(language)
	version = strings.TrimSpace(version)
	var (
		con Concept
		err error
	)
	switch typ {
	case "", TypeSkill, TypeOccupation, TypeConcept:
	default:
		return Concept{}, fmt.Errorf("esco: get %s: unknown concept type %q", uri, typ)
	}
	if c.classic {
		con, err = c.classicGet(ctx, uri, typ, language, version)
	} else {
		con, err = c.openGet(ctx, uri, typ, language, version)
	}
	if err != nil {
		return Concept{}, fmt.Errorf("esco: get %s: %w", uri, err)
	}
	return con, nil
}

// apiQuery applies Query's defaults and bounds.
func apiQuery(q Query) Query {
	q.Text = strings.TrimSpace(q.Text)
	q.Language = apiLanguage(q.Language)
	switch {
	case q.Limit <= 0:
		q.Limit = 20
	case q.Limit > 100:
		q.Limit = 100
	}
	q.Offset = max(q.Offset, 0)
	q.Version = strings.TrimSpace(q.Version)
	var types []string
	for _, t := range q.Types {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	q.Types = types
	return q
}

func apiLanguage(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang == "" {
		return "en"
	}
	return lang
}

// apiSearchValues is the query of a search, the same for both APIs.
func apiSearchValues(q Query) url.Values {
	v := url.Values{}
	if q.Text != "" {
		v.Set("text", q.Text)
	}
	v.Set("language", q.Language)
	for _, t := range q.Types {
		v.Add("type", t)
	}
	v.Set("limit", strconv.Itoa(q.Limit))
	v.Set("offset", strconv.Itoa(q.Offset))
	if q.Version != "" {
		v.Set("selectedVersion", q.Version)
	}
	return v
}

// endpoint returns the URL of path (which starts with "/") under the base
// URL, with query.
func (c *Client) endpoint(path string, query url.Values) *url.URL {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	return &u
}

// fetch GETs u and returns its body, trying again on network errors,
// timeouts, 5xx and 429 with backoff (or as long as Retry-After says), at
// the client's pace. A non-2xx answer that is not retried is an *APIError;
// when every attempt failed, or ESCO cannot be reached at all (the HTTP
// client refuses the address, say), the error wraps ErrUnavailable.
// Cancelling ctx, or its deadline passing, stops at once with ctx's error.
func (c *Client) fetch(ctx context.Context, u *url.URL) ([]byte, error) {
	var last error
	attempts := 0
	for {
		if err := c.pace.wait(ctx); err != nil {
			return nil, err
		}
		attempts++
		body, err := c.fetchOnce(ctx, u)
		if err == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		wait, retry := c.retryWait(err, attempts)
		if !retry {
			return nil, apiUnavailable(err)
		}
		last = err
		if attempts > c.maxRetries {
			break
		}
		if wait < 0 {
			return nil, fmt.Errorf("%w: %w (not retried: ESCO asks to wait too long)", ErrUnavailable, err)
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, fmt.Errorf("%w: %w (no time left to retry)", ErrUnavailable, err)
		}
		if err := apiSleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: %d attempts failed, the last with: %w", ErrUnavailable, attempts, last)
}

// fetchOnce makes one attempt at GETting u, bounded by the client's
// timeout.
func (c *Client) fetchOnce(ctx context.Context, u *url.URL) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json, application/hal+json;q=0.9")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &apiTransportError{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, &apiTransportError{err: fmt.Errorf("read response: %w", err), reading: true}
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("response from %s is larger than %d bytes", u.Redacted(), MaxResponseBytes)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &APIError{
			Status:     resp.StatusCode,
			Message:    apiErrorMessage(body),
			retryAfter: apiRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	return body, nil
}

// apiTransportError is a failure to get an answer from ESCO: connecting,
// sending, or reading the response.
type apiTransportError struct {
	err     error
	reading bool // the answer had started; only its body failed
}

func (e *apiTransportError) Error() string { return e.err.Error() }
func (e *apiTransportError) Unwrap() error { return e.err }

// retryWait tells whether err, from attempt number attempts, may be
// retried and after how long; a negative wait means ESCO asked for a wait
// longer than the client is willing to make.
func (c *Client) retryWait(err error, attempts int) (time.Duration, bool) {
	backoff := c.backoff(attempts)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if apiErr.Status != http.StatusTooManyRequests && apiErr.Status < 500 {
			return 0, false
		}
		if apiErr.retryAfter > clientMaxRetryAfter {
			return -1, true
		}
		if apiErr.retryAfter > 0 {
			return apiErr.retryAfter, true
		}
		return backoff, true
	}
	var te *apiTransportError
	if errors.As(err, &te) && apiTransient(te.err) {
		return backoff, true
	}
	return 0, false
}

// backoff is the wait after failed attempt n (from 1): RetryBackoff·2^(n-1),
// at most 5 s, with equal jitter (half of it fixed, half random).
func (c *Client) backoff(n int) time.Duration {
	step := c.retryBackoff
	for i := 1; i < n && step < clientMaxBackoff; i++ {
		step *= 2
	}
	step = min(step, clientMaxBackoff)
	half := step / 2
	return half + time.Duration(rand.Float64()*float64(half))
}

// apiTransient reports whether a transport error is worth retrying: timeouts,
// refused or reset connections, connections closed early, DNS failures.
// Refusals by the HTTP client itself (forbidden addresses, bad schemes,
// oversized bodies) are not.
func apiTransient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) { // *url.Error is a net.Error itself: look inside
		err = ue.Err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// apiUnavailable wraps a transport error that fetch gave up on at once with
// ErrUnavailable: ESCO could not be reached.
func apiUnavailable(err error) error {
	var te *apiTransportError
	if errors.As(err, &te) && !te.reading && !errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// apiRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date. It returns 0 when the header is absent or unreadable.
func apiRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// wireError is ESCO's error body, the Open API's (Spring's, with
// validation errors under "errors") and the classic API's alike.
type wireError struct {
	Message string `json:"message"`
	Error   string `json:"error"`
	Errors  []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// apiErrorMessage returns the message of ESCO's error body: the validation
// errors when there are some (ESCO's own message is then a placeholder),
// else its message; a body that is not ESCO's JSON gives its text, cut
// short.
func apiErrorMessage(body []byte) string {
	var we wireError
	if json.Unmarshal(body, &we) == nil {
		var parts []string
		for _, e := range we.Errors {
			m := strings.TrimSpace(e.Message)
			if f := strings.TrimSpace(e.Field); f != "" {
				m = f + ": " + m
			}
			if m != "" {
				parts = append(parts, m)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
		if m := strings.TrimSpace(we.Message); m != "" {
			return m
		}
		if m := strings.TrimSpace(we.Error); m != "" {
			return m
		}
	}
	s := strings.ToValidUTF8(strings.Join(strings.Fields(string(body)), " "), "\uFFFD")
	if s == "" {
		return "(no message)"
	}
	if r := []rune(s); len(r) > errorMessageMax {
		s = string(r[:errorMessageMax]) + "…"
	}
	return s
}

// apiSleep waits for d or until ctx is done, whichever comes first.
func apiSleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// apiPacer spaces requests at least interval apart (no limit when zero),
// across all goroutines using it.
type apiPacer struct {
	interval time.Duration

	mu   sync.Mutex
	next time.Time // when the next request may start
}

// wait blocks until the caller's turn, or until ctx is done.
func (p *apiPacer) wait(ctx context.Context) error {
	if p.interval <= 0 {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	return apiSleep(ctx, at.Sub(now))
}
