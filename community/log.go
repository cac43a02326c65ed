package community

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Decision is an entry of a network's log of moderation: who decided
// (a moderator's name; "" when the network's policy did), what and about
// whom.
type Decision struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Action  string    `json:"action"` // accepted, declined, invited, removed, appointed, dismissed, recognised, withdrew, changed the profile
	Subject string    `json:"subject"`
}

// logDecision records a decision on network n, through db (the decision's
// own transaction where it has one).
func logDecision(ctx context.Context, db DB, n Network, by, action, subject string) error {
	if _, err := db.Exec(ctx, `INSERT INTO community_log (community_id, by_name, action, subject) VALUES ($1, $2, $3, $4)`,
		n.ID, by, action, subject); err != nil {
		return fmt.Errorf("log %s in %s: %w", action, n.Slug, err)
	}
	return nil
}

// Decisions lists the network's latest decisions, newest first.
func Decisions(ctx context.Context, db DB, networkID int64, limit int) ([]Decision, error) {
	rows, err := db.Query(ctx, `SELECT at, by_name, action, subject FROM community_log
		WHERE community_id = $1 ORDER BY id DESC LIMIT $2`, networkID, limit)
	if err != nil {
		return nil, fmt.Errorf("decisions of network %d: %w", networkID, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Decision])
}
