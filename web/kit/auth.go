package kit

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

type UserKey struct{}

// SessionUserID is the session key that holds the logged-in user's id.
const SessionUserID = "user_id"

// CurrentUser returns the authenticated user of the request, if any.
func CurrentUser(r *http.Request) (account.User, bool) {
	u, ok := r.Context().Value(UserKey{}).(account.User)
	return u, ok
}

// Authenticate finds the user behind a bearer token or a browser session.
// A bad token is refused outright rather than falling back to the session,
// so that a client learns its token is wrong.
func (s *Kit) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.unauthorized(w, r, "Authorization must be a Bearer token")
				return
			}
			u, err := account.UserByToken(ctx, s.Deps.Pool, strings.TrimSpace(token))
			if errors.Is(err, account.ErrBadToken) {
				s.unauthorized(w, r, "invalid or revoked API token")
				return
			}
			if err != nil {
				s.Fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, UserKey{}, u)))
			return
		}
		if id := s.Sessions.GetInt64(ctx, SessionUserID); id != 0 {
			u, err := account.UserByID(ctx, s.Deps.Pool, id)
			if problem.Is(err, problem.NotFound) {
				// The user was deleted: forget the session.
				_ = s.Sessions.Destroy(ctx)
				next.ServeHTTP(w, r)
				return
			}
			if err != nil {
				s.Fail(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, UserKey{}, u)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Kit) unauthorized(w http.ResponseWriter, r *http.Request, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="laurel"`)
	WriteJSONError(w, http.StatusUnauthorized, "", message)
}

func (s *Kit) RequireUserAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := CurrentUser(r); !ok {
			s.unauthorized(w, r, "log in or send an API token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireUserHTML sends anonymous visitors to the login page and back.
func (s *Kit) RequireUserHTML(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := CurrentUser(r); !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Kit) RequireNodeAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := CurrentUser(r); !u.NodeAdmin {
			s.Problem(w, r, http.StatusForbidden, "", "only node admins may open this page")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// PeerAddress keys rate limits by the connection's peer, which no header can
// spoof; IPv6 peers are grouped by their /64.
func PeerAddress(r *http.Request) (string, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return httprate.CanonicalizeIP(host), nil
}

// SafeNext keeps post-login redirects on this site: next must be a path
// of this origin as browsers read it. Browsers drop tabs and newlines
// anywhere in a URL, trim control characters and spaces, and read a
// backslash as a slash, so "/\t/evil.example" and "/\\evil.example" are
// "//evil.example", another host. Anything with those characters, that
// is not a plain path, or whose path (decoded, and with dot segments
// refused) starts with two slashes is refused for "/".
func SafeNext(next string) string {
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
