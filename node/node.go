// Package node runs one Laurel node: it opens the database (its own embedded
// PostgreSQL or DATABASE_URL), applies migrations, starts the River client
// and serves HTTP until it is told to stop, then shuts all of it down in
// order. cmd/laurel calls it; tests start several nodes in one process.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/migrations"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/web"
)

// Config is a node's configuration; cmd/laurel fills it from flags,
// environment and the config file.
type Config struct {
	Listen      string // host:port to listen on
	BaseURL     string // public URL; defaults to http://Listen
	DataDir     string // where the node keeps its files (and its embedded database)
	DatabaseURL string // an existing PostgreSQL; empty runs the embedded one
	PGBinDir    string // where the embedded PostgreSQL's binaries are; empty searches
	// DBMaxConns caps the process's connection pool; zero means
	// DefaultDBMaxConns.
	DBMaxConns int
	// DBAcquireTimeout bounds how long an HTTP request waits for a
	// connection before it is answered 503; zero means
	// dbpool.DefaultAcquireTimeout.
	DBAcquireTimeout time.Duration
	// DBHoldCheck, when set (tests), is told of every acquire, to find
	// code that takes a second connection while holding one.
	DBHoldCheck *dbpool.HoldCheck
	// JobRescueAfter is how long a job may run before River takes it for
	// the job of a dead process and runs it again (in any process); zero
	// means jobs.DefaultRescueAfter. Tests shorten it.
	JobRescueAfter time.Duration
	// AllowIPs lists private networks outgoing requests may reach anyway
	// (comma-separated CIDRs, e.g. 127.0.0.0/8 for nodes on loopback).
	AllowIPs string
	// TrustedProxies lists the load balancers (comma-separated CIDRs or
	// addresses) whose X-Forwarded-For header names the client; from
	// anyone else the header is ignored.
	TrustedProxies string
	// AuthorizedFetch requires signed GETs for actor documents and
	// collections, as Mastodon's secure mode and GoToSocial do.
	AuthorizedFetch bool
	// FederationMode is "open" (the default: federate with every domain
	// not blocked) or "allowlist" (only with the domains admins allowed).
	FederationMode string
	// MaxBodyBytes caps every request body.
	MaxBodyBytes int64
	// SMTPURL names the relay outgoing mail goes through (see
	// mail.ParseURL); empty sends no mail.
	SMTPURL string
	// SMTPFrom is the sender of outgoing mail; empty means laurel@ the
	// base URL's host.
	SMTPFrom string
	// ESCOURL is the base URL of ESCO's web API, which alignment search
	// and the ESCO jobs ask. Empty (or "none") means no API at all: search
	// answers from the local store only. The command line fills in ESCO's
	// own address by default; a node started from code (a test) stays off
	// the internet unless told otherwise.
	ESCOURL string
	// ESCOAPI is the API ESCOURL serves: "open" (the ESCO Open API, the
	// default when empty) or "classic" (ESCO's classic API, and the
	// downloadable ESCO local API).
	ESCOAPI string
	// MetricsListen, when set, is a host:port that serves /metrics alone,
	// to anyone who can reach it: bind it to a private address.
	MetricsListen string
	// MetricsToken, when set, lets /metrics be read on Listen with
	// "Authorization: Bearer MetricsToken". Without either, no one reads
	// the metrics.
	MetricsToken string
	// Language is the node's default language for pages (an IETF tag
	// package locale supports: en, fi, sv, fr), for readers with no setting
	// whose browser asks for none of them, and for emails to recipients
	// with no setting; empty means English.
	Language string
	// ShutdownTimeout bounds how long in-flight requests and jobs may take
	// to finish at shutdown.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	Version         string // software version, for NodeInfo
}

// baseURL returns the parsed public URL, deriving it from Listen when unset.
func (c Config) baseURL(listen net.Addr) (*url.URL, error) {
	raw := c.BaseURL
	if raw == "" {
		raw = "http://" + listen.String()
	}
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--base-url %q: must be an absolute http or https URL without query", raw)
	}
	return u, nil
}

// Node is a running node.
type Node struct {
	cfg      Config
	log      *slog.Logger
	listener net.Listener
	db       *Database
	river    *jobs.Client
	egress   *egress.Client
	// escoEgress is the client that talks to ESCO: the same address rules
	// as egress, with room for ESCO's largest answers.
	escoEgress  *egress.Client
	http        *http.Server
	metrics     *http.Server // on MetricsListen, if set
	metricsAddr net.Addr
	baseURL     *url.URL
	cancel      context.CancelFunc
	served      chan error
	started     atomic.Bool
}

// Start brings a node up: listen first (so a port in use fails fast), then
// the database, migrations, River and HTTP. On error everything already
// started is stopped again.
func Start(ctx context.Context, cfg Config) (_ *Node, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	if m := cfg.FederationMode; m != "" && m != "open" && m != "allowlist" {
		return nil, fmt.Errorf("--federation-mode %q: must be open or allowlist", m)
	}
	catalog, err := locale.New(cfg.Language)
	if err != nil {
		return nil, fmt.Errorf("--language: %w", err)
	}
	if cfg.DBMaxConns < 0 || cfg.DBMaxConns == 1 {
		// One connection would deadlock River, which holds one to listen.
		return nil, fmt.Errorf("--db-max-conns %d: must be at least 2", cfg.DBMaxConns)
	}
	// n is not the named result: the error returns below set that to nil,
	// and the deferred Stop must still see what was started.
	n := &Node{cfg: cfg, log: cfg.Logger, served: make(chan error, 1)}
	defer func() {
		if err != nil {
			n.Stop(context.Background())
		}
	}()

	n.listener, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	var metricsListener net.Listener
	if cfg.MetricsListen != "" {
		if metricsListener, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			return nil, fmt.Errorf("--metrics-listen %s: %w", cfg.MetricsListen, err)
		}
		n.metricsAddr = metricsListener.Addr()
		n.metrics = &http.Server{ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		defer func() {
			if err != nil {
				metricsListener.Close()
			}
		}()
	}
	if n.baseURL, err = cfg.baseURL(n.listener.Addr()); err != nil {
		return nil, err
	}
	// Mail settings are checked before the database starts, so that a
	// mistake in them fails at once.
	if _, err := mail.ParseURL(cfg.SMTPURL); cfg.SMTPURL != "" && err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	mailFrom := cfg.SMTPFrom
	if mailFrom == "" {
		mailFrom = "laurel@" + n.baseURL.Hostname()
	}
	mailer, err := mail.New(mail.Config{URL: cfg.SMTPURL, From: mailFrom})
	if err != nil {
		return nil, fmt.Errorf("--smtp-from: %w", err)
	}
	allow, err := egress.ParseAllow(cfg.AllowIPs)
	if err != nil {
		return nil, fmt.Errorf("--allow-ips: %w", err)
	}
	proxies, err := egress.ParseAllow(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	userAgent := "Laurel/" + cfg.Version + " (+" + n.baseURL.String() + ")"
	// So are the ESCO settings.
	escoClient, err := n.escoClient(allow, userAgent)
	if err != nil {
		return nil, err
	}
	if n.db, err = OpenDatabase(ctx, cfg); err != nil {
		return nil, err
	}
	res, err := migrations.Apply(ctx, n.db.Pool)
	if err != nil {
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	if len(res.River)+len(res.Laurel) > 0 {
		n.log.Info("migrated database", "river", res.River, "laurel", res.Laurel)
	}

	n.egress = egress.New(egress.Config{Allow: allow, UserAgent: userAgent})
	fed := federation.New(federation.Config{
		Base:     n.baseURL,
		Pool:     n.db.Pool,
		Profiles: profiles(n.db.Pool, n.baseURL),
		Logger:   cfg.Logger,
		Version:  cfg.Version,
		Client:   n.egress,

		AuthorizedFetch: cfg.AuthorizedFetch,
		AllowlistMode:   cfg.FederationMode == "allowlist",
	})
	check := &verifier.Verifier{Client: n.egress.HTTPClient(), PlainHTTP: func(host string) bool {
		// did:web of hosts --allow-ips lets through (test nodes) over http.
		ip, err := netip.ParseAddr(host)
		return err == nil && slices.ContainsFunc(allow, func(p netip.Prefix) bool { return p.Contains(ip) })
	}}
	endorsements := network.New(n.db.Pool, fed, issuer.URLs{Base: n.baseURL}, n.egress, check)
	endorsements.Register()
	endorsements.SetLocale(catalog)
	backpacks := passport.New(n.db.Pool, fed, issuer.URLs{Base: n.baseURL}, check)
	backpacks.Register()
	backpacks.SetLocale(catalog)
	milestones := milestone.New(n.db.Pool, issuer.URLs{Base: n.baseURL})
	backpacks.SetAccepted(milestones.Accepted)
	networks := community.New(n.db.Pool, fed, endorsements)
	networks.Register()
	n.river, err = jobs.NewClient(n.db.Pool, jobs.Config{Logger: cfg.Logger, MaxWorkers: 20,
		FetchCooldown: 20 * time.Millisecond, RescueAfter: cfg.JobRescueAfter, Federation: fed, Mail: mailer, Network: endorsements, ESCO: escoClient,
		Passport: backpacks, Communities: networks, Milestones: milestones, MailLinks: map[string]mail.LinkMaker{
			account.LinkVerification:     account.VerificationLinks(n.db.Pool, web.VerifyEmailLink(n.baseURL)),
			account.LinkPasswordReset:    account.PasswordResetLinks(n.db.Pool, web.ResetPasswordLink(n.baseURL)),
			account.LinkMemberInvitation: account.MemberInvitationLinks(n.db.Pool, web.JoinLink(n.baseURL)),
			issuer.LinkClaim:             issuer.ClaimLinks(n.db.Pool, issuer.URLs{Base: n.baseURL}),
			network.LinkInvitation:       network.InvitationLinks(n.db.Pool, issuer.URLs{Base: n.baseURL}),
			application.LinkConfirm:      application.ConfirmLinks(n.db.Pool, application.URLs{Base: n.baseURL}),
			application.LinkApplicant:    application.ApplicantLinks(n.db.Pool, application.URLs{Base: n.baseURL}),
			application.LinkReview:       application.ReviewLinks(n.db.Pool, application.URLs{Base: n.baseURL}),
		}})
	if err != nil {
		return nil, err
	}
	// Background services live until Stop, not until the caller's ctx ends.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.cancel = cancel
	handler, err := web.New(runCtx, web.Deps{
		Pool:           n.db.Pool,
		River:          n.river,
		BaseURL:        n.baseURL,
		Logger:         cfg.Logger,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		Ready:          n.ready,
		Federation:     fed,
		Egress:         n.egress,
		Network:        endorsements,
		Passport:       backpacks,
		Communities:    networks,
		MailEnabled:    mailer != nil,
		Verifier:       check,
		ESCO:           escoClient,
		MetricsToken:   cfg.MetricsToken,
		TrustedProxies: proxies,
		Locale:         catalog,
	})
	if err != nil {
		return nil, err
	}
	// Milestones the job issues are announced as any issuing is.
	milestones.SetHooks(handler.IssueHooks())
	// The node reads its own documents from itself, in process, before
	// any job runs: fetching its own URL would dial a loopback address on
	// a default node.
	n.egress.ServeLocally(n.baseURL, handler)
	if err := n.river.Start(runCtx); err != nil {
		return nil, fmt.Errorf("start River: %w", err)
	}
	n.started.Store(true)
	n.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	go func() { n.served <- n.http.Serve(n.listener) }()
	if n.metrics != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", handler.Metrics())
		n.metrics.Handler = mux
		go func() { _ = n.metrics.Serve(metricsListener) }()
		n.log.Info("serving metrics", "addr", metricsListener.Addr().String())
	}
	n.log.Info("listening", "addr", n.listener.Addr().String(), "base_url", n.baseURL.String(),
		"database", n.db.Description())
	return n, nil
}

// escoClient builds the client of ESCO's web API that --esco-url and
// --esco-api name, nil for none. It talks through an egress
// client of its own, with the node's address rules and User-Agent and a body
// limit that fits ESCO's largest answers.
func (n *Node) escoClient(allow []netip.Prefix, userAgent string) (*esco.Client, error) {
	switch n.cfg.ESCOAPI {
	case "", esco.APIOpen, esco.APIClassic:
	default:
		return nil, fmt.Errorf("--esco-api %q: must be %s or %s", n.cfg.ESCOAPI, esco.APIOpen, esco.APIClassic)
	}
	if u := strings.TrimSpace(n.cfg.ESCOURL); u == "" || u == "none" {
		return nil, nil
	}
	n.escoEgress = egress.New(egress.Config{Allow: allow, MaxBody: esco.MaxResponseBytes, UserAgent: userAgent})
	c, err := esco.NewClient(esco.ClientConfig{BaseURL: n.cfg.ESCOURL, API: n.cfg.ESCOAPI,
		HTTP: n.escoEgress.HTTPClient(), UserAgent: userAgent})
	if err != nil {
		return nil, fmt.Errorf("--esco-url %q: %w", n.cfg.ESCOURL, err)
	}
	return c, nil
}

// MetricsAddr is the address of the metrics listener, nil without one.
func (n *Node) MetricsAddr() net.Addr { return n.metricsAddr }

// Addr is the address the node listens on.
func (n *Node) Addr() net.Addr { return n.listener.Addr() }

// BaseURL is the node's public URL.
func (n *Node) BaseURL() *url.URL { return n.baseURL }

// Database is the node's database.
func (n *Node) Database() *Database { return n.db }

// ready reports whether the node can do its work.
func (n *Node) ready(ctx context.Context) error {
	if err := n.db.Pool.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if !n.started.Load() {
		return errors.New("job queue not running")
	}
	return nil
}

// Wait blocks until the HTTP server fails or ctx ends.
func (n *Node) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-n.served:
		return fmt.Errorf("serve HTTP: %w", err)
	}
}

// Stop drains HTTP, stops River (letting running jobs finish within the
// shutdown timeout, then cancelling them), and closes the database, stopping
// the embedded PostgreSQL if this node started it.
func (n *Node) Stop(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.ShutdownTimeout)
	defer cancel()
	if n.http != nil {
		if err := n.http.Shutdown(ctx); err != nil {
			n.log.Warn("HTTP shutdown", "err", err)
		}
	} else if n.listener != nil {
		n.listener.Close()
	}
	if n.metrics != nil {
		if err := n.metrics.Shutdown(ctx); err != nil {
			n.log.Warn("metrics HTTP shutdown", "err", err)
		}
	}
	if n.started.Swap(false) {
		if err := n.river.Stop(ctx); err != nil {
			n.log.Warn("River did not stop in time; cancelling running jobs", "err", err)
			stopCtx, stopCancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = n.river.StopAndCancel(stopCtx)
			stopCancel()
		}
	}
	if n.cancel != nil {
		n.cancel()
	}
	if n.egress != nil {
		n.egress.CloseIdleConnections()
	}
	if n.escoEgress != nil {
		n.escoEgress.CloseIdleConnections()
	}
	if n.db != nil {
		if err := n.db.Close(ctx); err != nil {
			n.log.Warn("close database", "err", err)
		}
		// Only a node that got as far as its database has anything to report
		// stopping; a failed start says just why it failed.
		n.log.Info("stopped")
	}
}
