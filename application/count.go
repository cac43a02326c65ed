package application

import (
	"context"
	"fmt"
)

// CountToReview counts the applications to organisation orgID's forms
// that wait for a decision (new or in review), for its dashboard.
func CountToReview(ctx context.Context, db DB, orgID int64) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM application a JOIN application_form f ON f.id = a.form_id
		WHERE f.organisation_id = $1 AND a.state IN ('new', 'in_review')`, orgID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the applications to review of organisation %d: %w", orgID, err)
	}
	return n, nil
}
