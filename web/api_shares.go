package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
)

// Badge sharing and notifications, under /api/v1/orgs/{slug}.

func (s *Server) shareAPIRoutes(r chi.Router) {
	r.Post("/badges/{uuid}/shares", s.withOrg(s.apiShareBadge))
	r.Get("/shares", s.withOrg(s.apiShares))
	r.Post("/shares/{uuid}/accept", s.withOrg(s.apiAnswerShare(true)))
	r.Post("/shares/{uuid}/decline", s.withOrg(s.apiAnswerShare(false)))
	r.Get("/notifications", s.withOrg(s.apiNotifications))
	r.Post("/notifications/read", s.withOrg(s.apiMarkRead))
}

func (s *Server) apiShareBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Targets []string `json:"targets"`
		Mode    string   `json:"mode"`
		Network string   `json:"network"` // a regional network's handle: offered to all its members
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Network != "" {
		s.apiShareBadgeWithNetwork(w, r, o, in.Network, in.Targets, in.Mode)
		return
	}
	results, err := s.deps.Network.ShareBadge(r.Context(), o, chi.URLParam(r, "uuid"), in.Targets, in.Mode)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items(results))
}

func (s *Server) apiShares(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	direction := r.URL.Query().Get("direction")
	if direction == "" {
		direction = network.Given
	}
	list, err := s.deps.Network.Shares(r.Context(), o, direction)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items(list))
}

func (s *Server) apiAnswerShare(accept bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		sh, err := s.deps.Network.AnswerShare(r.Context(), o, chi.URLParam(r, "uuid"), accept)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, sh)
	}
}

// notificationList is the answer of GET notifications.
type notificationList struct {
	Items  []network.Notification `json:"items"`
	Unread int                    `json:"unread"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, unread, err := network.Notifications(r.Context(), s.deps.Pool, o.ID, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []network.Notification{}
	}
	writeJSON(w, http.StatusOK, notificationList{Items: list, Unread: unread})
}

func (s *Server) apiMarkRead(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := network.MarkRead(r.Context(), s.deps.Pool, o.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
