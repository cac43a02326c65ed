package passport

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/web/kit"
)

// PassportStreamAPIRoutes registers the caller's activity stream, under
// /me.
func (s *Handlers) PassportStreamAPIRoutes(r chi.Router) {
	r.Get("/stream", s.apiStream)
}

// apiStream lists the caller's stream, newest first, paged by limit and
// offset.
func (s *Handlers) apiStream(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.socialPassport()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := p.Stream(r.Context(), s.Deps.Pool, u, time.Time{}, limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}
