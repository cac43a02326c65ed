package network

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The organisation's settings page: its public profile, which is also its
// Open Badges issuer Profile, whether it signs the badges it issues, and
// how it is emailed about new endorsement requests. Only its admins (and
// node admins) may change them.

// orgSettingsPage is the settings form and what it shows.
type orgSettingsPage struct {
	Org     issuer.Organisation
	Profile string // the hosted issuer Profile
	Invalid string // the field a problem is about
	Saved   bool
	// MailEnabled is whether this node sends email at all.
	MailEnabled bool
}

// HasLogo is whether the organisation's image is a logo uploaded here
// (else none, or a URL set through the API).
func (p orgSettingsPage) HasLogo() bool { return p.Org.ImageURL != "" }

// requestEmailChoices are the choices of how an organisation hears of new
// endorsement requests by email, in order.
var requestEmailChoices = []struct{ Value, Label string }{
	{"off", "Off"}, {"immediately", "Immediately, one email per request"}, {"daily", "Once a day, in one email"},
}

// RequestEmailChoices are the choices of the request email setting, for
// the network page's form.
func (networkPage) RequestEmailChoices() []struct{ Value, Label string } {
	return requestEmailChoices
}

func (s *Handlers) OrgSettingsRoutes(r chi.Router) {
	r.Get("/creator/{slug}/settings", s.orgSettingsForm)
	r.Post("/creator/{slug}/settings", s.saveOrgSettings)
}

func (s *Handlers) orgSettingsForm(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "org_settings", kit.PageData{Title: "Settings of " + o.Name, Data: orgSettingsPage{
		Org: o, Profile: s.URLs().Profile(o.Slug), Saved: r.URL.Query().Get("saved") == "1", MailEnabled: s.MailQueue() != nil,
	}})
}

func (s *Handlers) saveOrgSettings(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// A multipart form, for the logo's file; an older urlencoded form
	// still saves the rest.
	r.Body = http.MaxBytesReader(w, r.Body, kit.ImageFormLimit)
	if err := r.ParseMultipartForm(kit.FormMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.Fail(w, r, kit.BadMultipart(err))
		return
	}
	v := r.PostForm
	field := func(name string) *string { x := v.Get(name); return &x }
	sign, listed := v.Get("sign_badges") == "on", v.Get("listed") == "on"
	in := issuer.OrganisationUpdate{
		Name: field("name"), Country: field("country"), URL: field("url"), Email: field("email"),
		Description: field("description"), SignBadges: &sign, Listed: &listed,
	}
	// The logo is a file, checked before anything is saved so that a bad
	// one changes nothing.
	logo, err := kit.FormImage(r, "logo")
	if err == nil && logo != nil {
		_, err = issuer.CheckImage("logo", logo)
	}
	// A form without the choice (an older page) leaves it as it is.
	if v.Has("request_email") {
		in.RequestEmail = field("request_email")
	}
	// The versions are checkboxes, absent when unticked: a marker field
	// says the form showed them.
	if v.Has("credential_formats_shown") {
		formats := v["credential_formats"]
		in.CredentialFormats = &formats
	}
	var updated issuer.Organisation
	if err == nil {
		updated, err = issuer.UpdateOrganisation(r.Context(), s.Deps.Pool, o.ID, in)
	}
	switch {
	case err != nil:
	case logo != nil:
		updated, err = issuer.SetLogo(r.Context(), s.Deps.Pool, s.URLs(), updated, "logo", logo)
	case v.Get("remove_logo") == "on":
		updated, err = issuer.RemoveLogo(r.Context(), s.Deps.Pool, s.URLs(), updated)
	}
	if p, ok := problem.As(err); ok {
		// Show the form again with what was typed.
		o.Name, o.Country, o.URL, o.Email, o.Description, o.SignBadges, o.Listed =
			*in.Name, *in.Country, *in.URL, *in.Email, *in.Description, sign, listed
		if in.RequestEmail != nil {
			o.RequestEmail = *in.RequestEmail
		}
		s.Render(w, r, http.StatusBadRequest, "org_settings", kit.PageData{Title: "Settings of " + o.Name,
			Message: kit.FieldLabel(p.Field) + ": " + p.Message,
			Data:    orgSettingsPage{Org: o, Profile: s.URLs().Profile(o.Slug), Invalid: p.Field, MailEnabled: s.MailQueue() != nil}})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/creator/"+updated.Slug+"/settings?saved=1", http.StatusSeeOther)
}
