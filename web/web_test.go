package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/web/webtest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestHealthReadinessMetrics(t *testing.T) {
	f := webtest.StartNode(t, func(c *node.Config) { c.MetricsToken = "s3cret-metrics" })
	scrape := map[string]string{"Authorization": "Bearer s3cret-metrics"}
	for _, tc := range []struct {
		path, want string
		header     map[string]string
	}{
		{"/healthz", "ok", nil},
		{"/readyz", "ready", nil},
		{"/metrics", "laurel_http_requests_total", scrape},
		{"/metrics", "laurel_db_pool_total_connections", scrape},
	} {
		status, body, _ := f.Do(t, f.Client, "GET", tc.path, nil, tc.header)
		if status != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", tc.path, status, body, tc.want)
		}
	}
	// The request counter labels by route pattern, not the raw path.
	_, body, _ := f.Do(t, f.Client, "GET", "/metrics", nil, scrape)
	if !strings.Contains(body, `route="/healthz"`) {
		t.Errorf("metrics lack the /healthz route label:\n%s", body)
	}
}

// TestMetricsAccessAndLabels: /metrics answers only to the bearer token
// on the main listener, or on a listener of its own; made-up methods and
// paths do not grow it.
func TestMetricsAccessAndLabels(t *testing.T) {
	f := webtest.StartNode(t, func(c *node.Config) { c.MetricsToken = "s3cret-metrics" })
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-metrics"}} {
		if status, body, _ := f.Do(t, f.Client, "GET", "/metrics", nil, h); status != http.StatusUnauthorized || strings.Contains(body, "laurel_http") {
			t.Errorf("GET /metrics with %v = %d %q, want 401", h, status, body)
		}
	}
	scrape := map[string]string{"Authorization": "Bearer s3cret-metrics"}
	_, before, _ := f.Do(t, f.Client, "GET", "/metrics", nil, scrape)
	for i := range 50 {
		method := "X" + strings.Repeat("Y", 1000) + strconv.Itoa(i)
		f.Do(t, f.Client, method, "/people/p"+strconv.Itoa(i), nil, nil)
		f.Do(t, f.Client, "GET", "/people/p"+strconv.Itoa(i), nil, nil)
		f.Do(t, f.Client, "GET", "/no/such/page/"+strconv.Itoa(i), nil, nil)
	}
	_, after, _ := f.Do(t, f.Client, "GET", "/metrics", nil, scrape)
	if strings.Contains(after, "YYYY") || strings.Contains(after, "/people/p1") || strings.Contains(after, "/no/such") {
		t.Error("a made-up method or a raw path is a label")
	}
	if !strings.Contains(after, `method="other"`) || !strings.Contains(after, `route="/people/{username}"`) {
		t.Errorf("metrics lack the other method or the route pattern:\n%s", after)
	}
	if len(after) > len(before)+8<<10 {
		t.Errorf("/metrics grew from %d to %d bytes for 100 odd requests", len(before), len(after))
	}

	// Without a token, nobody reads /metrics on the main listener; a
	// listener of its own serves them.
	g := webtest.StartNode(t, func(c *node.Config) { c.MetricsListen = "127.0.0.1:0" })
	if status, _, _ := g.Do(t, g.Client, "GET", "/metrics", nil, scrape); status != http.StatusNotFound {
		t.Errorf("GET /metrics without a configured token = %d, want 404", status)
	}
	resp, err := http.Get("http://" + g.Node.MetricsAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(own), "laurel_http_requests_total") {
		t.Errorf("GET /metrics on --metrics-listen = %d %q", resp.StatusCode, own)
	}
}

func TestAPIErrors(t *testing.T) {
	f := webtest.StartNode(t)
	for _, tc := range []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no credentials", "GET", "/api/v1/me", "", 401},
		{"unknown token", "GET", "/api/v1/me", "Bearer laurel_nope", 401},
		{"not a bearer", "GET", "/api/v1/me", "Basic Zm9vOmJhcg==", 401},
		{"unknown endpoint", "GET", "/api/v1/nothing-here", "Bearer " + f.Token, 404},
		{"wrong method", "PATCH", "/api/v1/me", "Bearer " + f.Token, 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.auth != "" {
				h["Authorization"] = tc.auth
			}
			status, body, hdr := f.Do(t, f.Client, tc.method, tc.path, nil, h)
			var e struct {
				Error struct {
					Status  int
					Message string
				}
			}
			if status != tc.want || hdr.Get("Content-Type") != "application/json" ||
				json.Unmarshal([]byte(body), &e) != nil || e.Error.Status != tc.want || e.Error.Message == "" {
				t.Fatalf("%s %s = %d %q, want %d with a JSON error", tc.method, tc.path, status, body, tc.want)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	f := webtest.StartNode(t)
	big := strings.NewReader("email=" + strings.Repeat("a", 100<<10))
	status, _, _ := f.Do(t, f.Client, "POST", "/login", big, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("100 KiB login body = %d, want 413", status)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	status, _, _ := f.Do(t, c, "POST", "/logout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if status != http.StatusForbidden {
		t.Fatalf("cross-site POST /logout = %d, want 403", status)
	}
	status, _, _ = f.Do(t, c, "POST", "/logout", nil, map[string]string{"Origin": "https://evil.example"})
	if status != http.StatusForbidden {
		t.Fatalf("POST /logout from another Origin = %d, want 403", status)
	}
	// The session survived both attempts.
	if status, _, _ := f.Do(t, c, "GET", "/", nil, nil); status != 200 {
		t.Fatalf("dashboard after refused logouts = %d, want 200", status)
	}
}

func TestAdminPagesForNodeAdminsOnly(t *testing.T) {
	f := webtest.StartNode(t)
	staff := f.Login(t, "staff@example.org")
	admin := f.Login(t, "root@example.org")
	for _, path := range []string{"/admin", "/admin/jobs/", "/admin/jobs/api/jobs?state=available"} {
		if status, _, _ := f.Do(t, staff, "GET", path, nil, nil); status != http.StatusForbidden {
			t.Errorf("staff GET %s = %d, want 403", path, status)
		}
		if status, _, _ := f.Do(t, f.Client, "GET", path, nil, nil); status != http.StatusSeeOther {
			t.Errorf("anonymous GET %s = %d, want a redirect to log in", path, status)
		}
		if status, body, _ := f.Do(t, admin, "GET", path, nil, nil); status != 200 {
			t.Errorf("node admin GET %s = %d: %.200s", path, status, body)
		}
	}
	_, body, _ := f.Do(t, admin, "GET", "/admin", nil, nil)
	if !strings.Contains(body, "tampere-uni") {
		t.Errorf("admin page does not list the organisation")
	}
	_, body, _ = f.Do(t, staff, "GET", "/", nil, nil)
	if strings.Contains(body, "Admin tools") {
		t.Errorf("staff see the Admin tools menu entry")
	}
}

func TestUnknownPage(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	status, body, hdr := f.Do(t, c, "GET", "/no/such/page", nil, nil)
	if status != 404 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !strings.Contains(body, "There is no page at /no/such/page") {
		t.Fatalf("unknown page = %d %q", status, hdr.Get("Content-Type"))
	}
}
