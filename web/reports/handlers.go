// Package reports serves an organisation's figures: the dashboard (counts,
// recent activity and what needs attention, per organisation the viewer
// acts for, or an earner's passport in numbers) and the reports (issued
// per month per badge, claims and acceptances, endorsements received,
// partners by country), each a chart drawn on the server as SVG, a table
// of the same numbers, a CSV download and a JSON API.
//
// The numbers come from the domain packages, each counting its own
// tables (issuer, passport, network, application, federation); this
// package only puts them together. Node-wide figures are the node admin's,
// on /admin, and are not here.
package reports

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/chart"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/report"
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the dashboard and report pages and the reports API.
type Handlers struct {
	*kit.Kit
	// now is the clock the reports' windows end at.
	now func() time.Time
}

// New returns the handlers on k.
func New(k *kit.Kit) *Handlers { return &Handlers{Kit: k, now: time.Now} }

// months is how far back a report looks.
const months = 12

// Names are the reports, in the order the page shows them.
var Names = []string{"issued", "claims", "endorsements", "partners"}

// UIRoutes are the dashboard and the report pages, for logged-in users.
// Who may see an organisation's reports: its admins and the people who
// issue for it, and node admins (today kit.MemberOrganisation; the
// capability is ViewReports).
func (s *Handlers) UIRoutes(r chi.Router) {
	r.Get("/", s.Dashboard)
	r.Get("/reports", s.chooseOrganisation)
	r.Get("/orgs/{slug}/reports", s.WithOrgFor(account.ViewReports, s.reportsPage))
	r.Get("/orgs/{slug}/reports/{name}.csv", s.WithOrgFor(account.ViewReports, s.reportCSV))
}

// APIRoutes are the reports of the organisation of the path, as JSON,
// under /api/v1/orgs/{slug}; the same gate as the pages (ViewReports).
func (s *Handlers) APIRoutes(r chi.Router) {
	r.Get("/reports/{name}", s.WithOrgFor(account.ViewReports, s.apiReport))
}

// chooseOrganisation lists the organisations whose reports the viewer may
// see, or goes straight to the only one.
func (s *Handlers) chooseOrganisation(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.ActingOrganisationsFor(r, account.ViewReports)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	switch len(orgs) {
	case 0:
		s.Fail(w, r, problem.Forbiddenf("reports are for the people who act for an organisation"))
		return
	case 1:
		http.Redirect(w, r, reportsURL(orgs[0]), http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "reports", kit.PageData{Title: "reports.page.title", Data: orgs})
}

func reportsURL(o issuer.Organisation) string { return "/orgs/" + url.PathEscape(o.Slug) + "/reports" }

// shownReport is one report on the page: its chart and its table.
type shownReport struct {
	Name  string
	Title string
	Table report.Table
	Chart chart.Chart
	// Rows are the table's numbers as the page writes them, a row a label.
	Rows []row
	// Rates are the claim and acceptance rates of the claims report over
	// its window, as text; empty for the others.
	Rates []string
}

func (s *Handlers) reportsPage(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	l := s.Localizer(r)
	var list []shownReport
	for _, name := range Names {
		t, err := s.table(r, l, o, name)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		sr := shownReport{Name: name, Title: l.T("reports.page." + name), Table: t, Chart: chartOf(l, t), Rows: rowsOf(l, t)}
		if name == "claims" {
			sr.Rates = rates(l, t)
		}
		list = append(list, sr)
	}
	orgs, err := s.ActingOrganisationsFor(r, account.ViewReports)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "org_reports", kit.PageData{Title: l.T("reports.page.of", "Name", o.Name),
		Data: map[string]any{"Org": o, "Reports": list, "Others": len(orgs) > 1}})
}

func (s *Handlers) reportCSV(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	t, err := s.table(r, s.Localizer(r), o, chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, o.Slug, t.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := report.WriteCSV(w, t); err != nil {
		s.Log.Warn("write a report", "report", t.Name, "err", err)
	}
}

func (s *Handlers) apiReport(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	t, err := s.table(r, s.Localizer(r), o, chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, t)
}

// table counts report name of o over the last months, with the labels
// and series names in l's language.
func (s *Handlers) table(r *http.Request, l *locale.Localizer, o issuer.Organisation, name string) (report.Table, error) {
	ctx := r.Context()
	win := report.LastMonths(s.now(), months)
	t := report.Table{Name: name, Label: l.T("reports.page.month"), Labels: win.Labels()}
	switch name {
	case "issued":
		list, err := issuer.IssuedPerMonth(ctx, s.Deps.Pool, o.ID, win)
		if err != nil {
			return report.Table{}, err
		}
		for _, b := range list {
			t.Series = append(t.Series, report.Series{Key: b.UUID, Name: b.Name, Values: report.Ints(b.Issued)})
		}
	case "claims":
		claims, err := issuer.ClaimsPerMonth(ctx, s.Deps.Pool, o.ID, win)
		if err != nil {
			return report.Table{}, err
		}
		acc, err := passport.AcceptancesPerMonth(ctx, s.Deps.Pool, s.URLs(), o.ID, win)
		if err != nil {
			return report.Table{}, err
		}
		series := map[string][]int{}
		for i := range win.N {
			series["by_email"] = append(series["by_email"], claims[i].ByEmail)
			series["claimed"] = append(series["claimed"], claims[i].Claimed)
			series["delivered"] = append(series["delivered"], acc[i].Delivered)
			series["accepted"] = append(series["accepted"], acc[i].Accepted)
		}
		for _, k := range []string{"by_email", "claimed", "delivered", "accepted"} {
			t.Series = append(t.Series, report.Series{Key: k, Name: l.T("reports.series." + k), Values: report.Ints(series[k])})
		}
	case "endorsements":
		ofOrg, ofBadges, err := network.EndorsementsReceivedPerMonth(ctx, s.Deps.Pool, o.ID, win)
		if err != nil {
			return report.Table{}, err
		}
		t.Series = []report.Series{
			{Key: "of_organisation", Name: l.T("reports.series.of_organisation"), Values: report.Ints(ofOrg)},
			{Key: "of_badges", Name: l.T("reports.series.of_badges"), Values: report.Ints(ofBadges)},
		}
	case "partners":
		if s.Deps.Network == nil {
			return report.Table{}, errors.New("count partners: the node has no network")
		}
		list, err := s.Deps.Network.PartnersByCountry(ctx, o)
		if err != nil {
			return report.Table{}, err
		}
		t.Label, t.Labels = l.T("reports.page.country"), []string{}
		values := []float64{}
		for _, c := range list {
			label := c.Country
			if label == "" {
				label = l.T("reports.page.no_country")
			}
			t.Labels, values = append(t.Labels, label), append(values, float64(c.Partners))
		}
		t.Series = []report.Series{{Key: "partners", Name: l.T("reports.series.partners"), Values: values}}
	default:
		return report.Table{}, problem.NotFoundf("no report %q; the reports are %v", name, Names)
	}
	return t, nil
}

// row is a label's numbers, written in the reader's locale.
type row struct {
	Label string
	Cells []string
}

func rowsOf(l *locale.Localizer, t report.Table) []row {
	out := make([]row, len(t.Labels))
	for i, label := range t.Labels {
		out[i].Label = label
		for _, s := range t.Series {
			v := 0.0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			out[i].Cells = append(out[i].Cells, l.Number(int64(v)))
		}
	}
	return out
}

// chartOf draws table t in l's language.
func chartOf(l *locale.Localizer, t report.Table) chart.Chart {
	return chart.Chart{
		ID:      "chart-" + t.Name,
		Title:   l.T("reports.page." + t.Name),
		Desc:    l.T("reports.chart." + t.Name),
		Empty:   l.T("reports.chart.empty"),
		Stacked: slices.Contains([]string{"issued", "endorsements"}, t.Name),
		Legend:  t.Name == "issued", // the badges' names
		Labels:  t.Labels,
		Series:  t.Series,
		Format:  func(v float64) string { return l.Number(int64(v)) },
	}
}

// rates are the claim rate (claimed of issued by email) and the
// acceptance rate (accepted of those put into passports here) over the
// claims table's window.
func rates(l *locale.Localizer, t report.Table) []string {
	sum := func(key string) int {
		n := 0
		for _, s := range t.Series {
			if s.Key == key {
				for _, v := range s.Values {
					n += int(v)
				}
			}
		}
		return n
	}
	rate := func(id string, part, whole int) string {
		if whole == 0 {
			return l.T(id + "_none")
		}
		return l.T(id, "Percent", l.Number(int64((part*100+whole/2)/whole)), "Part", l.Number(int64(part)), "Whole", l.Number(int64(whole)))
	}
	return []string{
		rate("reports.rates.claim", sum("claimed"), sum("by_email")),
		rate("reports.rates.acceptance", sum("accepted"), sum("delivered")),
	}
}
