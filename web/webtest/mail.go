package webtest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

// NoLinksInMailJobs fails the test if a mail job, kept by River and shown
// at /admin/jobs, holds a secret link: their workers make them.
func (f *Fixture) NoLinksInMailJobs(t *testing.T) {
	t.Helper()
	var n int
	if err := f.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'mail_send'
		AND (args::text LIKE '%/claim/%' OR args::text LIKE '%/verify-email/%' OR args::text LIKE '%/endorse/%')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d mail jobs hold a secret link (%v)", n, err)
	}
}

// StartMailingNode is startNode on a node that sends mail through a real
// SMTP server.
func StartMailingNode(t *testing.T) (*Fixture, *smtptest.Server) {
	t.Helper()
	smtp := smtptest.New(t)
	f := StartNode(t, func(c *node.Config) { c.SMTPURL, c.SMTPFrom = smtp.URL(), "badges@tuni.example" })
	return f, smtp
}

// PostForm submits an HTML form as a browser would.
func (f *Fixture) PostForm(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	status, page, _ := f.Do(t, f.Client, "POST", path, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	return status, page
}
