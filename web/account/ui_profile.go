package account

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
	"github.com/laurelnet/laurel/web/kit"
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

// ProfileRoutes are the logged-in person's own pages.
func (s *Handlers) ProfileRoutes(r chi.Router) {
	r.Get("/me/profile", s.profileForm)
	r.Post("/me/profile", s.saveProfile)
	r.Post("/me/verify-email", s.resendVerification)
	r.Get("/me/delete", s.deleteForm)
	r.Post("/me/delete", s.deleteAccount)
	s.accountRoutes(r)
}

// ProfileAPIRoutes are the same on the API, below /api/v1/me.
func (s *Handlers) ProfileAPIRoutes(r chi.Router) {
	r.Delete("/", s.apiDeleteMe)
	r.Get("/profile", s.apiProfile)
	r.Put("/profile", s.apiSaveProfile)
	s.accountAPIRoutes(r)
}

func (s *Handlers) profileForm(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := account.ProfileOf(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	s.renderProfileForm(w, r, http.StatusOK, "", u, meProfilePage{Profile: p,
		Saved: q.Get("saved") == "1", Sent: q.Get("sent") == "1", Welcome: q.Get("welcome") == "1"})
}

func (s *Handlers) renderProfileForm(w http.ResponseWriter, r *http.Request, status int, message string, u account.User, page meProfilePage) {
	page.Handle = u.Username + "@" + s.Deps.BaseURL.Host
	page.Page = s.Deps.BaseURL.JoinPath("people", u.Username).String()
	page.Links = make([]linkRow, account.MaxLinks)
	for i := range page.Links {
		page.Links[i] = linkRow{Index: i, Number: i + 1}
		if i < len(page.Profile.Links) {
			page.Links[i].Link = page.Profile.Links[i]
		}
	}
	s.Render(w, r, status, "me_profile", kit.PageData{Title: "Your profile", Message: message, Data: page})
}

func (s *Handlers) saveProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
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
	_, err := account.UpdateProfile(r.Context(), s.Deps.Pool, u.ID, in)
	if err == nil {
		err = account.SetLanguage(r.Context(), s.Deps.Pool, u.ID, v.Get("language"))
	}
	if p, ok := problem.As(err); ok {
		s.renderProfileForm(w, r, kit.StatusOf[p.Kind], profileFieldLabel(p.Field)+": "+p.Message, u,
			meProfilePage{Profile: in, Invalid: p.Field})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
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
	return kit.FieldLabel(field)
}

func (s *Handlers) deleteForm(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	s.Render(w, r, http.StatusOK, "me_delete", kit.PageData{Title: "Delete your account", Data: meDeletePage{Username: u.Username}})
}

func (s *Handlers) deleteAccount(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	err := s.deleteUser(r, u, r.PostForm.Get("password"))
	if p, ok := problem.As(err); ok {
		msg := p.Message
		if p.Field == "password" {
			msg = "Password: " + msg
		}
		s.Render(w, r, kit.StatusOf[p.Kind], "me_delete", kit.PageData{Title: "Delete your account", Message: msg,
			Data: meDeletePage{Username: u.Username}})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// The page after is an anonymous one: no menu, no name.
	r = r.WithContext(context.WithValue(r.Context(), kit.UserKey{}, nil))
	s.Render(w, r, http.StatusOK, "me_delete", kit.PageData{Title: "Account deleted", Data: meDeletePage{Username: u.Username, Deleted: true}})
}

// deleteUser deletes u, who confirmed with password, retiring their actor
// (the servers that follow it or that it follows are told), and ends
// their browser sessions: this one and, as far as the store tells, the
// others.
func (s *Handlers) deleteUser(r *http.Request, u account.User, password string) error {
	ctx := r.Context()
	if _, err := account.DeleteUser(ctx, s.Deps.Pool, u.ID, password, s.retireActor()); err != nil {
		return err
	}
	s.Log.Info("account deleted", "username", u.Username)
	if err := s.Sessions.Destroy(ctx); err != nil {
		s.Log.Error("end the session of a deleted user", "username", u.Username, "err", err)
	}
	// Other sessions would also end on their next request, which finds no
	// user; this ends them now.
	err := s.Sessions.Iterate(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if s.Sessions.GetInt64(ctx, kit.SessionUserID) == u.ID {
			return s.Sessions.Destroy(ctx)
		}
		return nil
	})
	if err != nil {
		s.Log.Error("end the other sessions of a deleted user", "username", u.Username, "err", err)
	}
	return nil
}

// retireActor is how a deleted person's actor is retired: federation's
// DeleteActor, which tells the servers that know it.
func (s *Handlers) retireActor() account.RetireActor {
	if s.Deps.Federation == nil {
		return func(context.Context, pgx.Tx, string) error {
			return errors.New("this node has no federation to retire actors")
		}
	}
	return s.Deps.Federation.DeleteActor
}

// apiDeleteMe deletes the caller's account: DELETE /api/v1/me with
// {"password"}.
func (s *Handlers) apiDeleteMe(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in struct {
		Password string `json:"password"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.Password == "" {
		s.Fail(w, r, problem.Invalidf("password", "is required to delete your account"))
		return
	}
	if err := s.deleteUser(r, u, in.Password); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := account.ProfileOf(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, p)
}

// apiSaveProfile replaces the caller's profile: PUT /api/v1/me/profile
// with the whole profile.
func (s *Handlers) apiSaveProfile(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in account.Profile
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := account.UpdateProfile(r.Context(), s.Deps.Pool, u.ID, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, p)
}
