package people

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// joinPage is what an invitation's link opens: whom it invites, where and
// as what, and how to accept: at once when logged in, else by logging in
// or making an account.
type joinPage struct {
	Invitation  account.MemberInvitation
	Token       string
	LoginURL    string
	Name        string // the new account form's, kept after a problem
	Invalid     string
	MinPassword int
}

// JoinRoutes are the pages an invitation's link opens, for anyone with
// the link (a session is loaded, not required).
func (s *Handlers) JoinRoutes(r chi.Router) {
	r.Get("/join/{token}", s.joinPage)
	r.Post("/join/{token}", s.join)
}

func (s *Handlers) renderJoin(w http.ResponseWriter, r *http.Request, status int, message string, p joinPage) {
	// The page carries the token.
	w.Header().Set("Cache-Control", "no-store")
	p.LoginURL = "/login?next=" + url.QueryEscape("/join/"+p.Token)
	p.MinPassword = account.MinPasswordLen
	s.Render(w, r, status, "join", kit.PageData{Title: "join.title", Message: message, Data: p})
}

// invitation is the open invitation of the path's token, or a problem
// that says why the link no longer works.
func (s *Handlers) invitation(r *http.Request) (account.MemberInvitation, error) {
	in, err := account.MemberInvitationByToken(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		return in, err
	}
	return in, in.CheckOpen()
}

func (s *Handlers) joinPage(w http.ResponseWriter, r *http.Request) {
	in, err := s.invitation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderJoin(w, r, http.StatusOK, "", joinPage{Invitation: in, Token: chi.URLParam(r, "token")})
}

func (s *Handlers) join(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	if u, ok := kit.CurrentUser(r); ok {
		in, err := account.AcceptMemberInvitation(r.Context(), s.Deps.Pool, token, u.ID)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		s.SetNotice(r, kit.Notice{Text: s.T(r, "join.joined")})
		http.Redirect(w, r, landing(s.slugOf(r, in), in.Role), http.StatusSeeOther)
		return
	}
	name := r.PostForm.Get("name")
	u, in, err := account.AcceptMemberInvitationAsNew(r.Context(), s.Deps.Pool, token,
		account.NewUser{Name: name, Password: r.PostForm.Get("password")})
	if pe, ok := problem.As(err); ok && (pe.Kind == problem.Invalid || pe.Field == "email") {
		shown, err := s.invitation(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		msg := pe.Message
		if pe.Field == "password" || pe.Field == "name" {
			msg = pe.Field + ": " + msg
		}
		s.renderJoin(w, r, kit.StatusOf[pe.Kind], msg, joinPage{Invitation: shown, Token: token, Name: name, Invalid: pe.Field})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// Logged in as the new account, as signing up does.
	if err := s.Sessions.RenewToken(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), kit.SessionUserID, u.ID)
	s.SetNotice(r, kit.Notice{Text: s.T(r, "join.joined")})
	http.Redirect(w, r, landing(s.slugOf(r, in), in.Role), http.StatusSeeOther)
}

// slugOf is the slug of the invitation's organisation, for the landing
// page; the dashboard when it is gone meanwhile.
func (s *Handlers) slugOf(r *http.Request, in account.MemberInvitation) string {
	o, err := issuer.OrganisationByID(r.Context(), s.Deps.Pool, in.OrganisationID)
	if err != nil {
		return ""
	}
	return o.Slug
}
