package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Expiry is a badge class's rule for when its assertions expire: never
// ("none"), a duration after issuing ("duration": Amount Units), or on a
// fixed date ("date").
type Expiry struct {
	Kind   string     `json:"kind"`
	Amount int        `json:"amount,omitempty"`
	Unit   string     `json:"unit,omitempty"` // days, weeks, months or years
	Date   *time.Time `json:"date,omitempty"`
}

func (e *Expiry) validate() error {
	switch e.Kind {
	case "", "none":
		*e = Expiry{Kind: "none"}
	case "duration":
		if !slices.Contains([]string{"days", "weeks", "months", "years"}, e.Unit) {
			return problem.Invalidf("expiry.unit", "must be days, weeks, months or years")
		}
		if e.Amount < 1 || e.Amount > 10000 {
			return problem.Invalidf("expiry.amount", "must be a whole number from 1 to 10000")
		}
		e.Date = nil
	case "date":
		if e.Date == nil {
			return problem.Invalidf("expiry.date", "is required when expiry.kind is date")
		}
		e.Amount, e.Unit = 0, ""
	default:
		return problem.Invalidf("expiry.kind", "must be none, duration or date")
	}
	return nil
}

// From returns when an assertion issued at issued expires, or nil.
func (e Expiry) From(issued time.Time) *time.Time {
	var t time.Time
	switch e.Kind {
	case "duration":
		switch e.Unit {
		case "days":
			t = issued.AddDate(0, 0, e.Amount)
		case "weeks":
			t = issued.AddDate(0, 0, 7*e.Amount)
		case "months":
			t = issued.AddDate(0, e.Amount, 0)
		case "years":
			t = issued.AddDate(e.Amount, 0, 0)
		}
	case "date":
		t = *e.Date
	default:
		return nil
	}
	return &t
}

// BadgeClass is an achievement an organisation awards.
type BadgeClass struct {
	ID                int64
	UUID              string
	OrganisationID    int64
	OrganisationSlug  string
	Name              string
	Description       string
	ImageType         string
	CriteriaNarrative string // Markdown; empty when CriteriaURL is set
	CriteriaURL       string
	Tags              []string
	Alignments        []vocab.AlignmentObject
	Expiry            Expiry
	ArchivedAt        *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Issued            int // assertions issued, revoked ones included
}

// BadgeInput is what a badge class is created or edited from.
type BadgeInput struct {
	Name              string
	Description       string
	Image             []byte // PNG or SVG; nil on edit keeps the current image
	CriteriaNarrative string
	CriteriaURL       string
	Tags              []string
	Alignments        []vocab.AlignmentObject
	Expiry            Expiry
}

func (in *BadgeInput) validate(creating bool) (Image, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	in.CriteriaNarrative = strings.TrimSpace(in.CriteriaNarrative)
	in.CriteriaURL = strings.TrimSpace(in.CriteriaURL)
	switch {
	case in.Name == "" || len(in.Name) > 200:
		return Image{}, problem.Invalidf("name", "must be 1 to 200 characters")
	case strings.ContainsFunc(in.Name, unicode.IsControl):
		// A name goes into email subjects, where a line break is refused.
		return Image{}, problem.Invalidf("name", "must be one line, without control characters")
	case in.Description == "" || len(in.Description) > 5000:
		return Image{}, problem.Invalidf("description", "must be 1 to 5000 characters")
	case in.CriteriaNarrative == "" && in.CriteriaURL == "":
		return Image{}, problem.Invalidf("criteria", "is required: a narrative (Markdown) or an id (the URL of a criteria page)")
	case in.CriteriaNarrative != "" && in.CriteriaURL != "":
		return Image{}, problem.Invalidf("criteria", "takes a narrative or an id, not both")
	case len(in.CriteriaNarrative) > 20000:
		return Image{}, problem.Invalidf("criteria.narrative", "must be at most 20000 characters")
	case in.CriteriaURL != "" && !isPublicWebURL(in.CriteriaURL):
		return Image{}, problem.Invalidf("criteria.id", publicURLRule)
	case len(in.Tags) > 30:
		return Image{}, problem.Invalidf("tags", "at most 30 tags")
	case len(in.Alignments) > 30:
		return Image{}, problem.Invalidf("alignment", "at most 30 alignments")
	}
	tags := make([]string, 0, len(in.Tags))
	for i, t := range in.Tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > 60 {
			return Image{}, problem.Invalidf(fmt.Sprintf("tags[%d]", i), "must be 1 to 60 characters")
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	in.Tags = tags
	for i := range in.Alignments {
		if err := checkAlignment(fmt.Sprintf("alignment[%d]", i), &in.Alignments[i]); err != nil {
			return Image{}, err
		}
	}
	if err := in.Expiry.validate(); err != nil {
		return Image{}, err
	}
	if in.Image == nil && !creating {
		return Image{}, nil
	}
	return CheckImage("image", in.Image)
}

func checkAlignment(field string, a *vocab.AlignmentObject) error {
	a.TargetName = strings.TrimSpace(a.TargetName)
	a.TargetURL = strings.TrimSpace(a.TargetURL)
	a.TargetDescription = strings.TrimSpace(a.TargetDescription)
	a.TargetFramework = strings.TrimSpace(a.TargetFramework)
	a.TargetCode = strings.TrimSpace(a.TargetCode)
	switch {
	case a.TargetName == "" || len(a.TargetName) > 300:
		return problem.Invalidf(field+".targetName", "must be 1 to 300 characters")
	case !isPublicWebURL(a.TargetURL):
		return problem.Invalidf(field+".targetUrl", publicURLRule)
	case len(a.TargetDescription) > 5000:
		return problem.Invalidf(field+".targetDescription", "must be at most 5000 characters")
	case len(a.TargetFramework) > 300:
		return problem.Invalidf(field+".targetFramework", "must be at most 300 characters")
	case len(a.TargetCode) > 300:
		return problem.Invalidf(field+".targetCode", "must be at most 300 characters")
	}
	return nil
}

// publicURLRule is the message for a URL that breaks isPublicWebURL.
const publicURLRule = "must be an absolute http or https URL on a public address (not localhost or a private network)"

const badgeColumns = `b.id, b.uuid::text, b.organisation_id, o.slug, b.name, b.description, b.image_type,
	b.criteria_narrative, b.criteria_url, b.tags, b.alignments, b.expiry_kind, b.expiry_amount,
	b.expiry_unit, b.expiry_date, b.archived_at, b.created_at, b.updated_at, b.issued_count`

const badgeFrom = ` FROM badge_class b JOIN organisation o ON o.id = b.organisation_id `

func scanBadge(row pgx.Row) (BadgeClass, error) {
	var b BadgeClass
	var alignments []byte
	err := row.Scan(&b.ID, &b.UUID, &b.OrganisationID, &b.OrganisationSlug, &b.Name, &b.Description, &b.ImageType,
		&b.CriteriaNarrative, &b.CriteriaURL, &b.Tags, &alignments, &b.Expiry.Kind, &b.Expiry.Amount,
		&b.Expiry.Unit, &b.Expiry.Date, &b.ArchivedAt, &b.CreatedAt, &b.UpdatedAt, &b.Issued)
	if err != nil {
		return b, err
	}
	if err := json.Unmarshal(alignments, &b.Alignments); err != nil {
		return b, fmt.Errorf("read alignments of badge %s: %w", b.UUID, err)
	}
	return b, nil
}

// CreateBadgeClass validates in and adds a badge class to the library of
// organisation orgID, if by may change its badges (account.CreateBadges).
func CreateBadgeClass(ctx context.Context, db DB, by account.Actor, orgID int64, in BadgeInput) (BadgeClass, error) {
	if err := by.Authorize(ctx, db, orgID, account.CreateBadges); err != nil {
		return BadgeClass{}, err
	}
	img, err := in.validate(true)
	if err != nil {
		return BadgeClass{}, err
	}
	alignments, err := json.Marshal(nonNil(in.Alignments))
	if err != nil {
		return BadgeClass{}, fmt.Errorf("create badge class: %w", err)
	}
	var uuid string
	err = db.QueryRow(ctx, `
		INSERT INTO badge_class (organisation_id, name, description, image, image_type, criteria_narrative,
			criteria_url, tags, alignments, expiry_kind, expiry_amount, expiry_unit, expiry_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING uuid::text`,
		orgID, in.Name, in.Description, img.Data, img.Type, in.CriteriaNarrative, in.CriteriaURL, in.Tags,
		alignments, in.Expiry.Kind, in.Expiry.Amount, in.Expiry.Unit, in.Expiry.Date).Scan(&uuid)
	if err != nil {
		return BadgeClass{}, fmt.Errorf("create badge class: %w", err)
	}
	return BadgeClassByUUID(ctx, db, uuid)
}

// UpdateBadgeClass edits a badge class of organisation orgID. Assertions
// already issued stay valid: they name the class by its id, which does not
// change. by must be allowed account.CreateBadges.
func UpdateBadgeClass(ctx context.Context, db DB, by account.Actor, orgID int64, uuid string, in BadgeInput) (BadgeClass, error) {
	if err := by.Authorize(ctx, db, orgID, account.CreateBadges); err != nil {
		return BadgeClass{}, err
	}
	img, err := in.validate(false)
	if err != nil {
		return BadgeClass{}, err
	}
	alignments, err := json.Marshal(nonNil(in.Alignments))
	if err != nil {
		return BadgeClass{}, fmt.Errorf("update badge class: %w", err)
	}
	if !IsUUID(uuid) {
		return BadgeClass{}, problem.NotFoundf("No such badge.")
	}
	tag, err := db.Exec(ctx, `
		UPDATE badge_class SET name = $3, description = $4,
			image = coalesce($5, image), image_type = coalesce($6, image_type),
			criteria_narrative = $7, criteria_url = $8, tags = $9, alignments = $10,
			expiry_kind = $11, expiry_amount = $12, expiry_unit = $13, expiry_date = $14, updated_at = now()
		WHERE uuid = $1 AND organisation_id = $2`,
		uuid, orgID, in.Name, in.Description, img.Data, nilIfEmpty(img.Type), in.CriteriaNarrative, in.CriteriaURL,
		in.Tags, alignments, in.Expiry.Kind, in.Expiry.Amount, in.Expiry.Unit, in.Expiry.Date)
	if err != nil {
		return BadgeClass{}, fmt.Errorf("update badge class %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return BadgeClass{}, problem.NotFoundf("No such badge in this organisation.")
	}
	return BadgeClassByUUID(ctx, db, uuid)
}

// BadgeClassByUUID finds a badge class.
func BadgeClassByUUID(ctx context.Context, db DB, uuid string) (BadgeClass, error) {
	if !IsUUID(uuid) {
		return BadgeClass{}, problem.NotFoundf("No such badge.")
	}
	b, err := scanBadge(db.QueryRow(ctx, `SELECT `+badgeColumns+badgeFrom+`WHERE b.uuid = $1`, uuid))
	if errors.Is(err, pgx.ErrNoRows) {
		return BadgeClass{}, problem.NotFoundf("No such badge.")
	}
	if err != nil {
		return BadgeClass{}, fmt.Errorf("find badge %s: %w", uuid, err)
	}
	return b, nil
}

// BadgeClasses lists an organisation's badge classes by name; archived ones
// only when archived is true.
func BadgeClasses(ctx context.Context, db DB, orgID int64, archived bool) ([]BadgeClass, error) {
	rows, err := db.Query(ctx, `SELECT `+badgeColumns+badgeFrom+`
		WHERE b.organisation_id = $1 AND (b.archived_at IS NOT NULL) = $2
		ORDER BY b.name, b.id`, orgID, archived)
	if err != nil {
		return nil, fmt.Errorf("list badges: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BadgeClass, error) { return scanBadge(r) })
	if err != nil {
		return nil, fmt.Errorf("list badges: %w", err)
	}
	return list, nil
}

// ArchiveBadgeClass archives a badge class (no new assertions; issued ones
// stay valid and hosted) or, with archived false, restores it. by must be
// allowed account.CreateBadges.
func ArchiveBadgeClass(ctx context.Context, db DB, by account.Actor, orgID int64, uuid string, archived bool) (BadgeClass, error) {
	if err := by.Authorize(ctx, db, orgID, account.CreateBadges); err != nil {
		return BadgeClass{}, err
	}
	if !IsUUID(uuid) {
		return BadgeClass{}, problem.NotFoundf("No such badge.")
	}
	tag, err := db.Exec(ctx, `
		UPDATE badge_class SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
		WHERE uuid = $1 AND organisation_id = $2`, uuid, orgID, archived)
	if err != nil {
		return BadgeClass{}, fmt.Errorf("archive badge %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return BadgeClass{}, problem.NotFoundf("No such badge in this organisation.")
	}
	return BadgeClassByUUID(ctx, db, uuid)
}

// DeleteBadgeClass removes a badge class that was never issued. One that
// was must be archived instead: its assertions name it. by must be
// allowed account.CreateBadges.
func DeleteBadgeClass(ctx context.Context, db DB, by account.Actor, orgID int64, uuid string) error {
	if err := by.Authorize(ctx, db, orgID, account.CreateBadges); err != nil {
		return err
	}
	if !IsUUID(uuid) {
		return problem.NotFoundf("No such badge.")
	}
	var deleted, issued bool
	err := db.QueryRow(ctx, `
		WITH b AS (SELECT id FROM badge_class WHERE uuid = $1 AND organisation_id = $2),
		     issued AS (SELECT EXISTS (SELECT 1 FROM assertion WHERE badge_class_id = (SELECT id FROM b)) AS yes),
		     del AS (DELETE FROM badge_class WHERE id = (SELECT id FROM b) AND NOT (SELECT yes FROM issued) RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM del), (SELECT yes FROM issued)`, uuid, orgID).Scan(&deleted, &issued)
	switch {
	case err != nil:
		return fmt.Errorf("delete badge %s: %w", uuid, err)
	case issued:
		return problem.Conflictf("", "this badge has been issued, so it cannot be deleted; archive it instead")
	case !deleted:
		return problem.NotFoundf("No such badge in this organisation.")
	}
	return nil
}

// BadgeImage returns a badge class's image.
func BadgeImage(ctx context.Context, db DB, uuid string) (Image, error) {
	if !IsUUID(uuid) {
		return Image{}, problem.NotFoundf("No such badge.")
	}
	var img Image
	err := db.QueryRow(ctx, `SELECT image_type, image FROM badge_class WHERE uuid = $1`, uuid).Scan(&img.Type, &img.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return Image{}, problem.NotFoundf("No such badge.")
	}
	if err != nil {
		return Image{}, fmt.Errorf("read image of badge %s: %w", uuid, err)
	}
	return img, nil
}

// Document is the badge class as an Open Badges 2.0 BadgeClass.
func (b BadgeClass) Document(u URLs) vocab.BadgeClass {
	c := vocab.Criteria{ID: b.CriteriaURL}
	if b.CriteriaNarrative != "" {
		c = vocab.Criteria{ID: u.Criteria(b.UUID), Narrative: b.CriteriaNarrative}
	}
	return vocab.BadgeClass{
		Context:     vocab.Context,
		ID:          u.BadgeClass(b.UUID),
		Type:        "BadgeClass",
		Name:        b.Name,
		Description: b.Description,
		Image:       u.BadgeImage(b.UUID),
		Criteria:    c,
		Issuer:      u.Profile(b.OrganisationSlug),
		Tags:        b.Tags,
		Alignment:   b.Alignments,
	}
}

// CriteriaDocument is the hosted Criteria of a badge class whose criteria
// are written in Laurel.
func (b BadgeClass) CriteriaDocument(u URLs) (vocab.Criteria, error) {
	if b.CriteriaNarrative == "" {
		return vocab.Criteria{}, problem.NotFoundf("badge %s has its criteria at %s", b.UUID, b.CriteriaURL)
	}
	return vocab.Criteria{Context: vocab.Context, ID: u.Criteria(b.UUID), Type: "Criteria", Narrative: b.CriteriaNarrative}, nil
}

// IsUUID reports whether s is written as a UUID, as the tables keep
// their public ids, so that anything else is answered "not found" rather
// than with a database error.
func IsUUID(s string) bool { return len(s) == 36 && uuid.Validate(s) == nil }

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
