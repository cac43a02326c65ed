package issuer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// SavedAlignment is an alignment an organisation keeps in its own library,
// to put on its badges again ("Save as template", "Pick saved alignment").
// An organisation has one per target URL.
type SavedAlignment struct {
	ID int64 `json:"id"`
	vocab.AlignmentObject
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxSavedAlignments bounds an organisation's library of alignments.
const MaxSavedAlignments = 1000

const savedAlignmentColumns = `id, target_name, target_url, target_description, target_framework, target_code, created_at, updated_at`

func scanSavedAlignment(row pgx.Row) (SavedAlignment, error) {
	var s SavedAlignment
	a := &s.AlignmentObject
	err := row.Scan(&s.ID, &a.TargetName, &a.TargetURL, &a.TargetDescription, &a.TargetFramework, &a.TargetCode,
		&s.CreatedAt, &s.UpdatedAt)
	return s, err
}

// SaveAlignment checks a as a badge's alignments are checked and keeps it
// in organisation orgID's library. When the library already has an
// alignment to the same targetUrl, that one is replaced; created tells
// which happened. Problems name the property (targetName, targetUrl, ...).
func SaveAlignment(ctx context.Context, db DB, orgID int64, a vocab.AlignmentObject) (saved SavedAlignment, created bool, err error) {
	if err := checkAlignment("", &a); err != nil {
		if p, ok := problem.As(err); ok {
			p.Field = strings.TrimPrefix(p.Field, ".")
		}
		return SavedAlignment{}, false, err
	}
	// The count and the insert are not atomic; two saves at once may pass
	// the limit by one, which is harmless.
	var n int
	var exists bool
	if err := db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE target_url = $2) > 0
		FROM saved_alignment WHERE organisation_id = $1`, orgID, a.TargetURL).Scan(&n, &exists); err != nil {
		return SavedAlignment{}, false, fmt.Errorf("save alignment: %w", err)
	}
	if !exists && n >= MaxSavedAlignments {
		return SavedAlignment{}, false, problem.Conflictf("", "the library already has %d alignments, the most it may keep; remove some first", n)
	}
	row := db.QueryRow(ctx, `
		INSERT INTO saved_alignment AS s (organisation_id, target_name, target_url, target_description, target_framework, target_code)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (organisation_id, target_url) DO UPDATE SET target_name = excluded.target_name,
			target_description = excluded.target_description, target_framework = excluded.target_framework,
			target_code = excluded.target_code, updated_at = now()
		RETURNING `+savedAlignmentColumns+`, xmax = 0`,
		orgID, a.TargetName, a.TargetURL, a.TargetDescription, a.TargetFramework, a.TargetCode)
	a2 := &saved.AlignmentObject
	err = row.Scan(&saved.ID, &a2.TargetName, &a2.TargetURL, &a2.TargetDescription, &a2.TargetFramework, &a2.TargetCode,
		&saved.CreatedAt, &saved.UpdatedAt, &created)
	if err != nil {
		return SavedAlignment{}, false, fmt.Errorf("save alignment: %w", err)
	}
	return saved, created, nil
}

// Alignments lists organisation orgID's library of alignments by name.
func Alignments(ctx context.Context, db DB, orgID int64) ([]SavedAlignment, error) {
	rows, err := db.Query(ctx, `SELECT `+savedAlignmentColumns+` FROM saved_alignment
		WHERE organisation_id = $1 ORDER BY lower(target_name), id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list saved alignments: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SavedAlignment, error) { return scanSavedAlignment(r) })
	if err != nil {
		return nil, fmt.Errorf("list saved alignments: %w", err)
	}
	return list, nil
}

// AlignmentByID returns alignment id of organisation orgID's library.
func AlignmentByID(ctx context.Context, db DB, orgID, id int64) (SavedAlignment, error) {
	s, err := scanSavedAlignment(db.QueryRow(ctx, `SELECT `+savedAlignmentColumns+` FROM saved_alignment
		WHERE id = $1 AND organisation_id = $2`, id, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return SavedAlignment{}, problem.NotFoundf("no saved alignment %d in this organisation", id)
	}
	if err != nil {
		return SavedAlignment{}, fmt.Errorf("read saved alignment %d: %w", id, err)
	}
	return s, nil
}

// DeleteAlignment removes alignment id from organisation orgID's library.
// Badges aligned with it keep their alignment: they hold a copy.
func DeleteAlignment(ctx context.Context, db DB, orgID, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM saved_alignment WHERE id = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return fmt.Errorf("delete saved alignment %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no saved alignment %d in this organisation", id)
	}
	return nil
}

// AlignBadge adds alignment a to badge class uuid of organisation orgID, in
// one transaction with, when a's target is an ESCO concept and q is not
// nil, an esco_fetch job that fetches the concept in the organisation's
// languages (see ESCOFetchArgs). A badge already aligned to the same
// targetUrl is a conflict. Badges already issued show the new alignment
// too, as with any edit of the class. by must be allowed
// account.CreateBadges.
func AlignBadge(ctx context.Context, db DB, by account.Actor, q Queue, orgID int64, uuid string, a vocab.AlignmentObject) (BadgeClass, error) {
	if !IsUUID(uuid) {
		return BadgeClass{}, problem.NotFoundf("no badge %q", uuid)
	}
	var out BadgeClass
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// Locked, so that two picks at once both land.
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM badge_class WHERE uuid = $1 AND organisation_id = $2 FOR UPDATE`,
			uuid, orgID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no badge %q in this organisation", uuid)
		}
		if err != nil {
			return fmt.Errorf("lock badge %s: %w", uuid, err)
		}
		b, err := BadgeClassByUUID(ctx, tx, uuid)
		if err != nil {
			return err
		}
		if err := checkAlignment("alignment", &a); err != nil {
			return err
		}
		if slices.ContainsFunc(b.Alignments, func(x vocab.AlignmentObject) bool { return x.TargetURL == a.TargetURL }) {
			return problem.Conflictf("alignment", "“%s” is already aligned to %s", b.Name, a.TargetURL)
		}
		in := b.input()
		in.Alignments = append(in.Alignments, a)
		if out, err = UpdateBadgeClass(ctx, tx, by, orgID, uuid, in); err != nil {
			return err
		}
		if q == nil || !esco.IsConceptURI(a.TargetURL) {
			return nil
		}
		if _, err := q.InsertManyTx(ctx, tx, []river.InsertManyParams{{Args: ESCOFetchArgs{URI: a.TargetURL, OrganisationID: orgID}}}); err != nil {
			return fmt.Errorf("queue the fetch of %s: %w", a.TargetURL, err)
		}
		return nil
	})
	if err != nil {
		return BadgeClass{}, err
	}
	return out, nil
}

// input is what the badge class was made from, its image left as it is.
func (b BadgeClass) input() BadgeInput {
	return BadgeInput{Name: b.Name, Description: b.Description, CriteriaNarrative: b.CriteriaNarrative,
		CriteriaURL: b.CriteriaURL, Tags: slices.Clone(b.Tags), Alignments: slices.Clone(b.Alignments), Expiry: b.Expiry}
}

// ESCOAlignment is the alignment to ESCO concept c, in language lang (with
// Concept.Label's fallbacks): its label as targetName, its URI as
// targetUrl, its description, its code, and "ESCO" with the version as
// targetFramework, e.g. "ESCO v1.2.1" ("ESCO" when the version is not
// known). Texts longer than an alignment may hold are cut short.
func ESCOAlignment(c esco.Concept, lang string) vocab.AlignmentObject {
	framework := "ESCO"
	if c.Version != "" {
		framework += " " + c.Version
	}
	return vocab.AlignmentObject{
		TargetName:        cut(c.Label(lang), 300),
		TargetURL:         c.URI,
		TargetDescription: cut(c.Description(lang), 5000),
		TargetFramework:   cut(framework, 300),
		TargetCode:        cut(c.Code, 300),
	}
}

// cut shortens s to at most n bytes, at a character boundary, ending it
// with an ellipsis when it was cut.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	s = s[:n-len(ellipsis)]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s) + ellipsis
}
