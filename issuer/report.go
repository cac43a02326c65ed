package issuer

import (
	"context"
	"fmt"
	"time"

	"github.com/laurelnet/laurel/report"
)

// The figures of an organisation's reports and dashboard that issuing
// gives. Revoked assertions are not counted: the badge is taken back.

// BadgeMonths are the assertions of one badge class issued in each month
// of a report's window.
type BadgeMonths struct {
	UUID   string
	Name   string
	Issued []int // one per month of the window
}

// IssuedPerMonth counts the assertions of organisation orgID issued in
// each month of w (by their issue date, in UTC), per badge class; badges
// with none in the window are left out. Badges come by name.
func IssuedPerMonth(ctx context.Context, db DB, orgID int64, w report.Window) ([]BadgeMonths, error) {
	rows, err := db.Query(ctx, `SELECT b.uuid::text, b.name, date_trunc('month', a.issued_on AT TIME ZONE 'UTC'), count(*)
		FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
		WHERE b.organisation_id = $1 AND a.revoked_at IS NULL AND a.issued_on >= $2 AND a.issued_on < $3
		GROUP BY b.uuid, b.name, 3 ORDER BY lower(b.name), b.uuid, 3`, orgID, w.First, w.End())
	if err != nil {
		return nil, fmt.Errorf("count issued badges per month: %w", err)
	}
	defer rows.Close()
	var out []BadgeMonths
	for rows.Next() {
		var uuid, name string
		var month time.Time
		var n int
		if err := rows.Scan(&uuid, &name, &month, &n); err != nil {
			return nil, fmt.Errorf("count issued badges per month: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].UUID != uuid {
			out = append(out, BadgeMonths{UUID: uuid, Name: name, Issued: make([]int, w.N)})
		}
		if i := w.Index(month); i >= 0 {
			out[len(out)-1].Issued[i] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count issued badges per month: %w", err)
	}
	return out, nil
}

// ClaimMonth is how the badges issued by email in one month were claimed.
type ClaimMonth struct {
	ByEmail int // issued to an email address, so with a claim link
	Claimed int // of those, claimed
}

// ClaimsPerMonth counts, for each month of w, the assertions of orgID
// issued to an email address then and how many of them were claimed (at
// any time since).
func ClaimsPerMonth(ctx context.Context, db DB, orgID int64, w report.Window) ([]ClaimMonth, error) {
	rows, err := db.Query(ctx, `SELECT date_trunc('month', a.issued_on AT TIME ZONE 'UTC'), count(*), count(a.claimed_at)
		FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
		WHERE b.organisation_id = $1 AND a.revoked_at IS NULL AND a.recipient_kind = 'email'
			AND a.issued_on >= $2 AND a.issued_on < $3
		GROUP BY 1`, orgID, w.First, w.End())
	if err != nil {
		return nil, fmt.Errorf("count claims per month: %w", err)
	}
	defer rows.Close()
	out := make([]ClaimMonth, w.N)
	for rows.Next() {
		var month time.Time
		var c ClaimMonth
		if err := rows.Scan(&month, &c.ByEmail, &c.Claimed); err != nil {
			return nil, fmt.Errorf("count claims per month: %w", err)
		}
		if i := w.Index(month); i >= 0 {
			out[i] = c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count claims per month: %w", err)
	}
	return out, nil
}

// Summary is what an organisation's dashboard counts of its issuing.
type Summary struct {
	Badges          int // badge classes not archived
	IssuedThisMonth int // in the calendar month (UTC) of now
	Issued          int // ever
	Claimed         int // claim links used, ever
}

// SummaryOf counts orgID's badges and issuing as of now.
func SummaryOf(ctx context.Context, db DB, orgID int64, now time.Time) (Summary, error) {
	month := report.LastMonths(now, 1)
	var s Summary
	err := db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM badge_class WHERE organisation_id = $1 AND archived_at IS NULL),
		count(a.id) FILTER (WHERE a.issued_on >= $2 AND a.issued_on < $3),
		count(a.id), count(a.claimed_at)
		FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
		WHERE b.organisation_id = $1 AND a.revoked_at IS NULL`, orgID, month.First, month.End()).
		Scan(&s.Badges, &s.IssuedThisMonth, &s.Issued, &s.Claimed)
	if err != nil {
		return Summary{}, fmt.Errorf("count the issuing of organisation %d: %w", orgID, err)
	}
	return s, nil
}

// RecentActivity lists the latest issuing and claims of orgID, newest
// first, at most limit: events of kind issued and claimed, named for the
// badge, with its uuid as Ref.
func RecentActivity(ctx context.Context, db DB, orgID int64, limit int) ([]report.Event, error) {
	rows, err := db.Query(ctx, `(SELECT 'issued', a.created_at, b.name, b.uuid::text FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
			WHERE b.organisation_id = $1 AND a.revoked_at IS NULL ORDER BY a.created_at DESC, a.id DESC LIMIT $2)
		UNION ALL
		(SELECT 'claimed', a.claimed_at, b.name, b.uuid::text FROM assertion a JOIN badge_class b ON b.id = a.badge_class_id
			WHERE b.organisation_id = $1 AND a.revoked_at IS NULL AND a.claimed_at IS NOT NULL ORDER BY a.claimed_at DESC, a.id DESC LIMIT $2)
		ORDER BY 2 DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("list the recent issuing of organisation %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []report.Event
	for rows.Next() {
		var e report.Event
		if err := rows.Scan(&e.Kind, &e.At, &e.Name, &e.Ref); err != nil {
			return nil, fmt.Errorf("list the recent issuing of organisation %d: %w", orgID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the recent issuing of organisation %d: %w", orgID, err)
	}
	return out, nil
}
