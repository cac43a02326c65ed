package account

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// A person's account settings at /me/account: their password, their
// browser sessions ("log out everywhere") and their API tokens; the same
// on the API below /api/v1/me.

// meAccountPage is the account page and what it shows.
type meAccountPage struct {
	Tokens   []account.Token
	NewToken string // a token just made, shown once
	Invalid  string // the field a problem is about
	Notice   kit.Notice
}

// flashToken carries a new API token from the form that made it to the
// page that shows it, once.
const flashToken = "new_token"

// accountRoutes are the logged-in person's account pages.
func (s *Handlers) accountRoutes(r chi.Router) {
	r.Get("/me/account", s.accountPage)
	r.Post("/me/password", s.changePassword)
	r.Post("/me/email", s.changeEmail)
	r.Post("/me/sessions/end", s.endAllSessions)
	r.Post("/me/tokens", s.createToken)
	r.Post("/me/tokens/{id}/revoke", s.revokeToken)
}

// accountAPIRoutes are the same on the API, below /api/v1/me.
func (s *Handlers) accountAPIRoutes(r chi.Router) {
	r.Put("/password", s.apiChangePassword)
	r.Put("/email", s.apiChangeEmail)
	r.Delete("/sessions", s.apiEndSessions)
	r.Get("/tokens", s.apiTokens)
	r.Post("/tokens", s.apiCreateToken)
	r.Delete("/tokens/{id}", s.apiRevokeToken)
}

func (s *Handlers) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, "", meAccountPage{NewToken: s.Sessions.PopString(r.Context(), flashToken)})
}

func (s *Handlers) renderAccount(w http.ResponseWriter, r *http.Request, status int, message string, p meAccountPage) {
	u, _ := kit.CurrentUser(r)
	var err error
	if p.Tokens, err = account.Tokens(r.Context(), s.Deps.Pool, u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Notice = s.PopNotice(r)
	// The page may show a new token.
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, status, "me_account", kit.PageData{Title: "Your account", Message: message, Data: p})
}

// accountProblem shows the account page again with err's problem, or fails.
func (s *Handlers) accountProblem(w http.ResponseWriter, r *http.Request, err error) {
	if p, ok := problem.As(err); ok {
		msg := p.Message
		if label := map[string]string{"current_password": "Current password", "password": "New password",
			"password_again": "New password again", "name": "Token name", "email": "New email", "email_password": "Your password"}[p.Field]; label != "" {
			msg = label + ": " + msg
		}
		s.renderAccount(w, r, kit.StatusOf[p.Kind], msg, meAccountPage{Invalid: p.Field})
		return
	}
	s.Fail(w, r, err)
}

func (s *Handlers) changePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	v := r.PostForm
	if v.Get("password") != v.Get("password_again") {
		s.accountProblem(w, r, problem.Invalidf("password_again", "is not the same as the new password"))
		return
	}
	if err := account.ChangePassword(r.Context(), s.Deps.Pool, u.ID, v.Get("current_password"), v.Get("password")); err != nil {
		s.accountProblem(w, r, err)
		return
	}
	// Whoever knew the old password is logged out; this browser stays.
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.relogin(r, u); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Log.Info("password changed", "username", u.Username)
	s.SetNotice(r, kit.Notice{Text: "accountnotice.password_changed"})
	http.Redirect(w, r, "/me/account", http.StatusSeeOther)
}

func (s *Handlers) changeEmail(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if err := account.RequestEmailChange(r.Context(), s.Deps.Pool, u.ID, r.PostForm.Get("password"), email, s.verification()); err != nil {
		if p, ok := problem.As(err); ok && p.Field == "password" {
			err = problem.Invalidf("email_password", "%s", p.Message)
		}
		s.accountProblem(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "accountnotice.email_link_sent", "New", email, "Old", u.Email)})
	http.Redirect(w, r, "/me/account", http.StatusSeeOther)
}

func (s *Handlers) apiChangeEmail(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := account.RequestEmailChange(r.Context(), s.Deps.Pool, u.ID, in.Password, in.Email, s.verification()); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Handlers) endAllSessions(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Log.Info("logged out everywhere", "username", u.Username)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// endSessions removes every browser session of the user from the store,
// which all the node's processes share.
func (s *Handlers) endSessions(ctx context.Context, userID int64) error {
	err := s.Sessions.Iterate(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if s.Sessions.GetInt64(ctx, kit.SessionUserID) == userID {
			return s.Sessions.Destroy(ctx)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("end the sessions of user %d: %w", userID, err)
	}
	return nil
}

// relogin gives the request's browser a new session for u, after its
// sessions were ended.
func (s *Handlers) relogin(r *http.Request, u account.User) error {
	if err := s.Sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.Sessions.Put(r.Context(), kit.SessionUserID, u.ID)
	return nil
}

func (s *Handlers) createToken(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	secret, t, err := account.NewToken(r.Context(), s.Deps.Pool, u.ID, strings.TrimSpace(r.PostForm.Get("name")))
	if err != nil {
		s.accountProblem(w, r, err)
		return
	}
	s.Log.Info("API token made", "username", u.Username, "token", t.ID)
	s.Sessions.Put(r.Context(), flashToken, secret)
	http.Redirect(w, r, "/me/account#tokens", http.StatusSeeOther)
}

func (s *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err == nil {
		err = account.RevokeToken(r.Context(), s.Deps.Pool, u.ID, id)
	} else {
		err = problem.NotFoundf("no such token")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: "accountnotice.token_revoked"})
	http.Redirect(w, r, "/me/account#tokens", http.StatusSeeOther)
}

func (s *Handlers) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in struct {
		CurrentPassword string `json:"current_password"`
		Password        string `json:"password"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := account.ChangePassword(r.Context(), s.Deps.Pool, u.ID, in.CurrentPassword, in.Password); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Log.Info("password changed", "username", u.Username)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiEndSessions(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiTokens(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	list, err := account.Tokens(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in struct {
		Name string `json:"name"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	secret, t, err := account.NewToken(r.Context(), s.Deps.Pool, u.ID, strings.TrimSpace(in.Name))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, struct {
		account.Token
		Secret string `json:"token"` // shown this once
	}{t, secret})
}

func (s *Handlers) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.Fail(w, r, problem.NotFoundf("no such token"))
		return
	}
	if err := account.RevokeToken(r.Context(), s.Deps.Pool, u.ID, id); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
