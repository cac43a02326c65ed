package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/applications"
	"github.com/laurelnet/laurel/web/kit"
)

// An organisation's public page: its logo, description, badges, the
// endorsements it received and gave, the networks it belongs to, and a
// form by which anyone follows it from their fediverse account.

// orgProfile is what the organisation's page shows besides profileData.
type orgProfile struct {
	Slug     string
	Badges   []issuer.BadgeClass
	Received []network.Endorsement
	Given    []network.Endorsement
	Networks []community.Membership
	// FollowHandle is what was typed in the follow form, kept after a
	// problem; Invalid names the field the problem is about.
	FollowHandle string
	Invalid      string
}

// orgPageRoutes are the organisation's page, its logo and its follow form.
func (s *Server) orgPageRoutes(r chi.Router) {
	r.Get("/orgs/{slug}", s.organisationPage)
	r.Get(issuer.LogoPath("{slug}"), s.organisationLogo)
	r.Post("/orgs/{slug}/follow", s.remoteFollow)
}

func (s *Server) organisationPage(w http.ResponseWriter, r *http.Request) {
	s.renderOrganisation(w, r, http.StatusOK, "", "", "")
}

// renderOrganisation writes the organisation's page, with message (a
// problem with the follow form) when there is one.
func (s *Server) renderOrganisation(w http.ResponseWriter, r *http.Request, status int, message, invalid, handle string) {
	ctx := r.Context()
	o, err := issuer.OrganisationBySlug(ctx, s.Deps.Pool, chi.URLParam(r, "slug"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	extra := orgProfile{Slug: o.Slug, FollowHandle: handle, Invalid: invalid}
	extra.Badges, err = issuer.BadgeClasses(ctx, s.Deps.Pool, o.ID, false)
	if err == nil && s.Deps.Network != nil {
		extra.Received, err = s.Deps.Network.Endorsements(ctx, o, network.Received, "")
		if err == nil {
			extra.Given, err = s.Deps.Network.Endorsements(ctx, o, network.Given, "")
		}
	}
	if err == nil {
		var ms []community.Membership
		ms, err = community.Memberships(ctx, s.Deps.Pool, o.ID)
		for _, m := range ms {
			if m.State == "accepted" {
				extra.Networks = append(extra.Networks, m)
			}
		}
	}
	var forms []applications.Listed
	if err == nil {
		forms, err = s.apps.ListedForms(r, o.ID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, status, "profile", kit.PageData{Title: o.Name, Message: message, Data: profileData{
		Kind: "Organisation", Name: o.Name, Handle: o.Slug + "@" + s.Deps.BaseURL.Host, Country: o.Country,
		Description: o.Description, URL: o.URL, ActorID: s.Deps.BaseURL.String() + "/actors/" + o.Slug, PhotoURL: o.ImageURL,
		Org: &extra, Forms: forms,
	}})
}

// organisationLogo serves the logo uploaded on the organisation's
// settings: its page's image, its actor's icon, its Profile's image.
func (s *Server) organisationLogo(w http.ResponseWriter, r *http.Request) {
	o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, chi.URLParam(r, "slug"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	img, err := issuer.Logo(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// Other servers show it as an avatar, some from script.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	kit.WriteImage(w, img, "")
}

// remoteFollow sends a visitor who gave their fediverse handle to their
// own server's page for following the organisation: following is done
// there, signed by their server, not here.
func (s *Server) remoteFollow(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "slug")
	o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, slug)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("handle", "cannot read the form"))
		return
	}
	if s.Deps.Federation == nil {
		s.Problem(w, r, http.StatusServiceUnavailable, "", "This node does not federate.")
		return
	}
	handle := r.PostForm.Get("handle")
	target, err := s.Deps.Federation.RemoteFollowURL(r.Context(), handle, s.Deps.BaseURL.String()+"/actors/"+o.Slug)
	if p, ok := problem.As(err); ok {
		s.renderOrganisation(w, r, http.StatusBadRequest, "Your handle: "+p.Message, "handle", handle)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}
