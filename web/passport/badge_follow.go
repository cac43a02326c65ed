package passport

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// Following a badge class: a logged-in person's activity stream then shows
// who on this node earns it publicly and which organisations endorse it.

// BadgeFollowUIRoutes are the follow and unfollow forms of badge pages and
// of the stream page, for logged-in users.
func (s *Handlers) BadgeFollowUIRoutes(r chi.Router) {
	r.Post("/passport/follow-badge", s.followBadgeForm(true))
	r.Post("/passport/unfollow-badge", s.followBadgeForm(false))
}

// BadgeFollowAPIRoutes are under /api/v1/me.
func (s *Handlers) BadgeFollowAPIRoutes(r chi.Router) {
	r.Get("/followed-badges", s.apiFollowedBadges)
	r.Post("/followed-badges", s.apiFollowBadge)
	r.Delete("/followed-badges", s.apiUnfollowBadge)
}

func (s *Handlers) followBadgeForm(follow bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := kit.CurrentUser(r)
		if err := r.ParseForm(); err != nil {
			s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
			return
		}
		badge, name := r.PostForm.Get("badge"), r.PostForm.Get("name")
		var err error
		text := "You follow “" + name + "”: who earns it here and who endorses it show in your activity stream."
		if follow {
			_, err = passport.FollowBadge(r.Context(), s.Deps.Pool, u, badge, name)
		} else {
			err = passport.UnfollowBadge(r.Context(), s.Deps.Pool, u, badge)
			text = "You no longer follow “" + name + "”."
		}
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		next := r.PostForm.Get("next")
		if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
			next = "/passport/stream"
		}
		s.SetNotice(r, kit.Notice{Text: text, Link: "/passport/stream", LinkText: "Your activity stream"})
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

func (s *Handlers) apiFollowedBadges(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	list, err := passport.FollowedBadges(r.Context(), s.Deps.Pool, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiFollowBadge(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in struct {
		Badge string `json:"badge"`
		Name  string `json:"name"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := passport.FollowBadge(r.Context(), s.Deps.Pool, u, in.Badge, in.Name)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, f)
}

func (s *Handlers) apiUnfollowBadge(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if err := passport.UnfollowBadge(r.Context(), s.Deps.Pool, u, r.URL.Query().Get("badge")); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
