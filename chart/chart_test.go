package chart

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/report"
)

// parse checks that svg is well-formed XML and returns its elements, in
// order, with their attributes and text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

func parse(t *testing.T, svg string) []element {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			e := element{name: v.Name.Local, attrs: map[string]string{}}
			for _, a := range v.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		case xml.CharData:
			if len(out) > 0 {
				out[len(out)-1].text += string(v)
			}
		}
	}
}

func named(es []element, name string) []element {
	var out []element
	for _, e := range es {
		if e.name == name {
			out = append(out, e)
		}
	}
	return out
}

func months(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2026-%02d", i%12+1)
	}
	return out
}

func TestSameChartSameBytes(t *testing.T) {
	c := Chart{ID: "issued", Title: "Issued", Labels: months(12), Stacked: true,
		Series: []report.Series{{Name: "A", Values: []float64{1, 2, 3}}, {Name: "B", Values: []float64{0, 4}}}}
	if a, b := c.SVG(), c.SVG(); a != b {
		t.Fatal("two drawings of one chart differ")
	}
}

func TestLabelsAreEscaped(t *testing.T) {
	evil := `<script>alert("x")</script> & co`
	c := Chart{ID: `id"x`, Title: evil, Desc: evil, Labels: []string{"b", evil},
		Series: []report.Series{{Name: evil, Values: []float64{1, 2}}, {Name: "other", Values: []float64{1, 1}}}}
	svg := string(c.SVG())
	if strings.Contains(svg, "<script") || strings.Contains(svg, `id"x`) {
		t.Fatalf("unescaped text in\n%s", svg)
	}
	es := parse(t, svg)
	if got := named(es, "title")[0].text; got != evil {
		t.Errorf("title = %q, want the text as given", got)
	}
	found := false
	for _, e := range named(es, "text") {
		found = found || e.text == evil
	}
	if !found {
		t.Error("the label is not drawn as text")
	}
}

func TestEmptyData(t *testing.T) {
	for _, c := range []Chart{
		{ID: "e", Title: "Nothing", Empty: "No badges issued yet", Labels: months(12), Series: []report.Series{{Name: "A", Values: make([]float64, 12)}}},
		{ID: "e", Title: "Nothing", Empty: "No badges issued yet"},
	} {
		es := parse(t, string(c.SVG()))
		if n := len(named(es, "rect")); n != 0 {
			t.Errorf("%d bars drawn for no data", n)
		}
		found := false
		for _, e := range named(es, "text") {
			found = found || (e.text == "No badges issued yet" && e.attrs["class"] == "empty")
		}
		if !found {
			t.Errorf("the empty text is not drawn")
		}
	}
}

func TestOneValue(t *testing.T) {
	c := Chart{ID: "one", Title: "One", Labels: []string{"FI"}, Series: []report.Series{{Name: "Partners", Values: []float64{1}}},
		Format: func(v float64) string { return "n" + report.Number(v) }}
	es := parse(t, string(c.SVG()))
	bars := named(es, "rect")
	if len(bars) != 1 {
		t.Fatalf("%d bars, want 1", len(bars))
	}
	if got := named(es, "title")[1].text; got != "FI – Partners: n1" {
		t.Errorf("bar title = %q", got)
	}
	// A single 1 still gets a whole-number axis: 0..4 in steps of 1, and
	// the bar reaches a quarter of it.
	h, _ := strconv.ParseFloat(bars[0].attrs["height"], 64)
	if h != plotH/4 {
		t.Errorf("bar height = %v, want %v", h, plotH/4)
	}
	if len(named(es, "g")) == 0 || strings.Contains(string(c.SVG()), `class="legend"`) {
		t.Error("a chart of one series has a legend")
	}
	c.Legend = true
	if !strings.Contains(string(c.SVG()), `<text x="`) || !strings.Contains(string(c.SVG()), `class="legend"`) {
		t.Error("a chart of one series asked for a legend has none")
	}
}

func TestStackedBarsPile(t *testing.T) {
	c := Chart{ID: "s", Labels: []string{"a"}, Stacked: true,
		Series: []report.Series{{Name: "x", Values: []float64{2}}, {Name: "y", Values: []float64{2}}}}
	bars := named(parse(t, string(c.SVG())), "rect")
	// Two data bars and two legend swatches.
	if len(bars) != 4 {
		t.Fatalf("%d rects", len(bars))
	}
	y0, _ := strconv.ParseFloat(bars[0].attrs["y"], 64)
	h1, _ := strconv.ParseFloat(bars[1].attrs["height"], 64)
	y1, _ := strconv.ParseFloat(bars[1].attrs["y"], 64)
	if y1+h1 != y0 || bars[0].attrs["x"] != bars[1].attrs["x"] {
		t.Errorf("the second bar does not sit on the first: %v %v", bars[0].attrs, bars[1].attrs)
	}
}

// Many months: the labels drawn do not overlap, and the drawing keeps
// its viewBox (it scales to a phone's width).
func TestManyMonthsLabelsDoNotCollide(t *testing.T) {
	for _, n := range []int{1, 6, 12, 24, 60} {
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = float64(i % 7)
		}
		c := Chart{ID: "m", Labels: months(n), Series: []report.Series{{Name: "A", Values: vals}, {Name: "B", Values: vals}}}
		svg := string(c.SVG())
		if !regexp.MustCompile(`^<svg [^>]*viewBox="0 0 360 [0-9.]+" width="100%"`).MatchString(svg) {
			t.Fatalf("n=%d: no scalable viewBox: %.120s", n, svg)
		}
		es := parse(t, svg)
		var xs []float64
		for _, e := range es {
			if e.name == "text" && regexp.MustCompile(`^2026-`).MatchString(e.text) {
				x, _ := strconv.ParseFloat(e.attrs["x"], 64)
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 {
			t.Fatalf("n=%d: no month label", n)
		}
		w := textWidth("2026-01")
		for i := 1; i < len(xs); i++ {
			if xs[i]-xs[i-1] < w {
				t.Errorf("n=%d: labels %d and %d overlap (%v apart, %v wide)", n, i-1, i, xs[i]-xs[i-1], w)
			}
		}
		if xs[len(xs)-1]+w/2 > width {
			t.Errorf("n=%d: the last label runs off the drawing", n)
		}
		// The last month (the current one) is always labelled.
		last := fmt.Sprintf("2026-%02d", (n-1)%12+1)
		if !slices.ContainsFunc(named(es, "text"), func(e element) bool { return e.text == last }) {
			t.Errorf("n=%d: the last month %s has no label", n, last)
		}
	}
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ raw, want float64 }{{0, 1}, {0.3, 1}, {1, 1}, {1.5, 2}, {3, 5}, {7, 10}, {12, 20}, {250, 500}} {
		if got := niceStep(c.raw); got != c.want {
			t.Errorf("niceStep(%v) = %v, want %v", c.raw, got, c.want)
		}
	}
}
