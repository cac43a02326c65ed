package federation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// reactionKinds maps the activities counted on our posts to their kind.
var reactionKinds = map[string]string{"Like": "like", "Announce": "announce"}

// receiveReaction counts a remote actor's Like or boost (Announce) of one
// of our public posts, once per actor. Likes and boosts of anything else
// are ignored.
func (f *Federation) receiveReaction(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	ours, err := f.isLocalPost(ctx, tx, in.Object.ID)
	if err != nil || !ours {
		return "ignored: not one of our posts", err
	}
	kind := reactionKinds[in.Type]
	tag, err := tx.Exec(ctx, `INSERT INTO post_reaction (activity_id, kind, actor, object_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, in.ID, kind, in.Actor, in.Object.ID)
	if err != nil {
		return "", fmt.Errorf("record %s %s: %w", kind, in.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "ignored: counted already", nil
	}
	return kind + " counted", nil
}

// undoReaction takes back a Like or Announce, embedded in the Undo or
// named by id. It returns "" when the Undo names no reaction of this
// actor.
func undoReaction(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM post_reaction WHERE actor = $1 AND (activity_id = $2 OR (kind = $3 AND object_id = $4))`,
		in.Actor, in.Object.ID, reactionKinds[in.Object.Type], in.Object.Object)
	if err != nil {
		return "", fmt.Errorf("undo %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "", nil
	}
	return "reaction undone", nil
}

// isLocalPost reports whether id is the Note of one of our public posts
// (served at its Create's id + "/note").
func (f *Federation) isLocalPost(ctx context.Context, db DB, id string) (bool, error) {
	createID, ok := strings.CutSuffix(id, "/note")
	if !ok || !f.isLocalURL(id) {
		return false, nil
	}
	var yes bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox_activity WHERE activity_id = $1 AND type = 'Create' AND public)`,
		createID).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("find post %s: %w", id, err)
	}
	return yes, nil
}

// LocalPost is one of a local actor's public posts with what others made
// of it: how many liked and boosted it, and the replies, oldest first.
type LocalPost struct {
	ID        string    `json:"id"`  // the Note's id
	Key       string    `json:"key"` // its key in the API (PostKey)
	Content   string    `json:"content"`
	Published time.Time `json:"published"`
	Likes     int       `json:"likes"`
	Announces int       `json:"announces"`
	Replies   []Reply   `json:"replies"`
}

// Reply is a remote post in reply to one of ours, in its current version.
type Reply struct {
	ID        string     `json:"id"`
	Actor     string     `json:"actor"`
	ActorName string     `json:"actor_name"`
	Content   string     `json:"content"`
	URL       string     `json:"url"`
	Published *time.Time `json:"published,omitempty"`
	Edited    bool       `json:"edited"`
}

// Posts lists a local actor's public posts, newest first, a page at a
// time, each with its likes, boosts and replies.
func (f *Federation) Posts(ctx context.Context, username string, limit, offset int) ([]LocalPost, error) {
	rows, err := f.cfg.Pool.Query(ctx, `SELECT n.id, n.content, o.created_at,
			(SELECT count(*) FROM post_reaction r WHERE r.object_id = n.id AND r.kind = 'like'),
			(SELECT count(*) FROM post_reaction r WHERE r.object_id = n.id AND r.kind = 'announce')
		FROM outbox_activity o JOIN actor a ON a.id = o.actor_id,
			LATERAL (SELECT o.document->'object'->>'id' AS id, coalesce(o.document->'object'->>'content', '') AS content) n
		WHERE a.username = $1 AND o.type = 'Create' AND o.public AND o.document->'object'->>'type' = 'Note'
		ORDER BY o.id DESC LIMIT $2 OFFSET $3`, username, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list posts of %s: %w", username, err)
	}
	posts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LocalPost, error) {
		p := LocalPost{Replies: []Reply{}}
		err := row.Scan(&p.ID, &p.Content, &p.Published, &p.Likes, &p.Announces)
		p.Key = PostKey(p.ID)
		return p, err
	})
	if err != nil || len(posts) == 0 {
		return posts, err
	}
	ids := make([]string, len(posts))
	byID := make(map[string]*LocalPost, len(posts))
	for i := range posts {
		ids[i] = posts[i].ID
		byID[posts[i].ID] = &posts[i]
	}
	rows, err = f.cfg.Pool.Query(ctx, `SELECT p.in_reply_to, p.object_id, p.actor,
			coalesce(nullif(r.name, ''), nullif(r.username, ''), p.actor), p.content, p.url, p.published,
			p.edited
		FROM remote_post p LEFT JOIN remote_actor r ON r.id = p.actor
		WHERE p.in_reply_to = ANY ($1) AND p.deleted_at IS NULL
		ORDER BY coalesce(p.published, p.received_at), p.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("list replies to posts of %s: %w", username, err)
	}
	defer rows.Close()
	for rows.Next() {
		var parent string
		var r Reply
		if err := rows.Scan(&parent, &r.ID, &r.Actor, &r.ActorName, &r.Content, &r.URL, &r.Published, &r.Edited); err != nil {
			return nil, fmt.Errorf("list replies to posts of %s: %w", username, err)
		}
		byID[parent].Replies = append(byID[parent].Replies, r)
	}
	return posts, rows.Err()
}
