package webtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

// IssueTo issues badge b to an email address through the API, as the
// staff member, and returns the assertion's id and uuid.
func (f *Fixture) IssueTo(t *testing.T, b issuer.BadgeClass, email string) (id, uuid string) {
	t.Helper()
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b.UUID+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "email", "identity": email}}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue to %s = %d %v", email, status, out)
	}
	return out["id"].(string), out["uuid"].(string)
}

// UserAPI calls the API with a token of user u.
func (f *Fixture) UserAPI(t *testing.T, u account.User) func(method, path string, body any) (int, map[string]any) {
	t.Helper()
	token, err := account.CreateToken(context.Background(), f.Pool, u.ID, "passport test")
	if err != nil {
		t.Fatal(err)
	}
	return func(method, path string, body any) (int, map[string]any) {
		t.Helper()
		var r *strings.Reader
		h := map[string]string{"Authorization": "Bearer " + token}
		if body != nil {
			j, _ := json.Marshal(body)
			r = strings.NewReader(string(j))
			h["Content-Type"] = "application/json"
		} else {
			r = strings.NewReader("")
		}
		status, text, _ := f.Do(t, f.Client, method, path, r, h)
		var out map[string]any
		_ = json.Unmarshal([]byte(text), &out)
		return status, out
	}
}

// WaitForImport follows an import of the staff member's until its job is
// done, and returns it.
func (f *Fixture) WaitForImport(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		status, out := f.API(t, "GET", "/api/v1/me/badges/imports/"+id, nil, "")
		if status != http.StatusOK {
			t.Fatalf("import %s = %d %v", id, status, out)
		}
		if out["state"] == "done" {
			return out
		}
		if out["state"] == "failed" || time.Now().After(deadline) {
			t.Fatalf("import %s did not finish: %v", id, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitForSubject waits for a message whose subject contains s.
func WaitForSubject(t *testing.T, srv *smtptest.Server, s string) smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for n := 1; time.Now().Before(deadline); n++ {
		for _, m := range srv.Wait(t, n, time.Until(deadline)) {
			if strings.Contains(m.Subject, s) {
				return m
			}
		}
	}
	t.Fatalf("no message about %q", s)
	return smtptest.Message{}
}
