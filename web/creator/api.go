package creator

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/criteria"
	"github.com/laurelnet/laurel/designer"
	"github.com/laurelnet/laurel/imagelib"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mailtemplate"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// ---- Milestones

// milestoneJSON is a milestone as the API shows it.
type milestoneJSON struct {
	Badge                  string            `json:"badge"` // the badge class's uuid
	BadgeClass             string            `json:"badge_class"`
	Name                   string            `json:"name"`
	Organisation           string            `json:"organisation"`
	Archived               bool              `json:"archived"`
	Rule                   string            `json:"rule"`
	Required               int               `json:"required"`
	Summary                string            `json:"summary"`
	Requirements           []requirementJSON `json:"requirements"`
	Tags                   []string          `json:"tags"`
	Partners               []string          `json:"partners"`
	RevokeWithRequirements bool              `json:"revoke_with_requirements"`
	CreatedAt              time.Time         `json:"created_at"`
	UpdatedAt              time.Time         `json:"updated_at"`
}

type requirementJSON struct {
	Badge   string `json:"badge,omitempty"` // an own badge class's uuid
	URL     string `json:"url"`             // the BadgeClass id
	Name    string `json:"name"`
	Partner bool   `json:"partner"`
}

func (s *Handlers) milestoneJSON(m milestone.Milestone) milestoneJSON {
	out := milestoneJSON{Badge: m.BadgeUUID, BadgeClass: s.URLs().BadgeClass(m.BadgeUUID), Name: m.Name,
		Organisation: m.OrganisationSlug, Archived: m.Archived, Rule: m.Rule, Required: m.Required,
		Summary: m.Summary(), Requirements: []requirementJSON{}, Tags: nonNil(m.Tags), Partners: nonNil(m.Partners),
		RevokeWithRequirements: m.RevokeWithRequirements, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	for _, q := range m.Requirements {
		out.Requirements = append(out.Requirements, requirementOf(q))
	}
	return out
}

func requirementOf(q milestone.Requirement) requirementJSON {
	return requirementJSON{Badge: q.BadgeUUID, URL: q.BadgeURL, Name: q.Name, Partner: q.Partner}
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// milestoneBody is a milestone as the API takes it.
type milestoneBody struct {
	Badge        string `json:"badge"`
	Rule         string `json:"rule"`
	Required     int    `json:"required"`
	Requirements []struct {
		Badge string `json:"badge"`
		Name  string `json:"name"`
	} `json:"requirements"`
	Tags                   []string `json:"tags"`
	Partners               []string `json:"partners"`
	RevokeWithRequirements bool     `json:"revoke_with_requirements"`
}

func (b milestoneBody) input() milestone.Input {
	in := milestone.Input{Badge: b.Badge, Rule: b.Rule, Required: b.Required, Tags: b.Tags, Partners: b.Partners,
		RevokeWithRequirements: b.RevokeWithRequirements}
	for _, q := range b.Requirements {
		in.Requirements = append(in.Requirements, milestone.RequirementInput{Badge: q.Badge, Name: q.Name})
	}
	return in
}

func (s *Handlers) apiMilestones(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := milestone.List(r.Context(), s.Deps.Pool, s.URLs(), o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]milestoneJSON, len(list))
	for i, m := range list {
		out[i] = s.milestoneJSON(m)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

// milestoneQueue is where saving a milestone queues its backfill (the
// earners who meet it already), or nil on a node without jobs.
func (s *Handlers) milestoneQueue() issuer.Queue {
	if s.Deps.River == nil {
		return nil
	}
	return s.Deps.River
}

// orgMilestone is the milestone of the path's {badge}, if it is o's.
func (s *Handlers) orgMilestone(r *http.Request, o issuer.Organisation) (milestone.Milestone, error) {
	id := chi.URLParam(r, "badge")
	m, err := milestone.ByBadge(r.Context(), s.Deps.Pool, s.URLs(), id)
	if err == nil && m.OrganisationID != o.ID {
		err = problem.NotFoundf("no milestone %q in %s", id, o.Slug)
	}
	return m, err
}

func (s *Handlers) apiMilestone(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	m, err := s.orgMilestone(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.milestoneJSON(m))
}

func (s *Handlers) apiCreateMilestone(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body milestoneBody
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	m, err := milestone.Create(r.Context(), s.Deps.Pool, s.milestoneQueue(), s.URLs(), o.ID, body.input())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, s.milestoneJSON(m))
}

func (s *Handlers) apiUpdateMilestone(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body milestoneBody
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	id := chi.URLParam(r, "badge")
	if body.Badge != "" && body.Badge != id {
		s.Fail(w, r, problem.Invalidf("badge", "cannot change: a milestone stays the badge it was made of"))
		return
	}
	m, err := milestone.Update(r.Context(), s.Deps.Pool, s.milestoneQueue(), s.URLs(), o.ID, id, body.input())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.milestoneJSON(m))
}

func (s *Handlers) apiDeleteMilestone(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := milestone.Delete(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "badge")); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiPublicMilestone is the rule of a milestone badge, for anyone: its
// requirements are part of its public criteria.
func (s *Handlers) apiPublicMilestone(w http.ResponseWriter, r *http.Request) {
	m, err := milestone.ByBadge(r.Context(), s.Deps.Pool, s.URLs(), chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.milestoneJSON(m))
}

// progressJSON is how far the signed-in earner is toward a milestone.
type progressJSON struct {
	Milestone milestoneJSON     `json:"milestone"`
	Count     int               `json:"count"`
	Required  int               `json:"required"`
	Met       []metJSON         `json:"met"`
	Missing   []requirementJSON `json:"missing"`
	Earned    bool              `json:"earned"`
	Assertion string            `json:"assertion,omitempty"` // the awarded assertion's id
}

type metJSON struct {
	Name     string `json:"name"`
	BadgeURL string `json:"badge_class"`
}

func (s *Handlers) apiMyMilestones(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	list, err := milestone.ProgressOf(r.Context(), s.Deps.Pool, s.URLs(), u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]progressJSON, len(list))
	for i, p := range list {
		out[i] = progressJSON{Milestone: s.milestoneJSON(p.Milestone), Count: p.Count, Required: p.Required,
			Met: []metJSON{}, Missing: []requirementJSON{}, Earned: p.Earned}
		if p.AssertionUUID != "" {
			out[i].Assertion = s.URLs().Assertion(p.AssertionUUID)
		}
		for _, m := range p.Met {
			out[i].Met = append(out[i].Met, metJSON{Name: m.Name, BadgeURL: m.BadgeURL})
		}
		for _, q := range p.Missing {
			out[i].Missing = append(out[i].Missing, requirementOf(q))
		}
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

// ---- Image library

// imageJSON is a library image as the API shows it.
type imageJSON struct {
	UUID      string           `json:"uuid"`
	Name      string           `json:"name"`
	Tags      []string         `json:"tags"`
	Type      string           `json:"type"`
	Size      int              `json:"size"`
	Design    *designer.Design `json:"design"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	URL       string           `json:"url"`
	Uses      []useJSON        `json:"uses,omitempty"`
}

type useJSON struct {
	Badge   string `json:"badge"`
	Name    string `json:"name"`
	Current bool   `json:"current"`
}

func (s *Handlers) imageJSON(o issuer.Organisation, im imagelib.Image) imageJSON {
	return imageJSON{UUID: im.UUID, Name: im.Name, Tags: nonNil(im.Tags), Type: im.Type, Size: im.Size, Design: im.Design,
		CreatedAt: im.CreatedAt, UpdatedAt: im.UpdatedAt,
		URL: strings.TrimSuffix(s.Deps.BaseURL.String(), "/") + imageFileAPI(o, im.UUID)}
}

// imageFileAPI is where an image's bytes are, for members.
func imageFileAPI(o issuer.Organisation, id string) string {
	return "/api/v1/orgs/" + o.Slug + "/images/" + id + "/file"
}

func usesJSON(uses []imagelib.Use) []useJSON {
	out := []useJSON{}
	for _, u := range uses {
		out = append(out, useJSON{Badge: u.Badge.UUID, Name: u.Badge.Name, Current: u.Current})
	}
	return out
}

func (s *Handlers) apiImages(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	q := r.URL.Query()
	list, err := imagelib.List(r.Context(), s.Deps.Pool, o.ID, imagelib.Filter{Tag: q.Get("tag"), Name: q.Get("name")})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]imageJSON, len(list))
	for i, im := range list {
		out[i] = s.imageJSON(o, im)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

func (s *Handlers) apiImageTags(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := imagelib.Tags(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	type tagJSON struct {
		Tag    string `json:"tag"`
		Images int    `json:"images"`
	}
	out := make([]tagJSON, len(list))
	for i, t := range list {
		out[i] = tagJSON{t.Tag, t.Images}
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

// splitTags reads a comma-separated list of tags.
func splitTags(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// readImageUpload reads an image upload: multipart name, tags and image, or
// JSON {name, tags, image: "data:…"}.
func readImageUpload(w http.ResponseWriter, r *http.Request) (imagelib.Meta, []byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, kit.ImageFormLimit)
		if err := r.ParseMultipartForm(issuer.MaxImageBytes + 64<<10); err != nil {
			return imagelib.Meta{}, nil, kit.BadMultipart(err)
		}
		data, err := kit.FormImage(r, "image")
		if err == nil && data == nil {
			err = problem.Invalidf("image", "is required: a PNG or SVG file")
		}
		return imagelib.Meta{Name: r.PostForm.Get("name"), Tags: splitTags(r.PostForm.Get("tags"))}, data, err
	}
	var body struct {
		Name  string   `json:"name"`
		Tags  []string `json:"tags"`
		Image string   `json:"image"`
	}
	if err := kit.DecodeJSON(r, &body); err != nil {
		return imagelib.Meta{}, nil, err
	}
	if body.Image == "" {
		return imagelib.Meta{}, nil, problem.Invalidf("image", "is required: a data: URL of a PNG or SVG")
	}
	data, err := issuer.DecodeDataURL("image", body.Image)
	return imagelib.Meta{Name: body.Name, Tags: body.Tags}, data, err
}

func (s *Handlers) apiUploadImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	m, data, err := readImageUpload(w, r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	im, err := imagelib.Upload(r.Context(), s.Deps.Pool, o.ID, m, data)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, s.imageJSON(o, im))
}

func (s *Handlers) apiImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id := chi.URLParam(r, "uuid")
	im, err := imagelib.Get(r.Context(), s.Deps.Pool, o.ID, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	uses, err := imagelib.Uses(r.Context(), s.Deps.Pool, o.ID, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := s.imageJSON(o, im)
	out.Uses = usesJSON(uses)
	kit.WriteJSON(w, http.StatusOK, out)
}

// imageFile serves a library image's bytes to the organisation's members.
func (s *Handlers) imageFile(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	img, err := imagelib.Data(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// The library is private: no shared cache keeps it.
	writeImage(w, img, "private, max-age=60")
}

// writeImage answers with an image as kit.WriteImage does (an SVG may run
// nothing), cached as cache says.
func writeImage(w http.ResponseWriter, img issuer.Image, cache string) {
	w.Header().Set("Content-Type", img.Type)
	w.Header().Set("Content-Length", strconv.Itoa(len(img.Data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
	w.Header().Set("Cache-Control", cache)
	_, _ = w.Write(img.Data)
}

func (s *Handlers) apiRenameImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	im, err := imagelib.Rename(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"), imagelib.Meta{Name: body.Name, Tags: body.Tags})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.imageJSON(o, im))
}

func (s *Handlers) apiDeleteImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	uses, err := imagelib.Delete(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	type kept struct {
		Badge string `json:"badge"`
		Name  string `json:"name"`
	}
	out := struct {
		KeptBy []kept `json:"kept_by"`
	}{KeptBy: []kept{}}
	for _, u := range uses {
		out.KeptBy = append(out.KeptBy, kept{u.Badge.UUID, u.Badge.Name})
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

// ---- Designer

func (s *Handlers) apiDesigner(w http.ResponseWriter, r *http.Request) {
	kit.WriteJSON(w, http.StatusOK, map[string]any{
		"shapes": designer.Shapes, "icons": s.designer.Icons(),
		"limits":  map[string]int{"lines": designer.MaxLines, "line_characters": designer.MaxLineRunes, "border_width": designer.MaxBorderWidth},
		"default": designer.Default(),
	})
}

// writeDesign answers with design d drawn in format (svg or png).
func (s *Handlers) writeDesign(w http.ResponseWriter, r *http.Request, d designer.Design, format string) {
	if format == "" {
		format = imagelib.FormatSVG
	}
	if format != imagelib.FormatSVG && format != imagelib.FormatPNG {
		s.Fail(w, r, problem.Invalidf("format", "must be png or svg"))
		return
	}
	_, img, err := s.designer.Render(d)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := issuer.Image{Type: "image/svg+xml", Data: img.SVG}
	if format == imagelib.FormatPNG {
		out = issuer.Image{Type: "image/png", Data: img.PNG}
	}
	// The same design always gives the same bytes.
	writeImage(w, out, "private, max-age=3600")
}

func (s *Handlers) apiDesignerPreview(w http.ResponseWriter, r *http.Request) {
	var d designer.Design
	if err := kit.DecodeJSON(r, &d); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeDesign(w, r, d, r.URL.Query().Get("format"))
}

type designBody struct {
	Name   string          `json:"name"`
	Tags   []string        `json:"tags"`
	Design designer.Design `json:"design"`
	Format string          `json:"format"`
}

func (s *Handlers) apiCreateDesign(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body designBody
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	im, err := imagelib.CreateDesign(r.Context(), s.Deps.Pool, s.designer, o.ID, imagelib.DesignInput{
		Meta: imagelib.Meta{Name: body.Name, Tags: body.Tags}, Design: body.Design, Format: orPNG(body.Format)})
	if err != nil {
		s.Fail(w, r, prefixDesign(err))
		return
	}
	kit.WriteJSON(w, http.StatusCreated, s.imageJSON(o, im))
}

func orPNG(format string) string {
	if format == "" {
		return imagelib.FormatPNG
	}
	return format
}

// prefixDesign names a design's field as the body has it (design.lines[1]).
func prefixDesign(err error) error {
	p, ok := problem.As(err)
	if !ok || p.Field == "" || p.Field == "name" || p.Field == "format" || strings.HasPrefix(p.Field, "tags") {
		return err
	}
	return problem.Invalidf("design."+p.Field, "%s", p.Message)
}

func (s *Handlers) apiRedesign(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body struct {
		Design designer.Design `json:"design"`
		Format string          `json:"format"`
	}
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	im, err := imagelib.Redesign(r.Context(), s.Deps.Pool, s.designer, o.ID, chi.URLParam(r, "uuid"), body.Design, orPNG(body.Format))
	if err != nil {
		s.Fail(w, r, prefixDesign(err))
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.imageJSON(o, im))
}

// ---- Criteria templates

type criteriaTemplateJSON struct {
	UUID      string    `json:"uuid"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updated_at"`
}

func criteriaJSON(t criteria.Template) criteriaTemplateJSON {
	return criteriaTemplateJSON{UUID: t.UUID, Name: t.Name, Body: t.Body, UpdatedAt: t.UpdatedAt}
}

func (s *Handlers) apiCriteriaTemplates(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := criteria.List(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]criteriaTemplateJSON, len(list))
	for i, t := range list {
		out[i] = criteriaJSON(t)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

type criteriaBody struct {
	Name string `json:"name"`
	Body string `json:"body"`
}

func (s *Handlers) apiCreateCriteriaTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body criteriaBody
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	t, err := criteria.Create(r.Context(), s.Deps.Pool, o.ID, criteria.Input(body))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, criteriaJSON(t))
}

func (s *Handlers) apiUpdateCriteriaTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body criteriaBody
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	t, err := criteria.Update(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"), criteria.Input(body))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, criteriaJSON(t))
}

func (s *Handlers) apiDeleteCriteriaTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := criteria.Delete(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid")); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiFillCriteriaTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body struct {
		Badge      string                  `json:"badge"`
		Alignments []vocab.AlignmentObject `json:"alignments"`
	}
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	text, err := criteria.Fill(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"),
		criteria.Values{Badge: body.Badge, Issuer: o.Name, Alignments: body.Alignments})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]string{"narrative": text})
}

// ---- Email templates

type emailTemplateJSON struct {
	UUID      string    `json:"uuid"`
	Kind      string    `json:"kind"`
	Language  string    `json:"language"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	Default   bool      `json:"default"`
	UpdatedAt time.Time `json:"updated_at"`
}

func emailJSON(t mailtemplate.Template) emailTemplateJSON {
	return emailTemplateJSON{UUID: t.UUID, Kind: t.Kind, Language: t.Language, Subject: t.Subject, Body: t.Body,
		Default: t.Default, UpdatedAt: t.UpdatedAt}
}

func (s *Handlers) apiEmailTemplates(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := mailtemplate.List(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]emailTemplateJSON, len(list))
	for i, t := range list {
		out[i] = emailJSON(t)
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(out))
}

func (s *Handlers) apiEmailStarter(w http.ResponseWriter, r *http.Request) {
	kind := chi.URLParam(r, "kind")
	names, ok := mailtemplate.Placeholders[kind]
	if !ok {
		s.Fail(w, r, problem.NotFoundf("no kind of email %q; the kinds are %s", kind, strings.Join(mailtemplate.Kinds, ", ")))
		return
	}
	st := mailtemplate.Starter(kind)
	kit.WriteJSON(w, http.StatusOK, map[string]any{"kind": kind, "language": st.Language, "subject": st.Subject,
		"body": st.Body, "placeholders": names})
}

func (s *Handlers) apiSaveEmailTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body struct {
		Subject string `json:"subject"`
		Body    string `json:"body"`
		Default bool   `json:"default"`
	}
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	t, err := mailtemplate.Save(r.Context(), s.Deps.Pool, o.ID, mailtemplate.Input{Kind: chi.URLParam(r, "kind"),
		Language: chi.URLParam(r, "language"), Subject: body.Subject, Body: body.Body, Default: body.Default})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, emailJSON(t))
}

func (s *Handlers) apiDeleteEmailTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := mailtemplate.Delete(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid")); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiPreviewEmailTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var body struct {
		Kind     string `json:"kind"`
		Language string `json:"language"`
		Subject  string `json:"subject"`
		Body     string `json:"body"`
	}
	if err := kit.DecodeJSON(r, &body); err != nil {
		s.Fail(w, r, err)
		return
	}
	msg, err := mailtemplate.Preview(mailtemplate.Input{Kind: body.Kind, Language: body.Language, Subject: body.Subject, Body: body.Body},
		mailtemplate.SampleValues(o.Name, s.Deps.BaseURL.String()))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]string{"subject": msg.Subject, "text": msg.Text})
}
