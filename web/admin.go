package web

import (
	"net/http"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
)

// nodeCounts are the figures shown on the reports and admin pages.
type nodeCounts struct {
	Organisations int
	Users         int
}

func (s *Server) counts(r *http.Request) (nodeCounts, error) {
	orgs, err := issuer.CountOrganisations(r.Context(), s.deps.Pool)
	if err != nil {
		return nodeCounts{}, err
	}
	users, err := account.CountUsers(r.Context(), s.deps.Pool)
	if err != nil {
		return nodeCounts{}, err
	}
	return nodeCounts{Organisations: orgs, Users: users}, nil
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.counts(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reports", pageData{Title: "Reports", Data: c})
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, "")
}

// renderAdmin shows the admin page, with message (a form's problem) over it.
func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, message string) {
	orgs, err := issuer.Organisations(r.Context(), s.deps.Pool)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.counts(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	signup, err := s.signupAdminData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "admin", pageData{Title: "Admin tools", Message: message,
		Data: map[string]any{"Organisations": orgs, "Counts": c, "Signup": signup, "Notice": s.popNotice(r), "Form": r.PostForm}})
}
