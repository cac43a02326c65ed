package mail_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

// TestQueuedMailIsSent goes the whole way: a message queued in a
// transaction on the node's River client (jobs.NewClient) is sent on the
// mail queue and arrives at the relay.
func TestQueuedMailIsSent(t *testing.T) {
	db := testkit.DB(t)
	srv := smtptest.New(t)
	ctx := context.Background()
	sender, err := mail.New(mail.Config{URL: srv.URL(), From: "laurel@laurel.test"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := jobs.NewClient(db, jobs.Config{MaxWorkers: 1, FetchCooldown: 10 * time.Millisecond, Mail: sender})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer client.Stop(ctx)

	args := mail.SendArgs{Message: mail.Message{To: "ada@example.org", Subject: "Badge issued", Text: "You earned Robotics."}}
	if err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return jobs.InsertTx(ctx, client, tx, args) }); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 20*time.Second)[0]
	if got.Subject != args.Subject || got.To[0] != "ada@example.org" {
		t.Fatalf("arrived: %q to %q", got.Subject, got.To)
	}
}
