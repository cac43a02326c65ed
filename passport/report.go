package passport

import (
	"context"
	"fmt"
	"time"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/report"
)

// AcceptanceMonth is what the earners of this node did with the badges
// an organisation issued into their passports in one month.
type AcceptanceMonth struct {
	Delivered int // put into a passport here as issued
	Accepted  int
	Declined  int // declined, or refused when it could not be checked
}

// AcceptancesPerMonth counts, for each month of w, the badges organisation
// orgID issued then (not revoked) that went into a passport on this node,
// and how their earners answered. The item names the assertion by its
// public id (u), the 2.0 Assertion's or the 3.0 credential's.
func AcceptancesPerMonth(ctx context.Context, db DB, u issuer.URLs, orgID int64, w report.Window) ([]AcceptanceMonth, error) {
	rows, err := db.Query(ctx, `SELECT date_trunc('month', a.issued_on AT TIME ZONE 'UTC'), count(*),
			count(*) FILTER (WHERE i.state = 'accepted'), count(*) FILTER (WHERE i.state IN ('declined', 'refused'))
		FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
		JOIN backpack_item i ON i.source = 'issued' AND i.assertion_id IN ($4 || a.uuid::text, $5 || a.uuid::text)
		WHERE b.organisation_id = $1 AND a.revoked_at IS NULL AND a.issued_on >= $2 AND a.issued_on < $3
		GROUP BY 1`, orgID, w.First, w.End(), u.Assertion(""), u.Credential(""))
	if err != nil {
		return nil, fmt.Errorf("count acceptances per month: %w", err)
	}
	defer rows.Close()
	out := make([]AcceptanceMonth, w.N)
	for rows.Next() {
		var month time.Time
		var m AcceptanceMonth
		if err := rows.Scan(&month, &m.Delivered, &m.Accepted, &m.Declined); err != nil {
			return nil, fmt.Errorf("count acceptances per month: %w", err)
		}
		if i := w.Index(month); i >= 0 {
			out[i] = m
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count acceptances per month: %w", err)
	}
	return out, nil
}

// Summary is an earner's passport in numbers, for their dashboard.
type Summary struct {
	Accepted int // kept in the passport
	Pending  int // waiting for the earner's answer
	Public   int // of the accepted, shown to everyone
}

// SummaryOf counts the passport of userID.
func SummaryOf(ctx context.Context, db DB, userID int64) (Summary, error) {
	var s Summary
	err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'accepted'), count(*) FILTER (WHERE state = 'pending'),
		count(*) FILTER (WHERE state = 'accepted' AND visibility = 'public')
		FROM backpack_item WHERE user_id = $1`, userID).Scan(&s.Accepted, &s.Pending, &s.Public)
	if err != nil {
		return Summary{}, fmt.Errorf("count the passport of user %d: %w", userID, err)
	}
	return s, nil
}
