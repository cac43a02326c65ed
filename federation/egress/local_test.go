package egress

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestServeLocally: the node's own origin is answered in process though
// it is a loopback address nobody allowed; every other loopback URL stays
// refused, and the body limit holds for local answers too.
func TestServeLocally(t *testing.T) {
	self, _ := url.Parse("http://127.0.0.1:8080")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/doc":
			w.Header().Set("Content-Type", "application/ld+json")
			_, _ = w.Write([]byte(`{"host":"` + r.Host + `","accept":"` + r.Header.Get("Accept") + `"}`))
		case "/moved":
			http.Redirect(w, r, "/doc", http.StatusFound)
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 2048)))
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/values":
			if r.Context().Value(callerKey{}) != nil {
				w.WriteHeader(http.StatusConflict) // the caller's routing state would leak in
			}
		}
	})
	c, log := newTestClient(t, Config{MaxBody: 1024})
	c.ServeLocally(self, h)

	for _, tc := range []struct {
		name, url, want string
		status          int
	}{
		{"own document", "http://127.0.0.1:8080/doc", `{"host":"127.0.0.1:8080","accept":"application/ld+json"}`, 200},
		{"redirect within the node", "http://127.0.0.1:8080/moved", `{"host":"127.0.0.1:8080","accept":"application/ld+json"}`, 200},
		{"status kept", "http://127.0.0.1:8080/gone", "", http.StatusGone},
		{"none of the caller's context values", "http://127.0.0.1:8080/values", "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.Check(context.Background(), tc.url); err != nil {
				t.Fatalf("Check: %v", err)
			}
			ctx := context.WithValue(context.Background(), callerKey{}, "routing state")
			body, resp, err := c.Get(ctx, tc.url, "application/ld+json")
			if err != nil || resp.StatusCode != tc.status || string(body) != tc.want {
				t.Fatalf("Get = %v %v %q, want %d %q", resp, err, body, tc.status, tc.want)
			}
		})
	}
	if _, _, err := c.Get(context.Background(), "http://127.0.0.1:8080/big", ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a local answer over the limit: %v, want ErrTooLarge", err)
	}
	for _, u := range []string{"http://127.0.0.1:8081/doc", "https://127.0.0.1:8080/doc", "http://127.0.0.2:8080/doc"} {
		if _, _, err := c.Get(context.Background(), u, ""); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("Get(%s) = %v, want ErrForbiddenAddress: only the node's own origin is local", u, err)
		}
	}
	if d := log.dialled(); len(d) != 0 {
		t.Errorf("dialled %v", d)
	}
}

type callerKey struct{}

func TestCanonicalHost(t *testing.T) {
	for in, want := range map[string]string{
		"http://Node.Example:80/x":  "node.example",
		"https://node.example:443":  "node.example",
		"https://node.example:8443": "node.example:8443",
		"http://[::1]:80/":          "[::1]",
		"http://127.0.0.1:8080":     "127.0.0.1:8080",
	} {
		u, _ := url.Parse(in)
		if got := canonicalHost(u); got != want {
			t.Errorf("canonicalHost(%s) = %q, want %q", in, got, want)
		}
	}
}
