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
// who may act for any (see memberOrganisation).
func (s *Kit) ActingOrganisations(r *http.Request) ([]issuer.Organisation, error) {
	u, _ := CurrentUser(r)
	if u.NodeAdmin {
		return issuer.Organisations(r.Context(), s.Deps.Pool)
	}
	mine, err := s.MyOrganisations(r, u)
	if err != nil {
		return nil, err
	}
	out := make([]issuer.Organisation, len(mine))
	for i, o := range mine {
		out[i] = o.Organisation
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
// known to act for it.
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
// the caller may act for it: its admins and staff, and node admins.
func (s *Kit) MemberOrganisation(r *http.Request) (issuer.Organisation, error) {
	return s.organisationAs(r, false)
}

// AdminOrganisation is memberOrganisation for what only an organisation's
// admins (and node admins) may do: change its profile and settings.
func (s *Kit) AdminOrganisation(r *http.Request) (issuer.Organisation, error) {
	return s.organisationAs(r, true)
}

func (s *Kit) URLs() issuer.URLs { return issuer.URLs{Base: s.Deps.BaseURL} }

// organisationAs returns the organisation of the path if the caller is a
// node admin or a member of it (an admin of it, when admin is set).
func (s *Kit) organisationAs(r *http.Request, admin bool) (issuer.Organisation, error) {
	o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, chi.URLParam(r, "slug"))
	if err != nil {
		return issuer.Organisation{}, err
	}
	u, _ := CurrentUser(r)
	if u.NodeAdmin {
		return o, nil
	}
	ms, err := account.Memberships(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		return issuer.Organisation{}, err
	}
	for _, m := range ms {
		if m.OrganisationID != o.ID || !m.Role.ActsFor() {
			continue
		}
		if admin && m.Role != account.RoleAdmin {
			return issuer.Organisation{}, problem.Forbiddenf("Only the admins of %s may change its settings.", o.Name)
		}
		return o, nil
	}
	return issuer.Organisation{}, problem.Forbiddenf("You are not a member of %s.", o.Name)
}
