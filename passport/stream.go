package passport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
)

// The activity stream of a person's network: what happened that matters
// to them, newest first. It is read from where each thing is kept (the
// backpack, the social tables, the federation's inbox and outbox), so it
// needs no table of its own and never disagrees with them.

// Kinds of stream entries.
const (
	StreamPost           = "post"           // a Note by an actor the person follows
	StreamBadge          = "badge"          // a badge arrived in the backpack
	StreamEndorsement    = "endorsement"    // someone endorsed one of the person's badges
	StreamCongratulation = "congratulation" // someone congratulated the person on a badge
	StreamComment        = "comment"        // someone commented on one of the person's badges
	StreamAnswer         = "answer"         // someone answered the person's endorsement request
	StreamFollowedBadge  = "followed-badge" // someone earned or endorsed a badge the person follows
)

// MaxStreamText bounds an entry's text, in characters.
const MaxStreamText = 280

// MaxStreamDepth is how far back the stream can be paged: offset plus
// limit at most.
const MaxStreamDepth = 1000

// StreamEntry is one thing in a person's activity stream.
type StreamEntry struct {
	Kind  string    `json:"kind"`
	Actor string    `json:"actor"` // who did it, by name
	Text  string    `json:"text"`  // plain text, at most MaxStreamText characters
	Link  string    `json:"link"`  // an absolute URL to see it
	At    time.Time `json:"at"`    // when it arrived here
	// Edited marks a post changed by its author since it was published;
	// the stream shows its current version.
	Edited bool `json:"edited,omitempty"`
}

// Stream lists user u's stream entries that arrived after since (the zero
// time for all), newest first, skipping offset and returning at most
// limit. offset+limit may not exceed MaxStreamDepth.
func (p *Passport) Stream(ctx context.Context, db DB, u account.User, since time.Time, limit, offset int) ([]StreamEntry, error) {
	if limit < 1 || offset < 0 || offset+limit > MaxStreamDepth {
		return nil, problem.Invalidf("offset", "the stream is paged %d entries deep at most", MaxStreamDepth)
	}
	n := offset + limit
	own, err := p.ownStream(ctx, db, u, since, n)
	if err != nil {
		return nil, err
	}
	posts, err := p.fed.FollowedPosts(ctx, db, u.Username, since, n)
	if err != nil {
		return nil, err
	}
	followed, err := p.followedBadgeStream(ctx, db, u, since, n)
	if err != nil {
		return nil, err
	}
	list := append(own, followed...)
	for _, post := range posts {
		list = append(list, StreamEntry{Kind: StreamPost, Actor: post.ActorName, Text: plainText(post.Content),
			Link: post.URL, At: post.At, Edited: post.Edited})
	}
	// Both parts are sorted; a stable sort of the whole keeps ties in a
	// fixed order.
	slices.SortStableFunc(list, func(a, b StreamEntry) int { return b.At.Compare(a.At) })
	if offset >= len(list) {
		return []StreamEntry{}, nil
	}
	return list[offset:min(n, len(list))], nil
}

// ownStream lists the entries the passport keeps: arrivals in u's
// backpack, and what others did with u's badges and requests.
func (p *Passport) ownStream(ctx context.Context, db DB, u account.User, since time.Time, limit int) ([]StreamEntry, error) {
	rows, err := db.Query(ctx, `SELECT kind, actor, body, badge, link, at FROM (
		SELECT 'badge' AS kind, i.issuer_name AS actor, '' AS body, i.badge_name AS badge,
			$3 || '/passport/badges/' || i.uuid::text AS link, i.added_at AS at
		FROM backpack_item i
		WHERE i.user_id = $1 AND i.source IN ('issued', 'fediverse') AND i.verified
		  AND i.state IN ('pending', 'accepted') AND i.added_at > $2
		UNION ALL
		SELECT 'endorsement', coalesce(nullif(e.endorser_name, ''), e.endorser_actor), e.comment, i.badge_name,
			$3 || '/passport/badges/' || i.uuid::text, e.created_at
		FROM person_endorsement e JOIN backpack_item i ON i.id = e.item_id
		WHERE i.user_id = $1 AND e.deleted_at IS NULL AND e.state <> 'declined' AND e.credential_state IN ('none', 'verified') AND e.created_at > $2
		UNION ALL
		SELECT 'congratulation', coalesce(nullif(l.actor_name, ''), l.actor), '', i.badge_name, l.badge_page, l.created_at
		FROM passport_like l JOIN backpack_item i ON i.id = l.item_id
		WHERE i.user_id = $1 AND l.user_id IS DISTINCT FROM $1 AND l.created_at > $2
		UNION ALL
		SELECT 'comment', coalesce(nullif(c.author_name, ''), c.author_actor), c.content, i.badge_name, c.badge_page, c.created_at
		FROM passport_comment c JOIN backpack_item i ON i.id = c.item_id
		WHERE i.user_id = $1 AND c.deleted_at IS NULL AND c.author_user IS DISTINCT FROM $1 AND c.created_at > $2
		UNION ALL
		SELECT 'answer', coalesce(nullif(r.target_name, ''), r.target), r.state, r.badge_name, r.badge_page, r.updated_at
		FROM person_endorsement_request r JOIN backpack_item i ON i.id = r.item_id
		WHERE i.user_id = $1 AND r.state IN ('endorsed', 'declined') AND r.updated_at > $2
	) AS s ORDER BY at DESC LIMIT $4`, u.ID, since, baseOf(p.urls), limit)
	if err != nil {
		return nil, fmt.Errorf("list the stream of %s: %w", u.Username, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StreamEntry, error) {
		var e StreamEntry
		var body, badge string
		if err := row.Scan(&e.Kind, &e.Actor, &body, &badge, &e.Link, &e.At); err != nil {
			return e, err
		}
		e.Text = plainText(entryText(e.Kind, body, badge))
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the stream of %s: %w", u.Username, err)
	}
	return list, nil
}

// entryText is what an entry of the passport says, from its row.
func entryText(kind, body, badge string) string {
	switch kind {
	case StreamBadge:
		return "You received “" + badge + "”."
	case StreamCongratulation:
		return "Congratulated you on “" + badge + "”."
	case StreamAnswer:
		if body == Endorsed {
			return "Endorsed your badge “" + badge + "”, as you asked."
		}
		return "Declined to endorse your badge “" + badge + "”."
	case StreamEndorsement:
		return "Endorsed “" + badge + "”: " + body
	case StreamComment:
		return "On “" + badge + "”: " + body
	}
	return body
}

// plainText makes s (HTML or Markdown as written) one line of plain text
// of at most MaxStreamText characters.
func plainText(s string) string {
	s = strings.Join(strings.Fields(stripHTML(strings.ReplaceAll(s, "<", " <"))), " ")
	if utf8.RuneCountInString(s) <= MaxStreamText {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:MaxStreamText-1])) + "…"
}
