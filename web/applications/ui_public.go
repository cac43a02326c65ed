package applications

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The cookies that let the holder of an applicant link or a review link
// download the application's files: scoped to the files' path, so that
// no other page sees them.
const (
	applicantCookie = "laurel_applicant"
	reviewCookie    = "laurel_review"
)

func (s *Handlers) linkCookie(w http.ResponseWriter, name, token, appUUID string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/applications/" + appUUID + "/files",
		HttpOnly: true, Secure: s.Deps.BaseURL.Scheme == "https", SameSite: http.SameSiteStrictMode,
		MaxAge: int((7 * 24 * time.Hour).Seconds())})
}

// applyData is what the public form shows: the form, whether it is open,
// and the answers given so far (kept after a failed attempt; files must
// be chosen again).
func (s *Handlers) applyData(r *http.Request, f application.Form, sub *application.Submission) map[string]any {
	now := time.Now()
	fields := make([]formField, len(f.Fields))
	for i, fl := range f.Fields {
		fields[i] = formField{fl}
	}
	data := map[string]any{"Form": f, "Fields": fields, "Open": f.Open(now), "Invalid": "", "NotYet": f.OpensAt != nil && now.Before(*f.OpensAt),
		"Values": map[string]string{}, "Prefix": answerPrefix, "FilePrefix": filePrefix}
	if u, ok := kit.CurrentUser(r); ok {
		data["Account"] = u
	}
	if sub != nil {
		data["Values"], data["Email"], data["Name"] = sub.Answers, sub.Email, sub.Name
		data["HadFiles"] = len(sub.Files) > 0
	}
	return data
}

// formField is a question of the public form.
type formField struct{ application.Field }

// MiB is the largest file the field takes, in MiB.
func (f formField) MiB() string {
	return strconv.FormatFloat(float64(f.MaxBytes)/(1<<20), 'f', -1, 64)
}

// applyPage is a form's public page. It works without JavaScript: a
// multipart form with a file input per file field.
func (s *Handlers) applyPage(w http.ResponseWriter, r *http.Request) {
	f, err := application.FormByToken(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "apply", kit.PageData{Title: f.Title, Data: s.applyData(r, f, nil)})
}

// applySubmit takes an application from the public form. A problem shows
// the form again with the answers given and the field at fault marked.
func (s *Handlers) applySubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := chi.URLParam(r, "token")
	f, err := application.FormByToken(ctx, s.Deps.Pool, token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sub, err := submission(r, f)
	var a application.Application
	if err == nil {
		a, err = application.Apply(ctx, s.Deps.Pool, s.env(), token, sub)
	}
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		data := s.applyData(r, f, &sub)
		// "files.KEY[1]" marks the input of files.KEY.
		data["Invalid"], _, _ = strings.Cut(p.Field, "[")
		if p.Kind == problem.TooMany {
			w.Header().Set("Retry-After", strconv.Itoa(int(time.Hour.Seconds())))
		}
		s.Render(w, r, kit.StatusOf[p.Kind], "apply", kit.PageData{Title: f.Title, Message: s.problemText(f, p), Data: data})
		return
	}
	data := s.applyData(r, f, nil)
	data["Done"] = a
	s.Render(w, r, http.StatusOK, "apply", kit.PageData{Title: f.Title, Data: data})
}

// problemText names the field a problem is about by its label on the
// form, as the applicant reads it.
func (s *Handlers) problemText(f application.Form, p *problem.Error) string {
	if p.Field == "" {
		return p.Message
	}
	label := p.Field
	switch p.Field {
	case "email":
		label = "Email"
	case "name":
		label = "Name"
	default:
		for _, fl := range f.Fields {
			if p.Field == answerPrefix+fl.Key || p.Field == filePrefix+fl.Key ||
				len(p.Field) > len(filePrefix+fl.Key) && p.Field[:len(filePrefix+fl.Key)+1] == filePrefix+fl.Key+"[" {
				label = fl.Label
			}
		}
	}
	return label + ": " + p.Message
}

// confirmPage shows the confirmation button: confirming is a POST, so
// that a mail scanner following the link confirms nothing.
func (s *Handlers) confirmPage(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "apply_confirm", kit.PageData{Title: "apps.confirm_title", Data: map[string]any{}})
}

func (s *Handlers) confirm(w http.ResponseWriter, r *http.Request) {
	a, err := application.Confirm(r.Context(), s.Deps.Pool, s.env(), chi.URLParam(r, "token"))
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		s.Render(w, r, kit.StatusOf[p.Kind], "apply_confirm", kit.PageData{Title: "apps.confirm_title", Message: p.Message,
			Data: map[string]any{"Failed": true}})
		return
	}
	s.Render(w, r, http.StatusOK, "apply_confirm", kit.PageData{Title: "apps.confirm_title", Data: map[string]any{"Done": a}})
}

// minePage is the applicant's own page, through the link of the receipt
// email: the state, the answers and files, the withdrawal.
func (s *Handlers) minePage(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	a, err := application.ByApplicantLink(r.Context(), s.Deps.Pool, token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.linkCookie(w, applicantCookie, token, a.UUID)
	s.Render(w, r, http.StatusOK, "apply_mine", kit.PageData{Title: s.T(r, "apps.application_title", "Badge", a.BadgeName),
		Data: map[string]any{"App": a, "Notice": s.PopNotice(r), "Open": a.State == application.StateNew || a.State == application.StateInReview}})
}

func (s *Handlers) mineWithdraw(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	a, err := application.ByApplicantLink(r.Context(), s.Deps.Pool, token)
	if err == nil {
		_, err = application.Withdraw(r.Context(), s.Deps.Pool, application.Viewer{ApplicantToken: token}, a.UUID)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "apps.withdrawn")})
	http.Redirect(w, r, "/apply/mine/"+token, http.StatusSeeOther)
}

// reviewPage is an external reviewer's or a peer's single-use link: the
// application, its files and the decision form, without an account. A
// used link (or a decided application) shows a page that says so.
func (s *Handlers) reviewPage(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	a, f, err := application.ByReviewLink(r.Context(), s.Deps.Pool, token)
	if err != nil {
		s.reviewGone(w, r, err)
		return
	}
	s.linkCookie(w, reviewCookie, token, a.UUID)
	s.Render(w, r, http.StatusOK, "review", kit.PageData{Title: s.T(r, "apps.review_title", "Badge", f.BadgeName),
		Data: map[string]any{"App": a, "Form": f}})
}

// reviewGone is the page of a review link that takes no decision.
func (s *Handlers) reviewGone(w http.ResponseWriter, r *http.Request, err error) {
	p, ok := problem.As(err)
	if !ok {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, kit.StatusOf[p.Kind], "review", kit.PageData{Title: "apps.review_gone_title", Message: p.Message,
		Data: map[string]any{"Gone": true}})
}

func (s *Handlers) reviewSubmit(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	v := r.PostFormValue("decision")
	d := application.Decision{Approve: v == "approve", Comment: r.PostFormValue("comment")}
	var err error
	if v != "approve" && v != "reject" {
		err = problem.Invalidf("decision", "choose approve or reject")
	}
	var a application.Application
	if err == nil {
		a, err = application.DecideByLink(r.Context(), s.Deps.Pool, s.env(), token, d)
	}
	if problem.Is(err, problem.Invalid) {
		// The link is not used: show the form again with what was written.
		app, f, lerr := application.ByReviewLink(r.Context(), s.Deps.Pool, token)
		if lerr != nil {
			s.reviewGone(w, r, lerr)
			return
		}
		p, _ := problem.As(err)
		s.Render(w, r, http.StatusBadRequest, "review", kit.PageData{Title: s.T(r, "apps.review_title", "Badge", f.BadgeName),
			Message: kit.FieldLabel(p.Field) + ": " + p.Message, Data: map[string]any{"App": app, "Form": f, "Invalid": p.Field, "Comment": d.Comment}})
		return
	}
	if err != nil {
		s.reviewGone(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "review", kit.PageData{Title: "apps.review_thanks_title",
		Data: map[string]any{"Decided": a, "Approve": d.Approve}})
}

// file serves an evidence file to whom application.FileFor allows (the
// applicant, by account or applicant link; the organisation's reviewers;
// the holder of an unused review link), always as an attachment with the
// sniffed type, and never to be run or framed.
func (s *Handlers) file(w http.ResponseWriter, r *http.Request) {
	var v application.Viewer
	if u, ok := kit.CurrentUser(r); ok {
		v.UserID = u.ID
	}
	if c, err := r.Cookie(applicantCookie); err == nil {
		v.ApplicantToken = c.Value
	}
	if c, err := r.Cookie(reviewCookie); err == nil {
		v.ReviewToken = c.Value
	}
	if v == (application.Viewer{}) {
		s.Fail(w, r, problem.Forbiddenf("only the applicant and the reviewers see this file; open it from the application's page"))
		return
	}
	f, err := application.FileFor(r.Context(), s.Deps.Pool, v, chi.URLParam(r, "uuid"), chi.URLParam(r, "file"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", f.Disposition())
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(f.Data)
}
