package openbadges

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// Open Badges 3.0 endorsements: each endorsement made here as a signed
// EndorsementCredential at /ob/v3/endorsements/{uuid}, an external
// endorser's 3.0 Profile and status list, and the endorsements embedded in
// the 3.0 Profiles.

func (s *Handlers) ob3EndorsementRoutes(r chi.Router) {
	r.Get("/endorsements/{uuid}", s.hostedEndorsementCredential)
	r.Get("/endorsers/{uuid}", s.hostedEndorserV3)
	// Signed on each request, so that a withdrawal shows at once.
	r.Get("/endorsers/{uuid}/status/revocation", s.endorserStatusList)
}

// hostedEndorsementCredential serves an endorsement's EndorsementCredential
// exactly as signed (application/vc+ld+json to those who ask for it, else
// application/ld+json), or as a VC-JWT to those who ask for that and not
// for JSON-LD. A withdrawn endorsement's credential is served too: its
// status list says it is revoked.
func (s *Handlers) hostedEndorsementCredential(w http.ResponseWriter, r *http.Request) {
	jwt := accepts(r, vocab.VCJWTContentType) && !accepts(r, vocab.CredentialContentType) && !accepts(r, vocab.ContentType)
	doc, err := network.HostedCredential(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"), jwt)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if jwt {
		w.Header().Set("Content-Type", vocab.VCJWTContentType)
		w.Header().Set("Vary", "Accept")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(doc) // the client went away; nothing to do
		return
	}
	writeCredential(w, r, doc)
}

// hostedEndorserV3 serves an external endorser's Open Badges 3.0 Profile,
// the issuer of its EndorsementCredential, with its key.
func (s *Handlers) hostedEndorserV3(w http.ResponseWriter, r *http.Request) {
	x, err := network.ExternalEndorserByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	doc, err := x.DocumentV3(s.URLs())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteLD(w, http.StatusOK, doc)
}

// endorserStatusList serves an external endorser's revocation status list.
func (s *Handlers) endorserStatusList(w http.ResponseWriter, r *http.Request) {
	x, err := network.ExternalEndorserByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	doc, err := x.StatusListJSON(r.Context(), s.Deps.Pool, s.URLs())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	writeCredential(w, r, doc)
}

// profileV3WithEndorsements is the organisation's 3.0 Profile with its
// endorsements as embedded EndorsementCredentials: those made here and
// those received and verified.
func profileV3WithEndorsements(ctx context.Context, db issuer.DB, u issuer.URLs, o issuer.Organisation) (vocab.IssuerProfile, error) {
	p, err := issuer.ProfileV3Document(ctx, db, u, o)
	if err == nil {
		p.Endorsement, err = network.CredentialsOf(ctx, db, u.Profile(o.Slug))
	}
	return p, err
}
