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
	if !strings.Contains(page, "Saved.") || !strings.Contains(page, `name="sign_badges" checked`) ||
		!strings.Contains(page, `name="request_email" value="off" checked`) {
		t.Fatalf("settings page after saving:\n%s", page)
	}

	// How the organisation hears of new endorsement requests by email.
	if !strings.Contains(page, "Email us about new endorsement requests") || !strings.Contains(page, "mail setup") ||
		!strings.Contains(page, "this node sends no email at present") {
		t.Fatalf("settings page lacks the request email choice and its hint:\n%s", page)
	}
	daily := url.Values{}
	for k, v := range form {
		daily[k] = v
	}
	daily.Set("request_email", "weekly")
	status, body, _ = post(daily)
	if status != http.StatusBadRequest || !strings.Contains(body, "Email us about new endorsement requests: must be off, immediately or daily") {
		t.Fatalf("weekly = %d:\n%s", status, body)
	}
	daily.Set("request_email", "daily")
	if status, _, hdr := post(daily); status != http.StatusSeeOther || hdr.Get("Location") != "/creator/tampere-uni/settings?saved=1" {
		t.Fatalf("save daily = %d to %q", status, hdr.Get("Location"))
	}
	if o, err := issuer.OrganisationBySlug(context.Background(), f.Pool, "tampere-uni"); err != nil || o.RequestEmail != "daily" {
		t.Fatalf("stored request email %q, %v", o.RequestEmail, err)
	}
	_, page, _ = f.Do(t, c, "GET", "/creator/tampere-uni/settings", nil, nil)
	if !strings.Contains(page, `name="request_email" value="daily" checked`) {
		t.Fatalf("settings page after choosing daily:\n%s", page)
	}
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
