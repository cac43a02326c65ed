package applications

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// formJSON is a form as the organisation reads it: with its public URL.
type formJSON struct {
	application.Form
	URL string `json:"url"`
}

func (s *Handlers) formJSON(f application.Form) formJSON {
	return formJSON{Form: f, URL: s.appURLs().Form(f.Token)}
}

// publicFormJSON is a form as anyone reads it: without its token, which
// is the link itself.
type publicFormJSON struct {
	application.Form
	Token string `json:"token,omitempty"`
	Open  bool   `json:"open"`
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return 0, problem.NotFoundf("no %q here", chi.URLParam(r, "id"))
	}
	return id, nil
}

// Capability: CreateBadges.
func (s *Handlers) apiTemplates(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := application.Templates(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []application.Template{}
	}
	kit.WriteJSON(w, http.StatusOK, list)
}

// Capability: CreateBadges.
func (s *Handlers) apiCreateTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in application.TemplateInput
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	t, err := application.CreateTemplate(r.Context(), s.Deps.Pool, o.ID, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.Slug+"/form-templates/"+strconv.FormatInt(t.ID, 10))
	kit.WriteJSON(w, http.StatusCreated, t)
}

// Capability: CreateBadges.
func (s *Handlers) apiTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	if err == nil {
		var t application.Template
		if t, err = application.TemplateByID(r.Context(), s.Deps.Pool, o.ID, id); err == nil {
			kit.WriteJSON(w, http.StatusOK, t)
			return
		}
	}
	s.Fail(w, r, err)
}

// Capability: CreateBadges.
func (s *Handlers) apiUpdateTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in application.TemplateInput
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	t, err := application.UpdateTemplate(r.Context(), s.Deps.Pool, o.ID, id, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, t)
}

// Capability: CreateBadges.
func (s *Handlers) apiDeleteTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	if err == nil {
		err = application.DeleteTemplate(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Capability: CreateBadges.
func (s *Handlers) apiForms(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := application.Forms(r.Context(), s.Deps.Pool, o.ID, false)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := make([]formJSON, len(list))
	for i, f := range list {
		out[i] = s.formJSON(f)
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

// Capability: CreateBadges.
func (s *Handlers) apiCreateForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in application.FormInput
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	in.CreatedBy = u.ID
	f, err := application.CreateForm(r.Context(), s.Deps.Pool, o.ID, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.Slug+"/application-forms/"+f.UUID)
	kit.WriteJSON(w, http.StatusCreated, s.formJSON(f))
}

// Capability: CreateBadges.
func (s *Handlers) apiForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	f, err := application.FormByUUID(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.formJSON(f))
}

// formPatch is what PATCH changes of a form: the properties sent. A date
// sent as null is cleared.
type formPatch struct {
	Title       *string         `json:"title"`
	Description *string         `json:"description"`
	OpensAt     json.RawMessage `json:"opensAt"`
	ClosesAt    json.RawMessage `json:"closesAt"`
	Listed      *bool           `json:"listed"`
	Approvals   *int            `json:"approvals"`
	PeerReview  *bool           `json:"peerReview"`
}

func patchTime(field string, raw json.RawMessage, dst **time.Time) error {
	if raw == nil {
		return nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		*dst = nil
		return nil
	}
	var t time.Time
	if err := json.Unmarshal(raw, &t); err != nil {
		return problem.Invalidf(field, "must be an RFC 3339 date and time, or null")
	}
	*dst = &t
	return nil
}

// Capability: CreateBadges.
func (s *Handlers) apiPatchForm(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	ctx := r.Context()
	f, err := application.FormByUUID(ctx, s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var p formPatch
	if err := kit.DecodeJSON(r, &p); err != nil {
		s.Fail(w, r, err)
		return
	}
	in := application.FormInput{Title: f.Title, Description: f.Description, OpensAt: f.OpensAt, ClosesAt: f.ClosesAt,
		Listed: f.Listed, Approvals: f.Approvals, PeerReview: f.PeerReview}
	if p.Title != nil {
		in.Title = *p.Title
	}
	if p.Description != nil {
		in.Description = *p.Description
	}
	if p.Listed != nil {
		in.Listed = *p.Listed
	}
	if p.Approvals != nil {
		in.Approvals = *p.Approvals
		if in.Approvals == 0 {
			s.Fail(w, r, problem.Invalidf("approvals", "must be from 1 to 10"))
			return
		}
	}
	if p.PeerReview != nil {
		in.PeerReview = *p.PeerReview
	}
	if err := patchTime("opensAt", p.OpensAt, &in.OpensAt); err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := patchTime("closesAt", p.ClosesAt, &in.ClosesAt); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err = application.UpdateForm(ctx, s.Deps.Pool, o.ID, f.UUID, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.formJSON(f))
}

// Capability: CreateBadges.
func (s *Handlers) apiReviewers(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := application.Reviewers(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []application.Reviewer{}
	}
	kit.WriteJSON(w, http.StatusOK, list)
}

// Capability: CreateBadges.
func (s *Handlers) apiAddReviewer(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	rv, err := application.AddReviewer(r.Context(), s.Deps.Pool, s.env(), o.ID, chi.URLParam(r, "uuid"), in.Email, in.Name, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, rv)
}

// Capability: CreateBadges.
func (s *Handlers) apiRemoveReviewer(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := pathID(r)
	if err == nil {
		err = application.RemoveReviewer(r.Context(), s.Deps.Pool, o.ID, chi.URLParam(r, "uuid"), id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Capability: ReviewApplications.
func (s *Handlers) apiList(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	f, err := filter(r.URL.Query())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := application.List(r.Context(), s.Deps.Pool, o.ID, f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []application.Application{}
	}
	kit.WriteJSON(w, http.StatusOK, list)
}

// Capability: ReviewApplications.
func (s *Handlers) apiCSV(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	f, err := filter(r.URL.Query())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// Written to a buffer first, so that a problem is still a clean 4xx.
	var buf bytes.Buffer
	if err := application.WriteCSV(r.Context(), s.Deps.Pool, &buf, o.ID, f); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="applications-`+o.Slug+`.csv"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = buf.WriteTo(w)
}

// apiApplication shows one application to its organisation's admins and
// reviewers, or to its applicant. Capability: ReviewApplications.
func (s *Handlers) apiApplication(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	a, _, err := application.View(r.Context(), s.Deps.Pool, application.Viewer{UserID: u.ID}, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, a)
}

// Capability: ReviewApplications (application.DecideAsMember checks the
// reviewer or admin role).
func (s *Handlers) apiDecide(w http.ResponseWriter, r *http.Request) {
	var d application.Decision
	if err := kit.DecodeJSON(r, &d); err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	a, err := application.DecideAsMember(r.Context(), s.Deps.Pool, s.env(), u.ID, chi.URLParam(r, "uuid"), d)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, a)
}

func (s *Handlers) apiMine(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	list, err := application.Mine(r.Context(), s.Deps.Pool, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []application.Application{}
	}
	kit.WriteJSON(w, http.StatusOK, list)
}

func (s *Handlers) apiWithdraw(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	a, err := application.Withdraw(r.Context(), s.Deps.Pool, application.Viewer{UserID: u.ID}, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, a)
}

func (s *Handlers) apiPublicForm(w http.ResponseWriter, r *http.Request) {
	f, err := application.FormByToken(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, publicFormJSON{Form: f, Open: f.Open(time.Now())})
}

func (s *Handlers) apiApply(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	f, err := application.FormByToken(ctx, s.Deps.Pool, token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sub, err := submission(r, f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	a, err := application.Apply(ctx, s.Deps.Pool, s.env(), token, sub)
	if err != nil {
		if problem.Is(err, problem.TooMany) {
			w.Header().Set("Retry-After", strconv.Itoa(int(time.Hour.Seconds())))
		}
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, a)
}

func (s *Handlers) apiReview(w http.ResponseWriter, r *http.Request) {
	var d application.Decision
	if err := kit.DecodeJSON(r, &d); err != nil {
		s.Fail(w, r, err)
		return
	}
	a, err := application.DecideByLink(r.Context(), s.Deps.Pool, s.env(), chi.URLParam(r, "token"), d)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// The reviewer through a link is not shown the applicant's address.
	a.Email = ""
	kit.WriteJSON(w, http.StatusOK, a)
}
