package applications

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The names of a submission's parts: "email", "name", "answers.KEY" for
// an answer and "files.KEY" for each file of a file field, so that a
// problem's field (application names answers.KEY and files.KEY) is the
// input's name.
const (
	answerPrefix = "answers."
	filePrefix   = "files."
)

// submission reads an application from a form (multipart, as the page
// sends it, or URL-encoded when it has no files) or, on the API, a JSON
// object {"email", "name", "answers": {KEY: text}}. The body is already
// parsed by kit.RefuseBadText and bounded by MaxUploadBytes.
func submission(r *http.Request, form application.Form) (application.Submission, error) {
	sub := application.Submission{Answers: map[string]string{}, Files: map[string][]application.Upload{}}
	if u, ok := kit.CurrentUser(r); ok {
		sub.UserID = u.ID
	}
	sub.Source, _ = kit.PeerAddress(r)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var in struct {
			Email   string            `json:"email"`
			Name    string            `json:"name"`
			Answers map[string]string `json:"answers"`
		}
		if err := kit.DecodeJSON(r, &in); err != nil {
			return sub, err
		}
		sub.Email, sub.Name = in.Email, in.Name
		for k, v := range in.Answers {
			sub.Answers[k] = v
		}
		return sub, nil
	}
	if ct != "multipart/form-data" && ct != "application/x-www-form-urlencoded" {
		return sub, problem.Invalidf("", "send the application as multipart/form-data (or JSON without files)")
	}
	values := r.PostForm
	if r.MultipartForm != nil {
		values = url.Values(r.MultipartForm.Value)
	}
	kinds := map[string]application.Kind{}
	for _, f := range form.Fields {
		kinds[f.Key] = f.Kind
	}
	for name, vs := range values {
		v := ""
		if len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		switch {
		case name == "email":
			sub.Email = v
		case name == "name":
			sub.Name = v
		case strings.HasPrefix(name, answerPrefix):
			key := strings.TrimPrefix(name, answerPrefix)
			// A checkbox's hidden "no" comes before its "yes": the last
			// value wins.
			sub.Answers[key] = v
		case strings.HasPrefix(name, filePrefix):
			// An empty file input sends an empty part without a file name.
			if strings.Join(vs, "") != "" {
				return sub, problem.Invalidf(name, "must be a file")
			}
		default:
			return sub, problem.Invalidf(name, "is not a field of this form")
		}
	}
	if r.MultipartForm == nil {
		return sub, nil
	}
	for name, headers := range r.MultipartForm.File {
		key, ok := strings.CutPrefix(name, filePrefix)
		if !ok {
			return sub, problem.Invalidf(name, "is not a file field of this form")
		}
		limit := int64(application.MaxFileBytes)
		for i, fh := range headers {
			if fh.Filename == "" && fh.Size == 0 {
				continue // a file input left empty
			}
			if kinds[key] != application.KindFile {
				// application names it; no need to read it.
				sub.Files[key] = append(sub.Files[key], application.Upload{Name: fh.Filename, Data: []byte{0}})
				continue
			}
			f, err := fh.Open()
			if err != nil {
				return sub, fmt.Errorf("open upload %s: %w", name, err)
			}
			// One byte over the largest file a field takes is enough for
			// application to say it is too large.
			data, err := io.ReadAll(io.LimitReader(f, limit+1))
			_ = f.Close()
			if err != nil {
				return sub, fmt.Errorf("read upload %s[%d]: %w", name, i, err)
			}
			sub.Files[key] = append(sub.Files[key], application.Upload{Name: fh.Filename, Data: data})
		}
	}
	return sub, nil
}

// templateInput reads the template editor's form: name, description and
// rows of fields named field-N-key, field-N-kind, field-N-label,
// field-N-help, field-N-required, and for files field-N-maxmib,
// field-N-maxfiles, field-N-types (repeated). A row without a label is
// left out, so the editor can offer empty rows to add fields without
// JavaScript; a row whose "remove" box is ticked is left out too.
func templateInput(r *http.Request) (application.TemplateInput, []fieldRow, error) {
	in := application.TemplateInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	var rows []fieldRow
	for i := 0; i < application.MaxFields+extraRows; i++ {
		p := "field-" + strconv.Itoa(i) + "-"
		if _, ok := r.PostForm[p+"kind"]; !ok {
			continue
		}
		row := fieldRow{Index: len(rows), Field: application.Field{
			Key: r.PostFormValue(p + "key"), Kind: application.Kind(r.PostFormValue(p + "kind")),
			Label: r.PostFormValue(p + "label"), Help: r.PostFormValue(p + "help"),
			Required: r.PostFormValue(p+"required") != "",
		}, Remove: r.PostFormValue(p+"remove") != ""}
		if row.Kind == application.KindFile {
			if s := strings.TrimSpace(r.PostFormValue(p + "maxmib")); s != "" {
				mib, err := strconv.ParseFloat(s, 64)
				if err != nil || mib <= 0 {
					return in, rows, problem.Invalidf(p+"maxmib", "must be a number of MiB, such as 5")
				}
				row.MaxBytes = int(mib * (1 << 20))
			}
			if s := strings.TrimSpace(r.PostFormValue(p + "maxfiles")); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil {
					return in, rows, problem.Invalidf(p+"maxfiles", "must be a whole number")
				}
				row.MaxFiles = n
			}
			row.Types = r.PostForm[p+"types"]
		}
		rows = append(rows, row)
	}
	for _, row := range rows {
		if strings.TrimSpace(row.Label) == "" || row.Remove {
			continue
		}
		in.Fields = append(in.Fields, row.Field)
	}
	return in, rows, nil
}

// fieldRow is one row of the template editor.
type fieldRow struct {
	application.Field
	Index  int
	Remove bool
}

// extraRows is how many empty rows the editor offers for new fields.
const extraRows = 3

// editorRows are the rows the editor shows for fields: each field, then
// empty rows.
func editorRows(fields []application.Field) []fieldRow {
	rows := make([]fieldRow, 0, len(fields)+extraRows)
	for _, f := range fields {
		rows = append(rows, fieldRow{Index: len(rows), Field: f})
	}
	for range extraRows {
		if len(rows) >= application.MaxFields {
			break
		}
		rows = append(rows, fieldRow{Index: len(rows), Field: application.Field{Kind: application.KindText}})
	}
	return rows
}

// rowField renames a problem about fields[i] of the template to the
// editor's input of that row: "fields[2].label" becomes "field-N-label"
// for the row N that field came from.
func rowField(err error, rows []fieldRow) error {
	p, ok := problem.As(err)
	if !ok || !strings.HasPrefix(p.Field, "fields[") {
		return err
	}
	var i int
	var rest string
	if _, scanErr := fmt.Sscanf(p.Field, "fields[%d]", &i); scanErr != nil {
		return err
	}
	rest = p.Field[strings.Index(p.Field, "]")+1:]
	kept := slices.DeleteFunc(slices.Clone(rows), func(r fieldRow) bool { return strings.TrimSpace(r.Label) == "" || r.Remove })
	if i < 0 || i >= len(kept) {
		return err
	}
	name := strings.TrimPrefix(rest, ".")
	if j := strings.IndexByte(name, '['); j >= 0 {
		name = name[:j]
	}
	if name == "maxBytes" {
		name = "maxmib"
	}
	name = strings.ToLower(name)
	q := *p
	q.Field = "field-" + strconv.Itoa(kept[i].Index) + "-" + name
	return &q
}

// formInput reads the form settings page: badge and template (when
// creating), title, description, opens and closes (dates, or dates and
// times, in UTC), listed, approvals, peer review.
func formInput(r *http.Request) (application.FormInput, error) {
	in := application.FormInput{
		BadgeUUID: r.PostFormValue("badge"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Listed: r.PostFormValue("listed") != "", PeerReview: r.PostFormValue("peer_review") != "",
	}
	if s := r.PostFormValue("template"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return in, problem.Invalidf("template", "choose a form template")
		}
		in.TemplateID = id
	}
	if s := strings.TrimSpace(r.PostFormValue("approvals")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, problem.Invalidf("approvals", "must be a whole number from 1 to 10")
		}
		in.Approvals = n
	}
	var err error
	if in.OpensAt, err = formTime(r, "opens_at"); err != nil {
		return in, err
	}
	if in.ClosesAt, err = formTime(r, "closes_at"); err != nil {
		return in, err
	}
	return in, nil
}

// formTime reads a datetime-local (or date) input as UTC.
func formTime(r *http.Request, name string) (*time.Time, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return nil, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return &t, nil
		}
	}
	return nil, problem.Invalidf(name, "must be a date and time, such as 2027-01-31T12:00")
}

// filter reads the applications list's query: form, badge, state, from
// and to (dates; to includes its day), limit and offset.
func filter(q url.Values) (application.Filter, error) {
	f := application.Filter{FormUUID: q.Get("form"), BadgeUUID: q.Get("badge"), State: application.State(q.Get("state"))}
	for _, p := range []struct {
		name string
		dst  **time.Time
		next bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		s := strings.TrimSpace(q.Get(p.name))
		if s == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, s); err != nil {
				return f, problem.Invalidf(p.name, "must be a date (2027-01-31) or an RFC 3339 time")
			}
		} else if p.next {
			t = t.AddDate(0, 0, 1)
		}
		*p.dst = &t
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"limit", &f.Limit}, {"offset", &f.Offset}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return f, problem.Invalidf(p.name, "must be a whole number")
			}
			*p.dst = n
		}
	}
	return f, nil
}

// MiB is the row's largest file in MiB, for the editor ("" for none).
func (r fieldRow) MiB() string {
	if r.MaxBytes == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(r.MaxBytes)/(1<<20), 'f', -1, 64)
}
