package reports_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

func newEarner(t *testing.T, f *webtest.Fixture, username string) account.User {
	t.Helper()
	u, err := account.CreateUser(context.Background(), f.Pool, account.NewUser{Username: username, Email: username + "@example.org", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// issueToActor issues b to a person of this node, into their passport.
func issueToActor(t *testing.T, f *webtest.Fixture, b issuer.BadgeClass, username string) {
	t.Helper()
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "actor", "identity": f.Base + "/actors/" + username}}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue to %s = %d %v", username, status, out)
	}
}

// count is the number a dashboard panel shows for name.
func count(t *testing.T, body, panel, name string) int {
	t.Helper()
	i := strings.Index(body, `id="`+panel+`"`)
	if i < 0 {
		t.Fatalf("no panel %s in\n%s", panel, body)
	}
	m := regexp.MustCompile(`data-count="` + name + `">([0-9]+)<`).FindStringSubmatch(body[i:])
	if m == nil {
		t.Fatalf("no count %s in panel %s", name, panel)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestDashboard(t *testing.T) {
	f := webtest.StartNode(t)
	staff := f.Login(t, "staff@example.org")

	// Without an email address the organisation cannot issue: the
	// dashboard says so, with the way to its settings.
	body := f.Page(t, staff, "/")
	webtest.Contains(t, "dashboard of an organisation without email", body, "Needs your attention",
		`<a href="/creator/tampere-uni/settings">The organisation has no email address, so it cannot issue badges`, "Nothing has happened yet.")
	for _, name := range []string{"badges", "issued-this-month", "claimed", "pending-requests", "partners", "endorsements"} {
		if n := count(t, body, "org-tampere-uni", name); n != 0 {
			t.Errorf("%s = %d on a new organisation's dashboard", name, n)
		}
	}

	f.IssuerReady(t)
	alpha := f.CreateBadge(t, "Alpha", issuer.Expiry{})
	f.CreateBadge(t, "Beta", issuer.Expiry{})
	newEarner(t, f, "eva")
	f.IssueTo(t, alpha, "someone@example.org")
	issueToActor(t, f, alpha, "eva")
	lund := f.SecondOrganisation(t)
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/partners", map[string]any{"target": "lund-uni"}, ""); status != http.StatusCreated && status != http.StatusOK {
		t.Fatalf("add partner = %d %v", status, out)
	}
	webtest.Contains(t, "lund's dashboard", f.Page(t, lund.Client, "/"), `id="org-lund-uni"`)
	// Lund endorses Tampere and asks Tampere for an endorsement.
	lundAPI := func(path string, body map[string]any) {
		t.Helper()
		u, err := account.UserByEmail(context.Background(), f.Pool, "lena@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if status, out := f.UserAPI(t, u)("POST", path, body); status >= 300 {
			t.Fatalf("POST %s = %d %v", path, status, out)
		}
	}
	lundAPI("/api/v1/orgs/lund-uni/endorsements", map[string]any{"target": "tampere-uni", "comment": "A fine partner."})
	lundAPI("/api/v1/orgs/lund-uni/endorsement-requests", map[string]any{"target": "tampere-uni", "message": "Please endorse us."})

	// Tampere is in a regional network whose feed relays a member's post.
	if _, err := f.Pool.Exec(context.Background(), `INSERT INTO community_membership (organisation_id, network, state) VALUES ($1, 'https://nordic.example/actors/nordic', 'accepted')`, f.Org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Pool.Exec(context.Background(), `INSERT INTO community_feed (network, object_id, author, author_name, content, published)
		VALUES ('https://nordic.example/actors/nordic', 'https://oslo.example/notes/1', 'https://oslo.example/actors/oslo', 'Oslo Met', '<p>Hello</p>', now() - interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	body = f.Page(t, staff, "/")
	for name, want := range map[string]int{"badges": 2, "issued-this-month": 2, "claimed": 0, "pending-requests": 1, "partners": 1, "endorsements": 1} {
		if n := count(t, body, "org-tampere-uni", name); n != want {
			t.Errorf("%s = %d, want %d", name, n, want)
		}
	}
	webtest.Lacks(t, "dashboard of an organisation with email", body, "has no email address")
	webtest.Contains(t, "dashboard's attention and activity", body,
		`<a href="/network/requests?org=tampere-uni">1 endorsement request to answer</a>`,
		`<a href="/network/requests?org=tampere-uni">Endorsement request from Lund University</a>`,
		`<a href="/network?org=tampere-uni">Endorsement from Lund University</a>`,
		`<a href="/issuer/tampere-uni/badges/`+alpha.UUID+`">Issued Alpha</a>`,
		`<a href="/network/networks?org=tampere-uni">Network post by Oslo Met</a>`,
		`<time datetime="`+time.Now().UTC().Format("2006-01-02"),
		`<a href="/orgs/tampere-uni/reports">Reports</a>`)
	webtest.Lacks(t, "an organisation's dashboard", body, `id="passport-summary"`, `id="org-lund-uni"`)

	// A node admin is told of failed federation deliveries; no one else.
	admin := f.Login(t, "root@example.org")
	webtest.Lacks(t, "admin dashboard, nothing failed", f.Page(t, admin, "/"), `id="failed-deliveries"`)
	if _, err := f.Pool.Exec(context.Background(), `WITH o AS (INSERT INTO outbox_activity (activity_id, actor_id, type, public, document)
			SELECT 'https://x.example/activities/1', id, 'Create', true, '{}' FROM actor ORDER BY id LIMIT 1 RETURNING id)
		INSERT INTO delivery (outbox_id, inbox, state, attempts) SELECT id, 'https://gone.example/inbox', 'failed', 8 FROM o`); err != nil {
		t.Fatal(err)
	}
	webtest.Contains(t, "admin dashboard", f.Page(t, admin, "/"), `<a href="/admin/deliveries">1 federation delivery failed</a>`)
	webtest.Lacks(t, "staff dashboard", f.Page(t, staff, "/"), `id="failed-deliveries"`)

	// An earner in no organisation sees their passport in numbers.
	eva := f.Login(t, "eva@example.org")
	body = f.Page(t, eva, "/")
	if n := count(t, body, "passport-summary", "pending"); n != 1 {
		t.Errorf("eva's pending badges = %d, want 1", n)
	}
	webtest.Contains(t, "an earner's dashboard", body, `<a href="/passport">Answer 1 new badge in your passport</a>`)
	webtest.Lacks(t, "an earner's dashboard", body, `class="org-panel" id="org-`, "/reports")

	// In Finnish, with the locale's numbers and dates.
	status, fi, _ := f.Do(t, staff, "GET", "/", nil, map[string]string{"Accept-Language": "fi"})
	if status != http.StatusOK {
		t.Fatalf("Finnish dashboard = %d", status)
	}
	webtest.Contains(t, "Finnish dashboard", fi, "Myönnetty tässä kuussa", "Viimeaikaiset tapahtumat", ">"+time.Now().UTC().Format("2.1.2006")+"</time>")
}

func TestReportsAreForThoseWhoActForTheOrganisation(t *testing.T) {
	f := webtest.StartNode(t)
	eva := newEarner(t, f, "eva")
	earner := f.Login(t, "eva@example.org")
	// A reviewer of badge applications does not act for the organisation.
	rita := newEarner(t, f, "rita")
	if err := account.SetMembership(context.Background(), f.Pool, rita.ID, f.Org.ID, account.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	reviewer := f.Login(t, "rita@example.org")
	lund := f.SecondOrganisation(t)
	for _, path := range []string{"/reports", "/orgs/tampere-uni/reports", "/orgs/tampere-uni/reports/issued.csv"} {
		if status, body, _ := f.Do(t, earner, "GET", path, nil, nil); status != http.StatusForbidden {
			t.Errorf("an earner GET %s = %d, want 403: %.200s", path, status, body)
		}
		if status, _, _ := f.Do(t, reviewer, "GET", path, nil, nil); status != http.StatusForbidden {
			t.Errorf("a reviewer GET %s = %d, want 403", path, status)
		}
		if status, _, _ := f.Do(t, lund.Client, "GET", path, nil, nil); path != "/reports" && status != http.StatusForbidden {
			t.Errorf("another organisation's staff GET %s = %d, want 403", path, status)
		}
		if status, _, hdr := f.Do(t, f.Client, "GET", path, nil, nil); status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/login") {
			t.Errorf("anonymous GET %s = %d to %q, want a redirect to log in", path, status, hdr.Get("Location"))
		}
	}
	if status, out := f.UserAPI(t, eva)("GET", "/api/v1/orgs/tampere-uni/reports/issued", nil); status != http.StatusForbidden {
		t.Errorf("an earner's API call = %d %v, want 403", status, out)
	}
	// The node-wide counts are not on anyone's reports; they stay on /admin.
	staff := f.Login(t, "staff@example.org")
	status, _, hdr := f.Do(t, staff, "GET", "/reports", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/orgs/tampere-uni/reports" {
		t.Errorf("/reports for a member of one organisation = %d to %q", status, hdr.Get("Location"))
	}
	body := f.Page(t, staff, "/orgs/tampere-uni/reports")
	webtest.Lacks(t, "an organisation's reports", body, "Users</dt>")
	admin := f.Login(t, "root@example.org")
	webtest.Contains(t, "the node admin's choice", f.Page(t, admin, "/reports"),
		`<a href="/orgs/tampere-uni/reports">Tampere University</a>`, `<a href="/orgs/lund-uni/reports">Lund University</a>`)
	for _, path := range []string{"/orgs/tampere-uni/reports/nonsense.csv", "/orgs/nobody/reports"} {
		if status, _, _ := f.Do(t, staff, "GET", path, nil, nil); status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, status)
		}
	}
	if status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/reports/nonsense", nil, ""); status != http.StatusNotFound {
		t.Errorf("an unknown report = %d %v, want 404", status, out)
	}
}

// chartNumbers reads the bars of one report's chart on the page: label
// and series to value.
func chartNumbers(t *testing.T, page, report string) map[string]string {
	t.Helper()
	i := strings.Index(page, `id="report-`+report+`"`)
	j := strings.Index(page[i:], "</svg>")
	if i < 0 || j < 0 {
		t.Fatalf("no chart of %s on the page", report)
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<rect [^>]*><title>([^<]*) – ([^<]*): ([0-9]+)</title>`).FindAllStringSubmatch(page[i:i+j], -1) {
		out[m[1]+"|"+m[2]] = m[3]
	}
	return out
}

// TestCSVIsTheChart: each report's CSV download has the numbers its chart
// draws (every bar, and zeros where none is drawn), and the API the same.
func TestCSVIsTheChart(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	alpha := f.CreateBadge(t, "=Alpha", issuer.Expiry{}) // a name a spreadsheet would run
	beta := f.CreateBadge(t, "Beta", issuer.Expiry{})
	f.IssueTo(t, alpha, "a@example.org")
	f.IssueTo(t, alpha, "b@example.org")
	f.IssueTo(t, beta, "c@example.org")
	newEarner(t, f, "eva")
	issueToActor(t, f, beta, "eva")
	f.SecondOrganisation(t)
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/partners", map[string]any{"target": "lund-uni"}, ""); status >= 300 {
		t.Fatalf("add partner = %d %v", status, out)
	}
	staff := f.Login(t, "staff@example.org")
	page := f.Page(t, staff, "/orgs/tampere-uni/reports")
	webtest.Contains(t, "reports page", page, `<svg class="chart"`, `viewBox="0 0 360 `, `width="100%"`,
		`<title id="chart-issued-title">Badges issued per month</title>`, "<details class=\"report-numbers\">",
		`href="/orgs/tampere-uni/reports/issued.csv" download`,
		"Claim rate: 0 % (0 of 3 sent by email)", "Acceptance rate: 0 % (0 of 1 put into passports here)")

	this := time.Now().UTC().Format("2006-01")
	for _, c := range []struct {
		report string
		bars   int // bars the chart draws
	}{{"issued", 2}, {"claims", 2}, {"endorsements", 0}, {"partners", 1}} {
		t.Run(c.report, func(t *testing.T) {
			bars := chartNumbers(t, page, c.report)
			if len(bars) != c.bars {
				t.Errorf("%d bars drawn, want %d: %v", len(bars), c.bars, bars)
			}
			status, body, hdr := f.Do(t, staff, "GET", "/orgs/tampere-uni/reports/"+c.report+".csv", nil, nil)
			if status != http.StatusOK || hdr.Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(hdr.Get("Content-Disposition"), `filename="tampere-uni-`+c.report+`.csv"`) {
				t.Fatalf("csv = %d %v", status, hdr)
			}
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("csv: %v\n%s", err, body)
			}
			header := rows[0]
			seen := 0
			for _, row := range rows[1:] {
				for k, v := range row[1:] {
					name := strings.TrimPrefix(header[k+1], "'")
					bar, drawn := bars[row[0]+"|"+name]
					if drawn {
						seen++
					}
					if (drawn && bar != v) || (!drawn && v != "0") {
						t.Errorf("%s %s: csv %s, chart %q (drawn %v)", row[0], name, v, bar, drawn)
					}
				}
			}
			if seen != len(bars) {
				t.Errorf("the csv has %d of the chart's %d bars", seen, len(bars))
			}
			status, out := f.API(t, "GET", "/api/v1/orgs/tampere-uni/reports/"+c.report, nil, "")
			if status != http.StatusOK || out["report"] != c.report || len(out["labels"].([]any)) != len(rows)-1 {
				t.Errorf("api = %d %v", status, out)
			}
		})
	}
	// The numbers themselves.
	bars := chartNumbers(t, page, "issued")
	if bars[this+"|=Alpha"] != "2" || bars[this+"|Beta"] != "2" {
		t.Errorf("issued this month: %v, want =Alpha 2 and Beta 2", bars)
	}
	_, body, _ := f.Do(t, staff, "GET", "/orgs/tampere-uni/reports/issued.csv", nil, nil)
	if !strings.HasPrefix(body, "Month,'=Alpha,Beta\n") {
		t.Errorf("the csv's header is not formula-safe: %.80q", body)
	}
	if bars := chartNumbers(t, page, "partners"); bars["SE|Partners"] != "1" {
		t.Errorf("partners by country: %v", bars)
	}
	if bars := chartNumbers(t, page, "claims"); bars[this+"|Sent by email"] != "3" || bars[this+"|Into passports here"] != "1" {
		t.Errorf("claims: %v", bars)
	}
}

// TestReviewerDashboard: a member with the reviewer role acts for nothing
// else, so the dashboard gives them their way to the applications they
// review, and no organisation panel.
func TestReviewerDashboard(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	u, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "rita@example.org", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, u.ID, f.Org.ID, account.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	body := f.Page(t, f.Login(t, "rita@example.org"), "/")
	webtest.Contains(t, "a reviewer's dashboard", body, `id="review-tampere-uni"`, `<a href="/creator/tampere-uni/applications">0 applications waiting for a decision</a>`)
	if strings.Contains(body, `id="org-tampere-uni"`) {
		t.Error("a reviewer's dashboard shows the organisation's panel")
	}
}
