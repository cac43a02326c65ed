package network

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The endorsement network's API, under /api/v1/orgs/{slug}: partners,
// endorsements given and received, requests, and templates.

func (s *Handlers) NetworkAPIRoutes(r chi.Router) {
	r.Get("/partners", s.WithOrgFor(account.Endorse, s.apiPartners))
	r.Post("/partners", s.WithOrgFor(account.Endorse, s.apiAddPartner))
	r.Delete("/partners", s.WithOrgFor(account.Endorse, s.apiRemovePartner))
	r.Get("/endorsements", s.WithOrgFor(account.Endorse, s.apiEndorsements))
	r.Post("/endorsements", s.WithOrgFor(account.Endorse, s.apiEndorse))
	r.Delete("/endorsements/{uuid}", s.WithOrgFor(account.Endorse, s.apiWithdrawEndorsement))
	r.Post("/endorsements/remove", s.WithOrgFor(account.Endorse, s.apiRemoveEndorsement))
	r.Get("/endorsement-requests", s.WithOrgFor(account.Endorse, s.apiRequests))
	r.Post("/endorsement-requests", s.WithOrgFor(account.Endorse, s.apiRequestEndorsement))
	r.Post("/endorsement-requests/{uuid}/accept", s.WithOrgFor(account.Endorse, s.apiAcceptRequest))
	r.Post("/endorsement-requests/{uuid}/decline", s.WithOrgFor(account.Endorse, s.apiCloseRequest(false)))
	r.Post("/endorsement-requests/{uuid}/withdraw", s.WithOrgFor(account.Endorse, s.apiCloseRequest(true)))
	r.Get("/endorsement-templates", s.WithOrgFor(account.Endorse, s.apiTemplates))
	r.Post("/endorsement-templates", s.WithOrgFor(account.Endorse, s.apiSaveTemplate))
	r.Put("/endorsement-templates/{id}", s.WithOrgFor(account.Endorse, s.apiSaveTemplate))
	r.Delete("/endorsement-templates/{id}", s.WithOrgFor(account.Endorse, s.apiDeleteTemplate))
}

func (s *Handlers) apiPartners(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	q := r.URL.Query()
	list, err := s.Deps.Network.Partners(r.Context(), o, network.Filter{Relation: q.Get("filter"), Country: q.Get("country"), Text: q.Get("q")})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiAddPartner(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Target string `json:"target"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.Deps.Network.AddPartner(r.Context(), o, in.Target)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, p)
}

func (s *Handlers) apiRemovePartner(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	actor := r.URL.Query().Get("actor")
	if actor == "" {
		s.Fail(w, r, problem.Invalidf("actor", "is required: the partner's actor id"))
		return
	}
	if err := s.Deps.Network.RemovePartner(r.Context(), o, actor); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) APIDirectory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if n := q.Get("network"); n != "" {
		list, err := s.Deps.Communities.Directory(r.Context(), n, q.Get("q"), q.Get("country"), 50)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, kit.Items(list))
		return
	}
	list, err := s.Deps.Network.Directory(r.Context(), q.Get("q"), q.Get("country"), 50)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiEndorsements(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	direction := r.URL.Query().Get("direction")
	if direction == "" {
		direction = network.Given
	}
	list, err := s.Deps.Network.Endorsements(r.Context(), o, direction, r.URL.Query().Get("kind"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

// commentOrTemplate is the text of an endorsement: written, or taken from
// one of the organisation's templates.
func (s *Handlers) commentOrTemplate(r *http.Request, o issuer.Organisation, comment string, template int64) (string, error) {
	if template == 0 {
		return comment, nil
	}
	if comment != "" {
		return "", problem.Invalidf("template", "give a comment or a template, not both")
	}
	return network.TemplateText(r.Context(), s.Deps.Pool, o.ID, template)
}

func (s *Handlers) apiEndorse(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Target   string `json:"target"`
		Subject  string `json:"subject"` // a badge class id; empty endorses the organisation
		Comment  string `json:"comment"`
		Template int64  `json:"template"`
		// Networks are regional networks (handles) to share the
		// endorsement with, in their feeds.
		Networks []string `json:"networks"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	comment, err := s.commentOrTemplate(r, o, in.Comment, in.Template)
	if err == nil {
		err = s.checkEndorsementNetworks(r, o, in.Networks)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	e, err := s.Deps.Network.Endorse(r.Context(), o, in.Target, in.Subject, comment)
	if err == nil {
		err = s.shareEndorsement(r, o, in.Networks, e)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", e.ID)
	kit.WriteJSON(w, http.StatusCreated, e)
}

func (s *Handlers) apiWithdrawEndorsement(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	e, err := s.Deps.Network.Withdraw(r.Context(), o, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, e)
}

// apiRemoveEndorsement takes an endorsement of us off our profile.
func (s *Handlers) apiRemoveEndorsement(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		ID string `json:"id"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.ID == "" {
		s.Fail(w, r, problem.Invalidf("id", "is required: the endorsement's id"))
		return
	}
	e, err := s.Deps.Network.Remove(r.Context(), o, in.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, e)
}

func (s *Handlers) apiRequests(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	direction := r.URL.Query().Get("direction")
	if direction == "" {
		direction = "incoming"
	}
	list, err := s.Deps.Network.Requests(r.Context(), o, direction, r.URL.Query().Get("state"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiRequestEndorsement(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Target  string `json:"target"`
		Subject string `json:"subject"` // one of our badge classes; empty asks for the organisation
		Message string `json:"message"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	q, err := s.Deps.Network.RequestEndorsement(r.Context(), o, in.Target, in.Subject, in.Message)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, q)
}

func (s *Handlers) apiAcceptRequest(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var in struct {
		Comment  string `json:"comment"`
		Template int64  `json:"template"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	comment, err := s.commentOrTemplate(r, o, in.Comment, in.Template)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q, err := s.Deps.Network.Accept(r.Context(), o, chi.URLParam(r, "uuid"), comment)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, q)
}

// apiCloseRequest declines an incoming request, or withdraws an outgoing
// one.
func (s *Handlers) apiCloseRequest(withdraw bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		close := s.Deps.Network.Decline
		if withdraw {
			close = s.Deps.Network.WithdrawRequest
		}
		q, err := close(r.Context(), o, chi.URLParam(r, "uuid"))
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, q)
	}
}

func (s *Handlers) apiTemplates(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := network.Templates(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiSaveTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var t network.Template
	if err := kit.DecodeJSON(r, &t); err != nil {
		s.Fail(w, r, err)
		return
	}
	status := http.StatusCreated
	t.ID = 0
	if id := chi.URLParam(r, "id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			s.Fail(w, r, problem.NotFoundf("No such endorsement template."))
			return
		}
		t.ID, status = n, http.StatusOK
	}
	saved, err := network.SaveTemplate(r.Context(), s.Deps.Pool, o.ID, t)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, status, saved)
}

func (s *Handlers) apiDeleteTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err == nil {
		err = network.DeleteTemplate(r.Context(), s.Deps.Pool, o.ID, id)
	} else {
		err = problem.NotFoundf("No such endorsement template.")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// HostedEndorsement serves an endorsement made here at its id; a withdrawn
// one answers 410, as a revoked assertion does.
func (s *Handlers) HostedEndorsement(w http.ResponseWriter, r *http.Request) {
	e, err := network.EndorsementByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	if e.WithdrawnAt != nil {
		kit.WriteLD(w, http.StatusGone, issuer.Revocation{Context: e.Document().Context, ID: e.ID, Revoked: true,
			RevocationReason: "withdrawn by the endorser"})
		return
	}
	kit.WriteLD(w, http.StatusOK, e.Document())
}
