// Package creator serves the creator tools of issue 16 that are not the
// badge library itself: milestone badges, the image library and the badge
// designer, criteria page templates and email templates. Pages live under
// /creator/{slug}/…, the API under /api/v1/orgs/{slug}/…; the domain rules
// are in packages milestone, imagelib, designer, criteria and mailtemplate.
package creator

import (
	"fmt"

	"github.com/go-chi/chi/v5"

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
	r.Get("/milestones", s.WithOrg(s.apiMilestones))
	r.Post("/milestones", s.WithOrg(s.apiCreateMilestone))
	r.Get("/milestones/{badge}", s.WithOrg(s.apiMilestone))
	r.Put("/milestones/{badge}", s.WithOrg(s.apiUpdateMilestone))
	r.Delete("/milestones/{badge}", s.WithOrg(s.apiDeleteMilestone))

	r.Get("/images", s.WithOrg(s.apiImages))
	r.Get("/images/tags", s.WithOrg(s.apiImageTags))
	r.Post("/images", s.WithOrg(s.apiUploadImage))
	r.Post("/images/designs", s.WithOrg(s.apiCreateDesign))
	r.Get("/images/{uuid}", s.WithOrg(s.apiImage))
	r.Get("/images/{uuid}/file", s.WithOrg(s.imageFile))
	r.Patch("/images/{uuid}", s.WithOrg(s.apiRenameImage))
	r.Put("/images/{uuid}/design", s.WithOrg(s.apiRedesign))
	r.Delete("/images/{uuid}", s.WithOrg(s.apiDeleteImage))

	r.Get("/criteria-templates", s.WithOrg(s.apiCriteriaTemplates))
	r.Post("/criteria-templates", s.WithOrg(s.apiCreateCriteriaTemplate))
	r.Put("/criteria-templates/{uuid}", s.WithOrg(s.apiUpdateCriteriaTemplate))
	r.Delete("/criteria-templates/{uuid}", s.WithOrg(s.apiDeleteCriteriaTemplate))
	r.Post("/criteria-templates/{uuid}/fill", s.WithOrg(s.apiFillCriteriaTemplate))

	r.Get("/email-templates", s.WithOrg(s.apiEmailTemplates))
	r.Put("/email-templates/{kind}/{language}", s.WithOrg(s.apiSaveEmailTemplate))
	r.Delete("/email-templates/{uuid}", s.WithOrg(s.apiDeleteEmailTemplate))
	r.Post("/email-templates/preview", s.WithOrg(s.apiPreviewEmailTemplate))
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
	r.Get("/creator/{slug}/milestones", s.WithOrg(s.milestonesPage))
	r.Get("/creator/{slug}/milestones/new", s.WithOrg(s.milestoneForm))
	r.Post("/creator/{slug}/milestones", s.WithOrg(s.saveMilestone))
	r.Get("/creator/{slug}/milestones/{badge}/edit", s.WithOrg(s.milestoneForm))
	r.Post("/creator/{slug}/milestones/{badge}", s.WithOrg(s.saveMilestone))
	r.Post("/creator/{slug}/milestones/{badge}/delete", s.WithOrg(s.deleteMilestone))

	r.Get("/creator/{slug}/images", s.WithOrg(s.imagesPage))
	r.Post("/creator/{slug}/images", s.WithOrg(s.uploadImage))
	r.Get("/creator/{slug}/images/{uuid}/file", s.WithOrg(s.imageFile))
	r.Post("/creator/{slug}/images/{uuid}", s.WithOrg(s.renameImage))
	r.Post("/creator/{slug}/images/{uuid}/delete", s.WithOrg(s.deleteImage))

	r.Get("/creator/{slug}/designer", s.WithOrg(s.designerPage))
	r.Get("/creator/{slug}/designer/preview.svg", s.WithOrg(s.designerPreview))
	r.Post("/creator/{slug}/designer", s.WithOrg(s.saveDesign))

	r.Get("/creator/{slug}/criteria-templates", s.WithOrg(s.criteriaTemplatesPage))
	r.Post("/creator/{slug}/criteria-templates", s.WithOrg(s.saveCriteriaTemplate))
	r.Get("/creator/{slug}/criteria-templates/{uuid}/edit", s.WithOrg(s.criteriaTemplatesPage))
	r.Post("/creator/{slug}/criteria-templates/{uuid}", s.WithOrg(s.saveCriteriaTemplate))
	r.Post("/creator/{slug}/criteria-templates/{uuid}/delete", s.WithOrg(s.deleteCriteriaTemplate))

	r.Get("/creator/{slug}/email-templates", s.WithOrg(s.emailTemplatesPage))
	r.Post("/creator/{slug}/email-templates", s.WithOrg(s.saveEmailTemplate))
	r.Post("/creator/{slug}/email-templates/{uuid}/delete", s.WithOrg(s.deleteEmailTemplate))
}
