package federation

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/microcosm-cc/bluemonday"

	"github.com/laurelnet/laurel/problem"
)

// MaxPostLength bounds a public post, in characters of its source.
const MaxPostLength = 5000

// postPolicy is the HTML a post may carry: text formatting and links, the
// subset Mastodon itself keeps; everything else is stripped.
func postPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "code", "pre", "blockquote")
	p.AllowStandardURLs()
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	return p
}

// postHTML turns a post's source into safe HTML: plain text is escaped and
// split into paragraphs; HTML is sanitised.
func postHTML(source string) (string, error) {
	source = strings.TrimSpace(source)
	if source == "" {
		return "", problem.Invalidf("content", "is required")
	}
	if n := len([]rune(source)); n > MaxPostLength {
		return "", problem.Invalidf("content", "is %d characters; at most %d", n, MaxPostLength)
	}
	if !strings.Contains(source, "<") {
		var b strings.Builder
		for para := range strings.SplitSeq(strings.ReplaceAll(source, "\r\n", "\n"), "\n\n") {
			if para = strings.TrimSpace(para); para != "" {
				b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(para), "\n", "<br>") + "</p>")
			}
		}
		return b.String(), nil
	}
	out := strings.TrimSpace(postPolicy().Sanitize(source))
	if out == "" {
		return "", problem.Invalidf("content", "has no text left once unsafe HTML is removed")
	}
	return out, nil
}

// Post publishes a public Note by a local actor to its followers, as
// Create{Note} addressed to Public with the followers in cc, which is what
// Mastodon and GoToSocial show in their home timelines. It returns the
// Note's id.
func (f *Federation) Post(ctx context.Context, username, source string) (string, error) {
	content, err := postHTML(source)
	if err != nil {
		return "", err
	}
	self := f.urls.Actor(username)
	createID := f.urls.NewActivityID(username)
	noteID := createID + "/note"
	published := time.Now().UTC().Format(time.RFC3339)
	to, cc := []string{asPublic}, []string{f.urls.Followers(username)}
	note := map[string]any{
		"id": noteID, "type": "Note", "attributedTo": self, "content": content,
		"published": published, "to": to, "cc": cc, "url": noteID,
	}
	create := map[string]any{
		"@context": asContext, "id": createID, "type": "Create", "actor": self,
		"published": published, "to": to, "cc": cc, "object": note,
	}
	err = pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		return f.announceToFollowers(ctx, tx, username, create)
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
