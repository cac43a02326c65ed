package federation

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/microcosm-cc/bluemonday"

	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
)

// MaxPostLength bounds a public post, in characters of its source.
const MaxPostLength = 5000

// postHTML checks a post's Markdown source and renders it as the Note's
// content: Markdown (a plain paragraph is Markdown too, and HTML in it
// is sanitised), the mentions in mentions linked.
func (f *Federation) postHTML(source string, mentions map[string]string) (string, error) {
	source = strings.TrimSpace(source)
	if source == "" {
		return "", problem.Invalidf("content", "is required")
	}
	if n := utf8.RuneCountInString(source); n > MaxPostLength {
		return "", problem.Invalidf("content", "is %d characters; at most %d", n, MaxPostLength)
	}
	out := f.md.HTML(source, mentions)
	if strings.TrimSpace(html.UnescapeString(bluemonday.StrictPolicy().Sanitize(out))) == "" {
		return "", problem.Invalidf("content", "has no text left once unsafe HTML is removed")
	}
	return out, nil
}

// Post publishes a public Note by a local actor to its followers, as
// Create{Note} addressed to Public with the followers in cc, which is what
// Mastodon and GoToSocial show in their home timelines. source is
// Markdown: the Note's content is its HTML, and source keeps it. The
// @name@host it mentions are looked up first, outside the transaction;
// those found become Mention tags, are added to cc and are delivered to
// (the others stay text). It returns the Note's id.
func (f *Federation) Post(ctx context.Context, username, source string) (string, error) {
	return f.PostMessage(ctx, username, Message{Text: source})
}

// PostMessage is Post of m: its text (Markdown) and link make the
// source, its image is the Note's attachment and its links join the
// Mentions in the Note's tag (a badge's image and assertion, when a
// person announces a badge).
func (f *Federation) PostMessage(ctx context.Context, username string, m Message) (string, error) {
	source := strings.TrimSpace(strings.ReplaceAll(m.Text, "\r\n", "\n"))
	if m.Link != "" {
		source += " " + m.Link
	}
	if _, err := f.postHTML(source, nil); err != nil {
		return "", err // refused before anything is looked up
	}
	mentioned := f.resolveMentions(ctx, f.md.Mentions(source))
	content, err := f.postHTML(source, mentionMap(mentioned))
	if err != nil {
		return "", err
	}
	self := f.urls.Actor(username)
	createID := f.urls.NewActivityID(username)
	noteID := createID + "/note"
	published := time.Now().UTC().Format(time.RFC3339)
	to, cc := []string{asPublic}, []string{f.urls.Followers(username)}
	var tags []map[string]any
	var mentionTargets []InboxTarget
	for _, id := range m.Audience {
		cc = append(cc, id)
		if f.urls.UsernameOf(id) != "" {
			continue // on this node: nothing to deliver
		}
		ra, err := f.RemoteActor(ctx, id, false)
		if err != nil {
			return "", problem.Invalidf("", "cannot reach %s: %v", id, err)
		}
		mentionTargets = append(mentionTargets, InboxTarget{Inbox: ra.Inbox, SharedInbox: ra.SharedInbox})
	}
	for _, who := range mentioned {
		cc = append(cc, who.ID)
		tags = append(tags, mentionTag(who))
		if who.Inbox != "" {
			mentionTargets = append(mentionTargets, InboxTarget{Inbox: who.Inbox, SharedInbox: who.SharedInbox})
		}
	}
	note := map[string]any{
		"id": noteID, "type": "Note", "attributedTo": self, "content": content, "source": markdown.Source(source),
		"published": published, "to": to, "cc": cc, "url": noteID,
	}
	tags = append(tags, linkTags(m.Links)...)
	if len(tags) > 0 {
		note["tag"] = tags
	}
	if m.Image != nil {
		note["attachment"] = imageAttachment(*m.Image)
	}
	create := map[string]any{
		"@context": asContext, "id": createID, "type": "Create", "actor": self,
		"published": published, "to": to, "cc": cc, "object": note,
	}
	err = pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		return f.AnnounceToFollowers(ctx, tx, username, create, mentionTargets...)
	})
	if err != nil {
		return "", err
	}
	return noteID, nil
}

// followerInboxes lists the inboxes of an actor's accepted remote followers.
func followerInboxes(ctx context.Context, tx pgx.Tx, actorID string) ([]InboxTarget, error) {
	rows, err := tx.Query(ctx, `SELECT r.inbox, r.shared_inbox FROM follow f
		JOIN remote_actor r ON r.id = f.follower
		WHERE f.followee = $1 AND f.state = 'accepted' ORDER BY f.id`, actorID)
	if err != nil {
		return nil, fmt.Errorf("list followers of %s: %w", actorID, err)
	}
	targets, err := pgx.CollectRows(rows, pgx.RowToStructByPos[InboxTarget])
	if err != nil {
		return nil, fmt.Errorf("list followers of %s: %w", actorID, err)
	}
	return targets, nil
}
