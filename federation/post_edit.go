package federation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// PostKey is the key of a local post in the API: the last part of its
// Create's id (…/actors/NAME/activities/KEY), whose Note is KEY + "/note".
func PostKey(noteID string) string {
	createID := strings.TrimSuffix(noteID, "/note")
	return createID[strings.LastIndex(createID, "/")+1:]
}

// EditPost replaces the text of one of a local actor's public posts and
// sends Update{Note}, with its new updated time, to the actor's followers,
// in one transaction: servers that keep the post show its new version.
func (f *Federation) EditPost(ctx context.Context, username, key, source string) error {
	source = strings.TrimSpace(strings.ReplaceAll(source, "\r\n", "\n"))
	if _, err := f.postHTML(source, nil); err != nil {
		return err // refused before anything is looked up
	}
	mentioned := f.resolveMentions(ctx, f.md.Mentions(source))
	content, err := f.postHTML(source, mentionMap(mentioned))
	if err != nil {
		return err
	}
	return f.replacePost(ctx, username, key, "Update", func(note map[string]any) map[string]any {
		note["content"], note["source"] = content, markdown.Source(source)
		note["updated"] = time.Now().UTC().Format(time.RFC3339)
		var tags []any
		for _, t := range vocab.List(note["tag"]) {
			if m, ok := t.(map[string]any); !ok || m["type"] != "Mention" {
				tags = append(tags, t) // the badge's links stay
			}
		}
		for _, who := range mentioned {
			tags = append(tags, mentionTag(who))
		}
		note["tag"] = tags
		return note
	})
}

// DeletePost deletes one of a local actor's public posts: its Note is
// replaced by a Tombstone (its id answers 410 Gone) and Delete{Tombstone}
// goes to the actor's followers, in one transaction.
func (f *Federation) DeletePost(ctx context.Context, username, key string) error {
	return f.replacePost(ctx, username, key, "Delete", func(note map[string]any) map[string]any {
		return map[string]any{"id": note["id"], "type": "Tombstone", "formerType": "Note",
			"deleted": time.Now().UTC().Format(time.RFC3339)}
	})
}

// replacePost replaces the Note of a local actor's public post by what
// change makes of it, and tells the followers with an activity of type
// typ whose object is the new version.
func (f *Federation) replacePost(ctx context.Context, username, key, typ string, change func(note map[string]any) map[string]any) error {
	createID := f.urls.Actor(username) + "/activities/" + key
	return pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		note, err := f.ownPost(ctx, tx, username, createID)
		if err != nil {
			return err
		}
		to, cc, before := note["to"], note["cc"], vocab.List(note["tag"])
		object := change(note)
		if _, err := tx.Exec(ctx, `UPDATE outbox_activity SET document = jsonb_set(document, '{object}', $2)
			WHERE activity_id = $1`, createID, object); err != nil {
			return fmt.Errorf("%s post %s: %w", strings.ToLower(typ), key, err)
		}
		activity := map[string]any{
			"@context": asContext, "id": f.urls.NewActivityID(username), "type": typ, "actor": f.urls.Actor(username),
			"to": to, "cc": cc, "object": object,
		}
		// Those it mentioned (before or after the edit) hear of it too.
		var mentioned []InboxTarget
		for _, t := range slices.Concat(before, vocab.List(object["tag"])) {
			m, _ := t.(map[string]any)
			if href, _ := m["href"].(string); m["type"] == "Mention" {
				if ra, err := CachedRemoteActor(ctx, tx, href); err == nil {
					mentioned = append(mentioned, InboxTarget{Inbox: ra.Inbox, SharedInbox: ra.SharedInbox})
				}
			}
		}
		return f.AnnounceToFollowers(ctx, tx, username, activity, mentioned...)
	})
}

// ownPost reads, for update, the Note of a local actor's public post.
func (f *Federation) ownPost(ctx context.Context, tx pgx.Tx, username, createID string) (map[string]any, error) {
	var note map[string]any
	err := tx.QueryRow(ctx, `SELECT o.document->'object' FROM outbox_activity o JOIN actor a ON a.id = o.actor_id
		WHERE o.activity_id = $1 AND a.username = $2 AND o.type = 'Create' AND o.public
		  AND o.document->'object'->>'type' = 'Note'
		FOR UPDATE OF o`, createID, username).Scan(&note)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, problem.NotFoundf("no post %s of %s", createID, username)
	}
	if err != nil {
		return nil, fmt.Errorf("find post %s: %w", createID, err)
	}
	return note, nil
}

// AnnounceToFollowers publishes a public activity of a local actor to
// its remote followers' (shared) inboxes, each once, and to those of
// also, inside tx: a network relays to its members this way.
func (f *Federation) AnnounceToFollowers(ctx context.Context, tx pgx.Tx, username string, activity map[string]any, also ...InboxTarget) error {
	targets, err := followerInboxes(ctx, tx, f.urls.Actor(username))
	if err != nil {
		return err
	}
	_, err = f.Publish(ctx, tx, username, activity, true, CollapseInboxes(append(targets, also...)))
	return err
}
