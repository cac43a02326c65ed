package application

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Filter narrows a listing of applications. Zero values do not filter.
type Filter struct {
	FormUUID  string
	BadgeUUID string
	State     State
	// From and To bound when applications were submitted: From ≤ t < To.
	From, To *time.Time
	Limit    int // 1 to 500; 0 means 50
	Offset   int
}

// maxExport bounds the rows of one CSV export.
const maxExport = 10000

func (f *Filter) where(orgID int64) (string, []any, error) {
	where := []string{"f.organisation_id = $1", "a.state <> 'unconfirmed'"}
	args := []any{orgID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.FormUUID != "" {
		if !issuer.IsUUID(f.FormUUID) {
			return "", nil, problem.Invalidf("form", "must be the id of an application form")
		}
		add("f.uuid = ?", f.FormUUID)
	}
	if f.BadgeUUID != "" {
		if !issuer.IsUUID(f.BadgeUUID) {
			return "", nil, problem.Invalidf("badge", "must be the id of a badge")
		}
		add("b.uuid = ?", f.BadgeUUID)
	}
	if f.State != "" {
		if _, err := ParseState(string(f.State)); err != nil {
			return "", nil, err
		}
		add("a.state = ?", string(f.State))
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		return "", nil, problem.Invalidf("to", "must be after from")
	}
	if f.From != nil {
		add("a.submitted_at >= ?", *f.From)
	}
	if f.To != nil {
		add("a.submitted_at < ?", *f.To)
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// List lists an organisation's applications (not the unconfirmed ones),
// newest first, without their files.
func List(ctx context.Context, db DB, orgID int64, f Filter) ([]Application, error) {
	switch {
	case f.Limit == 0:
		f.Limit = 50
	case f.Limit < 1 || f.Limit > 500:
		return nil, problem.Invalidf("limit", "must be from 1 to 500")
	}
	if f.Offset < 0 {
		return nil, problem.Invalidf("offset", "must be 0 or more")
	}
	return list(ctx, db, orgID, f, f.Limit)
}

func list(ctx context.Context, db DB, orgID int64, f Filter, limit int) ([]Application, error) {
	where, args, err := f.where(orgID)
	if err != nil {
		return nil, err
	}
	args = append(args, limit, f.Offset)
	rows, err := db.Query(ctx, `SELECT `+applicationColumns+applicationFrom+where+
		fmt.Sprintf(` ORDER BY a.submitted_at DESC, a.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Application, error) { return scanApplication(r) })
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return apps, nil
}

// Mine lists a user's own applications, newest first.
func Mine(ctx context.Context, db DB, userID int64) ([]Application, error) {
	rows, err := db.Query(ctx, `SELECT `+applicationColumns+applicationFrom+
		`WHERE a.applicant_user_id = $1 AND a.state <> 'unconfirmed' ORDER BY a.created_at DESC, a.id DESC LIMIT 200`, userID)
	if err != nil {
		return nil, fmt.Errorf("list applications of user %d: %w", userID, err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Application, error) { return scanApplication(r) })
	if err != nil {
		return nil, fmt.Errorf("list applications of user %d: %w", userID, err)
	}
	return apps, nil
}

// WriteCSV writes the applications Filter selects (Limit and Offset aside,
// at most 10,000) as CSV: one row each with its state, dates, counts of
// decisions and answers. Filtered to one form, each question has a column
// of its own; otherwise the answers share one column. A cell that a
// spreadsheet would read as a formula is prefixed with an apostrophe.
func WriteCSV(ctx context.Context, db DB, w io.Writer, orgID int64, f Filter) error {
	f.Offset = 0
	apps, err := list(ctx, db, orgID, f, maxExport)
	if err != nil {
		return err
	}
	var fields []Field
	if f.FormUUID != "" {
		form, err := FormByUUID(ctx, db, orgID, f.FormUUID)
		if err != nil {
			if problem.Is(err, problem.NotFound) {
				return problem.Invalidf("form", "no application form %q in this organisation", f.FormUUID)
			}
			return err
		}
		fields = form.Fields
	}
	cw := csv.NewWriter(w)
	head := []string{"id", "form", "badge", "name", "email", "state", "submitted", "decided", "approvals", "rejections", "assertion"}
	if fields == nil {
		head = append(head, "answers")
	}
	for _, fl := range fields {
		head = append(head, fl.Label)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, a := range apps {
		row := []string{a.UUID, a.FormTitle, a.BadgeName, a.Name, a.Email, string(a.State), date(a.SubmittedAt), date(a.DecidedAt),
			strconv.Itoa(a.Approvals), strconv.Itoa(a.Rejections), a.AssertionUUID}
		if fields == nil {
			var all []string
			for _, ans := range a.Answers {
				all = append(all, ans.Label+": "+answerText(ans))
			}
			row = append(row, strings.Join(all, "\n"))
		}
		for _, fl := range fields {
			cell := ""
			for _, ans := range a.Answers {
				if ans.Key == fl.Key {
					cell = answerText(ans)
				}
			}
			row = append(row, cell)
		}
		for i := range row {
			row[i] = cellSafe(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write applications CSV: %w", err)
	}
	return nil
}

func answerText(a Answer) string {
	switch a.Kind {
	case KindCheckbox:
		if a.Value != "" {
			return "yes"
		}
		return "no"
	case KindFile:
		return fmt.Sprintf("%d file(s)", len(a.Files))
	}
	return a.Value
}

// cellSafe keeps a cell from being read as a formula by a spreadsheet.
func cellSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// File is an evidence file with its bytes.
type File struct {
	FileInfo
	Data []byte
}

// Disposition is the Content-Disposition to serve a file with: always an
// attachment, so that no browser renders it in the node's origin.
func (f File) Disposition() string {
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}); d != "" {
		return d
	}
	return "attachment"
}

// FileFor gives v file fileUUID of application appUUID when v may see the
// application (see View): its applicant and its reviewers only.
func FileFor(ctx context.Context, db DB, v Viewer, appUUID, fileUUID string) (File, error) {
	a, _, err := View(ctx, db, v, appUUID)
	if err != nil {
		return File{}, err
	}
	if !issuer.IsUUID(fileUUID) {
		return File{}, problem.NotFoundf("no file %q", fileUUID)
	}
	var f File
	err = db.QueryRow(ctx, `SELECT uuid::text, field, name, content_type, size, data FROM application_file
		WHERE application_id = $1 AND uuid = $2`, a.ID, fileUUID).Scan(&f.UUID, &f.Field, &f.Name, &f.ContentType, &f.Size, &f.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, problem.NotFoundf("no file %q in this application", fileUUID)
	}
	if err != nil {
		return File{}, fmt.Errorf("read file %s: %w", fileUUID, err)
	}
	return f, nil
}
