package passport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	laurelmail "github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

// Email digests of the activity stream: a person chooses none, one a day
// or one a week; an hourly River job emails each person whose period has
// passed the entries that arrived since their last digest, and records
// the sending in the transaction that queues the email.

// Digest frequencies.
const (
	DigestOff    = "off"
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// DigestFrequencies are the frequencies a person can choose, in the order
// forms offer them.
var DigestFrequencies = []string{DigestOff, DigestDaily, DigestWeekly}

// MaxDigestEntries is how many entries one digest lists; it says how many
// more there are on the stream page.
const MaxDigestEntries = 50

// DigestFrequency is how often user userID wants a digest (DigestOff when
// they never chose).
func DigestFrequency(ctx context.Context, db DB, userID int64) (string, error) {
	var f string
	err := db.QueryRow(ctx, `SELECT frequency FROM stream_digest WHERE user_id = $1`, userID).Scan(&f)
	if errors.Is(err, pgx.ErrNoRows) {
		return DigestOff, nil
	}
	if err != nil {
		return "", fmt.Errorf("find digest setting: %w", err)
	}
	return f, nil
}

// SetDigestFrequency sets how often user userID gets a digest. Turning
// digests on starts the first period now, so the first digest covers
// what happens from now on.
func SetDigestFrequency(ctx context.Context, db DB, userID int64, frequency string) error {
	switch frequency {
	case DigestOff, DigestDaily, DigestWeekly:
	default:
		return problem.Invalidf("digest", "must be off, daily or weekly")
	}
	_, err := db.Exec(ctx, `INSERT INTO stream_digest (user_id, frequency) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET frequency = excluded.frequency, updated_at = now(),
			last_sent_at = CASE WHEN stream_digest.frequency = 'off' THEN now() ELSE stream_digest.last_sent_at END`,
		userID, frequency)
	if err != nil {
		return fmt.Errorf("set digest to %s: %w", frequency, err)
	}
	return nil
}

// dueDigest selects the digests whose period has passed, of people whose
// address is confirmed. A few minutes of slack keep an hourly job from
// putting each digest off by an hour more every period.
const dueDigest = `(d.frequency = 'daily' AND d.last_sent_at <= now() - interval '1 day' + interval '10 minutes'
	OR d.frequency = 'weekly' AND d.last_sent_at <= now() - interval '7 days' + interval '10 minutes')
	AND u.email_verified AND u.email <> ''`

// DigestArgs is the hourly job that sends the stream digests.
type DigestArgs struct{}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "passport_digest" }

// DigestWorker sends the stream digests that are due.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	Passport *Passport
}

// Work sends the due digests, each in its own transaction with the time
// it was sent recorded, so that a retry sends nothing twice.
func (w *DigestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	_, err := w.Passport.SendDigests(ctx)
	return err
}

// SendDigests queues the digests that are due and returns how many. A
// person with nothing new gets no email; their digest goes out once
// something arrives.
func (p *Passport) SendDigests(ctx context.Context) (int, error) {
	if p.queue == nil {
		return 0, nil
	}
	rows, err := p.pool.Query(ctx, `SELECT d.user_id FROM stream_digest d JOIN app_user u ON u.id = d.user_id
		WHERE `+dueDigest+` ORDER BY d.last_sent_at`)
	if err != nil {
		return 0, fmt.Errorf("find due digests: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("find due digests: %w", err)
	}
	sent := 0
	for _, id := range ids {
		var ok bool
		err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
			var err error
			ok, err = p.digest(ctx, tx, id)
			return err
		})
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// digest queues user userID's digest in tx if it is still due (another
// run may have sent it) and there is something to tell.
func (p *Passport) digest(ctx context.Context, tx pgx.Tx, userID int64) (bool, error) {
	var since time.Time
	err := tx.QueryRow(ctx, `SELECT d.last_sent_at FROM stream_digest d JOIN app_user u ON u.id = d.user_id
		WHERE d.user_id = $1 AND `+dueDigest+` FOR UPDATE OF d`, userID).Scan(&since)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock digest of user %d: %w", userID, err)
	}
	u, err := account.UserByID(ctx, tx, userID)
	if err != nil {
		return false, err
	}
	entries, err := p.Stream(ctx, tx, u, since, MaxDigestEntries+1, 0)
	if err != nil || len(entries) == 0 {
		return false, err
	}
	msg := laurelmail.SendArgs{Message: p.digestMessage(u, since, entries)}
	if _, err := p.queue.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: msg}}); err != nil {
		return false, fmt.Errorf("queue digest of %s: %w", u.Username, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE stream_digest SET last_sent_at = now() WHERE user_id = $1`, userID); err != nil {
		return false, fmt.Errorf("record digest of %s: %w", u.Username, err)
	}
	return true, nil
}

// digestMessage is the email listing entries (newest first; one more than
// MaxDigestEntries says there are more).
func (p *Passport) digestMessage(u account.User, since time.Time, entries []StreamEntry) laurelmail.Message {
	more := len(entries) > MaxDigestEntries
	if more {
		entries = entries[:MaxDigestEntries]
	}
	name := u.Name
	if name == "" {
		name = u.Username
	}
	page := baseOf(p.urls) + "/passport/stream"
	l := p.locale.Mail(u.Language, "")
	var list strings.Builder
	for i, e := range entries {
		if i > 0 {
			list.WriteString("\n")
		}
		fmt.Fprintf(&list, "- %s: %s\n  %s", e.Actor, e.Text, e.Link)
	}
	var andMore string
	subject := l.N("mail.digest.subject", len(entries))
	if more {
		andMore = l.T("mail.digest.more")
		subject = l.T("mail.digest.subject_more", "Count", l.Number(MaxDigestEntries))
	}
	when := l.Date(since.UTC()) + " " + since.UTC().Format("15:04 MST")
	text := laurelmail.Paragraphs(l.T("mail.common.hello_name", "Name", name), l.T("mail.digest.since", "Date", when),
		list.String(), andMore, l.T("mail.digest.stream", "URL", page))
	return laurelmail.Message{To: u.Email, Subject: subject, Text: text}
}
