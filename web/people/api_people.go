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

// PeopleAPIRoutes are an organisation's people, under
// /api/v1/orgs/{slug}, for its admins.
func (s *Handlers) PeopleAPIRoutes(r chi.Router) {
	manage := func(h func(http.ResponseWriter, *http.Request, issuer.Organisation)) http.HandlerFunc {
		return s.WithOrgFor(account.ManageOrganisation, h)
	}
	r.Get("/members", manage(s.apiMembers))
	r.Post("/members", manage(s.apiAddMember))
	r.Patch("/members/{username}", manage(s.apiChangeRole))
	r.Delete("/members/{username}", manage(s.apiRemoveMember))
	r.Get("/invitations", manage(s.apiInvitations))
	r.Post("/invitations", manage(s.apiInvite))
	r.Delete("/invitations/{id}", manage(s.apiRevokeInvitation))
}

// InvitationAPIRoutes are the invitations the caller accepts, under
// /api/v1.
func (s *Handlers) InvitationAPIRoutes(r chi.Router) {
	r.Post("/invitations/{token}/accept", s.apiAccept)
}

func (s *Handlers) apiMembers(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	ms, err := account.Members(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"members": nonNil(ms)})
}

// apiAddMember adds a person who has an account on this node, by handle
// or email; anyone else is invited (POST invitations).
func (s *Handlers) apiAddMember(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Username string       `json:"username"`
		Email    string       `json:"email"`
		Role     account.Role `json:"role"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	role, err := account.ParseRole(string(in.Role))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var u account.User
	switch {
	case in.Username != "" && in.Email != "":
		err = problem.Invalidf("username", "give username or email, not both")
	case in.Username != "":
		u, err = account.UserByUsername(r.Context(), s.Deps.Pool, in.Username)
	case in.Email != "":
		u, err = account.UserByEmail(r.Context(), s.Deps.Pool, in.Email)
	default:
		err = problem.Invalidf("username", "is needed (or email): whom to add")
	}
	if problem.Is(err, problem.NotFound) {
		err = problem.NotFoundf("there is no account with that handle or email on this node: invite them by email instead (POST invitations)")
	}
	if err == nil {
		if _, merr := account.MemberByUsername(r.Context(), s.Deps.Pool, o.ID, u.Username); merr == nil {
			err = problem.Conflictf("username", "@%s is a member already: change their role with PATCH", u.Username)
		}
	}
	if err == nil {
		err = account.SetMembership(r.Context(), s.Deps.Pool, u.ID, o.ID, role)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	m, err := account.MemberByUsername(r.Context(), s.Deps.Pool, o.ID, u.Username)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, m)
}

func (s *Handlers) apiChangeRole(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Role account.Role `json:"role"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	m, err := account.MemberByUsername(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "username"))
	if err == nil {
		m, err = account.ChangeRole(r.Context(), s.Deps.Pool, o.ID, m.UserID, in.Role)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, m)
}

func (s *Handlers) apiRemoveMember(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	m, err := account.MemberByUsername(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "username"))
	if err == nil {
		err = account.RemoveMember(r.Context(), s.Deps.Pool, o.ID, m.UserID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiInvitations(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := account.MemberInvitations(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"invitations": nonNil(list)})
}

// invitationJSON is an invitation as the API shows it once made: with its
// link when the node sends no mail (the admin passes it on).
type invitationJSON struct {
	account.MemberInvitation
	Link string `json:"link,omitempty"`
}

func (s *Handlers) apiInvite(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Email string       `json:"email"`
		Role  account.Role `json:"role"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	inv, token, err := account.InviteMember(r.Context(), s.Deps.Pool, o.ID, u.ID, in.Email, in.Role, s.inviteMail(r))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := invitationJSON{MemberInvitation: inv}
	if token != "" {
		out.Link = JoinLink(s.Deps.BaseURL)(token)
	}
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handlers) apiRevokeInvitation(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.Fail(w, r, problem.NotFoundf("no invitation %q", chi.URLParam(r, "id")))
		return
	}
	if err := account.RevokeMemberInvitation(r.Context(), s.Deps.Pool, o.ID, id); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiAccept(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	in, err := account.AcceptMemberInvitation(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"), u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	o, err := issuer.OrganisationByID(r.Context(), s.Deps.Pool, in.OrganisationID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"organisation": o.Slug, "role": in.Role})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
