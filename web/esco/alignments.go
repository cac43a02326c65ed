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

// The "Alignments" page of the creator tools: the organisation's library of
// saved alignments, outside any badge. Creators add one by hand (any
// framework) or from an ESCO search on the page, and remove one; the
// alignments the organisation's networks recommend are shown beside them,
// read-only (a network's admins keep them). The badge editor's pickers put
// them on badges.

// AlignmentPageRoutes are the library page and its forms. Removing one is
// ESCOUIRoutes' /creator/{slug}/alignments/{id}/delete.
func (s *Handlers) AlignmentPageRoutes(r chi.Router) {
	r.Get("/creator/{slug}/alignments", s.WithOrgFor(account.CreateBadges, s.alignmentsPage))
	r.Post("/creator/{slug}/alignments", s.WithOrgFor(account.CreateBadges, s.addAlignment))
	r.Post("/creator/{slug}/alignments/esco", s.WithOrgFor(account.CreateBadges, s.saveESCOAlignment))
}

// alignmentsData is the data of the page, in the shape of the creator
// tools' pages (Org, Tab, Notice and Invalid for creator_menu and
// creator_notice).
type alignmentsData struct {
	Org     issuer.Organisation
	Tab     string
	Notice  kit.Notice
	Invalid string // the form control a problem is about

	Alignments  []issuer.SavedAlignment
	Recommended []community.Recommendation
	Unreachable []string
	// Form is the "add by hand" form as sent, when it had a problem.
	Form vocab.AlignmentObject

	// The ESCO search, as asked, and its answer when Searched.
	Picker   ESCOPicker
	Text     string
	Language string
	Searched bool
	Answer   esco.Answer
	Results  []escoResult // Aligned: already in the library
	Next     string
}

func (s *Handlers) alignmentsPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	q, err := escoQuery(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := alignmentsData{Text: q.Text, Language: cmp.Or(q.Language, "en"), Picker: ESCOPickerFor(o, nil, q.Types)}
	status, message := http.StatusOK, ""
	if strings.TrimSpace(q.Text) != "" {
		d.Answer, err = s.esco.Search(r.Context(), q)
		if p, ok := problem.As(err); ok {
			status, message = kit.StatusOf[p.Kind], p.Error()
		} else if err != nil {
			s.Fail(w, r, err)
			return
		} else {
			d.Searched = true
		}
	}
	s.showAlignments(w, r, status, message, o, d, q.Offset)
}

// showAlignments renders the page with the library and the networks'
// recommendations read now.
func (s *Handlers) showAlignments(w http.ResponseWriter, r *http.Request, status int, message string, o issuer.Organisation, d alignmentsData, offset int) {
	var err error
	d.Org, d.Tab, d.Notice = o, "alignments", s.PopNotice(r)
	if d.Alignments, err = issuer.Alignments(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Recommended, d.Unreachable, err = s.Deps.Communities.Recommended(r.Context(), o); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Searched {
		for _, c := range d.Answer.Concepts {
			d.Results = append(d.Results, escoResult{AlignmentObject: issuer.ESCOAlignment(c, d.Language), TypeName: escoTypeName(c.Type),
				Aligned: slices.ContainsFunc(d.Alignments, func(a issuer.SavedAlignment) bool { return a.TargetURL == c.URI })})
		}
		if end := offset + len(d.Answer.Concepts); end < d.Answer.Total && len(d.Answer.Concepts) > 0 {
			next := r.URL.Query()
			next.Set("offset", strconv.Itoa(end))
			d.Next = r.URL.Path + "?" + next.Encode()
		}
	}
	s.Render(w, r, status, "ct_alignments", kit.PageData{Title: "calign.title", Message: message, Data: d})
}

// alignmentFields name the form's controls for people, by the property a
// problem names.
var alignmentFields = map[string]string{
	"targetName": "Name", "targetUrl": "URL", "targetFramework": "Framework",
	"targetCode": "Code", "targetDescription": "Description",
}

// addAlignment keeps an alignment written by hand in the library (one to
// the same URL is replaced).
func (s *Handlers) addAlignment(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
		return
	}
	a := vocab.AlignmentObject{TargetName: r.PostForm.Get("targetName"), TargetURL: r.PostForm.Get("targetUrl"),
		TargetFramework: r.PostForm.Get("targetFramework"), TargetCode: r.PostForm.Get("targetCode"),
		TargetDescription: r.PostForm.Get("targetDescription")}
	saved, created, err := issuer.SaveAlignment(r.Context(), s.Deps.Pool, o.ID, a)
	if p, ok := problem.As(err); ok {
		message := p.Message
		if name := alignmentFields[p.Field]; name != "" {
			message = name + ": " + message
		}
		d := alignmentsData{Invalid: p.Field, Form: a, Language: "en", Picker: ESCOPickerFor(o, nil, nil)}
		s.showAlignments(w, r, kit.StatusOf[p.Kind], message, o, d, 0)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	text := "“" + saved.TargetName + "” is saved in the alignments of " + o.Name + "."
	if !created {
		text = "“" + saved.TargetName + "” was in the alignments already, with the same URL; it now reads as you wrote it."
	}
	s.SetNotice(r, kit.Notice{Text: text})
	http.Redirect(w, r, "/creator/"+o.Slug+"/alignments", http.StatusSeeOther)
}

// saveESCOAlignment keeps a concept found on the page in the library, read
// from the store where the search put it, never from the form.
func (s *Handlers) saveESCOAlignment(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form: %v", err))
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
	if _, _, err := issuer.SaveAlignment(r.Context(), s.Deps.Pool, o.ID, a); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: "“" + a.TargetName + "” is saved in the alignments of " + o.Name + "."})
	page := "/creator/" + o.Slug + "/alignments"
	http.Redirect(w, r, backWithin(r, page+"?", page), http.StatusSeeOther)
}
