package badges

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
	"github.com/laurelnet/laurel/web/kit"
)

// The issuer tools: choose a badge, issue it to one earner or to the rows
// of a CSV file, follow what was issued and revoke.

// bulkFormLimit bounds the body of the CSV upload: a file of
// issuer.MaxBulkRows rows of a few hundred bytes each fits.
const bulkFormLimit = 1 << 20

func (s *Handlers) issuerToolRoutes(r chi.Router) {
	r.Get("/issuer", s.issuerPage)
	r.Get("/issuer/sample.csv", s.sampleCSV)
	r.Get("/issuer/{slug}/badges/{uuid}", s.WithOrgFor(account.IssueBadges, s.issuePage))
	r.Post("/issuer/{slug}/badges/{uuid}", s.WithOrgFor(account.IssueBadges, s.issueOne))
	r.Post("/issuer/{slug}/badges/{uuid}/bulk", s.WithOrgFor(account.IssueBadges, s.issueCSV))
	r.Post("/issuer/{slug}/assertions/{uuid}/revoke", s.WithOrgFor(account.IssueBadges, s.revokeAssertion))
}

// issuerPage lists the badges an organisation can issue now: the ones not
// archived.
func (s *Handlers) issuerPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.library(r, account.IssueBadges, kit.Sections["issuer"].Intro)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Archived = false
	p.Notice = s.PopNotice(r)
	s.Render(w, r, http.StatusOK, "issuer", kit.PageData{Title: "Issuer tools", Data: p})
}

// sampleCSV is an example of a bulk-issuing file, to start from.
func (s *Handlers) sampleCSV(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="laurel-recipients.csv"`)
	fmt.Fprint(w, "recipient,name,evidence,narrative,expires\r\n"+
		"ada@example.org,Ada Lovelace,https://example.org/portfolio/ada,Built the analytical engine's first program.,\r\n"+
		"grace@example.org,Grace Hopper,,,2030-12-31\r\n")
}

// issueForm is the form for one earner, as the user filled it in.
type issueForm struct {
	Type              string // issuer.RecipientEmail, RecipientURL or RecipientActor
	Identity          string
	Language          string // the claim email's language; empty: the organisation's default
	Name              string
	EvidenceURL       string
	EvidenceNarrative string
	Narrative         string
	Expires           string // 2006-01-02; empty: by the badge's rule
	Invalid           string // the id of the control a problem is about
}

// blame marks the control a domain problem's field is about and returns
// its label.
func (f *issueForm) blame(field string) string {
	switch {
	case field == "recipient.type":
		f.Invalid = "recipient_type"
		return "Recipient type"
	case field == "recipient.identity" || field == "target":
		f.Invalid = "identity"
		return "Recipient"
	case field == "language":
		f.Invalid = "language"
		return "Email language"
	case field == "recipient.name":
		f.Invalid = "recipient_name"
		return "Name"
	case strings.HasSuffix(field, ".narrative") && strings.HasPrefix(field, "evidence"):
		f.Invalid = "evidence_narrative"
		return "Evidence description"
	case strings.HasPrefix(field, "evidence"):
		f.Invalid = "evidence_url"
		return "Evidence URL"
	case field == "narrative":
		f.Invalid = "narrative"
		return "Narrative"
	case field == "expires" || field == "issuedOn":
		f.Invalid = "expires"
		return "Expires"
	case field == "email":
		// The organisation's, not the form's: the message says so.
		return ""
	}
	return field
}

// assertionRow is an issued badge in the issuer's list.
type assertionRow struct {
	issuer.Assertion
	State string // active, expired or revoked
}

// stateOf says whether an assertion is active, expired or revoked at now.
func stateOf(a issuer.Assertion, now time.Time) string {
	switch {
	case a.Revoked():
		return "revoked"
	case a.Expired(now):
		return "expired"
	}
	return "active"
}

// issuePageData is a badge's page in the issuer tools: the forms and what
// was issued.
type issuePageData struct {
	Org     issuer.Organisation
	Badge   issuer.BadgeClass
	Image   string
	Rule    string // the badge's expiry rule, in words
	RuleEnd string // when a badge issued today would expire by the rule, or ""
	Form    issueForm
	// Bulk is the report of a CSV upload, nil before one.
	Bulk       *bulkResult
	BulkFailed int // rows of Bulk that failed
	FileFailed bool
	Columns    []string // of a bulk file
	MailOn     bool
	Issued     []assertionRow
	Newer      string // the list's previous page, or ""
	Older      string // its next page, or ""
	Notice     kit.Notice
}

// renderIssuePage shows a badge's issuer page with the form f and, when
// not nil, a bulk report.
func (s *Handlers) renderIssuePage(w http.ResponseWriter, r *http.Request, status int, message string,
	o issuer.Organisation, b issuer.BadgeClass, f issueForm, bulk *bulkResult) {
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := issuer.Assertions(r.Context(), s.Deps.Pool, b.ID, limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	now := time.Now()
	p := issuePageData{Org: o, Badge: b, Image: s.URLs().BadgeImage(b.UUID), Rule: expiryRule(s.Localizer(r), b.Expiry),
		Form: f, Bulk: bulk, Columns: issuer.BulkColumns, MailOn: s.MailQueue() != nil,
		Notice: s.PopNotice(r)}
	if end := b.Expiry.From(now); end != nil {
		p.RuleEnd = end.UTC().Format(time.DateOnly)
	}
	if bulk != nil {
		for _, row := range bulk.Rows {
			if !row.OK {
				p.BulkFailed++
			}
		}
	}
	p.FileFailed = f.Invalid == "file"
	for _, a := range list {
		p.Issued = append(p.Issued, assertionRow{Assertion: a, State: stateOf(a, now)})
	}
	base := "/issuer/" + o.Slug + "/badges/" + b.UUID
	if offset > 0 {
		p.Newer = base + "?offset=" + strconv.Itoa(max(0, offset-limit)) + "&limit=" + strconv.Itoa(limit)
	}
	if len(list) == limit {
		p.Older = base + "?offset=" + strconv.Itoa(offset+limit) + "&limit=" + strconv.Itoa(limit)
	}
	s.Render(w, r, status, "issue", kit.PageData{Title: "Issue " + b.Name, Message: message, Data: p})
}

// expiryRule says in l's language when assertions of a badge expire.
func expiryRule(l *locale.Localizer, e issuer.Expiry) string {
	switch e.Kind {
	case "duration":
		switch e.Unit {
		case "days", "weeks", "months", "years":
			return l.N("kit.expiry."+e.Unit, e.Amount)
		}
	case "date":
		if e.Date != nil {
			return l.T("kit.expiry.date", "Date", l.Date(e.Date.UTC()))
		}
	}
	return l.T("kit.expiry.never")
}

func (s *Handlers) issuePage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderIssuePage(w, r, http.StatusOK, "", o, b, issueForm{Type: issuer.RecipientEmail}, nil)
}

// issuePageURL is a badge's page in the issuer tools.
func issuePageURL(o issuer.Organisation, b issuer.BadgeClass) string {
	return "/issuer/" + o.Slug + "/badges/" + b.UUID
}

func (s *Handlers) issueOne(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.PostForm
	f := issueForm{Type: v.Get("recipient_type"), Identity: v.Get("identity"), Name: v.Get("recipient_name"),
		Language: strings.TrimSpace(v.Get("language")), EvidenceURL: v.Get("evidence_url"), EvidenceNarrative: v.Get("evidence_narrative"),
		Narrative: v.Get("narrative"), Expires: strings.TrimSpace(v.Get("expires"))}
	a, err := s.issueFromForm(r, o, b, f)
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		message := p.Message
		if label := f.blame(p.Field); label != "" {
			message = label + ": " + message
		}
		s.renderIssuePage(w, r, kit.StatusOf[p.Kind], message, o, b, f, nil)
		return
	}
	text := s.T(r, "badgenotice.issued", "Name", b.Name, "Recipient", recipientLabel(a))
	if a.RecipientKind == issuer.RecipientEmail && s.MailQueue() != nil {
		text += " " + s.T(r, "badgenotice.claim_mail")
	}
	s.SetNotice(r, kit.Notice{Text: text, Link: "/badges/" + a.UUID, LinkText: "badgenotice.see_badge"})
	http.Redirect(w, r, issuePageURL(o, b), http.StatusSeeOther)
}

// issueFromForm issues badge b to the earner of form f.
func (s *Handlers) issueFromForm(r *http.Request, o issuer.Organisation, b issuer.BadgeClass, f issueForm) (issuer.Assertion, error) {
	rc, err := s.recipient(r, f.Type, f.Identity, f.Name)
	if err != nil {
		return issuer.Assertion{}, err
	}
	u, _ := kit.CurrentUser(r)
	in := issuer.AssertionInput{Recipient: rc, Narrative: f.Narrative, IssuedBy: u.ID, Language: f.Language}
	if strings.TrimSpace(f.EvidenceURL+f.EvidenceNarrative) != "" {
		in.Evidence = []vocab.Evidence{{ID: f.EvidenceURL, Narrative: f.EvidenceNarrative}}
	}
	if f.Expires != "" {
		t, err := endOfDay(f.Expires)
		if err != nil {
			return issuer.Assertion{}, problem.Invalidf("expires", "must be a date such as 2030-12-31")
		}
		in.Expires = &t
	}
	issued, err := issuer.Issue(r.Context(), s.Deps.Pool, s.Actor(r), s.issueHooks(), s.URLs(), o, b, []issuer.AssertionInput{in})
	if err != nil {
		return issuer.Assertion{}, err
	}
	return issued[0], nil
}

// recipientLabel is how the issuer's pages name an earner: the name given
// and the hint (never the address itself, which is not kept).
func recipientLabel(a issuer.Assertion) string {
	if a.RecipientName == "" {
		return a.RecipientHint
	}
	return a.RecipientName + " (" + a.RecipientHint + ")"
}

func (s *Handlers) issueCSV(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := issueForm{Type: issuer.RecipientEmail}
	r.Body = http.MaxBytesReader(w, r.Body, bulkFormLimit)
	if err := r.ParseMultipartForm(bulkFormLimit); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			f.Invalid = "file"
			s.renderIssuePage(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"CSV file: larger than %d KB; split it into smaller files.", tooLarge.Limit>>10), o, b, f, nil)
			return
		}
		s.Fail(w, r, problem.Invalidf("file", "choose a CSV file to upload"))
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		f.Invalid = "file"
		s.renderIssuePage(w, r, http.StatusBadRequest, "CSV file: choose a file to upload.", o, b, f, nil)
		return
	}
	defer file.Close()
	res, err := s.issueBulk(r, o, b, file)
	if p, ok := problem.As(err); ok {
		f.Invalid = "file"
		message := p.Message
		if p.Field == "file" {
			message = "CSV file: " + message
		}
		s.renderIssuePage(w, r, kit.StatusOf[p.Kind], message, o, b, f, nil)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	status := http.StatusOK
	if !res.Issued {
		status = http.StatusUnprocessableEntity
	}
	// The report is shown at once rather than after a redirect: it is too
	// long for a notice, and reloading would only upload the file again
	// after the browser asks.
	s.renderIssuePage(w, r, status, "", o, b, f, &res)
}

func (s *Handlers) revokeAssertion(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	a, err := s.orgAssertion(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, err)
		return
	}
	if a, err = s.revoke(r.Context(), s.Actor(r), o, a.UUID, r.PostForm.Get("reason")); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.SetNotice(r, kit.Notice{Text: s.T(r, "badgenotice.revoked", "Recipient", recipientLabel(a)),
		Link: "/badges/" + a.UUID, LinkText: "badgenotice.see_its_page"})
	http.Redirect(w, r, "/issuer/"+o.Slug+"/badges/"+a.BadgeUUID, http.StatusSeeOther)
}
