package passport_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestStreamPageAPIAndDigest: a badge issued to a person shows in their
// stream, on /passport/stream (linked from /passport) and through the
// API, and in nobody else's; the person chooses a daily digest with the
// page's form, and once a day has passed the node's River job emails the
// stream's news through a real SMTP server.
func TestStreamPageAPIAndDigest(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")

	webtest.Contains(t, "the backpack", f.Page(t, staff, "/passport"), `href="/passport/stream"`)
	body := f.Page(t, staff, "/passport/stream")
	webtest.Contains(t, "the stream page", body, "New badge", "Tampere University", "You received “Robotics”.",
		`action="/passport/stream/digest"`, `<option value="off" selected>`)
	webtest.Lacks(t, "the stream page", body, "Older</a>", "Newer</a>")
	if status, _, _ := f.Do(t, staff, "GET", "/passport/stream?offset=7", nil, nil); status != http.StatusBadRequest {
		t.Fatalf("the stream page at offset 7 = %d", status)
	}
	if status, _, hdr := f.Do(t, webtest.NoRedirects(nil), "GET", "/passport/stream", nil, nil); status != http.StatusSeeOther ||
		!strings.HasPrefix(hdr.Get("Location"), "/login") {
		t.Fatalf("the stream page, anonymously = %d to %q", status, hdr.Get("Location"))
	}

	staffAPI, rootAPI := f.UserAPI(t, f.Staff), f.UserAPI(t, f.Admin)
	for _, tc := range []struct {
		name   string
		api    func(string, string, any) (int, map[string]any)
		query  string
		status int
		kinds  []string
	}{
		{"the earner's stream", staffAPI, "", http.StatusOK, []string{"badge"}},
		{"one entry", staffAPI, "?limit=1", http.StatusOK, []string{"badge"}},
		{"past the end", staffAPI, "?offset=1", http.StatusOK, nil},
		{"a bad limit", staffAPI, "?limit=0", http.StatusBadRequest, nil},
		{"too deep", staffAPI, "?limit=100&offset=950", http.StatusBadRequest, nil},
		{"someone else's", rootAPI, "", http.StatusOK, nil},
	} {
		status, out := tc.api("GET", "/api/v1/me/stream"+tc.query, nil)
		if status != tc.status {
			t.Fatalf("%s = %d %v", tc.name, status, out)
		}
		if status != http.StatusOK {
			continue
		}
		list, _ := out["items"].([]any)
		var kinds []string
		for _, e := range list {
			entry := e.(map[string]any)
			kinds = append(kinds, entry["kind"].(string))
			if entry["actor"] != "Tampere University" || !strings.HasPrefix(entry["link"].(string), f.Base+"/passport/badges/") {
				t.Fatalf("%s: entry %v", tc.name, entry)
			}
		}
		if strings.Join(kinds, " ") != strings.Join(tc.kinds, " ") {
			t.Fatalf("%s: kinds %v, want %v", tc.name, kinds, tc.kinds)
		}
	}

	// Daily digests; a bad choice is refused.
	if status, _, _ := f.Post(t, staff, "/passport/stream/digest", url.Values{"digest": {"hourly"}}); status != http.StatusBadRequest {
		t.Fatalf("an hourly digest = %d", status)
	}
	f.PostOK(t, staff, "/passport/stream/digest", url.Values{"digest": {"daily"}}, "/passport/stream")
	webtest.Contains(t, "the stream page after choosing", f.Page(t, staff, "/passport/stream"), "once a day", `<option value="daily" selected>`)
	f.IssueTo(t, b, "staff@example.org")

	// A day passes; the hourly job runs.
	ctx := context.Background()
	if _, err := f.Pool.Exec(ctx, `UPDATE stream_digest SET last_sent_at = now() - interval '25 hours'`); err != nil {
		t.Fatal(err)
	}
	client, err := river.NewClient(riverpgxv5.New(f.Pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Insert(ctx, passport.DigestArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	m := webtest.WaitForSubject(t, smtp, "in your network")
	if len(m.To) != 1 || m.To[0] != "staff@example.org" || m.Subject != "2 new in your network" ||
		strings.Count(m.Text, "You received “Robotics”.") != 2 || !strings.Contains(m.Text, f.Base+"/passport/stream") {
		t.Fatalf("digest to %v, subject %q:\n%s", m.To, m.Subject, m.Text)
	}
	var sentAt time.Time
	if err := f.Pool.QueryRow(ctx, `SELECT last_sent_at FROM stream_digest WHERE user_id = $1`, f.Staff.ID).Scan(&sentAt); err != nil ||
		time.Since(sentAt) > time.Minute {
		t.Fatalf("the digest was recorded at %v (%v)", sentAt, err)
	}
}
