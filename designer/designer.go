// Package designer draws badge images from a few parameters: a shape
// (circle, shield, hexagon, ribbon), fill and border colours, a border
// width, up to three lines of text and an icon from a small bundled set
// (Lucide, ISC licence, in icons/). It knows nothing of organisations or
// storage: package imagelib keeps designs with their parameters.
//
// A design becomes one scene of filled and stroked paths: text is turned
// into glyph outlines (Go Bold and Go Regular, BSD licence, from
// golang.org/x/image/font/gofont), so the SVG needs no font and the PNG,
// rasterised from the same paths with github.com/tdewolff/canvas, shows
// the same thing. The SVG is written as Laurel's own SVG check writes
// SVG, so that issuer.CheckImage accepts it unchanged.
package designer

import (
	"bytes"
	"embed"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/rasterizer"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/laurelnet/laurel/problem"
)

// The shapes a design can take.
const (
	ShapeCircle  = "circle"
	ShapeShield  = "shield"
	ShapeHexagon = "hexagon"
	ShapeRibbon  = "ribbon"
)

// Shapes lists the shapes, in the order a form offers them.
var Shapes = []string{ShapeCircle, ShapeShield, ShapeHexagon, ShapeRibbon}

// Limits on a design.
const (
	MaxLines       = 3  // lines of text
	MaxLineRunes   = 40 // characters on one line
	MaxBorderWidth = 32 // in units of the 512-unit image
	// Size is the width and height of the image: the SVG's viewBox and
	// the PNG's pixels.
	Size = 512
)

// Design is what a badge image is drawn from. Colours are #rrggbb.
type Design struct {
	Shape       string   `json:"shape"`
	Fill        string   `json:"fill"`
	Border      string   `json:"border"`
	BorderWidth int      `json:"border_width"`
	TextColor   string   `json:"text_color"`
	Lines       []string `json:"lines,omitempty"` // the first in bold, e.g. the badge's name, then the issuer
	Icon        string   `json:"icon,omitempty"`  // a name from Icons; empty for none
	IconColor   string   `json:"icon_color,omitempty"`
}

// Default is the design a new one starts from.
func Default() Design {
	return Design{Shape: ShapeCircle, Fill: "#1d4ed8", Border: "#f59e0b", BorderWidth: 16, TextColor: "#ffffff",
		Icon: "award", IconColor: "#ffffff"}
}

// Image is a design drawn.
type Image struct {
	SVG []byte
	PNG []byte
}

// Designer draws designs. Make one with New and share it: it holds the
// parsed fonts and icons, and is safe for concurrent use.
type Designer struct {
	bold, regular *canvas.Font
	icons         map[string]icon
	names         []string
}

//go:embed icons/*.svg
var iconFiles embed.FS

// New parses the bundled fonts and icons.
func New() (*Designer, error) {
	bold, err := canvas.LoadFont(gobold.TTF, 0, canvas.FontBold)
	if err != nil {
		return nil, fmt.Errorf("load Go Bold: %w", err)
	}
	regular, err := canvas.LoadFont(goregular.TTF, 0, canvas.FontRegular)
	if err != nil {
		return nil, fmt.Errorf("load Go Regular: %w", err)
	}
	g := &Designer{bold: bold, regular: regular, icons: map[string]icon{}}
	files, err := iconFiles.ReadDir("icons")
	if err != nil {
		return nil, fmt.Errorf("list icons: %w", err)
	}
	for _, f := range files {
		b, err := iconFiles.ReadFile("icons/" + f.Name())
		if err != nil {
			return nil, fmt.Errorf("read icon %s: %w", f.Name(), err)
		}
		name := strings.TrimSuffix(f.Name(), path.Ext(f.Name()))
		ic, err := parseIcon(b)
		if err != nil {
			return nil, fmt.Errorf("parse icon %s: %w", f.Name(), err)
		}
		g.icons[name] = ic
		g.names = append(g.names, name)
	}
	slices.Sort(g.names)
	return g, nil
}

// Icons lists the names of the bundled icons, sorted.
func (g *Designer) Icons() []string { return slices.Clone(g.names) }

// Check normalises d (colours in lower case, lines trimmed, empty lines
// left out) and reports the first field that breaks a rule, by its JSON
// name (lines[1], border_width, ...).
func (g *Designer) Check(d Design) (Design, error) {
	d.Shape = strings.TrimSpace(d.Shape)
	if !slices.Contains(Shapes, d.Shape) {
		return d, problem.Invalidf("shape", "must be one of %s", strings.Join(Shapes, ", "))
	}
	d.IconColor = strings.TrimSpace(d.IconColor)
	if d.IconColor == "" {
		d.IconColor = d.TextColor
	}
	for _, c := range []struct {
		field string
		value *string
	}{{"fill", &d.Fill}, {"border", &d.Border}, {"text_color", &d.TextColor}, {"icon_color", &d.IconColor}} {
		v := strings.ToLower(strings.TrimSpace(*c.value))
		if !isHexColour(v) {
			return d, problem.Invalidf(c.field, "must be a colour written #rrggbb, such as #1d4ed8")
		}
		*c.value = v
	}
	if d.BorderWidth < 0 || d.BorderWidth > MaxBorderWidth {
		return d, problem.Invalidf("border_width", "must be a whole number from 0 to %d", MaxBorderWidth)
	}
	d.Icon = strings.TrimSpace(d.Icon)
	if _, ok := g.icons[d.Icon]; d.Icon != "" && !ok {
		return d, problem.Invalidf("icon", "must be one of the bundled icons (%s), or empty", strings.Join(g.names, ", "))
	}
	if len(d.Lines) > MaxLines {
		return d, problem.Invalidf("lines", "at most %d lines", MaxLines)
	}
	lines := make([]string, 0, len(d.Lines))
	for i, l := range d.Lines {
		field := fmt.Sprintf("lines[%d]", i)
		l = strings.TrimSpace(l)
		switch {
		case !utf8.ValidString(l):
			return d, problem.Invalidf(field, "is not valid UTF-8")
		case utf8.RuneCountInString(l) > MaxLineRunes:
			return d, problem.Invalidf(field, "must be at most %d characters", MaxLineRunes)
		case strings.ContainsFunc(l, unicode.IsControl):
			return d, problem.Invalidf(field, "must be one line, without control characters")
		}
		font := g.regular
		if len(lines) == 0 {
			font = g.bold
		}
		for _, r := range l {
			if r != ' ' && font.GlyphIndex(r) == 0 {
				return d, problem.Invalidf(field, "has %q, which the designer's font cannot draw", r)
			}
		}
		if l != "" {
			lines = append(lines, l)
		}
	}
	d.Lines = lines
	if d.Icon == "" && len(d.Lines) == 0 {
		return d, problem.Invalidf("lines", "a design needs an icon or a line of text")
	}
	return d, nil
}

func isHexColour(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Render checks d and draws it as an SVG and a PNG of Size × Size. The
// same design always gives the same bytes.
func (g *Designer) Render(d Design) (Design, Image, error) {
	d, err := g.Check(d)
	if err != nil {
		return d, Image{}, err
	}
	s, err := g.scene(d)
	if err != nil {
		return d, Image{}, err
	}
	pngData, err := s.png()
	if err != nil {
		return d, Image{}, err
	}
	return d, Image{SVG: s.svg(strings.Join(d.Lines, " – ")), PNG: pngData}, nil
}

// element is one path of a scene, in SVG coordinates (y down).
type element struct {
	path        *canvas.Path
	fill        string // #rrggbb or "" for none
	stroke      string
	strokeWidth float64
	// round: round caps and joins (icons); otherwise mitred joins (the
	// border: canvas's round joins bulge at some polygon corners).
	round bool
}

type scene []element

// svg writes the scene as Laurel's SVG check (issuer.CheckImage) writes
// an SVG: an XML declaration, the root with its namespace first, elements
// closed with end tags, no whitespace between them.
func (s scene) svg(title string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`, Size, Size, Size, Size)
	if title != "" {
		b.WriteString("<title>")
		b.WriteString(textEscaper.Replace(title))
		b.WriteString("</title>")
	}
	for _, e := range s {
		b.WriteString(`<path d="` + e.path.ToSVG() + `"`)
		fill := e.fill
		if fill == "" {
			fill = "none"
		}
		b.WriteString(` fill="` + fill + `"`)
		if e.stroke != "" {
			b.WriteString(` stroke="` + e.stroke + `" stroke-width="` + num(e.strokeWidth) + `"`)
			if e.round {
				b.WriteString(` stroke-linecap="round" stroke-linejoin="round"`)
			}
		}
		b.WriteString(`></path>`)
	}
	b.WriteString("</svg>")
	return b.Bytes()
}

// textEscaper escapes text as issuer's SVG check writes it again.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// png rasterises the scene: the same paths, filled and stroked as the
// SVG says.
func (s scene) png() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, Size, Size))
	r := rasterizer.FromImage(img, canvas.DPMM(1), canvas.LinearColorSpace{})
	// Canvas paths have y up; the rasterizer turns them back.
	up := canvas.Identity.ReflectYAbout(Size / 2)
	for _, e := range s {
		style := canvas.DefaultStyle
		style.Fill = canvas.Paint{}
		if e.fill != "" {
			style.Fill = canvas.Paint{Color: rgba(e.fill)}
		}
		style.Stroke = canvas.Paint{}
		if e.stroke != "" {
			style.Stroke = canvas.Paint{Color: rgba(e.stroke)}
			style.StrokeWidth = e.strokeWidth
			// SVG's defaults: butt caps, mitred joins with a limit of 4.
			style.StrokeCapper, style.StrokeJoiner = canvas.ButtCap, canvas.MiterJoin
			if e.round {
				style.StrokeCapper, style.StrokeJoiner = canvas.RoundCap, canvas.RoundJoin
			}
		}
		r.RenderPath(e.path, style, up)
	}
	r.Close()
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode the design as PNG: %w", err)
	}
	return b.Bytes(), nil
}

// rgba reads a colour Check accepted.
func rgba(hex string) color.RGBA {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// num writes a length as the SVG does: at most three decimals.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*1000+0.5))/1000, 'f', -1, 64)
}

// icon is a bundled icon: Lucide's 24-unit paths, stroked 2 units wide
// with round caps and joins; some parts are also filled.
type icon []iconPart

type iconPart struct {
	path   *canvas.Path
	filled bool
}

// parseIcon reads one of the bundled Lucide SVGs: path and circle
// elements, which is all the chosen icons use (New fails on anything else,
// so a new icon with other elements is noticed).
func parseIcon(data []byte) (icon, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var ic icon
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) string {
			for _, a := range t.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		part := iconPart{filled: attr("fill") == "currentColor"}
		switch t.Name.Local {
		case "svg":
			if attr("viewBox") != "0 0 24 24" {
				return nil, fmt.Errorf("viewBox %q, want 0 0 24 24", attr("viewBox"))
			}
			continue
		case "path":
			p, err := canvas.ParseSVGPath(attr("d"))
			if err != nil {
				return nil, err
			}
			part.path = p
		case "circle":
			var v [3]float64
			for i, n := range []string{"cx", "cy", "r"} {
				if v[i], err = strconv.ParseFloat(attr(n), 64); err != nil {
					return nil, fmt.Errorf("circle %s: %w", n, err)
				}
			}
			part.path = canvas.Circle(v[2]).Translate(v[0], v[1])
		default:
			return nil, fmt.Errorf("element %s is not drawn by the designer", t.Name.Local)
		}
		ic = append(ic, part)
	}
	if len(ic) == 0 {
		return nil, errors.New("no paths")
	}
	return ic, nil
}
