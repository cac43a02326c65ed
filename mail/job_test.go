package mail

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestSendWorker runs the worker through River (rivertest, on a real
// database): a sent message completes the job, a temporary failure fails
// it for a retry, and a permanent failure or a node without mail cancels
// it.
func TestSendWorker(t *testing.T) {
	db := testkit.DB(t)
	srv := smtptest.New(t)
	sender := newSender(t, srv.URL())
	args := SendArgs{Message: Message{To: "ada@example.org", Subject: "Badge issued", Text: "You earned Robotics."}}
	for _, tc := range []struct {
		name      string
		sender    *Sender
		reject    int
		wantState rivertype.JobState
		wantErr   error // what the job's error wraps; nil for none
		delivered bool
	}{
		{"sent", sender, 0, rivertype.JobStateCompleted, nil, true},
		{"temporary failure", sender, 451, rivertype.JobStateRetryable, nil, false},
		{"permanent failure", sender, 550, rivertype.JobStateCancelled, ErrPermanent, false},
		{"mail not configured", nil, 0, rivertype.JobStateCancelled, ErrDisabled, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			before := len(srv.Messages())
			if tc.reject != 0 {
				srv.Reject(tc.reject, "refused by the test")
			}
			w := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &SendWorker{Sender: tc.sender})
			tx, err := db.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			res, err := w.Work(ctx, t, tx, args, nil)
			if res == nil {
				t.Fatalf("Work: %v", err)
			}
			state := res.Job.State
			if state == rivertype.JobStateAvailable {
				state = rivertype.JobStateRetryable // a retry due so soon is made available at once
			}
			if state != tc.wantState {
				t.Fatalf("job %s (%v), want %s", res.Job.State, err, tc.wantState)
			}
			if res.Job.Queue != Queue || res.Job.MaxAttempts != MaxAttempts {
				t.Errorf("job on queue %q with %d attempts", res.Job.Queue, res.Job.MaxAttempts)
			}
			// River records why the attempt failed on the job; a
			// cancelled job returns no error to the caller.
			if tc.wantErr != nil {
				if n := len(res.Job.Errors); n == 0 || !strings.Contains(res.Job.Errors[n-1].Error, tc.wantErr.Error()) {
					t.Errorf("job errors %+v, want one saying %q", res.Job.Errors, tc.wantErr)
				}
			}
			if tc.delivered {
				msgs := srv.Wait(t, before+1, 5*time.Second)
				if got := msgs[len(msgs)-1]; got.Subject != args.Subject {
					t.Errorf("delivered %q", got.Subject)
				}
			} else if n := len(srv.Messages()); n != before {
				t.Errorf("%d messages delivered, want none", n-before)
			}
		})
	}
}

// TestSendWorkerMintsLinks: a message with a secret link goes out with
// the link its maker mints at send time; the job's arguments hold none.
// A link no longer wanted cancels the message.
func TestSendWorkerMintsLinks(t *testing.T) {
	db := testkit.DB(t)
	srv := smtptest.New(t)
	ctx := context.Background()
	minted := 0
	links := map[string]LinkMaker{"claim": func(_ context.Context, id int64) (string, error) {
		if id == 404 {
			return "", ErrLinkGone
		}
		minted++
		return "https://laurel.test/claim/secret-" + strconv.FormatInt(id, 10), nil
	}}
	w := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &SendWorker{Sender: newSender(t, srv.URL()), Links: links})
	for _, tc := range []struct {
		id    int64
		state rivertype.JobState
	}{{7, rivertype.JobStateCompleted}, {404, rivertype.JobStateCancelled}} {
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		args := SendArgs{Message: Message{To: "ada@example.org", Subject: "Claim", Text: "Open " + LinkPlaceholder + " to claim."},
			Link: &Link{Kind: "claim", ID: tc.id}}
		res, err := w.Work(ctx, t, tx, args, nil)
		if res == nil || res.Job.State != tc.state {
			t.Fatalf("link %d: %v %v, want %s", tc.id, res, err, tc.state)
		}
		if strings.Contains(string(res.Job.EncodedArgs), "secret") {
			t.Errorf("the job's arguments hold the link: %s", res.Job.EncodedArgs)
		}
		_ = tx.Rollback(ctx)
	}
	msgs := srv.Wait(t, 1, 5*time.Second)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Open https://laurel.test/claim/secret-7 to claim.") || minted != 1 {
		t.Fatalf("sent %d messages (%d links minted): %+v", len(msgs), minted, msgs)
	}
}
