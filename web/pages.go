package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"golang.org/x/text/language"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
)

// pageNames are the templates in templates/, each rendered inside layout.html.
var pageNames = []string{"login", "error", "dashboard", "section", "admin", "reports", "help", "profile", "deliveries", "verify", "creator", "badge_edit", "issuer", "issue", "badge", "criteria", "org_settings", "network", "community", "external_endorse", "passport", "passport_badge", "passport_social", "passport_stream", "esco_pick", "signup", "me_profile", "me_delete", "me_account", "password_reset"}

// pages are the templates, parsed once per language with that language's
// template functions (t, n, date, number: see locale.Localizer.Funcs).
type pages struct {
	catalog *locale.Catalog
	byLang  map[language.Tag]map[string]*template.Template
}

func parsePages(catalog *locale.Catalog) (*pages, error) {
	p := &pages{catalog: catalog, byLang: map[language.Tag]map[string]*template.Template{}}
	for _, tag := range locale.Supported() {
		funcs := catalog.For(tag).Funcs()
		byName := map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			byName[name] = t
		}
		p.byLang[tag] = byName
	}
	return p, nil
}

// localizer is the language a page is written in for the reader of r:
// their setting when logged in, else their browser's Accept-Language,
// else the node's default.
func (s *Server) localizer(r *http.Request) *locale.Localizer {
	setting := ""
	if u, ok := currentUser(r); ok {
		setting = u.Language
	}
	return s.deps.Locale.For(s.deps.Locale.Match(setting, r.Header.Get("Accept-Language")))
}

// navItem is one entry of the product's menu.
type navItem struct {
	Name, Path string // Name is a message id (the layout translates it)
	AdminOnly  bool
	// Member: only for people who act for an organisation (and node
	// admins); an earner's menu is Dashboard, Passport, Profile and Help.
	Member  bool
	Current bool // the page shown is this entry or below it
}

// menu is the product's main menu, in order.
var menu = []navItem{
	{Name: "menu.dashboard", Path: "/"},
	{Name: "menu.passport", Path: "/passport"},
	{Name: "menu.issuer_tools", Path: "/issuer", Member: true},
	{Name: "menu.creator_tools", Path: "/creator", Member: true},
	{Name: "menu.network", Path: "/network", Member: true},
	{Name: "menu.admin_tools", Path: "/admin", AdminOnly: true},
	{Name: "menu.reports", Path: "/reports", Member: true},
	{Name: "menu.profile", Path: "/me/profile"},
	{Name: "menu.help", Path: "/help"},
}

// orgRole is an organisation together with the viewer's role in it.
type orgRole struct {
	issuer.Organisation
	Role account.Role
}

// pageData is what every template gets. Page-specific values go in Data.
type pageData struct {
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

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	if u, ok := currentUser(r); ok {
		data.User = &u
		member := u.NodeAdmin
		if !member {
			ms, err := account.Memberships(r.Context(), s.deps.Pool, u.ID)
			member = err == nil && len(ms) > 0
		}
		for _, item := range menu {
			if (!item.AdminOnly || u.NodeAdmin) && (!item.Member || member) {
				item.Current = r.URL.Path == item.Path || item.Path != "/" && strings.HasPrefix(r.URL.Path, item.Path+"/")
				data.Menu = append(data.Menu, item)
			}
		}
	}
	data.Path = r.URL.Path
	if name == "login" {
		mode, err := account.GetSignupMode(r.Context(), s.deps.Pool)
		data.SignUp = err == nil && mode != account.SignupClosed
	}
	l := s.localizer(r)
	data.Lang, data.Languages = l.Lang(), locale.Languages()
	// A title or message given as a message id is translated; plain text
	// stays as it is.
	data.Title, data.Message = l.Text(data.Title), l.Text(data.Message)
	var buf bytes.Buffer
	if err := s.pages.byLang[l.Tag()][name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
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

func (s *Server) notFoundHTML(w http.ResponseWriter, r *http.Request) {
	s.problem(w, r, http.StatusNotFound, "", "There is no page at "+r.URL.Path+".")
}

// myOrganisations lists the organisations the viewer acts for.
func (s *Server) myOrganisations(r *http.Request, u account.User) ([]orgRole, error) {
	ms, err := account.Memberships(r.Context(), s.deps.Pool, u.ID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	ids := make([]int64, len(ms))
	roles := make(map[int64]account.Role, len(ms))
	for i, m := range ms {
		ids[i], roles[m.OrganisationID] = m.OrganisationID, m.Role
	}
	orgs, err := issuer.Organisations(r.Context(), s.deps.Pool, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]orgRole, len(orgs))
	for i, o := range orgs {
		out[i] = orgRole{Organisation: o, Role: roles[o.ID]}
	}
	return out, nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	u, _ := currentUser(r)
	orgs, err := s.myOrganisations(r, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.withUnread(r, orgs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", pageData{Title: "Dashboard", Data: list})
}

// sections describe the menu's work areas; each lists the organisations the
// viewer can work for there.
var sections = map[string]struct{ Title, Intro string }{
	"issuer":  {"Issuer tools", "Issue badges to earners, follow what you issued, revoke when needed."},
	"creator": {"Creator tools", "Design badges: name, image, criteria, alignments and expiry, ready to issue."},
	"network": {"Network", "Your partner organisations, the endorsements between you, and the badges you share."},
}

func (s *Server) sectionPage(key string) http.HandlerFunc {
	sec := sections[key]
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := currentUser(r)
		orgs, err := s.myOrganisations(r, u)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "section", pageData{Title: sec.Title,
			Data: map[string]any{"Intro": sec.Intro, "Organisations": orgs}})
	}
}

// nodeCounts are the figures shown on the reports and admin pages.
type nodeCounts struct {
	Organisations int
	Users         int
}

func (s *Server) counts(r *http.Request) (nodeCounts, error) {
	orgs, err := issuer.CountOrganisations(r.Context(), s.deps.Pool)
	if err != nil {
		return nodeCounts{}, err
	}
	users, err := account.CountUsers(r.Context(), s.deps.Pool)
	if err != nil {
		return nodeCounts{}, err
	}
	return nodeCounts{Organisations: orgs, Users: users}, nil
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.counts(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reports", pageData{Title: "Reports", Data: c})
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, "")
}

// renderAdmin shows the admin page, with message (a form's problem) over it.
func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, message string) {
	orgs, err := issuer.Organisations(r.Context(), s.deps.Pool)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.counts(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	signup, err := s.signupAdminData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "admin", pageData{Title: "Admin tools", Message: message,
		Data: map[string]any{"Organisations": orgs, "Counts": c, "Signup": signup, "Notice": s.popNotice(r), "Form": r.PostForm}})
}

func (s *Server) helpPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "help", pageData{Title: "Help", Data: s.deps.BaseURL.String()})
}

// profileData is a public profile page: an organisation or a person, with
// the handle by which any fediverse account can follow them.
type profileData struct {
	Kind        string
	Name        string
	Handle      string
	Country     string
	Description string
	URL         string
	ActorID     string
	// A person's photo and links; Restricted when their profile is for
	// this node's users and the viewer is not one; NoIndex asks search
	// engines to keep the page out.
	PhotoURL   string
	Links      []account.Link
	Restricted bool
	NoIndex    bool
}

func (s *Server) organisationPage(w http.ResponseWriter, r *http.Request) {
	o, err := issuer.OrganisationBySlug(r.Context(), s.deps.Pool, chi.URLParam(r, "slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "profile", pageData{Title: o.Name, Data: profileData{
		Kind: "Organisation", Name: o.Name, Handle: o.Slug + "@" + s.deps.BaseURL.Host, Country: o.Country,
		Description: o.Description, URL: o.URL, ActorID: s.deps.BaseURL.String() + "/actors/" + o.Slug,
	}})
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	u, err := account.UserByUsername(r.Context(), s.deps.Pool, chi.URLParam(r, "username"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := account.ProfileOf(r.Context(), s.deps.Pool, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, loggedIn := currentUser(r)
	d := profileData{Kind: "Person", Name: u.Username, Handle: u.Username + "@" + s.deps.BaseURL.Host,
		ActorID: s.deps.BaseURL.String() + "/actors/" + u.Username, NoIndex: !p.Public || !p.Searchable}
	if p.Visible(loggedIn) {
		if p.Name != "" {
			d.Name = p.Name
		}
		d.Description, d.PhotoURL, d.Links = p.Bio, p.PhotoURL, p.Links
	} else {
		d.Restricted = true
	}
	s.render(w, r, http.StatusOK, "profile", pageData{Title: d.Name, Data: d})
}
