package community

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// A network's feed: members share public posts with it (a Note addressed
// to its Group); the network checks the sender is a member and relays the
// post with Announce to every member and follower, each server once. Each
// node keeps what its organisations' networks relayed (community_feed).

// FeedItem is a post a network relayed.
type FeedItem struct {
	Network    string `json:"network"` // the Group actor
	ID         string `json:"id"`      // the post (Note)
	Author     string `json:"author"`
	AuthorName string `json:"author_name"`
	Content    string `json:"content"` // sanitised HTML
	URL        string `json:"url,omitempty"`
	// Badge, BadgeName and Image: a badge class the member published to
	// the network with the post.
	Badge     string `json:"badge,omitempty"`
	BadgeName string `json:"badge_name,omitempty"`
	Image     string `json:"image,omitempty"`
	// Endorsement and EndorsedName: an endorsement the author made and
	// shared with the network ("X endorsed Y"), and the name of what it
	// endorses.
	Endorsement  string    `json:"endorsement,omitempty"`
	EndorsedName string    `json:"endorsed_name,omitempty"`
	Published    time.Time `json:"published"`
}

// Share posts text (Markdown) as o's public post, shared with the
// network named by target, which o must be a member of; with badge (the
// uuid of one of o's badge classes) it publishes that badge class to the
// network: the post carries its image and BadgeClass, as badge Notes do.
// The network relays it: on another node when the post arrives there,
// here at once.
func (c *Communities) Share(ctx context.Context, o issuer.Organisation, target, text, badge string) (string, error) {
	m := federation.Message{Text: text}
	if badge != "" {
		b, err := issuer.BadgeClassByUUID(ctx, c.db, badge)
		if err != nil || b.OrganisationID != o.ID {
			return "", problem.Invalidf("badge", "%s has no badge %q", o.Name, badge)
		}
		u := issuer.URLs{Base: c.urls.Base}
		m.Image = &federation.Image{URL: u.BadgeImage(b.UUID), MediaType: b.ImageType, Name: b.Name}
		m.Links = []federation.Link{{Href: u.BadgeClass(b.UUID), MediaType: "application/ld+json", Name: b.Name}}
	}
	return c.shareMessage(ctx, o, target, m)
}

// EndorsementRel is the link relation of the Link, in a post shared with
// a network, to an endorsement its author made: the feed shows the post
// as "X endorsed Y".
const EndorsementRel = federation.LaurelNamespace + "endorsement"

// ShareEndorsement shares e, an endorsement o made, with the network
// named by target, which o must be a member of: a public post saying so,
// with the comment and a link to the hosted endorsement, which the
// network relays as any post.
func (c *Communities) ShareEndorsement(ctx context.Context, o issuer.Organisation, target string, e network.Endorsement) (string, error) {
	m := federation.Message{Text: fmt.Sprintf("Endorsed [%s](%s): %s", markdownText(e.SubjectName), e.ID, e.Comment),
		Links: []federation.Link{{Href: e.ID, MediaType: "application/ld+json", Name: e.SubjectName, Rel: EndorsementRel}}}
	return c.shareMessage(ctx, o, target, m)
}

// markdownText escapes the characters that would make s Markdown rather
// than text inside a link's brackets.
func markdownText(s string) string {
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`, `*`, `\*`, `_`, `\_`, "`", "\\`").Replace(s)
}

// CheckMember checks that o is a member of each network of targets,
// before anything is shared with them.
func (c *Communities) CheckMember(ctx context.Context, o issuer.Organisation, targets []string) error {
	for _, t := range targets {
		if _, err := c.memberOf(ctx, o, t); err != nil {
			return problem.Rename(err, "networks", "network")
		}
	}
	return nil
}

// shareMessage posts m as o's public post, shared with the network named
// by target, and relays it at once when the network is here.
func (c *Communities) shareMessage(ctx context.Context, o issuer.Organisation, target string, m federation.Message) (string, error) {
	id, err := c.memberOf(ctx, o, target)
	if err != nil {
		return "", err
	}
	m.Audience = []string{id}
	noteID, err := c.fed.PostMessage(ctx, o.Slug, m)
	if err != nil {
		return "", err
	}
	name := c.urls.UsernameOf(id)
	if name == "" {
		return noteID, nil
	}
	// A network here relays its member's post now: there is no delivery
	// to wait for.
	note, err := c.localNote(ctx, o.Slug, noteID)
	if err != nil {
		return "", err
	}
	if m.Image != nil {
		note["attachment"] = []any{map[string]any{"type": "Image", "url": m.Image.URL, "name": m.Image.Name}}
	}
	var tags []any
	for _, l := range m.Links {
		t := map[string]any{"type": "Link", "href": l.Href, "mediaType": l.MediaType, "name": l.Name}
		if l.Rel != "" {
			t["rel"] = l.Rel
		}
		tags = append(tags, t)
	}
	if tags != nil {
		note["tag"] = tags
	}
	create := map[string]any{"id": strings.TrimSuffix(noteID, "/note"), "type": "Create", "actor": c.urls.Actor(o.Slug),
		"to": note["to"], "cc": []string{c.urls.Followers(o.Slug), id}, "object": note}
	return noteID, pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		n, err := c.byName(ctx, tx, name)
		if err != nil {
			return err
		}
		return c.relay(ctx, tx, n, create)
	})
}

// localNote reads back a post just made on this node, as it was sent.
func (c *Communities) localNote(ctx context.Context, username, noteID string) (map[string]any, error) {
	posts, err := c.fed.Posts(ctx, username, 20, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if p.ID == noteID {
			return map[string]any{"id": p.ID, "type": "Note", "attributedTo": c.urls.Actor(username), "content": p.Content,
				"published": p.Published.UTC().Format(time.RFC3339), "url": p.ID,
				"to": []string{"https://www.w3.org/ns/activitystreams#Public"}}, nil
		}
	}
	return nil, fmt.Errorf("find post %s of %s", noteID, username)
}

// relay announces create, a member's Create{Note}, to the network's
// members and followers, each server once, and keeps the post in the
// network's feed here, inside tx. Members (Laurel nodes, which know
// groups) get the activity wrapped as received, as FEP-1b12 asks, so that
// its proof still verifies; followers get the Note itself, which
// Mastodon and GoToSocial show as a boost.
func (c *Communities) relay(ctx context.Context, tx pgx.Tx, n Network, create map[string]any) error {
	note, _ := create["object"].(map[string]any)
	stored, err := c.keep(ctx, tx, n.Actor, note, c.memberName(ctx, tx, n, str(note["attributedTo"])))
	if err != nil || !stored {
		return err // relayed already: once is enough
	}
	announce := func(object any) map[string]any {
		return map[string]any{
			"@context": "https://www.w3.org/ns/activitystreams",
			"id":       c.urls.NewActivityID(n.Slug),
			"type":     "Announce",
			"actor":    n.Actor,
			"object":   object,
			"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
			"cc":       []string{c.urls.Followers(n.Slug), str(note["attributedTo"])},
		}
	}
	if err := c.fed.AnnounceToFollowers(ctx, tx, n.Slug, announce(note)); err != nil {
		return err
	}
	targets, err := memberInboxes(ctx, tx, n.ID)
	if err != nil {
		return err
	}
	_, err = c.fed.Publish(ctx, tx, n.Slug, announce(create), true, federation.CollapseInboxes(targets))
	return err
}

// memberName is the name the network knows its member by.
func (c *Communities) memberName(ctx context.Context, tx pgx.Tx, n Network, actor string) string {
	var name string
	_ = tx.QueryRow(ctx, `SELECT name FROM community_member WHERE community_id = $1 AND actor = $2`, n.ID, actor).Scan(&name)
	return name
}

// keep stores a relayed post in network's feed on this node; stored false
// when it was there already.
func (c *Communities) keep(ctx context.Context, tx pgx.Tx, network string, note map[string]any, authorName string) (bool, error) {
	published, err := vocab.ParseDateTime(str(note["published"]))
	if err != nil {
		published = time.Now()
	}
	url := str(note["url"])
	if vocab.HostOf(url) == "" {
		url = ""
	}
	badge, badgeName, image := publishedBadge(note)
	endorsement, endorsed := sharedEndorsement(note)
	tag, err := tx.Exec(ctx, `INSERT INTO community_feed (network, object_id, author, author_name, content, url, badge, badge_name, image,
			endorsement, endorsed_name, published)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (network, object_id) DO NOTHING`,
		network, str(note["id"]), str(note["attributedTo"]), authorName, c.fed.Markdown().Sanitize(str(note["content"])), url,
		badge, badgeName, image, endorsement, endorsed, published)
	if err != nil {
		return false, fmt.Errorf("keep post %s of %s: %w", str(note["id"]), network, err)
	}
	return tag.RowsAffected() == 1, nil
}

// publishedBadge reads the badge class a post publishes: a Link tag to
// a BadgeClass on the author's server (as Laurel's badge Notes carry) and
// its Image attachment; "" when there is none.
func publishedBadge(note map[string]any) (badge, name, image string) {
	host := vocab.HostOf(str(note["attributedTo"]))
	for _, t := range vocab.Objects(note["tag"]) {
		if str(t["type"]) == "Link" && str(t["rel"]) == "" && strings.Contains(str(t["mediaType"]), "json") && vocab.HostOf(str(t["href"])) == host {
			badge, name = str(t["href"]), str(t["name"])
			break
		}
	}
	if badge == "" {
		return "", "", ""
	}
	for _, a := range vocab.Objects(note["attachment"]) {
		if u := str(a["url"]); str(a["type"]) == "Image" && vocab.HostOf(u) == host {
			image = u
			break
		}
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return badge, name, image
}

// sharedEndorsement reads the endorsement a post shares: a Link tag
// with rel EndorsementRel to an endorsement on the author's server, and
// the name of what it endorses; "" when there is none.
func sharedEndorsement(note map[string]any) (endorsement, name string) {
	host := vocab.HostOf(str(note["attributedTo"]))
	for _, t := range vocab.Objects(note["tag"]) {
		if str(t["type"]) == "Link" && str(t["rel"]) == EndorsementRel && vocab.HostOf(str(t["href"])) == host {
			name = strings.TrimSpace(str(t["name"]))
			if r := []rune(name); len(r) > 200 {
				name = string(r[:200])
			}
			return str(t["href"]), name
		}
	}
	return "", ""
}

// receivePost relays a post a member shared with a network hosted here:
// a Note addressed to the network's Group by an accepted member. Posts
// of others are passed on (they are kept as any post is).
func (c *Communities) receivePost(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.Type != "Note" || !in.Object.Embedded {
		return "", false, nil
	}
	for _, id := range slices.Compact(in.Audience()) {
		n, ok, err := c.localNetwork(ctx, tx, id)
		if err != nil {
			return "", true, err
		}
		if !ok {
			continue
		}
		var member bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_member WHERE community_id = $1 AND actor = $2 AND state = 'accepted')`,
			n.ID, in.Actor).Scan(&member); err != nil {
			return "", true, fmt.Errorf("check member %s of %s: %w", in.Actor, n.Slug, err)
		}
		note, _ := in.Raw["object"].(map[string]any)
		if !member || note == nil || str(note["attributedTo"]) != in.Actor {
			return "ignored: not a member's own post for " + n.Slug, true, nil
		}
		create := in.Raw
		if create["object"] == nil {
			create["object"] = note
		}
		if err := c.relay(ctx, tx, n, create); err != nil {
			return "", true, err
		}
		return "relayed by " + n.Slug, true, nil
	}
	return "", false, nil
}

// receiveRelay keeps a post a network relayed (Announce) in the feed of
// this node's organisations that are its members. Announces of anyone
// else are passed on.
func (c *Communities) receiveRelay(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	var member bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_membership WHERE network = $1 AND state = 'accepted')`,
		in.Actor).Scan(&member); err != nil {
		return "", true, fmt.Errorf("check memberships of %s: %w", in.Actor, err)
	}
	if !member {
		return "", false, nil
	}
	note, _ := in.Raw["object"].(map[string]any)
	if str(note["type"]) == "Offer" { // a badge shared with the network
		return c.receiveRelayedOffer(ctx, tx, in, note)
	}
	if str(note["type"]) == "Create" { // FEP-1b12: the member's activity, wrapped
		actor := str(note["actor"])
		note, _ = note["object"].(map[string]any)
		if str(note["attributedTo"]) != actor {
			return "ignored: a relayed Create of another's post", true, nil
		}
	}
	author := str(note["attributedTo"])
	// The network vouches for its members' posts; at least the post must
	// be its author's, on its author's server.
	if note == nil || str(note["type"]) != "Note" || vocab.HostOf(author) == "" || vocab.HostOf(str(note["id"])) != vocab.HostOf(author) {
		return "ignored: not a relayed post", true, nil
	}
	var name string
	err := tx.QueryRow(ctx, `SELECT name FROM community_directory WHERE network = $1 AND actor = $2`, in.Actor, author).Scan(&name)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", true, fmt.Errorf("name %s: %w", author, err)
	}
	if name == "" {
		if ra, err := federation.CachedRemoteActor(ctx, tx, author); err == nil {
			name = ra.Name
		}
	}
	if _, err := c.keep(ctx, tx, in.Actor, note, name); err != nil {
		return "", true, err
	}
	return "kept in the feed of " + in.Actor, true, nil
}

// Feed lists what the networks o belongs to relayed, newest first.
func Feed(ctx context.Context, db DB, orgID int64, limit, offset int) ([]FeedItem, error) {
	rows, err := db.Query(ctx, `SELECT f.network, f.object_id, f.author, f.author_name, f.content, f.url, f.badge, f.badge_name, f.image,
			f.endorsement, f.endorsed_name, f.published
		FROM community_feed f JOIN community_membership m ON m.network = f.network AND m.state = 'accepted'
		WHERE m.organisation_id = $1 ORDER BY f.published DESC, f.id DESC LIMIT $2 OFFSET $3`, orgID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("network feed of organisation %d: %w", orgID, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[FeedItem])
	if err != nil {
		return nil, fmt.Errorf("network feed of organisation %d: %w", orgID, err)
	}
	for i := range items {
		if items[i].AuthorName == "" {
			items[i].AuthorName = strings.TrimPrefix(items[i].Author, "https://")
		}
	}
	return items, nil
}
