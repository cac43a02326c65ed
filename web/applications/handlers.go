// Package applications serves badge applications (package application,
// issue 16): the organisation's form templates, application forms,
// reviewers, applications list and decisions; the public form, its
// confirmation and the applicant's page; the external reviewer's and
// peer's single-use review page; the evidence files; and their JSON API.
package applications

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// MaxUploadBytes is the body limit of the routes that take an application
// (IsUpload): all its files, and room for the answers.
const MaxUploadBytes = application.MaxTotalBytes + 1<<20

// IsUpload reports whether r sends an application, which may be larger
// than the node's usual body limit (MaxUploadBytes).
func IsUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.Path
	for _, prefix := range []string{"/apply/", "/api/v1/apply/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			return true
		}
	}
	return false
}

// Handlers are the pages and API of badge applications.
type Handlers struct {
	*kit.Kit
	// hooks are the node's issuing hooks (claim mail aside: the approval
	// email carries the claim link), asked for at each approval.
	hooks func() issuer.Hooks
}

// New returns the handlers on k; hooks gives the issuing hooks an
// approval issues the badge with.
func New(k *kit.Kit, hooks func() issuer.Hooks) *Handlers {
	return &Handlers{Kit: k, hooks: hooks}
}

// env is what the application steps need of the node: the mail queue
// (none when the node sends no mail), the links and the issuing hooks.
func (s *Handlers) env() application.Env {
	env := application.Env{URLs: s.appURLs(), Issuer: s.URLs(), Locale: s.Deps.Locale}
	if q := s.MailQueue(); q != nil {
		env.Queue = q
	}
	if s.hooks != nil {
		env.Hooks = s.hooks()
	}
	return env
}

func (s *Handlers) appURLs() application.URLs { return application.URLs{Base: s.Deps.BaseURL} }

// reviewOrganisation is the organisation of {slug} for someone who acts
// for it (kit.MemberOrganisation) or reviews its applications (the
// reviewer role), for the applications list.
// Capability: ReviewApplications.
func (s *Handlers) reviewOrganisation(r *http.Request) (issuer.Organisation, error) {
	o, err := s.MemberOrganisation(r)
	if err == nil || !problem.Is(err, problem.Forbidden) {
		return o, err
	}
	u, _ := kit.CurrentUser(r)
	ms, merr := account.Memberships(r.Context(), s.Deps.Pool, u.ID)
	if merr != nil {
		return issuer.Organisation{}, merr
	}
	o, oerr := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, chi.URLParam(r, "slug"))
	if oerr != nil {
		return issuer.Organisation{}, oerr
	}
	for _, m := range ms {
		if m.OrganisationID == o.ID && m.Role == account.RoleReviewer {
			return o, nil
		}
	}
	return issuer.Organisation{}, err
}

// withReviewOrg is kit.WithOrg for reviewOrganisation.
func (s *Handlers) withReviewOrg(h func(http.ResponseWriter, *http.Request, issuer.Organisation)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := s.reviewOrganisation(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		h(w, r, o)
	}
}

// OrgAPIRoutes mounts the organisation's API under /api/v1/orgs/{slug}.
// Templates and forms: capability CreateBadges (kit.MemberOrganisation
// for now); the list and export: ReviewApplications.
func (s *Handlers) OrgAPIRoutes(r chi.Router) {
	r.Get("/form-templates", s.WithOrgFor(account.CreateBadges, s.apiTemplates))
	r.Post("/form-templates", s.WithOrgFor(account.CreateBadges, s.apiCreateTemplate))
	r.Get("/form-templates/{id}", s.WithOrgFor(account.CreateBadges, s.apiTemplate))
	r.Put("/form-templates/{id}", s.WithOrgFor(account.CreateBadges, s.apiUpdateTemplate))
	r.Delete("/form-templates/{id}", s.WithOrgFor(account.CreateBadges, s.apiDeleteTemplate))
	r.Get("/application-forms", s.WithOrgFor(account.CreateBadges, s.apiForms))
	r.Post("/application-forms", s.WithOrgFor(account.CreateBadges, s.apiCreateForm))
	r.Get("/application-forms/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiForm))
	r.Patch("/application-forms/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiPatchForm))
	r.Get("/application-forms/{uuid}/reviewers", s.WithOrgFor(account.CreateBadges, s.apiReviewers))
	r.Post("/application-forms/{uuid}/reviewers", s.WithOrgFor(account.CreateBadges, s.apiAddReviewer))
	r.Delete("/application-forms/{uuid}/reviewers/{id}", s.WithOrgFor(account.CreateBadges, s.apiRemoveReviewer))
	r.Get("/applications", s.withReviewOrg(s.apiList))
	r.Get("/applications.csv", s.withReviewOrg(s.apiCSV))
}

// APIRoutes mounts, under /api/v1 for a signed-in caller, one application
// and its decision (ReviewApplications: the organisation's admins and
// reviewers, and its applicant for reading).
func (s *Handlers) APIRoutes(r chi.Router) {
	r.Get("/applications/{uuid}", s.apiApplication)
	r.Post("/applications/{uuid}/decision", s.apiDecide)
}

// MeAPIRoutes mounts the signed-in applicant's own applications under
// /api/v1/me.
func (s *Handlers) MeAPIRoutes(r chi.Router) {
	r.Get("/applications", s.apiMine)
	r.Post("/applications/{uuid}/withdraw", s.apiWithdraw)
}

// PublicAPIRoutes mounts, under /api/v1 for anyone (signed in or not),
// a public form, applying on it, and a review link's decision.
func (s *Handlers) PublicAPIRoutes(r chi.Router) {
	r.Get("/apply/{token}", s.apiPublicForm)
	r.Post("/apply/{token}", s.apiApply)
	r.Post("/review/{token}", s.apiReview)
}

// UIRoutes mounts the pages for signed-in members: the creator tools'
// "Form templates" and "Badge applications" (CreateBadges for templates
// and forms, ReviewApplications for the list), and one application's page
// (its reviewers decide there; an applicant with an account withdraws).
func (s *Handlers) UIRoutes(r chi.Router) {
	r.Get("/creator/{slug}/form-templates", s.WithOrgFor(account.CreateBadges, s.templatesPage))
	r.Post("/creator/{slug}/form-templates", s.WithOrgFor(account.CreateBadges, s.createTemplate))
	r.Get("/creator/{slug}/form-templates/new", s.WithOrgFor(account.CreateBadges, s.newTemplatePage))
	r.Get("/creator/{slug}/form-templates/{id}", s.WithOrgFor(account.CreateBadges, s.templatePage))
	r.Post("/creator/{slug}/form-templates/{id}", s.WithOrgFor(account.CreateBadges, s.updateTemplate))
	r.Post("/creator/{slug}/form-templates/{id}/delete", s.WithOrgFor(account.CreateBadges, s.deleteTemplate))
	r.Get("/creator/{slug}/applications", s.withReviewOrg(s.applicationsPage))
	r.Get("/creator/{slug}/application-forms/new", s.WithOrgFor(account.CreateBadges, s.newFormPage))
	r.Post("/creator/{slug}/application-forms", s.WithOrgFor(account.CreateBadges, s.createForm))
	r.Get("/creator/{slug}/application-forms/{uuid}", s.WithOrgFor(account.CreateBadges, s.formPage))
	r.Post("/creator/{slug}/application-forms/{uuid}", s.WithOrgFor(account.CreateBadges, s.updateForm))
	r.Post("/creator/{slug}/application-forms/{uuid}/reviewers", s.WithOrgFor(account.CreateBadges, s.addReviewer))
	r.Post("/creator/{slug}/application-forms/{uuid}/reviewers/{id}/delete", s.WithOrgFor(account.CreateBadges, s.removeReviewer))
	r.Get("/applications/{uuid}", s.applicationPage)
	r.Post("/applications/{uuid}/decision", s.decide)
	r.Post("/applications/{uuid}/withdraw", s.withdraw)
}

// PublicRoutes mounts the pages anyone may open: the form and applying,
// the confirmation, the applicant's page, the review link, and the
// evidence files (authorised by application.FileFor).
func (s *Handlers) PublicRoutes(r chi.Router) {
	r.Get("/apply/{token}", s.applyPage)
	r.Post("/apply/{token}", s.applySubmit)
	r.Get("/apply/confirm/{token}", s.confirmPage)
	r.Post("/apply/confirm/{token}", s.confirm)
	r.Get("/apply/mine/{token}", s.minePage)
	r.Post("/apply/mine/{token}/withdraw", s.mineWithdraw)
	r.Get("/review/{token}", s.reviewPage)
	r.Post("/review/{token}", s.reviewSubmit)
	r.Get("/applications/{uuid}/files/{file}", s.file)
}

// T is message id in the reader's language, as kit's pages choose it:
// their setting when signed in, else their browser's.
func (s *Handlers) T(r *http.Request, id string, args ...any) string {
	setting := ""
	if u, ok := kit.CurrentUser(r); ok {
		setting = u.Language
	}
	cat := s.Deps.Locale
	return cat.For(cat.Match(setting, r.Header.Get("Accept-Language"))).T(id, args...)
}

// Listed is a form the organisation's public page links to.
type Listed struct {
	Title, BadgeName, URL string
}

// ListedForms are the forms of organisation orgID that its public page
// shows: listed, of an unarchived badge, not closed.
func (s *Handlers) ListedForms(r *http.Request, orgID int64) ([]Listed, error) {
	forms, err := application.Forms(r.Context(), s.Deps.Pool, orgID, true)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, len(forms))
	for i, f := range forms {
		out[i] = Listed{Title: f.Title, BadgeName: f.BadgeName, URL: "/apply/" + f.Token}
	}
	return out, nil
}
