package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
)

// A person's own pages: their profile and its privacy, and deleting their
// account; with the same on the API under /api/v1/me.

// meProfilePage is the profile form and what it shows.
type meProfilePage struct {
	Profile account.Profile
	Links   []linkRow // MaxLinks rows, the profile's links first
	Handle  string
	Page    string // the public profile page
	Invalid string // the field a problem is about
	Saved   bool
	Sent    bool // a new confirmation link was just sent
	Welcome bool // just signed up
}

// linkRow is one row of the profile form's links.
type linkRow struct {
	Index  int // from 0, in the field names
	Number int // from 1, for people
	account.Link
}

// meDeletePage is the deletion form, or the page after it.
type meDeletePage struct {
	Username string
	Deleted  bool
}

// profileRoutes are the logged-in person's own pages.
func (s *Server) profileRoutes(r chi.Router) {
	r.Get("/me/profile", s.profileForm)
	r.Post("/me/profile", s.saveProfile)
	r.Post("/me/verify-email", s.resendVerification)
	r.Get("/me/delete", s.deleteForm)
	r.Post("/me/delete", s.deleteAccount)
	s.accountRoutes(r)
}

// profileAPIRoutes are the same on the API, below /api/v1/me.
func (s *Server) profileAPIRoutes(r chi.Router) {
	r.Delete("/", s.apiDeleteMe)
	r.Get("/profile", s.apiProfile)
	r.Put("/profile", s.apiSaveProfile)
	s.accountAPIRoutes(r)
}

func (s *Server) profileForm(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	p, err := account.ProfileOf(r.Context(), s.deps.Pool, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	s.renderProfileForm(w, r, http.StatusOK, "", u, meProfilePage{Profile: p,
		Saved: q.Get("saved") == "1", Sent: q.Get("sent") == "1", Welcome: q.Get("welcome") == "1"})
}

func (s *Server) renderProfileForm(w http.ResponseWriter, r *http.Request, status int, message string, u account.User, page meProfilePage) {
	page.Handle = u.Username + "@" + s.deps.BaseURL.Host
	page.Page = s.deps.BaseURL.JoinPath("people", u.Username).String()
	page.Links = make([]linkRow, account.MaxLinks)
	for i := range page.Links {
		page.Links[i] = linkRow{Index: i, Number: i + 1}
		if i < len(page.Profile.Links) {
			page.Links[i].Link = page.Profile.Links[i]
		}
	}
	s.render(w, r, status, "me_profile", pageData{Title: "Your profile", Message: message, Data: page})
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	v := r.PostForm
	in := account.Profile{
		Name: v.Get("name"), PhotoURL: v.Get("photo_url"), Bio: v.Get("bio"),
		Public: v.Get("visibility") != "node", ShowBadges: v.Get("show_badges") == "on", Searchable: v.Get("searchable") == "on",
	}
	for i := range account.MaxLinks {
		in.Links = append(in.Links, account.Link{
			Label: v.Get(fmt.Sprintf("links[%d].label", i)), URL: v.Get(fmt.Sprintf("links[%d].url", i)),
		})
	}
	_, err := account.UpdateProfile(r.Context(), s.deps.Pool, u.ID, in)
	if err == nil {
		err = account.SetLanguage(r.Context(), s.deps.Pool, u.ID, v.Get("language"))
	}
	if p, ok := problem.As(err); ok {
		s.renderProfileForm(w, r, statusOf[p.Kind], profileFieldLabel(p.Field)+": "+p.Message, u,
			meProfilePage{Profile: in, Invalid: p.Field})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/profile?saved=1", http.StatusSeeOther)
}

// profileFieldLabel names a profile field for people.
func profileFieldLabel(field string) string {
	var i int
	switch {
	case field == "photo_url":
		return "Photo URL"
	case field == "bio":
		return "About you"
	case field == "links":
		return "Links"
	case strings.HasSuffix(field, ".label"):
		if _, err := fmt.Sscanf(field, "links[%d].label", &i); err == nil {
			return fmt.Sprintf("Link %d, label", i+1)
		}
	case strings.HasSuffix(field, ".url"):
		if _, err := fmt.Sscanf(field, "links[%d].url", &i); err == nil {
			return fmt.Sprintf("Link %d, URL", i+1)
		}
	}
	return fieldLabel(field)
}

func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	s.render(w, r, http.StatusOK, "me_delete", pageData{Title: "Delete your account", Data: meDeletePage{Username: u.Username}})
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	err := s.deleteUser(r, u, r.PostForm.Get("password"))
	if p, ok := problem.As(err); ok {
		msg := p.Message
		if p.Field == "password" {
			msg = "Password: " + msg
		}
		s.render(w, r, statusOf[p.Kind], "me_delete", pageData{Title: "Delete your account", Message: msg,
			Data: meDeletePage{Username: u.Username}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The page after is an anonymous one: no menu, no name.
	r = r.WithContext(context.WithValue(r.Context(), userKey{}, nil))
	s.render(w, r, http.StatusOK, "me_delete", pageData{Title: "Account deleted", Data: meDeletePage{Username: u.Username, Deleted: true}})
}

// deleteUser deletes u, who confirmed with password, retiring their actor
// (the servers that follow it or that it follows are told), and ends
// their browser sessions: this one and, as far as the store tells, the
// others.
func (s *Server) deleteUser(r *http.Request, u account.User, password string) error {
	ctx := r.Context()
	if _, err := account.DeleteUser(ctx, s.deps.Pool, u.ID, password, s.retireActor()); err != nil {
		return err
	}
	s.log.Info("account deleted", "username", u.Username)
	if err := s.sessions.Destroy(ctx); err != nil {
		s.log.Error("end the session of a deleted user", "username", u.Username, "err", err)
	}
	// Other sessions would also end on their next request, which finds no
	// user; this ends them now.
	err := s.sessions.Iterate(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if s.sessions.GetInt64(ctx, sessionUserID) == u.ID {
			return s.sessions.Destroy(ctx)
		}
		return nil
	})
	if err != nil {
		s.log.Error("end the other sessions of a deleted user", "username", u.Username, "err", err)
	}
	return nil
}

// retireActor is how a deleted person's actor is retired: federation's
// DeleteActor, which tells the servers that know it.
func (s *Server) retireActor() account.RetireActor {
	if s.deps.Federation == nil {
		return func(context.Context, pgx.Tx, string) error {
			return errors.New("this node has no federation to retire actors")
		}
	}
	return s.deps.Federation.DeleteActor
}

// apiDeleteMe deletes the caller's account: DELETE /api/v1/me with
// {"password"}.
func (s *Server) apiDeleteMe(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	var in struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Password == "" {
		s.fail(w, r, problem.Invalidf("password", "is required to delete your account"))
		return
	}
	if err := s.deleteUser(r, u, in.Password); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	p, err := account.ProfileOf(r.Context(), s.deps.Pool, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// apiSaveProfile replaces the caller's profile: PUT /api/v1/me/profile
// with the whole profile.
func (s *Server) apiSaveProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	var in account.Profile
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := account.UpdateProfile(r.Context(), s.deps.Pool, u.ID, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
