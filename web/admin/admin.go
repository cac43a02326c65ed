package admin

import (
	"net/http"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/kit"
)

// nodeCounts are the node-wide figures of the admin page (only node
// admins see them; an organisation's reports are web/reports').
type nodeCounts struct {
	Organisations int
	Users         int
}

func (s *Handlers) counts(r *http.Request) (nodeCounts, error) {
	orgs, err := issuer.CountOrganisations(r.Context(), s.Deps.Pool)
	if err != nil {
		return nodeCounts{}, err
	}
	users, err := account.CountUsers(r.Context(), s.Deps.Pool)
	if err != nil {
		return nodeCounts{}, err
	}
	return nodeCounts{Organisations: orgs, Users: users}, nil
}

func (s *Handlers) AdminPage(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, "")
}

// renderAdmin shows the admin page, with message (a form's problem) over it.
func (s *Handlers) renderAdmin(w http.ResponseWriter, r *http.Request, status int, message string) {
	orgs, err := issuer.Organisations(r.Context(), s.Deps.Pool)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	c, err := s.counts(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	signup, err := s.account.SignupAdminData(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, status, "admin", kit.PageData{Title: "Admin tools", Message: message,
		Data: map[string]any{"Organisations": orgs, "Counts": c, "Signup": signup, "Notice": s.PopNotice(r), "Form": r.PostForm}})
}
