package issuer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// An organisation's logo: uploaded (a PNG or SVG checked as badge images
// are) and served from this node, so that its page, its actor's icon and
// its issuer Profile's image all show the same picture without the
// organisation hosting one somewhere.

// LogoPath is the path an organisation's logo is served at on its node.
func LogoPath(slug string) string { return "/orgs/" + slug + "/logo" }

// Logo reads an organisation's uploaded logo.
func Logo(ctx context.Context, db DB, orgID int64) (Image, error) {
	var img Image
	err := db.QueryRow(ctx, `SELECT media_type, data FROM organisation_logo WHERE organisation_id = $1`, orgID).
		Scan(&img.Type, &img.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return Image{}, problem.NotFoundf("the organisation has no logo")
	}
	if err != nil {
		return Image{}, fmt.Errorf("read the logo of organisation %d: %w", orgID, err)
	}
	return img, nil
}

// SetLogo checks data as an image and keeps it as o's logo; the
// organisation's image then is its URL here, a new one at each upload so
// that servers that cached the old icon fetch the new one. field names
// the form field a problem is reported on.
func SetLogo(ctx context.Context, db DB, u URLs, o Organisation, field string, data []byte) (Organisation, error) {
	img, err := CheckImage(field, data)
	if err != nil {
		return Organisation{}, err
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var at time.Time
		if err := tx.QueryRow(ctx, `INSERT INTO organisation_logo (organisation_id, media_type, data) VALUES ($1, $2, $3)
			ON CONFLICT (organisation_id) DO UPDATE SET media_type = excluded.media_type, data = excluded.data,
				updated_at = clock_timestamp()
			RETURNING updated_at`, o.ID, img.Type, img.Data).Scan(&at); err != nil {
			return err
		}
		o.ImageURL = u.base() + LogoPath(o.Slug) + "?v=" + strconv.FormatInt(at.UnixMicro(), 36)
		_, err := tx.Exec(ctx, `UPDATE organisation SET image_url = $2, updated_at = now() WHERE id = $1`, o.ID, o.ImageURL)
		return err
	})
	if err != nil {
		return Organisation{}, fmt.Errorf("store the logo of %s: %w", o.Slug, err)
	}
	return o, nil
}

// RemoveLogo deletes o's uploaded logo, and its image when that was the
// logo.
func RemoveLogo(ctx context.Context, db DB, u URLs, o Organisation) (Organisation, error) {
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM organisation_logo WHERE organisation_id = $1`, o.ID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE organisation SET image_url = '', updated_at = now()
			WHERE id = $1 AND starts_with(image_url, $2)`, o.ID, u.base()+LogoPath(o.Slug))
		if err == nil && tag.RowsAffected() > 0 {
			o.ImageURL = ""
		}
		return err
	})
	if err != nil {
		return Organisation{}, fmt.Errorf("remove the logo of %s: %w", o.Slug, err)
	}
	return o, nil
}
