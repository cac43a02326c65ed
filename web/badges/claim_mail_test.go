package badges_test

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit/smtptest"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestIssueEmailsAClaimLink: a node with --smtp-url emails an earner a
// claim link when a badge is issued to their address, through a real SMTP
// server; the link opens the badge, and the address is in no table.
func TestIssueEmailsAClaimLink(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)
	ctx, pool := context.Background(), f.Pool
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)

	status, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
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
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/claim/[A-Za-z0-9_-]+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no claim link in:\n%s", m.Text)
	}
	status, page, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(link, f.Base), nil, nil)
	if status != 200 || !strings.Contains(page, "Robotics") || !strings.Contains(page, "Keep it in your Laurel passport") {
		t.Fatalf("claim link = %d:\n%s", status, page)
	}
	// What the claim page offers to share is the badge's public page,
	// never the claim link, which is the earner's alone.
	public := f.Base + "/badges/" + a["uuid"].(string)
	webtest.Contains(t, "the claim page's share box", page, `id="share-link" type="url" readonly value="`+public+`"`,
		"certUrl="+url.QueryEscape(public))
	webtest.Lacks(t, "the claim page's share box", page, url.QueryEscape(link), "&lt;a href=&#34;"+link)
	// To a passport: only on a Laurel node, as WebFinger and NodeInfo say.
	other := webtest.StartNode(t, func(c *node.Config) { c.Listen = "127.0.0.2:0" })
	otherHost := strings.TrimPrefix(other.Base, "http://")
	mastodon := fakeMastodon(t)
	id := url.QueryEscape(a["id"].(string))
	for _, tc := range []struct {
		query, field, why string
		status            int
	}{
		{"url=" + id + "&handle=eva", "handle", "must be your handle", 400},
		{"url=https://elsewhere.example/ob/assertions/1&handle=eva@example.org", "url", "not a badge issued here", 400},
		{"url=" + id + "&handle=eva@passport.invalid", "handle", "add the badge to your backpack by its URL instead: " + a["id"].(string), 400},
		{"url=" + id + "&handle=nobody@" + otherHost, "handle", "WebFinger answered 404", 400},
		{"url=" + id + "&handle=eva@" + mastodon, "handle", `is not on a Laurel node (its server runs "mastodon")`, 400},
		{"url=" + id + "&handle=staff@" + otherHost, "", "", 303},
	} {
		status, body, hdr := f.Do(t, f.Client, "GET", "/claim-to-passport?"+tc.query, nil, nil)
		if status != tc.status || (status == 303 && hdr.Get("Location") != other.Base+"/passport?add="+id) ||
			(status != 303 && !strings.Contains(html.UnescapeString(body), tc.why)) {
			t.Errorf("claim to passport %s = %d to %q:\n%.400s", tc.query, status, hdr.Get("Location"), body)
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
	token := strings.TrimPrefix(link, f.Base+"/claim/")
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND (args::text LIKE '%' || $1 || '%' OR args::text LIKE '%/claim/%')`,
		token).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("%d mail jobs hold the claim link (%v)", leaks, err)
	}
}

// fakeMastodon is a server on 127.0.0.3 that answers WebFinger for eva
// and NodeInfo as Mastodon does (shapes as mastodon.social serves them);
// it returns its host:port.
func fakeMastodon(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		fmt.Fprintf(w, `{"subject":"acct:eva@%[1]s","aliases":["http://%[1]s/@eva","http://%[1]s/users/eva"],
			"links":[{"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"http://%[1]s/@eva"},
			{"rel":"self","type":"application/activity+json","href":"http://%[1]s/users/eva"}]}`, host)
	})
	mux.HandleFunc("GET /.well-known/nodeinfo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"http://%s/nodeinfo/2.0"}]}`, host)
	})
	mux.HandleFunc("GET /nodeinfo/2.0", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"version":"2.0","software":{"name":"mastodon","version":"4.3.2"},"protocols":["activitypub"],
			"services":{"outbound":[],"inbound":[]},"usage":{"users":{"total":1}},"openRegistrations":false,"metadata":{}}`)
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return host
}

// TestClaimMailLanguageOnANode: on a node whose --language is Swedish,
// the claim email to the confirmed address of a user who reads Finnish is
// in Finnish, and to an address without an account in Swedish.
func TestClaimMailLanguageOnANode(t *testing.T) {
	smtp := smtptest.New(t)
	f := webtest.StartNode(t, func(c *node.Config) {
		c.SMTPURL, c.SMTPFrom, c.Language = smtp.URL(), "badges@tuni.example", "sv"
	})
	ctx := context.Background()
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	aino, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "aino@example.org", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetLanguage(ctx, f.Pool, aino.ID, "fi"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"aino@example.org", "stina@example.org"} {
		if status, a := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
			map[string]any{"recipient": map[string]any{"type": "email", "identity": to}}, ""); status != http.StatusCreated {
			t.Fatalf("issue to %s = %d %v", to, status, a)
		}
	}
	byTo := map[string]smtptest.Message{}
	for _, m := range smtp.Wait(t, 2, 20*time.Second) {
		byTo[m.To[0]] = m
	}
	if m := byTo["aino@example.org"]; !strings.HasPrefix(m.Subject, "Olet ansainnut merkin") || !strings.Contains(m.Text, "Hei,") {
		t.Errorf("to Aino: %q\n%s", m.Subject, m.Text)
	}
	if m := byTo["stina@example.org"]; !strings.HasPrefix(m.Subject, "Du har fått märket") || !strings.Contains(m.Text, "Hej,") {
		t.Errorf("to Stina: %q\n%s", m.Subject, m.Text)
	}
}
