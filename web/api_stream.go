package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// passportStreamAPIRoutes registers the caller's activity stream, under
// /me.
func (s *Server) passportStreamAPIRoutes(r chi.Router) {
	r.Get("/stream", s.apiStream)
}

// apiStream lists the caller's stream, newest first, paged by limit and
// offset.
func (s *Server) apiStream(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	limit, offset, err := page(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.socialPassport()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := p.Stream(r.Context(), s.deps.Pool, u, time.Time{}, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items(list))
}
