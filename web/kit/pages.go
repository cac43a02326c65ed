package kit

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
)

// pageNames are the templates in templates/, each rendered inside layout.html.
var pageNames = []string{"login", "error", "dashboard", "section", "admin", "reports", "help", "profile", "deliveries", "org_reports", "verify", "creator", "badge_edit", "issuer", "issue", "badge", "badge_class", "criteria", "org_settings", "network", "community", "external_endorse", "passport", "passport_badge", "passport_social", "passport_stream", "esco_pick", "signup", "me_profile", "me_delete", "me_account", "password_reset",
	"form_templates", "form_template", "applications", "application_form", "application", "apply", "apply_confirm", "apply_mine", "review",
	"ct_milestones", "ct_milestone_form", "ct_images", "ct_designer", "ct_criteria", "ct_email", "ct_alignments",
	"people", "join"}

// pageParts are the templates a page includes besides layout.html and its
// own: shared menus, and sections kept in files of their own.
var pageParts = map[string][]string{
	"creator":           {"creator_menu"},
	"ct_milestones":     {"creator_menu"},
	"ct_milestone_form": {"creator_menu"},
	"ct_images":         {"creator_menu"},
	"ct_designer":       {"creator_menu"},
	"ct_criteria":       {"creator_menu"},
	"ct_email":          {"creator_menu"},
	"ct_alignments":     {"creator_menu"},
	"passport":          {"passport_milestones"},
}

// pages are the templates, parsed once per language with that language's
// template functions (t, n, date, number: see locale.Localizer.Funcs).
type pages struct {
	catalog *locale.Catalog
	byLang  map[language.Tag]map[string]*template.Template
}

func parsePages(fsys fs.FS, catalog *locale.Catalog) (*pages, error) {
	p := &pages{catalog: catalog, byLang: map[language.Tag]map[string]*template.Template{}}
	for _, tag := range locale.Supported() {
		funcs := catalog.For(tag).Funcs()
		byName := map[string]*template.Template{}
		for _, name := range pageNames {
			files := []string{"templates/layout.html", "templates/" + name + ".html"}
			for _, part := range pageParts[name] {
				files = append(files, "templates/"+part+".html")
			}
			t, err := template.New(name).Funcs(funcs).ParseFS(fsys, files...)
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			byName[name] = t
		}
		p.byLang[tag] = byName
	}
	return p, nil
}

// Localizer is the language a page is written in for the reader of r:
// their setting when logged in, else their browser's Accept-Language,
// else the node's default. Handlers write notices with parameters with it
// (a notice without any can simply be a message id), and text of their
// own (a chart's labels, a CSV's header).
func (s *Kit) Localizer(r *http.Request) *locale.Localizer { return s.localizer(r) }

func (s *Kit) localizer(r *http.Request) *locale.Localizer {
	setting := ""
	if u, ok := CurrentUser(r); ok {
		setting = u.Language
	}
	return s.Deps.Locale.For(s.Deps.Locale.Match(setting, r.Header.Get("Accept-Language")))
}

// navItem is one entry of the product's menu.
type navItem struct {
	Name, Path string // Name is a message id (the layout translates it)
	AdminOnly  bool
	// Needs: only for people whose role in some organisation has this
	// capability (and node admins); an earner's menu is Dashboard,
	// Passport, Profile and Help.
	Needs   account.Capability
	Current bool // the page shown is this entry or below it
}

// menu is the product's main menu, in order.
var menu = []navItem{
	{Name: "menu.dashboard", Path: "/"},
	{Name: "menu.passport", Path: "/passport"},
	{Name: "menu.issuer_tools", Path: "/issuer", Needs: account.IssueBadges},
	{Name: "menu.creator_tools", Path: "/creator", Needs: account.CreateBadges},
	{Name: "menu.network", Path: "/network", Needs: account.Endorse},
	{Name: "menu.admin_tools", Path: "/admin", AdminOnly: true},
	{Name: "menu.reports", Path: "/reports", Needs: account.ViewReports},
	{Name: "menu.profile", Path: "/me/profile"},
	{Name: "menu.help", Path: "/help"},
}

// OrgRole is an organisation together with the viewer's role in it.
type OrgRole struct {
	issuer.Organisation
	Role account.Role
}

// PageData is what every template gets. Page-specific values go in Data.
type PageData struct {
	Title   string
	Message string // an error or notice shown above the content
	Email   string // the login form's email, kept after a failed attempt
	Next    string // where to go after logging in
	SignUp  bool   // the login page offers sign-up: the node is open or invites
	User    *account.User
	Menu    []navItem
	Path    string
	Lang    string // the page's language, for <html lang>
	// Languages are the ones a reader can choose (the profile form's).
	Languages []locale.Language
	Data      any
}

// Render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Kit) Render(w http.ResponseWriter, r *http.Request, status int, name string, data PageData) {
	if u, ok := CurrentUser(r); ok {
		data.User = &u
		var ms []account.Membership
		if !u.NodeAdmin {
			ms, _ = account.Memberships(r.Context(), s.Deps.Pool, u.ID) // no menu entries beats no page
		}
		can := func(c account.Capability) bool {
			return c == 0 || u.NodeAdmin || slices.ContainsFunc(ms, func(m account.Membership) bool { return m.Role.Can(c) })
		}
		for _, item := range menu {
			if (!item.AdminOnly || u.NodeAdmin) && can(item.Needs) {
				item.Current = r.URL.Path == item.Path || item.Path != "/" && strings.HasPrefix(r.URL.Path, item.Path+"/")
				data.Menu = append(data.Menu, item)
			}
		}
	}
	data.Path = r.URL.Path
	if name == "login" {
		mode, err := account.GetSignupMode(r.Context(), s.Deps.Pool)
		data.SignUp = err == nil && mode != account.SignupClosed
	}
	l := s.localizer(r)
	data.Lang, data.Languages = l.Lang(), locale.Languages()
	// A title or message given as a message id is translated; plain text
	// stays as it is.
	data.Title, data.Message = l.Text(data.Title), l.Text(data.Message)
	var buf bytes.Buffer
	if err := s.pages.byLang[l.Tag()][name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", data.Lang)
	// The page's language follows the Accept-Language header.
	w.Header().Add("Vary", "Accept-Language")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; object-src 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (s *Kit) NotFoundHTML(w http.ResponseWriter, r *http.Request) {
	s.Problem(w, r, http.StatusNotFound, "", "There is no page at "+r.URL.Path+".")
}

// MyOrganisations lists the organisations the viewer acts for.
func (s *Kit) MyOrganisations(r *http.Request, u account.User) ([]OrgRole, error) {
	ms, err := account.Memberships(r.Context(), s.Deps.Pool, u.ID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	ids := make([]int64, 0, len(ms))
	roles := make(map[int64]account.Role, len(ms))
	for _, m := range ms {
		if m.Role.ActsFor() {
			ids, roles[m.OrganisationID] = append(ids, m.OrganisationID), m.Role
		}
	}
	orgs, err := issuer.Organisations(r.Context(), s.Deps.Pool, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]OrgRole, len(orgs))
	for i, o := range orgs {
		out[i] = OrgRole{Organisation: o, Role: roles[o.ID]}
	}
	return out, nil
}

// Sections describe the menu's work areas; each lists the organisations the
// viewer can work for there. Title and Intro are message ids.
var Sections = map[string]struct{ Title, Intro string }{
	"issuer":  {"menu.issuer_tools", "kit.sections.issuer_intro"},
	"creator": {"menu.creator_tools", "kit.sections.creator_intro"},
	"network": {"menu.network", "kit.sections.network_intro"},
}

func (s *Kit) SectionPage(key string) http.HandlerFunc {
	sec := Sections[key]
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := CurrentUser(r)
		orgs, err := s.MyOrganisations(r, u)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		s.Render(w, r, http.StatusOK, "section", PageData{Title: sec.Title,
			Data: map[string]any{"Intro": s.localizer(r).T(sec.Intro), "Organisations": orgs}})
	}
}

// T is message id in the reader's language, for text a handler makes
// (notices): args are name, value pairs as in the templates' t.
func (s *Kit) T(r *http.Request, id string, args ...any) string { return s.localizer(r).T(id, args...) }
