// Package creator serves the creator tools of issue 16 that are not the
// badge library itself: milestone badges, the image library and the badge
// designer, criteria page templates and email templates. Pages live under
// /creator/{slug}/…, the API under /api/v1/orgs/{slug}/…; the domain rules
// are in packages milestone, imagelib, designer, criteria and mailtemplate.
package creator

import (
	"fmt"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/designer"
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the creator tools' pages and API.
type Handlers struct {
	*kit.Kit
	designer *designer.Designer
}

// New returns the handlers on k; it parses the designer's fonts and icons.
func New(k *kit.Kit) (*Handlers, error) {
	g, err := designer.New()
	if err != nil {
		return nil, fmt.Errorf("start the badge designer: %w", err)
	}
	return &Handlers{Kit: k, designer: g}, nil
}

// Designer is the node's badge designer, shared with the badge editor.
func (s *Handlers) Designer() *designer.Designer { return s.designer }

// OrgAPIRoutes are the API under /api/v1/orgs/{slug}, for the members who
// act for the organisation (creators).
func (s *Handlers) OrgAPIRoutes(r chi.Router) {
	r.Get("/milestones", s.WithOrgFor(account.CreateBadges, s.apiMilestones))
	r.Post("/milestones", s.WithOrgFor(account.CreateBadges, s.apiCreateMilestone))
	r.Get("/milestones/{badge}", s.WithOrgFor(account.CreateBadges, s.apiMilestone))
	r.Put("/milestones/{badge}", s.WithOrgFor(account.CreateBadges, s.apiUpdateMilestone))
	r.Delete("/milestones/{badge}", s.WithOrgFor(account.CreateBadges, s.apiDeleteMilestone))

	r.Get("/images", s.WithOrgFor(account.CreateBadges, s.apiImages))
	r.Get("/images/tags", s.WithOrgFor(account.CreateBadges, s.apiImageTags))
	r.Post("/images", s.WithOrgFor(account.CreateBadges, s.apiUploadImage))
	r.Post("/images/designs", s.WithOrgFor(account.CreateBadges, s.apiCreateDesign))
	r.Get("/images/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiImage))
	r.Get("/images/{uuid}/file", s.WithOrgFor(account.CreateBadges, s.imageFile))
	r.Patch("/images/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiRenameImage))
	r.Put("/images/{uuid}/design", s.WithOrgFor(account.CreateBadges, s.apiRedesign))
	r.Delete("/images/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiDeleteImage))

	r.Get("/criteria-templates", s.WithOrgFor(account.CreateBadges, s.apiCriteriaTemplates))
	r.Post("/criteria-templates", s.WithOrgFor(account.CreateBadges, s.apiCreateCriteriaTemplate))
	r.Put("/criteria-templates/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiUpdateCriteriaTemplate))
	r.Delete("/criteria-templates/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiDeleteCriteriaTemplate))
	r.Post("/criteria-templates/{uuid}/fill", s.WithOrgFor(account.CreateBadges, s.apiFillCriteriaTemplate))

	r.Get("/email-templates", s.WithOrgFor(account.CreateBadges, s.apiEmailTemplates))
	r.Put("/email-templates/{kind}/{language}", s.WithOrgFor(account.CreateBadges, s.apiSaveEmailTemplate))
	r.Delete("/email-templates/{uuid}", s.WithOrgFor(account.CreateBadges, s.apiDeleteEmailTemplate))
	r.Post("/email-templates/preview", s.WithOrgFor(account.CreateBadges, s.apiPreviewEmailTemplate))
}

// UserAPIRoutes are the API for any signed-in user, under /api/v1.
func (s *Handlers) UserAPIRoutes(r chi.Router) {
	r.Get("/designer", s.apiDesigner)
	r.Post("/designer/preview", s.apiDesignerPreview)
	r.Get("/email-templates/{kind}/starter", s.apiEmailStarter)
}

// MeAPIRoutes are under /api/v1/me.
func (s *Handlers) MeAPIRoutes(r chi.Router) {
	r.Get("/milestones", s.apiMyMilestones)
}

// PublicAPIRoutes are under /api/v1 for anyone.
func (s *Handlers) PublicAPIRoutes(r chi.Router) {
	r.Get("/badges/{uuid}/milestone", s.apiPublicMilestone)
}

// UIRoutes are the pages, for signed-in users; each under a slug checks
// the user acts for the organisation.
func (s *Handlers) UIRoutes(r chi.Router) {
	r.Get("/creator/{slug}/milestones", s.WithOrgFor(account.CreateBadges, s.milestonesPage))
	r.Get("/creator/{slug}/milestones/new", s.WithOrgFor(account.CreateBadges, s.milestoneForm))
	r.Post("/creator/{slug}/milestones", s.WithOrgFor(account.CreateBadges, s.saveMilestone))
	r.Get("/creator/{slug}/milestones/{badge}/edit", s.WithOrgFor(account.CreateBadges, s.milestoneForm))
	r.Post("/creator/{slug}/milestones/{badge}", s.WithOrgFor(account.CreateBadges, s.saveMilestone))
	r.Post("/creator/{slug}/milestones/{badge}/delete", s.WithOrgFor(account.CreateBadges, s.deleteMilestone))

	r.Get("/creator/{slug}/images", s.WithOrgFor(account.CreateBadges, s.imagesPage))
	r.Post("/creator/{slug}/images", s.WithOrgFor(account.CreateBadges, s.uploadImage))
	r.Get("/creator/{slug}/images/{uuid}/file", s.WithOrgFor(account.CreateBadges, s.imageFile))
	r.Post("/creator/{slug}/images/{uuid}", s.WithOrgFor(account.CreateBadges, s.renameImage))
	r.Post("/creator/{slug}/images/{uuid}/delete", s.WithOrgFor(account.CreateBadges, s.deleteImage))

	r.Get("/creator/{slug}/designer", s.WithOrgFor(account.CreateBadges, s.designerPage))
	r.Get("/creator/{slug}/designer/preview.svg", s.WithOrgFor(account.CreateBadges, s.designerPreview))
	r.Post("/creator/{slug}/designer", s.WithOrgFor(account.CreateBadges, s.saveDesign))

	r.Get("/creator/{slug}/criteria-templates", s.WithOrgFor(account.CreateBadges, s.criteriaTemplatesPage))
	r.Post("/creator/{slug}/criteria-templates", s.WithOrgFor(account.CreateBadges, s.saveCriteriaTemplate))
	r.Get("/creator/{slug}/criteria-templates/{uuid}/edit", s.WithOrgFor(account.CreateBadges, s.criteriaTemplatesPage))
	r.Post("/creator/{slug}/criteria-templates/{uuid}", s.WithOrgFor(account.CreateBadges, s.saveCriteriaTemplate))
	r.Post("/creator/{slug}/criteria-templates/{uuid}/delete", s.WithOrgFor(account.CreateBadges, s.deleteCriteriaTemplate))

	r.Get("/creator/{slug}/email-templates", s.WithOrgFor(account.CreateBadges, s.emailTemplatesPage))
	r.Post("/creator/{slug}/email-templates", s.WithOrgFor(account.CreateBadges, s.saveEmailTemplate))
	r.Post("/creator/{slug}/email-templates/{uuid}/delete", s.WithOrgFor(account.CreateBadges, s.deleteEmailTemplate))
}
