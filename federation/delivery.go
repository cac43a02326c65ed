package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/federation/signature"
)

// Delivery limits. The schedule of retries is RetryPolicy's.
const (
	// PerHostDeliveries bounds how many deliveries to one host a process
	// makes at once; the delivery queue's MaxWorkers bounds them overall.
	PerHostDeliveries = 4
	// hostSlotWait is how long a job waits for one of its host's slots
	// before it snoozes (so that a slow host cannot hold every worker).
	hostSlotWait = 2 * time.Second

	// peerFailureThreshold is how many retryable failures in a row back off
	// a whole host: for 2^n minutes after the n-th, at most
	// peerMaxBackoff. Failures of requests that were already under way
	// when the backoff began do not lengthen it.
	peerFailureThreshold = 5
	peerMaxBackoff       = 6 * time.Hour

	// Retry-After on a 429 or 503 snoozes the job (and backs off the
	// host) for that long, but at least minRetryAfter and at most
	// maxRetryAfter.
	minRetryAfter = 30 * time.Second
	maxRetryAfter = 24 * time.Hour

	// DeliveryMaxAge is how old a delivery may be and still be postponed
	// by a peer's backoff or Retry-After (which, unlike failed attempts, are
	// not limited in number): an older one is given up as failed.
	DeliveryMaxAge = 72 * time.Hour

	// Of a peer's answer, at most responseSnippet bytes are kept for
	// last_error and at most responseDrain more are read so that the
	// connection can be reused.
	responseSnippet = 512
	responseDrain   = 16 << 10
	maxLastError    = 1000

	// bookkeepingTimeout bounds the database writes that record an
	// attempt's result, which run even when the job's context has ended.
	bookkeepingTimeout = 10 * time.Second
)

// Delivery states, as stored in delivery.state.
const (
	deliveryPending   = "pending"
	deliveryDelivered = "delivered"
	deliveryFailed    = "failed"
)

// DeliverWorker delivers outbox activities to remote inboxes: it signs each
// attempt afresh as the activity's actor, POSTs it through the node's egress
// client, and records the outcome in the delivery and peer tables.
//
// A 2xx answer delivers. Network errors, timeouts, 408, 429 and 5xx are
// retried on RetryPolicy's schedule; a 429 or 503 with Retry-After snoozes
// instead. Other answers, forbidden addresses and blocked domains give up
// at once (river.JobCancel). A host that failed peerFailureThreshold times
// in a row is backed off as a whole, and its deliveries snooze until the
// backoff ends. At most PerHostDeliveries run at once per host and process.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	f      *Federation
	client *egress.Client
	hosts  *hostLimiter
}

// NewDeliverWorker returns the delivery worker of f. Register it with the
// River client of every process (also insert-only ones, so they may insert
// DeliverArgs). It sends through f's egress client, or a default one (which
// refuses private addresses) when f has none.
func NewDeliverWorker(f *Federation) *DeliverWorker {
	client := f.cfg.Client
	if client == nil {
		client = egress.New(egress.Config{})
	}
	return &DeliverWorker{f: f, client: client, hosts: newHostLimiter(PerHostDeliveries)}
}

// DeliveryJobTimeout bounds one delivery attempt: the egress client's own
// timeout (30 s for the whole request) plus the wait for a host slot and
// the bookkeeping around it. It is also how soon River may take the job of
// a process that died mid-delivery for stranded (see jobs.RescueAfter).
const DeliveryJobTimeout = 45 * time.Second

// Timeout implements river.Worker: a delivery is bounded by
// DeliveryJobTimeout (or Config.DeliveryTimeout), not by the client's
// default job timeout.
func (w *DeliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	if t := w.f.cfg.DeliveryTimeout; t > 0 {
		return t
	}
	return DeliveryJobTimeout
}

// Work makes one delivery attempt. On the last attempt a failure that
// would have been retried records the delivery as failed, since River
// discards the job.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	err := w.work(ctx, job)
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	if err != nil && job.Attempt >= job.MaxAttempts && !errors.As(err, &snooze) && !errors.As(err, &cancel) {
		bctx, done := bookkeepingContext(ctx)
		defer done()
		w.setState(bctx, job.Args, deliveryFailed, false, fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err))
	}
	return err
}

// outcome is what an attempt's result means for the delivery.
type outcome int

const (
	outcomeDelivered outcome = iota + 1 // the peer accepted it
	outcomeRetry                        // try again later
	outcomePermanent                    // give up: trying again cannot help
)

// classify decides what the result of a POST means: the response status
// when there was a response, or the error of the request. It is the one
// place where that is decided.
func classify(status int, err error) outcome {
	if err != nil {
		switch {
		case errors.Is(err, egress.ErrForbiddenAddress),
			errors.Is(err, egress.ErrUnsupportedScheme),
			errors.Is(err, egress.ErrTooManyRedirects):
			return outcomePermanent
		}
		return outcomeRetry // network errors, timeouts, cancellation
	}
	switch {
	case status >= 200 && status <= 299:
		return outcomeDelivered
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return outcomeRetry
	case status == 0:
		return outcomeRetry // no status without an error: treat as a failed connection
	default:
		// 4xx: the peer refuses this request as it is (bad signature, gone
		// actor, too large...), and 1xx or 3xx as final answers.
		return outcomePermanent
	}
}

// retryAfter reads a Retry-After header (delay seconds or an HTTP date)
// as a duration from now, clamped to [minRetryAfter, maxRetryAfter]. It
// reports false for a missing, malformed, zero or past value.
func retryAfter(header string, now time.Time) (time.Duration, bool) {
	header = strings.TrimSpace(header)
	if header == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(header, 10, 64); err == nil {
		if secs <= 0 {
			return 0, false
		}
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(header); err == nil {
		if d = t.Sub(now); d <= 0 {
			return 0, false
		}
	} else {
		return 0, false
	}
	return min(max(d, minRetryAfter), maxRetryAfter), true
}

// outboxDelivery is what one delivery job needs from the database.
type outboxDelivery struct {
	username string
	document []byte
	state    string // "" when the delivery row is missing
}

func (w *DeliverWorker) work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	args := job.Args
	pool := w.f.cfg.Pool
	var d outboxDelivery
	err := pool.QueryRow(ctx, `SELECT a.username, o.document::text, coalesce(d.state, '')
		FROM outbox_activity o JOIN actor a ON a.id = o.actor_id
		LEFT JOIN delivery d ON d.outbox_id = o.id AND d.inbox = $2
		WHERE o.id = $1`, args.OutboxID, args.Inbox).Scan(&d.username, &d.document, &d.state)
	if errors.Is(err, pgx.ErrNoRows) {
		// Its actor was deleted, and the activity with it.
		return river.JobCancel(fmt.Errorf("outbox activity %d no longer exists", args.OutboxID))
	}
	if err != nil {
		return fmt.Errorf("load outbox activity %d: %w", args.OutboxID, err)
	}
	if d.state == deliveryDelivered {
		return nil // a replay of a job that already did its work
	}

	host := hostOf(args.Inbox)
	if host == "" {
		return w.giveUp(ctx, args, false, fmt.Errorf("inbox %q is not an http(s) URL", args.Inbox))
	}
	blocked, err := w.f.refused(ctx, pool, host)
	if err != nil {
		return err
	}
	if blocked {
		return w.giveUp(ctx, args, false, w.f.refusal(host))
	}
	if wait, ok, err := peerBackoff(ctx, pool, host); err != nil {
		return err
	} else if ok {
		if time.Since(job.CreatedAt) > DeliveryMaxAge {
			return w.giveUp(ctx, args, false, fmt.Errorf("%s still backed off after %s", host, DeliveryMaxAge))
		}
		return river.JobSnooze(wait + jitter(30*time.Second))
	}

	release, ok := w.hosts.acquire(ctx, host, hostSlotWait)
	if !ok {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return river.JobSnooze(time.Second + jitter(4*time.Second))
	}
	defer release()

	key, err := w.f.signingKey(ctx, pool, d.username)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, args.Inbox, bytes.NewReader(d.document))
	if err != nil {
		return w.giveUp(ctx, args, false, fmt.Errorf("build request: %w", err))
	}
	req.Header.Set("Content-Type", ActivityJSON)
	req.Header.Set("Accept", ActivityJSON)
	if err := signature.SignRequest(req, w.f.urls.KeyID(d.username), key, d.document, time.Now()); err != nil {
		return w.giveUp(ctx, args, false, err)
	}

	status, header, snippet, err := w.post(req)
	result := classify(status, err)
	what := err
	if err == nil {
		what = fmt.Errorf("%s answered %d %s: %s", host, status, http.StatusText(status), snippet)
	}

	// The attempt happened: record it even if the job's context has ended.
	bctx, done := bookkeepingContext(ctx)
	defer done()
	switch result {
	case outcomeDelivered:
		w.setState(bctx, args, deliveryDelivered, true, "")
		w.peerAnswered(bctx, host)
		w.f.log.Debug("delivered", "inbox", args.Inbox, "outbox_id", args.OutboxID, "status", status)
		return nil
	case outcomePermanent:
		if status != 0 {
			w.peerAnswered(bctx, host) // the host is up; it refused this one
		}
		return w.giveUp(bctx, args, true, what)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if wait, ok := retryAfter(header.Get("Retry-After"), time.Now()); ok {
			if time.Since(job.CreatedAt) > DeliveryMaxAge {
				return w.giveUp(bctx, args, true, what)
			}
			w.setState(bctx, args, deliveryPending, true, fmt.Sprintf("%v (retry after %s)", what, wait))
			w.peerRetryAfter(bctx, host, wait, what.Error())
			return river.JobSnooze(wait)
		}
	}
	w.setState(bctx, args, deliveryPending, true, what.Error())
	if ctx.Err() == nil {
		// Not when the job's own context ended it (shutdown, job timeout):
		// the egress client's shorter timeout is what catches slow peers.
		w.peerFailed(bctx, host, what.Error())
	}
	w.f.log.Info("delivery failed; will retry", "inbox", args.Inbox, "outbox_id", args.OutboxID,
		"attempt", job.Attempt, "err", what)
	return fmt.Errorf("deliver to %s: %w", args.Inbox, what)
}

// post sends req and returns the status, headers and the start of the body
// of the answer, having read at most a little of it.
func (w *DeliverWorker) post(req *http.Request) (status int, header http.Header, snippet string, err error) {
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, responseSnippet))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, responseDrain))
	return resp.StatusCode, resp.Header, string(head), nil
}

// giveUp records the delivery as failed and cancels the job. attempted
// tells whether a request was sent.
func (w *DeliverWorker) giveUp(ctx context.Context, args DeliverArgs, attempted bool, why error) error {
	w.setState(ctx, args, deliveryFailed, attempted, why.Error())
	w.f.log.Warn("delivery given up", "inbox", args.Inbox, "outbox_id", args.OutboxID, "err", why)
	return river.JobCancel(why)
}

// setState records the result of an attempt in the delivery row. It only
// logs errors: the attempt's outcome, not its bookkeeping, decides what
// River does next (a failed write must not make a delivered activity go
// out again).
func (w *DeliverWorker) setState(ctx context.Context, args DeliverArgs, state string, attempted bool, lastError string) {
	inc := 0
	if attempted {
		inc = 1
	}
	_, err := w.f.cfg.Pool.Exec(ctx, `UPDATE delivery SET state = $3, attempts = attempts + $4, last_error = $5,
			delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END
		WHERE outbox_id = $1 AND inbox = $2`,
		args.OutboxID, args.Inbox, state, inc, cleanError(lastError))
	if err != nil {
		w.f.log.Error("record delivery", "inbox", args.Inbox, "outbox_id", args.OutboxID, "state", state, "err", err)
	}
}

// peerBackoff returns how long host is still backed off, measured on the
// database's clock.
func peerBackoff(ctx context.Context, db DB, host string) (time.Duration, bool, error) {
	var secs float64
	err := db.QueryRow(ctx, `SELECT extract(epoch FROM backoff_until - now())::float8 FROM peer
		WHERE host = $1 AND backoff_until > now()`, host).Scan(&secs)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("check backoff of %s: %w", host, err)
	}
	return time.Duration(secs * float64(time.Second)), true, nil
}

// peerFailed counts a retryable failure against host and, from
// peerFailureThreshold failures in a row, backs it off for
// min(2^n minutes, peerMaxBackoff). A failure while a backoff is running
// (a request that started before it) changes nothing.
func (w *DeliverWorker) peerFailed(ctx context.Context, host, lastError string) {
	_, err := w.f.cfg.Pool.Exec(ctx, `INSERT INTO peer AS p (host, consecutive_failures, last_error, updated_at)
		VALUES ($1, 1, $2, now())
		ON CONFLICT (host) DO UPDATE SET
			consecutive_failures = CASE WHEN p.backoff_until > now() THEN p.consecutive_failures
				ELSE p.consecutive_failures + 1 END,
			backoff_until = CASE WHEN p.backoff_until > now() THEN p.backoff_until
				WHEN p.consecutive_failures + 1 >= $3
				THEN now() + make_interval(secs => least(60 * power(2, least(p.consecutive_failures + 1, 30)), $4))
				ELSE p.backoff_until END,
			last_error = excluded.last_error, updated_at = now()`,
		host, cleanError(lastError), peerFailureThreshold, peerMaxBackoff.Seconds())
	if err != nil {
		w.f.log.Error("record peer failure", "host", host, "err", err)
	}
}

// peerRetryAfter backs host off for wait, as its Retry-After asked,
// without counting a failure.
func (w *DeliverWorker) peerRetryAfter(ctx context.Context, host string, wait time.Duration, lastError string) {
	_, err := w.f.cfg.Pool.Exec(ctx, `INSERT INTO peer AS p (host, backoff_until, last_error, updated_at)
		VALUES ($1, now() + make_interval(secs => $2), $3, now())
		ON CONFLICT (host) DO UPDATE SET backoff_until = greatest(p.backoff_until, excluded.backoff_until),
			last_error = excluded.last_error, updated_at = now()`,
		host, wait.Seconds(), cleanError(lastError))
	if err != nil {
		w.f.log.Error("record peer backoff", "host", host, "err", err)
	}
}

// peerAnswered clears host's failures and backoff: it answered.
func (w *DeliverWorker) peerAnswered(ctx context.Context, host string) {
	_, err := w.f.cfg.Pool.Exec(ctx, `UPDATE peer SET consecutive_failures = 0, backoff_until = NULL,
			last_error = '', updated_at = now()
		WHERE host = $1 AND (consecutive_failures > 0 OR backoff_until IS NOT NULL)`, host)
	if err != nil {
		w.f.log.Error("reset peer failures", "host", host, "err", err)
	}
}

// bookkeepingContext is ctx without its cancellation, bounded by
// bookkeepingTimeout.
func bookkeepingContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
}

// cleanError makes text storable and readable: valid UTF-8 without control
// characters (PostgreSQL text refuses NUL), at most maxLastError bytes.
func cleanError(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.TrimSpace(s)
	if len(s) > maxLastError {
		cut := maxLastError
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// jitter returns a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// hostLimiter bounds concurrent deliveries per host within one worker (so
// within one process): a semaphore per host, created on first use.
type hostLimiter struct {
	per   int
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func newHostLimiter(per int) *hostLimiter {
	return &hostLimiter{per: per, slots: make(map[string]chan struct{})}
}

// acquire takes one of host's slots, waiting at most wait (or until ctx
// ends). When ok, release must be called once the request is done.
func (l *hostLimiter) acquire(ctx context.Context, host string, wait time.Duration) (release func(), ok bool) {
	l.mu.Lock()
	sem := l.slots[host]
	if sem == nil {
		sem = make(chan struct{}, l.per)
		l.slots[host] = sem
	}
	l.mu.Unlock()
	release = func() { <-sem }
	select {
	case sem <- struct{}{}:
		return release, true
	default:
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case sem <- struct{}{}:
		return release, true
	case <-timer.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
}
