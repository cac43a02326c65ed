package account

import (
	"errors"
	"net/http"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/web/kit"
)

func (s *Handlers) LoginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := kit.CurrentUser(r); ok {
		http.Redirect(w, r, kit.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "login", kit.PageData{Title: "Log in", Next: r.URL.Query().Get("next")})
}

func (s *Handlers) Login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, err)
		return
	}
	email, next := r.PostForm.Get("email"), r.PostForm.Get("next")
	u, err := account.Authenticate(r.Context(), s.Deps.Pool, email, r.PostForm.Get("password"))
	if errors.Is(err, account.ErrTooManyAttempts) {
		s.Log.Warn("login limit of an account reached", "remote", r.RemoteAddr)
		s.Render(w, r, http.StatusTooManyRequests, "login",
			kit.PageData{Title: "Log in", Message: "login.too_many_passwords", Email: email, Next: next})
		return
	}
	if errors.Is(err, account.ErrBadCredentials) {
		s.Log.Info("failed login", "email", email, "remote", r.RemoteAddr)
		s.Render(w, r, http.StatusUnauthorized, "login",
			kit.PageData{Title: "Log in", Message: "login.wrong_password", Email: email, Next: next})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// A new session token on login defeats session fixation.
	if err := s.Sessions.RenewToken(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), kit.SessionUserID, u.ID)
	http.Redirect(w, r, kit.SafeNext(next), http.StatusSeeOther)
}

func (s *Handlers) TooManyLogins(w http.ResponseWriter, r *http.Request) {
	s.Log.Warn("login rate limit reached", "remote", r.RemoteAddr)
	s.Render(w, r, http.StatusTooManyRequests, "login",
		kit.PageData{Title: "Log in", Message: "login.too_many_attempts"})
}

func (s *Handlers) Logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
