package people

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// peoplePage is an organisation's People page.
type peoplePage struct {
	Org         issuer.Organisation
	Members     []account.Member
	Invitations []account.MemberInvitation
	Roles       []account.Role
	Self        string // the viewer's username
	Notice      kit.Notice
	// Link is an invitation's link, shown once when the node sends no
	// mail, for the admin to pass on.
	Link        string
	MailEnabled bool
	Email       string // the invitation form's, kept after a problem
	Role        account.Role
	Invalid     string // the field a problem is about
}

// PeopleUIRoutes are the People pages of an organisation, under its
// settings, for its admins.
func (s *Handlers) PeopleUIRoutes(r chi.Router) {
	r.Route("/creator/{slug}/people", func(r chi.Router) {
		r.Get("/", s.WithOrgFor(account.ManageOrganisation, s.peoplePage))
		r.Post("/invitations", s.WithOrgFor(account.ManageOrganisation, s.invite))
		r.Post("/invitations/{id}/revoke", s.WithOrgFor(account.ManageOrganisation, s.revokeInvitation))
		r.Post("/members/{username}/role", s.WithOrgFor(account.ManageOrganisation, s.changeRole))
		r.Post("/members/{username}/remove", s.WithOrgFor(account.ManageOrganisation, s.removeMember))
	})
}

func peopleURL(o issuer.Organisation) string { return "/creator/" + o.Slug + "/people" }

func (s *Handlers) render(w http.ResponseWriter, r *http.Request, status int, message string, o issuer.Organisation, p peoplePage) {
	var err error
	p.Org, p.Roles, p.MailEnabled = o, account.Roles, s.MailQueue() != nil
	if p.Role == "" {
		p.Role = account.RoleCreator
	}
	u, _ := kit.CurrentUser(r)
	p.Self = u.Username
	if p.Members, err = account.Members(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if p.Invitations, err = account.MemberInvitations(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, status, "people", kit.PageData{Title: "people.title", Message: message, Data: p})
}

func (s *Handlers) peoplePage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	p := peoplePage{Notice: s.PopNotice(r)}
	p.Link = s.Sessions.PopString(r.Context(), flashLink)
	if p.Link != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, http.StatusOK, "", o, p)
}

// flashLink is the session key that carries an invitation link to the
// page after the redirect, when the node sends no mail.
const flashLink = "people_invitation_link"

// fail shows the page again with a client's problem, or fails.
func (s *Handlers) fail(w http.ResponseWriter, r *http.Request, o issuer.Organisation, p peoplePage, err error) {
	pe, ok := problem.As(err)
	if !ok || pe.Kind == problem.Forbidden {
		s.Fail(w, r, err)
		return
	}
	p.Invalid = pe.Field
	s.render(w, r, kit.StatusOf[pe.Kind], pe.Message, o, p)
}

func (s *Handlers) invite(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	u, _ := kit.CurrentUser(r)
	email, role := r.PostForm.Get("email"), account.Role(r.PostForm.Get("role"))
	_, token, err := account.InviteMember(r.Context(), s.Deps.Pool, o.ID, u.ID, email, role, s.inviteMail(r))
	if err != nil {
		s.fail(w, r, o, peoplePage{Email: email, Role: role}, err)
		return
	}
	if token != "" {
		s.Sessions.Put(r.Context(), flashLink, JoinLink(s.Deps.BaseURL)(token))
		s.SetNotice(r, kit.Notice{Text: s.T(r, "people.invited_no_mail")})
	} else {
		s.SetNotice(r, kit.Notice{Text: s.T(r, "people.invited")})
	}
	http.Redirect(w, r, peopleURL(o), http.StatusSeeOther)
}

func (s *Handlers) revokeInvitation(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err == nil {
		err = account.RevokeMemberInvitation(r.Context(), s.Deps.Pool, o.ID, id)
	} else {
		err = problem.NotFoundf("no such invitation")
	}
	if err != nil {
		s.fail(w, r, o, peoplePage{}, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "people.revoked")})
	http.Redirect(w, r, peopleURL(o), http.StatusSeeOther)
}

func (s *Handlers) changeRole(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	m, err := account.MemberByUsername(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "username"))
	if err == nil {
		_, err = account.ChangeRole(r.Context(), s.Deps.Pool, o.ID, m.UserID, account.Role(r.PostForm.Get("role")))
	}
	if err != nil {
		s.fail(w, r, o, peoplePage{}, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "people.role_changed")})
	http.Redirect(w, r, peopleURL(o), http.StatusSeeOther)
}

func (s *Handlers) removeMember(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	m, err := account.MemberByUsername(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "username"))
	if err == nil {
		err = account.RemoveMember(r.Context(), s.Deps.Pool, o.ID, m.UserID)
	}
	if err != nil {
		s.fail(w, r, o, peoplePage{}, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "people.removed")})
	http.Redirect(w, r, peopleURL(o), http.StatusSeeOther)
}
