package badges

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/criteria"
	"github.com/laurelnet/laurel/imagelib"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/esco"
	"github.com/laurelnet/laurel/web/kit"
)

// The creator tools: each organisation's badge library, and the forms that
// design, edit, archive, restore and delete its badges. The issuer tools
// (ui_issue.go) share the organisation picker and the notices.

// BadgeToolRoutes are the creator and issuer tools, for logged-in users.
// Every route under an organisation's slug checks the user acts for it.
func (s *Handlers) BadgeToolRoutes(r chi.Router) {
	r.Get("/creator", s.creatorPage)
	r.Get("/creator/{slug}/badges/new", s.WithOrgFor(account.CreateBadges, s.newBadgeForm))
	r.Post("/creator/{slug}/badges", s.WithOrgFor(account.CreateBadges, s.createBadge))
	r.Get("/creator/{slug}/badges/{uuid}", s.WithOrgFor(account.CreateBadges, s.badgeView))
	r.Get("/creator/{slug}/badges/{uuid}/edit", s.WithOrgFor(account.CreateBadges, s.editBadgeForm))
	r.Post("/creator/{slug}/badges/{uuid}", s.WithOrgFor(account.CreateBadges, s.updateBadge))
	r.Post("/creator/{slug}/badges/{uuid}/archive", s.WithOrgFor(account.CreateBadges, s.archiveBadge(true)))
	r.Post("/creator/{slug}/badges/{uuid}/restore", s.WithOrgFor(account.CreateBadges, s.archiveBadge(false)))
	r.Post("/creator/{slug}/badges/{uuid}/delete", s.WithOrgFor(account.CreateBadges, s.deleteBadge))
	s.issuerToolRoutes(r)
}

// minAlignmentRows is how many alignment rows the badge form offers at
// least; rows left empty are ignored.
const minAlignmentRows = 3

// expiryUnits are the units of a duration expiry rule, for the form.
var expiryUnits = []string{"days", "weeks", "months", "years"}

// libraryPage is an organisation's badge library, in the creator or the
// issuer tools.
type libraryPage struct {
	Intro    string
	Orgs     []issuer.Organisation // the picker's choices
	Org      issuer.Organisation   // the one shown; zero when Orgs is empty
	Archived bool                  // the archived tab
	Badges   []badgeCard
	Notice   kit.Notice
}

// Tab is the creator tools menu's entry of the library (creator_menu.html).
func (p libraryPage) Tab() string { return "library" }

// badgeCard is a badge class in a library, with its image's address.
type badgeCard struct {
	issuer.BadgeClass
	Image   string
	Reviews []esco.ReviewNote // open review flags: ESCO changed an alignment
}

// library reads the library page for ?org= and ?archived=.
func (s *Handlers) library(r *http.Request, c account.Capability, intro string) (libraryPage, error) {
	p := libraryPage{Intro: intro, Archived: r.URL.Query().Get("archived") == "1"}
	var err error
	if p.Orgs, err = s.ActingOrganisationsFor(r, c); err != nil || len(p.Orgs) == 0 {
		return p, err
	}
	if p.Org, err = kit.ChooseOrganisation(r, p.Orgs); err != nil {
		return p, err
	}
	list, err := issuer.BadgeClasses(r.Context(), s.Deps.Pool, p.Org.ID, p.Archived)
	if err != nil {
		return p, err
	}
	reviews, err := s.esco.BadgeReviews(r, p.Org, list)
	if err != nil {
		return p, err
	}
	u := s.URLs()
	for _, b := range list {
		p.Badges = append(p.Badges, badgeCard{BadgeClass: b, Image: u.BadgeImage(b.UUID), Reviews: reviews[b.ID]})
	}
	return p, nil
}

func (s *Handlers) creatorPage(w http.ResponseWriter, r *http.Request) {
	s.renderLibrary(w, r, http.StatusOK, "")
}

// renderLibrary shows the creator's library, with message as a problem to
// report (a refused delete) when it is not empty.
func (s *Handlers) renderLibrary(w http.ResponseWriter, r *http.Request, status int, message string) {
	p, err := s.library(r, account.CreateBadges, kit.Sections["creator"].Intro)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Notice = s.PopNotice(r)
	s.Render(w, r, status, "creator", kit.PageData{Title: "Creator tools", Message: message, Data: p})
}

// badgeForm is the badge form as the user filled it in, so that it can be
// shown again with a problem.
type badgeForm struct {
	Name              string
	Description       string
	CriteriaKind      string // "narrative" or "url": which of the two is used
	CriteriaNarrative string
	CriteriaURL       string
	Tags              string // comma-separated
	Alignments        []vocab.AlignmentObject
	ExpiryKind        string // none, duration or date
	ExpiryAmount      string
	ExpiryUnit        string
	ExpiryDate        string // 2006-01-02
	// KeptImage is an image that passed the checks in a failed attempt, as
	// a data: URL, so that the user need not choose the file again.
	KeptImage template.URL
	// LibraryImage is the uuid of the image library's image picked as the
	// badge's image; empty for none.
	LibraryImage string
	// CriteriaTemplate is the criteria template picked ("Pick template"),
	// TemplateName the name to save the criteria as ("Save as template").
	CriteriaTemplate string
	TemplateName     string
	// Action is what the form's button asked: "" to save the badge,
	// fill_template or save_template.
	Action string
	// Invalid is the id of the control the problem is about.
	Invalid string
}

// AlignmentsOpen tells the form to show the alignment rows unfolded.
func (f badgeForm) AlignmentsOpen() bool {
	if strings.HasPrefix(f.Invalid, "alignment-") {
		return true
	}
	for _, a := range f.Alignments {
		if a != (vocab.AlignmentObject{}) {
			return true
		}
	}
	return false
}

// alignmentRow is a row of alignment controls in the form.
type alignmentRow struct {
	vocab.AlignmentObject
	Index   int  // from 0, for the controls' ids
	Number  int  // from 1, for people
	Invalid bool // the problem is about this row
}

// AlignmentRows are the alignment rows to show.
func (f badgeForm) AlignmentRows() []alignmentRow {
	rows := make([]alignmentRow, len(f.Alignments))
	for i, a := range f.Alignments {
		rows[i] = alignmentRow{AlignmentObject: a, Index: i, Number: i + 1,
			Invalid: f.Invalid == fmt.Sprintf("alignment-%d", i)}
	}
	return rows
}

// padAlignments adds empty rows up to the minimum, and one spare row.
func (f *badgeForm) padAlignments() {
	n := max(minAlignmentRows, len(f.Alignments)+1)
	for len(f.Alignments) < n {
		f.Alignments = append(f.Alignments, vocab.AlignmentObject{})
	}
}

// formOf fills the form from a badge class, for editing.
func formOf(b issuer.BadgeClass) badgeForm {
	f := badgeForm{
		Name: b.Name, Description: b.Description, CriteriaKind: "narrative",
		CriteriaNarrative: b.CriteriaNarrative, CriteriaURL: b.CriteriaURL,
		Tags: strings.Join(b.Tags, ", "), Alignments: append([]vocab.AlignmentObject(nil), b.Alignments...),
		ExpiryKind: b.Expiry.Kind, ExpiryUnit: b.Expiry.Unit,
	}
	if b.CriteriaURL != "" {
		f.CriteriaKind = "url"
	}
	if b.Expiry.Amount > 0 {
		f.ExpiryAmount = strconv.Itoa(b.Expiry.Amount)
	}
	if b.Expiry.Date != nil {
		f.ExpiryDate = b.Expiry.Date.UTC().Format(time.DateOnly)
	}
	f.padAlignments()
	return f
}

// blame marks the control a domain problem's field is about and returns
// its label, so that the message names the field as the form does.
// rows maps the index of an alignment given to its row in the form.
func (f *badgeForm) blame(field string, rows []int) string {
	switch {
	case field == "template_name" || f.Action == "save_template" && field == "name":
		f.Invalid = "template_name"
		return "Template name"
	case f.Action != "" && field == "body":
		f.Invalid = "criteria_narrative"
		return "Criteria"
	case field == "name":
		f.Invalid = "name"
		return "Name"
	case field == "description":
		f.Invalid = "description"
		return "Description"
	case field == "image":
		f.Invalid = "image"
		return "Image"
	case field == "library_image":
		f.Invalid = "library_image"
		return "Image library"
	case field == "criteria_template":
		f.Invalid = "criteria_template"
		return "Criteria template"
	case field == "criteria.id" || field == "criteria" && f.CriteriaKind == "url":
		f.Invalid = "criteria_url"
		return "Criteria URL"
	case strings.HasPrefix(field, "criteria"):
		f.Invalid = "criteria_narrative"
		return "Criteria"
	case strings.HasPrefix(field, "tags"):
		f.Invalid = "tags"
		return "Tags"
	case strings.HasPrefix(field, "alignment"):
		var i int
		if _, err := fmt.Sscanf(field, "alignment[%d]", &i); err != nil || i >= len(rows) {
			return "Alignments"
		}
		f.Invalid = fmt.Sprintf("alignment-%d", rows[i])
		_, prop, _ := strings.Cut(field, ".")
		return fmt.Sprintf("Alignment %d, %s", rows[i]+1, alignmentLabel(prop))
	case field == "expiry.amount":
		f.Invalid = "expiry_amount"
		return "Expiry amount"
	case field == "expiry.unit":
		f.Invalid = "expiry_unit"
		return "Expiry unit"
	case field == "expiry.date":
		f.Invalid = "expiry_date"
		return "Expiry date"
	case strings.HasPrefix(field, "expiry"):
		f.Invalid = "expiry"
		return "Expiry"
	}
	return field
}

// alignmentLabel names a property of an alignment as the form does.
func alignmentLabel(prop string) string {
	switch prop {
	case "targetName":
		return "name"
	case "targetUrl":
		return "URL"
	case "targetDescription":
		return "description"
	case "targetFramework":
		return "framework"
	case "targetCode":
		return "code"
	}
	return "alignment"
}

// readBadgeForm reads the badge form: the input for the domain, the form
// as typed, and for each alignment given its row in the form. A problem
// with the form itself (not a number, not a date) is returned with the
// form, which is then always usable.
func readBadgeForm(w http.ResponseWriter, r *http.Request) (issuer.BadgeInput, badgeForm, []int, error) {
	r.Body = http.MaxBytesReader(w, r.Body, kit.ImageFormLimit)
	// A form posted without a file (by a script, say) is not multipart;
	// its fields are parsed all the same.
	if err := r.ParseMultipartForm(issuer.MaxImageBytes + 64<<10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return issuer.BadgeInput{}, badgeForm{}, nil, kit.BadMultipart(err)
	}
	v := r.PostForm
	f := badgeForm{
		Name: v.Get("name"), Description: v.Get("description"), CriteriaKind: v.Get("criteria_kind"),
		CriteriaNarrative: v.Get("criteria_narrative"), CriteriaURL: v.Get("criteria_url"), Tags: v.Get("tags"),
		ExpiryKind: v.Get("expiry_kind"), ExpiryAmount: strings.TrimSpace(v.Get("expiry_amount")),
		ExpiryUnit: v.Get("expiry_unit"), ExpiryDate: strings.TrimSpace(v.Get("expiry_date")),
		LibraryImage: v.Get("library_image"), CriteriaTemplate: v.Get("criteria_template"),
		TemplateName: v.Get("template_name"), Action: v.Get("action"),
	}
	if f.CriteriaKind != "url" {
		f.CriteriaKind = "narrative"
	}
	in := issuer.BadgeInput{Name: f.Name, Description: f.Description, Expiry: issuer.Expiry{Kind: f.ExpiryKind}}
	if f.CriteriaKind == "url" {
		in.CriteriaURL = f.CriteriaURL
	} else {
		in.CriteriaNarrative = f.CriteriaNarrative
	}
	for t := range strings.SplitSeq(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			in.Tags = append(in.Tags, t)
		}
	}
	// The rows' controls come in the same order, one of each per row.
	names, urls, descs, frameworks, codes := v["align_name"], v["align_url"], v["align_description"], v["align_framework"], v["align_code"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return list[i]
		}
		return ""
	}
	var rows []int
	for i := range max(len(names), len(urls), len(descs), len(frameworks), len(codes)) {
		a := vocab.AlignmentObject{TargetName: at(names, i), TargetURL: at(urls, i), TargetDescription: at(descs, i),
			TargetFramework: at(frameworks, i), TargetCode: at(codes, i)}
		f.Alignments = append(f.Alignments, a)
		if strings.TrimSpace(a.TargetName+a.TargetURL+a.TargetDescription+a.TargetFramework+a.TargetCode) != "" {
			in.Alignments = append(in.Alignments, a)
			rows = append(rows, i)
		}
	}
	f.padAlignments()

	switch f.ExpiryKind {
	case "duration":
		n, err := strconv.Atoi(f.ExpiryAmount)
		if err != nil {
			return in, f, rows, problem.Invalidf("expiry.amount", "must be a whole number, such as 12")
		}
		in.Expiry.Amount, in.Expiry.Unit = n, f.ExpiryUnit
	case "date":
		if f.ExpiryDate == "" {
			return in, f, rows, problem.Invalidf("expiry.date", "is required when badges expire on a date")
		}
		d, err := endOfDay(f.ExpiryDate)
		if err != nil {
			return in, f, rows, problem.Invalidf("expiry.date", "must be a date such as 2030-12-31")
		}
		in.Expiry.Date = &d
	}

	img, err := kit.FormImage(r, "image")
	if err != nil {
		return in, f, rows, err
	}
	if img == nil && v.Get("kept_image") != "" {
		if img, err = issuer.DecodeDataURL("image", v.Get("kept_image")); err != nil {
			return in, f, rows, err
		}
	}
	in.Image = img
	return in, f, rows, nil
}

// endOfDay reads a date as its last second in UTC: a badge valid until a
// date is valid on that whole day.
func endOfDay(date string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(24*time.Hour - time.Second), nil
}

// badgeFormPage is the data of the new and edit badge forms.
type badgeFormPage struct {
	Org        issuer.Organisation
	Badge      *issuer.BadgeClass // nil for a new badge
	Image      string             // the current image, when editing
	Action     string             // where the form posts
	Form       badgeForm
	MaxImageKB int
	Units      []string
	Notice     kit.Notice      // what a picker did, after its redirect here
	ESCO       esco.ESCOPicker // the alignment pickers
	// Library is the organisation's image library, to pick the image from.
	Library []libraryChoice
	// Templates are the organisation's criteria templates ("Pick template").
	Templates []criteria.Template
}

// libraryChoice is an image of the library, as the badge form offers it.
type libraryChoice struct {
	UUID, Name, File string
}

// renderBadgeForm shows the new (b nil) or edit form.
func (s *Handlers) renderBadgeForm(w http.ResponseWriter, r *http.Request, status int, message string,
	o issuer.Organisation, b *issuer.BadgeClass, f badgeForm) {
	p := badgeFormPage{Org: o, Badge: b, Form: f, Action: "/creator/" + o.Slug + "/badges",
		MaxImageKB: issuer.MaxImageBytes >> 10, Units: expiryUnits, Notice: s.PopNotice(r), ESCO: esco.ESCOPickerFor(o, b, nil)}
	images, err := imagelib.List(r.Context(), s.Deps.Pool, o.ID, imagelib.Filter{})
	if err == nil {
		p.Templates, err = criteria.List(r.Context(), s.Deps.Pool, o.ID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, im := range images {
		p.Library = append(p.Library, libraryChoice{UUID: im.UUID, Name: im.Name, File: "/creator/" + o.Slug + "/images/" + im.UUID + "/file"})
	}
	title := "New badge"
	if b != nil {
		p.Image, p.Action, title = s.URLs().BadgeImage(b.UUID), p.Action+"/"+b.UUID, "Edit "+b.Name
	}
	s.Render(w, r, status, "badge_edit", kit.PageData{Title: title, Message: message, Data: p})
}

// badgeFormProblem shows the form again after err, with the user's input
// and the message naming the field; img is the image the user sent.
func (s *Handlers) badgeFormProblem(w http.ResponseWriter, r *http.Request, o issuer.Organisation,
	b *issuer.BadgeClass, f badgeForm, rows []int, img []byte, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// The form could not be read, so there is no input to keep.
		f = badgeForm{CriteriaKind: "narrative", ExpiryKind: "none"}
		if b != nil {
			f = formOf(*b)
		}
		f.padAlignments()
		f.Invalid = "image"
		s.renderBadgeForm(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"The form is larger than %d KB and was not saved: a badge image may be at most %d KB.",
			tooLarge.Limit>>10, issuer.MaxImageBytes>>10), o, b, f)
		return
	}
	p, ok := problem.As(err)
	if !ok {
		s.Fail(w, r, err)
		return
	}
	label := f.blame(p.Field, rows)
	if f.Invalid != "image" && img != nil {
		if checked, err := issuer.CheckImage("image", img); err == nil {
			// Our own base64 of an image that passed the checks: safe
			// to show as a preview and to send back.
			f.KeptImage = template.URL("data:" + checked.Type + ";base64," + base64.StdEncoding.EncodeToString(checked.Data)) //nolint:gosec // checked just now
		}
	}
	message := p.Message
	if label != "" {
		message = label + ": " + message
	}
	s.renderBadgeForm(w, r, kit.StatusOf[p.Kind], message, o, b, f)
}

func (s *Handlers) newBadgeForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	f := badgeForm{CriteriaKind: "narrative", ExpiryKind: "none", ExpiryUnit: "years",
		LibraryImage: r.URL.Query().Get("library_image")}
	f.padAlignments()
	s.renderBadgeForm(w, r, http.StatusOK, "", o, nil, f)
}

func (s *Handlers) createBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	in, f, rows, err := readBadgeForm(w, r)
	if err == nil && f.Action != "" {
		s.criteriaAction(w, r, o, nil, in, f, rows)
		return
	}
	var b issuer.BadgeClass
	if err == nil {
		if f.LibraryImage != "" && in.Image == nil {
			b, err = imagelib.CreateBadge(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, f.LibraryImage, in)
		} else {
			b, err = issuer.CreateBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, in)
		}
	}
	if err != nil {
		s.badgeFormProblem(w, r, o, nil, f, rows, in.Image, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "badgenotice.created", "Name", b.Name),
		Link: "/issuer/" + o.Slug + "/badges/" + b.UUID, LinkText: "badgenotice.issue_it"})
	http.Redirect(w, r, kit.LibraryURL(o, false), http.StatusSeeOther)
}

func (s *Handlers) editBadgeForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderBadgeForm(w, r, http.StatusOK, "", o, &b, formOf(b))
}

func (s *Handlers) updateBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	old, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in, f, rows, err := readBadgeForm(w, r)
	if err == nil && f.Action != "" {
		s.criteriaAction(w, r, o, &old, in, f, rows)
		return
	}
	var b issuer.BadgeClass
	if err == nil {
		if f.LibraryImage != "" && in.Image == nil {
			b, err = imagelib.UpdateBadge(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, f.LibraryImage, old.UUID, in)
		} else {
			b, err = issuer.UpdateBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, old.UUID, in)
		}
	}
	if err != nil {
		s.badgeFormProblem(w, r, o, &old, f, rows, in.Image, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "badgenotice.saved", "Name", b.Name)})
	http.Redirect(w, r, kit.LibraryURL(o, b.ArchivedAt != nil), http.StatusSeeOther)
}

// criteriaAction does what the criteria field's buttons ask, without
// saving the badge: "Fill" writes the picked template, filled with the
// form's name and alignments, into the criteria; "Save as template" keeps
// the criteria as a new template. The form comes back as it was typed, an
// image that passed the checks kept, so this works without JavaScript.
func (s *Handlers) criteriaAction(w http.ResponseWriter, r *http.Request, o issuer.Organisation,
	b *issuer.BadgeClass, in issuer.BadgeInput, f badgeForm, rows []int) {
	var err error
	var notice string
	switch f.Action {
	case "fill_template":
		if f.CriteriaTemplate == "" {
			err = problem.Invalidf("criteria_template", "pick a template to fill the criteria from")
			break
		}
		var text string
		text, err = criteria.Fill(r.Context(), s.Deps.Pool, o.ID, f.CriteriaTemplate,
			criteria.Values{Badge: in.Name, Issuer: o.Name, Alignments: in.Alignments})
		if err == nil {
			f.CriteriaKind, f.CriteriaNarrative = "narrative", text
			notice = "badgenotice.criteria_filled"
		}
	case "save_template":
		if strings.TrimSpace(f.TemplateName) == "" {
			err = problem.Invalidf("template_name", "is required: a name for the template")
			break
		}
		var t criteria.Template
		t, err = criteria.Create(r.Context(), s.Deps.Pool, o.ID, criteria.Input{Name: f.TemplateName, Body: f.CriteriaNarrative})
		if err == nil {
			f.TemplateName, f.CriteriaTemplate = "", t.UUID
			notice = s.T(r, "badgenotice.criteria_saved", "Name", t.Name)
		}
	default:
		err = problem.Invalidf("action", "must be fill_template or save_template")
	}
	if err != nil {
		s.badgeFormProblem(w, r, o, b, f, rows, in.Image, err)
		return
	}
	if in.Image != nil {
		if checked, err := issuer.CheckImage("image", in.Image); err == nil {
			f.KeptImage = template.URL("data:" + checked.Type + ";base64," + base64.StdEncoding.EncodeToString(checked.Data)) //nolint:gosec // checked just now
		}
	}
	s.SetNotice(r, kit.Notice{Text: notice})
	s.renderBadgeForm(w, r, http.StatusOK, "", o, b, f)
}

// archiveBadge archives a badge (archived true) or restores it.
func (s *Handlers) archiveBadge(archived bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		b, err := issuer.ArchiveBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, chi.URLParam(r, "uuid"), archived)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		text := s.T(r, "badgenotice.archived", "Name", b.Name)
		if !archived {
			text = s.T(r, "badgenotice.restored", "Name", b.Name)
		}
		s.SetNotice(r, kit.Notice{Text: text})
		// Back to the tab the badge was on.
		http.Redirect(w, r, kit.LibraryURL(o, !archived), http.StatusSeeOther)
	}
}

func (s *Handlers) deleteBadge(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err == nil {
		err = issuer.DeleteBadgeClass(r.Context(), s.Deps.Pool, s.Actor(r), o.ID, b.UUID)
	}
	if p, ok := problem.As(err); ok && p.Kind == problem.Conflict {
		// Say why on the library itself, where archiving is one click away.
		q := r.URL.Query()
		q.Set("org", o.Slug)
		if b.ArchivedAt != nil {
			q.Set("archived", "1")
		}
		r.URL.RawQuery = q.Encode()
		s.renderLibrary(w, r, http.StatusConflict, s.T(r, "badgenotice.not_deleted", "Name", b.Name, "Why", p.Message))
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "badgenotice.deleted", "Name", b.Name)})
	http.Redirect(w, r, kit.LibraryURL(o, b.ArchivedAt != nil), http.StatusSeeOther)
}
