package egress

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ServeLocally makes the client answer requests for origin (the node's
// own base URL: scheme, host and port) with h, in process, instead of
// dialling: a node always reads its own documents (its badges, profiles,
// keys and status lists, which the verifier and the passport fetch by
// URL), whatever address its name resolves to. A node left on its
// default 127.0.0.1 is a loopback address the guards rightly refuse to
// dial for anyone else's URL. Call it once while wiring the node, before
// the client is used; the response body limit still applies.
func (c *Client) ServeLocally(origin *url.URL, h http.Handler) {
	c.local.Store(&local{scheme: strings.ToLower(origin.Scheme), host: canonicalHost(origin), handler: h})
}

// local is the origin a Client answers in process, and its handler.
type local struct {
	scheme, host string
	handler      http.Handler
}

// serves reports whether u is on the local origin.
func (l *local) serves(u *url.URL) bool {
	return l != nil && strings.EqualFold(u.Scheme, l.scheme) && canonicalHost(u) == l.host
}

// canonicalHost is u's host in lower case, without the scheme's default
// port.
func canonicalHost(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" || u.Scheme == "http" && port == "80" || u.Scheme == "https" && port == "443" {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	return u.Host
}

// roundTrip serves req with the local handler, as if it had come from
// the loopback interface.
func (l *local) roundTrip(req *http.Request, maxBody int64) (*http.Response, error) {
	// The handler gets the caller's deadline and cancellation but none of
	// its values: the caller may itself be a request to this node, and
	// its routing state (chi's) would be taken for this one's.
	in := req.Clone(valueless{req.Context()})
	in.RemoteAddr = "127.0.0.1:0"
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	if in.Body == nil {
		in.Body = http.NoBody
	}
	w := &recorder{header: http.Header{}, max: maxBody}
	l.handler.ServeHTTP(w, in)
	if w.over {
		return nil, fmt.Errorf("fetch %s: %w", req.URL.Redacted(), tooLarge(maxBody))
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// valueless is a context without the values of the one it wraps.
type valueless struct{ context.Context }

func (valueless) Value(any) any { return nil }

// recorder is the http.ResponseWriter of a local request: it keeps the
// status, the headers and at most max bytes of body.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	max    int64
	over   bool
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if int64(w.body.Len()+len(p)) > w.max {
		w.over = true
		return 0, tooLarge(w.max)
	}
	return w.body.Write(p)
}
