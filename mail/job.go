package mail

import (
	"context"
	"errors"

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
// of the change it announces (jobs.InsertTx).
type SendArgs struct {
	Message
}

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
}

// Work sends one message.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	if w.Sender == nil {
		return river.JobCancel(ErrDisabled)
	}
	err := w.Sender.Send(ctx, job.Args.Message)
	if errors.Is(err, ErrPermanent) {
		return river.JobCancel(err)
	}
	return err
}
