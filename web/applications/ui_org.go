package applications

import (
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// kinds are the kinds of field the editor offers, in its order.
var kinds = []application.Kind{application.KindText, application.KindLongText, application.KindFile, application.KindLink, application.KindCheckbox}

// problemField is the input a problem names, for aria-invalid.
func problemField(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Field
	}
	return ""
}

// failPage renders page again with the problem of err above it, or
// answers err as a failure when it is not the client's.
func (s *Handlers) failPage(w http.ResponseWriter, r *http.Request, err error, page, title string, data map[string]any) {
	p, ok := problem.As(err)
	if !ok {
		s.Fail(w, r, err)
		return
	}
	data["Invalid"] = p.Field
	msg := p.Message
	if p.Field != "" {
		msg = kit.FieldLabel(p.Field) + ": " + p.Message
	}
	s.Render(w, r, kit.StatusOf[p.Kind], page, kit.PageData{Title: title, Message: msg, Data: data})
}

// templatesPage lists the organisation's form templates.
// Capability: CreateBadges.
func (s *Handlers) templatesPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := application.Templates(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "form_templates", kit.PageData{Title: "apps.templates_title",
		Data: map[string]any{"Org": o, "Templates": list, "Notice": s.PopNotice(r)}})
}

func (s *Handlers) editorData(o issuer.Organisation, t application.Template, rows []fieldRow) map[string]any {
	return map[string]any{"Org": o, "Template": t, "Rows": rows, "Kinds": kinds, "Types": application.FileTypes(),
		"MaxFields": application.MaxFields}
}

// Capability: CreateBadges.
func (s *Handlers) newTemplatePage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	s.Render(w, r, http.StatusOK, "form_template", kit.PageData{Title: "apps.template_new",
		Data: s.editorData(o, application.Template{}, editorRows(nil))})
}

// Capability: CreateBadges.
func (s *Handlers) templatePage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	var t application.Template
	if err == nil {
		t, err = application.TemplateByID(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "form_template", kit.PageData{Title: "apps.template_edit",
		Data: s.editorData(o, t, editorRows(t.Fields))})
}

// Capability: CreateBadges.
func (s *Handlers) createTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	s.saveTemplate(w, r, o, 0)
}

// Capability: CreateBadges.
func (s *Handlers) updateTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.saveTemplate(w, r, o, id)
}

func (s *Handlers) saveTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation, id int64) {
	in, rows, err := templateInput(r)
	if err == nil {
		if id == 0 {
			_, err = application.CreateTemplate(r.Context(), s.Deps.Pool, o.ID, in)
		} else {
			_, err = application.UpdateTemplate(r.Context(), s.Deps.Pool, o.ID, id, in)
		}
		err = rowField(err, rows)
	}
	if err != nil {
		// The rows as sent, with empty rows again for new fields.
		var fields []application.Field
		for _, row := range rows {
			if row.Label != "" || row.Key != "" {
				fields = append(fields, row.Field)
			}
		}
		t := application.Template{ID: id, Name: in.Name, Description: in.Description}
		title := "apps.template_new"
		if id != 0 {
			title = "apps.template_edit"
		}
		s.failPage(w, r, err, "form_template", title, s.editorData(o, t, keepIndexes(editorRows(fields), rows)))
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.template_saved", "Name", in.Name)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/form-templates", http.StatusSeeOther)
}

// keepIndexes gives the re-shown rows the indexes they were sent with,
// so that the input a problem names is the one marked.
func keepIndexes(shown, sent []fieldRow) []fieldRow {
	j := 0
	for _, row := range sent {
		if row.Label != "" || row.Key != "" {
			if j < len(shown) {
				shown[j].Index = row.Index
			}
			j++
		}
	}
	next := 0
	for _, row := range sent {
		next = max(next, row.Index+1)
	}
	for ; j < len(shown); j++ {
		shown[j].Index = next
		next++
	}
	return shown
}

// Capability: CreateBadges.
func (s *Handlers) deleteTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	if err == nil {
		err = application.DeleteTemplate(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.template_deleted")})
	http.Redirect(w, r, "/creator/"+o.Slug+"/form-templates", http.StatusSeeOther)
}

// applicationsPage is "Badge applications": the forms, and the
// applications filtered by form, badge, state and dates, with the CSV
// download of the same selection. Capability: ReviewApplications (the
// forms: CreateBadges).
func (s *Handlers) applicationsPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	ctx := r.Context()
	q := r.URL.Query()
	forms, err := application.Forms(ctx, s.Deps.Pool, o.ID, false)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	badges, err := issuer.BadgeClasses(ctx, s.Deps.Pool, o.ID, false)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	_, memberErr := s.MemberOrganisation(r)
	data := map[string]any{"Org": o, "Forms": forms, "Badges": badges, "Query": q, "Notice": s.PopNotice(r),
		"States": []application.State{application.StateNew, application.StateInReview, application.StateApproved,
			application.StateRejected, application.StateWithdrawn},
		"CanCreate": memberErr == nil, "CSV": "/api/v1/orgs/" + o.Slug + "/applications.csv?" + q.Encode()}
	f, err := filter(q)
	var list []application.Application
	if err == nil {
		list, err = application.List(ctx, s.Deps.Pool, o.ID, f)
	}
	data["Applications"] = list
	if err != nil {
		s.failPage(w, r, err, "applications", "apps.list_title", data)
		return
	}
	s.Render(w, r, http.StatusOK, "applications", kit.PageData{Title: "apps.list_title", Data: data})
}

// formPageData is what the form settings page shows.
func (s *Handlers) formPageData(r *http.Request, o issuer.Organisation, f *application.Form) (map[string]any, error) {
	ctx := r.Context()
	data := map[string]any{"Org": o, "Notice": s.PopNotice(r)}
	if f == nil {
		badges, err := issuer.BadgeClasses(ctx, s.Deps.Pool, o.ID, false)
		if err != nil {
			return nil, err
		}
		templates, err := application.Templates(ctx, s.Deps.Pool, o.ID)
		if err != nil {
			return nil, err
		}
		data["Badges"], data["Templates"] = badges, templates
		data["Form"] = application.Form{Approvals: 1}
		return data, nil
	}
	reviewers, err := application.Reviewers(ctx, s.Deps.Pool, o.ID, f.UUID)
	if err != nil {
		return nil, err
	}
	members, err := application.MemberReviewers(ctx, s.Deps.Pool, o.ID)
	if err != nil {
		return nil, err
	}
	data["Form"], data["URL"], data["Reviewers"], data["Members"] = *f, s.appURLs().Form(f.Token), reviewers, members
	data["Open"] = f.Open(time.Now())
	return data, nil
}

// Capability: CreateBadges.
func (s *Handlers) newFormPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	data, err := s.formPageData(r, o, nil)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if b := r.URL.Query().Get("badge"); b != "" {
		data["Badge"] = b
	}
	s.Render(w, r, http.StatusOK, "application_form", kit.PageData{Title: "apps.form_new", Data: data})
}

// Capability: CreateBadges.
func (s *Handlers) createForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	in, err := formInput(r)
	var f application.Form
	if err == nil {
		u, _ := kit.CurrentUser(r)
		in.CreatedBy = u.ID
		f, err = application.CreateForm(r.Context(), s.Deps.Pool, o.ID, in)
	}
	if err != nil {
		data, derr := s.formPageData(r, o, nil)
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		data["Form"] = application.Form{Title: in.Title, Description: in.Description, OpensAt: in.OpensAt, ClosesAt: in.ClosesAt,
			Listed: in.Listed, Approvals: max(in.Approvals, 1), PeerReview: in.PeerReview}
		data["Badge"], data["Template"] = in.BadgeUUID, in.TemplateID
		s.failPage(w, r, err, "application_form", "apps.form_new", data)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.form_created", "Title", f.Title)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/application-forms/"+f.UUID, http.StatusSeeOther)
}

// formPage is one form's settings, its public URL and its reviewers.
// Capability: CreateBadges.
func (s *Handlers) formPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	f, err := application.FormByUUID(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	data, err := s.formPageData(r, o, &f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "application_form", kit.PageData{Title: f.Title, Data: data})
}

// Capability: CreateBadges.
func (s *Handlers) updateForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	ctx := r.Context()
	f, err := application.FormByUUID(ctx, s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in, err := formInput(r)
	if err == nil {
		_, err = application.UpdateForm(ctx, s.Deps.Pool, o.ID, f.UUID, in)
	}
	if err != nil {
		data, derr := s.formPageData(r, o, &f)
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		shown := f
		shown.Title, shown.Description, shown.OpensAt, shown.ClosesAt = in.Title, in.Description, in.OpensAt, in.ClosesAt
		shown.Listed, shown.Approvals, shown.PeerReview = in.Listed, in.Approvals, in.PeerReview
		data["Form"] = shown
		s.failPage(w, r, err, "application_form", f.Title, data)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.form_saved")})
	http.Redirect(w, r, "/creator/"+o.Slug+"/application-forms/"+f.UUID, http.StatusSeeOther)
}

// Capability: CreateBadges.
func (s *Handlers) addReviewer(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	ctx := r.Context()
	f, err := application.FormByUUID(ctx, s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	email, name := r.PostFormValue("email"), r.PostFormValue("name")
	rv, err := application.AddReviewer(ctx, s.Deps.Pool, s.env(), o.ID, f.UUID, email, name, u.ID)
	if err != nil {
		data, derr := s.formPageData(r, o, &f)
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		data["ReviewerEmail"], data["ReviewerName"] = email, name
		if field := problemField(err); field == "email" || field == "name" {
			problemErr, _ := problem.As(err)
			q := *problemErr
			q.Field = "reviewer_" + field
			err = &q
		}
		s.failPage(w, r, err, "application_form", f.Title, data)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.reviewer_added", "Email", rv.Email)})
	http.Redirect(w, r, "/creator/"+o.Slug+"/application-forms/"+f.UUID+"#reviewers", http.StatusSeeOther)
}

// Capability: CreateBadges.
func (s *Handlers) removeReviewer(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	uuid := chi.URLParam(r, "uuid")
	id, err := pathID(r)
	if err == nil {
		err = application.RemoveReviewer(r.Context(), s.Deps.Pool, o.ID, uuid, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.reviewer_removed")})
	http.Redirect(w, r, "/creator/"+o.Slug+"/application-forms/"+url.PathEscape(uuid)+"#reviewers", http.StatusSeeOther)
}

// applicationPage is one application, for its organisation's admins and
// reviewers (with the decision form) and for its applicant with an
// account (with the withdrawal). Capability: ReviewApplications.
func (s *Handlers) applicationPage(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	a, acc, err := application.View(r.Context(), s.Deps.Pool, application.Viewer{UserID: u.ID}, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderApplication(w, r, http.StatusOK, a, acc, "", nil)
}

func (s *Handlers) renderApplication(w http.ResponseWriter, r *http.Request, status int, a application.Application, acc application.Access, message string, form map[string]any) {
	data := map[string]any{"App": a, "Access": acc, "Notice": s.PopNotice(r), "Open": a.State == application.StateNew || a.State == application.StateInReview,
		"Action": "/applications/" + a.UUID + "/decision", "Withdraw": "/applications/" + a.UUID + "/withdraw"}
	for k, v := range form {
		data[k] = v
	}
	s.Render(w, r, status, "application", kit.PageData{Title: s.T(r, "apps.application_title", "Badge", a.BadgeName), Message: message, Data: data})
}

// decide takes a member's decision from the application's page.
// Capability: ReviewApplications.
func (s *Handlers) decide(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	uuid := chi.URLParam(r, "uuid")
	d := application.Decision{Approve: r.PostFormValue("decision") == "approve", Comment: r.PostFormValue("comment")}
	if v := r.PostFormValue("decision"); v != "approve" && v != "reject" {
		s.Fail(w, r, problem.Invalidf("decision", "choose approve or reject"))
		return
	}
	_, err := application.DecideAsMember(r.Context(), s.Deps.Pool, s.env(), u.ID, uuid, d)
	if err != nil {
		a, acc, verr := application.View(r.Context(), s.Deps.Pool, application.Viewer{UserID: u.ID}, uuid)
		p, ok := problem.As(err)
		if verr != nil || !ok {
			s.Fail(w, r, err)
			return
		}
		s.renderApplication(w, r, kit.StatusOf[p.Kind], a, acc, p.Message, map[string]any{"Invalid": p.Field, "Comment": d.Comment})
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.decided")})
	http.Redirect(w, r, "/applications/"+uuid, http.StatusSeeOther)
}

// withdraw is the signed-in applicant's withdrawal.
func (s *Handlers) withdraw(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	uuid := chi.URLParam(r, "uuid")
	if _, err := application.Withdraw(r.Context(), s.Deps.Pool, application.Viewer{UserID: u.ID}, uuid); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.withdrawn")})
	http.Redirect(w, r, "/applications/"+uuid, http.StatusSeeOther)
}
