package badges

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/openbadges"
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
	Following   bool   // the viewer follows it
	Download    string // the image with the assertion baked in
	// DownloadLabel is the message naming Download: PNG or SVG.
	DownloadLabel string
	// DownloadV3 and CredentialID: the image with the Open Badges 3.0
	// credential baked in, and the credential; "" when it has none.
	DownloadV3, CredentialID string
	// Verify is the URL "Check this badge" checks, at once.
	Verify   string
	Criteria template.HTML
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
	// Endorsements are the badge class's current endorsements by
	// organisations and networks, oldest first; IssuerEndorsements the
	// issuer's.
	Endorsements, IssuerEndorsements []openbadges.EndorsementView
	// Share is how the earner shares the badge; nil once revoked.
	Share *openbadges.ShareView
}

// evidenceView is one evidence item, its narrative rendered.
type evidenceView struct {
	URL       string
	Narrative template.HTML
}

// BadgePage is the issuer's page of an issued badge. Once its earner
// keeps the badge in a passport here and shows it in public, the earner's
// page is the badge's one page, richer (who earned it, what people said):
// this address then redirects there, permanently but to be revalidated,
// since the earner may make the badge private again.
func (s *Handlers) BadgePage(w http.ResponseWriter, r *http.Request) {
	a, err := issuer.AssertionByUUID(r.Context(), s.Deps.Pool, chi.URLParam(r, "uuid"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	username, item, ok, err := passport.PublicHolder(r.Context(), s.Deps.Pool, a.PublicID(s.URLs()), s.URLs().BadgeClass(a.BadgeUUID))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if ok {
		w.Header().Set("Cache-Control", "no-cache")
		http.Redirect(w, r, "/u/"+url.PathEscape(username)+"/badges/"+item, http.StatusPermanentRedirect)
		return
	}
	s.renderEarnedBadge(w, r, a, false)
}

func (s *Handlers) ClaimPage(w http.ResponseWriter, r *http.Request) {
	a, err := issuer.Claim(r.Context(), s.Deps.Pool, chi.URLParam(r, "token"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderEarnedBadge(w, r, a, true)
}

// renderEarnedBadge shows assertion a; claimed adds the earner's banner.
func (s *Handlers) renderEarnedBadge(w http.ResponseWriter, r *http.Request, a issuer.Assertion, claimed bool) {
	b, err := issuer.BadgeClassByUUID(r.Context(), s.Deps.Pool, a.BadgeUUID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, a.OrganisationSlug)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u, now := s.URLs(), time.Now()
	p := publicBadgePage{
		Badge: b, Org: o, Image: u.BadgeImage(b.UUID), AssertionID: u.Assertion(a.UUID), BadgeID: u.BadgeClass(b.UUID),
		Download: u.AssertionImage(a.UUID), DownloadLabel: downloadLabel(b.ImageType), Verify: u.Assertion(a.UUID),
		CriteriaPage: b.CriteriaURL, Narrative: s.Markdown.HTML(a.Narrative),
		IssuedOn: a.IssuedOn, Expires: a.Expires, Expired: a.Expired(now), Revoked: a.Revoked(),
		Reason: a.RevocationReason, Claimed: claimed,
	}
	if a.HasCredential {
		p.CredentialID = u.Credential(a.UUID)
		p.DownloadV3 = p.CredentialID + "/image"
	}
	if !a.OB2 { // a 3.0 credential alone: no 2.0 document to link or download
		p.AssertionID, p.Download = a.PublicID(u), ""
		p.Verify = p.AssertionID
	}
	if b.CriteriaNarrative != "" {
		p.Criteria, p.CriteriaPage = s.Markdown.HTML(b.CriteriaNarrative), u.Criteria(b.UUID)
	}
	for _, e := range a.Evidence {
		ev := evidenceView{URL: e.ID}
		if e.Narrative != "" {
			ev.Narrative = s.Markdown.HTML(e.Narrative)
		}
		p.Evidence = append(p.Evidence, ev)
	}
	if a.RevokedAt != nil {
		p.RevokedAt = *a.RevokedAt
	}
	if p.Endorsements, err = s.openbadges.Endorsements(r, u.BadgeClass(b.UUID)); err == nil {
		p.IssuerEndorsements, err = s.openbadges.Endorsements(r, u.Profile(o.Slug))
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if !a.Revoked() {
		issued := a.IssuedOn
		sh := openbadges.ShareOf(openbadges.Earned{Page: u.BadgePage(a.UUID), Image: p.Image, Name: b.Name,
			IssuerName: o.Name, IssuedOn: &issued, Expires: a.Expires, ID: a.UUID})
		p.Share = &sh
	}
	if a.Expires != nil && !p.Expired {
		p.DaysLeft = kit.DaysLeft(s.Localizer(r), a.Expires.Sub(now))
	}
	// A revocation or an expiry should show as soon as it happens. A claim
	// link is a secret of the earner's: keep it out of caches and search
	// engines.
	w.Header().Set("Cache-Control", "no-cache")
	if claimed {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Robots-Tag", "noindex")
	}
	p.Following = s.FollowsBadge(r, p.BadgeID)
	s.Render(w, r, http.StatusOK, "badge", kit.PageData{Title: b.Name, Data: p})
}

// ClaimToPassport sends an earner from a claim page to the passport on
// their own Laurel node (named by their handle, name@host), with the badge
// to add filled in; their node verifies it and checks that it was awarded
// to them. It sends them only to a Laurel passport: WebFinger must know
// the handle, and the NodeInfo of the actor's server must say Laurel;
// anything else is a problem on "handle" that gives the badge's URL to
// add by hand, rather than a redirect to any host a handle names.
func (s *Handlers) ClaimToPassport(w http.ResponseWriter, r *http.Request) {
	assertion := r.URL.Query().Get("url")
	if _, err := issuer.AssertionByUUID(r.Context(), s.Deps.Pool, s.URLs().AssertionUUID(assertion)); err != nil {
		s.Fail(w, r, problem.Invalidf("url", "is not a badge issued here"))
		return
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("handle")), "acct:"), "@")
	_, host, ok := strings.Cut(handle, "@")
	if !ok || host == "" || strings.ContainsAny(host, "/?#@ \\") || s.Deps.Federation == nil {
		s.Fail(w, r, problem.Invalidf("handle", "must be your handle, like you@laurel.example"))
		return
	}
	passport, err := s.laurelPassport(r.Context(), handle)
	if err != nil {
		msg := err.Error()
		if p, ok := problem.As(err); ok {
			msg = p.Message
		}
		s.Fail(w, r, problem.Invalidf("handle", "%s; add the badge to your backpack by its URL instead: %s", msg, assertion))
		return
	}
	target := *passport
	target.RawQuery = url.Values{"add": {assertion}}.Encode()
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}

// laurelPassport is the passport page of handle's actor, once WebFinger
// names the actor and its server's NodeInfo says it runs Laurel.
func (s *Handlers) laurelPassport(ctx context.Context, handle string) (*url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	actor, err := s.Deps.Federation.ResolveActor(ctx, handle)
	if err != nil {
		return nil, err
	}
	a, err := url.Parse(actor)
	if err != nil || a.Host == "" {
		return nil, fmt.Errorf("%s has no actor with a usable address", handle)
	}
	base := url.URL{Scheme: a.Scheme, Host: a.Host}
	var index struct {
		Links []struct{ Rel, Href string }
	}
	if err := s.getJSON(ctx, base.String()+"/.well-known/nodeinfo", &index); err != nil {
		return nil, fmt.Errorf("the server of %s says nothing of its software: %w", handle, err)
	}
	var info struct {
		Software struct{ Name string }
	}
	for _, l := range index.Links {
		if strings.HasPrefix(l.Rel, "http://nodeinfo.diaspora.software/ns/schema/2.") && sameHost(l.Href, a.Host) {
			if err := s.getJSON(ctx, l.Href, &info); err != nil {
				return nil, fmt.Errorf("the NodeInfo of %s cannot be read: %w", a.Host, err)
			}
			break
		}
	}
	if !strings.EqualFold(info.Software.Name, "laurel") {
		return nil, fmt.Errorf("%s is not on a Laurel node (its server runs %q)", handle, info.Software.Name)
	}
	base.Path = "/passport"
	return &base, nil
}

// getJSON fetches a small JSON document through the node's egress client.
func (s *Handlers) getJSON(ctx context.Context, rawURL string, dst any) error {
	body, resp, err := s.Deps.Egress.Get(ctx, rawURL, "application/json")
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", rawURL, resp.Status)
	}
	return json.Unmarshal(body, dst)
}

// sameHost reports whether rawURL is on host.
func sameHost(rawURL, host string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && strings.EqualFold(u.Host, host)
}

// downloadLabel is the message that names a download of a badge image of
// the given media type.
func downloadLabel(mediaType string) string {
	if mediaType == "image/svg+xml" {
		return "earned.download_svg"
	}
	return "earned.download_png"
}
