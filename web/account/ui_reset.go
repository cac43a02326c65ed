package account

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// A forgotten password: a form that emails a single-use link, valid an
// hour, the same answer for every address; the link's page sets a new
// password and logs out every session of the account.

// resetPage is the form that asks for a link, the page of a link, or the
// answers after them.
type resetPage struct {
	MailEnabled bool
	Sent        bool   // a link was asked for
	Token       string // the page of a link
	For         *account.User
	Done        bool // the password was reset
	Invalid     string
}

// ResetRoutes are the public pages of a password reset. Asking for links
// is rate limited per client address, on top of one link per account
// every five minutes.
func (s *Handlers) ResetRoutes(r chi.Router) {
	r.Get("/forgot-password", s.forgotForm)
	r.With(httprate.LimitBy(5, 10*time.Minute, kit.PeerAddress,
		httprate.WithLimitHandler(s.tooManyResets))).Post("/forgot-password", s.forgotPassword)
	r.Get("/reset-password/{token}", s.resetForm)
	r.Post("/reset-password/{token}", s.resetPassword)
}

// ResetPasswordLink is the URL, on the node at base, of the page of a
// reset link with token.
func ResetPasswordLink(base *url.URL) func(token string) string {
	b := strings.TrimSuffix(base.String(), "/")
	return func(token string) string { return b + "/reset-password/" + token }
}

func (s *Handlers) renderReset(w http.ResponseWriter, r *http.Request, status int, message string, p resetPage) {
	p.MailEnabled = s.MailQueue() != nil
	// The page may carry a token.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.Render(w, r, status, "password_reset", kit.PageData{Title: "Reset your password", Message: message, Data: p})
}

func (s *Handlers) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.renderReset(w, r, http.StatusOK, "", resetPage{})
}

func (s *Handlers) forgotPassword(w http.ResponseWriter, r *http.Request) {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if email == "" {
		s.renderReset(w, r, http.StatusBadRequest, "Email: is required", resetPage{Invalid: "email"})
		return
	}
	if err := account.RequestPasswordReset(r.Context(), s.Deps.Pool, email, s.verification()); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderReset(w, r, http.StatusOK, "", resetPage{Sent: true})
}

func (s *Handlers) tooManyResets(w http.ResponseWriter, r *http.Request) {
	s.renderReset(w, r, http.StatusTooManyRequests, "Too many requests from your address. Wait a few minutes and try again.", resetPage{})
}

func (s *Handlers) resetForm(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := account.CheckPasswordReset(r.Context(), s.Deps.Pool, token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderReset(w, r, http.StatusOK, "", resetPage{Token: token, For: &u})
}

func (s *Handlers) resetPassword(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	v := r.PostForm
	if v.Get("password") != v.Get("password_again") {
		u, err := account.CheckPasswordReset(r.Context(), s.Deps.Pool, token)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		s.renderReset(w, r, http.StatusBadRequest, "New password again: is not the same as the new password",
			resetPage{Token: token, For: &u, Invalid: "password_again"})
		return
	}
	u, err := account.ResetPassword(r.Context(), s.Deps.Pool, token, v.Get("password"))
	if p, ok := problem.As(err); ok && p.Field == "password" {
		who, cerr := account.CheckPasswordReset(r.Context(), s.Deps.Pool, token)
		if cerr != nil {
			s.Fail(w, r, cerr)
			return
		}
		s.renderReset(w, r, http.StatusBadRequest, "New password: "+p.Message, resetPage{Token: token, For: &who, Invalid: "password"})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// Whoever had a session with the old password has it no more.
	if err := s.endSessions(r.Context(), u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Log.Info("password reset", "username", u.Username, "remote", r.RemoteAddr)
	s.renderReset(w, r, http.StatusOK, "", resetPage{Done: true})
}
