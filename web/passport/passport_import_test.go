package passport_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestImportTakesMoreThanTheBodyLimit: an exported backpack is larger than
// an ordinary request may be (--max-body-bytes, 64 KiB in these tests), so
// the import routes have a limit of their own; other routes keep theirs.
func TestImportTakesMoreThanTheBodyLimit(t *testing.T) {
	f := webtest.StartNode(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "noise.png", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 200<<10) // incompressible, stored: the zip is bigger than 64 KiB
	_, _ = rand.Read(noise)
	_, _ = fw.Write(noise)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	status, out := f.API(t, "POST", "/api/v1/me/badges/import", buf.Bytes(), "application/zip")
	if status != http.StatusAccepted {
		t.Fatalf("a 200 KiB import = %d %v, want 202", status, out)
	}
	out = f.WaitForImport(t, out["id"].(string))
	list, _ := out["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["outcome"] == "added" {
		t.Fatalf("report %v: the noise must be refused, not added", out)
	}
	if status, _ := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges", buf.Bytes(), "application/json"); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("the same body elsewhere = %d, want 413", status)
	}
}

// TestImportRefusesAFileWhoseErrorQuotesIt: a file that is no image, whose
// parser's error quotes bytes that are not UTF-8 (an SVG with a broken
// entity), is refused with a reason; the import finishes. (Random noise
// did this now and then: the import stopped on PostgreSQL refusing the
// reason's text.)
func TestImportRefusesAFileWhoseErrorQuotesIt(t *testing.T) {
	f := webtest.StartNode(t)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, err := zw.Create("broken.svg")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("<svg xmlns=\"http://www.w3.org/2000/svg\">&\x9b\xfe;</svg>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	status, out := f.API(t, "POST", "/api/v1/me/badges/import", buf.Bytes(), "application/zip")
	if status != http.StatusAccepted {
		t.Fatalf("import = %d %v, want 202", status, out)
	}
	out = f.WaitForImport(t, out["id"].(string))
	list, _ := out["items"].([]any)
	if out["state"] != "done" || len(list) != 1 || list[0].(map[string]any)["outcome"] != "refused" {
		t.Fatalf("report %v: the file must be refused and the import done", out)
	}
}

// TestImport200BadgesAsAJob: a 200-badge export, uploaded through the
// page's form by a client that then goes away, is imported by its job:
// the page shows the progress and then what became of each file, the API
// the same; all 200 are in the backpack. A second import while one runs is
// refused, and the page and the API share one rate limit.
func TestImport200BadgesAsAJob(t *testing.T) {
	ctx := context.Background()
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{Kind: "none"})
	inputs := make([]issuer.AssertionInput, 200)
	for i := range inputs {
		inputs[i] = issuer.AssertionInput{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "eva@example.org"}}
	}
	list, err := issuer.Issue(ctx, f.Pool, account.NodeActor(), issuer.Hooks{}, issuer.URLs{Base: webtest.MustURL(t, f.Base)}, f.Org, b, inputs)
	if err != nil || len(list) != 200 {
		t.Fatalf("issue 200: %d, %v", len(list), err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for i, a := range list {
		doc := f.Hosted(t, f.Base+"/ob/assertions/"+a.UUID, http.StatusOK)
		w, _ := zw.Create(fmt.Sprintf("%03d.json", i))
		_ = json.NewEncoder(w).Encode(doc)
	}
	w, _ := zw.Create(passport.IndexFile)
	fmt.Fprint(w, `{"badges":[{"file":"000.json","visibility":"public"}]}`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	eva, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "eva@example.org", Name: "Eva", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Login(t, "eva@example.org")
	form, h := webtest.MultipartForm(t, nil, "file", "export.zip", zipped.Bytes())
	status, body, hdr := f.Do(t, c, "POST", "/passport/import", form, h)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/passport?tab=import#import" {
		t.Fatalf("import through the form = %d to %q:\n%s", status, hdr.Get("Location"), body[strings.Index(body, "<main"):])
	}
	// The client is gone; the import goes on. A second one is refused
	// while it runs.
	api := f.UserAPI(t, eva)
	if status, out := api("POST", "/api/v1/me/badges/import", nil); status != http.StatusBadRequest && status != http.StatusConflict {
		t.Fatalf("an empty import = %d %v", status, out)
	}
	second, h2 := webtest.MultipartForm(t, nil, "file", "export.zip", zipped.Bytes())
	if status, body, _ := f.Do(t, c, "POST", "/passport/import", second, h2); status != http.StatusConflict || !strings.Contains(body, "under way") {
		t.Errorf("a second import while one runs = %d:\n%.300s", status, body)
	}
	page := f.Page(t, c, "/passport?tab=import")
	webtest.Contains(t, "the page while it imports", page, `id="import-progress"`)
	deadline := time.Now().Add(120 * time.Second)
	for !strings.Contains(page, "Import done: 200 of 200 files verified.") {
		if time.Now().After(deadline) {
			t.Fatalf("the import never finished:\n%s", page)
		}
		time.Sleep(250 * time.Millisecond)
		page = f.Page(t, c, "/passport?tab=import")
	}
	if n := strings.Count(page, ": <span class=\"state active\">added</span>"); n != 200 {
		t.Errorf("the page lists %d files added, want 200", n)
	}
	status, out := api("GET", "/api/v1/me/badges?state=accepted", nil)
	if items, _ := out["items"].([]any); status != 200 || len(items) != 200 {
		t.Fatalf("the backpack holds %d accepted badges, want 200", len(items))
	}
	var public, left int
	if err := f.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE visibility = 'public') FROM backpack_item WHERE user_id = $1`, eva.ID).Scan(&public); err != nil || public != 1 {
		t.Errorf("%d public badges (%v), want the one index.json names", public, err)
	}
	if err := f.Pool.QueryRow(ctx, `SELECT count(*) FROM passport_import_file WHERE data IS NOT NULL`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d imported files still kept (%v)", left, err)
	}

	// One rate limit for the page and the API: 10 imports per address in
	// 10 minutes, and 3 were sent above (the form's, the empty one, the
	// second).
	limited, sent := false, 3
	for i := range 10 {
		sent++
		var status int
		if i%2 == 0 {
			status, _ = api("POST", "/api/v1/me/badges/import", nil)
		} else {
			form, h := webtest.MultipartForm(t, nil, "file", "x.zip", []byte("not a zip"))
			status, _, _ = f.Do(t, c, "POST", "/passport/import", form, h)
		}
		if status == http.StatusTooManyRequests {
			limited = sent == 11
			break
		}
	}
	if !limited {
		t.Error("imports through the page and the API were not limited together at 10")
	}
}
