package application

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Form is an application form for a badge class.
type Form struct {
	ID             int64  `json:"-"`
	UUID           string `json:"id"`
	OrganisationID int64  `json:"-"`
	// OrganisationName is the name of the organisation that reviews.
	OrganisationName string `json:"organisationName"`
	BadgeClassID     int64  `json:"-"`
	BadgeUUID        string `json:"badge"`
	BadgeName        string `json:"badgeName"`
	TemplateID       *int64 `json:"template,omitempty"`
	// Token names the form's public URL (URLs.Form); unguessable, so a
	// form that is not listed is open only to those given the link.
	Token       string     `json:"token"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Fields      []Field    `json:"fields"`
	OpensAt     *time.Time `json:"opensAt,omitempty"`
	ClosesAt    *time.Time `json:"closesAt,omitempty"`
	// Listed: shown on the organisation's public page; otherwise only the
	// link leads to it.
	Listed bool `json:"listed"`
	// Approvals is how many approvals issue the badge.
	Approvals  int       `json:"approvals"`
	PeerReview bool      `json:"peerReview"`
	CreatedAt  time.Time `json:"createdAt"`
	// badgeArchived: the badge is no longer awarded, so the form takes no
	// applications.
	badgeArchived bool
}

// Open reports whether the form takes applications at now.
func (f Form) Open(now time.Time) bool {
	return (f.OpensAt == nil || !now.Before(*f.OpensAt)) && (f.ClosesAt == nil || now.Before(*f.ClosesAt))
}

// FormInput is what a creator sets of a form. Fields come from the
// template (TemplateID) when a form is created; an update keeps them.
type FormInput struct {
	BadgeUUID   string     `json:"badge"`
	TemplateID  int64      `json:"template"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	OpensAt     *time.Time `json:"opensAt"`
	ClosesAt    *time.Time `json:"closesAt"`
	Listed      bool       `json:"listed"`
	Approvals   int        `json:"approvals"`
	PeerReview  bool       `json:"peerReview"`
	CreatedBy   int64      `json:"-"`
}

func (in *FormInput) validate() error {
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	if in.Approvals == 0 {
		in.Approvals = 1
	}
	switch {
	case in.Title == "" || len(in.Title) > 200 || strings.ContainsAny(in.Title, "\r\n"):
		return problem.Invalidf("title", "must be one line of 1 to 200 characters")
	case len(in.Description) > 5000:
		return problem.Invalidf("description", "must be at most 5000 characters")
	case in.Approvals < 1 || in.Approvals > 10:
		return problem.Invalidf("approvals", "must be from 1 to 10")
	case in.OpensAt != nil && in.ClosesAt != nil && !in.ClosesAt.After(*in.OpensAt):
		return problem.Invalidf("closesAt", "must be after opensAt")
	}
	return nil
}

const formColumns = `f.id, f.uuid::text, f.organisation_id, o.name, f.badge_class_id, b.uuid::text, b.name, f.template_id, f.token,
	f.title, f.description, f.fields, f.opens_at, f.closes_at, f.listed, f.approvals, f.peer_review, f.created_at,
	b.archived_at IS NOT NULL`

const formFrom = ` FROM application_form f JOIN badge_class b ON b.id = f.badge_class_id
	JOIN organisation o ON o.id = f.organisation_id `

func scanForm(row pgx.Row) (Form, error) {
	var f Form
	var fields []byte
	err := row.Scan(&f.ID, &f.UUID, &f.OrganisationID, &f.OrganisationName, &f.BadgeClassID, &f.BadgeUUID, &f.BadgeName, &f.TemplateID, &f.Token,
		&f.Title, &f.Description, &fields, &f.OpensAt, &f.ClosesAt, &f.Listed, &f.Approvals, &f.PeerReview, &f.CreatedAt, &f.badgeArchived)
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(fields, &f.Fields)
}

// newToken is a random, URL-safe secret of 192 bits.
func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateForm builds an application form of organisation orgID for one of
// its badge classes from one of its templates, copying the template's
// fields.
func CreateForm(ctx context.Context, db DB, orgID int64, in FormInput) (Form, error) {
	if err := in.validate(); err != nil {
		return Form{}, err
	}
	b, err := issuer.BadgeClassByUUID(ctx, db, in.BadgeUUID)
	if err != nil || b.OrganisationID != orgID {
		if err == nil || problem.Is(err, problem.NotFound) {
			return Form{}, problem.Invalidf("badge", "no badge %q in this organisation", in.BadgeUUID)
		}
		return Form{}, err
	}
	if b.ArchivedAt != nil {
		return Form{}, problem.Conflictf("badge", "badge %q is archived", b.Name)
	}
	// Approval issues the badge, which Open Badges allows only of an
	// issuer with an address: refuse now rather than at the approval.
	o, err := issuer.OrganisationByID(ctx, db, orgID)
	if err != nil {
		return Form{}, err
	}
	if o.Email == "" {
		return Form{}, problem.Conflictf("email", "%s has no email address, which Open Badges requires of an issuer; set it on the organisation first", o.Name)
	}
	t, err := TemplateByID(ctx, db, orgID, in.TemplateID)
	if problem.Is(err, problem.NotFound) {
		return Form{}, problem.Invalidf("template", "no form template %d in this organisation", in.TemplateID)
	}
	if err != nil {
		return Form{}, err
	}
	fields, err := json.Marshal(t.Fields)
	if err != nil {
		return Form{}, err
	}
	var createdBy *int64
	if in.CreatedBy != 0 {
		createdBy = &in.CreatedBy
	}
	var uuid string
	err = db.QueryRow(ctx, `
		INSERT INTO application_form (organisation_id, badge_class_id, template_id, token, title, description, fields,
			opens_at, closes_at, listed, approvals, peer_review, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING uuid::text`,
		orgID, b.ID, t.ID, newToken(), in.Title, in.Description, fields, in.OpensAt, in.ClosesAt, in.Listed,
		in.Approvals, in.PeerReview, createdBy).Scan(&uuid)
	if err != nil {
		return Form{}, fmt.Errorf("create application form: %w", err)
	}
	return FormByUUID(ctx, db, orgID, uuid)
}

// UpdateForm changes a form's settings (not its badge, template or
// fields, which applications already answered).
func UpdateForm(ctx context.Context, db DB, orgID int64, uuid string, in FormInput) (Form, error) {
	if err := in.validate(); err != nil {
		return Form{}, err
	}
	if !issuer.IsUUID(uuid) {
		return Form{}, problem.NotFoundf("no application form %q", uuid)
	}
	tag, err := db.Exec(ctx, `
		UPDATE application_form SET title = $3, description = $4, opens_at = $5, closes_at = $6, listed = $7,
			approvals = $8, peer_review = $9, updated_at = now()
		WHERE uuid = $1 AND organisation_id = $2`,
		uuid, orgID, in.Title, in.Description, in.OpensAt, in.ClosesAt, in.Listed, in.Approvals, in.PeerReview)
	if err != nil {
		return Form{}, fmt.Errorf("update application form %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return Form{}, problem.NotFoundf("no application form %q in this organisation", uuid)
	}
	return FormByUUID(ctx, db, orgID, uuid)
}

// FormByUUID finds a form of organisation orgID.
func FormByUUID(ctx context.Context, db DB, orgID int64, uuid string) (Form, error) {
	if !issuer.IsUUID(uuid) {
		return Form{}, problem.NotFoundf("no application form %q", uuid)
	}
	f, err := scanForm(db.QueryRow(ctx, `SELECT `+formColumns+formFrom+`WHERE f.uuid = $1 AND f.organisation_id = $2`, uuid, orgID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Form{}, problem.NotFoundf("no application form %q in this organisation", uuid)
	}
	if err != nil {
		return Form{}, fmt.Errorf("find application form %s: %w", uuid, err)
	}
	return f, nil
}

// FormByToken finds the form a public link names.
func FormByToken(ctx context.Context, db DB, token string) (Form, error) {
	if len(token) > 100 {
		return Form{}, problem.NotFoundf("no such application form")
	}
	f, err := scanForm(db.QueryRow(ctx, `SELECT `+formColumns+formFrom+`WHERE f.token = $1`, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return Form{}, problem.NotFoundf("no such application form; check the link")
	}
	if err != nil {
		return Form{}, fmt.Errorf("find application form: %w", err)
	}
	return f, nil
}

// Forms lists an organisation's forms, newest first; listedOnly keeps
// those its public page shows (listed, of an unarchived badge, open now
// or later).
func Forms(ctx context.Context, db DB, orgID int64, listedOnly bool) ([]Form, error) {
	where := `WHERE f.organisation_id = $1`
	if listedOnly {
		where += ` AND f.listed AND b.archived_at IS NULL AND (f.closes_at IS NULL OR f.closes_at > now())`
	}
	rows, err := db.Query(ctx, `SELECT `+formColumns+formFrom+where+` ORDER BY f.created_at DESC, f.id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list application forms: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Form, error) { return scanForm(r) })
	if err != nil {
		return nil, fmt.Errorf("list application forms: %w", err)
	}
	return list, nil
}

func formByID(ctx context.Context, db DB, id int64) (Form, error) {
	f, err := scanForm(db.QueryRow(ctx, `SELECT `+formColumns+formFrom+`WHERE f.id = $1`, id))
	if err != nil {
		return Form{}, fmt.Errorf("find application form %d: %w", id, err)
	}
	return f, nil
}
