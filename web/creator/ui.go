package creator

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/criteria"
	"github.com/laurelnet/laurel/designer"
	"github.com/laurelnet/laurel/imagelib"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mailtemplate"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// toolPage is what every creator tools page gets: the organisation, the
// notice of the last form, and the page's own data.
type toolPage struct {
	Org    issuer.Organisation
	Tab    string // which tool, for the tools menu
	Notice kit.Notice
	// Invalid is the control a problem is about, for aria-invalid.
	Invalid string
	Data    any
}

// render shows page name (a template in web/templates) for o.
func (s *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name, title, message string,
	o issuer.Organisation, tab, invalid string, data any) {
	s.Render(w, r, status, name, kit.PageData{Title: title, Message: message,
		Data: toolPage{Org: o, Tab: tab, Notice: s.PopNotice(r), Invalid: invalid, Data: data}})
}

// problemOf is the message and field of err when it is the client's
// problem; ok is false for anything else (then Fail answers).
func problemOf(err error) (message, field string, status int, ok bool) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Sprintf("the form is larger than %d KB", tooLarge.Limit>>10), "", http.StatusRequestEntityTooLarge, true
	}
	p, ok := problem.As(err)
	if !ok {
		return "", "", 0, false
	}
	message = p.Message
	if p.Field != "" {
		message = p.Field + ": " + message
	}
	return message, p.Field, kit.StatusOf[p.Kind], true
}

// ---- Milestones

type milestonesData struct {
	Milestones []milestone.Milestone
}

func (s *Handlers) milestonesPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := milestone.List(r.Context(), s.Deps.Pool, s.URLs(), o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "ct_milestones", "milestones.title", "", o, "milestones", "", milestonesData{Milestones: list})
}

// milestoneFormData is the milestone form as shown or as filled in.
type milestoneFormData struct {
	Editing  *milestone.Milestone // nil for a new one
	Badges   []issuer.BadgeClass  // the organisation's badges, to choose the milestone and its requirements
	Badge    string
	Rule     string
	Required string
	Picked   []string // uuids of own badges required
	External string   // partners' BadgeClass URLs, one a line, optionally followed by a name
	Tags     string
	Partners string // issuer Profile ids, one a line
	Revoke   bool
}

// Chosen tells whether badge uuid is a requirement.
func (f milestoneFormData) Chosen(uuid string) bool { return slices.Contains(f.Picked, uuid) }

func (s *Handlers) milestoneForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	f := milestoneFormData{Rule: milestone.RuleAll}
	if chi.URLParam(r, "badge") != "" {
		m, err := s.orgMilestone(r, o)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		f = formOfMilestone(m)
	}
	s.showMilestoneForm(w, r, http.StatusOK, "", "", o, f)
}

func formOfMilestone(m milestone.Milestone) milestoneFormData {
	f := milestoneFormData{Editing: &m, Badge: m.BadgeUUID, Rule: m.Rule, Tags: strings.Join(m.Tags, ", "),
		Partners: strings.Join(m.Partners, "\n"), Revoke: m.RevokeWithRequirements}
	if m.Rule != milestone.RuleAll {
		f.Required = strconv.Itoa(m.Required)
	}
	var ext []string
	for _, q := range m.Requirements {
		if q.Partner {
			ext = append(ext, strings.TrimSpace(q.BadgeURL+" "+q.Name))
		} else {
			f.Picked = append(f.Picked, q.BadgeUUID)
		}
	}
	f.External = strings.Join(ext, "\n")
	return f
}

func (s *Handlers) showMilestoneForm(w http.ResponseWriter, r *http.Request, status int, message, invalid string,
	o issuer.Organisation, f milestoneFormData) {
	var err error
	if f.Badges, err = issuer.BadgeClasses(r.Context(), s.Deps.Pool, o.ID, false); err != nil {
		s.Fail(w, r, err)
		return
	}
	title := "milestones.new"
	if f.Editing != nil {
		title = "milestones.edit"
	}
	s.render(w, r, status, "ct_milestone_form", title, message, o, "milestones", invalid, f)
}

func (s *Handlers) saveMilestone(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	v := r.PostForm
	f := milestoneFormData{Badge: v.Get("badge"), Rule: v.Get("rule"), Required: strings.TrimSpace(v.Get("required")),
		Picked: v["requirement"], External: v.Get("external"), Tags: v.Get("tags"), Partners: v.Get("partners"),
		Revoke: v.Get("revoke_with_requirements") == "1"}
	id := chi.URLParam(r, "badge")
	if id != "" {
		m, err := s.orgMilestone(r, o)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		f.Editing, f.Badge = &m, m.BadgeUUID
	}
	in := milestone.Input{Badge: f.Badge, Rule: f.Rule, Tags: splitTags(f.Tags), RevokeWithRequirements: f.Revoke}
	var err error
	if f.Required != "" && f.Rule != milestone.RuleAll {
		if in.Required, err = strconv.Atoi(f.Required); err != nil {
			err = problem.Invalidf("required", "must be a whole number, such as 3")
		}
	}
	for _, b := range f.Picked {
		in.Requirements = append(in.Requirements, milestone.RequirementInput{Badge: b})
	}
	for line := range strings.Lines(f.External) {
		u, name, _ := strings.Cut(strings.TrimSpace(line), " ")
		if u != "" {
			in.Requirements = append(in.Requirements, milestone.RequirementInput{Badge: u, Name: strings.TrimSpace(name)})
		}
	}
	for line := range strings.Lines(f.Partners) {
		if p := strings.TrimSpace(line); p != "" {
			in.Partners = append(in.Partners, p)
		}
	}
	var m milestone.Milestone
	if err == nil {
		if id == "" {
			m, err = milestone.Create(r.Context(), s.Deps.Pool, s.milestoneQueue(), s.URLs(), o.ID, in)
		} else {
			m, err = milestone.Update(r.Context(), s.Deps.Pool, s.milestoneQueue(), s.URLs(), o.ID, id, in)
		}
	}
	if err != nil {
		message, field, status, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.showMilestoneForm(w, r, status, message, controlOf(field), o, f)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.milestone_saved", "Name", m.Name, "Summary", m.Summary())})
	http.Redirect(w, r, "/creator/"+o.Slug+"/milestones", http.StatusSeeOther)
}

// controlOf is the form control a problem's field is about.
func controlOf(field string) string {
	if i := strings.IndexAny(field, "[."); i > 0 {
		field = field[:i]
	}
	return field
}

func (s *Handlers) deleteMilestone(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	m, err := s.orgMilestone(r, o)
	if err == nil {
		err = milestone.Delete(r.Context(), s.Deps.Pool, o.ID, m.BadgeUUID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.milestone_removed", "Name", m.Name)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/milestones", http.StatusSeeOther)
}

// ---- Image library

type imageCard struct {
	imagelib.Image
	File string
	Uses []imagelib.Use
}

// TagList is the image's tags as the rename form shows them.
func (c imageCard) TagList() string { return strings.Join(c.Tags, ", ") }

type imagesData struct {
	Images   []imageCard
	Tags     []imagelib.TagCount
	Tag      string // the filter
	Name     string
	Upload   imagelib.Meta // the upload form, after a problem
	UploadKB int
}

// UploadTags are the upload form's tags as typed.
func (d imagesData) UploadTags() string { return strings.Join(d.Upload.Tags, ", ") }

func (s *Handlers) imagesPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	s.showImages(w, r, http.StatusOK, "", "", o, imagelib.Meta{})
}

func (s *Handlers) showImages(w http.ResponseWriter, r *http.Request, status int, message, invalid string,
	o issuer.Organisation, upload imagelib.Meta) {
	q := r.URL.Query()
	d := imagesData{Tag: strings.ToLower(strings.TrimSpace(q.Get("tag"))), Name: q.Get("name"), Upload: upload, UploadKB: issuer.MaxImageBytes >> 10}
	ctx := r.Context()
	list, err := imagelib.List(ctx, s.Deps.Pool, o.ID, imagelib.Filter{Tag: d.Tag, Name: d.Name})
	if err == nil {
		d.Tags, err = imagelib.Tags(ctx, s.Deps.Pool, o.ID)
	}
	for _, im := range list {
		if err != nil {
			break
		}
		c := imageCard{Image: im, File: "/creator/" + o.Slug + "/images/" + im.UUID + "/file"}
		c.Uses, err = imagelib.Uses(ctx, s.Deps.Pool, o.ID, im.UUID)
		d.Images = append(d.Images, c)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.render(w, r, status, "ct_images", "imagelib.title", message, o, "images", invalid, d)
}

func (s *Handlers) uploadImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	m, data, err := readImageUpload(w, r)
	var im imagelib.Image
	if err == nil {
		im, err = imagelib.Upload(r.Context(), s.Deps.Pool, o.ID, m, data)
	}
	if err != nil {
		message, field, status, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.showImages(w, r, status, message, controlOf(field), o, m)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.image_added", "Name", im.Name),
		Link: "/creator/" + o.Slug + "/badges/new?library_image=" + im.UUID, LinkText: "creatornotice.use_image"})
	http.Redirect(w, r, "/creator/"+o.Slug+"/images", http.StatusSeeOther)
}

func (s *Handlers) renameImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	m := imagelib.Meta{Name: r.PostForm.Get("name"), Tags: splitTags(r.PostForm.Get("tags"))}
	im, err := imagelib.Rename(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"), m)
	if err != nil {
		message, _, status, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.showImages(w, r, status, message, "", o, imagelib.Meta{})
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.image_saved", "Name", im.Name)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/images", http.StatusSeeOther)
}

func (s *Handlers) deleteImage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id := chi.URLParam(r, "uuid")
	im, err := imagelib.Get(r.Context(), s.Deps.Pool, o.ID, id)
	var uses []imagelib.Use
	if err == nil {
		uses, err = imagelib.Delete(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	text := s.T(r, "creatornotice.image_deleted", "Name", im.Name)
	if len(uses) > 0 {
		names := make([]string, len(uses))
		for i, u := range uses {
			names[i] = u.Badge.Name
		}
		text += " " + s.T(r, "creatornotice.image_kept", "Names", strings.Join(names, ", "))
	}
	s.SetNotice(r, kit.Notice{Text: text})
	http.Redirect(w, r, "/creator/"+o.Slug+"/images", http.StatusSeeOther)
}

// ---- Designer

type designerData struct {
	Design  designer.Design
	Lines   [designer.MaxLines]string
	Shapes  []string
	Icons   []string
	Preview string // the preview image's address, the form's fields as its query
	Error   string // what is wrong with the design, shown by the preview
	Name    string
	Tags    string
	Format  string
	Limits  map[string]int
	// IconPreviews are small drawings of each icon, for its radio.
	IconPreviews map[string]string
}

// designOf reads a design from the form or query values v; a missing
// field keeps the default's value.
func designOf(v url.Values) designer.Design {
	d := designer.Default()
	if len(v) == 0 {
		return d
	}
	get := func(k, dflt string) string {
		if _, ok := v[k]; ok {
			return strings.TrimSpace(v.Get(k))
		}
		return dflt
	}
	d.Shape, d.Fill, d.Border, d.TextColor = get("shape", d.Shape), get("fill", d.Fill), get("border", d.Border), get("text_color", d.TextColor)
	d.Icon, d.IconColor = get("icon", d.Icon), get("icon_color", d.IconColor)
	if bw := get("border_width", ""); bw != "" {
		n, err := strconv.Atoi(bw)
		if err != nil {
			n = -1 // refused by the check, naming border_width
		}
		d.BorderWidth = n
	}
	if _, ok := v["line"]; ok {
		d.Lines = append([]string(nil), v["line"]...)
	}
	return d
}

// designQuery is a design as the preview's query.
func designQuery(d designer.Design) url.Values {
	q := url.Values{"shape": {d.Shape}, "fill": {d.Fill}, "border": {d.Border}, "border_width": {strconv.Itoa(d.BorderWidth)},
		"text_color": {d.TextColor}, "icon": {d.Icon}, "icon_color": {d.IconColor}}
	for _, l := range d.Lines {
		q.Add("line", l)
	}
	return q
}

func (s *Handlers) designerPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	d := designOf(r.URL.Query())
	s.showDesigner(w, r, http.StatusOK, "", "", o, d, r.URL.Query().Get("name"), r.URL.Query().Get("tags"), r.URL.Query().Get("format"))
}

func (s *Handlers) showDesigner(w http.ResponseWriter, r *http.Request, status int, message, invalid string,
	o issuer.Organisation, d designer.Design, name, tags, format string) {
	data := designerData{Design: d, Shapes: designer.Shapes, Icons: s.designer.Icons(), Name: name, Tags: tags,
		Format: orPNG(format), Limits: map[string]int{"lines": designer.MaxLines, "chars": designer.MaxLineRunes, "border": designer.MaxBorderWidth}}
	copy(data.Lines[:], d.Lines)
	data.IconPreviews = map[string]string{}
	for _, icon := range data.Icons {
		q := designQuery(designer.Design{Shape: designer.ShapeCircle, Fill: "#ffffff", Border: "#ffffff", TextColor: "#1e4d3a", Icon: icon})
		data.IconPreviews[icon] = "/creator/" + o.Slug + "/designer/preview.svg?" + q.Encode()
	}
	if _, err := s.designer.Check(d); err != nil {
		m, field, _, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		data.Error = m
		if invalid == "" {
			invalid = controlOf(field)
		}
	}
	data.Preview = "/creator/" + o.Slug + "/designer/preview.svg?" + designQuery(d).Encode()
	s.render(w, r, status, "ct_designer", "designer.title", message, o, "designer", invalid, data)
}

// designerPreview draws the design of the query, for the page's <img>.
func (s *Handlers) designerPreview(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	s.writeDesign(w, r, designOf(r.URL.Query()), imagelib.FormatSVG)
}

func (s *Handlers) saveDesign(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	v := r.PostForm
	d := designOf(v)
	name, tags, format := v.Get("name"), v.Get("tags"), orPNG(v.Get("format"))
	im, err := imagelib.CreateDesign(r.Context(), s.Deps.Pool, s.designer, o.ID, imagelib.DesignInput{
		Meta: imagelib.Meta{Name: name, Tags: splitTags(tags)}, Design: d, Format: format})
	if err != nil {
		message, field, status, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.showDesigner(w, r, status, message, controlOf(field), o, d, name, tags, format)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.design_saved", "Name", im.Name),
		Link: "/creator/" + o.Slug + "/badges/new?library_image=" + im.UUID, LinkText: "creatornotice.use_image"})
	http.Redirect(w, r, "/creator/"+o.Slug+"/images", http.StatusSeeOther)
}

// ---- Criteria templates

type criteriaData struct {
	Templates    []criteria.Template
	Editing      string // the uuid of the template in the form; empty for a new one
	Name, Body   string
	Placeholders []string
}

func (s *Handlers) criteriaTemplatesPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	d := criteriaData{}
	if id := chi.URLParam(r, "uuid"); id != "" {
		t, err := criteria.Get(r.Context(), s.Deps.Pool, o.ID, id)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		d.Editing, d.Name, d.Body = t.UUID, t.Name, t.Body
	}
	s.showCriteria(w, r, http.StatusOK, "", "", o, d)
}

func (s *Handlers) showCriteria(w http.ResponseWriter, r *http.Request, status int, message, invalid string, o issuer.Organisation, d criteriaData) {
	var err error
	if d.Templates, err = criteria.List(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Placeholders = criteria.Placeholders
	s.render(w, r, status, "ct_criteria", "ctemplates.title", message, o, "criteria", invalid, d)
}

func (s *Handlers) saveCriteriaTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	in := criteria.Input{Name: r.PostForm.Get("name"), Body: r.PostForm.Get("body")}
	id := chi.URLParam(r, "uuid")
	var err error
	var t criteria.Template
	if id == "" {
		t, err = criteria.Create(r.Context(), s.Deps.Pool, o.ID, in)
	} else {
		t, err = criteria.Update(r.Context(), s.Deps.Pool, o.ID, id, in)
	}
	if err != nil {
		message, field, status, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.showCriteria(w, r, status, message, controlOf(field), o, criteriaData{Editing: id, Name: in.Name, Body: in.Body})
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.criteria_saved", "Name", t.Name)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/criteria-templates", http.StatusSeeOther)
}

func (s *Handlers) deleteCriteriaTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := criteria.Delete(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid")); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: "creatornotice.criteria_deleted"})
	http.Redirect(w, r, "/creator/"+o.Slug+"/criteria-templates", http.StatusSeeOther)
}

// ---- Email templates

type emailData struct {
	Templates    []mailtemplate.Template
	Kinds        []string
	Form         mailtemplate.Input
	Placeholders []string
	Preview      *mailtemplate.Message
	Languages    []string // suggested tags
}

// emailLanguages are the tags the form suggests: the languages of the pages.
var emailLanguages = []string{"en", "fi", "sv", "fr"}

func (s *Handlers) emailTemplatesPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = mailtemplate.KindClaim
	}
	form := mailtemplate.Starter(kind)
	if lang := q.Get("language"); lang != "" {
		form.Language = lang
	}
	if id := q.Get("edit"); id != "" {
		t, err := mailtemplate.Get(r.Context(), s.Deps.Pool, o.ID, id)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		form = mailtemplate.Input{Kind: t.Kind, Language: t.Language, Subject: t.Subject, Body: t.Body, Default: t.Default}
	}
	s.showEmail(w, r, http.StatusOK, "", "", o, form, nil)
}

func (s *Handlers) showEmail(w http.ResponseWriter, r *http.Request, status int, message, invalid string,
	o issuer.Organisation, form mailtemplate.Input, preview *mailtemplate.Message) {
	list, err := mailtemplate.List(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.render(w, r, status, "ct_email", "mailtpl.title", message, o, "email", invalid, emailData{Templates: list,
		Kinds: mailtemplate.Kinds, Form: form, Placeholders: mailtemplate.Placeholders[form.Kind], Preview: preview,
		Languages: emailLanguages})
}

func (s *Handlers) saveEmailTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	v := r.PostForm
	in := mailtemplate.Input{Kind: v.Get("kind"), Language: strings.TrimSpace(v.Get("language")), Subject: v.Get("subject"),
		Body: v.Get("body"), Default: v.Get("default") == "1"}
	if v.Get("action") == "preview" {
		msg, err := mailtemplate.Preview(in, mailtemplate.SampleValues(o.Name, s.Deps.BaseURL.String()))
		if err != nil {
			message, field, status, ok := problemOf(err)
			if !ok {
				s.Fail(w, r, err)
				return
			}
			s.showEmail(w, r, status, message, controlOf(field), o, in, nil)
			return
		}
		s.showEmail(w, r, http.StatusOK, "", "", o, in, &msg)
		return
	}
	t, err := mailtemplate.Save(r.Context(), s.Deps.Pool, o.ID, in)
	if err != nil {
		message, field, status, ok := problemOf(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.showEmail(w, r, status, message, controlOf(field), o, in, nil)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.email_saved", "Kind", t.Kind, "Language", t.Language)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/email-templates", http.StatusSeeOther)
}

func (s *Handlers) deleteEmailTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id := chi.URLParam(r, "uuid")
	t, err := mailtemplate.Get(r.Context(), s.Deps.Pool, o.ID, id)
	if err == nil {
		err = mailtemplate.Delete(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "creatornotice.email_deleted", "Kind", t.Kind, "Language", t.Language)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/email-templates", http.StatusSeeOther)
}
