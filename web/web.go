// Package web serves Laurel over HTTP: the server-rendered HTML interface,
// the JSON API under /api/v1, health and metrics endpoints, and the River UI
// for node admins. It holds no domain rules: handlers parse the request, call
// the domain packages and render what they return.
//
// This package is the router (every route is mounted in routes, in order),
// the middleware, metrics, health, help and the public profile
// pages; it embeds the templates, static files and OpenAPI document. The
// handlers live in one sub-package per domain (web/account, web/admin,
// web/applications, web/badges, web/creator, web/esco, web/federation, web/network,
// web/openbadges, web/passport, web/reports), each sharing web/kit.
package web

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"riverqueue.com/riverui"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/account"
	"github.com/laurelnet/laurel/web/admin"
	"github.com/laurelnet/laurel/web/applications"
	"github.com/laurelnet/laurel/web/badges"
	"github.com/laurelnet/laurel/web/creator"
	"github.com/laurelnet/laurel/web/esco"
	"github.com/laurelnet/laurel/web/federation"
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/network"
	"github.com/laurelnet/laurel/web/openbadges"
	"github.com/laurelnet/laurel/web/passport"
	"github.com/laurelnet/laurel/web/people"
	"github.com/laurelnet/laurel/web/reports"
)

//go:embed templates static openapi.json
var assets embed.FS

// Deps are what the web interface needs from the running node.
type Deps = kit.Deps

// Server is the HTTP side of a node: the router, its middleware and the
// handler packages it mounts, one per domain.
type Server struct {
	*kit.Kit
	metrics *metrics
	router  chi.Router

	account    *account.Handlers
	admin      *admin.Handlers
	apps       *applications.Handlers
	badges     *badges.Handlers
	creator    *creator.Handlers
	esco       *esco.Handlers
	federation *federation.Handlers
	network    *network.Handlers
	openbadges *openbadges.Handlers
	passport   *passport.Handlers
	reports    *reports.Handlers
	people     *people.Handlers
}

// New builds the handler tree. Background services of the handlers (the
// River UI's) run until ctx ends.
func New(ctx context.Context, deps Deps) (*Server, error) {
	k, err := kit.New(deps, assets)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Kit:     k,
		metrics: newMetrics(deps.Pool),
	}
	s.account = account.New(k)
	s.admin = admin.New(k, s.account)
	s.esco = esco.New(k)
	s.federation = federation.New(k)
	s.network = network.New(k, s.esco)
	s.openbadges = openbadges.New(k, s.network)
	s.badges = badges.New(k, s.openbadges, s.esco)
	s.passport = passport.New(k, s.openbadges)
	s.apps = applications.New(k, s.badges.IssueHooks)
	s.reports = reports.New(k)
	if s.creator, err = creator.New(k); err != nil {
		return nil, err
	}
	s.people = people.New(k)
	if err := s.routes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes(ctx context.Context) error {
	r := chi.NewRouter()
	verifyLimit := s.openbadges.VerifyRateLimit() // one budget for the API and the page
	r.Use(s.fromTrustedProxy)
	r.Use(middleware.RequestID)
	r.Use(headAsGet)
	r.Use(s.logRequests)
	r.Use(s.recoverPanics)
	r.Use(s.BoundDBWaits)
	r.Use(s.metrics.middleware)
	r.Use(s.limitBodies)
	r.Use(http.NewCrossOriginProtection().Handler)
	r.Use(s.RefuseBadText)

	r.Get("/healthz", s.healthz)
	r.Get("/livez", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/metrics", s.metricsOnMainListener)
	r.Handle("/static/*", http.FileServerFS(assets))
	if s.Deps.Federation != nil {
		s.Deps.Federation.Routes(r)
	}
	if s.Deps.Communities != nil {
		r.Get("/actors/{username}/members", s.network.MembersCollection)
	}
	r.Get("/orgs/{slug}/did.json", openbadges.OrgDocument(s.openbadges, false, issuer.DIDDocument, openbadges.WriteDID))
	r.Route("/ob", func(r chi.Router) {
		s.openbadges.OpenBadgesRoutes(r)
		s.passport.PersonOpenBadgesRoutes(r)
	})

	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/openapi.json", s.openAPI)
		r.With(verifyLimit).Post("/verify", s.openbadges.APIVerify)
		r.Group(func(r chi.Router) {
			r.Use(s.Sessions.LoadAndSave)
			r.Use(s.Authenticate)
			s.apps.PublicAPIRoutes(r)
		})
		s.creator.PublicAPIRoutes(r)
		r.Route("/networks/{name}", func(r chi.Router) {
			s.network.CommunityPublicRoutes(r)
			r.Group(func(r chi.Router) {
				r.Use(s.Sessions.LoadAndSave)
				r.Use(s.Authenticate)
				r.Use(s.RequireUserAPI)
				s.network.CommunityModeratorRoutes(r)
			})
		})
		r.Group(func(r chi.Router) {
			r.Use(s.Sessions.LoadAndSave)
			r.Use(s.Authenticate)
			r.Use(s.RequireUserAPI)
			r.Route("/orgs/{slug}", func(r chi.Router) {
				s.federation.FederationRoutes(r, s.federation.OrganisationActor, s.federation.OrganisationSettingsActor)
				s.badges.BadgeAPIRoutes(r)
				s.network.NetworkAPIRoutes(r)
				s.network.ExternalAPIRoutes(r)
				s.network.ShareAPIRoutes(r)
				s.esco.AlignmentAPIRoutes(r)
				s.network.CommunityOrgRoutes(r)
				s.apps.OrgAPIRoutes(r)
				s.reports.APIRoutes(r)
				s.creator.OrgAPIRoutes(r)
				s.people.PeopleAPIRoutes(r)
			})
			s.apps.APIRoutes(r)
			s.creator.UserAPIRoutes(r)
			s.people.InvitationAPIRoutes(r)
			r.Get("/directory", s.network.APIDirectory)
			r.Get("/esco/search", s.esco.APIESCOSearch)
			r.Route("/people/{username}/badges/{id}", s.passport.PeopleBadgeAPIRoutes)
			r.Route("/me", func(r chi.Router) {
				r.Get("/", s.account.APIMe)
				s.federation.FederationRoutes(r, s.federation.PersonActor, s.federation.PersonActor)
				s.passport.PassportAPIRoutes(r, verifyLimit)
				s.passport.PassportSocialAPIRoutes(r)
				s.passport.PassportStreamAPIRoutes(r)
				s.passport.BadgeFollowAPIRoutes(r)
				s.account.ProfileAPIRoutes(r)
				s.openbadges.PersonKeyRoutes(r)
				s.apps.MeAPIRoutes(r)
				s.creator.MeAPIRoutes(r)
			})
			r.Route("/admin", func(r chi.Router) {
				r.Use(s.admin.RequireNodeAdminAPI)
				r.Get("/domain-blocks", s.admin.APIDomainBlocks)
				r.Post("/domain-blocks", s.admin.APIBlockDomain)
				r.Delete("/domain-blocks/{host}", s.admin.APIUnblockDomain)
				r.Get("/domain-allows", s.admin.APIDomainAllows)
				r.Post("/domain-allows", s.admin.APIAllowDomain)
				r.Delete("/domain-allows/{host}", s.admin.APIDisallowDomain)
			})
		})
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			kit.WriteJSONError(w, http.StatusNotFound, "", "no such API endpoint")
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			kit.WriteJSONError(w, http.StatusMethodNotAllowed, "", "method not allowed")
		})
	})

	ui, err := s.riverUI(ctx)
	if err != nil {
		return err
	}
	r.Group(func(r chi.Router) {
		r.Use(s.Sessions.LoadAndSave)
		r.Use(s.Authenticate)
		r.Get("/login", s.account.LoginForm)
		// Slows password guessing: per client address (the TCP peer; behind a
		// proxy that is the proxy), per process.
		r.With(httprate.LimitBy(10, time.Minute, kit.PeerAddress,
			httprate.WithLimitHandler(s.account.TooManyLogins))).Post("/login", s.account.Login)
		r.Post("/logout", s.account.Logout)
		s.account.SignupRoutes(r)
		s.account.ResetRoutes(r)
		s.people.JoinRoutes(r)
		r.Get("/help", s.helpPage)
		s.orgPageRoutes(r)
		r.Get("/networks/{name}", s.network.CommunityPageHandler)
		r.Get("/networks/{name}/relations.svg", s.network.CommunityRelationsSVG)
		r.Get("/networks/{name}/logo", s.network.CommunityLogo)
		r.Get("/people/{username}", s.personPage)
		r.Get("/badges/{uuid}", s.badges.BadgePage)
		r.Get("/u/{username}/badges/{id}", s.passport.PublicPassportBadge)
		r.Get("/u/{username}/badges/{id}.json", s.passport.PublicBadgeDocument)
		r.Get("/u/{username}/badges/{id}/credential", s.passport.PassportCredential)
		r.Get("/claim/{token}", s.badges.ClaimPage)
		r.Get("/claim-to-passport", s.badges.ClaimToPassport)
		s.network.ExternalEndorserRoutes(r)
		s.apps.PublicRoutes(r)
		r.Get("/verify", s.openbadges.VerifyForm)
		r.With(verifyLimit).Post("/verify", s.openbadges.VerifySubmit)
		r.Group(func(r chi.Router) {
			r.Use(s.RequireUserHTML)
			s.reports.UIRoutes(r) // the dashboard and the reports
			s.badges.BadgeToolRoutes(r)
			s.creator.UIRoutes(r)
			s.network.OrgSettingsRoutes(r)
			s.people.PeopleUIRoutes(r)
			s.network.NetworkUIRoutes(r)
			s.network.CommunityModerationRoutes(r)
			s.esco.ESCOUIRoutes(r)
			s.passport.PassportUIRoutes(r, verifyLimit)
			s.passport.PassportSocialUIRoutes(r)
			s.passport.PassportStreamUIRoutes(r)
			s.passport.BadgeFollowUIRoutes(r)
			s.account.ProfileRoutes(r)
			s.apps.UIRoutes(r)
			r.Group(func(r chi.Router) {
				r.Use(s.RequireNodeAdmin)
				r.Get("/admin", s.admin.AdminPage)
				s.account.SignupAdminRoutes(r)
				s.admin.AdminOrgRoutes(r)
				r.Get("/admin/deliveries", s.admin.DeliveriesPage)
				r.Post("/admin/deliveries/retry", s.admin.RetryDelivery)
				r.With(riverUIHeaders).Mount("/admin/jobs", ui)
			})
		})
		r.NotFound(s.NotFoundHTML)
	})
	s.router = r
	return nil
}

// headAsGet answers HEAD wherever GET is answered, by routing it as a
// GET: net/http still leaves the body out, since the response knows the
// request was a HEAD. (chi's GetHead misses routes of mounted routers,
// such as GET /api/v1/me.)
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			g := *r
			g.Method = http.MethodGet
			r = &g
		}
		next.ServeHTTP(w, r)
	})
}

// riverUIHeaders are the security headers of River's dashboard, which
// sets none itself: its scripts and styles come from its own prefix, some
// styles inline.
func riverUIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// riverUI mounts River's own job dashboard. Its handler serves both its API
// and its single-page front end under the prefix.
func (s *Server) riverUI(ctx context.Context) (http.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(s.Deps.River, nil),
		Logger:    s.Log,
		Prefix:    "/admin/jobs",
	})
	if err != nil {
		return nil, fmt.Errorf("create the River UI: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("start the River UI: %w", err)
	}
	return h, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Deps.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

// VerifyEmailLink is the URL, on the node at base, of the page that
// confirms an address with token; the page is the account package's.
func VerifyEmailLink(base *url.URL) func(token string) string {
	return account.VerifyEmailLink(base)
}

// ResetPasswordLink is the URL, on the node at base, of the page of a
// reset link with token; the page is the account package's.
func ResetPasswordLink(base *url.URL) func(token string) string {
	return account.ResetPasswordLink(base)
}

// JoinLink makes the link of an invitation to join an organisation.
func JoinLink(base *url.URL) func(token string) string { return people.JoinLink(base) }

// IssueHooks are the hooks of any issuing on the node (claim mail,
// mention, backpack, milestones), for the milestone_evaluate job.
func (s *Server) IssueHooks() issuer.Hooks { return s.badges.IssueHooks() }
