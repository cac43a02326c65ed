package applications_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"encoding/json"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestAPI: the organisation's API answers 201 for what it creates, 4xx
// naming the property for bad input, 403 to someone who does not act for
// the organisation; applying answers 201 (multipart with a file, or
// JSON), 400 naming answers.KEY or files.KEY[i], and 429 over the hourly
// limit per client address.
func TestAPI(t *testing.T) {
	f := webtest.StartNode(t)
	s := newSetup(t, f, allKinds, nil)
	base := "/api/v1/orgs/tampere-uni"
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"template without fields", "POST", base + "/form-templates", map[string]any{"name": "T", "fields": []any{}}, 400, "fields"},
		{"field of no kind", "POST", base + "/form-templates", map[string]any{"name": "T", "fields": []any{map[string]any{"kind": "essay", "label": "Q"}}}, 400, "fields[0].kind"},
		{"file too large", "POST", base + "/form-templates", map[string]any{"name": "T", "fields": []any{map[string]any{"kind": "file", "label": "Q", "maxBytes": 11 << 20}}}, 400, "fields[0].maxBytes"},
		{"unknown property", "POST", base + "/form-templates", map[string]any{"name": "T", "colour": "red"}, 400, "colour"},
		{"form without badge", "POST", base + "/application-forms", map[string]any{"template": s.template, "title": "X"}, 400, "badge"},
		{"form of no template", "POST", base + "/application-forms", map[string]any{"badge": s.badge, "template": 999, "title": "X"}, 400, "template"},
		{"approvals out of range", "PATCH", base + "/application-forms/" + s.formUUID(), map[string]any{"approvals": 11}, 400, "approvals"},
		{"closing before opening", "PATCH", base + "/application-forms/" + s.formUUID(), map[string]any{"opensAt": "2030-01-02T00:00:00Z", "closesAt": "2030-01-01T00:00:00Z"}, 400, "closesAt"},
		{"bad date", "PATCH", base + "/application-forms/" + s.formUUID(), map[string]any{"opensAt": "soon"}, 400, "opensAt"},
		{"reviewer without address", "POST", base + "/application-forms/" + s.formUUID() + "/reviewers", map[string]any{"email": "rita"}, 400, "email"},
		{"bad state filter", "GET", base + "/applications?state=lost", nil, 400, "state"},
		{"bad date filter", "GET", base + "/applications?from=yesterday", nil, 400, "from"},
		{"no such form", "GET", base + "/application-forms/00000000-0000-0000-0000-000000000000", nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := api(t, f, tc.method, tc.path, tc.body)
			m, _ := out.(map[string]any)
			if status != tc.status || errField(m) != tc.field {
				t.Fatalf("%s %s = %d %v, want %d naming %q", tc.method, tc.path, status, out, tc.status, tc.field)
			}
		})
	}
	got := mustAPI(t, f, http.StatusOK, "PATCH", base+"/application-forms/"+s.formUUID(), map[string]any{"listed": true, "closesAt": "2099-01-01T00:00:00Z"})
	if got["listed"] != true || got["closesAt"] != "2099-01-01T00:00:00Z" || got["title"] != "Apply for Line Follower" || got["approvals"] != 1.0 {
		t.Fatalf("after PATCH: %v", got)
	}
	if got = mustAPI(t, f, http.StatusOK, "PATCH", base+"/application-forms/"+s.formUUID(), map[string]any{"closesAt": nil}); got["closesAt"] != nil {
		t.Fatalf("closesAt null did not clear it: %v", got)
	}
	rv := mustAPI(t, f, http.StatusCreated, "POST", base+"/application-forms/"+s.formUUID()+"/reviewers", map[string]any{"email": "rita@reviewers.example"})
	if list := mustAPIList(t, f, base+"/application-forms/"+s.formUUID()+"/reviewers"); len(list) != 1 {
		t.Fatalf("reviewers: %v", list)
	}
	if status, _ := api(t, f, "DELETE", fmt.Sprintf("%s/application-forms/%s/reviewers/%.0f", base, s.formUUID(), rv["id"]), nil); status != http.StatusNoContent {
		t.Fatalf("remove reviewer = %d", status)
	}
	tm := mustAPI(t, f, http.StatusOK, "PUT", fmt.Sprintf("%s/form-templates/%.0f", base, s.template), map[string]any{"name": "Renamed", "fields": textOnly})
	if tm["name"] != "Renamed" {
		t.Fatalf("PUT template: %v", tm)
	}
	if form := mustAPI(t, f, http.StatusOK, "GET", base+"/application-forms/"+s.formUUID(), nil); len(form["fields"].([]any)) != len(allKinds) {
		t.Fatalf("editing the template changed the form: %v", form["fields"])
	}

	if status, _ := api(t, f, "DELETE", fmt.Sprintf("%s/form-templates/%.0f", base, s.template), nil); status != http.StatusNoContent {
		t.Fatalf("delete template = %d", status)
	}
	if status, _ := api(t, f, "GET", fmt.Sprintf("%s/form-templates/%.0f", base, s.template), nil); status != http.StatusNotFound {
		t.Fatalf("deleted template = %d, want 404", status)
	}
	mustAPI(t, f, http.StatusOK, "GET", base+"/application-forms/"+s.formUUID(), nil)

	// The public form: without its token.
	status, text, _ := f.Do(t, webtest.Visitor(), "GET", "/api/v1/apply/"+s.token, nil, nil)
	if status != http.StatusOK || strings.Contains(text, s.token) || !strings.Contains(text, `"open": true`) {
		t.Fatalf("public form = %d %s", status, text)
	}

	// Applying: multipart with files.
	photo := webtest.ReadBadgePNG(t)
	apply := func(parts ...part) (int, map[string]any) {
		body, h := multipartBody(t, parts...)
		status, text, _ := f.Do(t, webtest.Visitor(), "POST", "/api/v1/apply/"+s.token, body, h)
		var out map[string]any
		_ = jsonUnmarshal(text, &out)
		return status, out
	}
	good := []part{{Name: "email", Value: "ada@example.org"}, {Name: "answers.what", Value: "A robot"}, {Name: "answers.agree", Value: "yes"}}
	for _, tc := range []struct {
		name  string
		parts []part
		field string
	}{
		{"no file", good, "files.evidence"},
		{"a second file not allowed", append(good[:3:3], part{Name: "files.evidence", File: "a.png", Data: photo}, part{Name: "files.evidence", File: "b.txt", Data: []byte("plain text")}), "files.evidence[1]"},
		{"a link to a private network", append(good[:3:3], part{Name: "files.evidence", File: "a.png", Data: photo}, part{Name: "answers.portfolio", Value: "http://10.0.0.1/"}), "answers.portfolio"},
		{"a question the form lacks", append(good[:3:3], part{Name: "answers.colour", Value: "red"}), "answers.colour"},
		{"no address", append(good[1:3:3], part{Name: "files.evidence", File: "a.png", Data: photo}), "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, out := apply(tc.parts...); status != http.StatusBadRequest || errField(out) != tc.field {
				t.Fatalf("= %d %v, want 400 naming %s", status, out, tc.field)
			}
		})
	}
	status, out := apply(append(good[:3:3], part{Name: "files.evidence", File: "robot.png", Data: photo})...)
	if status != http.StatusCreated || out["state"] != "unconfirmed" || len(out["files"].([]any)) != 1 {
		t.Fatalf("apply = %d %v", status, out)
	}
	if status, out = apply(append(good[:3:3], part{Name: "files.evidence", File: "robot.png", Data: photo})...); status != http.StatusConflict || errField(out) != "email" {
		t.Fatalf("applying twice = %d %v, want 409 naming email", status, out)
	}

	// A signed-in applicant with a confirmed address: new at once; theirs to see and withdraw.
	u, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "eve@example.org", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Pool.Exec(ctx, `UPDATE app_user SET email_verified = true WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	eve := f.UserAPI(t, u)
	if status, out := eve("GET", base+"/applications", nil); status != http.StatusForbidden {
		t.Fatalf("a non-member lists the applications: %d %v", status, out)
	}
	if status, out := eve("POST", base+"/form-templates", map[string]any{"name": "T", "fields": textOnly}); status != http.StatusForbidden {
		t.Fatalf("a non-member makes a template: %d %v", status, out)
	}
	body, h := multipartBody(t, part{Name: "answers.what", Value: "A drone"}, part{Name: "answers.agree", Value: "yes"},
		part{Name: "files.evidence", File: "drone.png", Data: photo})
	c := f.Login(t, "eve@example.org")
	status, text, _ = f.Do(t, c, "POST", "/api/v1/apply/"+s.token, body, h)
	var mine map[string]any
	_ = jsonUnmarshal(text, &mine)
	if status != http.StatusCreated || mine["state"] != "new" || mine["email"] != "eve@example.org" {
		t.Fatalf("signed-in apply = %d %s", status, text)
	}
	if status, out := eve("GET", "/api/v1/me/applications", nil); status != http.StatusOK {
		t.Fatalf("mine = %d %v", status, out)
	}
	if status, out := eve("GET", "/api/v1/applications/"+mine["id"].(string), nil); status != http.StatusOK || out["state"] != "new" {
		t.Fatalf("own application = %d %v", status, out)
	}
	if status, out := eve("POST", "/api/v1/applications/"+mine["id"].(string)+"/decision", map[string]any{"approve": true}); status != http.StatusForbidden {
		t.Fatalf("deciding one's own = %d %v", status, out)
	}
	if status, out := eve("POST", "/api/v1/me/applications/"+mine["id"].(string)+"/withdraw", nil); status != http.StatusOK || out["state"] != "withdrawn" {
		t.Fatalf("withdraw = %d %v", status, out)
	}
	if status, out := eve("POST", "/api/v1/me/applications/"+mine["id"].(string)+"/withdraw", nil); status != http.StatusConflict {
		t.Fatalf("withdraw twice = %d %v", status, out)
	}

	// Over the hourly limit per client address (all these come from 127.0.0.1): 429.
	var n int
	if err := f.Pool.QueryRow(ctx, `SELECT count(*) FROM application`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	tm = mustAPI(t, f, http.StatusCreated, "POST", base+"/form-templates", map[string]any{"name": "Plain", "fields": textOnly})
	plainForm := mustAPI(t, f, http.StatusCreated, "POST", base+"/application-forms", map[string]any{"badge": s.badge, "template": tm["id"], "title": "Plain"})
	plain := strings.TrimPrefix(plainForm["url"].(string), f.Base+"/apply/")
	for i := n; i < application.MaxPerSourceHour; i++ {
		if status, out := publicJSON(t, f, "/api/v1/apply/"+plain, map[string]any{"email": fmt.Sprintf("p%d@example.org", i), "answers": map[string]string{"what": "x"}}); status != http.StatusCreated {
			t.Fatalf("application %d = %d %v", i+1, status, out)
		}
	}
	status, text, hdr := f.Do(t, webtest.Visitor(), "POST", "/api/v1/apply/"+plain, strings.NewReader(`{"email": "late@example.org", "answers": {"what": "x"}}`),
		map[string]string{"Content-Type": "application/json"})
	if status != http.StatusTooManyRequests || !strings.Contains(text, "too many applications") || hdr.Get("Retry-After") != "3600" {
		t.Fatalf("over the limit = %d %v %s", status, hdr, text)
	}
	// The page says so too.
	body, h = multipartBody(t, part{Name: "email", Value: "late@example.org"}, part{Name: "answers.what", Value: "x"})
	if status, page, _ := f.Do(t, webtest.Visitor(), "POST", "/apply/"+plain, body, h); status != http.StatusTooManyRequests || !strings.Contains(page, "too many applications") {
		t.Fatalf("the page over the limit = %d:\n%s", status, page)
	}
}

func jsonUnmarshal(text string, v any) error { return json.Unmarshal([]byte(text), v) }
