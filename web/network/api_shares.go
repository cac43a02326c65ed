package network

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/web/kit"
)

// Badge sharing and notifications, under /api/v1/orgs/{slug}.

func (s *Handlers) ShareAPIRoutes(r chi.Router) {
	r.Post("/badges/{uuid}/shares", s.WithOrgFor(account.Endorse, s.apiShareBadge))
	r.Get("/shares", s.WithOrgFor(account.Endorse, s.apiShares))
	r.Post("/shares/{uuid}/accept", s.WithOrgFor(account.Endorse, s.apiAnswerShare(true)))
	r.Post("/shares/{uuid}/decline", s.WithOrgFor(account.Endorse, s.apiAnswerShare(false)))
	r.Get("/notifications", s.WithOrgFor(account.Endorse, s.apiNotifications))
	r.Post("/notifications/read", s.WithOrgFor(account.Endorse, s.apiMarkRead))
}

func (s *Handlers) apiShareBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Targets []string `json:"targets"`
		Mode    string   `json:"mode"`
		Network string   `json:"network"` // a regional network's handle: offered to all its members
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.Network != "" {
		s.apiShareBadgeWithNetwork(w, r, o, in.Network, in.Targets, in.Mode)
		return
	}
	results, err := s.Deps.Network.ShareBadge(r.Context(), o, chi.URLParam(r, "uuid"), in.Targets, in.Mode)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(results))
}

func (s *Handlers) apiShares(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	direction := r.URL.Query().Get("direction")
	if direction == "" {
		direction = network.Given
	}
	list, err := s.Deps.Network.Shares(r.Context(), o, direction)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiAnswerShare(accept bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		sh, err := s.Deps.Network.AnswerShare(r.Context(), s.Actor(r), o, chi.URLParam(r, "uuid"), accept)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, sh)
	}
}

// notificationList is the answer of GET notifications.
type notificationList struct {
	Items  []network.Notification `json:"items"`
	Unread int                    `json:"unread"`
}

func (s *Handlers) apiNotifications(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, unread, err := network.Notifications(r.Context(), s.Deps.Pool, o.ID, 50)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []network.Notification{}
	}
	kit.WriteJSON(w, http.StatusOK, notificationList{Items: list, Unread: unread})
}

func (s *Handlers) apiMarkRead(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := network.MarkRead(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
