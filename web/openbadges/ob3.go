package openbadges

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// Open Badges 3.0 hosting, under /ob/v3 (and each organisation's did:web
// document under /orgs): the issuer Profile with its credential keys and
// the signed OpenBadgeCredentials.

func (s *Handlers) ob3Routes(r chi.Router) {
	r.Get("/issuers/{slug}", OrgDocument(s, true, profileV3WithEndorsements, writeLDOK))
	// Signed on each request, so that a revocation shows at once.
	r.Get("/issuers/{slug}/status/revocation", OrgDocument(s, false, issuer.StatusListJSON, writeCredential))
	r.Get("/credentials/{uuid}", s.hostedCredential)
	r.Get("/credentials/{uuid}/image", s.credentialImage)
	s.ob3EndorsementRoutes(r)
	s.personOB3Routes(r)
}

// writeCredential answers with a signed credential, exactly as signed:
// as application/vc+ld+json to those who ask for it, else as
// application/ld+json.
func writeCredential(w http.ResponseWriter, r *http.Request, doc []byte) {
	ct := vocab.ContentType
	if accepts(r, vocab.CredentialContentType) {
		ct = vocab.CredentialContentType
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Vary", "Accept")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(doc) // the client went away; nothing to do
}

// hostedCredential serves an OpenBadgeCredential exactly as signed: as
// application/vc+ld+json to those who ask for it, else as
// application/ld+json, or as a VC-JWT (application/vc+jwt) to those who
// ask for that and not for JSON-LD; a browser goes to the badge's public
// page.
func (s *Handlers) hostedCredential(w http.ResponseWriter, r *http.Request) {
	uuid := chi.URLParam(r, "uuid")
	if accepts(r, vocab.VCJWTContentType) && !accepts(r, vocab.CredentialContentType) && !accepts(r, vocab.ContentType) {
		jwt, _, err := issuer.CredentialJWT(r.Context(), s.Deps.Pool, uuid)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", vocab.VCJWTContentType)
		w.Header().Set("Vary", "Accept")
		_, _ = w.Write(jwt) // the client went away; nothing to do
		return
	}
	doc, a, err := issuer.CredentialJSON(r.Context(), s.Deps.Pool, uuid)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if kit.PrefersHTML(r) {
		http.Redirect(w, r, "/badges/"+a.UUID, http.StatusSeeOther)
		return
	}
	writeCredential(w, r, doc)
}

// credentialImage serves the badge image with the credential baked in
// (410 once the badge is revoked, as the 2.0 baked image does).
func (s *Handlers) credentialImage(w http.ResponseWriter, r *http.Request) {
	img, a, err := issuer.CredentialImage(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if a.Revoked() {
		kit.WriteJSONError(w, http.StatusGone, "", "this badge has been revoked")
		return
	}
	s.writeBadgeImage(w, r, img, a.BadgeUUID, "-ob3")
}

// accepts reports whether the request's Accept header names mediaType.
func accepts(r *http.Request, mediaType string) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == mediaType {
			return true
		}
	}
	return false
}

// credentialKeyJSON is a credential key as the API shows it: the public
// half only.
type credentialKeyJSON struct {
	ID                 string  `json:"id"`
	PublicKeyMultibase string  `json:"publicKeyMultibase"`
	CreatedAt          string  `json:"created_at"`
	RevokedAt          *string `json:"revoked_at"`
}

// APIRotateCredentialKey revokes the organisation's credential key and
// makes a new one (admins only), answering with every key.
func (s *Handlers) APIRotateCredentialKey(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, err := issuer.RotateCredentialKey(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeCredentialKeys(w, r, o)
}

func (s *Handlers) APICredentialKeys(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	s.writeCredentialKeys(w, r, o)
}

func (s *Handlers) writeCredentialKeys(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	keys, err := issuer.CredentialKeys(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	writeKeys(w, keys, func(multibase string) string { return s.URLs().CredentialKey(o.Slug, multibase) })
}

// writeKeys answers with credential keys (an organisation's or a
// person's), each named by id.
func writeKeys(w http.ResponseWriter, keys []issuer.CredentialKey, id func(multibase string) string) {
	out := make([]credentialKeyJSON, len(keys))
	for i, k := range keys {
		out[i] = credentialKeyJSON{ID: id(k.Multibase), PublicKeyMultibase: k.Multibase,
			CreatedAt: k.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")}
		if k.RevokedAt != nil {
			t := k.RevokedAt.UTC().Format("2006-01-02T15:04:05Z")
			out[i].RevokedAt = &t
		}
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

// WriteDID answers with an organisation's did:web document
// (did:web:HOST:orgs:SLUG), listing its credential keys.
func WriteDID(w http.ResponseWriter, _ *http.Request, doc vocab.DIDDocument) {
	w.Header().Set("Content-Type", vocab.DIDContentType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc) // the client went away; nothing to do
}
