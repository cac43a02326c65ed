package esco

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// The ESCO API: search ESCO for concepts to align badges with (from ESCO
// itself, or from the node's store when ESCO is unreachable), and each
// organisation's library of saved alignments. The badge editor's script
// calls the same endpoints with the browser's session.

// AlignmentAPIRoutes are the saved alignments, under /api/v1/orgs/{slug}.
func (s *Handlers) AlignmentAPIRoutes(r chi.Router) {
	r.Get("/alignments", s.WithOrgFor(account.CreateBadges, s.APIAlignments))
	r.Post("/alignments", s.WithOrgFor(account.CreateBadges, s.APISaveAlignment))
	r.Delete("/alignments/{id}", s.WithOrgFor(account.CreateBadges, s.APIDeleteAlignment))
}

// escoConceptJSON is a search result: a concept with its label and
// description in the language searched (or English, or any).
type escoConceptJSON struct {
	URI         string `json:"uri"`
	Type        string `json:"type"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
	Code        string `json:"code,omitempty"`
	Version     string `json:"version,omitempty"`
}

// escoSearchJSON is the answer to a search.
type escoSearchJSON struct {
	Concepts []escoConceptJSON `json:"concepts"`
	Total    int               `json:"total"`
	// Source is "api" (ESCO answered) or "local" (the node's store did).
	Source string `json:"source"`
	// Note says why the store answered; empty when ESCO did.
	Note string `json:"note,omitempty"`
	// Attribution is the line ESCO's licence asks to show with its data.
	Attribution string `json:"attribution"`
}

// escoQuery reads a search from the query string: text, language, type
// (repeated, or separated by commas), limit and offset.
func escoQuery(r *http.Request) (esco.Query, error) {
	v := r.URL.Query()
	limit, offset, err := kit.Page(r)
	if err != nil {
		return esco.Query{}, err
	}
	q := esco.Query{Text: v.Get("text"), Language: strings.ToLower(strings.TrimSpace(v.Get("language"))),
		Limit: limit, Offset: offset}
	for _, t := range v["type"] {
		for part := range strings.SplitSeq(t, ",") {
			if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
				q.Types = append(q.Types, part)
			}
		}
	}
	return q, nil
}

// escoResults maps an answer for people reading lang.
func escoResults(ans esco.Answer, lang string) escoSearchJSON {
	lang = cmp.Or(lang, "en")
	out := escoSearchJSON{Concepts: make([]escoConceptJSON, len(ans.Concepts)), Total: ans.Total,
		Source: ans.Source, Note: ans.Note, Attribution: esco.Attribution}
	for i, c := range ans.Concepts {
		out.Concepts[i] = escoConceptJSON{URI: c.URI, Type: c.Type, Label: c.Label(lang),
			Description: c.Description(lang), Code: c.Code, Version: c.Version}
	}
	return out
}

func (s *Handlers) APIESCOSearch(w http.ResponseWriter, r *http.Request) {
	q, err := escoQuery(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	ans, err := s.esco.Search(r.Context(), q)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, escoResults(ans, q.Language))
}

func (s *Handlers) APIAlignments(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, err := issuer.Alignments(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

// APISaveAlignment keeps an alignment in the library: 201 when it is new,
// 200 when it replaced the one with the same targetUrl.
func (s *Handlers) APISaveAlignment(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	var a vocab.AlignmentObject
	if err := kit.DecodeJSON(r, &a); err != nil {
		s.Fail(w, r, err)
		return
	}
	saved, created, err := issuer.SaveAlignment(r.Context(), s.Deps.Pool, o.ID, a)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	kit.WriteJSON(w, status, saved)
}

func (s *Handlers) APIDeleteAlignment(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err == nil {
		err = issuer.DeleteAlignment(r.Context(), s.Deps.Pool, o.ID, id)
	} else {
		err = problem.NotFoundf("No such saved alignment.")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
