// Package mailtemplate owns organisations' own texts for the emails Laurel
// sends on their behalf: per kind of email and language, a subject and a
// plain-text body with placeholders (syntax in package placeholder). It
// owns the email_template table. Where an organisation has no template
// for a mail, the sender keeps its default text.
//
// The one kind so far is KindClaim, the email that tells an earner
// identified by an address of a badge issued to them, with its claim link
// (issuer's claim mail). Its placeholders:
//
//	{earner}      the earner's name as the issuer gave it, or else the address
//	{badge}       the badge's name
//	{issuer}      the organisation's name
//	{claim_link}  the secret claim link (required in the body)
//	{badge_page}  the public page of the earned badge
//	{expires}     the date the badge expires (YYYY-MM-DD), or empty
//
// Which template a mail uses: the one for the language asked for, else
// for its base language (fi for fi-FI); when no language is asked for,
// the organisation's default template (is_default); otherwise none.
package mailtemplate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/language"

	"github.com/laurelnet/laurel/placeholder"
	"github.com/laurelnet/laurel/problem"
)

// DB is what the package needs of a connection: a pool, a connection or a
// transaction (issuer's claim mail reads templates in the issuing one).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// KindClaim is the email telling an earner of a badge and its claim link.
const KindClaim = "claim"

// Kinds lists the kinds of email an organisation can write templates for.
var Kinds = []string{KindClaim}

// Placeholders names what each kind of template may use.
var Placeholders = map[string][]string{
	KindClaim: {"earner", "badge", "issuer", "claim_link", "badge_page", "expires"},
}

// required are the placeholders a kind's body must have: a claim mail
// without its link would leave the earner no way to the badge.
var required = map[string][]string{
	KindClaim: {"claim_link"},
}

// Limits on a template.
const (
	MaxSubject = 300
	MaxBody    = 10000
)

// Template is an organisation's text for one kind of email in one
// language.
type Template struct {
	ID             int64
	UUID           string
	OrganisationID int64
	Kind           string
	Language       string // a BCP 47 tag, e.g. fi or pt-BR
	Subject        string
	Body           string
	// Default: used when the sender names no language.
	Default   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Input is what a template is saved from.
type Input struct {
	Kind     string
	Language string
	Subject  string
	Body     string
	Default  bool
}

// Values fill a template.
type Values struct {
	Earner, Badge, Issuer, ClaimLink, BadgePage, Expires string
}

// byName is v by placeholder name; a kind's template uses those its
// Placeholders list.
func (v Values) byName() map[string]string {
	return map[string]string{"earner": v.Earner, "badge": v.Badge, "issuer": v.Issuer,
		"claim_link": v.ClaimLink, "badge_page": v.BadgePage, "expires": v.Expires}
}

// Message is a template filled in.
type Message struct {
	Subject string
	Text    string
}

// parsed is a checked input's subject and body.
type parsed struct {
	subject, body placeholder.Template
}

// check normalises in and reports the first field that breaks a rule.
func (in *Input) check() (parsed, error) {
	in.Kind = strings.TrimSpace(in.Kind)
	in.Subject = strings.TrimSpace(in.Subject)
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	known, ok := Placeholders[in.Kind]
	if !ok {
		return parsed{}, problem.Invalidf("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	lang, err := Language("language", in.Language)
	if err != nil {
		return parsed{}, err
	}
	if lang == "" {
		return parsed{}, problem.Invalidf("language", "is required: a language tag such as en, fi or pt-BR")
	}
	in.Language = lang
	switch {
	case in.Subject == "" || len(in.Subject) > MaxSubject:
		return parsed{}, problem.Invalidf("subject", "must be 1 to %d characters", MaxSubject)
	case strings.ContainsFunc(in.Subject, unicode.IsControl):
		return parsed{}, problem.Invalidf("subject", "must be one line, without control characters")
	case in.Body == "" || len(in.Body) > MaxBody:
		return parsed{}, problem.Invalidf("body", "must be 1 to %d characters", MaxBody)
	}
	var p parsed
	if p.subject, err = placeholder.Parse("subject", in.Subject, known); err != nil {
		return parsed{}, err
	}
	if p.subject.Uses("claim_link") {
		// A subject is seen by more than its recipient (lists, logs).
		return parsed{}, problem.Invalidf("subject", "may not hold {claim_link}, a secret; put it in the body")
	}
	if p.body, err = placeholder.Parse("body", in.Body, known); err != nil {
		return parsed{}, err
	}
	for _, name := range required[in.Kind] {
		if !p.body.Uses(name) {
			return parsed{}, problem.Invalidf("body", "must contain {%s}", name)
		}
	}
	return p, nil
}

// Language checks an optional language tag and writes it as
// golang.org/x/text/language does (fi, pt-BR); field names it in a
// problem. Empty stays empty.
func Language(field, tag string) (string, error) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return "", nil
	}
	t, err := language.Parse(tag)
	if err != nil || len(tag) > 35 {
		return "", problem.Invalidf(field, "must be a language tag such as en, fi or pt-BR")
	}
	return t.String(), nil
}

// render fills p with values; those in the subject are kept to one line,
// as a subject must be.
func (p parsed) render(values map[string]string) Message {
	oneLine := make(map[string]string, len(values))
	for k, s := range values {
		oneLine[k] = strings.Join(strings.FieldsFunc(s, unicode.IsControl), " ")
	}
	return Message{Subject: strings.TrimSpace(p.subject.Render(oneLine)), Text: p.body.Render(values)}
}

// Render fills the template with v.
func (t Template) Render(v Values) (Message, error) {
	in := Input{Kind: t.Kind, Language: t.Language, Subject: t.Subject, Body: t.Body}
	p, err := in.check()
	if err != nil {
		return Message{}, fmt.Errorf("render email template %s: %w", t.UUID, err)
	}
	return p.render(v.byName()), nil
}

// Preview checks in and fills it with v (e.g. SampleValues), for the
// editor's preview before saving.
func Preview(in Input, v Values) (Message, error) {
	p, err := in.check()
	if err != nil {
		return Message{}, err
	}
	return p.render(v.byName()), nil
}

// SampleValues are made-up values for a preview from organisation issuer
// on the node at base (e.g. https://badges.example.org).
func SampleValues(issuer, base string) Values {
	base = strings.TrimSuffix(base, "/")
	return Values{Earner: "Eva Example", Badge: "Example badge", Issuer: issuer,
		ClaimLink: base + "/claim/EXAMPLE-LINK",
		BadgePage: base + "/badges/00000000-0000-4000-8000-000000000000",
		Expires:   time.Now().UTC().AddDate(2, 0, 0).Format(time.DateOnly),
	}
}

// Starter is the text a new template of kind starts from, in English: the
// wording of Laurel's default mail, with placeholders.
func Starter(kind string) Input {
	switch kind {
	case KindClaim:
		return Input{Kind: KindClaim, Language: "en",
			Subject: `You have earned the badge "{badge}" from {issuer}`,
			Body: "Hello {earner},\n\n{issuer} has awarded you the badge \"{badge}\".\n\n" +
				"See it, download it with its Open Badges data baked in, or keep it in a passport:\n{claim_link}\n\n" +
				"Anyone can check the badge at {badge_page}\n"}
	}
	return Input{Kind: kind}
}

const columns = `id, uuid::text, organisation_id, kind, language, subject, body, is_default, created_at, updated_at`

func scan(row pgx.Row) (Template, error) {
	var t Template
	err := row.Scan(&t.ID, &t.UUID, &t.OrganisationID, &t.Kind, &t.Language, &t.Subject, &t.Body, &t.Default, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// Save creates or replaces organisation orgID's template for in's kind
// and language. Marking it the default unmarks the kind's previous one,
// in the same transaction.
func Save(ctx context.Context, db DB, orgID int64, in Input) (Template, error) {
	if _, err := in.check(); err != nil {
		return Template{}, err
	}
	var t Template
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if in.Default {
			if _, err := tx.Exec(ctx, `UPDATE email_template SET is_default = false, updated_at = now()
				WHERE organisation_id = $1 AND kind = $2 AND language <> $3 AND is_default`, orgID, in.Kind, in.Language); err != nil {
				return err
			}
		}
		var err error
		t, err = scan(tx.QueryRow(ctx, `
			INSERT INTO email_template (organisation_id, kind, language, subject, body, is_default)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (organisation_id, kind, language) DO UPDATE
				SET subject = EXCLUDED.subject, body = EXCLUDED.body, is_default = EXCLUDED.is_default, updated_at = now()
			RETURNING `+columns, orgID, in.Kind, in.Language, in.Subject, in.Body, in.Default))
		return err
	})
	if err != nil {
		return Template{}, fmt.Errorf("save %s email template (%s): %w", in.Kind, in.Language, err)
	}
	return t, nil
}

// List lists an organisation's templates by kind and language.
func List(ctx context.Context, db DB, orgID int64) ([]Template, error) {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM email_template WHERE organisation_id = $1 ORDER BY kind, language`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list email templates: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Template, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("list email templates: %w", err)
	}
	return list, nil
}

// Get finds a template of organisation orgID by its UUID.
func Get(ctx context.Context, db DB, orgID int64, id string) (Template, error) {
	if len(id) != 36 || uuid.Validate(id) != nil {
		return Template{}, notFound(id)
	}
	t, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM email_template WHERE uuid = $1 AND organisation_id = $2`, id, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Template{}, notFound(id)
	}
	if err != nil {
		return Template{}, fmt.Errorf("find email template %s: %w", id, err)
	}
	return t, nil
}

// Delete removes a template; that kind of mail in that language goes back
// to the default text.
func Delete(ctx context.Context, db DB, orgID int64, id string) error {
	if len(id) != 36 || uuid.Validate(id) != nil {
		return notFound(id)
	}
	tag, err := db.Exec(ctx, `DELETE FROM email_template WHERE uuid = $1 AND organisation_id = $2`, id, orgID)
	if err != nil {
		return fmt.Errorf("delete email template %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(id)
	}
	return nil
}

// Find picks organisation orgID's template for a mail of kind in language
// lang (a tag Language accepted, or empty), as the package comment says;
// ok is false when the mail keeps its default text.
func Find(ctx context.Context, db DB, orgID int64, kind, lang string) (t Template, ok bool, err error) {
	candidates := []string{} // not nil, which pgx sends as NULL
	if lang != "" {
		candidates = append(candidates, lang)
		if tag, err := language.Parse(lang); err == nil {
			if base, conf := tag.Base(); conf != language.No && !slices.Contains(candidates, base.String()) {
				candidates = append(candidates, base.String())
			}
		}
	}
	// Exact language first, then its base; with none asked, the default.
	t, err = scan(db.QueryRow(ctx, `
		SELECT `+columns+` FROM email_template
		WHERE organisation_id = $1 AND kind = $2 AND (CASE WHEN cardinality($3::text[]) = 0 THEN is_default ELSE language = ANY ($3) END)
		ORDER BY array_position($3::text[], language) NULLS LAST LIMIT 1`, orgID, kind, candidates))
	if errors.Is(err, pgx.ErrNoRows) {
		return Template{}, false, nil
	}
	if err != nil {
		return Template{}, false, fmt.Errorf("find the %s email template for %q: %w", kind, lang, err)
	}
	return t, true, nil
}

func notFound(id string) error {
	return problem.NotFoundf("no email template %q in this organisation", id)
}
