package esco

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// The alignment pickers of the badge editor, as pages that work without
// JavaScript: "Pick from ESCO" (search ESCO, then pick a concept or save it
// as a template) and "Pick saved alignment" (the organisation's library).
// A pick adds the alignment to the saved badge and goes back to the
// editor. With JavaScript on, web/static/esco.js does the same on the
// editor itself, filling the form's alignment rows, through the API.

// ESCOUIRoutes are the pickers and the review flags, for logged-in users.
func (s *Handlers) ESCOUIRoutes(r chi.Router) {
	r.Get("/creator/{slug}/badges/{uuid}/esco", s.WithOrgFor(account.CreateBadges, s.escoPickPage))
	r.Post("/creator/{slug}/badges/{uuid}/esco", s.WithOrgFor(account.CreateBadges, s.escoPick))
	r.Get("/creator/{slug}/badges/{uuid}/alignments", s.WithOrgFor(account.CreateBadges, s.savedPickPage))
	r.Post("/creator/{slug}/badges/{uuid}/alignments", s.WithOrgFor(account.CreateBadges, s.savedPick))
	r.Post("/creator/{slug}/badges/{uuid}/alignments/recommended", s.WithOrgFor(account.CreateBadges, s.recommendedPick))
	r.Post("/creator/{slug}/alignments/{id}/delete", s.WithOrgFor(account.CreateBadges, s.deleteSavedAlignment))
	r.Post("/creator/{slug}/reviews/{id}/resolve", s.WithOrgFor(account.CreateBadges, s.resolveReview))
	s.AlignmentPageRoutes(r)
}

// ESCOPicker is what the editor and the pickers show of ESCO: the choices
// of a search and where the picker pages are.
type ESCOPicker struct {
	Languages   []escoLanguage
	Types       []escoType
	Attribution string
	SearchURL   string // the "Pick from ESCO" page; "" for a new badge
	SavedURL    string // the "Pick saved alignment" page; "" for a new badge
}

// escoLanguage is a choice of the language select.
type escoLanguage struct{ Code, Name string }

// escoType is a type checkbox.
type escoType struct {
	Value, Name string
	Checked     bool
}

// ESCOPickerFor is the picker of badge b of o (nil: a new badge), with the
// types checked.
func ESCOPickerFor(o issuer.Organisation, b *issuer.BadgeClass, checked []string) ESCOPicker {
	p := ESCOPicker{Attribution: esco.Attribution}
	for _, code := range esco.Languages {
		p.Languages = append(p.Languages, escoLanguage{Code: code, Name: escoLanguageName(code)})
	}
	slices.SortFunc(p.Languages, func(a, b escoLanguage) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range []escoType{{Value: esco.TypeOccupation, Name: "Occupation"}, {Value: esco.TypeSkill, Name: "Skill"},
		{Value: esco.TypeConcept, Name: "Concept"}} {
		t.Checked = slices.Contains(checked, t.Value)
		p.Types = append(p.Types, t)
	}
	if b != nil {
		base := "/creator/" + o.Slug + "/badges/" + b.UUID
		p.SearchURL, p.SavedURL = base+"/esco", base+"/alignments"
	}
	return p
}

// escoLanguageName names one of ESCO's languages in English and in itself.
func escoLanguageName(code string) string {
	switch code {
	case "ar":
		return "Arabic (العربية)"
	case "bg":
		return "Bulgarian (български)"
	case "cs":
		return "Czech (čeština)"
	case "da":
		return "Danish (dansk)"
	case "de":
		return "German (Deutsch)"
	case "el":
		return "Greek (Ελληνικά)"
	case "en":
		return "English"
	case "es":
		return "Spanish (español)"
	case "et":
		return "Estonian (eesti)"
	case "fi":
		return "Finnish (suomi)"
	case "fr":
		return "French (français)"
	case "ga":
		return "Irish (Gaeilge)"
	case "hr":
		return "Croatian (hrvatski)"
	case "hu":
		return "Hungarian (magyar)"
	case "is":
		return "Icelandic (íslenska)"
	case "it":
		return "Italian (italiano)"
	case "lt":
		return "Lithuanian (lietuvių)"
	case "lv":
		return "Latvian (latviešu)"
	case "mt":
		return "Maltese (Malti)"
	case "nl":
		return "Dutch (Nederlands)"
	case "no":
		return "Norwegian (norsk)"
	case "pl":
		return "Polish (polski)"
	case "pt":
		return "Portuguese (português)"
	case "ro":
		return "Romanian (română)"
	case "sk":
		return "Slovak (slovenčina)"
	case "sl":
		return "Slovenian (slovenščina)"
	case "sv":
		return "Swedish (svenska)"
	case "uk":
		return "Ukrainian (українська)"
	}
	return code
}

// escoTypeName names a concept type for people.
func escoTypeName(t string) string {
	switch t {
	case esco.TypeSkill:
		return "Skill"
	case esco.TypeOccupation:
		return "Occupation"
	}
	return "Concept"
}

// escoPickData is the data of the picker pages.
type escoPickData struct {
	Org    issuer.Organisation
	Badge  issuer.BadgeClass
	Picker ESCOPicker
	Notice kit.Notice
	// EditURL is the badge's editor.
	EditURL string
	// Saved: the "Pick saved alignment" page, listing Alignments.
	Saved      bool
	Alignments []issuer.SavedAlignment
	// Recommended: what the organisation's networks recommend, on the same
	// page, and the networks that could not be asked.
	Recommended []community.Recommendation
	Unreachable []string

	// The search, as asked, and its answer when Searched.
	Text     string
	Language string
	Searched bool
	Answer   esco.Answer
	Results  []escoResult
	Back     string // this page, for the forms to come back to
	Next     string // the next page of results; "" when there is none
}

// escoResult is a concept found, as the alignment a pick would add.
type escoResult struct {
	vocab.AlignmentObject
	TypeName string
	Aligned  bool // the badge has it already
}

// aligned reports whether badge b already aligns to url.
func aligned(b issuer.BadgeClass, url string) bool {
	return slices.ContainsFunc(b.Alignments, func(a vocab.AlignmentObject) bool { return a.TargetURL == url })
}

// pickBadge is the badge of the path, and the data of its picker pages.
func (s *Handlers) pickBadge(r *http.Request, o issuer.Organisation, types []string) (escoPickData, error) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		return escoPickData{}, err
	}
	return escoPickData{Org: o, Badge: b, Picker: ESCOPickerFor(o, &b, types), Notice: s.PopNotice(r),
		EditURL: "/creator/" + o.Slug + "/badges/" + b.UUID + "/edit", Back: r.URL.RequestURI()}, nil
}

func (s *Handlers) escoPickPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	q, err := escoQuery(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.pickBadge(r, o, q.Types)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Text, p.Language = q.Text, cmp.Or(q.Language, "en")
	title := "Pick from ESCO for " + p.Badge.Name
	if strings.TrimSpace(q.Text) == "" {
		s.Render(w, r, http.StatusOK, "esco_pick", kit.PageData{Title: title, Data: p})
		return
	}
	p.Answer, err = s.esco.Search(r.Context(), q)
	if prob, ok := problem.As(err); ok {
		s.Render(w, r, kit.StatusOf[prob.Kind], "esco_pick", kit.PageData{Title: title, Message: prob.Error(), Data: p})
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Searched = true
	for _, c := range p.Answer.Concepts {
		p.Results = append(p.Results, escoResult{AlignmentObject: issuer.ESCOAlignment(c, p.Language),
			TypeName: escoTypeName(c.Type), Aligned: aligned(p.Badge, c.URI)})
	}
	if end := q.Offset + len(p.Answer.Concepts); end < p.Answer.Total && len(p.Answer.Concepts) > 0 {
		next := r.URL.Query()
		next.Set("offset", strconv.Itoa(end))
		p.Next = r.URL.Path + "?" + next.Encode()
	}
	s.Render(w, r, http.StatusOK, "esco_pick", kit.PageData{Title: title, Data: p})
}

// escoPick picks a concept found (do=pick: add it to the badge) or keeps it
// in the organisation's library (do=save). The concept is read from the
// store, where the search put it, never from the form.
func (s *Handlers) escoPick(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	c, err := esco.Lookup(r.Context(), s.Deps.Pool, r.PostForm.Get("uri"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	lang := r.PostForm.Get("language")
	if !slices.Contains(esco.Languages, lang) {
		lang = "en"
	}
	a := issuer.ESCOAlignment(c, lang)
	if r.PostForm.Get("do") == "save" {
		if _, _, err := issuer.SaveAlignment(r.Context(), s.Deps.Pool, o.ID, a); err != nil {
			s.Fail(w, r, err)
			return
		}
		s.SetNotice(r, kit.Notice{Text: s.T(r, "esconotice.saved", "Name", a.TargetName, "Org", o.Name)})
		search := "/creator/" + o.Slug + "/badges/" + b.UUID + "/esco"
		http.Redirect(w, r, backWithin(r, search+"?", search), http.StatusSeeOther)
		return
	}
	s.alignAndReturn(w, r, o, b, a)
}

// alignAndReturn adds a to badge b and goes back to its editor, saying what
// happened.
func (s *Handlers) alignAndReturn(w http.ResponseWriter, r *http.Request, o issuer.Organisation, b issuer.BadgeClass, a vocab.AlignmentObject) {
	edit := "/creator/" + o.Slug + "/badges/" + b.UUID + "/edit"
	_, err := issuer.AlignBadge(r.Context(), s.Deps.Pool, s.Actor(r), s.alignQueue(), o.ID, b.UUID, a)
	if p, ok := problem.As(err); ok && p.Kind == problem.Conflict {
		s.SetNotice(r, kit.Notice{Text: s.T(r, "esconotice.already", "Badge", b.Name, "Name", a.TargetName)})
		http.Redirect(w, r, edit, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "esconotice.aligned", "Badge", b.Name, "Name", a.TargetName,
		"Framework", cmp.Or(a.TargetFramework, a.TargetURL))})
	http.Redirect(w, r, edit, http.StatusSeeOther)
}

// alignQueue is where a pick queues the fetch of its ESCO concept, or nil.
func (s *Handlers) alignQueue() issuer.Queue {
	if s.Deps.River == nil {
		return nil
	}
	return s.Deps.River
}

// backWithin is the form's "back" field, the page to go back to, when it
// starts with prefix, else fallback.
func backWithin(r *http.Request, prefix, fallback string) string {
	if back := kit.SafeNext(r.PostForm.Get("back")); strings.HasPrefix(back, prefix) {
		return back
	}
	return fallback
}

func (s *Handlers) savedPickPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	p, err := s.pickBadge(r, o, nil)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Saved = true
	if p.Alignments, err = issuer.Alignments(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if p.Recommended, p.Unreachable, err = s.Deps.Communities.Recommended(r.Context(), o); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "esco_pick", kit.PageData{Title: "Pick a saved alignment for " + p.Badge.Name, Data: p})
}

// savedPick adds saved alignment id to the badge.
func (s *Handlers) savedPick(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err != nil {
		s.Fail(w, r, problem.NotFoundf("No such saved alignment."))
		return
	}
	saved, err := issuer.AlignmentByID(r.Context(), s.Deps.Pool, o.ID, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.alignAndReturn(w, r, o, b, saved.AlignmentObject)
}

// recommendedPick adds to the badge an alignment one of the
// organisation's networks recommends, as the network says it (asked
// again, not taken from the form).
func (s *Handlers) recommendedPick(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, _, err := s.Deps.Communities.Recommended(r.Context(), o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, rec := range list {
		if rec.Network == r.PostForm.Get("network") && rec.TargetURL == r.PostForm.Get("url") {
			s.alignAndReturn(w, r, o, b, rec.AlignmentObject)
			return
		}
	}
	s.Fail(w, r, problem.NotFoundf("no network of %s recommends %q", o.Name, r.PostForm.Get("url")))
}

func (s *Handlers) deleteSavedAlignment(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var saved issuer.SavedAlignment
	if err == nil {
		saved, err = issuer.AlignmentByID(r.Context(), s.Deps.Pool, o.ID, id)
	} else {
		err = problem.NotFoundf("No such saved alignment.")
	}
	if err == nil {
		err = issuer.DeleteAlignment(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "esconotice.unsaved", "Name", saved.TargetName)})
	http.Redirect(w, r, backWithin(r, "/creator/"+o.Slug+"/", kit.LibraryURL(o, false)), http.StatusSeeOther)
}

// resolveReview marks a review flag of the library reviewed.
func (s *Handlers) resolveReview(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		err = problem.NotFoundf("No such review.")
	} else {
		err = issuer.ResolveBadgeReview(r.Context(), s.Deps.Pool, o.ID, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: "esconotice.reviewed"})
	http.Redirect(w, r, kit.LibraryURL(o, r.PostForm.Get("archived") == "1"), http.StatusSeeOther)
}

// ReviewNote is an open review flag of a badge, with the name of the
// alignment it is about.
type ReviewNote struct {
	issuer.BadgeReview
	TargetName string
}

// BadgeReviews returns the review notes of o's badges by badge id.
func (s *Handlers) BadgeReviews(r *http.Request, o issuer.Organisation, badges []issuer.BadgeClass) (map[int64][]ReviewNote, error) {
	all, err := issuer.BadgeReviews(r.Context(), s.Deps.Pool, o.ID)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	out := make(map[int64][]ReviewNote, len(all))
	for _, b := range badges {
		for _, rv := range all[b.ID] {
			n := ReviewNote{BadgeReview: rv}
			for _, a := range b.Alignments {
				if a.TargetURL == rv.TargetURL {
					n.TargetName = a.TargetName
				}
			}
			out[b.ID] = append(out[b.ID], n)
		}
	}
	return out, nil
}
