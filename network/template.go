package network

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laurelnet/laurel/problem"
)

// Template is a reusable endorsement text of an organisation.
type Template struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (t *Template) validate() error {
	t.Name, t.Text = strings.TrimSpace(t.Name), strings.TrimSpace(t.Text)
	switch {
	case t.Name == "" || len(t.Name) > 200:
		return problem.Invalidf("name", "must be 1 to 200 characters")
	case t.Text == "" || len(t.Text) > 5000:
		return problem.Invalidf("text", "must be 1 to 5000 characters")
	}
	return nil
}

// SaveTemplate creates (t.ID 0) or changes a template of organisation
// orgID; names are unique within an organisation.
func SaveTemplate(ctx context.Context, db DB, orgID int64, t Template) (Template, error) {
	if err := t.validate(); err != nil {
		return Template{}, err
	}
	var row pgx.Row
	if t.ID == 0 {
		row = db.QueryRow(ctx, `INSERT INTO endorsement_template (organisation_id, name, text) VALUES ($1, $2, $3)
			RETURNING id, name, text, updated_at`, orgID, t.Name, t.Text)
	} else {
		row = db.QueryRow(ctx, `UPDATE endorsement_template SET name = $3, text = $4, updated_at = now()
			WHERE id = $1 AND organisation_id = $2 RETURNING id, name, text, updated_at`, t.ID, orgID, t.Name, t.Text)
	}
	var out Template
	err := row.Scan(&out.ID, &out.Name, &out.Text, &out.UpdatedAt)
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Template{}, problem.NotFoundf("No such endorsement template.")
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		return Template{}, problem.Conflictf("name", "a template named %q exists", t.Name)
	case err != nil:
		return Template{}, fmt.Errorf("save template: %w", err)
	}
	return out, nil
}

// Templates lists an organisation's templates by name.
func Templates(ctx context.Context, db DB, orgID int64) ([]Template, error) {
	rows, err := db.Query(ctx, `SELECT id, name, text, updated_at FROM endorsement_template
		WHERE organisation_id = $1 ORDER BY lower(name), id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Template])
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return list, nil
}

// TemplateText returns the text of template id of organisation orgID, for
// an endorsement written from it.
func TemplateText(ctx context.Context, db DB, orgID, id int64) (string, error) {
	var text string
	err := db.QueryRow(ctx, `SELECT text FROM endorsement_template WHERE id = $1 AND organisation_id = $2`, id, orgID).Scan(&text)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", problem.Invalidf("template", "no template %d in this organisation", id)
	}
	if err != nil {
		return "", fmt.Errorf("read template %d: %w", id, err)
	}
	return text, nil
}

// DeleteTemplate removes a template.
func DeleteTemplate(ctx context.Context, db DB, orgID, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM endorsement_template WHERE id = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return fmt.Errorf("delete template %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("No such endorsement template.")
	}
	return nil
}
