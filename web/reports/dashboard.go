package reports

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/report"
	"github.com/laurelnet/laurel/web/kit"
)

// activityLimit is how many recent events an organisation's panel lists.
const activityLimit = 8

// orgPanel is one organisation on the dashboard.
type orgPanel struct {
	kit.OrgRole
	Unread   int
	Issuing  issuer.Summary
	Network  network.Summary
	ToReview int  // applications waiting for a decision
	NoEmail  bool // it has no email address, so it cannot issue
	Activity []event
	Reports  string // its reports page
}

// event is one line of recent activity, with a link to where it is seen.
type event struct {
	report.Event
	Link string
}

// Attention reports whether anything waits for the organisation's people.
func (p orgPanel) Attention() bool {
	return p.Network.PendingRequests > 0 || p.Network.SharesToAnswer > 0 || p.ToReview > 0 || p.NoEmail
}

// dashboardData is the dashboard: a panel per organisation the viewer
// acts for, and for an earner in none their passport in numbers.
type dashboardData struct {
	Orgs []orgPanel
	// Reviews are the organisations the viewer reviews badge
	// applications for (the reviewer role, which acts for nothing else).
	Reviews          []reviewPanel
	Passport         *passport.Summary
	FailedDeliveries int // node admins only
	NodeAdmin        bool
}

// reviewPanel is an organisation whose applications the viewer reviews.
type reviewPanel struct {
	Name, Slug string
	ToReview   int // applications waiting for a decision
}

// reviews lists the organisations u reviews applications for.
func (s *Handlers) reviews(r *http.Request, u account.User) ([]reviewPanel, error) {
	ctx, db := r.Context(), s.Deps.Pool
	ms, err := account.Memberships(ctx, db, u.ID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, m := range ms {
		if m.Role == account.RoleReviewer {
			ids = append(ids, m.OrganisationID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	orgs, err := issuer.Organisations(ctx, db, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]reviewPanel, 0, len(orgs))
	for _, o := range orgs {
		n, err := application.CountToReview(ctx, db, o.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, reviewPanel{Name: o.Name, Slug: o.Slug, ToReview: n})
	}
	return out, nil
}

// Dashboard is the home page of a logged-in user.
func (s *Handlers) Dashboard(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	orgs, err := s.MyOrganisations(r, u)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := dashboardData{NodeAdmin: u.NodeAdmin}
	if d.Reviews, err = s.reviews(r, u); err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, o := range orgs {
		p, err := s.panel(r, o)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		d.Orgs = append(d.Orgs, p)
	}
	if len(orgs) == 0 && len(d.Reviews) == 0 {
		ps, err := passport.SummaryOf(r.Context(), s.Deps.Pool, u.ID)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		d.Passport = &ps
	}
	if u.NodeAdmin {
		if d.FailedDeliveries, err = federation.CountFailedDeliveries(r.Context(), s.Deps.Pool); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	s.Render(w, r, http.StatusOK, "dashboard", kit.PageData{Title: "menu.dashboard", Data: d})
}

// panel counts what the dashboard shows of organisation o.
func (s *Handlers) panel(r *http.Request, o kit.OrgRole) (orgPanel, error) {
	ctx, db := r.Context(), s.Deps.Pool
	p := orgPanel{OrgRole: o, NoEmail: o.Email == "", Reports: reportsURL(o.Organisation)}
	var err error
	if _, p.Unread, err = network.Notifications(ctx, db, o.ID, 0); err != nil {
		return orgPanel{}, err
	}
	if p.Issuing, err = issuer.SummaryOf(ctx, db, o.ID, s.now()); err != nil {
		return orgPanel{}, err
	}
	if s.Deps.Network != nil {
		if p.Network, err = s.Deps.Network.SummaryOf(ctx, o.Organisation); err != nil {
			return orgPanel{}, err
		}
	}
	if p.ToReview, err = application.CountToReview(ctx, db, o.ID); err != nil {
		return orgPanel{}, err
	}
	issued, err := issuer.RecentActivity(ctx, db, o.ID, activityLimit)
	if err != nil {
		return orgPanel{}, err
	}
	net, err := network.RecentActivity(ctx, db, o.ID, activityLimit)
	if err != nil {
		return orgPanel{}, err
	}
	feed, err := community.Feed(ctx, db, o.ID, activityLimit, 0)
	if err != nil {
		return orgPanel{}, err
	}
	all := append(issued, net...)
	for _, f := range feed {
		all = append(all, report.Event{Kind: "post", At: f.Published, Name: f.AuthorName})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.After(all[j].At) })
	if len(all) > activityLimit {
		all = all[:activityLimit]
	}
	for _, e := range all {
		p.Activity = append(p.Activity, event{Event: e, Link: activityLink(o.Organisation, e)})
	}
	return p, nil
}

// activityLink is the page where an event of o is seen.
func activityLink(o issuer.Organisation, e report.Event) string {
	org := "?org=" + url.QueryEscape(o.Slug)
	switch e.Kind {
	case "issued", "claimed":
		return "/issuer/" + url.PathEscape(o.Slug) + "/badges/" + url.PathEscape(e.Ref)
	case "request":
		return "/network/requests" + org
	case "share":
		return "/network/shared-with-us" + org
	case "post":
		return "/network/networks" + org
	}
	return "/network" + org
}
