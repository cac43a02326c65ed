package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/problem"
)

// DeliveryQueue is the River queue that delivery jobs run on, so that a
// burst of deliveries cannot hold up the node's other background work.
const DeliveryQueue = "delivery"

// DeliverArgs asks for one stored outbox activity to be delivered to one
// remote inbox. Publish queues one per target inbox.
type DeliverArgs struct {
	OutboxID int64  `json:"outbox_id"` // outbox_activity.id
	Inbox    string `json:"inbox"`     // the target inbox URL
}

// Kind names delivery jobs in River's table.
func (DeliverArgs) Kind() string { return "deliver" }

// InsertOpts puts deliveries on DeliveryQueue with enough attempts for the
// RetryPolicy schedule to span more than a day (see DeliveryMaxAttempts),
// and makes them unique by their arguments: queueing the same activity for
// the same inbox again, while the first job is still waiting, running or
// completed, inserts nothing.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       DeliveryQueue,
		MaxAttempts: DeliveryMaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// InboxTarget is a remote actor's inbox and, when it has one, its server's
// shared inbox.
type InboxTarget struct {
	Inbox       string
	SharedInbox string
}

// CollapseInboxes turns the inboxes of a set of recipients into the list of
// URLs to deliver to: each recipient's shared inbox when it has one, its own
// inbox otherwise, without duplicates, in the order first seen. Empty
// entries are dropped.
func CollapseInboxes(targets []InboxTarget) []string {
	seen := make(map[string]bool, len(targets))
	out := make([]string, 0, len(targets))
	for _, t := range targets {
		inbox := t.SharedInbox
		if inbox == "" {
			inbox = t.Inbox
		}
		if inbox == "" || seen[inbox] {
			continue
		}
		seen[inbox] = true
		out = append(out, inbox)
	}
	return out
}

// Publish stores an activity of the local actor actorUsername in its outbox
// and queues its delivery to inboxes, all inside tx: the activity is
// announced if and only if tx commits, together with the change it
// announces.
//
// The activity's "id" must be set by the caller and be a URL on this node,
// its "type" must be set, and its "actor" must be the actor's id. bto and
// bcc are removed before it is stored (ActivityPub forbids delivering
// them). public records whether the outbox may show it to anyone.
//
// For every distinct inbox Publish writes a pending delivery row and one
// River job (DeliverArgs). It skips inboxes on this node (local delivery is
// the caller's job), inboxes that are not absolute http(s) URLs, and
// inboxes on blocked domains. Callers pass remote actors' inboxes, usually
// collapsed to shared inboxes with CollapseInboxes.
//
// Publish is idempotent: publishing an activity id that is already stored
// returns the existing row's id and queues nothing more. It returns the
// outbox_activity id.
func (f *Federation) Publish(ctx context.Context, tx pgx.Tx, actorUsername string, activity map[string]any, public bool, inboxes []string) (int64, error) {
	id, _ := activity["id"].(string)
	if id == "" {
		return 0, errors.New("publish: activity has no id")
	}
	if !f.isLocalURL(id) {
		return 0, fmt.Errorf("publish %s: the activity id is not on this node (%s)", id, f.urls.base())
	}
	typ, _ := activity["type"].(string)
	if typ == "" {
		return 0, fmt.Errorf("publish %s: activity has no type", id)
	}
	if actor, _ := activity["actor"].(string); actor != f.urls.Actor(actorUsername) {
		return 0, fmt.Errorf("publish %s: actor is %q, want %s", id, actor, f.urls.Actor(actorUsername))
	}

	var actorID int64
	err := tx.QueryRow(ctx, `SELECT id FROM actor WHERE username = $1`, actorUsername).Scan(&actorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, problem.NotFoundf("no actor %q on this node", actorUsername)
	}
	if err != nil {
		return 0, fmt.Errorf("publish %s: find actor %s: %w", id, actorUsername, err)
	}

	doc, err := json.Marshal(withoutBlindRecipients(activity))
	if err != nil {
		return 0, fmt.Errorf("publish %s: encode activity: %w", id, err)
	}
	var outboxID int64
	err = tx.QueryRow(ctx, `INSERT INTO outbox_activity (activity_id, actor_id, type, public, document)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (activity_id) DO NOTHING RETURNING id`,
		id, actorID, typ, public, doc).Scan(&outboxID)
	if errors.Is(err, pgx.ErrNoRows) {
		// Published before (in this transaction or a committed one): same
		// row, nothing new to deliver.
		var owner int64
		err = tx.QueryRow(ctx, `SELECT id, actor_id FROM outbox_activity WHERE activity_id = $1`, id).Scan(&outboxID, &owner)
		if err != nil {
			return 0, fmt.Errorf("publish %s: find the stored activity: %w", id, err)
		}
		if owner != actorID {
			return 0, fmt.Errorf("publish %s: already published by another actor", id)
		}
		return outboxID, nil
	}
	if err != nil {
		return 0, fmt.Errorf("publish %s: store activity: %w", id, err)
	}

	targets, err := f.deliveryTargets(ctx, tx, inboxes)
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", id, err)
	}
	blockers, err := blockerInboxes(ctx, tx, f.urls.Actor(actorUsername))
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", id, err)
	}
	targets = slices.DeleteFunc(targets, func(inbox string) bool { return blockers[inbox] })
	if len(targets) == 0 {
		return outboxID, nil
	}
	if f.cfg.Jobs == nil {
		return 0, fmt.Errorf("publish %s: no job client configured for deliveries", id)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO delivery (outbox_id, inbox)
		SELECT $1, inbox FROM unnest($2::text[]) AS inbox ON CONFLICT DO NOTHING`, outboxID, targets); err != nil {
		return 0, fmt.Errorf("publish %s: record deliveries: %w", id, err)
	}
	params := make([]river.InsertManyParams, len(targets))
	for i, inbox := range targets {
		params[i] = river.InsertManyParams{Args: DeliverArgs{OutboxID: outboxID, Inbox: inbox}}
	}
	if _, err := f.cfg.Jobs.InsertManyTx(ctx, tx, params); err != nil {
		return 0, fmt.Errorf("publish %s: queue %d deliveries: %w", id, len(params), err)
	}
	return outboxID, nil
}

// SetJobs sets the River client Publish queues deliveries with. It exists
// for wiring: the River client's DeliverWorker needs the Federation, so the
// Federation may have to be built first (jobs.NewClient calls SetJobs when
// given a Federation). Call it before the Federation is used.
func (f *Federation) SetJobs(j Inserter) { f.cfg.Jobs = j }

// deliveryTargets keeps the inboxes Publish delivers to: distinct absolute
// http(s) URLs, not on this node, not on a blocked domain.
func (f *Federation) deliveryTargets(ctx context.Context, db DB, inboxes []string) ([]string, error) {
	seen := make(map[string]bool, len(inboxes))
	blocked := make(map[string]bool) // by host, to ask once per host
	var out []string
	for _, inbox := range inboxes {
		if seen[inbox] {
			continue
		}
		seen[inbox] = true
		host := hostOf(inbox)
		if host == "" {
			f.log.Warn("not delivering to an inbox that is not an http(s) URL", "inbox", inbox)
			continue
		}
		if f.isLocalURL(inbox) {
			continue
		}
		isBlocked, checked := blocked[host]
		if !checked {
			var err error
			if isBlocked, err = f.refused(ctx, db, host); err != nil {
				return nil, err
			}
			blocked[host] = isBlocked
		}
		if isBlocked {
			continue
		}
		out = append(out, inbox)
	}
	return out, nil
}

// isLocalURL reports whether raw is a URL on this node: below its base URL,
// comparing scheme and host without regard to case.
func (f *Federation) isLocalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	b := f.urls.Base
	if !strings.EqualFold(u.Scheme, b.Scheme) || !strings.EqualFold(u.Host, b.Host) {
		return false
	}
	basePath := strings.TrimSuffix(b.EscapedPath(), "/")
	p := u.EscapedPath()
	return basePath == "" || p == basePath || strings.HasPrefix(p, basePath+"/")
}

// withoutBlindRecipients returns a copy of activity without bto and bcc,
// at the top level and in an embedded object. The caller's maps are not
// changed.
func withoutBlindRecipients(activity map[string]any) map[string]any {
	out := maps.Clone(activity)
	delete(out, "bto")
	delete(out, "bcc")
	if obj, ok := out["object"].(map[string]any); ok {
		obj = maps.Clone(obj)
		delete(obj, "bto")
		delete(obj, "bcc")
		out["object"] = obj
	}
	return out
}
