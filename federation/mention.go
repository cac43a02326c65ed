package federation

import (
	"context"
	"errors"
	"fmt"
	"html"
	"time"

	"github.com/jackc/pgx/v5"
)

// Attachment is a link attached to a Note: an ActivityStreams Link.
type Attachment struct {
	Href      string
	MediaType string
	Name      string
}

// Mention sends a direct Note from a local actor to one remote actor: a
// Create{Note} addressed to that actor alone, with a Mention tag, which
// Mastodon and GoToSocial show as a private mention in the recipient's
// notifications. text is plain text; link, when set, is appended as a link.
// It is written in the caller's transaction. The recipient must already be
// in the remote actor cache (RemoteActor fetches it); a local recipient is
// skipped, as there is nothing to deliver. Attachments, if any, go into the
// Note's attachment as Links (a badge's Open Badges assertion, which the
// recipient's server may take into a backpack).
func (f *Federation) Mention(ctx context.Context, tx pgx.Tx, username, actorID, text, link string, attachments ...Attachment) error {
	if f.urls.UsernameOf(actorID) != "" {
		return nil
	}
	ra, err := remoteActor(ctx, tx, "id", actorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("mention %s: the actor is not in the cache; call RemoteActor first", actorID)
	}
	if err != nil {
		return fmt.Errorf("mention %s: %w", actorID, err)
	}
	handle := "@" + ra.Username + "@" + ra.Host
	content := `<p><span class="h-card"><a href="` + html.EscapeString(ra.ID) + `" class="u-url mention">` +
		html.EscapeString(handle) + `</a></span> ` + html.EscapeString(text)
	if link != "" {
		content += ` <a href="` + html.EscapeString(link) + `">` + html.EscapeString(link) + `</a>`
	}
	content += `</p>`
	self := f.urls.Actor(username)
	createID := f.urls.NewActivityID(username)
	published := time.Now().UTC().Format(time.RFC3339)
	to := []string{ra.ID}
	note := map[string]any{
		"id": createID + "/note", "type": "Note", "attributedTo": self, "content": content,
		"published": published, "to": to, "cc": []string{},
		"tag": []map[string]any{{"type": "Mention", "href": ra.ID, "name": handle}},
	}
	if len(attachments) > 0 {
		links := make([]map[string]any, len(attachments))
		for i, a := range attachments {
			links[i] = map[string]any{"type": "Link", "href": a.Href, "mediaType": a.MediaType, "name": a.Name}
		}
		note["attachment"] = links
	}
	create := map[string]any{
		"@context": asContext, "id": createID, "type": "Create", "actor": self,
		"published": published, "to": to, "cc": []string{}, "object": note,
	}
	if _, err := f.Publish(ctx, tx, username, create, false, []string{ra.Inbox}); err != nil {
		return fmt.Errorf("mention %s: %w", actorID, err)
	}
	return nil
}
