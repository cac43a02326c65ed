// Package chart draws the bar charts of reports as SVG on the server, for
// pages that need no JavaScript: the drawing scales to its container
// (a viewBox and width 100%), so it fits a phone; month labels are thinned
// out rather than drawn over each other; and it carries an accessible
// title and description, and a title on every bar with its number.
//
// The output is deterministic (the same chart gives the same bytes), so it
// can be tested and cached, and every text in it is escaped.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/laurelnet/laurel/report"
)

// Chart is one bar chart: a bar (or a stack, or a group) per label, a
// colour per series.
type Chart struct {
	ID    string // unique on the page: the ids of the title and description
	Title string
	Desc  string
	// Empty is the text drawn instead of bars when every value is zero.
	Empty string
	// Stacked piles the series of a label on one bar; otherwise they
	// stand side by side.
	Stacked bool
	// Legend draws the key of colours even for one series (whose name,
	// such as a badge's, the reader needs); two or more always have one.
	Legend bool
	Labels []string
	Series []report.Series
	// Format writes a number (a tick, a bar's title) in the reader's
	// locale; nil writes it as report.Number does.
	Format func(float64) string
}

// The drawing's size in its own units; it is scaled to the page's width.
const (
	width     = 360.0
	plotH     = 180.0
	top       = 10.0
	minRight  = 6.0
	labelBand = 20.0
	fontSize  = 12.0
	charW     = 7.4 // a generous estimate of a character's width at fontSize (DejaVu Sans digits are 0.64 em)
	legendRow = 16.0
	legendMax = 28 // characters of a series name in the legend
)

// palette is Okabe and Ito's, told apart by most colour-blind readers.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"}

// SVG draws the chart as an <svg> element to put inline in a page.
func (c Chart) SVG() template.HTML {
	format := c.Format
	if format == nil {
		format = report.Number
	}
	max := c.max()
	step := niceStep(max / 4)
	// At least 0..4, so that a few things do not fill the whole height.
	topValue := math.Max(step*math.Ceil(max/step), 4)
	var ticks []float64
	for v := 0.0; v <= topValue+step/2; v += step {
		ticks = append(ticks, v)
	}
	left := 8.0
	for _, v := range ticks {
		left = math.Max(left, textWidth(format(v))+10)
	}
	// The last label is centred under the last bar: leave room for its
	// right half.
	widest := 0.0
	for _, l := range c.Labels {
		widest = math.Max(widest, textWidth(l))
	}
	right := minRight
	if n := len(c.Labels); n > 0 {
		right = math.Max(minRight, widest/2-(width-left-minRight)/float64(n)/2+4)
	}
	plotW := width - left - right
	legend := c.legend(plotW, left)
	height := top + plotH + labelBand + legend.height + 4

	var b strings.Builder
	id := html.EscapeString(c.ID)
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-labelledby="%s-title %s-desc" font-size="%s" font-family="sans-serif">`,
		num(width), num(height), id, id, num(fontSize))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, html.EscapeString(c.Title), id, html.EscapeString(c.Desc))

	y := func(v float64) float64 { return top + plotH - v/topValue*plotH }
	// The grid and the ticks of the value axis.
	b.WriteString(`<g class="axis" fill="#444" stroke="#ccc">`)
	for _, v := range ticks {
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(left), num(y(v)), num(width-right), num(y(v)))
		fmt.Fprintf(&b, `<text x="%s" y="%s" stroke="none" text-anchor="end">%s</text>`, num(left-4), num(y(v)+4), html.EscapeString(format(v)))
	}
	b.WriteString(`</g>`)

	n := len(c.Labels)
	if max == 0 || n == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%s" y="%s" text-anchor="middle" fill="#444">%s</text>`,
			num(left+plotW/2), num(top+plotH/2), html.EscapeString(c.Empty))
	} else {
		c.bars(&b, left, plotW, y, format)
	}

	// The labels along the bottom: every step-th, counted back from the
	// last (the current month), so that none overlap.
	if n > 0 {
		slot := plotW / float64(n)
		every := int(math.Ceil((widest + 6) / slot))
		if every < 1 {
			every = 1
		}
		b.WriteString(`<g class="labels" fill="#222" text-anchor="middle">`)
		for i, l := range c.Labels {
			if (n-1-i)%every != 0 {
				continue
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text>`, num(left+slot*(float64(i)+0.5)), num(top+plotH+15), html.EscapeString(l))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(legend.svg(top + plotH + labelBand))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text above is escaped
}

// max is the highest bar: the highest sum of a label's values when
// stacked, else the highest value.
func (c Chart) max() float64 {
	max := 0.0
	for i := range c.Labels {
		sum := 0.0
		for _, s := range c.Series {
			v := value(s, i)
			sum += v
			max = math.Max(max, v)
		}
		if c.Stacked {
			max = math.Max(max, sum)
		}
	}
	return max
}

func (c Chart) bars(b *strings.Builder, left, plotW float64, y func(float64) float64, format func(float64) string) {
	slot := plotW / float64(len(c.Labels))
	for si, s := range c.Series {
		fmt.Fprintf(b, `<g class="series" fill="%s">`, palette[si%len(palette)])
		for i, label := range c.Labels {
			v := value(s, i)
			if v <= 0 {
				continue
			}
			var x, w, y0 float64
			if c.Stacked {
				w = slot * 0.7
				x = left + slot*float64(i) + (slot-w)/2
				below := 0.0
				for _, t := range c.Series[:si] {
					below += math.Max(value(t, i), 0)
				}
				y0 = y(below)
			} else {
				group := slot * 0.8
				w = group / float64(len(c.Series))
				x = left + slot*float64(i) + (slot-group)/2 + w*float64(si)
				y0 = y(0)
			}
			h := y(0) - y(v) // the bar's height: v on the scale
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
				num(x), num(y0-h), num(w), num(h), html.EscapeString(label+" – "+s.Name+": "+format(v)))
		}
		b.WriteString(`</g>`)
	}
}

func value(s report.Series, i int) float64 {
	if i < len(s.Values) {
		return s.Values[i]
	}
	return 0
}

// legend is the key of the series' colours, laid out in rows under the
// chart. A chart of one series needs none.
type legend struct {
	items  []legendItem
	height float64
}

type legendItem struct {
	x, row float64
	name   string
	full   string
	colour string
}

func (c Chart) legend(plotW, left float64) legend {
	if len(c.Series) == 0 || len(c.Series) == 1 && !c.Legend {
		return legend{}
	}
	var l legend
	x, row := left, 0.0
	for i, s := range c.Series {
		name := s.Name
		if utf8.RuneCountInString(name) > legendMax {
			name = string([]rune(name)[:legendMax-1]) + "…"
		}
		w := 14 + textWidth(name) + 12
		if x+w > left+plotW && x > left {
			x, row = left, row+1
		}
		l.items = append(l.items, legendItem{x: x, row: row, name: name, full: s.Name, colour: palette[i%len(palette)]})
		x += w
	}
	l.height = (row + 1) * legendRow
	return l
}

func (l legend) svg(y float64) string {
	if len(l.items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<g class="legend" fill="#222">`)
	for _, it := range l.items {
		ry := y + it.row*legendRow
		fmt.Fprintf(&b, `<g><title>%s</title><rect x="%s" y="%s" width="10" height="10" fill="%s"/><text x="%s" y="%s">%s</text></g>`,
			html.EscapeString(it.full), num(it.x), num(ry), it.colour, num(it.x+14), num(ry+9), html.EscapeString(it.name))
	}
	b.WriteString(`</g>`)
	return b.String()
}

// niceStep is the step of the value axis: 1, 2 or 5 times a power of ten,
// at least raw, and never less than 1 (the reports count whole things).
func niceStep(raw float64) float64 {
	if raw <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func textWidth(s string) float64 { return float64(utf8.RuneCountInString(s)) * charW }

// num writes a coordinate with at most two decimals, the same every time.
func num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}
