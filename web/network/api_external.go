package network

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/web/kit"
)

// External endorsers' API, under /api/v1/orgs/{slug}: invitations by
// email to people and organisations without an account here. The token of
// an invitation is only in the email; no response carries it.

func (s *Handlers) ExternalAPIRoutes(r chi.Router) {
	r.Get("/external-invitations", s.WithOrgFor(account.Endorse, s.apiExternalInvitations))
	r.Post("/external-invitations", s.WithOrgFor(account.Endorse, s.apiInviteExternal))
}

func (s *Handlers) apiExternalInvitations(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := network.Invitations(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiInviteExternal(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Email   string `json:"email"`
		Subject string `json:"subject"` // one of our BadgeClass ids; empty for the organisation
		Message string `json:"message"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	v, err := network.InviteExternal(r.Context(), s.Deps.Pool, s.MailQueue(), s.Deps.Locale, s.URLs(), o, in.Email, in.Subject, in.Message)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, v)
}

// HostedEndorser serves an external endorser's Open Badges Profile, the
// issuer of their endorsement.
func (s *Handlers) HostedEndorser(w http.ResponseWriter, r *http.Request) {
	x, err := network.ExternalEndorserByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteLD(w, http.StatusOK, x.Document(s.URLs()))
}
