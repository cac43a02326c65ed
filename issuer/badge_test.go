package issuer_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"net/url"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

var testURLs = issuer.URLs{Base: &url.URL{Scheme: "https", Host: "badges.example"}}

func robotPNG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const svgBadge = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>`

func newOrg(t *testing.T, db issuer.DB, slug string) issuer.Organisation {
	t.Helper()
	o, err := issuer.CreateOrganisation(context.Background(), db, issuer.NewOrganisation{
		Slug: slug, Name: "Org " + slug, Country: "FI", URL: "https://" + slug + ".example", Email: "badges@" + slug + ".example",
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func validBadge(t *testing.T) issuer.BadgeInput {
	return issuer.BadgeInput{
		Name: "Project management", Description: "Runs a project from plan to delivery.", Image: robotPNG(t),
		CriteriaNarrative: "1. Plan a project\n2. *Deliver* it", Tags: []string{"projects", " management "},
		Alignments: []vocab.AlignmentObject{{TargetName: "project management", TargetURL: "http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388", TargetFramework: "ESCO"}},
		Expiry:     issuer.Expiry{Kind: "duration", Amount: 2, Unit: "years"},
	}
}

func TestBadgeInputRules(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "rules")
	big := make([]byte, issuer.MaxImageBytes+1)
	copy(big, robotPNG(t))
	date := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		edit  func(*issuer.BadgeInput)
		field string
	}{
		{"no name", func(in *issuer.BadgeInput) { in.Name = "  " }, "name"},
		{"name with a line break", func(in *issuer.BadgeInput) { in.Name = "Robotics\r\nBcc: all@example.org" }, "name"},
		{"no description", func(in *issuer.BadgeInput) { in.Description = "" }, "description"},
		{"no image", func(in *issuer.BadgeInput) { in.Image = nil }, "image"},
		{"huge image", func(in *issuer.BadgeInput) { in.Image = big }, "image"},
		{"not an image", func(in *issuer.BadgeInput) { in.Image = []byte("GIF89a hello") }, "image"},
		{"svg with script", func(in *issuer.BadgeInput) {
			in.Image = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		}, "image"},
		{"svg with handler", func(in *issuer.BadgeInput) {
			in.Image = []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`)
		}, "image"},
		{"svg entity bomb", func(in *issuer.BadgeInput) {
			in.Image = []byte(`<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`)
		}, "image"},
		{"no criteria", func(in *issuer.BadgeInput) { in.CriteriaNarrative = "" }, "criteria"},
		{"both criteria", func(in *issuer.BadgeInput) { in.CriteriaURL = "https://example.org/c" }, "criteria"},
		{"criteria on a private address", func(in *issuer.BadgeInput) {
			in.CriteriaNarrative, in.CriteriaURL = "", "http://10.1.2.3/criteria"
		}, "criteria.id"},
		{"alignment without url", func(in *issuer.BadgeInput) { in.Alignments[0].TargetURL = "" }, "alignment[0].targetUrl"},
		{"alignment to localhost", func(in *issuer.BadgeInput) { in.Alignments[0].TargetURL = "http://localhost/x" }, "alignment[0].targetUrl"},
		{"empty tag", func(in *issuer.BadgeInput) { in.Tags = []string{"ok", " "} }, "tags[1]"},
		{"bad expiry kind", func(in *issuer.BadgeInput) { in.Expiry = issuer.Expiry{Kind: "soon"} }, "expiry.kind"},
		{"bad expiry unit", func(in *issuer.BadgeInput) { in.Expiry.Unit = "fortnights" }, "expiry.unit"},
		{"zero duration", func(in *issuer.BadgeInput) { in.Expiry.Amount = 0 }, "expiry.amount"},
		{"date without date", func(in *issuer.BadgeInput) { in.Expiry = issuer.Expiry{Kind: "date"} }, "expiry.date"},
		{"fine with a date", func(in *issuer.BadgeInput) { in.Expiry = issuer.Expiry{Kind: "date", Date: &date} }, ""},
		{"fine as svg", func(in *issuer.BadgeInput) { in.Image = []byte(svgBadge) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validBadge(t)
			tc.edit(&in)
			_, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, in)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Fatalf("error %v, want an Invalid problem on %q", err, tc.field)
			}
		})
	}
}

func TestBadgeLifecycle(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "life")
	other := newOrg(t, db, "other")
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	if err != nil {
		t.Fatal(err)
	}
	if b.ImageType != "image/png" || len(b.Tags) != 2 || b.Tags[1] != "management" || b.Expiry.Kind != "duration" {
		t.Fatalf("stored %+v", b)
	}
	doc := b.Document(testURLs)
	if doc.ID != "https://badges.example/ob/badges/"+b.UUID || doc.Issuer != "https://badges.example/ob/issuers/life" ||
		doc.Criteria.ID != doc.ID+"/criteria" || doc.Criteria.Narrative == "" || doc.Image != doc.ID+"/image" {
		t.Fatalf("document %+v", doc)
	}

	// Another organisation can neither edit nor delete it.
	in := validBadge(t)
	in.Image = nil
	if _, err := issuer.UpdateBadgeClass(ctx, db, account.NodeActor(), other.ID, b.UUID, in); !problem.Is(err, problem.NotFound) {
		t.Fatalf("update by another organisation: %v", err)
	}
	// Editing without an image keeps the image.
	in.Name = "Project management (advanced)"
	b2, err := issuer.UpdateBadgeClass(ctx, db, account.NodeActor(), o.ID, b.UUID, in)
	if err != nil || b2.Name != in.Name || b2.ImageType != "image/png" {
		t.Fatalf("update = %+v, %v", b2, err)
	}

	a, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b2, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "Earner@Example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := issuer.DeleteBadgeClass(ctx, db, account.NodeActor(), o.ID, b.UUID); !problem.Is(err, problem.Conflict) {
		t.Fatalf("delete of an issued badge: %v, want Conflict", err)
	}
	arch, err := issuer.ArchiveBadgeClass(ctx, db, account.NodeActor(), o.ID, b.UUID, true)
	if err != nil || arch.ArchivedAt == nil {
		t.Fatalf("archive = %+v, %v", arch, err)
	}
	if _, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, arch, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "x@example.org"}}}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("issuing an archived badge: %v, want Conflict", err)
	}
	active, _ := issuer.BadgeClasses(ctx, db, o.ID, false)
	archived, _ := issuer.BadgeClasses(ctx, db, o.ID, true)
	if len(active) != 0 || len(archived) != 1 || archived[0].Issued != 1 {
		t.Fatalf("lists: active %d, archived %+v", len(active), archived)
	}
	// The assertion issued before stays served and valid.
	if got, err := issuer.AssertionByUUID(ctx, db, a[0].UUID); err != nil || got.Revoked() {
		t.Fatalf("assertion after archiving: %+v, %v", got, err)
	}

	// A badge never issued can be deleted.
	c, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	if err := issuer.DeleteBadgeClass(ctx, db, account.NodeActor(), o.ID, c.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.BadgeClassByUUID(ctx, db, c.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("deleted badge still found: %v", err)
	}
}

func TestIssueHashesEmailAndAppliesExpiry(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "hash")
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	issued := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: "email", Identity: " Maria@Example.ORG "}, IssuedOn: &issued,
			Evidence: []vocab.Evidence{{ID: "https://example.org/work", Narrative: "Led the *pilot*."}}},
		{Recipient: issuer.Recipient{Kind: "url", Identity: "https://maria.example/"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := list[0].Document(testURLs)
	sum := sha256.Sum256([]byte("maria@example.org" + doc.Recipient.Salt))
	if !doc.Recipient.Hashed || doc.Recipient.Type != "email" || len(doc.Recipient.Salt) < 16 ||
		doc.Recipient.Identity != "sha256$"+hex.EncodeToString(sum[:]) {
		t.Fatalf("recipient %+v is not the salted sha256 of the address", doc.Recipient)
	}
	if list[0].RecipientHint != "m…@example.org" {
		t.Errorf("hint %q", list[0].RecipientHint)
	}
	if doc.IssuedOn != "2025-03-01T10:00:00Z" || doc.Expires != "2027-03-01T10:00:00Z" {
		t.Errorf("issuedOn %s expires %s, want two years later", doc.IssuedOn, doc.Expires)
	}
	if doc.Verification.Type != "hosted" || doc.Badge != b.Document(testURLs).ID || len(doc.Evidence) != 1 {
		t.Errorf("document %+v", doc)
	}
	// The address itself is kept nowhere.
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM assertion WHERE row_to_json(assertion)::text ILIKE '%maria@example%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d rows hold the address (%v)", n, err)
	}
	if url := list[1].Document(testURLs).Recipient; url.Hashed || url.Identity != "https://maria.example/" || url.Type != "url" {
		t.Errorf("url recipient %+v", url)
	}

	for _, tc := range []struct {
		name  string
		in    issuer.AssertionInput
		field string
	}{
		{"bad email", issuer.AssertionInput{Recipient: issuer.Recipient{Kind: "email", Identity: "not-an-address"}}, "recipient.identity"},
		{"bad kind", issuer.AssertionInput{Recipient: issuer.Recipient{Kind: "phone", Identity: "123"}}, "recipient.type"},
		{"private url", issuer.AssertionInput{Recipient: issuer.Recipient{Kind: "url", Identity: "http://192.168.1.5/me"}}, "recipient.identity"},
		{"future", issuer.AssertionInput{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}, IssuedOn: ptr(time.Now().Add(48 * time.Hour))}, "issuedOn"},
		{"expires first", issuer.AssertionInput{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}, IssuedOn: &issued, Expires: ptr(issued.Add(-time.Hour))}, "expires"},
		{"empty evidence", issuer.AssertionInput{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}, Evidence: []vocab.Evidence{{}}}, "evidence[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{tc.in})
			if p, ok := problem.As(err); !ok || p.Field != tc.field {
				t.Fatalf("error %v, want a problem on %q", err, tc.field)
			}
		})
	}
	// A bad item among several names the item, and nothing is issued.
	before, _ := issuer.Assertions(ctx, db, b.ID, 100, 0)
	_, err = issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: "email", Identity: "ok@example.org"}},
		{Recipient: issuer.Recipient{Kind: "email", Identity: "broken"}},
	})
	if p, ok := problem.As(err); !ok || p.Field != "items[1].recipient.identity" {
		t.Fatalf("error %v, want a problem on items[1].recipient.identity", err)
	}
	if after, _ := issuer.Assertions(ctx, db, b.ID, 100, 0); len(after) != len(before) {
		t.Fatalf("a failed issue left %d assertions behind", len(after)-len(before))
	}
}

func ptr[T any](v T) *T { return &v }

func TestIssueNeedsIssuerEmail(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "noemail", Name: "No Email", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	_, err = issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}}})
	if p, ok := problem.As(err); !ok || p.Field != "email" {
		t.Fatalf("issuing without an issuer email: %v", err)
	}
}

func TestRevokeAndRevocationList(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "rev")
	other := newOrg(t, db, "rev-other")
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{
		{Recipient: issuer.Recipient{Kind: "email", Identity: "a@example.org"}},
		{Recipient: issuer.Recipient{Kind: "email", Identity: "b@example.org"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.Revoke(ctx, db, account.NodeActor(), other.ID, list[0].UUID, "not yours"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("revoke by another organisation: %v", err)
	}
	a, err := issuer.Revoke(ctx, db, account.NodeActor(), o.ID, list[0].UUID, "Issued by mistake")
	if err != nil || !a.Revoked() || a.RevocationReason != "Issued by mistake" {
		t.Fatalf("revoke = %+v, %v", a, err)
	}
	// Revoking again keeps the first reason.
	if a, _ := issuer.Revoke(ctx, db, account.NodeActor(), o.ID, list[0].UUID, "other"); a.RevocationReason != "Issued by mistake" {
		t.Fatalf("second revoke changed the reason to %q", a.RevocationReason)
	}
	rl, err := issuer.RevocationListDocument(ctx, db, testURLs, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rl.RevokedAssertions) != 1 || rl.RevokedAssertions[0].ID != testURLs.Assertion(list[0].UUID) ||
		rl.RevokedAssertions[0].RevocationReason != "Issued by mistake" || rl.Issuer != testURLs.Profile("rev") {
		t.Fatalf("revocation list %+v", rl)
	}
	gone := a.RevocationDocument(testURLs)
	if !gone.Revoked || gone.ID != testURLs.Assertion(a.UUID) {
		t.Fatalf("revocation document %+v", gone)
	}
}

func TestSignedAssertions(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "signer")
	p, err := issuer.ProfileDocument(ctx, db, testURLs, o)
	if err != nil || len(p.PublicKey) != 0 {
		t.Fatalf("profile before signing = %+v, %v; want no key", p, err)
	}
	sign := true
	if o, err = issuer.UpdateOrganisation(ctx, db, o.ID, issuer.OrganisationUpdate{SignBadges: &sign}); err != nil || !o.SignBadges {
		t.Fatalf("turn signing on: %+v, %v", o, err)
	}
	p, _ = issuer.ProfileDocument(ctx, db, testURLs, o)
	key, err := issuer.KeyDocument(ctx, db, testURLs, o)
	if err != nil || len(p.PublicKey) != 1 || p.PublicKey[0] != key.ID || key.Owner != p.ID {
		t.Fatalf("profile %+v key %+v (%v): the key must be listed and owned by the profile", p, key, err)
	}
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	list, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "s@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	a := list[0]
	pub, err := signature.ParsePublicKey(key.PublicKeyPem)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := vocab.VerifyJWS(a.JWS, pub)
	if err != nil {
		t.Fatalf("the JWS does not verify with the published key: %v", err)
	}
	var doc vocab.Assertion
	if err := json.Unmarshal(payload, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Verification.Type != "signed" || doc.Verification.Creator != key.ID || doc.ID != testURLs.Assertion(a.UUID) {
		t.Fatalf("signed payload %+v", doc)
	}
	// The hosted document of a signed assertion is what was signed.
	stored, _ := issuer.AssertionByUUID(ctx, db, a.UUID)
	if got, _ := json.Marshal(stored.Document(testURLs)); string(got) != string(payload) {
		t.Fatalf("hosted %s\nsigned %s", got, payload)
	}
	baked, _ := stored.Baked(testURLs, vocab.BadgeClass{})
	if baked != a.JWS {
		t.Fatal("a signed badge must bake its JWS")
	}
	// Turning signing off keeps the key published: old badges still verify.
	off := false
	o, _ = issuer.UpdateOrganisation(ctx, db, o.ID, issuer.OrganisationUpdate{SignBadges: &off})
	if p, _ := issuer.ProfileDocument(ctx, db, testURLs, o); len(p.PublicKey) != 1 {
		t.Fatal("turning signing off unpublished the key")
	}
}

func TestClaim(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	if _, err := issuer.Claim(ctx, db, "nonsense"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("unknown token: %v", err)
	}
}

func TestParseBulkCSV(t *testing.T) {
	for _, tc := range []struct {
		name    string
		csv     string
		err     string // a whole-file problem
		rows    int
		badRows map[int]string // row -> field
	}{
		{"good", "recipient,name,evidence,expires\nann@example.org,Ann,https://example.org/ann,2030-01-31\nhttps://bob.example/,Bob,,\n", "", 2, nil},
		{"email header", "Email\nann@example.org\n", "", 1, nil},
		{"bom", "\ufeffrecipient\nann@example.org\n", "", 1, nil},
		{"empty", "", "file", 0, nil},
		{"no recipient column", "name\nAnn\n", "file", 0, nil},
		{"unknown column", "recipient,colour\na@example.org,red\n", "file", 0, nil},
		{"header only", "recipient\n", "file", 0, nil},
		{"broken rows", "recipient,expires\n,2030-01-01\nann@example.org,next week\n\"unterminated,x\n", "", 3, map[int]string{2: "recipient", 3: "expires", 4: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputs, report, err := issuer.ParseBulkCSV(strings.NewReader(tc.csv))
			if tc.err != "" {
				if p, ok := problem.As(err); !ok || p.Field != tc.err {
					t.Fatalf("error %v, want a problem on %q", err, tc.err)
				}
				return
			}
			if err != nil || len(inputs) != tc.rows || len(report) != tc.rows {
				t.Fatalf("%d inputs, %d report rows, %v; want %d", len(inputs), len(report), err, tc.rows)
			}
			for _, r := range report {
				field, bad := tc.badRows[r.Row]
				if r.OK == bad || (bad && r.Field != field) || (bad && r.Message == "") {
					t.Errorf("row %+v; want bad=%v field %q", r, bad, field)
				}
			}
		})
	}
}

func TestIssueBulkAllOrNothing(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "bulk")
	b, _ := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, validBadge(t))
	inputs, report, err := issuer.ParseBulkCSV(strings.NewReader("recipient,issued_on\nann@example.org,\nnot-an-email,\nbob@example.org,2999-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	ok, err := issuer.IssueBulk(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, inputs, report)
	if err != nil || ok {
		t.Fatalf("IssueBulk = %v, %v; want not issued", ok, err)
	}
	if !report[0].OK || report[1].Field != "recipient.identity" || report[2].Field != "issuedOn" {
		t.Fatalf("report %+v", report)
	}
	if list, _ := issuer.Assertions(ctx, db, b.ID, 10, 0); len(list) != 0 {
		t.Fatalf("%d assertions issued from a file with broken rows", len(list))
	}
	inputs, report, _ = issuer.ParseBulkCSV(strings.NewReader("recipient,name\nann@example.org,Ann\nbob@example.org,Bob\n"))
	if ok, err := issuer.IssueBulk(ctx, db, account.NodeActor(), issuer.Hooks{}, testURLs, o, b, inputs, report); err != nil || !ok {
		t.Fatalf("IssueBulk = %v, %v", ok, err)
	}
	if report[0].AssertionUUID == "" || report[1].ID != testURLs.Assertion(report[1].AssertionUUID) {
		t.Fatalf("report lacks the assertions: %+v", report)
	}
}
