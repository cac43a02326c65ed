package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
)

// A person's account settings at /me/account: their password, their
// browser sessions ("log out everywhere") and their API tokens; the same
// on the API below /api/v1/me.

// meAccountPage is the account page and what it shows.
type meAccountPage struct {
	Tokens   []account.Token
	NewToken string // a token just made, shown once
	Invalid  string // the field a problem is about
	Notice   notice
}

// flashToken carries a new API token from the form that made it to the
// page that shows it, once.
const flashToken = "new_token"

// accountRoutes are the logged-in person's account pages.
func (s *Server) accountRoutes(r chi.Router) {
	r.Get("/me/account", s.accountPage)
	r.Post("/me/password", s.changePassword)
	r.Post("/me/email", s.changeEmail)
	r.Post("/me/sessions/end", s.endAllSessions)
	r.Post("/me/tokens", s.createToken)
	r.Post("/me/tokens/{id}/revoke", s.revokeToken)
}

// accountAPIRoutes are the same on the API, below /api/v1/me.
func (s *Server) accountAPIRoutes(r chi.Router) {
	r.Put("/password", s.apiChangePassword)
	r.Put("/email", s.apiChangeEmail)
	r.Delete("/sessions", s.apiEndSessions)
	r.Get("/tokens", s.apiTokens)
	r.Post("/tokens", s.apiCreateToken)
	r.Delete("/tokens/{id}", s.apiRevokeToken)
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, "", meAccountPage{NewToken: s.sessions.PopString(r.Context(), flashToken)})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, message string, p meAccountPage) {
	u, _ := currentUser(r)
	var err error
	if p.Tokens, err = account.Tokens(r.Context(), s.deps.Pool, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Notice = s.popNotice(r)
	// The page may show a new token.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "me_account", pageData{Title: "Your account", Message: message, Data: p})
}

// accountProblem shows the account page again with err's problem, or fails.
func (s *Server) accountProblem(w http.ResponseWriter, r *http.Request, err error) {
	if p, ok := problem.As(err); ok {
		msg := p.Message
		if label := map[string]string{"current_password": "Current password", "password": "New password",
			"password_again": "New password again", "name": "Token name", "email": "New email", "email_password": "Your password"}[p.Field]; label != "" {
			msg = label + ": " + msg
		}
		s.renderAccount(w, r, statusOf[p.Kind], msg, meAccountPage{Invalid: p.Field})
		return
	}
	s.fail(w, r, err)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	v := r.PostForm
	if v.Get("password") != v.Get("password_again") {
		s.accountProblem(w, r, problem.Invalidf("password_again", "is not the same as the new password"))
		return
	}
	if err := account.ChangePassword(r.Context(), s.deps.Pool, u.ID, v.Get("current_password"), v.Get("password")); err != nil {
		s.accountProblem(w, r, err)
		return
	}
	// Whoever knew the old password is logged out; this browser stays.
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.relogin(r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("password changed", "username", u.Username)
	s.setNotice(r, notice{Text: "Your password is changed. Your other sessions are logged out."})
	http.Redirect(w, r, "/me/account", http.StatusSeeOther)
}

func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if err := account.RequestEmailChange(r.Context(), s.deps.Pool, u.ID, r.PostForm.Get("password"), email, s.verification()); err != nil {
		if p, ok := problem.As(err); ok && p.Field == "password" {
			err = problem.Invalidf("email_password", "%s", p.Message)
		}
		s.accountProblem(w, r, err)
		return
	}
	s.setNotice(r, notice{Text: "A link is on its way to " + email + ": your address changes once you open it. Until then it stays " + u.Email + "."})
	http.Redirect(w, r, "/me/account", http.StatusSeeOther)
}

func (s *Server) apiChangeEmail(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := account.RequestEmailChange(r.Context(), s.deps.Pool, u.ID, in.Password, in.Email, s.verification()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) endAllSessions(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("logged out everywhere", "username", u.Username)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// endSessions removes every browser session of the user from the store,
// which all the node's processes share.
func (s *Server) endSessions(ctx context.Context, userID int64) error {
	err := s.sessions.Iterate(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if s.sessions.GetInt64(ctx, sessionUserID) == userID {
			return s.sessions.Destroy(ctx)
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
func (s *Server) relogin(r *http.Request, u account.User) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessionUserID, u.ID)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	secret, t, err := account.NewToken(r.Context(), s.deps.Pool, u.ID, strings.TrimSpace(r.PostForm.Get("name")))
	if err != nil {
		s.accountProblem(w, r, err)
		return
	}
	s.log.Info("API token made", "username", u.Username, "token", t.ID)
	s.sessions.Put(r.Context(), flashToken, secret)
	http.Redirect(w, r, "/me/account#tokens", http.StatusSeeOther)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err == nil {
		err = account.RevokeToken(r.Context(), s.deps.Pool, u.ID, id)
	} else {
		err = problem.NotFoundf("no such token")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setNotice(r, notice{Text: "The token is revoked: programs that used it can no longer."})
	http.Redirect(w, r, "/me/account#tokens", http.StatusSeeOther)
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	var in struct {
		CurrentPassword string `json:"current_password"`
		Password        string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := account.ChangePassword(r.Context(), s.deps.Pool, u.ID, in.CurrentPassword, in.Password); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("password changed", "username", u.Username)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiEndSessions(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	list, err := account.Tokens(r.Context(), s.deps.Pool, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items(list))
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	secret, t, err := account.NewToken(r.Context(), s.deps.Pool, u.ID, strings.TrimSpace(in.Name))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		account.Token
		Secret string `json:"token"` // shown this once
	}{t, secret})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.fail(w, r, problem.NotFoundf("no such token"))
		return
	}
	if err := account.RevokeToken(r.Context(), s.deps.Pool, u.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
