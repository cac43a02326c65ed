package network

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The page an external endorser's invitation links to: someone without an
// account endorses an organisation or one of its badges with their name,
// website and comment. The link is the only credential; it works once.

func (s *Handlers) ExternalEndorserRoutes(r chi.Router) {
	r.Get("/endorse/{token}", s.externalEndorseForm)
	r.Post("/endorse/{token}", s.externalEndorse)
}

// externalEndorsePage is the form, or the thanks once it is sent.
type externalEndorsePage struct {
	Invitation network.Invitation
	Name       string
	URL        string
	Comment    string
	Invalid    string               // the field a problem is about
	Done       *network.Endorsement // set once the endorsement is published
}

func externalEndorseTitle(v network.Invitation) string {
	if v.SubjectKind == network.SubjectBadge {
		return "Endorse the badge " + v.SubjectName
	}
	return "Endorse " + v.SubjectName
}

// renderExternalEndorse shows the page; the link's token is in its address,
// so no cache keeps it.
func (s *Handlers) renderExternalEndorse(w http.ResponseWriter, r *http.Request, status int, message string, p externalEndorsePage) {
	w.Header().Set("Cache-Control", "no-store")
	s.Render(w, r, status, "external_endorse", kit.PageData{Title: externalEndorseTitle(p.Invitation), Message: message, Data: p})
}

func (s *Handlers) externalEndorseForm(w http.ResponseWriter, r *http.Request) {
	v, err := network.ExternalInvitation(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderExternalEndorse(w, r, http.StatusOK, "", externalEndorsePage{Invitation: v})
}

func (s *Handlers) externalEndorse(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	v, err := network.ExternalInvitation(r.Context(), s.Deps.Pool, token)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	p := externalEndorsePage{Invitation: v, Name: r.PostForm.Get("name"), URL: r.PostForm.Get("url"), Comment: r.PostForm.Get("comment")}
	e, err := network.EndorseExternal(r.Context(), s.Deps.Pool, s.URLs(), token, p.Name, p.URL, p.Comment)
	if pr, ok := problem.As(err); ok && pr.Kind == problem.Invalid {
		// Show the form again with what was typed.
		p.Invalid = pr.Field
		s.renderExternalEndorse(w, r, http.StatusBadRequest, kit.FieldLabel(pr.Field)+": "+pr.Message, p)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Done = &e
	s.renderExternalEndorse(w, r, http.StatusOK, "", p)
}
