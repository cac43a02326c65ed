// The pages that belong to no one domain: help, and the public profiles
// of organisations and people. (The dashboard is web/reports'.)

package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/web/applications"
	"github.com/laurelnet/laurel/web/kit"
)

func (s *Server) helpPage(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "help", kit.PageData{Title: "Help", Data: s.Deps.BaseURL.String()})
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
	// Org is what an organisation's page shows besides (nil for a
	// person).
	Org *orgProfile
	// An organisation's listed application forms.
	Forms []applications.Listed
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	u, err := account.UserByUsername(r.Context(), s.Deps.Pool, chi.URLParam(r, "username"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := account.ProfileOf(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	_, loggedIn := kit.CurrentUser(r)
	d := profileData{Kind: "Person", Name: u.Username, Handle: u.Username + "@" + s.Deps.BaseURL.Host,
		ActorID: s.Deps.BaseURL.String() + "/actors/" + u.Username, NoIndex: !p.Public || !p.Searchable}
	if p.Visible(loggedIn) {
		if p.Name != "" {
			d.Name = p.Name
		}
		d.Description, d.PhotoURL, d.Links = p.Bio, p.PhotoURL, p.Links
	} else {
		d.Restricted = true
	}
	s.Render(w, r, http.StatusOK, "profile", kit.PageData{Title: d.Name, Data: d})
}
