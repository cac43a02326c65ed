package applications_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/testkit/smtptest"
	"github.com/laurelnet/laurel/web/webtest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// mailTo waits for a message to one address whose subject contains
// subject, and returns the newest such.
func mailTo(t *testing.T, srv *smtptest.Server, to, subject string) smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		msgs := srv.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			if slices.Contains(msgs[i].To, to) && strings.Contains(msgs[i].Subject, subject) {
				return msgs[i]
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no message to %s about %q", to, subject)
	return smtptest.Message{}
}

// linkIn finds the link of f's node with path prefix in a mail.
func linkIn(t *testing.T, f *webtest.Fixture, m smtptest.Message, prefix string) string {
	t.Helper()
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base+prefix) + `[A-Za-z0-9_-]+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no %s link in the mail %q:\n%s", prefix, m.Subject, m.Text)
	}
	return strings.TrimPrefix(link, f.Base)
}

// part is one part of a multipart body: a value, or a file when File is
// set.
type part struct {
	Name, Value, File string
	Data              []byte
}

func multipartBody(t *testing.T, parts ...part) (io.Reader, map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.File == "" {
			if err := w.WriteField(p.Name, p.Value); err != nil {
				t.Fatal(err)
			}
			continue
		}
		fw, err := w.CreateFormFile(p.Name, p.File)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(p.Data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, map[string]string{"Content-Type": w.FormDataContentType()}
}

// api sends JSON with the staff member's token and decodes any answer.
func api(t *testing.T, f *webtest.Fixture, method, path string, body any) (int, any) {
	t.Helper()
	var r io.Reader
	h := map[string]string{"Authorization": "Bearer " + f.Token}
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
		h["Content-Type"] = "application/json"
	}
	status, text, _ := f.Do(t, f.Client, method, path, r, h)
	var out any
	_ = json.Unmarshal([]byte(text), &out)
	return status, out
}

// mustAPI is api for a request that must answer want, returning an object.
func mustAPI(t *testing.T, f *webtest.Fixture, want int, method, path string, body any) map[string]any {
	t.Helper()
	status, out := api(t, f, method, path, body)
	if status != want {
		t.Fatalf("%s %s = %d, want %d: %v", method, path, status, want, out)
	}
	m, _ := out.(map[string]any)
	return m
}

// publicJSON posts JSON without credentials.
func publicJSON(t *testing.T, f *webtest.Fixture, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	status, text, _ := f.Do(t, webtest.Visitor(), "POST", path, bytes.NewReader(b), map[string]string{"Content-Type": "application/json"})
	var out map[string]any
	_ = json.Unmarshal([]byte(text), &out)
	return status, out
}

func errField(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

// evidenceForm sets up what most tests need: an issuer with an address,
// a badge, a template with each kind of field and a form from it.
type setup struct {
	f        *webtest.Fixture
	badge    string
	template float64
	form     map[string]any
	token    string
}

var allKinds = []map[string]any{
	{"key": "what", "kind": "text", "label": "What did you build?", "required": true},
	{"key": "story", "kind": "longtext", "label": "How did it go?"},
	{"key": "evidence", "kind": "file", "label": "Photo or report", "required": true, "maxBytes": 1 << 20, "types": []string{"image/png", "application/pdf"}, "maxFiles": 2},
	{"key": "portfolio", "kind": "link", "label": "Portfolio"},
	{"key": "agree", "kind": "checkbox", "label": "The work is my own", "required": true},
}

func newSetup(t *testing.T, f *webtest.Fixture, fields []map[string]any, form map[string]any) setup {
	t.Helper()
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Line Follower", issuer.Expiry{})
	tm := mustAPI(t, f, http.StatusCreated, "POST", "/api/v1/orgs/tampere-uni/form-templates",
		map[string]any{"name": "Robotics evidence", "fields": fields})
	in := map[string]any{"badge": b.UUID, "template": tm["id"], "title": "Apply for Line Follower"}
	for k, v := range form {
		in[k] = v
	}
	fm := mustAPI(t, f, http.StatusCreated, "POST", "/api/v1/orgs/tampere-uni/application-forms", in)
	url, _ := fm["url"].(string)
	if !strings.HasPrefix(url, f.Base+"/apply/") {
		t.Fatalf("form url %q", url)
	}
	return setup{f: f, badge: b.UUID, template: tm["id"].(float64), form: fm, token: strings.TrimPrefix(url, f.Base+"/apply/")}
}

func (s setup) formUUID() string { return s.form["id"].(string) }

// applicationOf finds the application of email in the organisation's list.
func (s setup) applicationOf(t *testing.T, email string) map[string]any {
	t.Helper()
	status, out := api(t, s.f, "GET", "/api/v1/orgs/tampere-uni/applications?form="+s.formUUID(), nil)
	if status != http.StatusOK {
		t.Fatalf("list = %d %v", status, out)
	}
	for _, a := range out.([]any) {
		if m := a.(map[string]any); m["email"] == email {
			return m
		}
	}
	return nil
}

var ctx = context.Background()
