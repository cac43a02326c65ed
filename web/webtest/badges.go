package webtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/vocab"
)

// BadgePNG is the path of a real badge image from the Open Badges test
// suite. It is found from this file's directory, since the tests that use
// it run in directories of different depths.
func BadgePNG() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "vocab", "testdata", "ob20", "robotics-badge.png")
}

// ReadBadgePNG reads BadgePNG.
func ReadBadgePNG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(BadgePNG())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Field is one form field; a form may repeat a name (the alignment rows).
// An alias of an unnamed struct, so that tests write fields as {name, value}.
type Field = struct{ Name, Value string }

// MultipartForm encodes fields and, when file is not nil, an upload as the
// part "image" (or the name given), as a browser sends a form.
func MultipartForm(t *testing.T, fields []Field, fileField, fileName string, file []byte) (io.Reader, map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f.Name, f.Value); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		part, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := part.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, map[string]string{"Content-Type": w.FormDataContentType()}
}

// FormPost is the header of an ordinary form post.
var FormPost = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

// IssuerReady gives the fixture's organisation the email address Open
// Badges requires of an issuer, so that it can issue.
func (f *Fixture) IssuerReady(t *testing.T) {
	t.Helper()
	email := "badges@tuni.example"
	o, err := issuer.UpdateOrganisation(context.Background(), f.Pool, f.Org.ID, issuer.OrganisationUpdate{Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	f.Org = o
}

// CreateBadge makes a badge of the fixture's organisation through the
// domain, for tests about what comes after.
func (f *Fixture) CreateBadge(t *testing.T, name string, expiry issuer.Expiry) issuer.BadgeClass {
	t.Helper()
	b, err := issuer.CreateBadgeClass(context.Background(), f.Pool, account.NodeActor(), f.Org.ID, issuer.BadgeInput{
		Name: name, Description: "Awarded for " + name + ".", Image: ReadBadgePNG(t),
		CriteriaNarrative: "Do *the thing* well.", Tags: []string{"testing"}, Expiry: expiry,
		Alignments: nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func MustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// API sends a JSON (or raw) request with the staff member's token and
// decodes a JSON answer into a map.
func (f *Fixture) API(t *testing.T, method, path string, body any, contentType string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	h := map[string]string{"Authorization": "Bearer " + f.Token}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	status, text, _ := f.Do(t, f.Client, method, path, r, h)
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	return status, out
}

// Hosted fetches a hosted Open Badges document as a verifier would and
// checks the headers every one must carry.
func (f *Fixture) Hosted(t *testing.T, id string, wantStatus int) map[string]any {
	t.Helper()
	path := strings.TrimPrefix(id, f.Base)
	status, text, hdr := f.Do(t, f.Client, "GET", path, nil, map[string]string{"Accept": "application/ld+json, application/json"})
	if status != wantStatus || hdr.Get("Content-Type") != "application/ld+json" || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("GET %s = %d %q (CORS %q), want %d application/ld+json open to all origins\n%s",
			path, status, hdr.Get("Content-Type"), hdr.Get("Access-Control-Allow-Origin"), wantStatus, text)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return doc
}

// CheckDocument holds a served document to the specification: its
// context, its required properties (the table above), the rules of
// package vocab, and a clean JSON-LD expansion against the official
// context.
func CheckDocument(t *testing.T, class string, doc map[string]any) {
	t.Helper()
	if doc["@context"] != vocab.Context {
		t.Errorf("%s @context = %v", class, doc["@context"])
	}
	for _, p := range specRequired[class] {
		if v, ok := doc[p]; !ok || v == "" || v == nil {
			t.Errorf("%s lacks required %s: %v", class, p, doc)
		}
	}
	if typ, _ := doc["type"].(string); typ != class {
		t.Errorf("%s has type %v", class, doc["type"])
	}
	if class == "Assertion" {
		r, _ := doc["recipient"].(map[string]any)
		for _, p := range specRequired["IdentityObject"] {
			if _, ok := r[p]; !ok {
				t.Errorf("recipient lacks %s: %v", p, r)
			}
		}
	}
	if class == "BadgeClass" {
		list, _ := doc["alignment"].([]any)
		for _, a := range list {
			for _, p := range specRequired["AlignmentObject"] {
				if _, ok := a.(map[string]any)[p]; !ok {
					t.Errorf("alignment lacks %s: %v", p, a)
				}
			}
		}
	}
	for _, p := range vocab.Check(class, doc) {
		if !p.Warning {
			t.Errorf("%s breaks a rule: %s", class, p)
		}
	}
	raw, _ := json.Marshal(doc)
	if _, err := vocab.Expand(raw); err != nil {
		t.Errorf("%s does not expand cleanly against the Open Badges context: %v", class, err)
	}
}

func (f *Fixture) APIBadge(t *testing.T) map[string]any {
	t.Helper()
	status, b := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges", map[string]any{
		"name": "Robotics", "description": "Builds and programs robots.", "image": RobotDataURL(t),
		"criteria":  map[string]any{"narrative": "Build a robot that **walks**.\n\n<script>alert(1)</script>"},
		"tags":      []string{"robots", "engineering"},
		"alignment": []map[string]any{{"targetName": "robotics", "targetUrl": "http://data.europa.eu/esco/skill/0a5b1d4c-d8b4-4b66-a6b2-7bb9b9c3a5a6", "targetFramework": "ESCO", "targetCode": "S1.2"}},
		"expiry":    map[string]any{"kind": "duration", "amount": 1, "unit": "years"},
	}, "")
	if status != http.StatusCreated {
		t.Fatalf("create badge = %d %v", status, b)
	}
	return b
}

// SetIssuerEmail sets the organisation's email (and extra settings) as
// its admin: the staff member is made one.
func (f *Fixture) SetIssuerEmail(t *testing.T, extra map[string]any) {
	t.Helper()
	if err := account.SetMembership(context.Background(), f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"email": "badges@tuni.example", "url": "https://www.tuni.example"}
	for k, v := range extra {
		body[k] = v
	}
	if status, o := f.API(t, "PATCH", "/api/v1/orgs/tampere-uni", body, ""); status != 200 {
		t.Fatalf("PATCH organisation = %d %v", status, o)
	}
}

// specRequired lists, from the Open Badges 2.0 specification's data
// classes, the properties each class must have.
var specRequired = map[string][]string{
	"Issuer":           {"id", "type", "name", "url", "email"},
	"BadgeClass":       {"id", "type", "name", "description", "image", "criteria", "issuer"},
	"Assertion":        {"id", "type", "recipient", "badge", "verification", "issuedOn"},
	"IdentityObject":   {"type", "identity", "hashed"},
	"RevocationList":   {"id", "type"},
	"CryptographicKey": {"id", "type", "owner", "publicKeyPem"},
	"AlignmentObject":  {"targetName", "targetUrl"},
}

// RobotDataURL is BadgePNG as a data: URL.
func RobotDataURL(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(BadgePNG())
	if err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
}
