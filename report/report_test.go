package report

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	w := LastMonths(time.Date(2026, 2, 14, 23, 30, 0, 0, time.FixedZone("EET", 2*3600)), 3)
	if got, want := w.Labels(), []string{"2025-12", "2026-01", "2026-02"}; !slices.Equal(got, want) {
		t.Fatalf("labels = %v, want %v", got, want)
	}
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2025, 11, 30, 23, 59, 59, 0, time.UTC), -1},
		{time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC), 1},
		{time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC), 2},
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), -1},
		// 1 March 01:00 in Helsinki is still February in UTC.
		{time.Date(2026, 3, 1, 1, 0, 0, 0, time.FixedZone("EET", 2*3600)), 2},
	} {
		if got := w.Index(c.at); got != c.want {
			t.Errorf("Index(%v) = %d, want %d", c.at, got, c.want)
		}
	}
}

func TestWriteCSVIsFormulaSafe(t *testing.T) {
	var b bytes.Buffer
	err := WriteCSV(&b, Table{Name: "issued", Label: "month", Labels: []string{"2026-01", "2026-02"},
		Series: []Series{{Name: "=HYPERLINK(\"http://evil\")", Values: []float64{1, 2}}, {Name: "Plain, with comma", Values: []float64{0.5}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "month,\"'=HYPERLINK(\"\"http://evil\"\")\",\"Plain, with comma\"\n2026-01,1,0.5\n2026-02,2,0\n"
	if b.String() != want {
		t.Fatalf("csv =\n%s\nwant\n%s", b.String(), want)
	}
	for _, c := range []struct{ in, want string }{{"+1", "'+1"}, {"-1", "'-1"}, {"@x", "'@x"}, {"\tx", "'\tx"}, {"a=b", "a=b"}, {"", ""}} {
		if got := SafeCell(c.in); got != c.want {
			t.Errorf("SafeCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTableEmpty(t *testing.T) {
	if !(Table{}).Empty() || !(Table{Series: []Series{{Values: []float64{0, 0}}}}).Empty() {
		t.Error("a table of zeros is not empty")
	}
	if (Table{Series: []Series{{Values: []float64{0, 1}}}}).Empty() {
		t.Error("a table with a one is empty")
	}
}
