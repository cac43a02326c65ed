package webtest

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Post sends a form and returns the status, the body and where it
// redirects to.
func (f *Fixture) Post(t *testing.T, c *http.Client, path string, form url.Values) (int, string, string) {
	t.Helper()
	status, body, hdr := f.Do(t, c, "POST", path, strings.NewReader(form.Encode()), FormPost)
	return status, body, hdr.Get("Location")
}

// PostOK sends a form that must succeed: a 303 back to the tab want.
func (f *Fixture) PostOK(t *testing.T, c *http.Client, path string, form url.Values, want string) {
	t.Helper()
	status, body, loc := f.Post(t, c, path, form)
	if status != http.StatusSeeOther || loc != want {
		t.Fatalf("POST %s = %d to %q, want 303 to %q:\n%s", path, status, loc, want, body)
	}
}

// Page gets a page that must answer 200, and returns its body.
func (f *Fixture) Page(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	status, body, _ := f.Do(t, c, "GET", path, nil, nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", path, status, body)
	}
	return body
}

// Contains fails the test for each of want that body lacks.
func Contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// Lacks fails the test for each of unwanted that body has.
func Lacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s has %q", what, w)
		}
	}
}

// UUIDIn returns the first uuid of the page in a path that ends as suffix.
func UUIDIn(t *testing.T, body, suffix string) string {
	t.Helper()
	m := regexp.MustCompile(`/([0-9a-f-]{36})` + regexp.QuoteMeta(suffix)).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form ending in %s on the page:\n%s", suffix, body)
	}
	return m[1]
}

// Visitor returns a client with a cookie jar of its own, as a new visitor.
func Visitor() *http.Client {
	jar, _ := cookiejar.New(nil)
	return NoRedirects(jar)
}
