package network_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/web/webtest"
)

// TestExternalEndorser goes the whole way: an organisation invites someone
// without an account by email, through a real SMTP server; the emailed
// link opens a form that names the field at fault and keeps what was
// typed; the endorsement it publishes is hosted here and listed in the
// organisation's issuer Profile; the link then works no more.
func TestExternalEndorser(t *testing.T) {
	f, smtp := webtest.StartMailingNode(t)

	status, v := f.API(t, "POST", "/api/v1/orgs/tampere-uni/external-invitations",
		map[string]any{"email": "Eve@Example.org", "message": "Would you endorse our work with schools?"}, "")
	if status != http.StatusCreated || v["state"] != "pending" || v["email"] != "eve@example.org" ||
		v["subject"] != f.Base+"/ob/issuers/tampere-uni" || v["token"] != nil {
		t.Fatalf("invite = %d %v", status, v)
	}
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/external-invitations",
		map[string]any{"email": "eve"}, ""); status != http.StatusBadRequest || out["error"].(map[string]any)["field"] != "email" {
		t.Fatalf("invite a non-address = %d %v", status, out)
	}

	m := smtp.Wait(t, 1, 20*time.Second)[0]
	f.NoLinksInMailJobs(t)
	if len(m.To) != 1 || m.To[0] != "eve@example.org" || !strings.Contains(m.Subject, "Tampere University") ||
		!strings.Contains(m.Text, "Would you endorse our work with schools?") {
		t.Fatalf("message to %v, subject %q:\n%s", m.To, m.Subject, m.Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/endorse/[A-Za-z0-9_-]+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no link in:\n%s", m.Text)
	}
	path := strings.TrimPrefix(link, f.Base)

	status, page, hdr := f.Do(t, f.Client, "GET", path, nil, nil)
	if status != http.StatusOK || !strings.Contains(page, "Tampere University invites you") ||
		!strings.Contains(page, "Would you endorse our work with schools?") || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("form = %d (Cache-Control %q):\n%s", status, hdr.Get("Cache-Control"), page)
	}

	form := url.Values{"name": {"Eve Endorser"}, "url": {"ftp://eve.example/"}, "comment": {"Inspiring work with schools."}}
	status, page = f.PostForm(t, path, form)
	if status != http.StatusBadRequest || !strings.Contains(page, "Website: must be") ||
		!regexp.MustCompile(`name="url"[^>]*aria-invalid="true"`).MatchString(page) ||
		!strings.Contains(page, `value="Eve Endorser"`) || !strings.Contains(page, "Inspiring work with schools.") {
		t.Fatalf("bad URL = %d:\n%s", status, page)
	}

	form.Set("url", "https://eve.example/")
	status, page = f.PostForm(t, path, form)
	endorsement := regexp.MustCompile(regexp.QuoteMeta(f.Base) + `/ob/endorsements/[0-9a-f-]{36}`).FindString(page)
	if status != http.StatusOK || !strings.Contains(page, "Thank you, Eve Endorser") || endorsement == "" {
		t.Fatalf("endorse = %d:\n%s", status, page)
	}

	profile := f.Hosted(t, f.Base+"/ob/issuers/tampere-uni", http.StatusOK)
	if list, _ := profile["endorsement"].([]any); !slices.Contains(list, any(endorsement)) {
		t.Fatalf("the issuer Profile lists %v, not %s", profile["endorsement"], endorsement)
	}
	doc := f.Hosted(t, endorsement, http.StatusOK)
	webtest.CheckDocument(t, "Endorsement", doc)
	endorser, _ := doc["issuer"].(string)
	if claim, _ := doc["claim"].(map[string]any); claim["id"] != f.Base+"/ob/issuers/tampere-uni" ||
		claim["endorsementComment"] != "Inspiring work with schools." || !strings.HasPrefix(endorser, f.Base+"/ob/endorsers/") {
		t.Fatalf("endorsement %v", doc)
	}
	who := f.Hosted(t, endorser, http.StatusOK)
	webtest.CheckDocument(t, "Profile", who)
	if who["id"] != endorser || who["name"] != "Eve Endorser" || who["url"] != "https://eve.example/" || who["email"] != nil {
		t.Fatalf("endorser %v", who)
	}

	// It is also an EndorsementCredential, issued by the endorser's own 3.0
	// Profile with its key, which verifies, as JSON and as a VC-JWT, until
	// the organisation takes the endorsement off.
	credential := f.Base + "/ob/v3/endorsements/" + strings.TrimPrefix(endorsement, f.Base+"/ob/endorsements/")
	status, given := f.API(t, "GET", "/api/v1/orgs/tampere-uni/endorsements?direction=received", nil, "")
	if got, _ := given["items"].([]any); status != http.StatusOK || len(got) != 1 || got[0].(map[string]any)["credential"] != credential {
		t.Fatalf("received endorsements = %d %v, want credential %s", status, given, credential)
	}
	credentialPath := strings.TrimPrefix(credential, f.Base)
	status, raw, hdr := f.Do(t, f.Client, "GET", credentialPath, nil, map[string]string{"Accept": "application/vc+ld+json"})
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/vc+ld+json" || !strings.Contains(raw, `"EndorsementCredential"`) ||
		!strings.Contains(raw, `"`+f.Base+`/ob/v3/endorsers/`) {
		t.Fatalf("GET %s = %d %s:\n%s", credential, status, hdr.Get("Content-Type"), raw)
	}
	status, jwt, hdr := f.Do(t, f.Client, "GET", credentialPath, nil, map[string]string{"Accept": "application/vc+jwt"})
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/vc+jwt" || !strings.HasPrefix(jwt, "ey") {
		t.Fatalf("GET %s as a VC-JWT = %d %s: %s", credential, status, hdr.Get("Content-Type"), jwt)
	}
	for _, in := range []map[string]any{{"url": credential}, {"credential": jwt}} {
		if status, rep := f.API(t, "POST", "/api/v1/verify", in, ""); status != http.StatusOK || rep["valid"] != true {
			t.Fatalf("verify %v = %d %v", in, status, rep)
		}
	}
	defer func() {
		if status, _ := f.API(t, "POST", "/api/v1/orgs/tampere-uni/endorsements/remove", map[string]any{"id": endorsement}, ""); status != http.StatusOK {
			t.Fatalf("take the endorsement off = %d", status)
		}
		if status, rep := f.API(t, "POST", "/api/v1/verify", map[string]any{"url": credential}, ""); status != http.StatusOK ||
			rep["valid"] != false || rep["revoked"] != true {
			t.Fatalf("verify the credential taken off = %d %v", status, rep)
		}
	}()

	// The link works once.
	if status, page, _ := f.Do(t, f.Client, "GET", path, nil, nil); status != http.StatusNotFound || !strings.Contains(page, "already been used") {
		t.Fatalf("the link again = %d:\n%s", status, page)
	}
	if status, page := f.PostForm(t, path, form); status != http.StatusNotFound || !strings.Contains(page, "already been used") {
		t.Fatalf("the form again = %d:\n%s", status, page)
	}

	status, list := f.API(t, "GET", "/api/v1/orgs/tampere-uni/external-invitations", nil, "")
	items, _ := list["items"].([]any)
	if status != http.StatusOK || len(items) != 1 {
		t.Fatalf("invitations = %d %v", status, list)
	}
	if inv := items[0].(map[string]any); inv["state"] != "used" || inv["endorsement"] != endorsement || inv["email"] != nil ||
		inv["email_hint"] != "e…@example.org" {
		t.Fatalf("used invitation %v", inv)
	}
}

// TestExternalInvitationNeedsMail: a node without --smtp-url cannot send
// an invitation, and says so.
func TestExternalInvitationNeedsMail(t *testing.T) {
	f := webtest.StartNode(t)
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/external-invitations", map[string]any{"email": "eve@example.org"}, "")
	if status != http.StatusConflict || !strings.Contains(out["error"].(map[string]any)["message"].(string), "sends no email") {
		t.Fatalf("invite = %d %v", status, out)
	}
	if status, page, _ := f.Do(t, f.Client, "GET", "/endorse/no-such-token", nil, nil); status != http.StatusNotFound || !strings.Contains(page, "not valid") {
		t.Fatalf("unknown link = %d:\n%s", status, page)
	}
}
