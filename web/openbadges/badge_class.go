package openbadges

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/web/kit"
)

// BadgeClassPage is a badge class as people read it: at its own id
// (/ob/badges/{uuid}) in a browser, and in the Creator tools with the
// creators' tools added.
type BadgeClassPage struct {
	Badge    issuer.BadgeClass
	Org      issuer.Organisation
	Image    string
	JSONLD   string // the hosted BadgeClass
	Criteria template.HTML
	// CriteriaPage is the hosted page of written criteria, or the
	// issuer's own page.
	CriteriaPage string
	// Endorsements are the badge's current endorsements by organisations
	// and networks, oldest first.
	Endorsements []EndorsementView
	// Tools are the creators' tools; nil on the public page.
	Tools *CreatorTools
}

// EndorsementView is one endorsement as a page lists it: the endorser's
// name linking to their profile page, the date, the comment.
type EndorsementView struct {
	Name, Profile, Comment string
	network.Endorsement
}

// CreatorTools are what the badge's creators see on its page: links to
// edit, issue and ask for endorsements, the requests still pending and
// the partners it was shared with.
type CreatorTools struct {
	Edit, Issue, NewRequest, Requests string
	Pending                           int
	Shares                            []network.Share
}

// Endorsements are the current endorsements of the Open Badges object id,
// each endorser linking to its page: an organisation of this node to its
// page here, another to its profile (which a Laurel node answers with the
// organisation's page in a browser).
func (s *Handlers) Endorsements(r *http.Request, id string) ([]EndorsementView, error) {
	list, err := network.EndorsementsOf(r.Context(), s.Deps.Pool, id)
	if err != nil {
		return nil, err
	}
	out := make([]EndorsementView, len(list))
	for i, e := range list {
		out[i] = EndorsementView{Name: e.EndorserName, Comment: e.Comment, Endorsement: e, Profile: s.ProfilePage(e.Profile, e.Endorser)}
	}
	return out, nil
}

// ProfilePage is where a person reads of the issuer or endorser with the
// given profile (and actor): its page here when it is ours, else its
// profile's or actor's URL.
func (s *Handlers) ProfilePage(profile, actor string) string {
	if slug := s.URLs().ProfileSlug(profile); slug != "" {
		return "/orgs/" + slug
	}
	for _, u := range []string{profile, actor} {
		if isHTTPURL(u) {
			return u
		}
	}
	return ""
}

// RenderBadgeClass answers with the page of badge class b; tools, when
// not nil, are the creators' tools to show with it.
func (s *Handlers) RenderBadgeClass(w http.ResponseWriter, r *http.Request, b issuer.BadgeClass, tools *CreatorTools) {
	o, err := issuer.OrganisationBySlug(r.Context(), s.Deps.Pool, b.OrganisationSlug)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u := s.URLs()
	p := BadgeClassPage{Badge: b, Org: o, Image: u.BadgeImage(b.UUID), JSONLD: u.BadgeClass(b.UUID), CriteriaPage: b.CriteriaURL, Tools: tools}
	if b.CriteriaNarrative != "" {
		p.Criteria, p.CriteriaPage = s.Markdown.HTML(b.CriteriaNarrative), u.Criteria(b.UUID)
	}
	if p.Endorsements, err = s.Endorsements(r, p.JSONLD); err != nil {
		s.Fail(w, r, err)
		return
	}
	if tools != nil {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	s.Render(w, r, http.StatusOK, "badge_class", kit.PageData{Title: b.Name, Data: p})
}

// isHTTPURL reports whether s is an http(s) URL, to link to.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
