package passport

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/verifier"
)

// DB is what the package needs of a connection: a pool, a connection or a
// transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Passport does the backpack's work for one node: what needs the node's
// verifier, federation or job queue. Reading and answering items needs
// none of them and is done by package functions.
type Passport struct {
	pool     *pgxpool.Pool
	fed      *federation.Federation
	urls     issuer.URLs
	verifier *verifier.Verifier
	queue    issuer.Queue    // nil until SetQueue
	locale   *locale.Catalog // writes the emails (SetLocale); nil: English
	accepted func(ctx context.Context, tx pgx.Tx, it Item) error
}

// New returns the passport of a node. Call Register before the node
// serves, so that its inbox hands badge mentions to it, and SetQueue once
// the River client exists.
func New(pool *pgxpool.Pool, fed *federation.Federation, urls issuer.URLs, v *verifier.Verifier) *Passport {
	return &Passport{pool: pool, fed: fed, urls: urls, verifier: v}
}

// SetQueue gives the passport the River client it queues verifications
// on, inside the inbox's transaction.
func (p *Passport) SetQueue(q issuer.Queue) { p.queue = q }

// SetLocale gives the passport the catalogue its emails are written from:
// the digest in its user's language, a request to an address without an
// account in the node's default.
func (p *Passport) SetLocale(c *locale.Catalog) { p.locale = c }

// SetAccepted gives the passport a function told of every badge its earner
// takes into the passport (Passport.Accept, Add and imports), in the
// transaction that does so: the node queues the evaluation of milestone
// badges with it.
func (p *Passport) SetAccepted(f func(ctx context.Context, tx pgx.Tx, it Item) error) { p.accepted = f }

// ActorID is the id of a local user's Person actor, the identity a badge
// issued to them on the fediverse names.
func (p *Passport) ActorID(username string) string { return p.fed.URLs().Actor(username) }
