// Package criteria owns an organisation's criteria page templates:
// Markdown with placeholders that the badge editor fills into a badge's
// criteria narrative ("Pick template"), and saves from one ("Save as
// template"). It owns the criteria_template table.
//
// The placeholders (syntax in package placeholder):
//
//	{badge}       the badge's name
//	{issuer}      the issuing organisation's name
//	{alignments}  the badge's alignments as a Markdown list of links
//
// Values are escaped for Markdown, so a badge called "C# *advanced*"
// shows as written.
package criteria

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/placeholder"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Placeholders are the names a criteria template may use.
var Placeholders = []string{"badge", "issuer", "alignments"}

// Limits. A rendered template becomes a criteria narrative, which a badge
// class takes up to 20000 characters of.
const (
	MaxBody      = 20000
	MaxTemplates = 200 // per organisation
)

// Template is a saved criteria page template.
type Template struct {
	ID             int64
	UUID           string
	OrganisationID int64
	Name           string
	Body           string // Markdown with placeholders
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Input is what a template is saved from.
type Input struct {
	Name string
	Body string
}

func (in *Input) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Name == "" || len(in.Name) > 200:
		return problem.Invalidf("name", "must be 1 to 200 characters")
	case strings.ContainsFunc(in.Name, unicode.IsControl):
		return problem.Invalidf("name", "must be one line, without control characters")
	case in.Body == "":
		return problem.Invalidf("body", "is required: the criteria, in Markdown")
	case len(in.Body) > MaxBody:
		return problem.Invalidf("body", "must be at most %d characters", MaxBody)
	}
	_, err := placeholder.Parse("body", in.Body, Placeholders)
	return err
}

// Values are what a template is filled with.
type Values struct {
	Badge      string
	Issuer     string
	Alignments []vocab.AlignmentObject
}

// Render fills body with v: the criteria narrative for a badge. field
// names body in a problem (an unknown placeholder, or a result longer
// than a narrative may be).
func Render(field, body string, v Values) (string, error) {
	t, err := placeholder.Parse(field, body, Placeholders)
	if err != nil {
		return "", err
	}
	out := strings.TrimSpace(t.Render(map[string]string{
		"badge":      escape(v.Badge),
		"issuer":     escape(v.Issuer),
		"alignments": alignmentList(v.Alignments),
	}))
	if len(out) > MaxBody {
		return "", problem.Invalidf(field, "gives criteria of %d characters; at most %d are accepted", len(out), MaxBody)
	}
	return out, nil
}

// markdownInline are the characters that change the meaning of inline
// Markdown; a backslash makes each literal (CommonMark allows it before
// any ASCII punctuation).
var markdownInline = strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `~`, `\~`, `|`, `\|`, `&`, `\&`)

// escape makes a one-line value literal Markdown, also where it starts a
// line (a heading, a list item, a quote).
func escape(s string) string {
	s = markdownInline.Replace(strings.Join(strings.Fields(s), " "))
	if s != "" && strings.ContainsRune("#-+=", rune(s[0])) {
		s = `\` + s
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (s[i] == '.' || s[i] == ')') {
		s = s[:i] + `\` + s[i:]
	}
	return s
}

// alignmentList writes alignments as a Markdown list: a link to each
// target, with its framework and code.
func alignmentList(as []vocab.AlignmentObject) string {
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "- [%s](<%s>)", escape(a.TargetName), linkTarget(a.TargetURL))
		if extra := strings.TrimSpace(a.TargetFramework + " " + a.TargetCode); extra != "" {
			b.WriteString(" (" + escape(extra) + ")")
		}
	}
	return b.String()
}

// linkTarget is u made safe inside <...> in a Markdown link.
func linkTarget(u string) string {
	if p, err := url.Parse(u); err == nil {
		u = p.String()
	}
	return strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20", "\n", "").Replace(u)
}

// Fill renders template uuid of organisation orgID for the badge editor's
// "Pick template".
func Fill(ctx context.Context, db issuer.DB, orgID int64, uuid string, v Values) (string, error) {
	t, err := Get(ctx, db, orgID, uuid)
	if err != nil {
		return "", err
	}
	return Render("body", t.Body, v)
}

const columns = `id, uuid::text, organisation_id, name, body, created_at, updated_at`

func scan(row pgx.Row) (Template, error) {
	var t Template
	err := row.Scan(&t.ID, &t.UUID, &t.OrganisationID, &t.Name, &t.Body, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// Create saves a new template for organisation orgID ("Save as template").
func Create(ctx context.Context, db issuer.DB, orgID int64, in Input) (Template, error) {
	if err := in.validate(); err != nil {
		return Template{}, err
	}
	t, err := scan(db.QueryRow(ctx, `
		INSERT INTO criteria_template (organisation_id, name, body)
		SELECT $1, $2, $3 WHERE (SELECT count(*) FROM criteria_template WHERE organisation_id = $1) < $4
		RETURNING `+columns, orgID, in.Name, in.Body, MaxTemplates))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Template{}, problem.Conflictf("", "this organisation has %d criteria templates, the most it may keep; delete one first", MaxTemplates)
	case dbpool.UniqueViolation(err):
		return Template{}, problem.Conflictf("name", "a criteria template named %q exists already", in.Name)
	case err != nil:
		return Template{}, fmt.Errorf("create criteria template: %w", err)
	}
	return t, nil
}

// Update changes a template's name and body.
func Update(ctx context.Context, db issuer.DB, orgID int64, uuid string, in Input) (Template, error) {
	if err := in.validate(); err != nil {
		return Template{}, err
	}
	if !issuer.IsUUID(uuid) {
		return Template{}, notFound(uuid)
	}
	t, err := scan(db.QueryRow(ctx, `
		UPDATE criteria_template SET name = $3, body = $4, updated_at = now()
		WHERE uuid = $1 AND organisation_id = $2 RETURNING `+columns, uuid, orgID, in.Name, in.Body))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Template{}, notFound(uuid)
	case dbpool.UniqueViolation(err):
		return Template{}, problem.Conflictf("name", "a criteria template named %q exists already", in.Name)
	case err != nil:
		return Template{}, fmt.Errorf("update criteria template %s: %w", uuid, err)
	}
	return t, nil
}

// Get finds a template of organisation orgID.
func Get(ctx context.Context, db issuer.DB, orgID int64, uuid string) (Template, error) {
	if !issuer.IsUUID(uuid) {
		return Template{}, notFound(uuid)
	}
	t, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM criteria_template WHERE uuid = $1 AND organisation_id = $2`, uuid, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Template{}, notFound(uuid)
	}
	if err != nil {
		return Template{}, fmt.Errorf("find criteria template %s: %w", uuid, err)
	}
	return t, nil
}

// List lists an organisation's templates by name.
func List(ctx context.Context, db issuer.DB, orgID int64) ([]Template, error) {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM criteria_template WHERE organisation_id = $1 ORDER BY lower(name), id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list criteria templates: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Template, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("list criteria templates: %w", err)
	}
	return list, nil
}

// Delete removes a template. Badges filled from it keep their criteria:
// filling copies the text.
func Delete(ctx context.Context, db issuer.DB, orgID int64, uuid string) error {
	if !issuer.IsUUID(uuid) {
		return notFound(uuid)
	}
	tag, err := db.Exec(ctx, `DELETE FROM criteria_template WHERE uuid = $1 AND organisation_id = $2`, uuid, orgID)
	if err != nil {
		return fmt.Errorf("delete criteria template %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(uuid)
	}
	return nil
}

func notFound(uuid string) error {
	return problem.NotFoundf("no criteria template %q in this organisation", uuid)
}
