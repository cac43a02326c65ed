// Package report holds what the figures of an organisation's reports and
// dashboard share across the domain packages that count them: the window
// of months a series covers, the table one report is (the same numbers
// drawn as a chart, written as CSV and served as JSON), the CSV writer, and
// the activity events a dashboard lists. It has no SQL of its own: each
// domain package counts its own tables into these shapes.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Window is a run of whole calendar months in UTC, oldest first.
type Window struct {
	First time.Time // the first instant of the oldest month, UTC
	N     int       // the number of months
}

// LastMonths is the window of the n months up to and including the month
// of now.
func LastMonths(now time.Time, n int) Window {
	now = now.UTC()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return Window{First: this.AddDate(0, 1-n, 0), N: n}
}

// End is the first instant after the window.
func (w Window) End() time.Time { return w.First.AddDate(0, w.N, 0) }

// Index is the position in the window of the month t falls in, or -1 when
// t is outside it.
func (w Window) Index(t time.Time) int {
	t = t.UTC()
	if t.Before(w.First) || !t.Before(w.End()) {
		return -1
	}
	return (t.Year()-w.First.Year())*12 + int(t.Month()) - int(w.First.Month())
}

// Labels name the months as YYYY-MM, which reads the same in every
// language the interface has.
func (w Window) Labels() []string {
	out := make([]string, w.N)
	for i := range out {
		out[i] = w.First.AddDate(0, i, 0).Format("2006-01")
	}
	return out
}

// Series is one named row of numbers of a table, one value per label.
type Series struct {
	Key    string    `json:"key"`  // stable across languages: a badge's uuid, or a word such as claimed
	Name   string    `json:"name"` // in the reader's language, or a badge's own name
	Values []float64 `json:"values"`
}

// Table is one report's numbers: a value of each series for each label
// (a month, a country).
type Table struct {
	Name   string   `json:"report"`
	Label  string   `json:"label"` // what the labels are: month or country
	Labels []string `json:"labels"`
	Series []Series `json:"series"`
}

// Empty reports whether the table has no value other than zero.
func (t Table) Empty() bool {
	for _, s := range t.Series {
		for _, v := range s.Values {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

// Number writes v as CSV and JSON readers expect: an integer without a
// fraction, else with as few digits as it needs.
func Number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Ints turns counts into a series' values.
func Ints(counts []int) []float64 {
	out := make([]float64, len(counts))
	for i, c := range counts {
		out[i] = float64(c)
	}
	return out
}

// WriteCSV writes t as CSV: a header of the label column and one column
// per series, then a row per label. Every text cell is made formula-safe.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	header := []string{SafeCell(t.Label)}
	for _, s := range t.Series {
		header = append(header, SafeCell(s.Name))
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write the %s report: %w", t.Name, err)
	}
	for i, l := range t.Labels {
		row := []string{SafeCell(l)}
		for _, s := range t.Series {
			v := 0.0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			row = append(row, Number(v))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write the %s report: %w", t.Name, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the %s report: %w", t.Name, err)
	}
	return nil
}

// SafeCell keeps a spreadsheet from reading a text cell as a formula: a
// cell that starts with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe (OWASP's advice for CSV injection). Badge and
// organisation names are chosen by others, so every text cell goes
// through here; numbers are written by Number and need not.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Event is one thing that happened to an organisation, for the recent
// activity of its dashboard.
type Event struct {
	Kind string    // issued, claimed, endorsed, request, share, post
	At   time.Time // when
	Name string    // what or who: the badge, the endorser, the requester
	Ref  string    // what it is about, for a link: a badge class's uuid, or ""
}
