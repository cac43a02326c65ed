package network

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/report"
)

// The figures of an organisation's reports and dashboard that the
// endorsement network gives.

// EndorsementsReceivedPerMonth counts the current endorsements of
// organisation orgID (ofOrg) and of its badges (ofBadges) by the month of
// w they were issued in (UTC). Withdrawn endorsements, and those whose
// credential failed its check, are not counted.
func EndorsementsReceivedPerMonth(ctx context.Context, db DB, orgID int64, w report.Window) (ofOrg, ofBadges []int, err error) {
	rows, err := db.Query(ctx, `SELECT date_trunc('month', issued_on AT TIME ZONE 'UTC'), subject_kind, count(*)
		FROM endorsement WHERE subject_org = $1 AND withdrawn_at IS NULL AND `+shown+`
			AND issued_on >= $2 AND issued_on < $3
		GROUP BY 1, 2`, orgID, w.First, w.End())
	if err != nil {
		return nil, nil, fmt.Errorf("count endorsements per month: %w", err)
	}
	defer rows.Close()
	ofOrg, ofBadges = make([]int, w.N), make([]int, w.N)
	for rows.Next() {
		var month time.Time
		var kind string
		var n int
		if err := rows.Scan(&month, &kind, &n); err != nil {
			return nil, nil, fmt.Errorf("count endorsements per month: %w", err)
		}
		i := w.Index(month)
		switch {
		case i < 0:
		case kind == SubjectOrganisation:
			ofOrg[i] += n
		default:
			ofBadges[i] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("count endorsements per month: %w", err)
	}
	return ofOrg, ofBadges, nil
}

// CountryCount is how many of an organisation's partners are in a country.
type CountryCount struct {
	Country  string // ISO 3166 code; "" when the partner gives none
	Partners int
}

// PartnersByCountry counts o's partners (as its Network page lists them)
// by country: the most first, then by code.
func (n *Network) PartnersByCountry(ctx context.Context, o issuer.Organisation) ([]CountryCount, error) {
	list, err := n.Partners(ctx, o, Filter{})
	if err != nil {
		return nil, err
	}
	byCountry := map[string]int{}
	for _, p := range list {
		byCountry[p.Country]++
	}
	out := make([]CountryCount, 0, len(byCountry))
	for c, k := range byCountry {
		out = append(out, CountryCount{Country: c, Partners: k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partners != out[j].Partners {
			return out[i].Partners > out[j].Partners
		}
		return out[i].Country < out[j].Country
	})
	return out, nil
}

// Summary is what an organisation's dashboard counts of its network.
type Summary struct {
	Partners        int
	Endorsements    int // current endorsements of it and of its badges
	PendingRequests int // endorsement requests it has not answered
	SharesToAnswer  int // badges shared with it, not yet accepted or declined
}

// SummaryOf counts o's network.
func (n *Network) SummaryOf(ctx context.Context, o issuer.Organisation) (Summary, error) {
	partners, err := n.Partners(ctx, o, Filter{})
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Partners: len(partners)}
	err = n.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM endorsement WHERE subject_org = $1 AND withdrawn_at IS NULL AND `+shown+`),
		(SELECT count(*) FROM endorsement_request WHERE target_org = $1 AND state = 'pending'),
		(SELECT count(*) FROM badge_share WHERE receiver_org = $1 AND state = 'pending')`, o.ID).
		Scan(&s.Endorsements, &s.PendingRequests, &s.SharesToAnswer)
	if err != nil {
		return Summary{}, fmt.Errorf("count the network of %s: %w", o.Slug, err)
	}
	return s, nil
}

// RecentActivity lists the latest of orgID's network, newest first, at
// most limit: endorsements received (kind endorsed, named for the
// endorser), endorsement requests received (request, the requester) and
// badges shared with it (share, the badge).
func RecentActivity(ctx context.Context, db DB, orgID int64, limit int) ([]report.Event, error) {
	rows, err := db.Query(ctx, `(SELECT 'endorsed', created_at, endorser_name FROM endorsement
			WHERE subject_org = $1 AND withdrawn_at IS NULL AND `+shown+` ORDER BY created_at DESC, id DESC LIMIT $2)
		UNION ALL
		(SELECT 'request', created_at, requester_name FROM endorsement_request
			WHERE target_org = $1 ORDER BY created_at DESC, id DESC LIMIT $2)
		UNION ALL
		(SELECT 'share', created_at, badge_name FROM badge_share
			WHERE receiver_org = $1 AND state <> 'offered' ORDER BY created_at DESC, id DESC LIMIT $2)
		ORDER BY 2 DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("list the recent network activity of organisation %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []report.Event
	for rows.Next() {
		var e report.Event
		if err := rows.Scan(&e.Kind, &e.At, &e.Name); err != nil {
			return nil, fmt.Errorf("list the recent network activity of organisation %d: %w", orgID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the recent network activity of organisation %d: %w", orgID, err)
	}
	return out, nil
}
