package web

import (
	"github.com/laurelnet/laurel/problem"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
)

// The public page of an earned badge, which anyone may open, and the claim
// page an earner reaches from the email. Neither shows who the earner is:
// the recipient's identity (hashed or not), hint and name stay with the
// issuer.

// publicBadgePage is an earned badge as the public sees it.
type publicBadgePage struct {
	Badge       issuer.BadgeClass
	Org         issuer.Organisation
	Image       string
	AssertionID string // the hosted Open Badges Assertion
	BadgeID     string // the hosted BadgeClass, which people can follow
	Download    string // the image with the assertion baked in
	// DownloadV3 and CredentialID: the image with the Open Badges 3.0
	// credential baked in, and the credential; "" when it has none.
	DownloadV3, CredentialID string
	Verify                   string // the page that checks the badge
	Criteria                 template.HTML
	// CriteriaPage is where the criteria live: the hosted page of written
	// criteria, or the issuer's own page.
	CriteriaPage string
	Evidence     []evidenceView
	Narrative    template.HTML
	IssuedOn     time.Time
	Expires      *time.Time
	Expired      bool
	DaysLeft     string // "(30 days)" while the badge is valid and expires
	Revoked      bool
	RevokedAt    time.Time
	Reason       string
	// Claimed: the earner opened the page through their claim link.
	Claimed bool
	// Endorsements are the badge class's current endorsements by other
	// organisations, oldest first.
	Endorsements []network.Endorsement
}

// evidenceView is one evidence item, its narrative rendered.
type evidenceView struct {
	URL       string
	Narrative template.HTML
}

func (s *Server) badgePage(w http.ResponseWriter, r *http.Request) {
	a, err := issuer.AssertionByUUID(r.Context(), s.deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderEarnedBadge(w, r, a, false)
}

func (s *Server) claimPage(w http.ResponseWriter, r *http.Request) {
	a, err := issuer.Claim(r.Context(), s.deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderEarnedBadge(w, r, a, true)
}

// renderEarnedBadge shows assertion a; claimed adds the earner's banner.
func (s *Server) renderEarnedBadge(w http.ResponseWriter, r *http.Request, a issuer.Assertion, claimed bool) {
	b, err := issuer.BadgeClassByUUID(r.Context(), s.deps.Pool, a.BadgeUUID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := issuer.OrganisationBySlug(r.Context(), s.deps.Pool, a.OrganisationSlug)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, now := s.urls(), time.Now()
	p := publicBadgePage{
		Badge: b, Org: o, Image: u.BadgeImage(b.UUID), AssertionID: u.Assertion(a.UUID), BadgeID: u.BadgeClass(b.UUID),
		Download: u.AssertionImage(a.UUID), Verify: "/verify?" + url.Values{"url": {u.Assertion(a.UUID)}}.Encode(),
		CriteriaPage: b.CriteriaURL, Narrative: s.markdown.HTML(a.Narrative),
		IssuedOn: a.IssuedOn, Expires: a.Expires, Expired: a.Expired(now), Revoked: a.Revoked(),
		Reason: a.RevocationReason, Claimed: claimed,
	}
	if a.HasCredential {
		p.CredentialID = u.Credential(a.UUID)
		p.DownloadV3 = p.CredentialID + "/image"
	}
	if b.CriteriaNarrative != "" {
		p.Criteria, p.CriteriaPage = s.markdown.HTML(b.CriteriaNarrative), u.Criteria(b.UUID)
	}
	for _, e := range a.Evidence {
		ev := evidenceView{URL: e.ID}
		if e.Narrative != "" {
			ev.Narrative = s.markdown.HTML(e.Narrative)
		}
		p.Evidence = append(p.Evidence, ev)
	}
	if a.RevokedAt != nil {
		p.RevokedAt = *a.RevokedAt
	}
	if p.Endorsements, err = network.EndorsementsOf(r.Context(), s.deps.Pool, u.BadgeClass(b.UUID)); err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Expires != nil && !p.Expired {
		p.DaysLeft = daysLeft(a.Expires.Sub(now))
	}
	// A revocation or an expiry should show as soon as it happens. A claim
	// link is a secret of the earner's: keep it out of caches and search
	// engines.
	w.Header().Set("Cache-Control", "no-cache")
	if claimed {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Robots-Tag", "noindex")
	}
	s.render(w, r, http.StatusOK, "badge", pageData{Title: b.Name, Data: p})
}

// daysLeft says how many days, started ones included, remain of d.
func daysLeft(d time.Duration) string {
	n := int(math.Ceil(d.Hours() / 24))
	if n == 1 {
		return "(1 day)"
	}
	return "(" + strconv.Itoa(n) + " days)"
}

// claimToPassport sends an earner from a claim page to the passport on
// their own Laurel node (named by their handle, name@host), with the badge
// to add filled in; their node verifies it and checks that it was awarded
// to them. Only the host of the handle is used: the earner logs in there.
func (s *Server) claimToPassport(w http.ResponseWriter, r *http.Request) {
	assertion := r.URL.Query().Get("url")
	if _, err := issuer.AssertionByUUID(r.Context(), s.deps.Pool, s.urls().AssertionUUID(assertion)); err != nil {
		s.fail(w, r, problem.Invalidf("url", "is not a badge issued here"))
		return
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("handle")), "acct:"), "@")
	_, host, ok := strings.Cut(handle, "@")
	if !ok || host == "" || strings.ContainsAny(host, "/?#@ \\") {
		s.fail(w, r, problem.Invalidf("handle", "must be your handle, like you@laurel.example"))
		return
	}
	target := url.URL{Scheme: s.deps.BaseURL.Scheme, Host: host, Path: "/passport", RawQuery: url.Values{"add": {assertion}}.Encode()}
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}
