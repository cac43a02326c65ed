package federation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/markdown"
)

// Link is an ActivityStreams Link a Note carries in its tag: a document
// the Note is about, for software that knows its media type (a badge's
// Open Badges assertion, which the recipient's server may take into a
// backpack).
type Link struct {
	Href      string
	MediaType string
	Name      string
	Rel       string // its link relation, "" for none: what a Laurel reader makes of it
}

// Image is an image a Note carries as its attachment, which Mastodon and
// GoToSocial show with the Note (a badge's image). Name is its
// description; MediaType may be "" when it is not known.
type Image struct {
	URL       string
	MediaType string
	Name      string
}

// imageAttachment is a Note's attachment of one Image: an Image object
// with its url, which GoToSocial and Mastodon take as media (GoToSocial
// drops a bare Link attachment).
func imageAttachment(img Image) []map[string]any {
	a := map[string]any{"type": "Image", "url": img.URL, "name": img.Name}
	if img.MediaType != "" {
		a["mediaType"] = img.MediaType
	}
	return []map[string]any{a}
}

// linkTags are links as entries of a Note's tag.
func linkTags(links []Link) []map[string]any {
	out := make([]map[string]any, len(links))
	for i, l := range links {
		out[i] = map[string]any{"type": "Link", "href": l.Href, "mediaType": l.MediaType, "name": l.Name}
		if l.Rel != "" {
			out[i]["rel"] = l.Rel
		}
	}
	return out
}

// Message is what a Note says: in a direct mention, after the mention of
// its recipient (Mention); in a public post, all of it (PostMessage).
type Message struct {
	Text  string // Markdown
	Link  string // a page, appended to the text as a link; "" for none
	Image *Image // shown with the Note; nil for none
	Links []Link // in the Note's tag
	// Audience are actors the Note is also addressed to (in cc) and
	// delivered to: a network it is shared with. PostMessage looks the
	// remote ones up before its transaction.
	Audience []string
}

// Mention sends a direct Note from a local actor to one remote actor: a
// Create{Note} addressed to that actor alone, with a Mention tag, which
// Mastodon and GoToSocial show as a private mention in the recipient's
// notifications. Its content is the HTML of the mention and m's Markdown
// text and link, its source that Markdown; m's image is its attachment,
// m's links join the Mention in its tag. It is written in the caller's
// transaction. The recipient must already be in the remote actor cache
// (RemoteActor fetches it); a local recipient is skipped, as there is
// nothing to deliver.
func (f *Federation) Mention(ctx context.Context, tx pgx.Tx, username, actorID string, m Message) error {
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
	handle := ra.Username + "@" + ra.Host
	source := "@" + handle + " " + m.Text
	if m.Link != "" {
		source += " " + m.Link
	}
	self := f.urls.Actor(username)
	createID := f.urls.NewActivityID(username)
	published := time.Now().UTC().Format(time.RFC3339)
	to := []string{ra.ID}
	tags := append([]map[string]any{mentionTag(mentioned{Handle: handle, ID: ra.ID})}, linkTags(m.Links)...)
	note := map[string]any{
		"id": createID + "/note", "type": "Note", "attributedTo": self,
		"content": f.md.HTML(source, map[string]string{handle: ra.ID}), "source": markdown.Source(source),
		"published": published, "to": to, "cc": []string{}, "tag": tags,
	}
	if m.Image != nil {
		note["attachment"] = imageAttachment(*m.Image)
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

// maxMentions bounds the handles of one post that are looked up; the
// rest stay text.
const maxMentions = 10

// mentionLookupTimeout bounds the lookup of one handle.
const mentionLookupTimeout = 10 * time.Second

// mentioned is an actor a post mentions.
type mentioned struct {
	Handle             string // name@host
	ID                 string
	Inbox, SharedInbox string // "" for a local actor: nothing to deliver
}

// mentionTag is the Mention of a Note's tag, named @name@host as
// Mastodon names them.
func mentionTag(m mentioned) map[string]any {
	return map[string]any{"type": "Mention", "href": m.ID, "name": "@" + m.Handle}
}

// mentionMap is what markdown's renderer links mentions by.
func mentionMap(list []mentioned) map[string]string {
	out := make(map[string]string, len(list))
	for _, m := range list {
		out[m.Handle] = m.ID
	}
	return out
}

// resolveMentions looks up handles (name@host), at most maxMentions of
// them, at once: local actors in the database, others through WebFinger
// and their actor documents (cached). A handle that does not resolve is
// left out; the post shows it as text. Call it outside any transaction.
func (f *Federation) resolveMentions(ctx context.Context, handles []string) []mentioned {
	if len(handles) > maxMentions {
		handles = handles[:maxMentions]
	}
	found := make([]*mentioned, len(handles))
	var wg sync.WaitGroup
	for i, h := range handles {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, mentionLookupTimeout)
			defer cancel()
			m, err := f.resolveMention(ctx, h)
			if err != nil {
				f.log.Debug("mention not resolved", "handle", h, "err", err)
				return
			}
			found[i] = &m
		})
	}
	wg.Wait()
	var out []mentioned
	seen := map[string]bool{}
	for _, m := range found {
		if m != nil && !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, *m)
		}
	}
	return out
}

func (f *Federation) resolveMention(ctx context.Context, handle string) (mentioned, error) {
	name, host, _ := strings.Cut(handle, "@")
	if strings.EqualFold(host, f.urls.Host()) {
		a, err := ActorByUsername(ctx, f.cfg.Pool, name)
		if err != nil {
			return mentioned{}, fmt.Errorf("local actor %s: %w", name, err)
		}
		return mentioned{Handle: handle, ID: f.urls.Actor(a.Username)}, nil
	}
	id, err := f.resolve(ctx, handle)
	if err != nil {
		return mentioned{}, err
	}
	if f.urls.UsernameOf(id) != "" {
		return mentioned{Handle: handle, ID: id}, nil
	}
	ra, err := f.RemoteActor(ctx, id, false)
	if err != nil {
		return mentioned{}, err
	}
	return mentioned{Handle: handle, ID: ra.ID, Inbox: ra.Inbox, SharedInbox: ra.SharedInbox}, nil
}
