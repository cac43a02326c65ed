package network

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The network pages: an organisation's partners, the endorsements between
// them, requests for endorsements, endorsement templates, the badges shared
// between partners, invitations to external endorsers, and notifications.
// Each tab is its own page; every change is a POST form under the
// organisation's slug that redirects back to its tab, or shows the tab
// again with the problem.

// The tabs of the network pages.
const (
	tabPartners  = "partners"
	tabRequests  = "requests"
	tabExternal  = "external"
	tabGiven     = "given"
	tabTemplates = "templates"
	// tabShared lists the badges we shared with partners.
	tabShared = "shared"
	// tabSharedWithUs lists the badges partners shared with us.
	tabSharedWithUs = "shared-with-us"
	// tabNetworks is the regional networks the organisation belongs to
	// (package community), with their feed.
	tabNetworks = "networks"
)

// tabPaths are where the tabs live; the organisation rides along as ?org=.
var tabPaths = map[string]string{
	tabPartners:     "/network",
	tabRequests:     "/network/requests",
	tabExternal:     "/network/external",
	tabGiven:        "/network/given",
	tabTemplates:    "/network/templates",
	tabShared:       "/network/shared",
	tabSharedWithUs: "/network/shared-with-us",
	tabNetworks:     "/network/networks",
}

// tabQueries are the tabs that /network?tab= names, as notifications
// link to them: the tabs' own names and a few others.
var tabQueries = map[string]string{
	tabPartners: tabPartners, tabRequests: tabRequests, tabExternal: tabExternal, tabGiven: tabGiven,
	tabTemplates: tabTemplates, tabShared: tabShared, tabSharedWithUs: tabSharedWithUs, tabNetworks: tabNetworks,
	"shared-with-partners": tabShared,
	"received":             tabExternal,
}

// notificationLimit is how many of the newest notifications the network
// page lists.
const notificationLimit = 50

// directoryLimit bounds a directory search's results on the page.
const directoryLimit = 30

// NetworkUIRoutes are the network pages, for logged-in users. The changes
// sit under /network/orgs/{slug}, so that no slug can clash with a tab.
func (s *Handlers) NetworkUIRoutes(r chi.Router) {
	for tab, path := range tabPaths {
		if tab == tabPartners {
			r.Get(path, s.networkHome)
			continue
		}
		r.Get(path, s.networkTab(tab))
	}
	r.Route("/network/orgs/{slug}", func(r chi.Router) {
		r.Post("/partners", s.WithOrgFor(account.Endorse, s.networkAddPartner))
		r.Post("/partners/remove", s.WithOrgFor(account.Endorse, s.networkRemovePartner))
		r.Post("/endorsements", s.WithOrgFor(account.Endorse, s.networkEndorse))
		r.Post("/endorsements/{uuid}/withdraw", s.WithOrgFor(account.Endorse, s.networkWithdrawEndorsement))
		r.Post("/endorsements/remove", s.WithOrgFor(account.Endorse, s.networkRemoveEndorsement))
		r.Post("/requests", s.WithOrgFor(account.Endorse, s.networkRequest))
		r.Post("/requests/{uuid}/accept", s.WithOrgFor(account.Endorse, s.networkAccept))
		r.Post("/requests/{uuid}/decline", s.WithOrgFor(account.Endorse, s.networkCloseRequest(false)))
		r.Post("/requests/{uuid}/withdraw", s.WithOrgFor(account.Endorse, s.networkCloseRequest(true)))
		r.Post("/templates", s.WithOrgFor(account.Endorse, s.networkSaveTemplate))
		r.Post("/templates/{id}", s.WithOrgFor(account.Endorse, s.networkSaveTemplate))
		r.Post("/templates/{id}/delete", s.WithOrgFor(account.Endorse, s.networkDeleteTemplate))
		r.Post("/shares", s.WithOrgFor(account.Endorse, s.networkShare))
		r.Post("/shares/{uuid}/accept", s.WithOrgFor(account.Endorse, s.networkAnswerShare(true)))
		r.Post("/shares/{uuid}/decline", s.WithOrgFor(account.Endorse, s.networkAnswerShare(false)))
		r.Post("/invitations", s.WithOrgFor(account.Endorse, s.networkInvite))
		r.Post("/notifications/read", s.WithOrgFor(account.Endorse, s.networkMarkRead))
		r.Post("/request-email", s.WithOrgFor(account.ManageOrganisation, s.networkRequestEmail))
		s.communityTabRoutes(r)
	})
}

// networkURL is a tab of o's network pages.
func networkURL(tab string, o issuer.Organisation) string {
	return tabPaths[tab] + "?org=" + url.QueryEscape(o.Slug)
}

// networkPage is what a tab of the network pages shows. Each tab fills
// only its own part.
type networkPage struct {
	Tab     string
	Orgs    []issuer.Organisation // the picker's choices
	Org     issuer.Organisation   // the one shown; zero when Orgs is empty
	Notice  kit.Notice
	Pending int // incoming requests waiting for an answer
	// PendingShares counts the badges shared with us that wait for an
	// answer.
	PendingShares int
	// Unread counts the organisation's unread notifications, shown on
	// every tab; the partners tab lists the newest.
	Unread        int
	Notifications []notificationRow
	// Form is the form that failed, as the user filled it in.
	Form networkForm
	// Templates are the organisation's endorsement templates, offered
	// wherever an endorsement is written.
	Templates []network.Template
	// Badges are the organisation's badge classes, to ask endorsements of.
	Badges []badgeChoice

	// The partners tab.
	Filter    network.Filter
	Filtered  bool     // a filter is set, so an empty list means no match
	Countries []string // of all partners, for the filter
	Partners  []partnerRow
	Search    directorySearch

	// The requests tab.
	Incoming []network.Request // pending, to answer
	Answered []network.Request // incoming, answered or withdrawn
	Outgoing []network.Request
	Choices  []network.Partner // partners to ask (or share with) at once
	Report   []requestResult   // of a request or share to several, when one failed

	// The endorsement tabs: received or given.
	Endorsements []network.Endorsement

	// The external endorsements tab: invitations to people and
	// organisations without an account here, and whether this node can
	// email them.
	Invitations []network.Invitation
	MailEnabled bool

	// The share tabs: the badges we shared, or that were shared with us.
	Shares []network.Share

	// The regional networks tab: memberships, and what the networks
	// relayed.
	Memberships []community.Membership
	Feed        []feedRow
}

// InvitationDays is how many days an invitation's link works.
func (networkPage) InvitationDays() int { return int(network.InvitationLifetime.Hours() / 24) }

// notificationRow is a notification with its link for the organisation
// shown.
type notificationRow struct {
	network.Notification
	Href string // "" when it links nowhere
}

// notificationHref is a notification's link, which names a tab of the
// network pages, for organisation o: a user who acts for several sees the
// one notified. Only links within this site are kept.
func notificationHref(link string, o issuer.Organisation) string {
	u, err := url.Parse(link)
	if link == "" || err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	q := u.Query()
	q.Set("org", o.Slug)
	u.RawQuery = q.Encode()
	return u.String()
}

// badgeChoice is one of the organisation's badge classes in a select: the
// value is its hosted BadgeClass id, or its uuid where the badge is ours
// to share.
type badgeChoice struct {
	ID, UUID, Name string
}

// partnerRow is a partner in the list, with what the page says of it.
type partnerRow struct {
	network.Partner
	// Target names the partner to the domain: its slug here, else its
	// actor id.
	Target string
	// Where is "on this node" or the host of a remote partner.
	Where string
}

// RelationText is the partner's relationship in the filter's words.
func (p partnerRow) RelationText() string { return relationText(p.Relation) }

// relationText says a network.Partner relation in words.
func relationText(rel string) string {
	switch rel {
	case "we-endorse":
		return "We endorse them"
	case "they-endorse":
		return "They endorse us"
	case "mutual":
		return "Mutual endorsement"
	}
	return "No endorsement yet"
}

// relationFilters are the choices of the partner filter, in order.
var relationFilters = []struct{ Value, Label string }{
	{"all", "All"}, {"we-endorse", "We endorse them"}, {"they-endorse", "They endorse us"}, {"mutual", "Mutual endorsement"},
}

// RelationFilters are the partner filter's choices, for the template.
func (networkPage) RelationFilters() []struct{ Value, Label string } { return relationFilters }

// directorySearch is the directory search of the partners tab.
type directorySearch struct {
	Text, Country string
	Network       string // a network's handle: its members only
	Done          bool   // a search was made, so an empty list means no match
	Results       []listingRow
}

// listingRow is a directory entry, with whether it is already a partner
// or the organisation itself.
type listingRow struct {
	network.Listing
	Partner bool
	Self    bool
}

// requestResult is the outcome of one request of a request to several.
type requestResult struct {
	Target  string // as the user knows it: the partner's name or what they typed
	OK      bool
	Message string // why it failed
}

// networkForm is a network form as the user filled it in, kept to show it
// again with a problem.
type networkForm struct {
	Name string // which form: add, endorse, ask, request, accept or template
	// Key is what the form is about, since the page repeats some forms:
	// the partner's actor, the request's uuid or the template's id.
	Key      string
	Target   string
	Targets  []string // the partners chosen in a request to several
	Badge    string
	Comment  string
	Template int64
	Message  string
	TName    string // a template's name
	TText    string // a template's text
	Mode     string // a share's: link or copy
	Email    string // an invitation's address
	// A network founded: its slug, name, countries (as typed) and policy.
	NetSlug, NetName, NetCountries, NetPolicy string
	Invalid                                   string // the control a problem is about: target, badge, comment, template, message, name, text, mode, email, network, slug, countries, policy or content
}

// Is reports whether f is the form name about key.
func (f networkForm) Is(name, key string) bool { return f.Name == name && f.Key == key }

// Bad reports whether the problem is about control field of the form name
// about key.
func (f networkForm) Bad(name, key, field string) bool { return f.Is(name, key) && f.Invalid == field }

// Chose reports whether target was among the partners chosen.
func (f networkForm) Chose(target string) bool { return slices.Contains(f.Targets, target) }

// blame marks the control a domain problem's field is about and returns
// its label, "" when the message is clear without one.
func (f *networkForm) blame(field string) string {
	switch field {
	case "target":
		// The partner forms name their partner already; only the forms
		// where it is typed have a control for it.
		if f.Name == "add" || f.Name == "request" || f.Name == "share" {
			f.Invalid = "target"
			return "Organisation"
		}
	case "targets":
		f.Invalid = "target"
		return "Share with"
	case "badge":
		f.Invalid = "badge"
		return "Badge"
	case "mode":
		f.Invalid = "mode"
		return "Share as"
	case "email":
		f.Invalid = "email"
		return "Email address"
	case "subject":
		f.Invalid = "badge"
		switch f.Name {
		case "endorse":
			return "Badge URL"
		case "invite":
			return "What to endorse"
		}
		return "Badge"
	case "comment":
		f.Invalid = "comment"
		return "Comment"
	case "template":
		f.Invalid = "template"
		return "Template"
	case "message":
		f.Invalid = "message"
		return "Message"
	case "name":
		f.Invalid = "name"
		return "Name"
	case "text":
		f.Invalid = "text"
		return "Text"
	case "country":
		return "Country"
	case "filter":
		return "Filter"
	case "network", "slug", "countries", "policy", "content":
		f.Invalid = field
		return map[string]string{"network": "Network", "slug": "Handle", "countries": "Countries", "policy": "Who may join", "content": "Post"}[field]
	}
	return ""
}

// networkTab shows a tab for the organisation of ?org=.
func (s *Handlers) networkTab(tab string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderNetwork(w, r, http.StatusOK, "", nil, tab, networkForm{})
	}
}

// networkHome is the partners tab, or, with ?tab= (as notifications link
// to), a redirect to the tab it names, keeping ?org=.
func (s *Handlers) networkHome(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if tab, ok := tabQueries[q.Get("tab")]; ok {
		to := tabPaths[tab]
		if org := q.Get("org"); org != "" {
			to += "?org=" + url.QueryEscape(org)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.renderNetwork(w, r, http.StatusOK, "", nil, tabPartners, networkForm{})
}

// TabURL is a tab of the organisation shown.
func (p networkPage) TabURL(tab string) string { return networkURL(tab, p.Org) }

// Path is the path of the tab shown, for the organisation picker.
func (p networkPage) Path() string { return tabPaths[p.Tab] }

// renderNetwork shows tab for o, or for the organisation of ?org= when o
// is nil, with message as a problem and f as the form that failed.
func (s *Handlers) renderNetwork(w http.ResponseWriter, r *http.Request, status int, message string,
	o *issuer.Organisation, tab string, f networkForm) {
	s.renderNetworkReport(w, r, status, message, o, tab, f, nil)
}

// renderNetworkReport is renderNetwork with the report of a request to
// several organisations.
func (s *Handlers) renderNetworkReport(w http.ResponseWriter, r *http.Request, status int, message string,
	o *issuer.Organisation, tab string, f networkForm, report []requestResult) {
	p := networkPage{Tab: tab, Form: f, Report: report}
	var err error
	if p.Orgs, err = s.ActingOrganisationsFor(r, account.Endorse); err != nil {
		s.Fail(w, r, err)
		return
	}
	switch {
	case o != nil:
		p.Org = *o
	case len(p.Orgs) == 0:
		// The section's page says how to join an organisation.
		s.SectionPage("network")(w, r)
		return
	default:
		if p.Org, err = kit.ChooseOrganisation(r, p.Orgs); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	p.Notice = s.PopNotice(r)
	filterProblem, err := s.loadNetworkTab(r, &p)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if filterProblem != "" && message == "" {
		status, message = http.StatusBadRequest, filterProblem
	}
	s.Render(w, r, status, "network", kit.PageData{Title: "Network", Message: message, Data: p})
}

// loadNetworkTab reads what p's tab shows. A bad partner filter is not an
// error: it is returned as the message to show over an empty list.
func (s *Handlers) loadNetworkTab(r *http.Request, p *networkPage) (string, error) {
	ctx, o := r.Context(), p.Org
	pending, err := s.Deps.Network.Requests(ctx, o, "incoming", network.Pending)
	if err != nil {
		return "", err
	}
	p.Pending = len(pending)
	received, err := s.Deps.Network.Shares(ctx, o, network.Received)
	if err != nil {
		return "", err
	}
	for _, sh := range received {
		if sh.State == network.Pending {
			p.PendingShares++
		}
	}
	notes, unread, err := network.Notifications(ctx, s.Deps.Pool, o.ID, notificationLimit)
	if err != nil {
		return "", err
	}
	p.Unread = unread
	p.MailEnabled = s.MailQueue() != nil
	switch p.Tab {
	case tabPartners, tabRequests, tabTemplates:
		if p.Templates, err = network.Templates(ctx, s.Deps.Pool, o.ID); err != nil {
			return "", err
		}
	}
	switch p.Tab {
	case tabPartners:
		for _, n := range notes {
			p.Notifications = append(p.Notifications, notificationRow{Notification: n, Href: notificationHref(n.Link, o)})
		}
		if err := s.loadBadgeChoices(r, p); err != nil {
			return "", err
		}
		if p.Memberships, err = community.Memberships(ctx, s.Deps.Pool, o.ID); err != nil { // to share endorsements with
			return "", err
		}
		return s.loadPartners(r, p)
	case tabRequests:
		p.Incoming = pending
		all, err := s.Deps.Network.Requests(ctx, o, "incoming", "")
		if err != nil {
			return "", err
		}
		for _, q := range all {
			if q.State != network.Pending {
				p.Answered = append(p.Answered, q)
			}
		}
		if p.Outgoing, err = s.Deps.Network.Requests(ctx, o, "outgoing", ""); err != nil {
			return "", err
		}
		if p.Choices, err = s.Deps.Network.Partners(ctx, o, network.Filter{}); err != nil {
			return "", err
		}
		return "", s.loadBadgeChoices(r, p)
	case tabExternal:
		if p.Endorsements, err = s.Deps.Network.Endorsements(ctx, o, network.Received, ""); err != nil {
			return "", err
		}
		if p.Invitations, err = network.Invitations(ctx, s.Deps.Pool, o.ID); err != nil {
			return "", err
		}
		p.MailEnabled = s.MailQueue() != nil
		return "", s.loadBadgeChoices(r, p)
	case tabGiven:
		p.Endorsements, err = s.Deps.Network.Endorsements(ctx, o, network.Given, "")
	case tabShared:
		if p.Shares, err = s.Deps.Network.Shares(ctx, o, network.Given); err != nil {
			return "", err
		}
		if p.Memberships, err = community.Memberships(ctx, s.Deps.Pool, o.ID); err != nil { // to offer badges to
			return "", err
		}
		if p.Choices, err = s.Deps.Network.Partners(ctx, o, network.Filter{}); err != nil {
			return "", err
		}
		return "", s.loadBadgeChoices(r, p)
	case tabSharedWithUs:
		p.Shares = received
	case tabNetworks:
		return "", s.loadNetworksTab(r, p)
	}
	return "", err
}

// loadBadgeChoices reads the organisation's badges that can be asked to be
// endorsed: the ones not archived.
func (s *Handlers) loadBadgeChoices(r *http.Request, p *networkPage) error {
	list, err := issuer.BadgeClasses(r.Context(), s.Deps.Pool, p.Org.ID, false)
	if err != nil {
		return err
	}
	u := s.URLs()
	for _, b := range list {
		p.Badges = append(p.Badges, badgeChoice{ID: u.BadgeClass(b.UUID), UUID: b.UUID, Name: b.Name})
	}
	return nil
}

// loadPartners reads the partner list as filtered by the query, and the
// directory search when one was made.
func (s *Handlers) loadPartners(r *http.Request, p *networkPage) (string, error) {
	ctx, q := r.Context(), r.URL.Query()
	all, err := s.Deps.Network.Partners(ctx, p.Org, network.Filter{})
	if err != nil {
		return "", err
	}
	p.Filter = network.Filter{Relation: q.Get("filter"), Country: strings.TrimSpace(q.Get("country")), Text: strings.TrimSpace(q.Get("q"))}
	if p.Filter.Relation == "" {
		p.Filter.Relation = "all"
	}
	p.Filtered = p.Filter.Relation != "all" || p.Filter.Country != "" || p.Filter.Text != ""
	partners := all
	var filterProblem string
	if p.Filtered {
		partners, err = s.Deps.Network.Partners(ctx, p.Org, p.Filter)
		if pr, ok := problem.As(err); ok {
			filterProblem, partners, err = (&networkForm{}).blame(pr.Field)+": "+pr.Message, nil, nil
		}
		if err != nil {
			return "", err
		}
	}
	known := map[string]bool{}
	for _, x := range all {
		known[x.Actor] = true
		if x.Country != "" && !slices.Contains(p.Countries, x.Country) {
			p.Countries = append(p.Countries, x.Country)
		}
	}
	if c := strings.ToUpper(p.Filter.Country); c != "" && !slices.Contains(p.Countries, c) {
		p.Countries = append(p.Countries, c)
	}
	slices.Sort(p.Countries)
	p.Filter.Country = strings.ToUpper(p.Filter.Country)
	for _, x := range partners {
		p.Partners = append(p.Partners, s.partnerRow(x))
	}

	p.Search = directorySearch{Text: strings.TrimSpace(q.Get("dq")), Country: strings.ToUpper(strings.TrimSpace(q.Get("dcountry"))),
		Network: strings.TrimSpace(q.Get("dnetwork"))}
	if q.Has("dq") || q.Has("dcountry") || q.Has("dnetwork") {
		list, err := s.directory(r, p.Org, p.Search)
		if pr, ok := problem.As(err); ok && filterProblem == "" {
			filterProblem, err = "In a network: "+pr.Message, nil
		}
		if err != nil {
			return "", err
		}
		p.Search.Done = true
		self := s.Deps.Federation.URLs().Actor(p.Org.Slug)
		for _, l := range list {
			p.Search.Results = append(p.Search.Results, listingRow{Listing: l, Partner: known[l.Actor], Self: l.Actor == self})
		}
	}
	return filterProblem, nil
}

// partnerRow adds to a partner what the list shows of it.
func (s *Handlers) partnerRow(p network.Partner) partnerRow {
	row := partnerRow{Partner: p, Target: p.Actor, Where: "on this node"}
	if p.Local {
		row.Target = p.Slug
	} else if u, err := url.Parse(p.Actor); err == nil {
		row.Where = u.Host
	}
	return row
}

// networkProblem shows tab again after a failed form: a domain problem
// with its field named and the input kept, anything else as an error.
func (s *Handlers) networkProblem(w http.ResponseWriter, r *http.Request, o issuer.Organisation, tab string, f networkForm, err error) {
	p, ok := problem.As(err)
	if !ok {
		s.Fail(w, r, err)
		return
	}
	message := p.Message
	if label := f.blame(p.Field); label != "" {
		message = label + ": " + message
	}
	s.renderNetwork(w, r, kit.StatusOf[p.Kind], message, &o, tab, f)
}

// doneNetwork tells what a form did and goes back to its tab.
func (s *Handlers) doneNetwork(w http.ResponseWriter, r *http.Request, o issuer.Organisation, tab string, n kit.Notice) {
	s.SetNotice(r, n)
	http.Redirect(w, r, networkURL(tab, o), http.StatusSeeOther)
}

// parseNetworkForm reads a posted form; a body that is not a form is the
// client's problem, and one too large keeps its own error (a 413).
func parseNetworkForm(r *http.Request) error {
	err := r.ParseForm()
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return err
	}
	return problem.Invalidf("", "cannot read the form")
}

// templateID reads the template select: 0 when none is chosen.
func templateID(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, problem.Invalidf("template", "choose one of the templates in the list")
	}
	return id, nil
}

func (s *Handlers) networkAddPartner(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := networkForm{Name: "add", Target: r.PostForm.Get("target")}
	p, err := s.Deps.Network.AddPartner(r.Context(), o, f.Target)
	if err != nil {
		s.networkProblem(w, r, o, tabPartners, f, err)
		return
	}
	text := s.T(r, "netnotice.partner_added", "Name", p.Name, "Org", o.Name)
	if p.State == network.Pending {
		text = s.T(r, "netnotice.partner_requested", "Name", p.Name)
	}
	s.doneNetwork(w, r, o, tabPartners, kit.Notice{Text: text})
}

func (s *Handlers) networkRemovePartner(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	actor := r.PostForm.Get("actor")
	name := actor
	// The name, for the notice: after the removal the partner is gone.
	if list, err := s.Deps.Network.Partners(r.Context(), o, network.Filter{}); err == nil {
		for _, p := range list {
			if p.Actor == actor {
				name = p.Name
			}
		}
	}
	if err := s.Deps.Network.RemovePartner(r.Context(), o, actor); err != nil {
		s.networkProblem(w, r, o, tabPartners, networkForm{}, err)
		return
	}
	s.doneNetwork(w, r, o, tabPartners, kit.Notice{Text: s.T(r, "netnotice.partner_removed", "Name", name, "Org", o.Name)})
}

func (s *Handlers) networkEndorse(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.PostForm
	f := networkForm{Name: "endorse", Key: v.Get("key"), Target: v.Get("target"), Badge: strings.TrimSpace(v.Get("badge")),
		Comment: v.Get("comment")}
	if f.Key == "" {
		f.Key = f.Target
	}
	var e network.Endorsement
	tid, err := templateID(v.Get("template"))
	f.Template = tid
	var comment string
	if err == nil {
		comment, err = s.commentOrTemplate(r, o, strings.TrimSpace(f.Comment), tid)
	}
	if err == nil {
		err = s.checkEndorsementNetworks(r, o, v["networks"])
	}
	if err == nil {
		e, err = s.Deps.Network.Endorse(r.Context(), o, f.Target, f.Badge, comment)
	}
	if err == nil {
		err = s.shareEndorsement(r, o, v["networks"], e)
	}
	if err != nil {
		s.networkProblem(w, r, o, tabPartners, f, err)
		return
	}
	text := s.T(r, "netnotice.endorses", "Org", o.Name, "Name", e.SubjectName)
	if e.SubjectKind == network.SubjectBadge {
		text = s.T(r, "netnotice.endorses_badge", "Org", o.Name, "Name", e.SubjectName)
	}
	s.doneNetwork(w, r, o, tabPartners, kit.Notice{Text: text, Link: networkURL(tabGiven, o), LinkText: "netnotice.see_given"})
}

func (s *Handlers) networkWithdrawEndorsement(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	e, err := s.Deps.Network.Withdraw(r.Context(), o, chi.URLParam(r, "uuid"))
	if err != nil {
		s.networkProblem(w, r, o, tabGiven, networkForm{}, err)
		return
	}
	s.doneNetwork(w, r, o, tabGiven, kit.Notice{Text: s.T(r, "netnotice.withdrawn", "Name", e.SubjectName)})
}

// networkRemoveEndorsement takes an endorsement of us off our profile; its
// endorser is told.
func (s *Handlers) networkRemoveEndorsement(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, problem.Invalidf("", "cannot read the form"))
		return
	}
	e, err := s.Deps.Network.Remove(r.Context(), o, r.PostForm.Get("id"))
	if err != nil {
		s.networkProblem(w, r, o, tabExternal, networkForm{}, err)
		return
	}
	s.doneNetwork(w, r, o, tabExternal, kit.Notice{Text: s.T(r, "netnotice.external_removed", "Name", e.EndorserName)})
}

// networkRequest asks one organisation or several for an endorsement:
// each gets its own request. With one, a problem shows as a form's; with
// several, a report says which were sent and why the others were not.
func (s *Handlers) networkRequest(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.PostForm
	// "ask" is the form of one partner in the list; "request" the form of
	// the requests tab, with partners to choose and a field to type in.
	f := networkForm{Name: "request", Target: v.Get("target"), Badge: strings.TrimSpace(v.Get("badge")), Message: v.Get("message")}
	tab := tabRequests
	if v.Get("form") == "ask" {
		f.Name, f.Key, tab = "ask", v.Get("key"), tabPartners
	}
	f.Targets = chosenTargets(v["targets"])
	targets := slices.Clone(f.Targets)
	if strings.TrimSpace(f.Target) != "" || len(targets) == 0 {
		targets = append(targets, f.Target)
	}
	if len(targets) == 1 {
		q, err := s.Deps.Network.RequestEndorsement(r.Context(), o, targets[0], f.Badge, f.Message)
		if err != nil {
			s.networkProblem(w, r, o, tab, f, err)
			return
		}
		s.doneNetwork(w, r, o, tab, kit.Notice{Text: s.T(r, "netnotice.request_sent", "Name", q.TargetName),
			Link: networkURL(tabRequests, o) + "#outgoing", LinkText: "netnotice.see_requests"})
		return
	}

	names := s.partnerNames(r, o)
	var report []requestResult
	var sent []string
	failed := networkForm{Name: f.Name, Key: f.Key, Badge: f.Badge, Message: f.Message}
	var first *problem.Error
	for _, t := range targets {
		res := requestResult{Target: t, OK: true}
		if n := names[t]; n != "" {
			res.Target = n
		}
		q, err := s.Deps.Network.RequestEndorsement(r.Context(), o, t, f.Badge, f.Message)
		if err == nil {
			res.Target = q.TargetName
			sent = append(sent, q.TargetName)
			report = append(report, res)
			continue
		}
		res.OK = false
		if p, ok := problem.As(err); ok {
			res.Message = p.Message
			if first == nil {
				first = p
			}
		} else {
			s.Log.Error("request endorsement", "org", o.Slug, "target", t, "err", err)
			res.Message = s.T(r, "netnotice.not_sent_our_side")
		}
		report = append(report, res)
		// Keep what failed in the form, to try again.
		if t == f.Target {
			failed.Target = t
		} else {
			failed.Targets = append(failed.Targets, t)
		}
	}
	if len(sent) == len(targets) {
		s.doneNetwork(w, r, o, tab, kit.Notice{Text: s.T(r, "netnotice.requests_sent", "Names", strings.Join(sent, ", ")),
			Link: networkURL(tabRequests, o) + "#outgoing", LinkText: "netnotice.see_requests"})
		return
	}
	status := http.StatusOK
	if len(sent) == 0 {
		status = http.StatusBadRequest
		if first != nil {
			status = kit.StatusOf[first.Kind]
		}
	}
	message := s.Localizer(r).N("netnotice.requests_not_sent", len(targets), "Failed", len(targets)-len(sent))
	s.renderNetworkReport(w, r, status, message, &o, tabRequests, failed, report)
}

// chosenTargets are the partners ticked in a form, each once.
func chosenTargets(values []string) []string {
	var out []string
	for _, t := range values {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// partnerNames maps o's partners' actors and slugs to their names, for
// reports that name the organisations a form was about. It is empty when
// the partners cannot be read: the report then names them as typed.
func (s *Handlers) partnerNames(r *http.Request, o issuer.Organisation) map[string]string {
	names := map[string]string{}
	if list, err := s.Deps.Network.Partners(r.Context(), o, network.Filter{}); err == nil {
		for _, p := range list {
			names[p.Actor] = p.Name
			if p.Slug != "" {
				names[p.Slug] = p.Name
			}
		}
	}
	return names
}

func (s *Handlers) networkAccept(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.PostForm
	f := networkForm{Name: "accept", Key: chi.URLParam(r, "uuid"), Comment: v.Get("comment")}
	tid, err := templateID(v.Get("template"))
	f.Template = tid
	var comment string
	if err == nil {
		comment, err = s.commentOrTemplate(r, o, strings.TrimSpace(f.Comment), tid)
	}
	var q network.Request
	if err == nil {
		q, err = s.Deps.Network.Accept(r.Context(), o, f.Key, comment)
	}
	if err != nil {
		s.networkProblem(w, r, o, tabRequests, f, err)
		return
	}
	s.doneNetwork(w, r, o, tabRequests, kit.Notice{Text: s.T(r, "netnotice.request_accepted", "Requester", q.RequesterName, "Org", o.Name, "Name", q.SubjectName),
		Link: networkURL(tabGiven, o), LinkText: "netnotice.see_given"})
}

// networkCloseRequest declines an incoming request, or withdraws an
// outgoing one.
func (s *Handlers) networkCloseRequest(withdraw bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		close := s.Deps.Network.Decline
		if withdraw {
			close = s.Deps.Network.WithdrawRequest
		}
		q, err := close(r.Context(), o, chi.URLParam(r, "uuid"))
		if err != nil {
			s.networkProblem(w, r, o, tabRequests, networkForm{}, err)
			return
		}
		text := s.T(r, "netnotice.request_declined", "Name", q.RequesterName)
		if withdraw {
			text = s.T(r, "netnotice.request_withdrawn", "Name", q.TargetName)
		}
		s.doneNetwork(w, r, o, tabRequests, kit.Notice{Text: text})
	}
}

func (s *Handlers) networkSaveTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := networkForm{Name: "template", Key: chi.URLParam(r, "id"), TName: r.PostForm.Get("name"), TText: r.PostForm.Get("text")}
	t := network.Template{Name: f.TName, Text: f.TText}
	if f.Key != "" {
		id, err := strconv.ParseInt(f.Key, 10, 64)
		if err != nil {
			s.Fail(w, r, problem.NotFoundf("No such endorsement template."))
			return
		}
		t.ID = id
	}
	saved, err := network.SaveTemplate(r.Context(), s.Deps.Pool, o.ID, t)
	if err != nil {
		s.networkProblem(w, r, o, tabTemplates, f, err)
		return
	}
	s.doneNetwork(w, r, o, tabTemplates, kit.Notice{Text: s.T(r, "netnotice.template_saved", "Name", saved.Name)})
}

func (s *Handlers) networkDeleteTemplate(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.Fail(w, r, problem.NotFoundf("No such endorsement template."))
		return
	}
	// The name, for the notice.
	name := "The template"
	if list, err := network.Templates(r.Context(), s.Deps.Pool, o.ID); err == nil {
		for _, t := range list {
			if t.ID == id {
				name = s.T(r, "netnotice.template_named", "Name", t.Name)
			}
		}
	}
	if err := network.DeleteTemplate(r.Context(), s.Deps.Pool, o.ID, id); err != nil {
		s.networkProblem(w, r, o, tabTemplates, networkForm{}, err)
		return
	}
	s.doneNetwork(w, r, o, tabTemplates, kit.Notice{Text: s.T(r, "netnotice.deleted", "Name", name)})
}

// modeText says how a badge is shared, for notices.
func modeText(l *locale.Localizer, mode string) string {
	if mode == network.ShareCopy {
		return l.T("netshare.as_copy")
	}
	return l.T("netshare.as_link")
}

// networkShare shares one of our badges with the partners chosen and the
// organisation typed, each getting an offer of its own. With one, a
// problem shows as the form's; with several, a report says which were
// shared and why the others were not.
func (s *Handlers) networkShare(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.PostForm
	f := networkForm{Name: "share", Target: strings.TrimSpace(v.Get("target")), Badge: strings.TrimSpace(v.Get("badge")),
		Mode: v.Get("mode"), Targets: chosenTargets(v["targets"])}
	targets := slices.Clone(f.Targets)
	if f.Target != "" {
		targets = append(targets, f.Target)
	}
	if f.Badge == "" {
		s.networkProblem(w, r, o, tabShared, f, problem.Invalidf("badge", "choose one of our badges to share"))
		return
	}
	if nw := v.Get("network"); nw != "" {
		s.networkShareWithNetwork(w, r, o, f, nw, targets)
		return
	}
	results, err := s.Deps.Network.ShareBadge(r.Context(), o, f.Badge, targets, f.Mode)
	if err != nil {
		s.networkProblem(w, r, o, tabShared, f, err)
		return
	}
	if len(results) == 1 && results[0].Share == nil {
		s.networkProblem(w, r, o, tabShared, f, problem.Invalidf(results[0].Field, "%s", results[0].Error))
		return
	}

	names := s.partnerNames(r, o)
	var report []requestResult
	var shared []string
	var badge string
	failed := networkForm{Name: f.Name, Badge: f.Badge, Mode: f.Mode}
	for _, res := range results {
		row := requestResult{Target: res.Target, OK: res.Share != nil, Message: res.Error}
		if n := names[res.Target]; n != "" {
			row.Target = n
		}
		if res.Share != nil {
			row.Target, badge = res.Share.ReceiverName, res.Share.BadgeName
			shared = append(shared, row.Target)
		} else if res.Target == f.Target {
			// Keep what failed in the form, to try again.
			failed.Target = res.Target
		} else {
			failed.Targets = append(failed.Targets, res.Target)
		}
		report = append(report, row)
	}
	if len(shared) == len(results) {
		s.doneNetwork(w, r, o, tabShared, kit.Notice{Text: s.T(r, "netnotice.shared", "Badge", badge,
			"Mode", modeText(s.Localizer(r), f.Mode), "Names", strings.Join(shared, ", "))})
		return
	}
	status := http.StatusOK
	if len(shared) == 0 {
		status = http.StatusBadRequest
	}
	message := s.Localizer(r).N("netnotice.shares_failed", len(results), "Failed", len(results)-len(shared))
	s.renderNetworkReport(w, r, status, message, &o, tabShared, failed, report)
}

// networkAnswerShare accepts or declines a badge shared with us. The
// answer may be changed later, either way.
func (s *Handlers) networkAnswerShare(accept bool) func(http.ResponseWriter, *http.Request, issuer.Organisation) {
	return func(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
		sh, err := s.Deps.Network.AnswerShare(r.Context(), s.Actor(r), o, chi.URLParam(r, "uuid"), accept)
		if err != nil {
			s.networkProblem(w, r, o, tabSharedWithUs, networkForm{}, err)
			return
		}
		n := kit.Notice{Text: s.T(r, "netnotice.share_declined", "Badge", sh.BadgeName, "Name", sh.SharerName)}
		switch {
		case accept && sh.Mode == network.ShareCopy && sh.Copy != "":
			n = kit.Notice{Text: s.T(r, "netnotice.share_copied", "Badge", sh.BadgeName, "Name", sh.SharerName),
				Link: copyURL(o, sh.Copy), LinkText: "netnotice.open_copy"}
		case accept:
			n.Text = s.T(r, "netnotice.share_accepted", "Badge", sh.BadgeName, "Name", sh.SharerName)
		}
		s.doneNetwork(w, r, o, tabSharedWithUs, n)
	}
}

// copyURL is where o edits its copy of a shared badge, in the Creator
// tools.
func copyURL(o issuer.Organisation, copyUUID string) string {
	return "/creator/" + o.Slug + "/badges/" + copyUUID + "/edit"
}

// CopyURL is where the organisation shown edits its copy of a shared
// badge.
func (p networkPage) CopyURL(copyUUID string) string { return copyURL(p.Org, copyUUID) }

// networkInvite invites someone without an account here, by email, to
// endorse the organisation or one of its badges.
func (s *Handlers) networkInvite(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := parseNetworkForm(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.PostForm
	f := networkForm{Name: "invite", Email: v.Get("email"), Badge: strings.TrimSpace(v.Get("badge")), Message: v.Get("message")}
	inv, err := network.InviteExternal(r.Context(), s.Deps.Pool, s.MailQueue(), s.Deps.Locale, s.URLs(), o, f.Email, f.Badge, f.Message)
	if err != nil {
		s.networkProblem(w, r, o, tabExternal, f, err)
		return
	}
	l := s.Localizer(r)
	what := inv.SubjectName
	if inv.SubjectKind == network.SubjectBadge {
		what = l.T("netnotice.the_badge", "Name", inv.SubjectName)
	}
	s.doneNetwork(w, r, o, tabExternal, kit.Notice{
		Text: l.T("netnotice.invitation_sent", "What", what, "Email", inv.EmailHint, "Date", l.Date(inv.ExpiresAt.UTC())),
		Link: networkURL(tabExternal, o) + "#invitations", LinkText: "netnotice.see_invitations"})
}

// networkRequestEmail sets how the organisation is emailed about new
// endorsement requests, from the form under its notifications (as the
// seed has it, on the Partner network page).
func (s *Handlers) networkRequestEmail(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	choice := r.PostFormValue("request_email")
	if _, err := issuer.UpdateOrganisation(r.Context(), s.Deps.Pool, o.ID, issuer.OrganisationUpdate{RequestEmail: &choice}); err != nil {
		s.Fail(w, r, err)
		return
	}
	text := s.T(r, "netnotice.request_email_off")
	switch choice {
	case "immediately":
		text = s.T(r, "netnotice.request_email_immediately", "Org", o.Name)
	case "daily":
		text = s.T(r, "netnotice.request_email_daily", "Org", o.Name)
	}
	if choice != "off" && o.Email == "" {
		text += " " + s.T(r, "netnotice.request_email_no_address")
	}
	s.doneNetwork(w, r, o, tabPartners, kit.Notice{Text: text})
}

// networkMarkRead marks all of the organisation's notifications read.
func (s *Handlers) networkMarkRead(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	if err := network.MarkRead(r.Context(), s.Deps.Pool, o.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.doneNetwork(w, r, o, tabPartners, kit.Notice{Text: s.T(r, "netnotice.marked_read", "Org", o.Name)})
}
