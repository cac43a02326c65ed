package community

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// A network's profile as others see it: its logo, served from its node,
// and its Group actor, whose changes go out as Update{Group} to its
// followers and members, and which members' nodes apply to their copy.

// LogoPath is the path a network's logo is served at on its node.
func LogoPath(slug string) string { return "/networks/" + slug + "/logo" }

// Logo reads a network's logo and when it was uploaded.
func Logo(ctx context.Context, db DB, networkID int64) (issuer.Image, time.Time, error) {
	var img issuer.Image
	var at time.Time
	err := db.QueryRow(ctx, `SELECT media_type, data, updated_at FROM community_logo WHERE community_id = $1`, networkID).
		Scan(&img.Type, &img.Data, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.Image{}, time.Time{}, problem.NotFoundf("the network has no logo")
	}
	if err != nil {
		return issuer.Image{}, time.Time{}, fmt.Errorf("read the logo of network %d: %w", networkID, err)
	}
	return img, at, nil
}

// storeLogo keeps img as the network's logo, inside tx, and returns the
// URL to show it at: a new one at each upload, so that servers that
// cached the old icon fetch the new one.
func (c *Communities) storeLogo(ctx context.Context, tx pgx.Tx, n Network, img issuer.Image) (string, error) {
	var at time.Time
	err := tx.QueryRow(ctx, `INSERT INTO community_logo (community_id, media_type, data) VALUES ($1, $2, $3)
		ON CONFLICT (community_id) DO UPDATE SET media_type = excluded.media_type, data = excluded.data, updated_at = clock_timestamp()
		RETURNING updated_at`, n.ID, img.Type, img.Data).Scan(&at)
	if err != nil {
		return "", fmt.Errorf("store the logo of %s: %w", n.Slug, err)
	}
	return c.urls.Base.JoinPath(LogoPath(n.Slug)).String() + "?v=" + strconv.FormatInt(at.UnixMicro(), 36), nil
}

// actorProfile is the network's Group actor as federation shows it.
func (c *Communities) actorProfile(o issuer.Organisation) federation.Profile {
	return federation.Profile{Name: o.Name, Summary: o.Description, URL: c.urls.Base.JoinPath("networks", o.Slug).String(),
		IconURL: o.ImageURL, Country: o.Country, OpenBadgesProfile: issuer.URLs{Base: c.urls.Base}.Profile(o.Slug),
		Discoverable: o.Listed}
}

// announceProfile sends Update{Group} of the network, as it is in tx, to
// its followers and its members, each server once, and renames it in the
// memberships of this node's members.
func (c *Communities) announceProfile(ctx context.Context, tx pgx.Tx, n Network) error {
	o, err := issuer.OrganisationByID(ctx, tx, n.ID)
	if err != nil {
		return err
	}
	// Members on this node share the network's database: no Update to
	// wait for.
	if _, err := tx.Exec(ctx, `UPDATE community_membership SET name = $2, updated_at = now() WHERE network = $1 AND name <> $2`,
		n.Actor, o.Name); err != nil {
		return fmt.Errorf("rename network %s here: %w", n.Slug, err)
	}
	targets, err := memberInboxes(ctx, tx, n.ID)
	if err != nil {
		return err
	}
	return c.fed.PublishActorUpdate(ctx, tx, n.Slug, c.actorProfile(o), targets...)
}

// receiveNetworkUpdate applies a network's Update{Group} to this node's
// memberships of it (their name and handle), once federation has updated
// the cached actor. Updates of others pass on.
func (c *Communities) receiveNetworkUpdate(ctx context.Context, tx pgx.Tx, in federation.Incoming) (string, bool, error) {
	if in.Object.ID != in.Actor || in.Object.Type != "Group" {
		return "", false, nil
	}
	ra, err := federation.CachedRemoteActor(ctx, tx, in.Actor)
	if err != nil {
		return "", false, nil // never met: nothing of it here
	}
	tag, err := tx.Exec(ctx, `UPDATE community_membership SET name = $2, handle = $3, updated_at = now()
		WHERE network = $1 AND (name <> $2 OR handle <> $3)`, in.Actor, ra.Name, ra.Username+"@"+ra.Host)
	if err != nil {
		return "", true, fmt.Errorf("rename network %s: %w", in.Actor, err)
	}
	if tag.RowsAffected() == 0 {
		return "", false, nil
	}
	return fmt.Sprintf("network renamed in %d membership(s)", tag.RowsAffected()), true, nil
}
