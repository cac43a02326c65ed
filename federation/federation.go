// Package federation is Laurel's ActivityPub plumbing: the node's local
// actors and their keys, WebFinger, host-meta and NodeInfo, actor documents
// with content negotiation, and (as the federation core grows) inboxes,
// outboxes, the remote key cache and delivery. It imports vocab-level
// libraries but no domain package: issuer and passport call it, and tell it
// about their actors through a ProfileLookup.
package federation

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/sync/singleflight"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/markdown"
)

// DB is what the package needs of a connection: a pool, a connection or a
// transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Profile is what the domain knows about one of our actors and the actor
// document shows: who it is and where its page is.
type Profile struct {
	Name    string // display name
	Summary string // short description, Markdown (plain text is Markdown too)
	URL     string // its HTML page
	IconURL string // avatar or logo; empty for none
	// Country is an organisation's ISO 3166 country code, for partner
	// directories on other nodes.
	Country string
	// OpenBadgesProfile is the id of an organisation's Open Badges issuer
	// Profile, which endorsements of it name.
	OpenBadgesProfile string
	// Discoverable: the actor chose to be listed in directories
	// (Mastodon's toot:discoverable).
	Discoverable bool
}

// ProfileLookup returns the profile of a local actor; the node wires it to
// issuer (organisations) and account (people).
type ProfileLookup func(ctx context.Context, kind Kind, username string) (Profile, error)

// Config configures the federation side of a node.
type Config struct {
	Base     *url.URL // the node's public URL
	Pool     *pgxpool.Pool
	Profiles ProfileLookup
	Logger   *slog.Logger
	Version  string // software version for NodeInfo
	// Client makes every outgoing request (fetches and deliveries), refusing
	// private addresses unless allowed.
	Client *egress.Client
	// Jobs queues deliveries inside the caller's transaction.
	Jobs Inserter
	// AuthorizedFetch requires signed GETs for actor documents and
	// collections (the instance actor excepted, so peers can always fetch
	// the key that verifies our own signed fetches).
	AuthorizedFetch bool
	// DeliveryTimeout bounds one delivery job; zero means
	// DeliveryJobTimeout. Tests of the rescue of stranded jobs shorten it.
	DeliveryTimeout time.Duration
	// AllowlistMode federates only with the domains node admins allowed
	// (AllowDomain); blocks apply in either mode.
	AllowlistMode bool
}

// Inserter queues River jobs inside a transaction; *jobs.Client (River's
// client) satisfies it.
type Inserter interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Federation serves and (later) sends ActivityPub for one node.
type Federation struct {
	cfg      Config
	urls     URLs
	log      *slog.Logger
	keys     *keyCache
	handlers map[string][]Handler // by activity type; see Handle
	// keyFlights collapses concurrent resolutions of one remote key, and
	// fetches bounds fetches per host (see keys.go, fetchlimit.go).
	keyFlights singleflight.Group
	fetches    *fetchLimiter
	// md renders what goes to other servers, and sanitises what comes
	// from them to the same subset of HTML.
	md *markdown.Renderer
}

// New builds the federation side of a node.
func New(cfg Config) *Federation {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Federation{cfg: cfg, urls: URLs{Base: cfg.Base}, log: cfg.Logger, keys: newKeyCache(),
		handlers: map[string][]Handler{}, md: markdown.New(), fetches: newFetchLimiter()}
}

// Markdown renders what local actors write (posts, summaries, comments,
// endorsement texts) as the HTML content of what is sent to other servers.
func (f *Federation) Markdown() *markdown.Renderer { return f.md }

// URLs returns the URL scheme of this node's ActivityPub objects.
func (f *Federation) URLs() URLs { return f.urls }
