package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestIssueEmailsAClaimLink: a node with --smtp-url emails an earner a
// claim link when a badge is issued to their address, through a real SMTP
// server; the link opens the badge, and the address is in no table.
func TestIssueEmailsAClaimLink(t *testing.T) {
	f, smtp := startMailingNode(t)
	ctx, pool := context.Background(), f.pool
	f.setIssuerEmail(t, nil)
	b := f.apiBadge(t)

	status, a := f.api(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
		map[string]any{"recipient": map[string]any{"type": "email", "identity": "Eva.Earner@example.org", "name": "Eva"}}, "")
	if status != http.StatusCreated || a["email_queued"] != true {
		t.Fatalf("issue = %d %v", status, a)
	}
	msgs := smtp.Wait(t, 1, 20*time.Second)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "eva.earner@example.org" || !strings.Contains(m.Subject, "Robotics") ||
		!strings.Contains(m.Text, "Hello Eva") || !strings.Contains(m.Text, "Tampere University") {
		t.Fatalf("message to %v, subject %q:\n%s", m.To, m.Subject, m.Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(f.base) + `/claim/[A-Za-z0-9_-]+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no claim link in:\n%s", m.Text)
	}
	status, page, _ := f.do(t, f.client, "GET", strings.TrimPrefix(link, f.base), nil, nil)
	if status != 200 || !strings.Contains(page, "Robotics") || !strings.Contains(page, "Keep it in your Laurel passport") {
		t.Fatalf("claim link = %d:\n%s", status, page)
	}
	for _, tc := range []struct {
		query, field string
		status       int
	}{
		{"url=" + url.QueryEscape(a["id"].(string)) + "&handle=eva", "handle", 400},
		{"url=https://elsewhere.example/ob/assertions/1&handle=eva@example.org", "url", 400},
		{"url=" + url.QueryEscape(a["id"].(string)) + "&handle=eva@passport.example", "", 303},
	} {
		status, _, hdr := f.do(t, f.client, "GET", "/claim-to-passport?"+tc.query, nil, nil)
		if status != tc.status || (status == 303 && hdr.Get("Location") != "http://passport.example/passport?add="+url.QueryEscape(a["id"].(string))) {
			t.Errorf("claim to passport %s = %d to %q", tc.query, status, hdr.Get("Location"))
		}
	}
	var claimed bool
	if err := pool.QueryRow(ctx, `SELECT claimed_at IS NOT NULL FROM assertion WHERE uuid = $1`, a["uuid"]).Scan(&claimed); err != nil || !claimed {
		t.Fatalf("claimed = %v, %v", claimed, err)
	}
	var leaks int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM assertion WHERE row_to_json(assertion)::text ILIKE '%eva.earner%'`).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("%d assertion rows hold the address (%v)", leaks, err)
	}
	// The job that sent the email, kept by River and shown at
	// /admin/jobs, holds no link: its worker made it.
	token := strings.TrimPrefix(link, f.base+"/claim/")
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND (args::text LIKE '%' || $1 || '%' OR args::text LIKE '%/claim/%')`,
		token).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("%d mail jobs hold the claim link (%v)", leaks, err)
	}
}

// noLinksInMailJobs fails the test if a mail job, kept by River and shown
// at /admin/jobs, holds a secret link: their workers make them.
func (f *fixture) noLinksInMailJobs(t *testing.T) {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'mail_send'
		AND (args::text LIKE '%/claim/%' OR args::text LIKE '%/verify-email/%' OR args::text LIKE '%/endorse/%')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d mail jobs hold a secret link (%v)", n, err)
	}
}
