package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
)

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	orgs, err := s.myOrganisations(r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.withUnread(r, orgs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", pageData{Title: "Dashboard", Data: list})
}

func (s *Server) helpPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "help", pageData{Title: "Help", Data: s.deps.BaseURL.String()})
}

// profileData is a public profile page: an organisation or a person, with
// the handle by which any fediverse account can follow them.
type profileData struct {
	Kind        string
	Name        string
	Handle      string
	Country     string
	Description string
	URL         string
	ActorID     string
	// A person's photo and links; Restricted when their profile is for
	// this node's users and the viewer is not one; NoIndex asks search
	// engines to keep the page out.
	PhotoURL   string
	Links      []account.Link
	Restricted bool
	NoIndex    bool
}

func (s *Server) organisationPage(w http.ResponseWriter, r *http.Request) {
	o, err := issuer.OrganisationBySlug(r.Context(), s.deps.Pool, chi.URLParam(r, "slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "profile", pageData{Title: o.Name, Data: profileData{
		Kind: "Organisation", Name: o.Name, Handle: o.Slug + "@" + s.deps.BaseURL.Host, Country: o.Country,
		Description: o.Description, URL: o.URL, ActorID: s.deps.BaseURL.String() + "/actors/" + o.Slug,
	}})
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	u, err := account.UserByUsername(r.Context(), s.deps.Pool, chi.URLParam(r, "username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := account.ProfileOf(r.Context(), s.deps.Pool, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, loggedIn := currentUser(r)
	d := profileData{Kind: "Person", Name: u.Username, Handle: u.Username + "@" + s.deps.BaseURL.Host,
		ActorID: s.deps.BaseURL.String() + "/actors/" + u.Username, NoIndex: !p.Public || !p.Searchable}
	if p.Visible(loggedIn) {
		if p.Name != "" {
			d.Name = p.Name
		}
		d.Description, d.PhotoURL, d.Links = p.Bio, p.PhotoURL, p.Links
	} else {
		d.Restricted = true
	}
	s.render(w, r, http.StatusOK, "profile", pageData{Title: d.Name, Data: d})
}

// dashboardOrg is an organisation on the dashboard, with its unread
// notifications.
type dashboardOrg struct {
	orgRole
	Unread int
}

// withUnread adds to each organisation its count of unread notifications.
func (s *Server) withUnread(r *http.Request, orgs []orgRole) ([]dashboardOrg, error) {
	out := make([]dashboardOrg, len(orgs))
	for i, o := range orgs {
		_, unread, err := network.Notifications(r.Context(), s.deps.Pool, o.ID, 0)
		if err != nil {
			return nil, err
		}
		out[i] = dashboardOrg{orgRole: o, Unread: unread}
	}
	return out, nil
}
