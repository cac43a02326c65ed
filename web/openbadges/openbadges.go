package openbadges

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// OpenBadgesRoutes serves the hosted Open Badges documents: every one at
// its own id, as JSON-LD, readable from any origin, so that any Open Badges
// tool can verify our badges.
func (s *Handlers) OpenBadgesRoutes(r chi.Router) {
	r.Use(openCORS)
	r.Get("/issuers/{slug}", OrgDocument(s, true, s.profileWithEndorsements, writeLDOK))
	r.Get("/issuers/{slug}/key", OrgDocument(s, false, issuer.KeyDocument, writeLDOK))
	r.Get("/issuers/{slug}/revocations", OrgDocument(s, false, issuer.RevocationListDocument,
		func(w http.ResponseWriter, r *http.Request, doc vocab.RevocationList) {
			w.Header().Set("Cache-Control", "no-cache") // verifiers should see a revocation soon
			kit.WriteLD(w, http.StatusOK, doc)
		}))
	r.Get("/badges/{uuid}", s.hostedBadgeClass)
	r.Get("/badges/{uuid}/image", s.hostedBadgeImage)
	r.Get("/badges/{uuid}/criteria", s.hostedCriteria)
	r.Get("/assertions/{uuid}", s.hostedAssertion)
	r.Get("/assertions/{uuid}/image", s.bakedImage)
	r.Get("/endorsements/{uuid}", s.network.HostedEndorsement)
	r.Get("/endorsers/{uuid}", s.network.HostedEndorser)
	r.Route("/v3", s.ob3Routes)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		kit.WriteJSONError(w, http.StatusNotFound, "", "no such Open Badges document")
	})
}

// openCORS lets pages on any origin read the documents (GET only; they are
// public), as Open Badges displayers and validators running in browsers do.
func openCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Accept")
			w.Header().Set("Access-Control-Max-Age", "86400")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// OrgDocument serves what build makes of the organisation that the path's
// {slug} names, answered by write; with pageForBrowsers a browser is sent
// to the organisation's page instead.
func OrgDocument[T any](s *Handlers, pageForBrowsers bool, build func(context.Context, issuer.DB, issuer.URLs, issuer.Organisation) (T, error),
	write func(http.ResponseWriter, *http.Request, T)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, chi.URLParam(r, "slug"))
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if pageForBrowsers && kit.PrefersHTML(r) {
			http.Redirect(w, r, "/orgs/"+o.Slug, http.StatusSeeOther)
			return
		}
		doc, err := build(r.Context(), s.Deps.Pool, s.URLs(), o)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		write(w, r, doc)
	}
}

// writeLDOK answers 200 with a JSON-LD document.
func writeLDOK[T any](w http.ResponseWriter, _ *http.Request, doc T) {
	kit.WriteLD(w, http.StatusOK, doc)
}

// profileWithEndorsements is the issuer Profile with the endorsements of
// the organisation that the network holds.
func (s *Handlers) profileWithEndorsements(ctx context.Context, db issuer.DB, u issuer.URLs, o issuer.Organisation) (vocab.Profile, error) {
	doc, err := issuer.ProfileDocument(ctx, db, u, o)
	if err == nil {
		doc.Endorsement, err = network.EndorsementIDs(ctx, db, doc.ID)
	}
	return doc, err
}

func (s *Handlers) hostedBadgeClass(w http.ResponseWriter, r *http.Request) {
	// One address, two readers: people get the badge's page, Open Badges
	// tools its JSON-LD; caches must keep them apart.
	w.Header().Set("Vary", "Accept")
	b, err := issuer.BadgeClassByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if p, ok := problem.As(err); ok && p.Kind == problem.NotFound && kit.PrefersHTML(r) {
		s.Render(w, r, http.StatusNotFound, "error", kit.PageData{Title: http.StatusText(http.StatusNotFound), Message: "badgepage.no_such_badge"})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if kit.PrefersHTML(r) {
		s.RenderBadgeClass(w, r, b, nil)
		return
	}
	doc := b.Document(s.URLs())
	if doc.Endorsement, err = network.EndorsementIDs(r.Context(), s.Deps.Pool, doc.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteLD(w, http.StatusOK, doc)
}

func (s *Handlers) hostedBadgeImage(w http.ResponseWriter, r *http.Request) {
	img, err := issuer.BadgeImage(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteImage(w, img, "")
}

func (s *Handlers) hostedCriteria(w http.ResponseWriter, r *http.Request) {
	b, err := issuer.BadgeClassByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	doc, err := b.CriteriaDocument(s.URLs())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if kit.PrefersHTML(r) {
		o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, b.OrganisationSlug)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		page := criteriaPage{Badge: b, OrgName: o.Name, Narrative: s.Markdown.HTML(b.CriteriaNarrative), JSONLD: doc.ID}
		// A milestone badge's criteria are also its rule: what it takes.
		if m, err := milestone.ByBadge(r.Context(), s.Deps.Pool, s.URLs(), b.UUID); err == nil {
			page.Milestone = &m
		} else if !problem.Is(err, problem.NotFound) {
			s.Fail(w, r, err)
			return
		}
		s.Render(w, r, http.StatusOK, "criteria", kit.PageData{Title: "Criteria: " + b.Name, Data: page})
		return
	}
	kit.WriteLD(w, http.StatusOK, doc)
}

// criteriaPage is the hosted criteria of a badge, for people.
type criteriaPage struct {
	Badge     issuer.BadgeClass
	OrgName   string
	Narrative template.HTML
	JSONLD    string
	Milestone *milestone.Milestone // the rule, when the badge is a milestone
}

func (s *Handlers) hostedAssertion(w http.ResponseWriter, r *http.Request) {
	a, err := issuer.AssertionByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if kit.PrefersHTML(r) {
		http.Redirect(w, r, "/badges/"+a.UUID, http.StatusSeeOther)
		return
	}
	if !a.OB2 {
		s.Fail(w, r, s.onlyCredential(w, a))
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	if a.Revoked() {
		kit.WriteLD(w, http.StatusGone, a.RevocationDocument(s.URLs()))
		return
	}
	kit.WriteLD(w, http.StatusOK, a.Document(s.URLs()))
}

// onlyCredential is the answer for the 2.0 documents of a badge issued as
// an Open Badges 3.0 credential alone: not found, with a link to the
// credential.
func (s *Handlers) onlyCredential(w http.ResponseWriter, a issuer.Assertion) error {
	credential := s.URLs().Credential(a.UUID)
	w.Header().Set("Link", "<"+credential+">; rel=\"alternate\"; type=\""+vocab.CredentialContentType+"\"")
	return problem.NotFoundf("this badge was issued as an Open Badges 3.0 credential only: %s", credential)
}

func (s *Handlers) bakedImage(w http.ResponseWriter, r *http.Request) {
	a, err := issuer.AssertionByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if !a.OB2 {
		s.Fail(w, r, s.onlyCredential(w, a))
		return
	}
	if a.Revoked() {
		kit.WriteJSONError(w, http.StatusGone, "", "this badge has been revoked")
		return
	}
	img, err := issuer.BakedImage(r.Context(), s.Deps.Pool, s.URLs(), a)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeBadgeImage(w, r, img, a.BadgeUUID, "")
}

// writeBadgeImage answers with a baked image of a badge class's badge,
// named for download after the class, with suffix before the extension.
func (s *Handlers) writeBadgeImage(w http.ResponseWriter, r *http.Request, img issuer.Image, badgeUUID, suffix string) {
	b, err := issuer.BadgeClassByUUID(r.Context(), s.Deps.Pool, badgeUUID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	ext := ".png"
	if img.Type == "image/svg+xml" {
		ext = ".svg"
	}
	kit.WriteImage(w, img, fileName(b.Name)+suffix+ext)
}

// fileName makes a download name from a badge name.
func fileName(name string) string {
	var out strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			out.WriteRune(c)
		case out.Len() > 0 && !strings.HasSuffix(out.String(), "-"):
			out.WriteByte('-')
		}
	}
	if n := strings.TrimSuffix(out.String(), "-"); n != "" {
		return n
	}
	return "badge"
}
