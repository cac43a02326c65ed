// Package dbpool configures the node's PostgreSQL connection pool so that
// waiting for the database is bounded and recognisable: an HTTP request
// that cannot get a connection within AcquireTimeout fails at once (the web
// layer answers 503 with Retry-After) instead of hanging until the client
// gives up, and errors that mean "the database cannot be reached" are told
// apart from bugs. It also holds a check, for tests, that no goroutine
// holding a connection asks the pool for a second one: the hold-and-wait
// that deadlocks a pool under load.
package dbpool

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultAcquireTimeout bounds how long a request waits for a connection
// when Options.AcquireTimeout is zero.
const DefaultAcquireTimeout = 5 * time.Second

// RetryAfter is what a 503 for a busy or unreachable database tells the
// client to wait, in seconds: about the time a PostgreSQL restart or a
// burst takes to pass.
const RetryAfter = "5"

// Options tune Configure.
type Options struct {
	// MaxConns caps the pool; zero keeps pgxpool's own default.
	MaxConns int32
	// AcquireTimeout bounds the wait for a connection of a context marked
	// with Bounded (HTTP requests); zero means DefaultAcquireTimeout.
	// Background work (River jobs) is not bounded here: its own job
	// timeouts apply.
	AcquireTimeout time.Duration
	// Check, when set, is told of every acquire and release (tests).
	Check *HoldCheck
}

// Configure sets the pool size and installs the tracer that bounds waits
// (and feeds Check). It keeps a tracer already set in cfg by chaining to
// it for queries.
func Configure(cfg *pgxpool.Config, o Options) {
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	if o.AcquireTimeout <= 0 {
		o.AcquireTimeout = DefaultAcquireTimeout
	}
	cfg.ConnConfig.Tracer = &tracer{timeout: o.AcquireTimeout, check: o.Check, next: cfg.ConnConfig.Tracer}
}

// waits is the mark Bounded puts on a context: the bound applies, and it
// records that a wait timed out.
type waits struct{ timedOut chan struct{} }

type waitsKey struct{}

// Bounded marks ctx so that its acquires are bounded by the pool's
// AcquireTimeout. The web layer marks every request.
func Bounded(ctx context.Context) context.Context {
	return context.WithValue(ctx, waitsKey{}, &waits{timedOut: make(chan struct{})})
}

// Busy reports whether err came of ctx (a context marked by Bounded)
// waiting longer than the bound for a connection: the pool is exhausted.
func Busy(ctx context.Context, err error) bool {
	w, _ := ctx.Value(waitsKey{}).(*waits)
	if w == nil || !errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	select {
	case <-w.timedOut:
		return true
	default:
		return false
	}
}

// errWaitTimedOut is the cause of an acquire context that hit the bound.
var errWaitTimedOut = errors.New("timed out waiting for a database connection")

// Unavailable reports whether err says PostgreSQL cannot be reached or is
// not accepting work: a failed connect, a server shutting down or starting
// up, a connection lost.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-03: admin shutdown, crash
		// shutdown, cannot connect now (starting up or in recovery).
		return pe.Code[:2] == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return errors.Is(err, pgconn.ErrConnClosed)
}

// MaybeUnavailable reports whether err looks like a lost connection (a
// network error or a cut-off stream) that may be the database's rather
// than a peer's: callers confirm with a ping before saying so.
func MaybeUnavailable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// tracer bounds the acquires of marked contexts and tells the check.
type tracer struct {
	timeout time.Duration
	check   *HoldCheck
	next    pgx.QueryTracer
}

type cancelKey struct{}

// TraceAcquireStart implements pgxpool.AcquireTracer: pgxpool acquires
// with the context returned here, so a deadline set on it bounds the wait
// (and only the wait: queries run on the caller's own context).
func (t *tracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	if t.check != nil {
		t.check.acquiring()
	}
	if _, marked := ctx.Value(waitsKey{}).(*waits); !marked {
		return ctx
	}
	ctx, cancel := context.WithTimeoutCause(ctx, t.timeout, errWaitTimedOut)
	return context.WithValue(ctx, cancelKey{}, cancel)
}

// TraceAcquireEnd implements pgxpool.AcquireTracer.
func (t *tracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if data.Err == nil && t.check != nil {
		t.check.acquired(data.Conn)
	}
	cancel, _ := ctx.Value(cancelKey{}).(context.CancelFunc)
	if cancel == nil {
		return
	}
	if data.Err != nil && errors.Is(context.Cause(ctx), errWaitTimedOut) {
		if w, _ := ctx.Value(waitsKey{}).(*waits); w != nil {
			select {
			case <-w.timedOut:
			default:
				close(w.timedOut)
			}
		}
	}
	cancel()
}

// TraceRelease implements pgxpool.ReleaseTracer.
func (t *tracer) TraceRelease(_ *pgxpool.Pool, data pgxpool.TraceReleaseData) {
	if t.check != nil {
		t.check.released(data.Conn)
	}
}

// TraceQueryStart implements pgx.QueryTracer, passing on to a tracer set
// before Configure.
func (t *tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if t.next != nil {
		return t.next.TraceQueryStart(ctx, conn, data)
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *tracer) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryEndData) {
	if t.next != nil {
		t.next.TraceQueryEnd(ctx, conn, data)
	}
}

// UniqueViolation reports whether err is PostgreSQL refusing a row that
// would repeat a unique key: the caller's conflict, not a failure.
func UniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgerrcode.UniqueViolation
}
