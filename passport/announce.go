package passport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
)

// ViewableItem finds the item of the user with this username that viewer
// may see on its page: a public one, for anyone; a followers one, for its
// earner and for local users who follow the earner (an accepted follow).
// viewer is the zero User for an anonymous visitor. A remote follower
// cannot be told apart from anyone else in a browser, so a followers
// badge is not found for them, as any other badge they may not see.
func (p *Passport) ViewableItem(ctx context.Context, username, uuid string, viewer account.User) (Item, error) {
	if !uuidPattern.MatchString(uuid) {
		return Item{}, problem.NotFoundf("no public badge %q", uuid)
	}
	follower := ""
	if viewer.ID != 0 {
		follower = p.ActorID(viewer.Username)
	}
	it, err := scanItem(p.pool.QueryRow(ctx, `SELECT `+itemColumns+` FROM backpack_item i
		JOIN app_user u ON u.id = i.user_id
		WHERE i.uuid = $1 AND u.username = $2 AND i.state = 'accepted'
		  AND (i.visibility = 'public'
		    OR (i.visibility = 'followers' AND $3 <> 0
		      AND (u.id = $3 OR EXISTS (SELECT 1 FROM follow f
		        WHERE f.followee = $4 AND f.follower = $5 AND f.state = 'accepted'))))`,
		uuid, username, viewer.ID, p.ActorID(username), follower))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, problem.NotFoundf("no public badge %q", uuid)
	}
	if err != nil {
		return Item{}, fmt.Errorf("find viewable backpack item %s: %w", uuid, err)
	}
	return it, nil
}

// AnnouncesBadges reports whether a user announces their new public
// badges to their followers.
func AnnouncesBadges(ctx context.Context, db DB, userID int64) (bool, error) {
	var on bool
	if err := db.QueryRow(ctx, `SELECT announce_badges FROM app_user WHERE id = $1`, userID).Scan(&on); err != nil {
		return false, fmt.Errorf("read the announce setting of user %d: %w", userID, err)
	}
	return on, nil
}

// SetAnnounceBadges sets whether a user announces their new public badges
// to their followers. Badges public already are not announced when it is
// turned on: only those made public afterwards.
func SetAnnounceBadges(ctx context.Context, db DB, userID int64, on bool) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("set the announce setting of user %d: %w", userID, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.Exec(ctx, `UPDATE app_user SET announce_badges = $2 WHERE id = $1`, userID, on); err != nil {
		return fmt.Errorf("set the announce setting of user %d: %w", userID, err)
	}
	if on {
		_, err = tx.Exec(ctx, `UPDATE backpack_item SET announced_at = now()
			WHERE user_id = $1 AND state = 'accepted' AND visibility = 'public' AND announced_at IS NULL`, userID)
		if err != nil {
			return fmt.Errorf("set the announce setting of user %d: %w", userID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("set the announce setting of user %d: %w", userID, err)
	}
	return nil
}

// Announce posts "I earned the badge …" as a public Note of u to their
// followers (federation's PostMessage), with the badge's image attached
// and its assertion as a Link in the tag, as the mention that awards a
// badge has them, when it is accepted and public, u announces their
// badges, and it was not announced before: each badge is announced at
// most once, whatever its visibility does later. It returns
// the Note's id, or "" when there was nothing to announce. Call it after
// accepting a badge or changing its visibility.
func (p *Passport) Announce(ctx context.Context, u account.User, it Item) (string, error) {
	if !it.IsPublic() {
		return "", nil
	}
	var claimed bool
	err := p.pool.QueryRow(ctx, `UPDATE backpack_item i SET announced_at = now()
		FROM app_user u
		WHERE i.id = $1 AND u.id = i.user_id AND u.id = $2 AND u.announce_badges
		  AND i.announced_at IS NULL AND i.state = 'accepted' AND i.visibility = 'public'
		RETURNING true`, it.ID, u.ID).Scan(&claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("announce badge %s: %w", it.UUID, err)
	}
	id, err := p.fed.PostMessage(ctx, u.Username, federation.Message{
		Text: fmt.Sprintf("I earned the badge **%s** from %s:",
			markdown.Escape(it.BadgeName), markdown.Escape(it.IssuerName)),
		Link:  BadgePage(p.urls, u.Username, it.UUID),
		Image: p.badgeImage(ctx, it),
		Links: itemLinks(it),
	})
	if err != nil {
		// Not announced after all: let the next change try again.
		if _, uerr := p.pool.Exec(ctx, `UPDATE backpack_item SET announced_at = NULL WHERE id = $1`, it.ID); uerr != nil {
			err = errors.Join(err, uerr)
		}
		return "", fmt.Errorf("announce badge %s: %w", it.UUID, err)
	}
	return id, nil
}

// badgeImage is the badge's image as a Note's attachment, or nil when it
// has none on the web (an image embedded as a data: URL is not sent). The
// media type is known for this node's own badges only.
func (p *Passport) badgeImage(ctx context.Context, it Item) *federation.Image {
	u, err := url.Parse(it.BadgeImage)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	img := &federation.Image{URL: it.BadgeImage, Name: it.BadgeName}
	if id := p.urls.BadgeUUID(strings.TrimSuffix(it.BadgeImage, "/image")); id != "" &&
		p.urls.BadgeImage(id) == it.BadgeImage {
		if local, err := issuer.BadgeImage(ctx, p.pool, id); err == nil {
			img.MediaType = local.Type
		}
	}
	return img
}

// itemLinks are the Links of an item's announcement: its 2.0 assertion
// and its 3.0 credential, as it holds them.
func itemLinks(it Item) []federation.Link {
	var links []federation.Link
	if len(it.Assertion) > 0 || len(it.Credential) == 0 {
		links = append(links, AssertionLink(it.AssertionID))
	}
	if id := it.CredentialID(); id != "" && hostOf(id) != "" {
		links = append(links, CredentialLink(id))
	}
	return links
}
