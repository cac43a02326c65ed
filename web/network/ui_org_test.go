package network_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

func TestOrganisationSettingsPage(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	form := url.Values{"name": {"Tampere University"}, "country": {"FI"}, "url": {"https://www.tuni.example"},
		"email": {"badges@tuni.example"}, "description": {"A university."}, "image": {""}, "sign_badges": {"on"}, "listed": {"on"}}
	post := func(v url.Values) (int, string, http.Header) {
		return f.Do(t, c, "POST", "/creator/tampere-uni/settings", strings.NewReader(v.Encode()),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	if status, _, _ := post(form); status != http.StatusForbidden {
		t.Fatalf("settings saved by staff = %d, want 403: only admins", status)
	}
	if err := account.SetMembership(context.Background(), f.Pool, f.Staff.ID, f.Org.ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("email", "not an address")
	status, body, _ := post(bad)
	if status != http.StatusBadRequest || !strings.Contains(body, "Email: must be an email address") || !strings.Contains(body, `value="A university."`) && !strings.Contains(body, "A university.") {
		t.Fatalf("bad email = %d, want the form again naming the field with the input kept:\n%s", status, body)
	}
	status, _, hdr := post(form)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/creator/tampere-uni/settings?saved=1" {
		t.Fatalf("save = %d to %q", status, hdr.Get("Location"))
	}
	o, err := issuer.OrganisationBySlug(context.Background(), f.Pool, "tampere-uni")
	if err != nil || o.Email != "badges@tuni.example" || !o.SignBadges || !o.Listed || o.URL != "https://www.tuni.example" {
		t.Fatalf("stored %+v, %v", o, err)
	}
	_, page, _ := f.Do(t, c, "GET", "/creator/tampere-uni/settings?saved=1", nil, nil)
	if !strings.Contains(page, "Saved.") || !strings.Contains(page, `name="sign_badges" checked`) {
		t.Fatalf("settings page after saving:\n%s", page)
	}

	// How the organisation hears of new endorsement requests by email is
	// set on the Partner network page (as in the seed); the settings say
	// where.
	webtest.Contains(t, "settings page", page, `href="/network?org=tampere-uni#notifications"`, "Partner network page")
	webtest.Lacks(t, "settings page", page, `name="request_email"`)
	net := f.Page(t, c, "/network?org=tampere-uni")
	webtest.Contains(t, "network page", net, "Send me email notifications of new endorsement requests",
		`action="/network/orgs/tampere-uni/request-email"`, `name="request_email" value="off" checked`,
		"Emails go to badges@tuni.example", "this node sends no email at present")
	status, body, _ = f.Post(t, c, "/network/orgs/tampere-uni/request-email", url.Values{"request_email": {"weekly"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "Email us about new endorsement requests: must be off, immediately or daily") {
		t.Fatalf("weekly = %d:\n%s", status, body)
	}
	f.PostOK(t, c, "/network/orgs/tampere-uni/request-email", url.Values{"request_email": {"daily"}}, "/network?org=tampere-uni")
	if o, err := issuer.OrganisationBySlug(context.Background(), f.Pool, "tampere-uni"); err != nil || o.RequestEmail != "daily" {
		t.Fatalf("stored request email %q, %v", o.RequestEmail, err)
	}
	net = f.Page(t, c, "/network?org=tampere-uni")
	webtest.Contains(t, "network page after choosing daily", net, "in one email a day", `name="request_email" value="daily" checked`)
	_, page, _ = f.Do(t, c, "GET", "/creator/tampere-uni/settings", nil, nil)
	// The Open Badges versions: both by default; none is refused.
	if !strings.Contains(page, `name="credential_formats" value="ob3" checked`) || !strings.Contains(page, `name="credential_formats" value="ob2" checked`) {
		t.Fatalf("settings page lacks the versions, both ticked:\n%s", page)
	}
	none := url.Values{"credential_formats_shown": {"1"}}
	for k, v := range form {
		none[k] = v
	}
	if status, body, _ := post(none); status != http.StatusBadRequest || !strings.Contains(body, "Open Badges versions: must name at least one format") {
		t.Fatalf("no version = %d:\n%s", status, body)
	}
	only3 := url.Values{"credential_formats_shown": {"1"}, "credential_formats": {"ob3"}}
	for k, v := range form {
		only3[k] = v
	}
	if status, _, _ := post(only3); status != http.StatusSeeOther {
		t.Fatalf("save ob3 only = %d", status)
	}
	if o, _ := issuer.OrganisationBySlug(context.Background(), f.Pool, "tampere-uni"); !o.CredentialFormats.OB3 || o.CredentialFormats.OB2 {
		t.Fatalf("stored formats %+v, want ob3 only", o.CredentialFormats)
	}
	_, page, _ = f.Do(t, c, "GET", "/creator/tampere-uni/settings", nil, nil)
	if !strings.Contains(page, `value="ob3" checked`) || strings.Contains(page, `value="ob2" checked`) {
		t.Fatalf("settings page after choosing ob3 only:\n%s", page)
	}
	// A form without the choice leaves it as it is.
	if status, _, _ := post(form); status != http.StatusSeeOther {
		t.Fatalf("save without the choice = %d", status)
	}
	if o, _ := issuer.OrganisationBySlug(context.Background(), f.Pool, "tampere-uni"); o.RequestEmail != "daily" {
		t.Fatalf("request email became %q", o.RequestEmail)
	}
}
