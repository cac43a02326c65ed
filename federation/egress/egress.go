// Package egress is the one HTTP client through which a Laurel node makes
// every outgoing request (actors, keys, Open Badges assertions, deliveries),
// so that no request reaches a loopback, private or otherwise internal
// address unless the operator allowed it with --allow-ips.
//
// The address check happens when a connection is made, on the IP address
// actually dialled: the client resolves the host name itself, drops every
// address IsForbidden refuses and dials only the vetted addresses, so DNS
// rebinding (a name that resolves to a public address when checked and to a
// private one when used) and redirects to internal hosts cannot get around
// it. Each redirect hop is dialled the same way. A URL whose host is a
// literal IP address in a forbidden range is refused before any connection
// is attempted. Environment proxies are ignored, since a proxy would hide
// the real target address.
package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults and fixed limits of the client.
const (
	// DefaultTimeout bounds a whole request (connection, redirects, headers
	// and reading the body) when Config.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxBody is the largest response body read when Config.MaxBody
	// is zero: 1 MiB.
	DefaultMaxBody int64 = 1 << 20
	// MaxRedirects is how many redirects a request follows before it fails
	// with ErrTooManyRedirects.
	MaxRedirects = 5

	dialTimeout           = 10 * time.Second
	minDialAttempt        = 2 * time.Second // each address's share of dialTimeout is at least this
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 20 * time.Second
	expectContinueTimeout = 1 * time.Second
	idleConnTimeout       = 90 * time.Second
	keepAlive             = 30 * time.Second
	maxIdleConns          = 100
	maxIdleConnsPerHost   = 8
	maxResponseHeaders    = 64 << 10
)

// ErrTooLarge is wrapped by the error returned when a response body is
// longer than Config.MaxBody: by reads of a body returned by Client.Do past
// that limit, and by Client.Get.
var ErrTooLarge = errors.New("egress: response body too large")

// ErrUnsupportedScheme is wrapped by the error returned for a URL (or a
// redirect target) whose scheme is not http or https.
var ErrUnsupportedScheme = errors.New("egress: unsupported URL scheme")

// ErrTooManyRedirects is wrapped by the error returned when a request is
// redirected more than MaxRedirects times.
var ErrTooManyRedirects = errors.New("egress: too many redirects")

// Config configures a Client. The zero value is usable: nothing internal may
// be reached, with the default timeout and body limit.
type Config struct {
	// Allow lists prefixes that may be reached even though IsForbidden
	// would refuse them (from --allow-ips; see ParseAllow), e.g. 127.0.0.0/8
	// in tests.
	Allow []netip.Prefix
	// Timeout bounds a whole request, including redirects and reading the
	// body; zero or less means DefaultTimeout. Connecting is further bounded
	// to 10s, the TLS handshake to 10s and waiting for response headers to
	// 20s.
	Timeout time.Duration
	// MaxBody is the largest response body that may be read; zero or less
	// means DefaultMaxBody.
	MaxBody int64
	// UserAgent is sent with every request that does not set its own
	// User-Agent header, e.g. "Laurel/0.1 (+https://node.example)". Empty
	// leaves Go's default.
	UserAgent string
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver

	// lookupNetIP replaces Resolver.LookupNetIP (tests only).
	lookupNetIP func(ctx context.Context, network, host string) ([]netip.Addr, error)
	// dialContext replaces the dialler that connects to a vetted
	// "ip:port" (tests only).
	dialContext func(ctx context.Context, network, address string) (net.Conn, error)
}

// Client makes outgoing HTTP requests that cannot reach forbidden addresses.
// It keeps a pool of connections; it is safe for concurrent use and should
// be shared by the whole node. Create it with New.
type Client struct {
	allow     []netip.Prefix
	timeout   time.Duration
	maxBody   int64
	userAgent string
	lookup    func(ctx context.Context, network, host string) ([]netip.Addr, error)
	dial      func(ctx context.Context, network, address string) (net.Conn, error)
	transport *http.Transport
	hc        *http.Client
	local     atomic.Pointer[local] // see ServeLocally
}

// New returns a Client configured by cfg. It keeps its own copy of
// cfg.Allow.
func New(cfg Config) *Client {
	c := &Client{
		allow:     slices.Clone(cfg.Allow),
		timeout:   cfg.Timeout,
		maxBody:   cfg.MaxBody,
		userAgent: cfg.UserAgent,
		lookup:    cfg.lookupNetIP,
		dial:      cfg.dialContext,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.lookup == nil {
		r := cfg.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		c.lookup = r.LookupNetIP
	}
	if c.dial == nil {
		d := &net.Dialer{KeepAlive: keepAlive, Control: c.control}
		c.dial = d.DialContext
	}
	c.transport = &http.Transport{
		Proxy:                  nil, // never use environment proxies: they would hide the target
		DialContext:            c.dialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		ExpectContinueTimeout:  expectContinueTimeout,
		IdleConnTimeout:        idleConnTimeout,
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		MaxResponseHeaderBytes: maxResponseHeaders,
	}
	c.hc = c.HTTPClient()
	return c
}

// HTTPClient returns an *http.Client with the same guards as c, for
// libraries that want one: it shares c's connection pool, refuses forbidden
// addresses and non-HTTP schemes, follows at most MaxRedirects redirects,
// applies the timeout and User-Agent, and limits every response body to
// MaxBody (reads past it fail with ErrTooLarge). Its errors are the plain
// *url.Error that net/http returns, without the "fetch URL:" prefix Do adds.
// Each call returns a new *http.Client, so changing one does not affect c.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{
		Transport:     guard{c},
		CheckRedirect: checkRedirect,
		Timeout:       c.timeout,
	}
}

// CloseIdleConnections closes the pooled connections that are not in use,
// e.g. when the node shuts down.
func (c *Client) CloseIdleConnections() {
	c.transport.CloseIdleConnections()
}

// Do sends req, following redirects, and returns the response. Like
// http.Client.Do, a non-2xx status is not an error, and the caller must
// close the body. The body is wrapped so that reading more than MaxBody bytes
// fails with an error wrapping ErrTooLarge. Errors name the URL:
// "fetch https://host/path: ...". Refused targets wrap ErrForbiddenAddress,
// refused schemes ErrUnsupportedScheme and long redirect chains
// ErrTooManyRedirects. On error the response is always nil.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return nil, errors.New("fetch: request has no URL")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// http.Client returns a response with a closed body alongside a
		// CheckRedirect error; the caller has no use for it.
		return nil, fetchError(req.URL, err)
	}
	return resp, nil
}

// Get fetches rawURL with GET, sending accept as the Accept header unless it
// is empty, and returns the whole body together with the response, whose
// Body has already been read and closed (it is replaced by http.NoBody). A
// non-2xx status is not an error: callers check resp.StatusCode (410 Gone
// matters in ActivityPub). A body longer than MaxBody fails with an error
// wrapping ErrTooLarge. On error the body and response are nil.
func (c *Client) Get(ctx context.Context, rawURL, accept string) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > c.maxBody {
		return nil, nil, fmt.Errorf("fetch %s: %w", req.URL.Redacted(), tooLarge(c.maxBody))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch %s: read body: %w", req.URL.Redacted(), err)
	}
	resp.Body = http.NoBody
	return body, resp, nil
}

// fetchError wraps an error from http.Client.Do as "fetch URL: ...",
// replacing the *url.Error (which would repeat the URL) and naming the
// redirect target when it was a later hop that failed.
func fetchError(u *url.URL, err error) error {
	orig := u.Redacted()
	if ue, ok := err.(*url.Error); ok {
		if hop := ue.URL; !sameURL(u, hop) {
			return fmt.Errorf("fetch %s: redirected to %s: %w", orig, hop, ue.Err)
		}
		err = ue.Err
	}
	return fmt.Errorf("fetch %s: %w", orig, err)
}

// sameURL reports whether the URL net/http put in a *url.Error (which hides
// any password its own way) is u, apart from user information.
func sameURL(u *url.URL, s string) bool {
	v, err := url.Parse(s)
	if err != nil {
		return false
	}
	a := *u
	a.User, v.User = nil, nil
	return a.String() == v.String()
}

// checkRedirect stops a redirect chain after MaxRedirects hops. Every hop's
// target is checked by guard and dialContext like the first request.
func checkRedirect(_ *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w (stopped after %d)", ErrTooManyRedirects, MaxRedirects)
	}
	return nil
}

// guard is the RoundTripper of the clients: it refuses bad schemes and
// forbidden literal IPs before anything is dialled, sets the User-Agent and
// limits the response body; the transport's dialler vets resolved addresses.
type guard struct{ c *Client }

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if l := g.c.local.Load(); l.serves(req.URL) {
		return l.roundTrip(req, g.c.maxBody)
	}
	if err := g.c.checkURL(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	if _, set := req.Header["User-Agent"]; g.c.userAgent != "" && !set {
		// A RoundTripper must not modify the caller's request.
		req = req.Clone(req.Context())
		if req.Header == nil {
			req.Header = make(http.Header)
		}
		req.Header.Set("User-Agent", g.c.userAgent)
	}
	resp, err := g.c.transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &limitedBody{rc: resp.Body, left: g.c.maxBody, max: g.c.maxBody}
	}
	return resp, nil
}

// Check tells, before fetching, whether rawURL may be fetched: an http or
// https URL whose host resolves to at least one address that may be
// reached. It lets callers refuse bad input up front with a clear message;
// the fetch itself checks again, on the address it dials.
func (c *Client) Check(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: not an absolute URL", ErrUnsupportedScheme)
	}
	if c.local.Load().serves(u) {
		return nil
	}
	if err := c.checkURL(u); err != nil {
		return err
	}
	if _, err := netip.ParseAddr(u.Hostname()); err == nil {
		return nil
	}
	addrs, err := c.lookup(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("look up %s: %w", u.Hostname(), withoutResolver(err))
	}
	var first error
	for _, ip := range addrs {
		err := c.checkAddr(u.Hostname(), ip.Unmap())
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("look up %s: no addresses", u.Hostname())
	}
	return first
}

// checkURL refuses schemes other than http and https, and hosts that are
// literal IP addresses in forbidden ranges, without dialling.
func (c *Client) checkURL(u *url.URL) error {
	if u == nil {
		return errors.New("egress: request has no URL")
	}
	if !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https") {
		return fmt.Errorf("%w %q (only http and https are fetched)", ErrUnsupportedScheme, u.Scheme)
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		return c.checkAddr("", ip)
	}
	return nil
}

// checkAddr returns an error wrapping ErrForbiddenAddress if ip may not be
// dialled; host is the name that resolved to it, or "".
func (c *Client) checkAddr(host string, ip netip.Addr) error {
	if why := forbiddenReason(ip, c.allow); why != "" {
		return &forbiddenError{host: host, addr: ip, reason: why}
	}
	return nil
}

// dialContext is the transport's dialler: it resolves the host itself,
// keeps only the addresses that may be reached and connects to those, one
// after the other, so the address checked is the address dialled.
func (c *Client) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()

	var addrs []netip.Addr
	name := "" // the host name, when host is not a literal address
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		name = host
		lookupNet := "ip"
		switch network {
		case "tcp4":
			lookupNet = "ip4"
		case "tcp6":
			lookupNet = "ip6"
		}
		addrs, err = c.lookup(ctx, lookupNet, host)
		if err != nil {
			return nil, withoutResolver(err)
		}
	}

	var vetted []netip.Addr
	var refused error
	for _, ip := range addrs {
		if err := c.checkAddr(name, ip); err != nil {
			if refused == nil {
				refused = err
			}
			continue
		}
		vetted = append(vetted, ip.Unmap())
	}
	if len(vetted) == 0 {
		if refused != nil {
			return nil, refused
		}
		return nil, fmt.Errorf("egress: no addresses found for %s", host)
	}

	var firstErr error
	for i, ip := range vetted {
		conn, err := c.dialOne(ctx, network, net.JoinHostPort(ip.String(), port), len(vetted)-i)
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// withoutResolver leaves the resolver's address out of a failed lookup
// ("lookup host on 10.0.0.2:53: ..."): the error reaches people on
// error pages, and the node's internal network is none of theirs.
func withoutResolver(err error) error {
	var de *net.DNSError
	if errors.As(err, &de) && de.Server != "" {
		c := *de
		c.Server = ""
		return &c
	}
	return err
}

// dialOne dials one vetted address, giving it an even share of the time
// left for the remaining addresses (at least minDialAttempt), so that one
// unresponsive address does not use up the whole dial timeout.
func (c *Client) dialOne(ctx context.Context, network, address string, remaining int) (net.Conn, error) {
	if deadline, ok := ctx.Deadline(); ok && remaining > 1 {
		share := time.Until(deadline) / time.Duration(remaining)
		if share < minDialAttempt {
			share = minDialAttempt
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, share)
		defer cancel() // a connection once made is not affected by its context
	}
	return c.dial(ctx, network, address)
}

// control is the net.Dialer's Control hook: a second check, on the address
// of the socket about to connect, in case anything ever hands the dialer an
// address that dialContext did not vet.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: cannot check dial address %q: %w", address, err)
	}
	return c.checkAddr("", ap.Addr())
}

// tooLarge is the error for a body longer than limit bytes.
func tooLarge(limit int64) error {
	return fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, limit)
}

// limitedBody passes through at most max bytes of a response body; a read
// that finds more fails with ErrTooLarge instead of silently truncating.
type limitedBody struct {
	rc   io.ReadCloser
	left int64 // bytes that may still be returned
	max  int64
	err  error // sticky ErrTooLarge
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	// Ask for one byte more than may be returned, to notice excess data.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = tooLarge(b.max)
		return n, b.err
	}
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
