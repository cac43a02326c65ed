package network

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The pages of regional badge networks (package community): the
// "Regional networks" tab of an organisation's network pages (its
// memberships, joining, founding, sharing a post, the networks' feed),
// and a network's own page at /networks/NAME for everyone, with its
// moderation for its moderators.

// feedRow is a relayed post as the tab shows it.
type feedRow struct {
	community.FeedItem
	HTML template.HTML // sanitised when it was kept
}

// communityTabRoutes are the forms of the regional networks tab, under
// /network/orgs/{slug}.
func (s *Handlers) communityTabRoutes(r chi.Router) {
	r.Post("/memberships", s.WithOrgFor(account.Endorse, s.networksJoin))
	r.Post("/memberships/{id}/leave", s.WithOrgFor(account.Endorse, s.networksLeave))
	r.Post("/networks", s.WithOrgFor(account.Endorse, s.networksFound))
	r.Post("/network-posts", s.WithOrgFor(account.Endorse, s.networksShare))
}

// loadNetworksTab reads the organisation's memberships and feed.
func (s *Handlers) loadNetworksTab(r *http.Request, p *networkPage) error {
	var err error
	if p.Memberships, err = community.Memberships(r.Context(), s.Deps.Pool, p.Org.ID); err != nil {
		return err
	}
	if err := s.loadBadgeChoices(r, p); err != nil {
		return err
	}
	feed, err := community.Feed(r.Context(), s.Deps.Pool, p.Org.ID, 50, 0)
	if err != nil {
		return err
	}
	for _, it := range feed {
		p.Feed = append(p.Feed, feedRow{FeedItem: it, HTML: template.HTML(it.Content)}) // #nosec G203: sanitised when kept
	}
	return nil
}

// Accepted are the networks the organisation is a member of, to share
// posts with.
func (p networkPage) Accepted() []community.Membership {
	var out []community.Membership
	for _, m := range p.Memberships {
		if m.State == community.Accepted {
			out = append(out, m)
		}
	}
	return out
}

// NetworkPage is the page of a network the organisation belongs to: on
// its node.
func (networkPage) NetworkPage(m community.Membership) string {
	u, err := url.Parse(m.Network)
	name, _, _ := strings.Cut(m.Handle, "@")
	if err != nil || u.Host == "" || name == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/networks/" + url.PathEscape(name)
}

// asAdmin is the organisation of the form when the viewer is one of its
// admins, as joining, leaving and founding ask.
func (s *Handlers) asAdmin(w http.ResponseWriter, r *http.Request, o issuer.Organisation, f networkForm) bool {
	if _, err := s.AdminOrganisation(r); err != nil {
		s.networkProblem(w, r, o, tabNetworks, f, err)
		return false
	}
	return true
}

func (s *Handlers) networksJoin(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := networkForm{Name: "join", Target: strings.TrimSpace(r.PostForm.Get("network"))}
	if !s.asAdmin(w, r, o, f) {
		return
	}
	if f.Target == "" {
		s.networkProblem(w, r, o, tabNetworks, f, problem.Invalidf("network", "is required: the network's handle, such as badge-finland@badges.example"))
		return
	}
	m, err := s.Deps.Communities.Join(r.Context(), o, f.Target)
	if err != nil {
		s.networkProblem(w, r, o, tabNetworks, f, err)
		return
	}
	l := s.Localizer(r)
	text := l.T("community.notice.member", "Organisation", o.Name, "Network", orHandle(m))
	switch m.State {
	case community.Pending:
		text = l.T("community.notice.pending", "Organisation", o.Name, "Network", orHandle(m))
	case community.Declined:
		text = l.T("community.notice.declined", "Network", orHandle(m))
	}
	s.doneNetwork(w, r, o, tabNetworks, kit.Notice{Text: text})
}

// orHandle names a network: its name, or its handle while it is unknown.
func orHandle(m community.Membership) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Handle
}

func (s *Handlers) networksLeave(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	if !s.asAdmin(w, r, o, networkForm{}) {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.Fail(w, r, problem.NotFoundf("No such membership."))
		return
	}
	if err := s.Deps.Communities.Leave(r.Context(), o, id); err != nil {
		s.networkProblem(w, r, o, tabNetworks, networkForm{}, err)
		return
	}
	s.doneNetwork(w, r, o, tabNetworks, kit.Notice{Text: s.Localizer(r).T("community.notice.left", "Organisation", o.Name)})
}

func (s *Handlers) networksFound(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := networkForm{Name: "found", NetSlug: strings.TrimSpace(r.PostForm.Get("slug")), NetName: strings.TrimSpace(r.PostForm.Get("name")),
		NetCountries: r.PostForm.Get("countries"), NetPolicy: r.PostForm.Get("policy"), Comment: r.PostForm.Get("description")}
	if !s.asAdmin(w, r, o, f) {
		return
	}
	countries := strings.FieldsFunc(f.NetCountries, func(c rune) bool { return c == ',' || c == ' ' })
	n, err := s.Deps.Communities.Found(r.Context(), o, community.NewNetwork{Slug: f.NetSlug, Name: f.NetName, Countries: countries,
		Policy: f.NetPolicy, Description: f.Comment})
	if err != nil {
		if p, ok := problem.As(err); ok && p.Field == "name" {
			f.Invalid = "netname"
			s.renderNetwork(w, r, kit.StatusOf[p.Kind], "Name: "+p.Message, &o, tabNetworks, f)
			return
		}
		s.networkProblem(w, r, o, tabNetworks, f, err)
		return
	}
	s.doneNetwork(w, r, o, tabNetworks, kit.Notice{Text: s.Localizer(r).T("community.notice.founded", "Name", n.Name, "Handle", n.Handle),
		Link: "/networks/" + url.PathEscape(n.Slug), LinkText: "community.notice.its_page"})
}

func (s *Handlers) networksShare(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := networkForm{Name: "share-post", Target: r.PostForm.Get("network"), Comment: r.PostForm.Get("content"), Badge: r.PostForm.Get("badge")}
	if _, err := s.Deps.Communities.Share(r.Context(), o, f.Target, f.Comment, f.Badge); err != nil {
		s.networkProblem(w, r, o, tabNetworks, f, err)
		return
	}
	s.doneNetwork(w, r, o, tabNetworks, kit.Notice{Text: "community.notice.shared"})
}

// communityPage is a network's page.
type communityPage struct {
	Network     community.Network
	Description template.HTML
	Charter     template.HTML
	Moderators  []string
	Countries   []community.CountryCount
	Country     string // the members' filter
	Members     []community.Member
	Total       int
	// Recognitions are the network's endorsements of members and their
	// badges.
	Recognitions []network.Endorsement
	// Moderator: the viewer moderates; the rest is for moderators only.
	Moderator    bool
	Applications []community.Member
	Invited      []community.Member
	Proposals    []network.Request
	Decisions    []community.Decision
	Alignments   []issuer.SavedAlignment
	Notice       kit.Notice
	// Relations: how many endorsement relations the picture shows, and
	// when they were read (zero: never).
	Relations   int
	RelationsAt time.Time
	actorPrefix string // of this node's actors
}

// CommunityModerationRoutes are the moderation forms of a network's page,
// for its moderators (the page itself, /networks/{name}, is public).
func (s *Handlers) CommunityModerationRoutes(r chi.Router) {
	r.Route("/networks/{name}/moderate", func(r chi.Router) {
		r.Post("/applications/{id}/{answer:accept|decline}", s.withModeratedNetwork(s.moderateAnswer))
		r.Post("/invitations", s.withModeratedNetwork(s.moderateInvite))
		r.Post("/members/{id}/remove", s.withModeratedNetwork(s.moderateRemove))
		r.Post("/recognitions", s.withModeratedNetwork(s.moderateRecognise))
		r.Post("/recognitions/{id}/withdraw", s.withModeratedNetwork(s.moderateWithdraw))
		r.Post("/proposals/{id}/{answer:accept|decline}", s.withModeratedNetwork(s.moderateProposal))
		r.Post("/moderators", s.withModeratedNetwork(s.moderateAppoint))
		r.Post("/relations/refresh", s.withModeratedNetwork(s.moderateRefreshRelations))
		r.Post("/moderators/{slug}/dismiss", s.withModeratedNetwork(s.moderateDismiss))
		r.Post("/profile", s.withNetwork(s.moderateProfile))
	})
}

func (s *Handlers) CommunityPageHandler(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.renderCommunity(w, r, http.StatusOK, "", n)
}

// renderCommunity shows network n's page, with message over it.
func (s *Handlers) renderCommunity(w http.ResponseWriter, r *http.Request, status int, message string, n community.Network) {
	ctx := r.Context()
	p := communityPage{Network: n, Description: s.Markdown.HTML(n.Description), Charter: s.Markdown.HTML(n.Charter),
		Country: strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("country"))), Notice: s.PopNotice(r),
		actorPrefix: s.Deps.Federation.URLs().Actor("")}
	var err error
	if p.Moderators, err = community.Moderators(ctx, s.Deps.Pool, n.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if p.Countries, err = community.CountMembersByCountry(ctx, s.Deps.Pool, n.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	all, err := community.Members(ctx, s.Deps.Pool, n.ID, community.Accepted, 1000, 0)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Total = len(all)
	for _, m := range all {
		if p.Country == "" || m.Country == p.Country {
			p.Members = append(p.Members, m)
		}
	}
	rels, at, err := community.Relations(ctx, s.Deps.Pool, n.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p.Relations, p.RelationsAt = len(rels), at
	if p.Recognitions, err = s.Deps.Communities.Recognitions(ctx, n); err != nil {
		s.Fail(w, r, err)
		return
	}
	if u, ok := kit.CurrentUser(r); ok {
		if p.Moderator = u.NodeAdmin; !p.Moderator {
			if p.Moderator, err = community.IsModerator(ctx, s.Deps.Pool, n.ID, u.ID); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
	}
	if p.Moderator {
		if p.Applications, err = s.Deps.Communities.Applications(ctx, n, community.Pending, 200, 0); err != nil {
			s.Fail(w, r, err)
			return
		}
		if p.Invited, err = s.Deps.Communities.Applications(ctx, n, community.Invited, 200, 0); err != nil {
			s.Fail(w, r, err)
			return
		}
		if p.Decisions, err = community.Decisions(ctx, s.Deps.Pool, n.ID, 50); err != nil {
			s.Fail(w, r, err)
			return
		}
		if p.Proposals, err = s.Deps.Communities.Proposals(ctx, n); err != nil {
			s.Fail(w, r, err)
			return
		}
		if p.Alignments, err = issuer.Alignments(ctx, s.Deps.Pool, n.ID); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	s.Render(w, r, status, "community", kit.PageData{Title: n.Name, Message: message, Data: p})
}

// CountryNames are the countries of the members, for the filter.
func (p communityPage) CountryNames() []string {
	var out []string
	for _, c := range p.Countries {
		out = append(out, c.Country)
	}
	slices.Sort(out)
	return out
}

// withModeratedNetwork runs h for the network of the path when the viewer
// moderates it.
func (s *Handlers) withModeratedNetwork(h func(http.ResponseWriter, *http.Request, community.Network)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseNetworkForm(r); err != nil {
			s.Fail(w, r, err)
			return
		}
		s.withNetwork(h)(w, r)
	}
}

// moderated answers a moderation form: back to the network's page with a
// notice, or the page again with the problem.
func (s *Handlers) moderated(w http.ResponseWriter, r *http.Request, n community.Network, text string, err error) {
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			s.Fail(w, r, err)
			return
		}
		message := p.Message
		if p.Field != "" {
			message = p.Field + ": " + message
		}
		s.renderCommunity(w, r, kit.StatusOf[p.Kind], message, n)
		return
	}
	s.SetNotice(r, kit.Notice{Text: text})
	http.Redirect(w, r, "/networks/"+url.PathEscape(n.Slug), http.StatusSeeOther)
}

func (s *Handlers) moderateAnswer(w http.ResponseWriter, r *http.Request, n community.Network) {
	id, err := pathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	accept := chi.URLParam(r, "answer") == "accept"
	m, err := s.Deps.Communities.Answer(r.Context(), n, moderatorName(r), id, accept)
	text := s.Localizer(r).T("community.notice.application_declined", "Name", m.Name)
	if accept {
		text = s.Localizer(r).T("community.notice.application_accepted", "Name", m.Name)
	}
	s.moderated(w, r, n, text, err)
}

func (s *Handlers) moderateInvite(w http.ResponseWriter, r *http.Request, n community.Network) {
	m, err := s.Deps.Communities.Invite(r.Context(), n, moderatorName(r), strings.TrimSpace(r.PostForm.Get("handle")))
	s.moderated(w, r, n, s.Localizer(r).T("community.notice.invited", "Name", m.Name), err)
}

func (s *Handlers) moderateRemove(w http.ResponseWriter, r *http.Request, n community.Network) {
	id, err := pathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.moderated(w, r, n, "community.notice.removed", s.Deps.Communities.Remove(r.Context(), n, moderatorName(r), id))
}

func (s *Handlers) moderateRecognise(w http.ResponseWriter, r *http.Request, n community.Network) {
	e, err := s.Deps.Communities.Recognise(r.Context(), n, moderatorName(r), strings.TrimSpace(r.PostForm.Get("subject")), r.PostForm.Get("comment"))
	s.moderated(w, r, n, s.Localizer(r).T("community.notice.recognises", "Network", n.Name, "Subject", e.SubjectName), err)
}

func (s *Handlers) moderateWithdraw(w http.ResponseWriter, r *http.Request, n community.Network) {
	_, err := s.Deps.Communities.Withdraw(r.Context(), n, moderatorName(r), chi.URLParam(r, "id"))
	s.moderated(w, r, n, "community.notice.withdrawn", err)
}

// directory searches the partner directory for organisation o: the
// members of the network named, or this node's directory and the members
// of every network o belongs to, each organisation once.
func (s *Handlers) directory(r *http.Request, o issuer.Organisation, q directorySearch) ([]network.Listing, error) {
	ctx := r.Context()
	if q.Network != "" {
		return s.Deps.Communities.Directory(ctx, q.Network, q.Text, q.Country, directoryLimit)
	}
	list, err := s.Deps.Network.Directory(ctx, q.Text, q.Country, directoryLimit)
	if err != nil {
		return nil, err
	}
	ms, err := community.Memberships(ctx, s.Deps.Pool, o.ID)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, l := range list {
		seen[l.Actor] = true
	}
	for _, m := range ms {
		if m.State != community.Accepted {
			continue
		}
		members, err := s.Deps.Communities.Directory(ctx, m.Network, q.Text, q.Country, directoryLimit)
		if _, ok := problem.As(err); ok {
			continue // a network out of reach: the others still answer
		}
		if err != nil {
			return nil, err
		}
		for _, l := range members {
			if !seen[l.Actor] {
				seen[l.Actor] = true
				list = append(list, l)
			}
		}
	}
	slices.SortFunc(list, func(a, b network.Listing) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	if len(list) > directoryLimit {
		list = list[:directoryLimit]
	}
	return list, nil
}

func (s *Handlers) moderateProposal(w http.ResponseWriter, r *http.Request, n community.Network) {
	id := chi.URLParam(r, "id")
	if chi.URLParam(r, "answer") == "accept" {
		q, err := s.Deps.Communities.AcceptProposal(r.Context(), n, moderatorName(r), id, r.PostForm.Get("comment"))
		s.moderated(w, r, n, s.Localizer(r).T("community.notice.recognises", "Network", n.Name, "Subject", q.SubjectName), err)
		return
	}
	_, err := s.Deps.Communities.DeclineProposal(r.Context(), n, moderatorName(r), id)
	s.moderated(w, r, n, "community.notice.proposal_declined", err)
}

func (s *Handlers) moderateAppoint(w http.ResponseWriter, r *http.Request, n community.Network) {
	slug := strings.TrimSpace(r.PostForm.Get("organisation"))
	s.moderated(w, r, n, s.Localizer(r).T("community.notice.appointed", "Organisation", slug, "Network", n.Name), s.Deps.Communities.Appoint(r.Context(), n, moderatorName(r), slug))
}

func (s *Handlers) moderateDismiss(w http.ResponseWriter, r *http.Request, n community.Network) {
	slug := chi.URLParam(r, "slug")
	s.moderated(w, r, n, s.Localizer(r).T("community.notice.dismissed", "Organisation", slug, "Network", n.Name), s.Deps.Communities.Dismiss(r.Context(), n, moderatorName(r), slug))
}

// LocalMembers are the members on this node that are not moderators:
// those the moderators may appoint.
func (p communityPage) LocalMembers() []community.Member {
	var out []community.Member
	for _, m := range p.Members {
		slug := strings.TrimPrefix(m.Actor, p.actorPrefix)
		if p.actorPrefix != "" && slug != m.Actor && !slices.Contains(p.Moderators, slug) {
			out = append(out, m)
		}
	}
	return out
}

// Slug is the slug of a member on this node.
func (p communityPage) Slug(m community.Member) string {
	return strings.TrimPrefix(m.Actor, p.actorPrefix)
}

func (s *Handlers) moderateRefreshRelations(w http.ResponseWriter, r *http.Request, n community.Network) {
	s.moderated(w, r, n, "community.notice.relations_read", s.Deps.Communities.RefreshRelations(r.Context(), n))
}
