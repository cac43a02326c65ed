package web

import (
	"errors"
	"net/http"

	"github.com/laurelnet/laurel/account"
)

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := currentUser(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", pageData{Title: "Log in", Next: r.URL.Query().Get("next")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	email, next := r.PostForm.Get("email"), r.PostForm.Get("next")
	u, err := account.Authenticate(r.Context(), s.deps.Pool, email, r.PostForm.Get("password"))
	if errors.Is(err, account.ErrTooManyAttempts) {
		s.log.Warn("login limit of an account reached", "remote", r.RemoteAddr)
		s.render(w, r, http.StatusTooManyRequests, "login",
			pageData{Title: "Log in", Message: "Too many wrong passwords for this account. Wait 15 minutes and try again.", Email: email, Next: next})
		return
	}
	if errors.Is(err, account.ErrBadCredentials) {
		s.log.Info("failed login", "email", email, "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login",
			pageData{Title: "Log in", Message: "Wrong email or password.", Email: email, Next: next})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A new session token on login defeats session fixation.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessionUserID, u.ID)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("login rate limit reached", "remote", r.RemoteAddr)
	s.render(w, r, http.StatusTooManyRequests, "login",
		pageData{Title: "Log in", Message: "Too many attempts from your address. Wait a minute and try again."})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
