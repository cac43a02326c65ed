package egress

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// prompt is how long a refusal that needs no connection may take at most;
// generous for slow race-enabled runs, far below any dial or request timeout.
const prompt = 2 * time.Second

// dialLog is a test dialler: it records every address the client asks to
// connect to and connects only to loopback addresses, so a test can never
// reach a real private or public host even if the client were wrong.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) dial(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, address)
	d.mu.Unlock()
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("test dialler refuses to connect to %q", address)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, address)
}

func (d *dialLog) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// fakeDNS resolves names from a fixed table; other names fail, so no test
// ever sends a real DNS query.
type fakeDNS map[string][]string

func (f fakeDNS) lookup(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host (fake DNS)", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range ips {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

var testDNS = fakeDNS{
	"internal.test": {"10.0.0.1"},
	"metadata.test": {"169.254.169.254"},
	"mapped.test":   {"::ffff:10.0.0.1"},
	"rebind.test":   {"10.0.0.1", "192.168.0.1", "fd00::1"},
	"nat64.test":    {"64:ff9b::a00:1"},
	"app.test":      {"127.0.0.1"},
	"mixed.test":    {"10.0.0.1", "127.0.0.1"},
	"example.com":   {"127.0.0.1"},
}

// newTestClient returns a client that resolves through testDNS and dials
// through a dialLog (unless cfg already sets those hooks).
func newTestClient(t *testing.T, cfg Config) (*Client, *dialLog) {
	t.Helper()
	log := &dialLog{}
	if cfg.lookupNetIP == nil {
		cfg.lookupNetIP = testDNS.lookup
	}
	if cfg.dialContext == nil {
		cfg.dialContext = log.dial
	}
	c := New(cfg)
	t.Cleanup(c.CloseIdleConnections)
	return c, log
}

func prefixes(t *testing.T, s string) []netip.Prefix {
	t.Helper()
	p, err := ParseAllow(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serveOn starts an HTTP server listening on ip (a loopback address).
func serveOn(t *testing.T, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func hello(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }

func port(t *testing.T, s *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func TestLoopbackNeedsAllow(t *testing.T) {
	s := serveOn(t, "127.0.0.1", http.HandlerFunc(hello))
	p := port(t, s)
	tests := []struct {
		name  string
		url   string
		allow string
		ok    bool
	}{
		{"literal refused", s.URL + "/", "", false},
		{"name refused", "http://app.test:" + p + "/", "", false},
		{"literal v6 loopback refused", "http://[::1]:" + p + "/", "", false},
		{"mapped loopback refused", "http://[::ffff:127.0.0.1]:" + p + "/", "", false},
		{"other allow does not help", s.URL + "/", "10.0.0.0/8", false},
		{"literal allowed", s.URL + "/", "127.0.0.0/8", true},
		{"single address allowed", s.URL + "/", "127.0.0.1", true},
		{"name allowed", "http://app.test:" + p + "/", "127.0.0.0/8", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, log := newTestClient(t, Config{Allow: prefixes(t, tt.allow)})
			body, resp, err := c.Get(context.Background(), tt.url, "")
			if !tt.ok {
				if !errors.Is(err, ErrForbiddenAddress) {
					t.Fatalf("Get(%s) error = %v, want ErrForbiddenAddress", tt.url, err)
				}
				if d := log.dialled(); len(d) != 0 {
					t.Errorf("dialled %v before refusing", d)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get(%s): %v", tt.url, err)
			}
			if resp.StatusCode != http.StatusOK || string(body) != "hello" {
				t.Errorf("got %d %q, want 200 \"hello\"", resp.StatusCode, body)
			}
		})
	}
}

// TestRealResolverAndDialer uses no test hooks: the system resolver for
// "localhost" and the real net.Dialer with its Control check.
func TestRealResolverAndDialer(t *testing.T) {
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip4", "localhost")
	if err != nil || len(addrs) == 0 || !addrs[0].Unmap().IsLoopback() {
		t.Skipf("localhost does not resolve to an IPv4 loopback address here: %v %v", addrs, err)
	}
	var conns atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(hello))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	local := "http://localhost:" + port(t, s) + "/"

	refuse := New(Config{Timeout: time.Second})
	t.Cleanup(refuse.CloseIdleConnections)
	for _, u := range []string{s.URL + "/", local} {
		if _, _, err := refuse.Get(context.Background(), u, ""); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Get(%s) without Allow: error = %v, want ErrForbiddenAddress", u, err)
		}
	}
	// The dialer's Control hook refuses on its own, before connecting.
	conn, err := refuse.dial(context.Background(), "tcp", s.Listener.Addr().String())
	if err == nil {
		conn.Close()
	}
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("default dialer to %s: error = %v, want ErrForbiddenAddress", s.Listener.Addr(), err)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("server saw %d connections from refused requests", n)
	}

	allow := New(Config{Allow: prefixes(t, "127.0.0.0/8"), Timeout: 5 * time.Second})
	t.Cleanup(allow.CloseIdleConnections)
	for _, u := range []string{s.URL + "/", local} {
		body, _, err := allow.Get(context.Background(), u, "")
		if err != nil || string(body) != "hello" {
			t.Errorf("Get(%s) with Allow 127.0.0.0/8 = %q, %v", u, body, err)
		}
	}
}

// TestForbiddenBeforeDial checks that internal targets are refused promptly
// without any connection attempt: by the literal-IP check, or after name
// resolution. None of these addresses is ever dialled (the test dialler
// would refuse them anyway), and the short timeout makes a hang visible.
func TestForbiddenBeforeDial(t *testing.T) {
	tests := []struct {
		url     string
		message string // substring of the error, when checked
	}{
		{"http://10.0.0.1/", "fetch http://10.0.0.1/: egress: 10.0.0.1 is a private address (allow it with --allow-ips)"},
		{"https://10.0.0.1:8443/inbox", ""},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"},
		{"http://192.168.1.1/", ""},
		{"http://172.16.0.1/", ""},
		{"http://100.64.0.1/", ""},
		{"http://0.0.0.0:8080/", "0.0.0.0 is an unspecified address"},
		{"http://255.255.255.255/", "broadcast"},
		{"http://224.0.0.1/", ""},
		{"http://198.18.0.1/", ""},
		{"http://240.0.0.1/", ""},
		{"http://[::]/", ""},
		{"http://[fe80::1%25eth0]/", ""},
		{"http://[fd00::1]/", ""},
		{"http://[::ffff:10.0.0.1]/", "IPv4-mapped address for 10.0.0.1, a private address"},
		{"http://[::ffff:169.254.169.254]/", ""},
		{"http://[64:ff9b::a00:1]/", "NAT64 address for 10.0.0.1"},
		{"http://[2001:db8::1]/", ""},
		{"http://internal.test/", "internal.test resolves to 10.0.0.1, a private address"},
		{"http://metadata.test/latest/meta-data/", "metadata.test resolves to 169.254.169.254"},
		{"http://mapped.test:8443/", ""},
		{"http://rebind.test/", ""},
		{"http://nat64.test/", ""},
		{"https://user:secret@internal.test/", "fetch https://user:xxxxx@internal.test/"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			// Loopback is allowed, to show that allowing it lets nothing
			// else through.
			c, log := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8"), Timeout: 300 * time.Millisecond})
			start := time.Now()
			_, _, err := c.Get(context.Background(), tt.url, "")
			if elapsed := time.Since(start); elapsed > prompt {
				t.Errorf("refusal took %v", elapsed)
			}
			if !errors.Is(err, ErrForbiddenAddress) {
				t.Fatalf("error = %v, want ErrForbiddenAddress", err)
			}
			if tt.message != "" && !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not contain %q", err, tt.message)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the password", err)
			}
			if d := log.dialled(); len(d) != 0 {
				t.Errorf("dialled %v before refusing", d)
			}
		})
	}
}

// TestMixedResolution checks that when a name resolves to both forbidden and
// allowed addresses, only the allowed ones are dialled.
func TestMixedResolution(t *testing.T) {
	s := serveOn(t, "127.0.0.1", http.HandlerFunc(hello))
	c, log := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8")})
	body, _, err := c.Get(context.Background(), "http://mixed.test:"+port(t, s)+"/", "")
	if err != nil || string(body) != "hello" {
		t.Fatalf("Get = %q, %v", body, err)
	}
	want := "127.0.0.1:" + port(t, s)
	if d := log.dialled(); len(d) != 1 || d[0] != want {
		t.Errorf("dialled %v, want only %s", d, want)
	}
}

func TestRedirects(t *testing.T) {
	var bHits atomic.Int32
	b := serveOn(t, "127.0.0.3", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bHits.Add(1)
		io.WriteString(w, "B")
	}))
	a := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	tests := []struct {
		name    string
		to      string
		allow   string
		wantErr error // nil: the request succeeds with B's body
		bHit    bool
	}{
		{"to unallowed loopback", b.URL + "/", "127.0.0.2/32", ErrForbiddenAddress, false},
		{"to allowed loopback", b.URL + "/", "127.0.0.2/32,127.0.0.3/32", nil, true},
		{"to private literal", "http://10.0.0.1/", "127.0.0.2/32", ErrForbiddenAddress, false},
		{"to metadata", "http://169.254.169.254/latest/meta-data/", "127.0.0.2/32", ErrForbiddenAddress, false},
		{"to private name", "http://internal.test/", "127.0.0.2/32", ErrForbiddenAddress, false},
		{"to file", "file:///etc/passwd", "127.0.0.0/8", ErrUnsupportedScheme, false},
		{"to gopher", "gopher://127.0.0.3:70/", "127.0.0.0/8", ErrUnsupportedScheme, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bHits.Store(0)
			c, log := newTestClient(t, Config{Allow: prefixes(t, tt.allow), Timeout: 2 * time.Second})
			start := a.URL + "/?to=" + url.QueryEscape(tt.to)
			body, _, err := c.Get(context.Background(), start, "")
			if tt.wantErr == nil {
				if err != nil || string(body) != "B" {
					t.Fatalf("Get = %q, %v; want \"B\"", body, err)
				}
			} else {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "fetch "+start+": redirected to ") {
					t.Errorf("error %q does not name the request and the redirect", err)
				}
				for _, d := range log.dialled() {
					if !strings.HasPrefix(d, "127.0.0.2:") {
						t.Errorf("dialled %s", d)
					}
				}
			}
			if got := bHits.Load() > 0; got != tt.bHit {
				t.Errorf("server B reached: %v, want %v", got, tt.bHit)
			}
		})
	}
}

func TestRedirectLimit(t *testing.T) {
	s := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if n > 0 {
			http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusMovedPermanently)
			return
		}
		io.WriteString(w, "done")
	}))
	c, _ := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8")})
	tests := []struct {
		hops int
		ok   bool
	}{{0, true}, {1, true}, {MaxRedirects, true}, {MaxRedirects + 1, false}, {20, false}}
	for _, tt := range tests {
		body, _, err := c.Get(context.Background(), s.URL+"/hop/"+strconv.Itoa(tt.hops), "")
		if tt.ok && (err != nil || string(body) != "done") {
			t.Errorf("%d redirects: %q, %v", tt.hops, body, err)
		}
		if !tt.ok && !errors.Is(err, ErrTooManyRedirects) {
			t.Errorf("%d redirects: error = %v, want ErrTooManyRedirects", tt.hops, err)
		}
	}
}

func TestSchemes(t *testing.T) {
	c, log := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8")})
	for _, u := range []string{
		"file:///etc/passwd",
		"gopher://127.0.0.1:70/_",
		"ftp://127.0.0.1/",
		"javascript:alert(1)",
		"//127.0.0.1/no-scheme",
	} {
		_, _, err := c.Get(context.Background(), u, "")
		if !errors.Is(err, ErrUnsupportedScheme) {
			t.Errorf("Get(%s) error = %v, want ErrUnsupportedScheme", u, err)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "file:///etc/passwd", nil)
	if _, err := c.HTTPClient().Do(req); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("HTTPClient().Do(file) error = %v, want ErrUnsupportedScheme", err)
	}
	if d := log.dialled(); len(d) != 0 {
		t.Errorf("dialled %v", d)
	}
}

func TestBodyLimit(t *testing.T) {
	const limit = 1000
	s := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		data := bytes.Repeat([]byte("x"), n)
		switch r.URL.Query().Get("mode") {
		case "gzip": // a small compressed body that inflates past the limit
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(data)
			zw.Close()
		case "chunked": // no Content-Length
			for len(data) > 0 {
				k := min(len(data), 300)
				w.Write(data[:k])
				w.(http.Flusher).Flush()
				data = data[k:]
			}
		default:
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(data)
		}
	}))
	c, _ := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8"), MaxBody: limit})

	// Each way of reading returns the body or an error.
	readers := map[string]func(u string) ([]byte, error){
		"Get": func(u string) ([]byte, error) {
			body, _, err := c.Get(context.Background(), u, "")
			return body, err
		},
		"Do": func(u string) ([]byte, error) {
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			resp, err := c.Do(req)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			return io.ReadAll(resp.Body)
		},
		"HTTPClient": func(u string) ([]byte, error) {
			resp, err := c.HTTPClient().Get(u)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			return io.ReadAll(resp.Body)
		},
	}
	tests := []struct {
		n    int
		mode string
		ok   bool
	}{
		{0, "", true},
		{limit - 1, "", true},
		{limit, "", true},
		{limit + 1, "", false},
		{10 * limit, "", false},
		{limit, "chunked", true},
		{limit + 1, "chunked", false},
		{10 * limit, "chunked", false},
		{limit, "gzip", true},
		{limit + 1, "gzip", false},
		{100 * limit, "gzip", false},
	}
	for name, read := range readers {
		for _, tt := range tests {
			u := fmt.Sprintf("%s/?n=%d&mode=%s", s.URL, tt.n, tt.mode)
			body, err := read(u)
			switch {
			case tt.ok && (err != nil || len(body) != tt.n):
				t.Errorf("%s n=%d mode=%q: %d bytes, %v; want %d bytes", name, tt.n, tt.mode, len(body), err, tt.n)
			case !tt.ok && !errors.Is(err, ErrTooLarge):
				t.Errorf("%s n=%d mode=%q: %d bytes, %v; want ErrTooLarge", name, tt.n, tt.mode, len(body), err)
			case !tt.ok && len(body) > limit:
				t.Errorf("%s n=%d mode=%q: read %d bytes past the limit", name, tt.n, tt.mode, len(body))
			}
		}
	}
}

func TestTimeout(t *testing.T) {
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})

	// A server that sends headers and part of the body, then stalls.
	stop := make(chan struct{})
	stall := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop) }) // runs before stall.Close

	const timeout = 300 * time.Millisecond
	c, _ := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8"), Timeout: timeout})
	for _, u := range []string{"http://" + l.Addr().String() + "/", stall.URL + "/"} {
		start := time.Now()
		_, _, err := c.Get(context.Background(), u, "")
		elapsed := time.Since(start)
		if err == nil {
			t.Fatalf("Get(%s) succeeded", u)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Get(%s) error = %v, want a deadline error", u, err)
		}
		if elapsed < timeout || elapsed > timeout+prompt {
			t.Errorf("Get(%s) failed after %v, want about %v", u, elapsed, timeout)
		}
		if !strings.HasPrefix(err.Error(), "fetch "+u+": ") {
			t.Errorf("error %q does not start with fetch %s", err, u)
		}
	}
}

func TestHeaders(t *testing.T) {
	s := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s", r.UserAgent(), r.Header.Get("Accept"))
	}))
	const ua = "Laurel/0.1 (+https://node.example)"
	c, _ := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8"), UserAgent: ua})

	body, _, err := c.Get(context.Background(), s.URL, "application/activity+json")
	if want := ua + "|application/activity+json"; err != nil || string(body) != want {
		t.Errorf("Get = %q, %v; want %q", body, err, want)
	}
	if _, resp, _ := c.Get(context.Background(), s.URL, ""); resp == nil || resp.Body != http.NoBody {
		t.Errorf("Get's response body is not http.NoBody")
	}

	// A request's own User-Agent wins, and the caller's request is not
	// modified.
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != ua+"|" {
		t.Errorf("Do = %q, want %q", got, ua+"|")
	}
	if _, set := req.Header["User-Agent"]; set {
		t.Error("Do set User-Agent on the caller's request")
	}
	req.Header.Set("User-Agent", "Custom/1")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "Custom/1|" {
		t.Errorf("Do with own User-Agent = %q", got)
	}
}

func TestHTTPClientGuards(t *testing.T) {
	s := serveOn(t, "127.0.0.1", http.HandlerFunc(hello))
	c, log := newTestClient(t, Config{})
	hc := c.HTTPClient()
	if hc == c.HTTPClient() {
		t.Error("HTTPClient returns a shared *http.Client")
	}
	for _, u := range []string{s.URL, "http://internal.test/", "http://169.254.169.254/"} {
		if _, err := hc.Get(u); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("HTTPClient().Get(%s) error = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if d := log.dialled(); len(d) != 0 {
		t.Errorf("dialled %v", d)
	}
}

// TestHTTPS checks TLS with HTTP/2 through the vetting dialler: the client
// dials the resolved IP but verifies the certificate against the host name.
func TestHTTPS(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	c, log := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8")})
	c.transport.TLSClientConfig = s.Client().Transport.(*http.Transport).TLSClientConfig.Clone()

	// The test certificate is for example.com, which testDNS maps to
	// 127.0.0.1.
	u := "https://example.com:" + port(t, s) + "/"
	body, resp, err := c.Get(context.Background(), u, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 || string(body) != "HTTP/2.0" {
		t.Errorf("got %s, server saw %q; want HTTP/2", resp.Proto, body)
	}
	if d := log.dialled(); len(d) != 1 || !strings.HasPrefix(d[0], "127.0.0.1:") {
		t.Errorf("dialled %v", d)
	}

	// A name the certificate does not cover fails verification.
	c2, _ := newTestClient(t, Config{Allow: prefixes(t, "127.0.0.0/8")})
	c2.transport.TLSClientConfig = c.transport.TLSClientConfig.Clone()
	var certErr *tls.CertificateVerificationError
	if _, _, err := c2.Get(context.Background(), "https://app.test:"+port(t, s)+"/", ""); !errors.As(err, &certErr) {
		t.Errorf("Get(app.test) error = %v, want a certificate verification error", err)
	}
}

func TestNoProxy(t *testing.T) {
	c := New(Config{})
	if c.transport.Proxy != nil {
		t.Error("transport uses a proxy")
	}
}

func TestControl(t *testing.T) {
	c := New(Config{Allow: prefixes(t, "127.0.0.0/8")})
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:80", true},
		{"93.184.215.14:443", true},
		{"[2606:4700::1111]:443", true},
		{"10.0.0.1:80", false},
		{"169.254.169.254:80", false},
		{"[::1]:443", false},
		{"[::ffff:10.0.0.1]:80", false},
		{"[fe80::1%eth0]:80", false},
		{"not an address", false},
	}
	for _, tt := range tests {
		err := c.control("tcp", tt.addr, nil)
		if (err == nil) != tt.ok {
			t.Errorf("control(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := New(Config{})
	if c.timeout != DefaultTimeout || c.maxBody != DefaultMaxBody {
		t.Errorf("defaults: timeout %v, max body %d", c.timeout, c.maxBody)
	}
	allow := prefixes(t, "127.0.0.0/8")
	c = New(Config{Allow: allow})
	allow[0] = netip.MustParsePrefix("10.0.0.0/8")
	if !IsForbidden(netip.MustParseAddr("10.0.0.1"), c.allow) {
		t.Error("New does not copy Config.Allow")
	}
}

// TestCheckURL tests the check made before a request reaches the transport
// (the dialler repeats it for literal addresses).
func TestCheckURL(t *testing.T) {
	c := New(Config{Allow: prefixes(t, "127.0.0.2/32")})
	tests := []struct {
		url  string
		want error
	}{
		{"http://10.0.0.1/", ErrForbiddenAddress},
		{"https://169.254.169.254/latest/meta-data/", ErrForbiddenAddress},
		{"http://[::ffff:127.0.0.1]:8080/", ErrForbiddenAddress},
		{"http://[fe80::1%25eth0]/", ErrForbiddenAddress},
		{"http://127.0.0.1/", ErrForbiddenAddress},
		{"http://127.0.0.2/", nil},
		{"HTTPS://93.184.215.14/", nil},
		{"https://node.example/actor", nil}, // names are checked when dialled
		{"file:///etc/passwd", ErrUnsupportedScheme},
		{"gopher://node.example/", ErrUnsupportedScheme},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.checkURL(u); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("checkURL(%s) = %v, want %v", tt.url, err, tt.want)
		}
	}
}

// TestLookupErrorsHideTheResolver: a failed lookup does not name the
// node's resolver, whose address is of its internal network.
func TestLookupErrorsHideTheResolver(t *testing.T) {
	c, _ := newTestClient(t, Config{lookupNetIP: func(_ context.Context, _, host string) ([]netip.Addr, error) {
		return nil, &net.DNSError{Err: "no such host", Name: host, Server: "10.9.8.7:53", IsNotFound: true}
	}})
	_, _, getErr := c.Get(context.Background(), "https://nowhere.test/x", "")
	checkErr := c.Check(context.Background(), "https://nowhere.test/x")
	for _, err := range []error{getErr, checkErr} {
		var de *net.DNSError
		if err == nil || strings.Contains(err.Error(), "10.9.8.7") || !errors.As(err, &de) || !de.IsNotFound {
			t.Errorf("lookup failure = %v, want a not-found DNS error without the resolver", err)
		}
	}
}
