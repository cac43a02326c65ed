package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/httprate"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
)

type userKey struct{}

// sessionUserID is the session key that holds the logged-in user's id.
const sessionUserID = "user_id"

// currentUser returns the authenticated user of the request, if any.
func currentUser(r *http.Request) (account.User, bool) {
	u, ok := r.Context().Value(userKey{}).(account.User)
	return u, ok
}

// authenticate finds the user behind a bearer token or a browser session.
// A bad token is refused outright rather than falling back to the session,
// so that a client learns its token is wrong.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.unauthorized(w, r, "Authorization must be a Bearer token")
				return
			}
			u, err := account.UserByToken(ctx, s.deps.Pool, strings.TrimSpace(token))
			if errors.Is(err, account.ErrBadToken) {
				s.unauthorized(w, r, "invalid or revoked API token")
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, userKey{}, u)))
			return
		}
		if id := s.sessions.GetInt64(ctx, sessionUserID); id != 0 {
			u, err := account.UserByID(ctx, s.deps.Pool, id)
			if problem.Is(err, problem.NotFound) {
				// The user was deleted: forget the session.
				_ = s.sessions.Destroy(ctx)
				next.ServeHTTP(w, r)
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, userKey{}, u)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="laurel"`)
	writeJSONError(w, http.StatusUnauthorized, "", message)
}

func (s *Server) requireUserAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := currentUser(r); !ok {
			s.unauthorized(w, r, "log in or send an API token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireUserHTML sends anonymous visitors to the login page and back.
func (s *Server) requireUserHTML(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := currentUser(r); !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) requireNodeAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := currentUser(r); !u.NodeAdmin {
			s.problem(w, r, http.StatusForbidden, "", "only node admins may open this page")
			return
		}
		next.ServeHTTP(w, r)
	})
}

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
			pageData{Title: "Log in", Message: "login.too_many_passwords", Email: email, Next: next})
		return
	}
	if errors.Is(err, account.ErrBadCredentials) {
		s.log.Info("failed login", "email", email, "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login",
			pageData{Title: "Log in", Message: "login.wrong_password", Email: email, Next: next})
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

// peerAddress keys rate limits by the connection's peer, which no header can
// spoof; IPv6 peers are grouped by their /64.
func peerAddress(r *http.Request) (string, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host), nil
}

func (s *Server) tooManyLogins(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("login rate limit reached", "remote", r.RemoteAddr)
	s.render(w, r, http.StatusTooManyRequests, "login",
		pageData{Title: "Log in", Message: "login.too_many_attempts"})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site: next must be a path
// of this origin as browsers read it. Browsers drop tabs and newlines
// anywhere in a URL, trim control characters and spaces, and read a
// backslash as a slash, so "/\t/evil.example" and "/\\evil.example" are
// "//evil.example", another host. Anything with those characters, that
// is not a plain path, or whose path (decoded, and with dot segments
// refused) starts with two slashes is refused for "/".
func safeNext(next string) string {
	if next == "" || strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' || r == ' ' }) {
		return "/"
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// u.Path is decoded: "/%2f%2fevil.example" is refused too, lest a
	// proxy or a second decoding find another host. No page of ours needs
	// dot segments, which browsers resolve.
	dotted := strings.Contains(u.Path+"/", "/./") || strings.Contains(u.Path+"/", "/../")
	if strings.HasPrefix(u.Path, "//") || strings.ContainsAny(u.Path, "\\\x00\t\r\n") || dotted {
		return "/"
	}
	return next
}
