// Package kit is what every handler package of web shares: the node's
// dependencies (Deps), the session manager, rendering pages (the templates
// web embeds), problem and JSON answers, body decoding, the signed-in user
// and the middleware that requires one, the organisation a request acts
// for, notices, Markdown and the text checks. The handler packages
// (web/badges, web/network, …) embed a *Kit; web builds it and mounts them.
package kit

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/verifier"
)

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
	// (see web.Server.Metrics for a listener of its own).
	MetricsToken string
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (see web.Server.fromTrustedProxy); none trusts no header.
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

// Kit is what every handler package shares: the node's dependencies, the
// session manager, the parsed pages and the Markdown renderer. Handler
// packages embed it, so a handler reads s.Deps.Pool, s.Render(…), s.Fail(…).
type Kit struct {
	Deps     Deps
	Log      *slog.Logger
	Sessions *scs.SessionManager
	pages    *pages
	Markdown *markdown
}

// New parses the pages (templates/ of fsys) and opens the session manager
// on the node's database.
func New(deps Deps, fsys fs.FS) (*Kit, error) {
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
	pg, err := parsePages(fsys, deps.Locale)
	if err != nil {
		return nil, err
	}
	k := &Kit{
		Deps:     deps,
		Log:      deps.Logger,
		Sessions: newSessionManager(deps.Pool, deps.BaseURL),
		pages:    pg,
		Markdown: newMarkdown(),
	}
	// A session that cannot be loaded or saved (the database is down) is
	// answered like any other failure: 503 when the database is the cause.
	k.Sessions.ErrorFunc = k.Fail
	return k, nil
}

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
