package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
)

// External endorsers' API, under /api/v1/orgs/{slug}: invitations by
// email to people and organisations without an account here. The token of
// an invitation is only in the email; no response carries it.

func (s *Server) externalAPIRoutes(r chi.Router) {
	r.Get("/external-invitations", s.withOrg(s.apiExternalInvitations))
	r.Post("/external-invitations", s.withOrg(s.apiInviteExternal))
}

func (s *Server) apiExternalInvitations(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := network.Invitations(r.Context(), s.deps.Pool, o.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, items(list))
}

func (s *Server) apiInviteExternal(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Email   string `json:"email"`
		Subject string `json:"subject"` // one of our BadgeClass ids; empty for the organisation
		Message string `json:"message"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := network.InviteExternal(r.Context(), s.deps.Pool, s.mailQueue(), s.urls(), o, in.Email, in.Subject, in.Message)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// hostedEndorser serves an external endorser's Open Badges Profile, the
// issuer of their endorsement.
func (s *Server) hostedEndorser(w http.ResponseWriter, r *http.Request) {
	x, err := network.ExternalEndorserByUUID(r.Context(), s.deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeLD(w, http.StatusOK, x.Document(s.urls()))
}
