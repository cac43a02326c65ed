package passport_test

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/webtest"
)

// thirdPartyCredential is an OpenBadgeCredential by an issuer known only
// by its did:key (a fresh key), awarded to the actor subject; change
// alters the document once signed.
func thirdPartyCredential(t *testing.T, name, subject string, change func(map[string]any)) map[string]any {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	did := "did:key:" + dataintegrity.EncodeMultikey(key.Public().(ed25519.PublicKey))
	n := make([]byte, 6)
	_, _ = rand.Read(n)
	doc := map[string]any{
		"@context":  []any{vocab.CredentialsContext, vocab.OB3Context},
		"id":        fmt.Sprintf("urn:uuid:5e0c1a2b-3c4d-4e5f-8a6b-%x", n),
		"type":      []any{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":    map[string]any{"id": did, "type": []any{"Profile"}, "name": "Small Academy"},
		"validFrom": "2026-01-01T00:00:00Z",
		"name":      name,
		"credentialSubject": map[string]any{"id": subject, "type": []any{"AchievementSubject"},
			"achievement": map[string]any{"id": "urn:uuid:8c2e4b1a-0f6d-4a57-9b3e-1d2c3b4a5f60", "type": []any{"Achievement"},
				"name": name, "description": "Explains ideas to others.", "criteria": map[string]any{"narrative": "Gave a talk."}}},
	}
	signed, err := dataintegrity.Sign(doc, key, did+"#"+strings.TrimPrefix(did, "did:key:"), time.Now(), vocab.DocumentLoader(nil))
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(signed)
	}
	return signed
}

// TestPassportCredentialsAPI: POST /api/v1/me/badges takes an Open Badges
// 3.0 credential as an object or a VC-JWT string ("credential"), or at its
// URL; the item lists its standards; a tampered or misdirected credential
// is a 400 naming "credential". The export holds each credential baked
// in its image with its signed JSON and VC-JWT beside it, and an import of
// it into an emptied backpack brings them back, verified again.
func TestPassportCredentialsAPI(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	me := f.Base + "/actors/staff"
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "email", "identity": "staff@example.org"}}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue = %d %v", status, out)
	}
	credURL, _ := out["credential"].(string)
	_, jwt, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(credURL, f.Base), nil, map[string]string{"Accept": "application/vc+jwt"})

	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		field  string
		text   string
	}{
		{"a third party's, as an object", map[string]any{"credential": thirdPartyCredential(t, "Public speaking", me, nil)}, 201, "", ""},
		{"tampered", map[string]any{"credential": thirdPartyCredential(t, "Public speaking", me, func(d map[string]any) { d["name"] = "Rocket science" })},
			400, "credential", "did not verify"},
		{"someone else's", map[string]any{"credential": thirdPartyCredential(t, "Public speaking", "https://elsewhere.example/users/x", nil)},
			400, "credential", "not awarded to you"},
		{"not a credential", map[string]any{"credential": "not.a.jwt"}, 400, "credential", ""},
		// Issued to the staff member's email on this node, the badge is in
		// the backpack already, with its credential.
		{"Laurel's, as a VC-JWT", map[string]any{"credential": jwt}, 409, "credential", "already"},
		{"Laurel's, at its URL", map[string]any{"url": credURL}, 409, "url", "already"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, out := f.API(t, "POST", "/api/v1/me/badges", c.body, "")
			if status != c.status {
				t.Fatalf("add = %d %v, want %d", status, out, c.status)
			}
			if status == 201 {
				if std, _ := out["standards"].([]any); len(std) != 1 || std[0] != "ob3" || out["credential"] == nil {
					t.Fatalf("added item %v", out)
				}
				return
			}
			e, _ := out["error"].(map[string]any)
			if c.field != "" && (e["field"] != c.field || !strings.Contains(fmt.Sprint(e["message"]), c.text)) {
				t.Fatalf("error %v, want one on %q saying %q", out, c.field, c.text)
			}
		})
	}

	// The backpack: the issued badge (pending, both standards, delivered
	// on this node), and the third party's, 3.0 alone.
	_, list := f.API(t, "GET", "/api/v1/me/badges", nil, "")
	items, _ := list["items"].([]any)
	if len(items) != 2 {
		t.Fatalf("backpack %v", list)
	}
	for _, v := range items {
		it := v.(map[string]any)
		want := []any{"ob3"}
		if it["badge_name"] == "Robotics" {
			want = []any{"ob3", "ob2"}
		}
		if std, _ := it["standards"].([]any); !slices.Equal(std, want) {
			t.Fatalf("%s: standards %v, want %v", it["badge_name"], std, want)
		}
		if it["state"] == "pending" {
			if status, out := f.API(t, "POST", "/api/v1/me/badges/"+it["id"].(string)+"/accept", nil, ""); status != 200 {
				t.Fatalf("accept = %d %v", status, out)
			}
		}
	}

	status, zipped, _ := f.Do(t, f.Client, "GET", "/api/v1/me/badges/export", nil, map[string]string{"Authorization": "Bearer " + f.Token})
	if status != http.StatusOK {
		t.Fatalf("export = %d", status)
	}
	zr, err := zip.NewReader(strings.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var index struct {
		Badges []struct {
			File           string
			CredentialFile string `json:"credential_file"`
			Standards      []string
			Baked          bool
		}
	}
	for _, zf := range zr.File {
		names = append(names, zf.Name)
		r, _ := zf.Open()
		data, _ := io.ReadAll(r)
		switch {
		case zf.Name == "index.json":
			if err := json.Unmarshal(data, &index); err != nil {
				t.Fatal(err)
			}
		case strings.HasSuffix(zf.Name, ".png"):
			if c, err := bake.ExtractCredential(data); err != nil || !strings.Contains(c, "OpenBadgeCredential") {
				t.Fatalf("%s has no baked credential: %v", zf.Name, err)
			}
		}
	}
	if len(index.Badges) != 2 {
		t.Fatalf("export index %+v, files %v", index, names)
	}
	// The badge with an image has the credential baked in it and beside
	// it; the third party's, without an image, is its signed JSON.
	for _, e := range index.Badges {
		baked := strings.HasSuffix(e.File, ".png")
		if e.Baked != baked || !slices.Contains(e.Standards, "ob3") || baked != (e.CredentialFile != "") ||
			(baked && !slices.Contains(names, e.CredentialFile)) || (!baked && !strings.HasSuffix(e.File, ".json")) {
			t.Fatalf("export entry %+v, files %v", e, names)
		}
	}

	if _, err := f.Pool.Exec(t.Context(), `DELETE FROM backpack_item`); err != nil {
		t.Fatal(err)
	}
	status, out = f.API(t, "POST", "/api/v1/me/badges/import", []byte(zipped), "application/zip")
	if status != http.StatusAccepted {
		t.Fatalf("import = %d %v", status, out)
	}
	out = f.WaitForImport(t, out["id"].(string))
	_, list = f.API(t, "GET", "/api/v1/me/badges", nil, "")
	items, _ = list["items"].([]any)
	var got []string
	for _, v := range items {
		it := v.(map[string]any)
		if std, _ := it["standards"].([]any); len(std) == 0 || std[0] != "ob3" || it["state"] != "accepted" || it["verified"] != true {
			t.Fatalf("imported item %v", it)
		}
		got = append(got, it["badge_name"].(string))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"Public speaking", "Robotics"}) {
		t.Fatalf("imported %v; import report %v", got, out)
	}
}

// TestBrowserPassportAddsCredential: a person pastes an Open Badges 3.0
// credential's JSON into the passport's Add form and finds it among their
// badges, labelled Open Badges 3.0, on its page too.
func TestBrowserPassportAddsCredential(t *testing.T) {
	f := webtest.StartNode(t)
	doc, err := json.Marshal(thirdPartyCredential(t, "Public speaking", f.Base+"/actors/staff", nil))
	if err != nil {
		t.Fatal(err)
	}
	bctx := browser.New(t)
	browser.Do(t, bctx, chromedp.Navigate(f.Base+"/login?next=/passport"),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#assertion")),
		chromedp.SetValue(chromedp.CSS("#assertion"), string(doc)),
		chromedp.Click(chromedp.CSS(`form[action="/passport/badges"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#accepted")),
	)
	if got := browser.Text(t, bctx, "#accepted .badge-card"); !strings.Contains(got, "Public speaking") ||
		!strings.Contains(got, "Open Badges 3.0") || strings.Contains(got, "Open Badges 2.0") || !strings.Contains(got, "Small Academy") {
		t.Fatalf("the accepted badge reads %q", got)
	}
	browser.Do(t, bctx, chromedp.Click(chromedp.CSS("#accepted .badge-card h3 a")), chromedp.WaitVisible(chromedp.CSS("#standards")))
	if got := browser.Text(t, bctx, "#standards"); got != "Open Badges 3.0" {
		t.Fatalf("the badge page's standard reads %q", got)
	}
	if got := browser.Text(t, bctx, "p.description"); got != "Explains ideas to others." {
		t.Fatalf("the badge page's description reads %q", got)
	}
	browser.Screenshot(t, bctx, "passport-credential")
}
