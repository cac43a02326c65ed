package badges_test

import (
	"context"
	"crypto/sha256"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// robotFields is a complete badge form but for the image.
func robotFields(name string) []webtest.Field {
	return []webtest.Field{
		{"name", name},
		{"description", "Designs, builds and programs a working robot."},
		{"criteria_kind", "narrative"},
		{"criteria_narrative", "Build **a robot** that follows a line."},
		{"criteria_url", ""},
		{"tags", "robotics, STEM, robotics"},
		{"align_name", "Robotics competence"}, {"align_url", "https://example.org/frameworks/robotics"},
		{"align_framework", "Example Framework"}, {"align_code", "RB-1"}, {"align_description", "Builds simple robots."},
		{"align_name", ""}, {"align_url", ""}, {"align_framework", ""}, {"align_code", ""}, {"align_description", ""},
		{"align_name", ""}, {"align_url", ""}, {"align_framework", ""}, {"align_code", ""}, {"align_description", ""},
		{"expiry_kind", "duration"}, {"expiry_amount", "30"}, {"expiry_unit", "days"}, {"expiry_date", ""},
	}
}

func TestCreatorCreateBadgeWithPNG(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")

	status, body, _ := f.Do(t, c, "GET", "/creator", nil, nil)
	if status != 200 || !strings.Contains(body, "Badge library of Tampere University") || !strings.Contains(body, "No badges yet") {
		t.Fatalf("empty library = %d:\n%s", status, body)
	}
	status, body, _ = f.Do(t, c, "GET", "/creator/tampere-uni/badges/new", nil, nil)
	if status != 200 || !strings.Contains(body, `enctype="multipart/form-data"`) ||
		!strings.Contains(body, `accept=".png,.svg,image/png,image/svg+xml"`) || strings.Count(body, `name="align_name"`) < 3 {
		t.Fatalf("new badge form = %d:\n%s", status, body)
	}

	form, hdr := webtest.MultipartForm(t, robotFields("Robotics Explorer"), "image", "robotics-badge.png", webtest.ReadBadgePNG(t))
	status, body, resp := f.Do(t, c, "POST", "/creator/tampere-uni/badges", form, hdr)
	if status != http.StatusSeeOther || resp.Get("Location") != "/creator?org=tampere-uni" {
		t.Fatalf("create badge = %d to %q:\n%s", status, resp.Get("Location"), body)
	}
	status, body, _ = f.Do(t, c, "GET", "/creator?org=tampere-uni", nil, nil)
	for _, want := range []string{"Badge “Robotics Explorer” created.", ">Robotics Explorer</a></h3>", "<li>robotics</li>", "<li>STEM</li>", "Not issued yet"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("library after creating lacks %q", want)
		}
	}

	list, err := issuer.BadgeClasses(context.Background(), f.Pool, f.Org.ID, false)
	if err != nil || len(list) != 1 {
		t.Fatalf("badges = %v, %v", list, err)
	}
	b := list[0]
	if b.ImageType != "image/png" || len(b.Tags) != 2 || len(b.Alignments) != 1 || b.Alignments[0].TargetCode != "RB-1" ||
		b.Expiry.Kind != "duration" || b.Expiry.Amount != 30 || b.Expiry.Unit != "days" || b.CriteriaNarrative == "" {
		t.Errorf("stored badge = %+v", b)
	}
	if !strings.Contains(body, `src="`+f.Base+"/ob/badges/"+b.UUID+`/image"`) {
		t.Errorf("library does not show the badge's image")
	}

	// The edit form shows what is stored; saving without a file keeps the
	// image.
	status, body, _ = f.Do(t, c, "GET", "/creator/tampere-uni/badges/"+b.UUID+"/edit", nil, nil)
	if status != 200 || !strings.Contains(body, `value="Robotics Explorer"`) || !strings.Contains(body, `value="RB-1"`) ||
		!strings.Contains(body, "Leave empty to keep the current image") {
		t.Fatalf("edit form = %d:\n%s", status, body)
	}
	fields := robotFields("Robotics Explorer II")
	form, hdr = webtest.MultipartForm(t, fields, "", "", nil)
	if status, body, _ := f.Do(t, c, "POST", "/creator/tampere-uni/badges/"+b.UUID, form, hdr); status != http.StatusSeeOther {
		t.Fatalf("save edit = %d:\n%s", status, body)
	}
	b2, err := issuer.BadgeClassByUUID(context.Background(), f.Pool, b.UUID)
	if err != nil || b2.Name != "Robotics Explorer II" || b2.ImageType != "image/png" {
		t.Fatalf("edited badge = %+v, %v", b2, err)
	}

	// Another organisation's library is not this user's to change.
	if _, err := issuer.CreateOrganisation(context.Background(), f.Pool, issuer.NewOrganisation{Slug: "other-org", Name: "Other", Country: "DE"}); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := f.Do(t, c, "GET", "/creator/other-org/badges/new", nil, nil); status != http.StatusForbidden {
		t.Errorf("new badge form of another organisation = %d, want 403", status)
	}
	if status, _, _ := f.Do(t, c, "GET", "/creator?org=other-org", nil, nil); status != http.StatusForbidden {
		t.Errorf("library of another organisation = %d, want 403", status)
	}
}

func TestCreatorMissingNameKeepsInput(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	fields := robotFields("")
	form, hdr := webtest.MultipartForm(t, fields, "image", "robotics-badge.png", webtest.ReadBadgePNG(t))
	status, body, _ := f.Do(t, c, "POST", "/creator/tampere-uni/badges", form, hdr)
	if status != http.StatusBadRequest {
		t.Fatalf("badge without a name = %d, want 400", status)
	}
	for _, want := range []string{
		"Name: must be 1 to 200 characters",                       // the message names the field
		`id="name" name="name" required maxlength="200" value=""`, // the field is marked
		`aria-invalid="true"`,
		"Designs, builds and programs a working robot.", // the input is kept
		"Build **a robot** that follows a line.",
		`value="robotics, STEM, robotics"`,
		`value="RB-1"`,
		`value="30"`,
		`name="kept_image" value="data:image/png;base64,`, // and the checked image too
	} {
		if !strings.Contains(body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if list, _ := issuer.BadgeClasses(context.Background(), f.Pool, f.Org.ID, false); len(list) != 0 {
		t.Fatalf("a badge was created: %+v", list)
	}

	// Sending the form again with the name and the kept image, and no
	// file, creates the badge.
	kept := regexp.MustCompile(`name="kept_image" value="([^"]+)"`).FindStringSubmatch(body)
	if kept == nil {
		t.Fatal("no kept image")
	}
	fields[0].Value = "Robotics Explorer"
	fields = append(fields, webtest.Field{"kept_image", html.UnescapeString(kept[1])})
	form, hdr = webtest.MultipartForm(t, fields, "", "", nil)
	if status, body, _ := f.Do(t, c, "POST", "/creator/tampere-uni/badges", form, hdr); status != http.StatusSeeOther {
		t.Fatalf("second attempt = %d:\n%s", status, body)
	}

	// A problem in an alignment row names the row.
	fields = robotFields("Robotics Expert")
	for i := range fields {
		if fields[i].Name == "align_url" {
			fields[i].Value = "not a url"
			break
		}
	}
	form, hdr = webtest.MultipartForm(t, fields, "image", "robotics-badge.png", webtest.ReadBadgePNG(t))
	status, body, _ = f.Do(t, c, "POST", "/creator/tampere-uni/badges", form, hdr)
	if status != http.StatusBadRequest || !strings.Contains(body, "Alignment 1, URL: must be an absolute http or https URL") {
		t.Fatalf("bad alignment URL = %d:\n%s", status, body)
	}
}

func TestCreatorRefusesNonImage(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"text", "badge.png", []byte("this is not an image at all"), "Image: must be a PNG or SVG image"},
		{"script in SVG", "badge.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
			"Image: must be a PNG or SVG image: SVG with a script element is not accepted"},
		{"no file", "", nil, "Image: is required: a PNG or SVG image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			field := "image"
			if tc.file == "" {
				field = ""
			}
			form, hdr := webtest.MultipartForm(t, robotFields("Robotics Explorer"), field, tc.file, tc.data)
			status, body, _ := f.Do(t, c, "POST", "/creator/tampere-uni/badges", form, hdr)
			if status != http.StatusBadRequest || !strings.Contains(body, tc.want) ||
				!strings.Contains(body, `value="Robotics Explorer"`) || strings.Contains(body, "kept_image") {
				t.Fatalf("upload = %d, want 400 with %q and the input kept:\n%s", status, tc.want, body)
			}
		})
	}
	if list, _ := issuer.BadgeClasses(context.Background(), f.Pool, f.Org.ID, false); len(list) != 0 {
		t.Fatalf("a badge was created: %+v", list)
	}
}

func TestIssuerIssueEmailRevoke(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	c := f.Login(t, "staff@example.org")
	b := f.CreateBadge(t, "Team Player", issuer.Expiry{Kind: "duration", Amount: 30, Unit: "days"})

	status, body, _ := f.Do(t, c, "GET", "/issuer", nil, nil)
	if status != 200 || !strings.Contains(body, "/issuer/tampere-uni/badges/"+b.UUID) {
		t.Fatalf("issuer tools = %d, want a link to issue the badge:\n%s", status, body)
	}
	page := "/issuer/tampere-uni/badges/" + b.UUID
	status, body, _ = f.Do(t, c, "GET", page, nil, nil)
	if status != 200 || !strings.Contains(body, "expires 30 days after it is issued") || !strings.Contains(body, "Not issued yet") ||
		!strings.Contains(body, "<code>recipient</code>, <code>type</code>, <code>name</code>") || !strings.Contains(body, `href="/issuer/sample.csv"`) {
		t.Fatalf("issue page = %d:\n%s", status, body)
	}

	// A bad address is refused, naming the field and keeping the input.
	form := url.Values{"recipient_type": {"email"}, "identity": {"not-an-address"}, "recipient_name": {"Ada Lovelace"}}
	status, body, _ = f.Do(t, c, "POST", page, strings.NewReader(form.Encode()), webtest.FormPost)
	if status != http.StatusBadRequest || !strings.Contains(body, "Recipient: must be an email address") ||
		!strings.Contains(body, `value="Ada Lovelace"`) {
		t.Fatalf("bad recipient = %d:\n%s", status, body)
	}

	form = url.Values{"recipient_type": {"email"}, "identity": {"Ada@Example.org"}, "recipient_name": {"Ada Lovelace"},
		"evidence_url": {"https://example.org/portfolio/ada"}, "narrative": {"Led the *team* to the final."}}
	status, body, hdr := f.Do(t, c, "POST", page, strings.NewReader(form.Encode()), webtest.FormPost)
	if status != http.StatusSeeOther || hdr.Get("Location") != page {
		t.Fatalf("issue = %d to %q:\n%s", status, hdr.Get("Location"), body)
	}
	status, body, _ = f.Do(t, c, "GET", page, nil, nil)
	for _, want := range []string{"“Team Player” issued to Ada Lovelace (a…@example.org).", "a…@example.org", "Ada Lovelace",
		`class="state active">active`, "Not yet", "Revoke this badge"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("issued list lacks %q", want)
		}
	}
	issued, err := issuer.Assertions(context.Background(), f.Pool, b.ID, 10, 0)
	if err != nil || len(issued) != 1 {
		t.Fatalf("assertions = %v, %v", issued, err)
	}
	a := issued[0]

	// The public page needs no login and names the badge, the issuer and
	// the expiry, but never the earner.
	status, body, _ = f.Do(t, f.Client, "GET", "/badges/"+a.UUID, nil, nil)
	for _, want := range []string{"<h1>Team Player</h1>", `Issued by <a href="/orgs/tampere-uni">Tampere University</a>`,
		"Expires on", "(30 days)", "Awarded for Team Player.", "<em>the thing</em>", "<em>team</em>",
		"https://example.org/portfolio/ada", "No endorsements yet", "Download badge",
		`href="` + f.Base + "/ob/assertions/" + a.UUID + `/image"`,
		`<link rel="alternate" type="application/ld+json" href="` + f.Base + "/ob/assertions/" + a.UUID + `">`,
		`<form class="inline" method="post" action="/verify"><input type="hidden" name="url" value="` + f.Base + "/ob/assertions/" + a.UUID + `">`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("public badge page lacks %q", want)
		}
	}
	for _, secret := range []string{a.RecipientHint, a.RecipientIdentity, a.RecipientSalt, "Ada Lovelace", "ada@example.org"} {
		if strings.Contains(body, secret) {
			t.Errorf("public badge page shows the recipient: %q", secret)
		}
	}

	// An issued badge cannot be deleted; the library says why.
	status, body, _ = f.Do(t, c, "POST", "/creator/tampere-uni/badges/"+b.UUID+"/delete", nil, nil)
	if status != http.StatusConflict || !strings.Contains(body, "cannot be deleted; archive it instead") ||
		!strings.Contains(body, ">Team Player</a></h3>") {
		t.Fatalf("delete of an issued badge = %d:\n%s", status, body)
	}

	form = url.Values{"reason": {"Issued to the wrong person"}}
	status, _, hdr = f.Do(t, c, "POST", "/issuer/tampere-uni/assertions/"+a.UUID+"/revoke", strings.NewReader(form.Encode()), webtest.FormPost)
	if status != http.StatusSeeOther || hdr.Get("Location") != page {
		t.Fatalf("revoke = %d to %q", status, hdr.Get("Location"))
	}
	_, body, _ = f.Do(t, c, "GET", page, nil, nil)
	if !strings.Contains(body, `class="state revoked">revoked`) || !strings.Contains(body, "Issued to the wrong person") ||
		strings.Contains(body, "Revoke this badge") {
		t.Errorf("issued list after revoking:\n%s", body)
	}
	status, body, _ = f.Do(t, f.Client, "GET", "/badges/"+a.UUID, nil, nil)
	if status != 200 || !strings.Contains(body, "This badge has been revoked") || !strings.Contains(body, "Reason: Issued to the wrong person") ||
		strings.Contains(body, "Download badge") {
		t.Fatalf("public page of a revoked badge = %d:\n%s", status, body)
	}

	if status, _, _ := f.Do(t, f.Client, "GET", "/badges/00000000-0000-0000-0000-000000000000", nil, nil); status != 404 {
		t.Errorf("unknown badge page = %d, want 404", status)
	}
}

func TestCreatorArchivedBadgeListedUnderArchived(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	b := f.CreateBadge(t, "Old Badge", issuer.Expiry{})
	f.CreateBadge(t, "Current Badge", issuer.Expiry{})

	status, _, hdr := f.Do(t, c, "POST", "/creator/tampere-uni/badges/"+b.UUID+"/archive", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/creator?org=tampere-uni" {
		t.Fatalf("archive = %d to %q", status, hdr.Get("Location"))
	}
	_, body, _ := f.Do(t, c, "GET", "/creator?org=tampere-uni", nil, nil)
	if strings.Contains(body, ">Old Badge</a></h3>") || !strings.Contains(body, ">Current Badge</a></h3>") || !strings.Contains(body, "archived: it can no longer be issued") {
		t.Errorf("active tab after archiving:\n%s", body)
	}
	_, body, _ = f.Do(t, c, "GET", "/creator?org=tampere-uni&archived=1", nil, nil)
	if !strings.Contains(body, ">Old Badge</a></h3>") || strings.Contains(body, ">Current Badge</a></h3>") || !strings.Contains(body, ">Restore</button>") {
		t.Errorf("archived tab:\n%s", body)
	}
	_, body, _ = f.Do(t, c, "GET", "/issuer", nil, nil)
	if strings.Contains(body, "Old Badge") || !strings.Contains(body, "Current Badge") {
		t.Errorf("the issuer tools offer an archived badge:\n%s", body)
	}
	// An archived badge cannot be issued.
	form := url.Values{"recipient_type": {"email"}, "identity": {"ada@example.org"}}
	status, body, _ = f.Do(t, c, "POST", "/issuer/tampere-uni/badges/"+b.UUID, strings.NewReader(form.Encode()), webtest.FormPost)
	if status != http.StatusConflict || !strings.Contains(body, "is archived") {
		t.Errorf("issuing an archived badge = %d:\n%s", status, body)
	}

	status, _, hdr = f.Do(t, c, "POST", "/creator/tampere-uni/badges/"+b.UUID+"/restore", nil, nil)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/creator?org=tampere-uni&archived=1" {
		t.Fatalf("restore = %d to %q", status, hdr.Get("Location"))
	}
	if _, body, _ = f.Do(t, c, "GET", "/creator?org=tampere-uni", nil, nil); !strings.Contains(body, ">Old Badge</a></h3>") {
		t.Errorf("restored badge is not in the library")
	}

	// A badge never issued can be deleted.
	if status, _, _ := f.Do(t, c, "POST", "/creator/tampere-uni/badges/"+b.UUID+"/delete", nil, nil); status != http.StatusSeeOther {
		t.Fatalf("delete = %d", status)
	}
	if _, body, _ = f.Do(t, c, "GET", "/creator?org=tampere-uni", nil, nil); strings.Contains(body, ">Old Badge</a></h3>") || !strings.Contains(body, "deleted") {
		t.Errorf("library after deleting:\n%s", body)
	}
}

func TestIssuerBulkCSV(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	c := f.Login(t, "staff@example.org")
	b := f.CreateBadge(t, "Bulk Badge", issuer.Expiry{})
	path := "/issuer/tampere-uni/badges/" + b.UUID + "/bulk"

	bad := "recipient,name,expires\r\nada@example.org,Ada,\r\nnot-an-address,Bob,\r\ngrace@example.org,Grace,someday\r\n"
	form, hdr := webtest.MultipartForm(t, nil, "file", "people.csv", []byte(bad))
	status, body, _ := f.Do(t, c, "POST", path, form, hdr)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Nothing was issued: 2 of 3 rows have a problem") ||
		!regexp.MustCompile(`<td data-label="Row">3</td>\s*<td data-label="Result"><strong>Failed</strong></td>\s*<td data-label="Field">recipient.identity</td>`).MatchString(body) ||
		!strings.Contains(body, `<td data-label="Field">expires</td>`) {
		t.Fatalf("bulk with bad rows = %d:\n%s", status, body)
	}
	if list, _ := issuer.Assertions(context.Background(), f.Pool, b.ID, 10, 0); len(list) != 0 {
		t.Fatalf("issued despite bad rows: %d", len(list))
	}

	good := "recipient,name,expires\r\nada@example.org,Ada,2099-12-31\r\nhttps://example.org/people/grace,Grace,\r\n"
	form, hdr = webtest.MultipartForm(t, nil, "file", "people.csv", []byte(good))
	status, body, _ = f.Do(t, c, "POST", path, form, hdr)
	list, _ := issuer.Assertions(context.Background(), f.Pool, b.ID, 10, 0)
	if status != 200 || !strings.Contains(body, "2 badges issued") || len(list) != 2 || !strings.Contains(body, `href="/badges/`+list[0].UUID+`">Issued`) {
		t.Fatalf("bulk = %d, %d issued:\n%s", status, len(list), body)
	}

	form, hdr = webtest.MultipartForm(t, nil, "file", "people.csv", []byte("who,what\r\nx,y\r\n"))
	status, body, _ = f.Do(t, c, "POST", path, form, hdr)
	if status != http.StatusBadRequest || !strings.Contains(body, "CSV file: unknown column") {
		t.Fatalf("bulk with a bad header = %d:\n%s", status, body)
	}

	status, body, _ = f.Do(t, c, "GET", "/issuer/sample.csv", nil, nil)
	if status != 200 || !strings.HasPrefix(body, "recipient,name,evidence,narrative,expires\r\n") {
		t.Fatalf("sample = %d %q", status, body)
	}
}

func TestClaimPage(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Claimable", issuer.Expiry{})
	issued, err := issuer.Issue(context.Background(), f.Pool, account.NodeActor(), issuer.Hooks{}, issuer.URLs{Base: webtest.MustURL(t, f.Base)}, f.Org, b,
		[]issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "ada@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	// The token only travels by email, which this node does not send: set
	// a known one.
	sum := sha256.Sum256([]byte("known-claim-token"))
	if _, err := f.Pool.Exec(context.Background(), `UPDATE assertion SET claim_token_hash = $1 WHERE uuid = $2`, sum[:], issued[0].UUID); err != nil {
		t.Fatal(err)
	}
	status, body, hdr := f.Do(t, f.Client, "GET", "/claim/known-claim-token", nil, nil)
	if status != 200 || !strings.Contains(body, "This badge is yours") || !strings.Contains(body, "<h1>Claimable</h1>") ||
		!strings.Contains(body, "Download badge") || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("claim page = %d:\n%s", status, body)
	}
	a, err := issuer.AssertionByUUID(context.Background(), f.Pool, issued[0].UUID)
	if err != nil || a.ClaimedAt == nil {
		t.Fatalf("claim not noted: %+v, %v", a, err)
	}
	// The public page is the same without the banner.
	if _, body, _ := f.Do(t, f.Client, "GET", "/badges/"+a.UUID, nil, nil); strings.Contains(body, "This badge is yours") {
		t.Errorf("public page shows the claim banner")
	}
	status, body, _ = f.Do(t, f.Client, "GET", "/claim/not-a-token", nil, nil)
	if status != 404 || !strings.Contains(body, "this claim link is not valid") {
		t.Fatalf("bad claim link = %d:\n%s", status, body)
	}
}

func TestBadgePageExpired(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Short Lived", issuer.Expiry{})
	issuedOn, expires := time.Now().AddDate(0, 0, -10), time.Now().AddDate(0, 0, -1)
	issued, err := issuer.Issue(context.Background(), f.Pool, account.NodeActor(), issuer.Hooks{}, issuer.URLs{Base: webtest.MustURL(t, f.Base)}, f.Org, b,
		[]issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: issuer.RecipientURL, Identity: "https://example.org/people/ada"},
			IssuedOn: &issuedOn, Expires: &expires}})
	if err != nil {
		t.Fatal(err)
	}
	status, body, _ := f.Do(t, f.Client, "GET", "/badges/"+issued[0].UUID, nil, nil)
	if status != 200 || !strings.Contains(body, "Expired on <time") || strings.Contains(body, "Expires on") ||
		strings.Contains(body, "https://example.org/people/ada") {
		t.Fatalf("expired badge page = %d:\n%s", status, body)
	}
	c := f.Login(t, "staff@example.org")
	if _, body, _ := f.Do(t, c, "GET", "/issuer/tampere-uni/badges/"+b.UUID, nil, nil); !strings.Contains(body, `class="state expired">expired`) {
		t.Errorf("issued list does not show the badge expired")
	}
}

func TestBadgeCriteriaPage(t *testing.T) {
	f := webtest.StartNode(t)
	b := f.CreateBadge(t, "Criteria Badge", issuer.Expiry{})
	status, body, _ := f.Do(t, f.Client, "GET", "/ob/badges/"+b.UUID+"/criteria", nil, map[string]string{"Accept": "text/html"})
	id := f.Base + "/ob/badges/" + b.UUID + "/criteria"
	if status != 200 || !strings.Contains(body, "Criteria Badge") || !strings.Contains(body, "<em>the thing</em>") ||
		!strings.Contains(body, `<link rel="alternate" type="application/ld+json" href="`+id+`">`) {
		t.Fatalf("criteria page = %d:\n%s", status, body)
	}
}

// TestBrowserBadgeCreateIssueView designs a badge through the form with a
// file upload, issues it and opens its public page, in a real Chromium on
// a desktop and on a phone.
func TestBrowserBadgeCreateIssueView(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	image, err := filepath.Abs(webtest.BadgePNG())
	if err != nil {
		t.Fatal(err)
	}
	for _, device := range []struct {
		name    string
		emulate chromedp.Action[chromedp.Void]
	}{
		{"desktop", browser.Desktop()},
		{"phone", browser.Phone()},
	} {
		t.Run(device.name, func(t *testing.T) {
			ctx := browser.New(t)
			name := "Line Follower " + device.name
			browser.Do(t, ctx, device.emulate, chromedp.Navigate(f.Base+"/login?next=/creator"),
				chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
				chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS(".toolbar a.button")),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS(".toolbar a.button")),
				chromedp.WaitVisible(chromedp.CSS("form.badge-form")),
				chromedp.SendKeys(chromedp.CSS("#name"), name),
				chromedp.SendKeys(chromedp.CSS("#description"), "Builds a robot that follows a line."),
				chromedp.SetUploadFiles(chromedp.CSS("#image"), []string{image}),
				chromedp.SendKeys(chromedp.CSS("#criteria_narrative"), "Build **a robot** that follows a black line."),
				chromedp.SendKeys(chromedp.CSS("#tags"), "robotics, stem"),
				chromedp.Click(chromedp.CSS("details.alignments summary")),
				chromedp.SendKeys(chromedp.CSS("#align-name-0"), "Robotics basics"),
				chromedp.SendKeys(chromedp.CSS("#align-url-0"), "https://example.org/robotics"),
				chromedp.Click(chromedp.CSS("label[for=expiry-duration]")),
				chromedp.WaitVisible(chromedp.CSS("#expiry_amount")),
				chromedp.SendKeys(chromedp.CSS("#expiry_amount"), "2"),
			)
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "badge-form-"+device.name)
			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("form.badge-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#library")),
			)
			if got := browser.Text(t, ctx, "p.notice"); !strings.Contains(got, name) {
				t.Fatalf("after creating, the notice is %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "library-"+device.name)

			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("p.notice a")), // "Issue it"
				chromedp.WaitVisible(chromedp.CSS("form.issue-form")),
				chromedp.SendKeys(chromedp.CSS("#identity"), "ada@example.org"),
				chromedp.SendKeys(chromedp.CSS("#recipient_name"), "Ada Lovelace"),
				chromedp.Click(chromedp.CSS("form.issue-form button[type=submit]")),
				chromedp.WaitVisible(chromedp.CSS("#assertions")),
			)
			if got := browser.Text(t, ctx, "#assertions"); !strings.Contains(got, "a…@example.org") || !strings.Contains(got, "active") {
				t.Errorf("issued list is %q", got)
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "issue-"+device.name)

			browser.Do(t, ctx,
				chromedp.Click(chromedp.CSS("p.notice a")), // "See the badge"
				chromedp.WaitVisible(chromedp.CSS("article.earned")),
			)
			if h := browser.Text(t, ctx, "h1"); h != name {
				t.Errorf("public page heading is %q, want %q", h, name)
			}
			facts := browser.Text(t, ctx, "article.earned")
			for _, want := range []string{"Issued by Tampere University", "Expires on", "Download badge", "Check this badge"} {
				if !strings.Contains(facts, want) {
					t.Errorf("public page lacks %q: %q", want, facts)
				}
			}
			loaded := browser.Eval[bool](t, ctx, `(() => { const i = document.querySelector("img.badge-image"); return i.complete && i.naturalWidth > 0; })()`)
			if !loaded {
				t.Errorf("the badge image did not load")
			}
			browser.NoHorizontalScroll(t, ctx)
			browser.Screenshot(t, ctx, "badge-page-"+device.name)
		})
	}
}
