package application

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// Kind is what a field asks for.
type Kind string

// The kinds of field.
const (
	KindText     Kind = "text"     // one line
	KindLongText Kind = "longtext" // paragraphs
	KindFile     Kind = "file"     // evidence files
	KindLink     Kind = "link"     // an http(s) URL
	KindCheckbox Kind = "checkbox" // yes or no; required: must be ticked
)

// Limits on forms and answers.
const (
	MaxFields        = 40
	MaxLabel         = 200
	MaxHelp          = 2000
	MaxTextAnswer    = 1000  // a text field's answer, in characters
	MaxLongAnswer    = 10000 // a long text field's answer
	MaxLinkAnswer    = 2000
	MaxFileBytes     = 10 << 20 // one file, the most a field may allow
	DefaultFileBytes = 5 << 20  // one file when the field says nothing
	MaxFiles         = 10       // files of one application, also the evidence items of a badge
	MaxTotalBytes    = 25 << 20 // all files of one application
	maxFilesPerField = 5
)

// FileTypes are the content types an evidence file may have, as sniffed
// from its bytes (net/http.DetectContentType). Nothing that a browser
// runs (HTML, SVG, XML, scripts) or an executable is among them.
var fileTypes = []string{
	"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
	"text/plain", "application/zip",
}

// FileTypes lists the content types a file field may allow.
func FileTypes() []string { return slices.Clone(fileTypes) }

// Field is one question of a form.
type Field struct {
	// Key names the field's answer; made when the field is created, kept
	// when it is edited, unique in its form.
	Key      string `json:"key"`
	Kind     Kind   `json:"kind"`
	Label    string `json:"label"`
	Help     string `json:"help,omitempty"`
	Required bool   `json:"required"`
	// File fields: the largest file in bytes (default DefaultFileBytes),
	// the content types allowed (default all of FileTypes) and how many
	// files (default 1).
	MaxBytes int      `json:"maxBytes,omitempty"`
	Types    []string `json:"types,omitempty"`
	MaxFiles int      `json:"maxFiles,omitempty"`
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// checkFields validates and normalises the fields of a template or form.
func checkFields(fields []Field) ([]Field, error) {
	if len(fields) == 0 {
		return nil, problem.Invalidf("fields", "needs at least one field")
	}
	if len(fields) > MaxFields {
		return nil, problem.Invalidf("fields", "at most %d fields", MaxFields)
	}
	out := make([]Field, len(fields))
	seen := map[string]bool{}
	files := 0
	for i, f := range fields {
		name := fmt.Sprintf("fields[%d]", i)
		f.Key = strings.TrimSpace(f.Key)
		if f.Key == "" {
			f.Key = newKey()
		}
		f.Label, f.Help = strings.TrimSpace(f.Label), strings.TrimSpace(f.Help)
		switch {
		case !keyPattern.MatchString(f.Key):
			return nil, problem.Invalidf(name+".key", "must be 1 to 40 lower-case letters, digits, - or _")
		case seen[f.Key]:
			return nil, problem.Invalidf(name+".key", "%q is the key of another field", f.Key)
		case f.Label == "" || len(f.Label) > MaxLabel || strings.ContainsAny(f.Label, "\r\n"):
			return nil, problem.Invalidf(name+".label", "must be one line of 1 to %d characters", MaxLabel)
		case len(f.Help) > MaxHelp:
			return nil, problem.Invalidf(name+".help", "must be at most %d characters", MaxHelp)
		}
		seen[f.Key] = true
		switch f.Kind {
		case KindText, KindLongText, KindLink, KindCheckbox:
			if f.MaxBytes != 0 || len(f.Types) != 0 || f.MaxFiles != 0 {
				return nil, problem.Invalidf(name+".kind", "only file fields take maxBytes, types and maxFiles")
			}
		case KindFile:
			if f.MaxBytes == 0 {
				f.MaxBytes = DefaultFileBytes
			}
			if f.MaxBytes < 1 || f.MaxBytes > MaxFileBytes {
				return nil, problem.Invalidf(name+".maxBytes", "must be from 1 to %d bytes", MaxFileBytes)
			}
			if f.MaxFiles == 0 {
				f.MaxFiles = 1
			}
			if f.MaxFiles < 1 || f.MaxFiles > maxFilesPerField {
				return nil, problem.Invalidf(name+".maxFiles", "must be from 1 to %d", maxFilesPerField)
			}
			files += f.MaxFiles
			var types []string
			for j, t := range f.Types {
				t = strings.ToLower(strings.TrimSpace(t))
				if !slices.Contains(fileTypes, t) {
					return nil, problem.Invalidf(fmt.Sprintf("%s.types[%d]", name, j), "must be one of %s", strings.Join(fileTypes, ", "))
				}
				if !slices.Contains(types, t) {
					types = append(types, t)
				}
			}
			f.Types = types
		default:
			return nil, problem.Invalidf(name+".kind", "must be text, longtext, file, link or checkbox")
		}
		out[i] = f
	}
	if files > MaxFiles {
		return nil, problem.Invalidf("fields", "the file fields together take at most %d files", MaxFiles)
	}
	return out, nil
}

func newKey() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // never fails on Linux
	return "f" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(base64.RawURLEncoding.EncodeToString(b)))
}

// Template is an organisation's form template.
type Template struct {
	ID             int64     `json:"id"`
	OrganisationID int64     `json:"-"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Fields         []Field   `json:"fields"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// TemplateInput is what a creator writes of a template.
type TemplateInput struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Fields      []Field `json:"fields"`
}

func (in *TemplateInput) validate() error {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	switch {
	case in.Name == "" || len(in.Name) > 200 || strings.ContainsAny(in.Name, "\r\n"):
		return problem.Invalidf("name", "must be one line of 1 to 200 characters")
	case len(in.Description) > 5000:
		return problem.Invalidf("description", "must be at most 5000 characters")
	}
	fields, err := checkFields(in.Fields)
	if err != nil {
		return err
	}
	in.Fields = fields
	return nil
}

const templateColumns = `id, organisation_id, name, description, fields, created_at, updated_at`

func scanTemplate(row pgx.Row) (Template, error) {
	var t Template
	var fields []byte
	if err := row.Scan(&t.ID, &t.OrganisationID, &t.Name, &t.Description, &fields, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return t, err
	}
	return t, json.Unmarshal(fields, &t.Fields)
}

// CreateTemplate stores a new form template of organisation orgID.
func CreateTemplate(ctx context.Context, db DB, orgID int64, in TemplateInput) (Template, error) {
	if err := in.validate(); err != nil {
		return Template{}, err
	}
	fields, err := json.Marshal(in.Fields)
	if err != nil {
		return Template{}, err
	}
	t, err := scanTemplate(db.QueryRow(ctx, `
		INSERT INTO form_template (organisation_id, name, description, fields) VALUES ($1, $2, $3, $4)
		RETURNING `+templateColumns, orgID, in.Name, in.Description, fields))
	if err != nil {
		return Template{}, fmt.Errorf("create form template: %w", err)
	}
	return t, nil
}

// UpdateTemplate replaces a template's name, description and fields.
// Forms built from it keep the fields they copied.
func UpdateTemplate(ctx context.Context, db DB, orgID, id int64, in TemplateInput) (Template, error) {
	if err := in.validate(); err != nil {
		return Template{}, err
	}
	fields, err := json.Marshal(in.Fields)
	if err != nil {
		return Template{}, err
	}
	t, err := scanTemplate(db.QueryRow(ctx, `
		UPDATE form_template SET name = $3, description = $4, fields = $5, updated_at = now()
		WHERE id = $1 AND organisation_id = $2 RETURNING `+templateColumns, id, orgID, in.Name, in.Description, fields))
	if errors.Is(err, pgx.ErrNoRows) {
		return Template{}, problem.NotFoundf("no form template %d in this organisation", id)
	}
	if err != nil {
		return Template{}, fmt.Errorf("update form template %d: %w", id, err)
	}
	return t, nil
}

// TemplateByID finds a template of organisation orgID.
func TemplateByID(ctx context.Context, db DB, orgID, id int64) (Template, error) {
	t, err := scanTemplate(db.QueryRow(ctx, `SELECT `+templateColumns+` FROM form_template WHERE id = $1 AND organisation_id = $2`, id, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Template{}, problem.NotFoundf("no form template %d in this organisation", id)
	}
	if err != nil {
		return Template{}, fmt.Errorf("find form template %d: %w", id, err)
	}
	return t, nil
}

// Templates lists an organisation's form templates by name.
func Templates(ctx context.Context, db DB, orgID int64) ([]Template, error) {
	rows, err := db.Query(ctx, `SELECT `+templateColumns+` FROM form_template WHERE organisation_id = $1 ORDER BY lower(name), id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list form templates: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Template, error) { return scanTemplate(r) })
	if err != nil {
		return nil, fmt.Errorf("list form templates: %w", err)
	}
	return list, nil
}

// DeleteTemplate removes a template; forms built from it stay as they are.
func DeleteTemplate(ctx context.Context, db DB, orgID, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM form_template WHERE id = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return fmt.Errorf("delete form template %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no form template %d in this organisation", id)
	}
	return nil
}
