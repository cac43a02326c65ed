package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/problem"
)

// FailedDelivery is a delivery that was given up on, as node admins see it.
type FailedDelivery struct {
	OutboxID   int64     `json:"outbox_id"`
	Inbox      string    `json:"inbox"`
	ActivityID string    `json:"activity_id"`
	Type       string    `json:"type"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error"`
	CreatedAt  time.Time `json:"created_at"`
}

// FailedDeliveries lists deliveries that were given up on, newest first.
func FailedDeliveries(ctx context.Context, db DB, limit, offset int) ([]FailedDelivery, error) {
	rows, err := db.Query(ctx, `SELECT d.outbox_id, d.inbox, o.activity_id, o.type, d.attempts, d.last_error, o.created_at
		FROM delivery d JOIN outbox_activity o ON o.id = d.outbox_id
		WHERE d.state = 'failed' ORDER BY d.outbox_id DESC, d.inbox LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list failed deliveries: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FailedDelivery])
	if err != nil {
		return nil, fmt.Errorf("list failed deliveries: %w", err)
	}
	return list, nil
}

// RetryDelivery tries a failed delivery again, by hand: the delivery is
// pending again and a fresh job, with a full set of attempts, is queued in
// the same transaction. River's uniqueness ignores the old job, which was
// cancelled or discarded.
func (f *Federation) RetryDelivery(ctx context.Context, outboxID int64, inbox string) error {
	return pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE delivery SET state = 'pending', attempts = 0, last_error = ''
			WHERE outbox_id = $1 AND inbox = $2 AND state = 'failed' RETURNING outbox_id`, outboxID, inbox).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no failed delivery of activity %d to %s", outboxID, inbox)
		}
		if err != nil {
			return fmt.Errorf("retry delivery to %s: %w", inbox, err)
		}
		_, err = f.cfg.Jobs.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: DeliverArgs{OutboxID: outboxID, Inbox: inbox}}})
		if err != nil {
			return fmt.Errorf("queue retry of delivery to %s: %w", inbox, err)
		}
		return nil
	})
}

// CountFailedDeliveries counts the deliveries that were given up on, for
// the node admin's dashboard.
func CountFailedDeliveries(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM delivery WHERE state = 'failed'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count failed deliveries: %w", err)
	}
	return n, nil
}
