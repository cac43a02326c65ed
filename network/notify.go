package network

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

// Notification kinds.
const (
	KindRequest     = "request"     // someone asks us for an endorsement
	KindEndorsement = "endorsement" // someone endorsed us or one of our badges
	KindAnswer      = "answer"      // our request was answered
	KindShare       = "share"       // a badge was shared with us, or our share answered
)

// Notification is something an organisation's people are told in the app.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	Link      string    `json:"link"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"created_at"`
}

// SetQueue gives the network the River client it queues emails and
// credential verifications on. The node calls it once the client exists,
// before serving.
func (n *Network) SetQueue(q issuer.Queue) { n.mail = q }

// SetLocale gives the network the catalogue its emails are written from,
// in the node's default language (they go to organisations' addresses,
// which have no language setting); without one they are in English.
func (n *Network) SetLocale(c *locale.Catalog) { n.locale = c }

// notify records a notification for organisation orgID in tx and, for a
// new request when the organisation wants them at once, queues an email
// to its address in the same transaction.
func notify(ctx context.Context, tx pgx.Tx, q issuer.Queue, loc *locale.Catalog, orgID int64, kind, text, link string) error {
	return notifyAbout(ctx, tx, q, loc, orgID, kind, text, link, "")
}

// requestAbout and shareAbout are what the notification of a request or
// a share received is about (see notifyAbout).
func requestAbout(offer string) string { return "request " + offer }
func shareAbout(receiver, badge string) string {
	return "share " + receiver + " " + badge
}

// notifyAbout is notify for a notification about something the
// organisation will handle (a request to answer, a share to accept):
// handling it marks the notification read (see markHandled).
func notifyAbout(ctx context.Context, tx pgx.Tx, q issuer.Queue, loc *locale.Catalog, orgID int64, kind, text, link, about string) error {
	o, err := issuer.OrganisationByID(ctx, tx, orgID)
	if err != nil {
		return err
	}
	emailed := false
	if kind == KindRequest && o.RequestEmail == "immediately" && o.Email != "" && q != nil {
		l := loc.Mail("", "")
		msg := mail.SendArgs{Message: mail.Message{To: o.Email, Subject: l.T("mail.request.subject", "Organisation", o.Name),
			Text: mail.Paragraphs(text+".", l.T("mail.request.answer"))}}
		if _, err := q.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: msg}}); err != nil {
			return fmt.Errorf("queue request email: %w", err)
		}
		emailed = true
	}
	if _, err := tx.Exec(ctx, `INSERT INTO notification (organisation_id, kind, text, link, emailed, about) VALUES ($1, $2, $3, $4, $5, $6)`,
		orgID, kind, text, link, emailed, about); err != nil {
		return fmt.Errorf("record notification: %w", err)
	}
	return nil
}

// Notifications lists an organisation's newest notifications, and how
// many are unread.
func Notifications(ctx context.Context, db DB, orgID int64, limit int) ([]Notification, int, error) {
	rows, err := db.Query(ctx, `SELECT id, kind, text, link, read_at IS NOT NULL, created_at FROM notification
		WHERE organisation_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
	if err != nil {
		return nil, 0, fmt.Errorf("list notifications: %w", err)
	}
	var unread int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM notification WHERE organisation_id = $1 AND read_at IS NULL`, orgID).Scan(&unread); err != nil {
		return nil, 0, fmt.Errorf("count notifications: %w", err)
	}
	return list, unread, nil
}

// markHandled marks read, in tx, the notifications of organisation orgID
// about what it just handled: the request answered, the share accepted or
// declined. Its other notifications stay as they are.
func markHandled(ctx context.Context, tx pgx.Tx, orgID int64, about string) error {
	if _, err := tx.Exec(ctx, `UPDATE notification SET read_at = now() WHERE organisation_id = $1 AND about = $2 AND read_at IS NULL`,
		orgID, about); err != nil {
		return fmt.Errorf("mark the notification of %s read: %w", about, err)
	}
	return nil
}

// MarkRead marks all of an organisation's notifications read.
func MarkRead(ctx context.Context, db DB, orgID int64) error {
	if _, err := db.Exec(ctx, `UPDATE notification SET read_at = now() WHERE organisation_id = $1 AND read_at IS NULL`, orgID); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// DigestArgs is the job that emails each organisation that asked for a
// daily digest the endorsement requests it has not been told of by email.
// It runs hourly; an organisation's digest goes out once its oldest
// untold request is a day old, so each gets at most one a day and no
// request waits much more than a day.
type DigestArgs struct{}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "network_digest" }

// DigestWorker sends the daily digests.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	Network *Network
}

// Work sends one digest per organisation, each in its own transaction with
// the notifications it covers marked emailed, so a retry sends nothing
// twice.
func (w *DigestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	n := w.Network
	// The same hourly round forgets the addresses of invitations to
	// external endorsers that expired unused.
	if _, err := ForgetExpiredInvitations(ctx, n.pool); err != nil {
		return err
	}
	if n.mail == nil {
		return nil
	}
	rows, err := n.pool.Query(ctx, `SELECT o.id FROM notification x JOIN organisation o ON o.id = x.organisation_id
		WHERE x.kind = 'request' AND NOT x.emailed AND o.request_email = 'daily' AND o.email <> ''
		GROUP BY o.id HAVING min(x.created_at) <= now() - interval '1 day'`)
	if err != nil {
		return fmt.Errorf("find digests: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("find digests: %w", err)
	}
	for _, id := range ids {
		if err := pgx.BeginFunc(ctx, n.pool, func(tx pgx.Tx) error { return n.digest(ctx, tx, id) }); err != nil {
			return err
		}
	}
	return nil
}

func (n *Network) digest(ctx context.Context, tx pgx.Tx, orgID int64) error {
	o, err := issuer.OrganisationByID(ctx, tx, orgID)
	if problem.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `UPDATE notification SET emailed = true
		WHERE organisation_id = $1 AND kind = 'request' AND NOT emailed RETURNING text`, orgID)
	if err != nil {
		return fmt.Errorf("digest of %s: %w", o.Slug, err)
	}
	texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(texts) == 0 {
		return err
	}
	l := n.locale.Mail("", "")
	var list strings.Builder
	for i, t := range texts {
		if i > 0 {
			list.WriteString("\n")
		}
		fmt.Fprintf(&list, "- %s", t)
	}
	msg := mail.SendArgs{Message: mail.Message{To: o.Email,
		Subject: l.N("mail.request.digest_subject", len(texts), "Organisation", o.Name),
		Text: mail.Paragraphs(l.N("mail.request.digest_intro", len(texts), "Organisation", o.Name), list.String(),
			l.T("mail.request.digest_answer"))}}
	if _, err := n.mail.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: msg}}); err != nil {
		return fmt.Errorf("queue digest of %s: %w", o.Slug, err)
	}
	return nil
}
