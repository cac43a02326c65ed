package designer

import (
	"fmt"
	"math"

	"github.com/tdewolff/canvas"

	"github.com/laurelnet/laurel/problem"
)

// margin is the space kept free around the border's outer edge.
const margin = 8

// shape is a design's outline (the border is stroked on it, so it lies
// half a border inside the image's edge plus margin), what is drawn
// behind it, and where its content is centred.
type shape struct {
	outline *canvas.Path
	behind  []*canvas.Path // e.g. a ribbon's tails
	// content is the part of the outline that holds the icon and text,
	// and its vertical centre.
	content  *canvas.Path
	centre   float64
	top, bot float64 // the band content may use
}

// makeShape lays out shape name for a border of width bw.
func makeShape(name string, bw float64) shape {
	in := margin + bw/2 // from the image's edge to the outline
	c := float64(Size) / 2
	switch name {
	case ShapeShield:
		l, r, t, b := in+24, Size-in-24, in+8, Size-in
		mid := 0.5 * float64(Size)
		p := &canvas.Path{}
		p.MoveTo(l, t)
		p.LineTo(r, t)
		p.LineTo(r, mid)
		p.CubeTo(r, mid+120, c+90, b-40, c, b)
		p.CubeTo(c-90, b-40, l, mid+120, l, mid)
		p.Close()
		return shape{outline: p, content: p, centre: 0.45 * Size, top: t + bw/2 + 24, bot: b - 90}
	case ShapeHexagon:
		// A vertex up: canvas draws it with y up, and the hexagon is
		// symmetric, so it serves for y down as well.
		p := canvas.RegularPolygon(6, c-in, true).Translate(c, c)
		return shape{outline: p, content: p, centre: c, top: in + bw/2 + 50, bot: Size - in - bw/2 - 50}
	case ShapeRibbon:
		r := 0.37*Size - bw/2
		cy := in + 4 + r
		medal := canvas.Circle(r).Translate(c, cy)
		left := &canvas.Path{}
		left.MoveTo(c-0.22*Size, cy+0.1*Size)
		left.LineTo(c+0.02*Size, cy+0.2*Size)
		left.LineTo(c-0.1*Size, Size-in)
		left.LineTo(c-0.17*Size, Size-in-0.07*Size)
		left.LineTo(c-0.26*Size, Size-in-0.03*Size)
		left.Close()
		right := left.Copy().Transform(canvas.Identity.ReflectXAbout(c))
		return shape{outline: medal, behind: []*canvas.Path{left, right}, content: medal, centre: cy,
			top: cy - r + bw/2 + 16, bot: cy + r - bw/2 - 16}
	default:
		r := c - in
		p := canvas.Circle(r).Translate(c, c)
		return shape{outline: p, content: p, centre: c, top: c - r + bw/2 + 20, bot: c + r - bw/2 - 20}
	}
}

// halfWidth is how far from the centre line, at height y, content may
// reach inside the border: the outline's half chord less the border and
// a margin (three quarters of the border: the half inside the outline,
// and more where the edge slants), found by bisection (the shapes are convex).
func (s shape) halfWidth(y, bw float64) float64 {
	c := float64(Size) / 2
	if !s.content.Contains(c, y, canvas.NonZero) {
		return 0
	}
	lo, hi := 0.0, c
	for range 40 {
		mid := (lo + hi) / 2
		if s.content.Contains(c+mid, y, canvas.NonZero) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Max(0, lo-0.75*bw-10)
}

// Type sizes: the first line bold, the others regular; in image units.
const (
	firstLineSize = 54.0
	otherLineSize = 34.0
	minLineSize   = 12.0
	lineSpacing   = 1.25
	iconWithText  = 150.0
	iconAlone     = 240.0
	iconGap       = 14.0
)

// scene lays a checked design out.
func (g *Designer) scene(d Design) (scene, error) {
	bw := float64(d.BorderWidth)
	sh := makeShape(d.Shape, bw)
	var s scene
	border := ""
	if bw > 0 {
		border = d.Border
	}
	for _, p := range sh.behind {
		s = append(s, element{path: p, fill: d.Fill, stroke: border, strokeWidth: bw})
	}
	s = append(s, element{path: sh.outline, fill: d.Fill, stroke: border, strokeWidth: bw})

	// The stack: the icon above the lines, centred as a whole, shrunk
	// when it is taller than the band.
	iconSize := 0.0
	if d.Icon != "" {
		iconSize = iconAlone
		if len(d.Lines) > 0 {
			iconSize = iconWithText
		}
	}
	sizes := make([]float64, len(d.Lines))
	height := iconSize
	for i := range d.Lines {
		sizes[i] = otherLineSize
		if i == 0 {
			sizes[i] = firstLineSize
		}
		height += sizes[i] * lineSpacing
	}
	if iconSize > 0 && len(d.Lines) > 0 {
		height += iconGap
	}
	// A stack that does not fit is tried again smaller, nearer the
	// centre, where the shapes are wider.
	fit := 1.0
	if band := sh.bot - sh.top; height > band {
		fit = band / height
	}
	var err error
	for try := 0; try < 8; try++ {
		var content scene
		if content, err = g.stack(d, sh, bw, iconSize, sizes, height, fit*(1-0.07*float64(try))); err == nil {
			return append(s, content...), nil
		}
	}
	return nil, err
}

// stack places the icon and lines of d, scaled by scale, centred in sh.
func (g *Designer) stack(d Design, sh shape, bw, iconSize float64, sizes []float64, height, scale float64) (scene, error) {
	var s scene
	top := math.Max(sh.top, sh.centre-height*scale/2)
	if top+height*scale > sh.bot {
		top = sh.bot - height*scale
	}
	y := top
	if iconSize > 0 {
		size := iconSize * scale
		s = append(s, g.iconElements(d.Icon, d.IconColor, float64(Size)/2-size/2, y, size)...)
		y += size
		if len(d.Lines) > 0 {
			y += iconGap * scale
		}
	}
	for i, line := range d.Lines {
		size := sizes[i] * scale
		lineHeight := size * lineSpacing
		font := g.regular
		if i == 0 {
			font = g.bold
		}
		avail := 2 * math.Min(sh.halfWidth(y, bw), sh.halfWidth(y+lineHeight, bw))
		p, err := textPath(font, line, size, avail, y, lineHeight)
		if err != nil {
			return nil, problem.Invalidf(fmt.Sprintf("lines[%d]", i), "%v", err)
		}
		s = append(s, element{path: p, fill: d.TextColor})
		y += lineHeight
	}
	return s, nil
}

// textPath is line set in font at size (shrunk to fit width avail),
// centred on the image's centre line, in a line box from top of height
// lineHeight: glyph outlines, so that no font is needed to show it.
func textPath(font *canvas.Font, line string, size, avail, top, lineHeight float64) (*canvas.Path, error) {
	face := font.Face(size/mmPerPt, canvas.Black)
	if w := face.TextWidth(line); w > avail {
		size *= avail / w
		if size < minLineSize {
			return nil, fmt.Errorf("is too long to fit on this shape; shorten it")
		}
		face = font.Face(size/mmPerPt, canvas.Black)
	}
	p, width, err := face.ToPath(line)
	if err != nil {
		return nil, fmt.Errorf("cannot be drawn: %w", err)
	}
	m := face.Metrics()
	baseline := top + lineHeight/2 + m.CapHeight/2
	// Glyphs have y up; the scene has y down.
	return p.Transform(canvas.Identity.Translate(float64(Size)/2-width/2, baseline).ReflectY()), nil
}

// mmPerPt converts a size in image units (which the rasterizer takes as
// millimetres) to the points canvas sizes fonts in.
const mmPerPt = 25.4 / 72

// iconElements places icon name in a box of size at (x, y), stroked (and
// for some parts filled) in colour.
func (g *Designer) iconElements(name, colour string, x, y, size float64) []element {
	k := size / 24
	m := canvas.Identity.Translate(x, y).Scale(k, k)
	var out []element
	for _, part := range g.icons[name] {
		e := element{path: part.path.Copy().Transform(m), stroke: colour, strokeWidth: 2 * k, round: true}
		if part.filled {
			e.fill = colour
		}
		out = append(out, e)
	}
	return out
}
