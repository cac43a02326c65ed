package passport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
)

// FollowedBadge is a badge class a person follows.
type FollowedBadge struct {
	Badge     string    `json:"badge"` // the BadgeClass id
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxFollowedBadges bounds how many badge classes one person follows.
const MaxFollowedBadges = 500

// FollowBadge makes u follow the badge class with id badge (named name,
// for their list); following it again changes nothing.
func FollowBadge(ctx context.Context, db DB, u account.User, badge, name string) (FollowedBadge, error) {
	badge = strings.TrimSpace(badge)
	if p, err := url.Parse(badge); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return FollowedBadge{}, problem.Invalidf("badge", "must be the id (an http or https URL) of an Open Badges BadgeClass")
	}
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	var f FollowedBadge
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM badge_follow WHERE user_id = $1`, u.ID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxFollowedBadges {
			return problem.Conflictf("badge", "you follow %d badges, the most one may", n)
		}
		return tx.QueryRow(ctx, `INSERT INTO badge_follow (user_id, badge_id, badge_name) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, badge_id) DO UPDATE SET badge_name = coalesce(nullif(excluded.badge_name, ''), badge_follow.badge_name)
			RETURNING badge_id, badge_name, created_at`, u.ID, badge, name).Scan(&f.Badge, &f.Name, &f.CreatedAt)
	})
	if _, ok := problem.As(err); ok {
		return FollowedBadge{}, err
	}
	if err != nil {
		return FollowedBadge{}, fmt.Errorf("follow badge %s: %w", badge, err)
	}
	return f, nil
}

// UnfollowBadge stops u following badge.
func UnfollowBadge(ctx context.Context, db DB, u account.User, badge string) error {
	tag, err := db.Exec(ctx, `DELETE FROM badge_follow WHERE user_id = $1 AND badge_id = $2`, u.ID, badge)
	if err != nil {
		return fmt.Errorf("unfollow badge %s: %w", badge, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("you do not follow the badge %s", badge)
	}
	return nil
}

// FollowsBadge reports whether u follows badge.
func FollowsBadge(ctx context.Context, db DB, u account.User, badge string) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM badge_follow WHERE user_id = $1 AND badge_id = $2)`, u.ID, badge).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("follows badge %s: %w", badge, err)
	}
	return ok, nil
}

// FollowedBadges lists the badge classes u follows, newest first.
func FollowedBadges(ctx context.Context, db DB, u account.User) ([]FollowedBadge, error) {
	rows, err := db.Query(ctx, `SELECT badge_id, badge_name, created_at FROM badge_follow
		WHERE user_id = $1 ORDER BY created_at DESC, badge_id`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("list followed badges: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FollowedBadge])
	if err != nil {
		return nil, fmt.Errorf("list followed badges: %w", err)
	}
	return list, nil
}

// followedBadgeStream lists what happened to the badges u follows after
// since: other people of this node who earned one and show it publicly,
// and organisations that endorsed one; newest first, at most limit.
func (p *Passport) followedBadgeStream(ctx context.Context, db DB, u account.User, since time.Time, limit int) ([]StreamEntry, error) {
	followed, err := FollowedBadges(ctx, db, u)
	if err != nil || len(followed) == 0 {
		return nil, err
	}
	ids := make([]string, len(followed))
	for i, f := range followed {
		ids[i] = f.Badge
	}
	rows, err := db.Query(ctx, `
		SELECT coalesce(nullif(w.name, ''), w.username), i.badge_name, $3 || '/u/' || w.username || '/badges/' || i.uuid::text,
			coalesce(i.answered_at, i.added_at)
		FROM backpack_item i JOIN app_user w ON w.id = i.user_id
		WHERE i.badge->>'id' = ANY($1) AND i.state = 'accepted' AND i.visibility = 'public' AND i.user_id <> $2
		  AND coalesce(i.answered_at, i.added_at) > $4
		ORDER BY 4 DESC LIMIT $5`, ids, u.ID, baseOf(p.urls), since, limit)
	if err != nil {
		return nil, fmt.Errorf("list earners of followed badges: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StreamEntry, error) {
		e := StreamEntry{Kind: StreamFollowedBadge}
		var badge string
		err := row.Scan(&e.Actor, &badge, &e.Link, &e.At)
		e.Text = plainText("Earned “" + badge + "”, a badge you follow.")
		return e, err
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("list earners of followed badges: %w", err)
	}
	endorsements, err := network.EndorsementsSince(ctx, db, ids, since, limit)
	if err != nil {
		return nil, err
	}
	for _, e := range endorsements {
		list = append(list, StreamEntry{Kind: StreamFollowedBadge, Actor: e.EndorserName,
			Text: plainText("Endorsed “" + e.SubjectName + "”, a badge you follow: " + e.Comment), Link: e.ID, At: e.IssuedOn})
	}
	return list, nil
}
