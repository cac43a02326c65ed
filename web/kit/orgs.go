package kit

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// ActingOrganisations lists the organisations the viewer may work for in
// the tools: those they are a member of, or every one for a node admin,
// who may act for any (see MemberOrganisation).
func (s *Kit) ActingOrganisations(r *http.Request) ([]issuer.Organisation, error) {
	return s.ActingOrganisationsFor(r, account.ActFor)
}

// ActingOrganisationsFor is ActingOrganisations for work c: the
// organisations where the viewer's role may do it.
func (s *Kit) ActingOrganisationsFor(r *http.Request, c account.Capability) ([]issuer.Organisation, error) {
	u, _ := CurrentUser(r)
	if u.NodeAdmin {
		return issuer.Organisations(r.Context(), s.Deps.Pool)
	}
	mine, err := s.MyOrganisations(r, u)
	if err != nil {
		return nil, err
	}
	out := make([]issuer.Organisation, 0, len(mine))
	for _, o := range mine {
		if o.Role.Can(c) {
			out = append(out, o.Organisation)
		}
	}
	return out, nil
}

// ChooseOrganisation picks the organisation named by ?org= from list, or
// the first one; list must not be empty.
func ChooseOrganisation(r *http.Request, list []issuer.Organisation) (issuer.Organisation, error) {
	slug := r.URL.Query().Get("org")
	if slug == "" {
		return list[0], nil
	}
	for _, o := range list {
		if o.Slug == slug {
			return o, nil
		}
	}
	return issuer.Organisation{}, problem.Forbiddenf("You are not a member of that organisation.")
}

// LibraryURL is the creator's library of o, on the tab a badge is in.
func LibraryURL(o issuer.Organisation, archived bool) string {
	u := "/creator?org=" + url.QueryEscape(o.Slug)
	if archived {
		u += "&archived=1"
	}
	return u
}

// WithOrg runs h for the organisation of the path, once the caller is
// known to act for it (account.ActFor); WithOrgFor names the work.
func (s *Kit) WithOrg(h func(http.ResponseWriter, *http.Request, issuer.Organisation)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := s.MemberOrganisation(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		h(w, r, o)
	}
}

// OrgBadge is the badge of the path, if it belongs to o.
func (s *Kit) OrgBadge(r *http.Request, o issuer.Organisation) (issuer.BadgeClass, error) {
	b, err := issuer.BadgeClassByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err == nil && b.OrganisationID != o.ID {
		err = problem.NotFoundf("%s has no such badge.", o.Name)
	}
	return b, err
}

// MailQueue is where claim emails are queued, or nil when the node sends no
// mail.
func (s *Kit) MailQueue() issuer.Queue {
	if !s.Deps.MailEnabled || s.Deps.River == nil {
		return nil
	}
	return s.Deps.River
}

// MemberOrganisation returns the organisation of the {slug} in the path if
// the caller works for it (account.ActFor: its admins, creators and
// issuers), or is a node admin.
func (s *Kit) MemberOrganisation(r *http.Request) (issuer.Organisation, error) {
	return s.OrganisationFor(r, account.ActFor)
}

// AdminOrganisation is MemberOrganisation for what only an organisation's
// admins (and node admins) may do: change its settings and its people.
func (s *Kit) AdminOrganisation(r *http.Request) (issuer.Organisation, error) {
	return s.OrganisationFor(r, account.ManageOrganisation)
}

// OrganisationFor returns the organisation of the {slug} in the path if
// the caller may do work c for it (node admins may do everything), else
// a Forbidden that says why in words ("You are an issuer of Aalto
// University; only its creators and admins can change its badges").
func (s *Kit) OrganisationFor(r *http.Request, c account.Capability) (issuer.Organisation, error) {
	o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, chi.URLParam(r, "slug"))
	if err != nil {
		return issuer.Organisation{}, err
	}
	if err := s.Actor(r).Authorize(r.Context(), s.Deps.Pool, o.ID, c); err != nil {
		return issuer.Organisation{}, err
	}
	return o, nil
}

// Actor is the logged-in user as the domain packages check them.
func (s *Kit) Actor(r *http.Request) account.Actor {
	u, _ := CurrentUser(r)
	return account.UserActor(u)
}

// WithOrgFor is WithOrg for work c: h runs once the caller may do c for
// the organisation of the path.
func (s *Kit) WithOrgFor(c account.Capability, h func(http.ResponseWriter, *http.Request, issuer.Organisation)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := s.OrganisationFor(r, c)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		h(w, r, o)
	}
}

func (s *Kit) URLs() issuer.URLs { return issuer.URLs{Base: s.Deps.BaseURL} }
