// Package imagelib owns an organisation's image library: PNG and SVG
// images, uploaded (checked as badge images are, by issuer.CheckImage) or
// drawn with the badge designer (package designer, whose parameters are
// kept so that the design can be edited again), with names and tags, for
// use in its badges. It owns the library_image and library_image_use
// tables.
//
// A badge that uses a library image gets a copy of its bytes: a badge's
// image is part of what its earners were given (baked into their badges,
// served at its BadgeClass's image URL), so renaming, redrawing or
// deleting the library image never changes a badge. library_image_use
// remembers which badges took which image, so that the library can say
// where an image is used and whether a badge has its latest version.
package imagelib

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/designer"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Limits of a library.
const (
	MaxImages  = 500 // per organisation; each at most issuer.MaxImageBytes
	MaxTags    = 20
	MaxTagSize = 60
)

// Formats a design is stored in.
const (
	FormatSVG = "svg"
	FormatPNG = "png"
)

// Image is a library image, without its bytes (see Data).
type Image struct {
	ID             int64
	UUID           string
	OrganisationID int64
	Name           string
	Tags           []string
	Type           string // image/png or image/svg+xml
	Size           int    // bytes
	// Design is what a designed image was drawn from; nil for an upload.
	Design    *designer.Design
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Meta is an image's name and tags.
type Meta struct {
	Name string
	Tags []string
}

// check normalises m: tags trimmed, in lower case, each once.
func (m *Meta) check() error {
	m.Name = strings.TrimSpace(m.Name)
	switch {
	case m.Name == "" || len(m.Name) > 200:
		return problem.Invalidf("name", "must be 1 to 200 characters")
	case strings.ContainsFunc(m.Name, unicode.IsControl):
		return problem.Invalidf("name", "must be one line, without control characters")
	case len(m.Tags) > MaxTags:
		return problem.Invalidf("tags", "at most %d tags", MaxTags)
	}
	tags := make([]string, 0, len(m.Tags))
	for i, t := range m.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		switch {
		case t == "" || len(t) > MaxTagSize:
			return problem.Invalidf(fmt.Sprintf("tags[%d]", i), "must be 1 to %d characters", MaxTagSize)
		case strings.ContainsFunc(t, unicode.IsControl) || strings.Contains(t, ","):
			return problem.Invalidf(fmt.Sprintf("tags[%d]", i), "must be one line, without commas or control characters")
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	m.Tags = tags
	return nil
}

const columns = `id, uuid::text, organisation_id, name, tags, image_type, length(image), design, created_at, updated_at`

func scan(row pgx.Row) (Image, error) {
	var img Image
	var design []byte
	err := row.Scan(&img.ID, &img.UUID, &img.OrganisationID, &img.Name, &img.Tags, &img.Type, &img.Size, &design,
		&img.CreatedAt, &img.UpdatedAt)
	if err != nil {
		return img, err
	}
	if design != nil {
		img.Design = new(designer.Design)
		if err := json.Unmarshal(design, img.Design); err != nil {
			return img, fmt.Errorf("read the design of image %s: %w", img.UUID, err)
		}
	}
	return img, nil
}

// Upload adds an image file to organisation orgID's library; the bytes
// are checked, and an SVG rewritten, as a badge's image is.
func Upload(ctx context.Context, db issuer.DB, orgID int64, m Meta, data []byte) (Image, error) {
	if err := m.check(); err != nil {
		return Image{}, err
	}
	img, err := issuer.CheckImage("image", data)
	if err != nil {
		return Image{}, err
	}
	return insert(ctx, db, orgID, m, img, nil)
}

// DesignInput is a design to keep in the library, and the format its
// image is stored in (FormatPNG, which every backpack shows, or
// FormatSVG); the other can always be drawn again from the design.
type DesignInput struct {
	Meta
	Design designer.Design
	Format string
}

// render draws in's design and picks the format, checked as an upload
// would be.
func (in *DesignInput) render(g *designer.Designer) (designer.Design, issuer.Image, error) {
	in.Format = strings.ToLower(strings.TrimSpace(in.Format))
	if in.Format == "" {
		in.Format = FormatPNG
	}
	if in.Format != FormatPNG && in.Format != FormatSVG {
		return designer.Design{}, issuer.Image{}, problem.Invalidf("format", "must be png or svg")
	}
	d, out, err := g.Render(in.Design)
	if err != nil {
		return d, issuer.Image{}, err
	}
	data := out.PNG
	if in.Format == FormatSVG {
		data = out.SVG
	}
	img, err := issuer.CheckImage("design", data)
	if err != nil {
		// The designer writes what the check accepts; this is a bug.
		return d, issuer.Image{}, fmt.Errorf("check the designed image: %w", err)
	}
	return d, img, nil
}

// CreateDesign draws a design with g and keeps it, with its parameters, in
// organisation orgID's library.
func CreateDesign(ctx context.Context, db issuer.DB, g *designer.Designer, orgID int64, in DesignInput) (Image, error) {
	if err := in.check(); err != nil {
		return Image{}, err
	}
	d, img, err := in.render(g)
	if err != nil {
		return Image{}, err
	}
	return insert(ctx, db, orgID, in.Meta, img, &d)
}

func insert(ctx context.Context, db issuer.DB, orgID int64, m Meta, img issuer.Image, d *designer.Design) (Image, error) {
	design, err := designJSON(d)
	if err != nil {
		return Image{}, err
	}
	out, err := scan(db.QueryRow(ctx, `
		INSERT INTO library_image (organisation_id, name, tags, image, image_type, design)
		SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM library_image WHERE organisation_id = $1) < $7
		RETURNING `+columns, orgID, m.Name, m.Tags, img.Data, img.Type, design, MaxImages))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Image{}, problem.Conflictf("", "the library holds %d images, the most it may; delete some first", MaxImages)
	case dbpool.UniqueViolation(err):
		return Image{}, problem.Conflictf("name", "the library has an image named %q already", m.Name)
	case err != nil:
		return Image{}, fmt.Errorf("add library image: %w", err)
	}
	return out, nil
}

func designJSON(d *designer.Design) ([]byte, error) {
	if d == nil {
		return nil, nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("write design: %w", err)
	}
	return b, nil
}

// Redesign draws a designed image again from a changed design, replacing
// its bytes. Badges that use it keep the copy they have (Uses says which
// have an earlier version).
func Redesign(ctx context.Context, db issuer.DB, g *designer.Designer, orgID int64, id string, d designer.Design, format string) (Image, error) {
	cur, err := Get(ctx, db, orgID, id)
	if err != nil {
		return Image{}, err
	}
	if cur.Design == nil {
		return Image{}, problem.Conflictf("design", "image %q was uploaded, not designed; upload a new one instead", cur.Name)
	}
	in := DesignInput{Design: d, Format: format}
	d, img, err := in.render(g)
	if err != nil {
		return Image{}, err
	}
	design, err := designJSON(&d)
	if err != nil {
		return Image{}, err
	}
	out, err := scan(db.QueryRow(ctx, `
		UPDATE library_image SET image = $3, image_type = $4, design = $5, updated_at = now()
		WHERE uuid = $1 AND organisation_id = $2 RETURNING `+columns, id, orgID, img.Data, img.Type, design))
	if errors.Is(err, pgx.ErrNoRows) {
		return Image{}, notFound(id)
	}
	if err != nil {
		return Image{}, fmt.Errorf("redesign library image %s: %w", id, err)
	}
	return out, nil
}

// Rename changes an image's name and tags.
func Rename(ctx context.Context, db issuer.DB, orgID int64, id string, m Meta) (Image, error) {
	if err := m.check(); err != nil {
		return Image{}, err
	}
	if !issuer.IsUUID(id) {
		return Image{}, notFound(id)
	}
	out, err := scan(db.QueryRow(ctx, `
		UPDATE library_image SET name = $3, tags = $4, updated_at = now()
		WHERE uuid = $1 AND organisation_id = $2 RETURNING `+columns, id, orgID, m.Name, m.Tags))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Image{}, notFound(id)
	case dbpool.UniqueViolation(err):
		return Image{}, problem.Conflictf("name", "the library has an image named %q already", m.Name)
	case err != nil:
		return Image{}, fmt.Errorf("rename library image %s: %w", id, err)
	}
	return out, nil
}

// Get finds an image of organisation orgID's library.
func Get(ctx context.Context, db issuer.DB, orgID int64, id string) (Image, error) {
	if !issuer.IsUUID(id) {
		return Image{}, notFound(id)
	}
	img, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM library_image WHERE uuid = $1 AND organisation_id = $2`, id, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Image{}, notFound(id)
	}
	if err != nil {
		return Image{}, fmt.Errorf("find library image %s: %w", id, err)
	}
	return img, nil
}

// Data returns an image's bytes.
func Data(ctx context.Context, db issuer.DB, orgID int64, id string) (issuer.Image, error) {
	if !issuer.IsUUID(id) {
		return issuer.Image{}, notFound(id)
	}
	var img issuer.Image
	err := db.QueryRow(ctx, `SELECT image_type, image FROM library_image WHERE uuid = $1 AND organisation_id = $2`, id, orgID).
		Scan(&img.Type, &img.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.Image{}, notFound(id)
	}
	if err != nil {
		return issuer.Image{}, fmt.Errorf("read library image %s: %w", id, err)
	}
	return img, nil
}

// Filter narrows a listing: images with tag Tag (any case), and whose
// name contains Name (any case); empty fields do not narrow.
type Filter struct {
	Tag  string
	Name string
}

// List lists organisation orgID's library by name.
func List(ctx context.Context, db issuer.DB, orgID int64, f Filter) ([]Image, error) {
	tag := strings.ToLower(strings.TrimSpace(f.Tag))
	name := strings.TrimSpace(f.Name)
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM library_image
		WHERE organisation_id = $1 AND ($2 = '' OR tags @> ARRAY[$2]) AND ($3 = '' OR strpos(lower(name), lower($3)) > 0)
		ORDER BY lower(name), id`, orgID, tag, name)
	if err != nil {
		return nil, fmt.Errorf("list library images: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Image, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("list library images: %w", err)
	}
	return list, nil
}

// TagCount is a tag of a library and how many images have it.
type TagCount struct {
	Tag    string
	Images int
}

// Tags lists the tags of organisation orgID's library, by name.
func Tags(ctx context.Context, db issuer.DB, orgID int64) ([]TagCount, error) {
	rows, err := db.Query(ctx, `SELECT t, count(*) FROM library_image, unnest(tags) AS t
		WHERE organisation_id = $1 GROUP BY t ORDER BY t`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list library tags: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TagCount, error) {
		var t TagCount
		return t, r.Scan(&t.Tag, &t.Images)
	})
	if err != nil {
		return nil, fmt.Errorf("list library tags: %w", err)
	}
	return list, nil
}

// Delete removes an image from the library. Badges that use it keep their
// copy, so nothing earned changes; it returns them, for the page to say so.
func Delete(ctx context.Context, db issuer.DB, orgID int64, id string) ([]Use, error) {
	uses, err := Uses(ctx, db, orgID, id)
	if err != nil {
		return nil, err
	}
	tag, err := db.Exec(ctx, `DELETE FROM library_image WHERE uuid = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return nil, fmt.Errorf("delete library image %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, notFound(id)
	}
	return uses, nil
}

// Use is a badge that took its image from the library.
type Use struct {
	Badge issuer.BadgeClass
	// Current: the badge has the image as the library has it now;
	// otherwise an earlier version (the image was redesigned since).
	Current bool
}

// Uses lists the badges whose image is a copy of library image id (this
// version or an earlier one), by name; a badge whose image was replaced
// since is not listed.
func Uses(ctx context.Context, db issuer.DB, orgID int64, id string) ([]Use, error) {
	img, err := Data(ctx, db, orgID, id)
	if err != nil {
		return nil, err
	}
	now := sha256.Sum256(img.Data)
	rows, err := db.Query(ctx, `SELECT b.uuid::text, u.image_sha256 FROM library_image_use u
		JOIN library_image i ON i.id = u.image_id JOIN badge_class b ON b.id = u.badge_class_id
		WHERE i.uuid = $1 AND i.organisation_id = $2`, id, orgID)
	if err != nil {
		return nil, fmt.Errorf("list uses of library image %s: %w", id, err)
	}
	type row struct {
		badge  string
		copied []byte
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.badge, &x.copied)
	})
	if err != nil {
		return nil, fmt.Errorf("list uses of library image %s: %w", id, err)
	}
	var uses []Use
	for _, f := range found {
		b, err := issuer.BadgeClassByUUID(ctx, db, f.badge)
		if err != nil {
			return nil, err
		}
		has, err := issuer.BadgeImage(ctx, db, f.badge)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(has.Data)
		if string(sum[:]) != string(f.copied) {
			continue // the badge has had another image since
		}
		uses = append(uses, Use{Badge: b, Current: sum == now})
	}
	slices.SortFunc(uses, func(a, b Use) int { return strings.Compare(a.Badge.Name, b.Badge.Name) })
	return uses, nil
}

// CreateBadge creates a badge class of organisation orgID whose image is
// a copy of library image id (in.Image is ignored), in one transaction.
func CreateBadge(ctx context.Context, db issuer.DB, by account.Actor, orgID int64, id string, in issuer.BadgeInput) (issuer.BadgeClass, error) {
	var b issuer.BadgeClass
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		img, imageID, err := forBadge(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		in.Image = img.Data
		if b, err = issuer.CreateBadgeClass(ctx, tx, by, orgID, in); err != nil {
			return err
		}
		return noteUse(ctx, tx, imageID, b)
	})
	return b, err
}

// UpdateBadge edits badge class badge of organisation orgID as
// issuer.UpdateBadgeClass does, with a copy of library image id as its
// image (in.Image is ignored), in one transaction.
func UpdateBadge(ctx context.Context, db issuer.DB, by account.Actor, orgID int64, id, badge string, in issuer.BadgeInput) (issuer.BadgeClass, error) {
	var b issuer.BadgeClass
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		img, imageID, err := forBadge(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		in.Image = img.Data
		if b, err = issuer.UpdateBadgeClass(ctx, tx, by, orgID, badge, in); err != nil {
			return err
		}
		return noteUse(ctx, tx, imageID, b)
	})
	return b, err
}

// forBadge reads library image id for a badge, locking it so that it is
// not deleted before the use is noted; a problem names library_image.
func forBadge(ctx context.Context, tx pgx.Tx, orgID int64, id string) (issuer.Image, int64, error) {
	if !issuer.IsUUID(id) {
		return issuer.Image{}, 0, problem.Invalidf("library_image", "no image %q in this organisation's library", id)
	}
	var img issuer.Image
	var imageID int64
	err := tx.QueryRow(ctx, `SELECT id, image_type, image FROM library_image WHERE uuid = $1 AND organisation_id = $2 FOR SHARE`,
		id, orgID).Scan(&imageID, &img.Type, &img.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return issuer.Image{}, 0, problem.Invalidf("library_image", "no image %q in this organisation's library", id)
	}
	if err != nil {
		return issuer.Image{}, 0, fmt.Errorf("read library image %s: %w", id, err)
	}
	return img, imageID, nil
}

// noteUse records that badge b took its image from library image imageID,
// with the hash of the image as the badge stored it.
func noteUse(ctx context.Context, tx pgx.Tx, imageID int64, b issuer.BadgeClass) error {
	stored, err := issuer.BadgeImage(ctx, tx, b.UUID)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(stored.Data)
	_, err = tx.Exec(ctx, `INSERT INTO library_image_use (badge_class_id, image_id, image_sha256) VALUES ($1, $2, $3)
		ON CONFLICT (badge_class_id) DO UPDATE SET image_id = EXCLUDED.image_id, image_sha256 = EXCLUDED.image_sha256, used_at = now()`,
		b.ID, imageID, sum[:])
	if err != nil {
		return fmt.Errorf("note the use of library image %d: %w", imageID, err)
	}
	return nil
}

func notFound(id string) error {
	return problem.NotFoundf("no image %q in this organisation's library", id)
}
