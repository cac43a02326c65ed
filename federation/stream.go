package federation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FollowedPost is a post by an actor a local actor follows, in its
// current version, as the follower's activity stream shows it.
type FollowedPost struct {
	Actor     string    // the author's actor id
	ActorName string    // the author's name, or handle, as best known
	NoteID    string    // the post's id
	URL       string    // where the post is shown (its url, else its id)
	Content   string    // the post's content, sanitised HTML
	Edited    bool      // changed since it was published
	At        time.Time // when it arrived here
}

// FollowedPosts lists the posts created, after since, by the actors that
// local actor username follows (accepted follows only), newest first, at
// most limit: those received from other servers that were sent to the
// person's own inbox or addressed to the public or to the author's
// followers (a post delivered once to the shared inbox for someone else
// here is not theirs to see), deleted ones left out; and the public ones
// of local actors, which are never delivered by HTTP.
func (f *Federation) FollowedPosts(ctx context.Context, db DB, username string, since time.Time, limit int) ([]FollowedPost, error) {
	rows, err := db.Query(ctx, `WITH followee AS (
			SELECT followee FROM follow WHERE follower = $1 AND state = 'accepted'
		)
		SELECT p.actor, coalesce(nullif(r.name, ''), nullif(r.username, ''), p.actor), p.object_id,
			p.url, p.content, p.edited, p.received_at
		FROM remote_post p LEFT JOIN remote_actor r ON r.id = p.actor
		WHERE p.deleted_at IS NULL AND p.in_reply_to = ''
		  AND p.actor IN (SELECT followee FROM followee) AND p.received_at > $3
		  AND (p.recipient = $5 OR `+addressedToFollowers("$6")+`)
		UNION ALL
		SELECT $2 || a.username, coalesce(nullif(u.name, ''), nullif(g.name, ''), a.username),
			coalesce(o.document->'object'->>'id', ''),
			coalesce(nullif(o.document->'object'->>'url', ''), o.document->'object'->>'id', ''),
			coalesce(o.document->'object'->>'content', ''), false, o.created_at
		FROM outbox_activity o JOIN actor a ON a.id = o.actor_id
		LEFT JOIN app_user u ON u.username = a.username
		LEFT JOIN organisation g ON g.slug = a.username
		WHERE o.type = 'Create' AND o.public AND o.document->'object'->>'type' = 'Note'
		  AND $2 || a.username IN (SELECT followee FROM followee) AND o.created_at > $3
		ORDER BY 7 DESC LIMIT $4`,
		f.urls.Actor(username), f.urls.Actor(""), since, limit, username, asPublic)
	if err != nil {
		return nil, fmt.Errorf("list posts followed by %s: %w", username, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FollowedPost])
	if err != nil {
		return nil, fmt.Errorf("list posts followed by %s: %w", username, err)
	}
	return list, nil
}
