package federation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/vocab"
)

// postTypes are the object types kept as posts when they are created:
// what Mastodon and GoToSocial show in a timeline.
var postTypes = map[string]bool{"Note": true, "Article": true, "Page": true, "Question": true}

// receivePost keeps a post created by a remote actor (Create{Note} and its
// kin) when it concerns someone here: sent to a personal inbox, addressed
// to someone here, replying to one of our posts, or by an actor someone
// here follows. The content is kept sanitised. A post that is already
// here is replaced only by a newer version (its updated or published
// time), and one deleted already stays deleted: a late or repeated Create
// changes nothing.
func (f *Federation) receivePost(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	if !postTypes[in.Object.Type] {
		return "ignored", nil
	}
	if !relevant {
		return "ignored: concerns nobody here", nil
	}
	stored, err := f.storePost(ctx, tx, in, in.Object, false)
	if err != nil || !stored {
		return "ignored: deleted, or a newer version is here", err
	}
	return "stored", nil
}

// storePost writes a post's current version, and reports whether it did:
// a version is newer when its updated (else published) time is later, and
// an edit (an Update) also wins a tie, as edits a second after posting
// share its time at the precision servers write.
func (f *Federation) storePost(ctx context.Context, tx pgx.Tx, in Incoming, o vocab.Object, edit bool) (bool, error) {
	audience := append(append([]string{}, o.To...), o.Cc...)
	if len(audience) == 0 {
		audience = append(append(audience, in.To...), in.Cc...)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO remote_post (object_id, activity_id, actor, recipient, type, content, summary,
			url, in_reply_to, audience, published, updated, document, edited)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (object_id) DO UPDATE SET type = excluded.type, content = excluded.content,
			summary = excluded.summary, url = excluded.url, in_reply_to = excluded.in_reply_to,
			audience = excluded.audience, published = coalesce(remote_post.published, excluded.published),
			updated = excluded.updated, document = excluded.document, edited = remote_post.edited OR excluded.edited,
			recipient = CASE WHEN remote_post.recipient = '' THEN excluded.recipient ELSE remote_post.recipient END
		WHERE remote_post.deleted_at IS NULL AND remote_post.actor = excluded.actor
		  AND (coalesce(excluded.updated, excluded.published, 'infinity') > coalesce(remote_post.updated, remote_post.published, '-infinity')
		   OR excluded.edited AND excluded.updated = coalesce(remote_post.updated, remote_post.published))`,
		o.ID, in.ID, in.Actor, in.Recipient, o.Type, f.md.Sanitize(o.Content), f.md.Sanitize(o.Summary),
		urlOrID(o), o.InReplyTo, audience, nullTime(o.Published), nullTime(o.Updated), o.Raw, edit)
	if err != nil {
		return false, fmt.Errorf("store post %s: %w", o.ID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// updatePost applies an Update of a post: the new version replaces the
// stored one when it is newer. An Update of a post not seen yet stores it,
// if it would have been kept (its Create may still be on its way; when it
// comes, it is older and changes nothing).
func (f *Federation) updatePost(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	o := in.Object
	if !o.Embedded {
		return "ignored: the update carries no object", nil
	}
	if o.Updated.IsZero() {
		o.Updated = time.Now() // servers set updated on edits; the arrival is the next best
	}
	var known bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM remote_post WHERE object_id = $1)`, o.ID).Scan(&known); err != nil {
		return "", fmt.Errorf("find post %s: %w", o.ID, err)
	}
	if !known && !relevant {
		return "ignored: concerns nobody here", nil
	}
	stored, err := f.storePost(ctx, tx, in, o, true)
	if err != nil || !stored {
		return "ignored: deleted, or a newer version is here", err
	}
	return "post updated", nil
}

// deletePost empties a deleted post and keeps its row as a tombstone, so
// that a late Create or Update of it is ignored. A Delete of something
// never stored here leaves a tombstone only when it concerns someone here
// (it may have overtaken its Create); otherwise it changes nothing.
func deletePost(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	id := in.Object.ID
	tag, err := tx.Exec(ctx, `UPDATE remote_post SET deleted_at = now(), content = '', summary = '', document = NULL
		WHERE object_id = $1 AND actor = $2 AND deleted_at IS NULL`, id, in.Actor)
	if err != nil {
		return "", fmt.Errorf("delete post %s: %w", id, err)
	}
	if tag.RowsAffected() > 0 {
		return "post deleted", nil
	}
	if !relevant || hostOf(id) != hostOf(in.Actor) {
		return "ignored: not stored here", nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO remote_post (object_id, activity_id, actor, deleted_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (object_id) DO NOTHING`, id, in.ID, in.Actor); err != nil {
		return "", fmt.Errorf("record the deletion of %s: %w", id, err)
	}
	return "ignored: not stored here (kept as deleted, in case its Create comes late)", nil
}

// ReceivedPost is a post in a local actor's inbox listing, in its current
// version.
type ReceivedPost struct {
	ID         string     `json:"id"` // the object's id
	Type       string     `json:"type"`
	Actor      string     `json:"actor"`
	ActorName  string     `json:"actor_name"`
	Content    string     `json:"content"` // sanitised HTML
	Summary    string     `json:"summary,omitempty"`
	URL        string     `json:"url"`
	InReplyTo  string     `json:"in_reply_to,omitempty"`
	Published  *time.Time `json:"published,omitempty"`
	Updated    *time.Time `json:"updated,omitempty"`
	Edited     bool       `json:"edited"`
	ReceivedAt time.Time  `json:"received_at"`
	// Attachment (images, documents) and Tag (mentions, hashtags, links)
	// as the author's server sent them.
	Attachment []vocab.Link `json:"attachment"`
	Tag        []vocab.Link `json:"tag"`
}

// Inbox lists the posts a local actor received, newest first, each once
// in its current version, deleted ones left out: those sent to its own
// inbox or addressed to it, and those of the actors it follows that are
// public or for their followers (a post delivered once to the shared inbox
// for someone else here is not everyone's to see).
func (f *Federation) Inbox(ctx context.Context, username string, limit, offset int) ([]ReceivedPost, error) {
	rows, err := f.cfg.Pool.Query(ctx, `SELECT p.object_id, p.type, p.actor,
			coalesce(nullif(r.name, ''), nullif(r.username, ''), p.actor), p.content, p.summary, p.url,
			p.in_reply_to, p.published, p.updated, p.edited, p.received_at, p.document
		FROM remote_post p LEFT JOIN remote_actor r ON r.id = p.actor
		WHERE p.deleted_at IS NULL
		  AND (p.recipient = $1 OR $2 = ANY (p.audience)
		   OR (p.actor IN (SELECT followee FROM follow WHERE follower = $2 AND state = 'accepted')
		       AND `+addressedToFollowers("$5")+`))
		ORDER BY p.id DESC LIMIT $3 OFFSET $4`, username, f.urls.Actor(username), limit, offset, asPublic)
	if err != nil {
		return nil, fmt.Errorf("list inbox of %s: %w", username, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ReceivedPost, error) {
		var p ReceivedPost
		var doc map[string]any
		err := row.Scan(&p.ID, &p.Type, &p.Actor, &p.ActorName, &p.Content, &p.Summary, &p.URL, &p.InReplyTo,
			&p.Published, &p.Updated, &p.Edited, &p.ReceivedAt, &doc)
		o := vocab.DecodeObject(doc)
		p.Attachment, p.Tag = orEmpty(o.Attachment), orEmpty(o.Tags)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list inbox of %s: %w", username, err)
	}
	return list, nil
}

// addressedToFollowers is the SQL condition that a post p (joined with
// its author's cache row r) is addressed to the public or to the author's
// followers. public is the placeholder of asPublic.
func addressedToFollowers(public string) string {
	return `p.audience && ARRAY[` + public + `, 'as:Public', 'Public', coalesce(r.document->>'followers', '')]`
}

func urlOrID(o vocab.Object) string {
	if hostOf(o.URL) != "" {
		return o.URL
	}
	return o.ID
}

// orEmpty is l, or an empty list for JSON: [] rather than null.
func orEmpty(l []vocab.Link) []vocab.Link {
	if l == nil {
		return []vocab.Link{}
	}
	return l
}

// nullTime is t for a nullable column: NULL for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
