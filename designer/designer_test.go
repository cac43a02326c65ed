package designer_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/designer"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit/browser"
)

func newDesigner(t *testing.T) *designer.Designer {
	t.Helper()
	g, err := designer.New()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func sample(shape string) designer.Design {
	d := designer.Default()
	d.Shape = shape
	d.Lines = []string{"Robotics Basics", "Tampere University", "2026"}
	return d
}

// TestDesignRules: every broken field is a problem that names it, and
// what is accepted comes back normalised.
func TestDesignRules(t *testing.T) {
	g := newDesigner(t)
	for _, tc := range []struct {
		name  string
		edit  func(*designer.Design)
		field string
	}{
		{"unknown shape", func(d *designer.Design) { d.Shape = "star" }, "shape"},
		{"no shape", func(d *designer.Design) { d.Shape = "" }, "shape"},
		{"fill by name", func(d *designer.Design) { d.Fill = "red" }, "fill"},
		{"short fill", func(d *designer.Design) { d.Fill = "#fff" }, "fill"},
		{"fill with alpha", func(d *designer.Design) { d.Fill = "#ff000080" }, "fill"},
		{"fill not hex", func(d *designer.Design) { d.Fill = "#gg0000" }, "fill"},
		{"fill with a sign", func(d *designer.Design) { d.Fill = "#+12345" }, "fill"},
		{"border colour", func(d *designer.Design) { d.Border = "#12345" }, "border"},
		{"text colour", func(d *designer.Design) { d.TextColor = "white" }, "text_color"},
		{"icon colour", func(d *designer.Design) { d.IconColor = "url(#x)" }, "icon_color"},
		{"negative border", func(d *designer.Design) { d.BorderWidth = -1 }, "border_width"},
		{"huge border", func(d *designer.Design) { d.BorderWidth = designer.MaxBorderWidth + 1 }, "border_width"},
		{"unknown icon", func(d *designer.Design) { d.Icon = "skull" }, "icon"},
		{"icon as a path", func(d *designer.Design) { d.Icon = "../LICENSE" }, "icon"},
		{"four lines", func(d *designer.Design) { d.Lines = []string{"a", "b", "c", "d"} }, "lines"},
		{"long line", func(d *designer.Design) { d.Lines = []string{strings.Repeat("x", designer.MaxLineRunes+1)} }, "lines[0]"},
		{"line break", func(d *designer.Design) { d.Lines = []string{"ok", "two\nlines"} }, "lines[1]"},
		{"tab", func(d *designer.Design) { d.Lines = []string{"ok", "ok", "a\tb"} }, "lines[2]"},
		{"bad UTF-8", func(d *designer.Design) { d.Lines = []string{"\xff\xfe"} }, "lines[0]"},
		{"a character the font lacks", func(d *designer.Design) { d.Lines = []string{"ロボット"} }, "lines[0]"},
		{"a line too wide for the shape", func(d *designer.Design) { d.Lines = []string{strings.Repeat("W", designer.MaxLineRunes)} }, "lines[0]"},
		{"nothing to draw", func(d *designer.Design) { d.Icon, d.Lines = "", []string{"  "} }, "lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := sample(designer.ShapeCircle)
			tc.edit(&d)
			_, _, err := g.Render(d)
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Fatalf("Render = %v, want a problem with %s", err, tc.field)
			}
		})
	}

	d := sample(designer.ShapeHexagon)
	d.Fill, d.IconColor, d.Lines = " #ABCDEF ", "", []string{"  Robotics ", "", "Tampere"}
	got, err := g.Check(d)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fill != "#abcdef" || got.IconColor != got.TextColor || len(got.Lines) != 2 || got.Lines[0] != "Robotics" || got.Lines[1] != "Tampere" {
		t.Fatalf("normalised = %+v", got)
	}
	// Finnish, Swedish, German and Greek are drawn.
	d.Lines = []string{"Ympäristöosaaja", "Åbo Akademi · Straße", "Ελληνικά"}
	if _, _, err := g.Render(d); err != nil {
		t.Fatalf("Nordic letters: %v", err)
	}
}

// TestShapesPassLaurelsSVGCheck: each shape, with and without icon, text
// or border, gives an SVG that issuer.CheckImage accepts and writes out
// unchanged (nothing the check leaves out), and a PNG it accepts; the
// same design gives the same bytes each time.
func TestShapesPassLaurelsSVGCheck(t *testing.T) {
	g := newDesigner(t)
	for _, shape := range designer.Shapes {
		for _, variant := range []struct {
			name string
			edit func(*designer.Design)
		}{
			{"full", func(*designer.Design) {}},
			{"icon only", func(d *designer.Design) { d.Lines = nil }},
			{"text only", func(d *designer.Design) { d.Icon = "" }},
			{"no border", func(d *designer.Design) { d.BorderWidth = 0 }},
			{"widest border", func(d *designer.Design) { d.BorderWidth = designer.MaxBorderWidth }},
			{"longest lines", func(d *designer.Design) {
				d.Lines = []string{"Ympäristö- ja kestävyysosaamisen peruste", "Tampereen ammattikorkeakoulu, Hervanta", "Syksyn 2026 opintojakso, 5 opintopistett"}
			}},
			{"markup in text", func(d *designer.Design) { d.Lines = []string{`<script>alert("x")</script>`, "a & b"} }},
		} {
			t.Run(shape+"/"+variant.name, func(t *testing.T) {
				d := sample(shape)
				variant.edit(&d)
				_, out, err := g.Render(d)
				if err != nil {
					t.Fatal(err)
				}
				checked, err := issuer.CheckImage("image", out.SVG)
				if err != nil {
					t.Fatalf("CheckImage refuses the SVG: %v\n%.300s", err, out.SVG)
				}
				if checked.Type != "image/svg+xml" || !bytes.Equal(checked.Data, out.SVG) {
					t.Fatalf("CheckImage changed the SVG:\n%.300s\nto\n%.300s", out.SVG, checked.Data)
				}
				if strings.Contains(string(out.SVG), "<script") {
					t.Fatalf("text was written as markup:\n%.300s", out.SVG)
				}
				if p, err := issuer.CheckImage("image", out.PNG); err != nil || p.Type != "image/png" {
					t.Fatalf("CheckImage refuses the PNG: %v", err)
				}
				_, again, err := g.Render(d)
				if err != nil || !bytes.Equal(again.SVG, out.SVG) || !bytes.Equal(again.PNG, out.PNG) {
					t.Fatalf("the same design drew different bytes (%v)", err)
				}
			})
		}
	}
}

// TestEveryIconDraws: each bundled icon loads and is drawn, in the icon
// colour, at the top of the badge.
func TestEveryIconDraws(t *testing.T) {
	g := newDesigner(t)
	icons := g.Icons()
	if len(icons) < 12 {
		t.Fatalf("%d icons bundled: %v", len(icons), icons)
	}
	for _, name := range icons {
		d := designer.Design{Shape: designer.ShapeCircle, Fill: "#ffffff", Border: "#000000", TextColor: "#000000",
			Icon: name, IconColor: "#ff0000"}
		_, out, err := g.Render(d)
		if err != nil {
			t.Fatalf("icon %s: %v", name, err)
		}
		if n := countColour(t, out.PNG, color.RGBA{255, 0, 0, 255}); n < 500 {
			t.Errorf("icon %s: %d red pixels drawn", name, n)
		}
	}
}

// TestPNGShowsTheDesign: the PNG is transparent outside the shape, in the
// fill colour inside, in the border colour on the border, and text and
// icon are drawn in their colours (none when there is none).
func TestPNGShowsTheDesign(t *testing.T) {
	g := newDesigner(t)
	d := designer.Design{Shape: designer.ShapeCircle, Fill: "#102030", Border: "#c08040", BorderWidth: 20,
		TextColor: "#f0f0f0", Lines: []string{"Robotics"}}
	_, out, err := g.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, out.PNG)
	if b := img.Bounds(); b.Dx() != designer.Size || b.Dy() != designer.Size {
		t.Fatalf("PNG is %v", b)
	}
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{
		{2, 2, color.RGBA{}},                             // a corner: outside the circle
		{256, 8 + 10, color.RGBA{0xc0, 0x80, 0x40, 255}}, // on the border at the top
		{256, 100, color.RGBA{0x10, 0x20, 0x30, 255}},    // inside, above the text
	} {
		if got := color.RGBAModel.Convert(img.At(c.x, c.y)).(color.RGBA); got != c.want {
			t.Errorf("pixel (%d, %d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	if n := countColour(t, out.PNG, color.RGBA{0xf0, 0xf0, 0xf0, 255}); n < 1000 {
		t.Errorf("%d pixels of text drawn", n)
	}
	d.Lines, d.Icon, d.IconColor = nil, "star", "#00ff00"
	_, out, err = g.Render(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := countColour(t, out.PNG, color.RGBA{0xf0, 0xf0, 0xf0, 255}); n != 0 {
		t.Errorf("%d pixels of text drawn without text", n)
	}
	if n := countColour(t, out.PNG, color.RGBA{0, 0xff, 0, 255}); n < 1000 {
		t.Errorf("%d pixels of the icon drawn", n)
	}
}

// TestPNGAgreesWithTheBrowser: Chromium draws the SVG as the PNG shows it,
// for every shape: at most 1% of the pixels differ by more than a
// quarter of the range (antialiased edges).
func TestPNGAgreesWithTheBrowser(t *testing.T) {
	g := newDesigner(t)
	images := map[string]designer.Image{}
	for _, shape := range designer.Shapes {
		_, out, err := g.Render(sample(shape))
		if err != nil {
			t.Fatal(err)
		}
		images[shape] = out
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := images[strings.TrimPrefix(r.URL.Path, "/")]
		fmt.Fprintf(w, `<!doctype html><body style="margin:0;background:#fff"><img id="badge" width="512" height="512" src="data:image/svg+xml;base64,%s"></body>`,
			base64.StdEncoding.EncodeToString(out.SVG))
	}))
	defer srv.Close()
	ctx := browser.New(t)
	for _, shape := range designer.Shapes {
		browser.Do(t, ctx, chromedp.Navigate(srv.URL+"/"+shape))
		shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#badge")))
		if err != nil {
			t.Fatal(err)
		}
		seen, ours := decode(t, shot), decode(t, images[shape].PNG)
		if seen.Bounds().Dx() != designer.Size || seen.Bounds().Dy() != designer.Size {
			t.Fatalf("%s: screenshot is %v", shape, seen.Bounds())
		}
		differ := 0
		for y := range designer.Size {
			for x := range designer.Size {
				if farApart(onWhite(ours.At(x, y)), seen.At(seen.Bounds().Min.X+x, seen.Bounds().Min.Y+y)) {
					differ++
				}
			}
		}
		if differ > designer.Size*designer.Size/100 {
			t.Errorf("%s: %d pixels differ between the PNG and Chromium's drawing of the SVG", shape, differ)
		}
	}
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func countColour(t *testing.T, data []byte, want color.RGBA) int {
	t.Helper()
	img := decode(t, data)
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == want {
				n++
			}
		}
	}
	return n
}

// onWhite is c drawn on a white page.
func onWhite(c color.Color) color.Color {
	r, g, b, a := c.RGBA()
	return color.RGBA64{uint16(r + 0xffff - a), uint16(g + 0xffff - a), uint16(b + 0xffff - a), 0xffff}
}

func farApart(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) uint32 { return max(x, y) - min(x, y) }
	return max(d(r1, r2), d(g1, g2), d(b1, b2)) > 0x4000
}
