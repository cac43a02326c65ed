package account

import (
	"context"
	"fmt"
)

// DeleteExpiredSessions removes browser sessions past their expiry and
// returns how many there were.
func DeleteExpiredSessions(ctx context.Context, db DB) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
