// Package jobs runs Laurel's background work on River: it builds the one
// River client of a process, registers every worker, and lets callers insert
// jobs inside their own transaction, so that a change and the jobs that
// announce it commit or roll back together.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/passport"
)

// Client is the River client type used throughout Laurel.
type Client = river.Client[pgx.Tx]

// Config tunes the client.
type Config struct {
	Logger *slog.Logger
	// MaxWorkers bounds how many jobs of the default queue run at once in
	// this process.
	MaxWorkers int
	// FetchCooldown is the shortest pause between fetches of new jobs. River's
	// default (100 ms) caps throughput near MaxWorkers per 100 ms.
	FetchCooldown time.Duration
	// RescueAfter is how long a job may be running before River takes it
	// for the job of a process that died (killed, or cut off from the
	// database) and schedules it again, to be worked by any process; zero
	// means DefaultRescueAfter. A job whose worker has a longer Timeout is
	// only rescued once that has passed. Tests shorten it, with JobTimeout.
	RescueAfter time.Duration
	// JobTimeout cancels a job that runs longer, unless its worker sets
	// its own Timeout (deliveries, ESCO and the recheck do); zero means
	// DefaultJobTimeout. It must not exceed RescueAfter.
	JobTimeout time.Duration
	// RetryPolicy decides when a failed (or rescued) job runs again; nil
	// means federation.RetryPolicy, the delivery schedule. Tests of the
	// rescue set one that retries at once.
	RetryPolicy river.ClientRetryPolicy
	// InsertOnly marks a client that only inserts jobs (admin commands): it
	// registers workers for argument validation but works no queue.
	InsertOnly bool
	// Federation, when set, registers the delivery worker (also on
	// insert-only clients, which must know the kind to insert it), adds
	// the federation.DeliveryQueue queue, and hands the client to the
	// Federation (Federation.SetJobs) so that Publish queues deliveries on
	// it. Nil: no deliveries.
	Federation *federation.Federation
	// DeliveryMaxWorkers bounds how many deliveries run at once in this
	// process; zero means 50. Each host gets at most
	// federation.PerHostDeliveries of them.
	DeliveryMaxWorkers int
	// Mail sends the jobs of the mail.Queue queue. Nil (no --smtp-url):
	// the mail worker is still registered, so that mail can be queued, but
	// it cancels every job.
	Mail *mail.Sender
	// MailLinks make the secret links of messages, by kind (see
	// mail.SendArgs).
	MailLinks map[string]mail.LinkMaker
	// Network, when set, registers the endorsement network's digest worker
	// (run hourly; it sends each organisation at most one digest a day) and
	// network_endorsement_verify (queued by its inbox handler), and hands
	// the client to it for the emails and verifications it queues.
	Network *network.Network
	// Passport, when set, registers the backpack's workers: passport_verify
	// (queued by its inbox handler), the daily passport_recheck and the
	// hourly passport_digest (stream digests by email); and hands the
	// client to it for the verifications and emails it queues.
	Passport *passport.Passport
	// Milestones, when set, registers milestone_evaluate (queued when an
	// earner takes a badge into their passport) and milestone_backfill
	// (queued when a milestone is made or changed, for the earners who meet
	// it already), and hands the client to it for those jobs.
	Milestones *milestone.Milestones
	// Communities, when set, registers community_relations, which reads
	// daily who endorses whom among every network's members.
	Communities *community.Communities
	// ESCO asks ESCO's API for the ESCO jobs: esco_fetch (queued by
	// issuer.AlignBadge after a pick) and the daily esco_refresh, which
	// flags badges whose ESCO alignments changed. Both workers are always
	// registered; nil (a node without ESCO's API) cancels fetches and
	// schedules no refresh. The refresh runs daily at 03:17 UTC.
	ESCO *esco.Client
}

// escoRefreshAt is when, every day (UTC), the ESCO concepts of badges are
// checked: at night in Europe, when ESCO is least busy. A fixed time of
// day rather than an interval, so that restarting the node does not put
// the next check off.
const escoRefreshAt = 3*time.Hour + 17*time.Minute

// dailyAt is a river.PeriodicSchedule that runs once a day at a time of day
// (an offset from midnight UTC).
type dailyAt time.Duration

// Next implements river.PeriodicSchedule.
func (d dailyAt) Next(t time.Time) time.Time {
	next := t.UTC().Truncate(24 * time.Hour).Add(time.Duration(d))
	if !next.After(t) {
		next = next.Add(24 * time.Hour)
	}
	return next
}

// mailMaxWorkers bounds how many messages a process sends at once: relays
// limit connections per client, and mail is never urgent to the second.
const mailMaxWorkers = 4

// DefaultDeliveryMaxWorkers is the delivery queue's MaxWorkers when
// Config.DeliveryMaxWorkers is zero.
const DefaultDeliveryMaxWorkers = 50

// DefaultJobTimeout is the run time allowed to a job whose worker sets no
// Timeout of its own.
const DefaultJobTimeout = time.Minute

// DefaultRescueAfter is how long a job may stay running before it counts
// as stranded by a dead process. With River's rescuer running every 30 s
// and the first retry of a delivery 15–30 s later, a dead process's
// deliveries are sent again by another process within about 2 minutes.
// River's own default is an hour.
const DefaultRescueAfter = time.Minute

// NewClient builds the River client with every Laurel worker registered.
func NewClient(pool *pgxpool.Pool, cfg Config) (*Client, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &SessionSweepWorker{pool: pool})
	river.AddWorker(workers, &ApplicationExpireWorker{pool: pool})
	river.AddWorker(workers, &mail.SendWorker{Sender: cfg.Mail, Links: cfg.MailLinks})
	river.AddWorker(workers, &issuer.ESCOFetchWorker{DB: pool, ESCO: cfg.ESCO})
	river.AddWorker(workers, &issuer.ESCORefreshWorker{DB: pool, ESCO: cfg.ESCO})
	if cfg.Federation != nil {
		river.AddWorker(workers, federation.NewDeliverWorker(cfg.Federation))
		river.AddWorker(workers, &federation.PruneWorker{Federation: cfg.Federation})
		river.AddWorker(workers, &AccountExpireWorker{pool: pool, federation: cfg.Federation})
	}
	if cfg.Network != nil {
		river.AddWorker(workers, &network.DigestWorker{Network: cfg.Network})
		river.AddWorker(workers, &network.VerifyWorker{Network: cfg.Network})
	}
	if cfg.Communities != nil {
		river.AddWorker(workers, &community.RelationsWorker{Communities: cfg.Communities})
	}
	if cfg.Milestones != nil {
		river.AddWorker(workers, &milestone.EvaluateWorker{Milestones: cfg.Milestones})
		river.AddWorker(workers, &milestone.BackfillWorker{Milestones: cfg.Milestones})
	}
	if cfg.Passport != nil {
		river.AddWorker(workers, &passport.VerifyWorker{Passport: cfg.Passport})
		river.AddWorker(workers, &passport.VerifyEndorsementWorker{Passport: cfg.Passport})
		river.AddWorker(workers, &passport.RecheckWorker{Passport: cfg.Passport})
		river.AddWorker(workers, &passport.RecheckOneWorker{Passport: cfg.Passport})
		river.AddWorker(workers, &passport.ImportWorker{Passport: cfg.Passport})
		river.AddWorker(workers, &passport.DigestWorker{Passport: cfg.Passport})
	}

	rc := &river.Config{
		Logger:      cfg.Logger,
		Workers:     workers,
		RetryPolicy: cfg.RetryPolicy,
		JobTimeout:  cfg.JobTimeout,
		// A stranded job counts as an attempt: it may have been sent.
		RescueStuckJobsAfter: cfg.RescueAfter,
	}
	if rc.RetryPolicy == nil {
		rc.RetryPolicy = federation.RetryPolicy{}
	}
	if rc.JobTimeout <= 0 {
		rc.JobTimeout = DefaultJobTimeout
	}
	if rc.RescueStuckJobsAfter <= 0 {
		rc.RescueStuckJobsAfter = max(DefaultRescueAfter, rc.JobTimeout)
	}
	if !cfg.InsertOnly {
		rc.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: max(cfg.MaxWorkers, 1)},
			mail.Queue:         {MaxWorkers: mailMaxWorkers},
		}
		if cfg.Passport != nil {
			rc.Queues[passport.ImportQueue] = river.QueueConfig{MaxWorkers: passport.ImportWorkers}
		}
		if cfg.Federation != nil {
			n := cfg.DeliveryMaxWorkers
			if n <= 0 {
				n = DefaultDeliveryMaxWorkers
			}
			rc.Queues[federation.DeliveryQueue] = river.QueueConfig{MaxWorkers: n}
		}
		rc.FetchCooldown = cfg.FetchCooldown
		rc.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return SessionSweepArgs{}, nil },
				&river.PeriodicJobOpts{ID: "session_sweep", RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return ApplicationExpireArgs{}, nil },
				&river.PeriodicJobOpts{ID: "application_expire", RunOnStart: true}),
		}
		if cfg.Federation != nil {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return federation.PruneArgs{}, nil },
				&river.PeriodicJobOpts{ID: "federation_prune", RunOnStart: true}))
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return AccountExpireArgs{}, nil },
				&river.PeriodicJobOpts{ID: "account_expire", RunOnStart: true}))
		}
		if cfg.Network != nil {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return network.DigestArgs{}, nil },
				&river.PeriodicJobOpts{ID: "network_digest"}))
		}
		if cfg.Passport != nil {
			// Run on start too: it checks only what is a day stale, and a
			// node restarted more often than daily would never run it.
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return passport.RecheckArgs{}, nil },
				&river.PeriodicJobOpts{ID: "passport_recheck", RunOnStart: true}))
			// Hourly: each person's digest goes out once their day or week
			// has passed, at most one per period.
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return passport.DigestArgs{}, nil },
				&river.PeriodicJobOpts{ID: "passport_digest"}))
		}
		if cfg.Communities != nil {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return community.RelationsArgs{}, nil },
				&river.PeriodicJobOpts{ID: "community_relations"}))
		}
		if cfg.ESCO != nil {
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(dailyAt(escoRefreshAt),
				func() (river.JobArgs, *river.InsertOpts) { return issuer.ESCORefreshArgs{}, nil },
				&river.PeriodicJobOpts{ID: "esco_refresh"}))
		}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return nil, fmt.Errorf("create River client: %w", err)
	}
	if cfg.Federation != nil {
		cfg.Federation.SetJobs(client)
	}
	if cfg.Network != nil {
		cfg.Network.SetQueue(client)
	}
	if cfg.Passport != nil {
		cfg.Passport.SetQueue(client)
	}
	if cfg.Milestones != nil {
		cfg.Milestones.SetQueue(client)
	}
	return client, nil
}

// InsertTx queues jobs inside tx: they become visible to workers only if tx
// commits.
func InsertTx(ctx context.Context, client *Client, tx pgx.Tx, args ...river.JobArgs) error {
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue %d job(s): %w", len(args), err)
	}
	return nil
}
