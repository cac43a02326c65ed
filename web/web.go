// Package web serves Laurel over HTTP: the server-rendered HTML interface,
// the JSON API under /api/v1, health and metrics endpoints, and the River UI
// for node admins. It holds no domain rules: handlers parse the request, call
// the domain packages and render what they return.
package web

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/jackc/pgx/v5/pgxpool"
	"riverqueue.com/riverui"

	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/verifier"
)

//go:embed templates static openapi.json
var assets embed.FS

// Deps are what the web interface needs from the running node.
type Deps struct {
	Pool    *pgxpool.Pool
	River   *jobs.Client
	BaseURL *url.URL
	Logger  *slog.Logger
	// MaxBodyBytes caps every request body; larger bodies get 413.
	MaxBodyBytes int64
	// Ready reports whether the node can serve: database reachable, queue
	// running. /readyz answers 503 while it returns an error.
	Ready func(ctx context.Context) error
	// Federation serves the ActivityPub endpoints (WebFinger, actors,
	// inboxes) and does the federated work the API asks for.
	Federation *federation.Federation
	// Egress is the node's outgoing HTTP client; handlers use it to refuse
	// URLs that may not be fetched before trying.
	Egress *egress.Client
	// Network is the endorsement network: partners, endorsements, requests.
	Network *network.Network
	// Passport is the earners' backpacks: adding badges (verified) and
	// checking kept ones again.
	Passport *passport.Passport
	// Verifier checks badges of any issuer for "Check this badge".
	Verifier *verifier.Verifier
	// MailEnabled: the node can send email (--smtp-url), so issuing to an
	// email address queues a message to the earner.
	MailEnabled bool
	// MetricsToken, when set, is the bearer token that reads /metrics on
	// the main listener; without it /metrics is served there to no one
	// (see Server.Metrics for a listener of its own).
	MetricsToken string
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (see fromTrustedProxy); none trusts no header.
	TrustedProxies []netip.Prefix
	// ESCO is the client of ESCO's web API that alignment search asks;
	// nil searches the node's local ESCO store only.
	ESCO *esco.Client
	// Communities is the regional badge networks: founding, memberships,
	// moderation.
	Communities *community.Communities
	// Locale is the message catalogue pages are written from, with the
	// node's default language; nil means English by default.
	Locale *locale.Catalog
}

// Server is the HTTP side of a node.
type Server struct {
	deps     Deps
	log      *slog.Logger
	sessions *scs.SessionManager
	pages    *pages
	markdown *markdown
	metrics  *metrics
	esco     *esco.Service
	router   chi.Router
	// importLimit is the one rate limit of passport imports, page and API.
	importLimit func(http.Handler) http.Handler
}

// New builds the handler tree. Background services of the handlers (the
// River UI's) run until ctx ends.
func New(ctx context.Context, deps Deps) (*Server, error) {
	if deps.MaxBodyBytes <= 0 {
		deps.MaxBodyBytes = 1 << 20
	}
	if deps.Locale == nil {
		cat, err := locale.New("")
		if err != nil {
			return nil, err
		}
		deps.Locale = cat
	}
	pg, err := parsePages(deps.Locale)
	if err != nil {
		return nil, err
	}
	s := &Server{
		deps:     deps,
		log:      deps.Logger,
		sessions: newSessionManager(deps.Pool, deps.BaseURL),
		pages:    pg,
		markdown: newMarkdown(),
		esco:     esco.NewService(esco.ServiceConfig{Client: deps.ESCO, DB: deps.Pool, Logger: deps.Logger}),
		metrics:  newMetrics(deps.Pool),
	}
	// A session that cannot be loaded or saved (the database is down) is
	// answered like any other failure: 503 when the database is the cause.
	s.sessions.ErrorFunc = s.fail
	s.importLimit = s.importRateLimit()
	if err := s.routes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func newSessionManager(pool *pgxpool.Pool, base *url.URL) *scs.SessionManager {
	sm := scs.New()
	// Expired rows are removed by the session_sweep River job, once per node
	// rather than once per process.
	sm.Store = pgxstore.NewWithCleanupInterval(pool, 0)
	sm.Lifetime = 14 * 24 * time.Hour
	sm.IdleTimeout = 7 * 24 * time.Hour
	sm.Cookie.Name = "laurel_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = base.Scheme == "https"
	return sm
}

func (s *Server) routes(ctx context.Context) error {
	r := chi.NewRouter()
	verifyLimit := s.verifyRateLimit() // one budget for the API and the page
	r.Use(s.fromTrustedProxy)
	r.Use(middleware.RequestID)
	r.Use(headAsGet)
	r.Use(s.logRequests)
	r.Use(s.recoverPanics)
	r.Use(s.boundDBWaits)
	r.Use(s.metrics.middleware)
	r.Use(s.limitBodies)
	r.Use(http.NewCrossOriginProtection().Handler)
	r.Use(s.refuseBadText)

	r.Get("/healthz", s.healthz)
	r.Get("/livez", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Get("/metrics", s.metricsOnMainListener)
	r.Handle("/static/*", http.FileServerFS(assets))
	if s.deps.Federation != nil {
		s.deps.Federation.Routes(r)
	}
	if s.deps.Communities != nil {
		r.Get("/actors/{username}/members", s.membersCollection)
	}
	r.Get("/orgs/{slug}/did.json", orgDocument(s, false, issuer.DIDDocument, writeDID))
	r.Route("/ob", func(r chi.Router) {
		s.openBadgesRoutes(r)
		s.personOpenBadgesRoutes(r)
	})

	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/openapi.json", s.openAPI)
		r.With(verifyLimit).Post("/verify", s.apiVerify)
		r.Route("/networks/{name}", func(r chi.Router) {
			s.communityPublicRoutes(r)
			r.Group(func(r chi.Router) {
				r.Use(s.sessions.LoadAndSave)
				r.Use(s.authenticate)
				r.Use(s.requireUserAPI)
				s.communityModeratorRoutes(r)
			})
		})
		r.Group(func(r chi.Router) {
			r.Use(s.sessions.LoadAndSave)
			r.Use(s.authenticate)
			r.Use(s.requireUserAPI)
			r.Route("/orgs/{slug}", func(r chi.Router) {
				s.federationRoutes(r, s.organisationActor, s.organisationSettingsActor)
				s.badgeAPIRoutes(r)
				s.networkAPIRoutes(r)
				s.externalAPIRoutes(r)
				s.shareAPIRoutes(r)
				s.alignmentAPIRoutes(r)
				s.communityOrgRoutes(r)
			})
			r.Get("/directory", s.apiDirectory)
			r.Get("/esco/search", s.apiESCOSearch)
			r.Route("/people/{username}/badges/{id}", s.peopleBadgeAPIRoutes)
			r.Route("/me", func(r chi.Router) {
				r.Get("/", s.apiMe)
				s.federationRoutes(r, s.personActor, s.personActor)
				s.passportAPIRoutes(r, verifyLimit)
				s.passportSocialAPIRoutes(r)
				s.passportStreamAPIRoutes(r)
				s.badgeFollowAPIRoutes(r)
				s.profileAPIRoutes(r)
				s.personKeyRoutes(r)
			})
			r.Route("/admin", func(r chi.Router) {
				r.Use(s.requireNodeAdminAPI)
				r.Get("/domain-blocks", s.apiDomainBlocks)
				r.Post("/domain-blocks", s.apiBlockDomain)
				r.Delete("/domain-blocks/{host}", s.apiUnblockDomain)
				r.Get("/domain-allows", s.apiDomainAllows)
				r.Post("/domain-allows", s.apiAllowDomain)
				r.Delete("/domain-allows/{host}", s.apiDisallowDomain)
			})
		})
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, "", "no such API endpoint")
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusMethodNotAllowed, "", "method not allowed")
		})
	})

	ui, err := s.riverUI(ctx)
	if err != nil {
		return err
	}
	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave)
		r.Use(s.authenticate)
		r.Get("/login", s.loginForm)
		// Slows password guessing: per client address (the TCP peer; behind a
		// proxy that is the proxy), per process.
		r.With(httprate.LimitBy(10, time.Minute, peerAddress,
			httprate.WithLimitHandler(s.tooManyLogins))).Post("/login", s.login)
		r.Post("/logout", s.logout)
		s.signupRoutes(r)
		s.resetRoutes(r)
		r.Get("/help", s.helpPage)
		r.Get("/orgs/{slug}", s.organisationPage)
		r.Get("/networks/{name}", s.communityPageHandler)
		r.Get("/networks/{name}/relations.svg", s.communityRelationsSVG)
		r.Get("/people/{username}", s.personPage)
		r.Get("/badges/{uuid}", s.badgePage)
		r.Get("/u/{username}/badges/{id}", s.publicPassportBadge)
		r.Get("/u/{username}/badges/{id}.json", s.publicBadgeDocument)
		r.Get("/u/{username}/badges/{id}/credential", s.passportCredential)
		r.Get("/claim/{token}", s.claimPage)
		r.Get("/claim-to-passport", s.claimToPassport)
		s.externalEndorserRoutes(r)
		r.Get("/verify", s.verifyForm)
		r.With(verifyLimit).Post("/verify", s.verifySubmit)
		r.Group(func(r chi.Router) {
			r.Use(s.requireUserHTML)
			r.Get("/", s.dashboard)
			s.badgeToolRoutes(r)
			s.orgSettingsRoutes(r)
			s.networkUIRoutes(r)
			s.communityModerationRoutes(r)
			s.escoUIRoutes(r)
			s.passportUIRoutes(r, verifyLimit)
			s.passportSocialUIRoutes(r)
			s.passportStreamUIRoutes(r)
			s.badgeFollowUIRoutes(r)
			s.profileRoutes(r)
			r.Get("/reports", s.reportsPage)
			r.Group(func(r chi.Router) {
				r.Use(s.requireNodeAdmin)
				r.Get("/admin", s.adminPage)
				s.signupAdminRoutes(r)
				s.adminOrgRoutes(r)
				r.Get("/admin/deliveries", s.deliveriesPage)
				r.Post("/admin/deliveries/retry", s.retryDelivery)
				r.With(riverUIHeaders).Mount("/admin/jobs", ui)
			})
		})
		r.NotFound(s.notFoundHTML)
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
		Endpoints: riverui.NewEndpoints(s.deps.River, nil),
		Logger:    s.log,
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
	if err := s.deps.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}
