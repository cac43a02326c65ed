package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/riverqueue/river"
)

// Queue is the River queue mail jobs run on, so that a slow relay cannot
// hold up the node's other background work.
const Queue = "mail"

// MaxAttempts is how many times a message is tried before River discards
// it. With the node's retry policy, the tries span several hours, time for
// a relay to come back or for its operator to fix the node's credentials.
const MaxAttempts = 10

// SendArgs asks for one message to be sent. Insert it in the transaction
// of the change it announces (jobs.InsertTx). A message that carries a
// secret link (a claim, a confirmation, an invitation) names the row the
// link is for in Link, and has LinkPlaceholder in its text: the worker
// mints the link just before sending, so that the job's arguments, kept
// in river_job and shown at /admin/jobs, hold no secret.
type SendArgs struct {
	Message
	Link *Link `json:"link,omitempty"`
}

// Link names the row a message's secret link is for.
type Link struct {
	Kind string `json:"kind"` // the LinkMaker that makes it
	ID   int64  `json:"id"`
}

// LinkPlaceholder stands for the secret link in a message's text.
const LinkPlaceholder = "{{link}}"

// LinkMaker mints a new secret link for row id: it stores the hash of a
// new token for the row (so that an earlier link stops working) and
// returns the URL with the token. ErrLinkGone when the row is gone, used
// or expired: the message is not sent.
type LinkMaker func(ctx context.Context, id int64) (string, error)

// ErrLinkGone says the row of a message's link no longer wants it.
var ErrLinkGone = errors.New("the link is no longer wanted (used, expired or removed)")

// Kind names mail jobs in River's table.
func (SendArgs) Kind() string { return "mail_send" }

// InsertOpts puts mail jobs on Queue with MaxAttempts attempts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: MaxAttempts}
}

// SendWorker sends queued messages with Sender. A permanent failure, or a
// node without mail (Sender nil), cancels the job at once, since trying
// again cannot help; other failures are retried.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	Sender *Sender
	// Links make the secret links of messages, by Link.Kind.
	Links map[string]LinkMaker
}

// Work sends one message, with its secret link made now.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	if w.Sender == nil {
		return river.JobCancel(ErrDisabled)
	}
	m := job.Args.Message
	if l := job.Args.Link; l != nil {
		mint := w.Links[l.Kind]
		if mint == nil {
			return river.JobCancel(fmt.Errorf("no maker of %q links", l.Kind))
		}
		link, err := mint(ctx, l.ID)
		if errors.Is(err, ErrLinkGone) {
			return river.JobCancel(err)
		}
		if err != nil {
			return fmt.Errorf("make the %s link of %d: %w", l.Kind, l.ID, err)
		}
		m.Text = strings.ReplaceAll(m.Text, LinkPlaceholder, link)
		m.HTML = strings.ReplaceAll(m.HTML, LinkPlaceholder, link)
	}
	err := w.Sender.Send(ctx, m)
	if errors.Is(err, ErrPermanent) {
		return river.JobCancel(err)
	}
	return err
}
