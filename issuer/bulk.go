package issuer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/mailtemplate"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// MaxBulkRows bounds the rows of one bulk-issuing CSV file.
const MaxBulkRows = 1000

// BulkColumns are the columns a bulk-issuing CSV file may have, in its
// header row; only recipient is required.
var BulkColumns = []string{"recipient", "type", "name", "evidence", "evidence_narrative", "narrative", "issued_on", "expires", "language"}

// RowReport says what became of one row of a bulk-issuing file. Row counts
// lines as a spreadsheet does: the header is row 1.
type RowReport struct {
	Row           int    `json:"row"`
	OK            bool   `json:"ok"`
	Field         string `json:"field,omitempty"`
	Message       string `json:"message,omitempty"`
	AssertionUUID string `json:"assertion,omitempty"`
	ID            string `json:"id,omitempty"` // the hosted id of the issued assertion
	// Credential is the URL of its Open Badges 3.0 credential, if issued.
	Credential string `json:"credential,omitempty"`
}

// ParseBulkCSV reads a bulk-issuing file: a header row naming columns from
// BulkColumns, then one recipient per row. Type is email, url or actor, and
// is guessed from the recipient when empty. Every row is checked; the
// report has one entry per row, and the inputs are only usable when all
// rows are OK. A file that cannot be read as CSV at all is an error.
func ParseBulkCSV(r io.Reader) ([]AssertionInput, []RowReport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // rows of the wrong width are reported per row
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, problem.Invalidf("file", "is empty; the first row must name the columns, e.g. recipient,name")
	}
	if err != nil {
		return nil, nil, problem.Invalidf("file", "is not a CSV file: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if h == "email" {
			h = "recipient"
		}
		if !slices.Contains(BulkColumns, h) {
			return nil, nil, problem.Invalidf("file", "unknown column %q in the header row; the columns are %s", h, strings.Join(BulkColumns, ", "))
		}
		if _, dup := col[h]; dup {
			return nil, nil, problem.Invalidf("file", "column %q appears twice", h)
		}
		col[h] = i
	}
	if _, ok := col["recipient"]; !ok {
		return nil, nil, problem.Invalidf("file", "the header row must have a recipient (or email) column")
	}
	var inputs []AssertionInput
	var report []RowReport
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if len(inputs) >= MaxBulkRows {
			return nil, nil, problem.Invalidf("file", "has more than %d rows; split it", MaxBulkRows)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err != nil {
				err = pe.Err
			}
			report = append(report, RowReport{Row: row, Message: "not readable as CSV: " + err.Error()})
			inputs = append(inputs, AssertionInput{})
			continue
		}
		in, field, msg := bulkRow(rec, col)
		report = append(report, RowReport{Row: row, OK: msg == "", Field: field, Message: msg})
		inputs = append(inputs, in)
	}
	if len(inputs) == 0 {
		return nil, nil, problem.Invalidf("file", "has a header row but no recipients")
	}
	return inputs, report, nil
}

// bulkRow reads one row; a problem comes back as the field and message.
func bulkRow(rec []string, col map[string]int) (AssertionInput, string, string) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var in AssertionInput
	in.Recipient = Recipient{Kind: get("type"), Identity: get("recipient"), Name: get("name")}
	if in.Recipient.Identity == "" {
		return in, "recipient", "is empty"
	}
	if in.Recipient.Kind == "" {
		in.Recipient.Kind = guessKind(in.Recipient.Identity)
	}
	if e, n := get("evidence"), get("evidence_narrative"); e != "" || n != "" {
		in.Evidence = []vocab.Evidence{{ID: e, Narrative: n}}
	}
	in.Narrative = get("narrative")
	// The claim email's language; checked here so that the row says so.
	lang, err := mailtemplate.Language("language", get("language"))
	if err != nil {
		p, _ := problem.As(err)
		return in, "language", p.Message
	}
	in.Language = lang
	for _, d := range []struct {
		name     string
		dst      **time.Time
		endOfDay bool
	}{{"issued_on", &in.IssuedOn, false}, {"expires", &in.Expires, true}} {
		if v := get(d.name); v != "" {
			t, err := parseDate(v, d.endOfDay)
			if err != nil {
				return in, d.name, err.Error()
			}
			*d.dst = &t
		}
	}
	return in, "", ""
}

// guessKind tells an email address from a URL; acct: handles and actor
// URLs must be marked with type actor.
func guessKind(identity string) string {
	if strings.Contains(identity, "://") {
		return RecipientURL
	}
	return RecipientEmail
}

// parseDate accepts a date (2026-12-31: the start of that day in UTC, or
// its end when endOfDay is set, as an expiry date means) or an RFC 3339
// time.
func parseDate(s string, endOfDay bool) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if endOfDay {
			t = t.Add(24*time.Hour - time.Second)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2026-12-31 or 2026-12-31T12:00:00Z", s)
}

// IssueBulk issues badge b to the rows of a bulk file read by ParseBulkCSV,
// all or none: every row is checked first and the report says, row by row,
// what was wrong or which assertion was issued. It returns whether the
// badges were issued. by must be allowed account.IssueBadges.
func IssueBulk(ctx context.Context, db DB, by account.Actor, n Hooks, u URLs, o Organisation, b BadgeClass, inputs []AssertionInput, report []RowReport) (bool, error) {
	if err := by.Authorize(ctx, db, o.ID, account.IssueBadges); err != nil {
		return false, err
	}
	now := time.Now()
	ok := true
	for i := range inputs {
		if !report[i].OK {
			ok = false
			continue
		}
		if err := inputs[i].validate(b, now, u); err != nil {
			p, isProblem := problem.As(err)
			if !isProblem {
				return false, err
			}
			report[i].OK, report[i].Field, report[i].Message = false, p.Field, p.Message
			ok = false
		}
	}
	if !ok {
		return false, nil
	}
	issued, err := Issue(ctx, db, by, n, u, o, b, inputs)
	if err != nil {
		return false, err
	}
	for i, a := range issued {
		report[i].AssertionUUID, report[i].ID = a.UUID, a.PublicID(u)
		if a.HasCredential {
			report[i].Credential = u.Credential(a.UUID)
		}
	}
	return true, nil
}
