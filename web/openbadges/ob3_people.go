package openbadges

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// personOB3Routes serves, below /ob/v3, the Open Badges 3.0 documents of
// people who endorse: their Profile listing their credential keys, their
// revocation status list (signed on each request, so that a withdrawal
// shows at once) and their EndorsementCredentials.
func (s *Handlers) personOB3Routes(r chi.Router) {
	r.Get("/people/{username}", s.personProfileV3)
	r.Get("/people/{username}/status/revocation", s.personStatusList)
	r.Get("/person-endorsements/{uuid}", s.personEndorsementCredential)
}

func (s *Handlers) personProfileV3(w http.ResponseWriter, r *http.Request) {
	if s.Deps.Passport == nil {
		s.Fail(w, r, problem.NotFoundf("no passport on this node"))
		return
	}
	doc, err := s.Deps.Passport.ProfileV3Document(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteLD(w, http.StatusOK, doc)
}

func (s *Handlers) personStatusList(w http.ResponseWriter, r *http.Request) {
	if s.Deps.Passport == nil {
		s.Fail(w, r, problem.NotFoundf("no passport on this node"))
		return
	}
	doc, err := s.Deps.Passport.StatusListJSON(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	writeCredential(w, r, doc)
}

// personEndorsementCredential serves an EndorsementCredential exactly as
// signed (JSON-LD, or a VC-JWT to those who ask only for that), revoked
// or not.
func (s *Handlers) personEndorsementCredential(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "uuid")
	if accepts(r, vocab.VCJWTContentType) && !accepts(r, vocab.CredentialContentType) && !accepts(r, vocab.ContentType) {
		jwt, err := passport.HostedCredential(r.Context(), s.Deps.Pool, id, true)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", vocab.VCJWTContentType)
		w.Header().Set("Vary", "Accept")
		_, _ = w.Write(jwt) // the client went away; nothing to do
		return
	}
	doc, err := passport.HostedCredential(r.Context(), s.Deps.Pool, id, false)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	writeCredential(w, r, doc)
}

// PersonKeyRoutes are the caller's own credential keys, under /api/v1/me:
// the keys their EndorsementCredentials are signed with.
func (s *Handlers) PersonKeyRoutes(r chi.Router) {
	r.Get("/credential-keys", s.apiPersonCredentialKeys)
	r.Post("/credential-keys/rotate", s.apiRotatePersonCredentialKey)
}

func (s *Handlers) apiPersonCredentialKeys(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	keys, err := passport.PersonCredentialKeys(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	writeKeys(w, keys, func(multibase string) string { return passport.PersonCredentialKey(s.URLs(), u.Username, multibase) })
}

// apiRotatePersonCredentialKey revokes the caller's credential key (kept
// published, so that what it signed still verifies) and makes a new one.
func (s *Handlers) apiRotatePersonCredentialKey(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	if _, err := passport.RotatePersonCredentialKey(r.Context(), s.Deps.Pool, u.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.apiPersonCredentialKeys(w, r)
}
