package issuer_test

import (
	"strings"
	"testing"

	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

func svg(body string) []byte {
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">` + body + `</svg>`)
}

// TestSVGRefusedWhenItCouldRun: the ways an SVG runs script or loads
// something, including the bypasses of a check that reads attributes as
// written (entities, tabs, animation), are refused with the reason.
func TestSVGRefusedWhenItCouldRun(t *testing.T) {
	for _, tc := range []struct {
		name, svg, why string
	}{
		{"script", `<script>alert(1)</script>`, "script"},
		{"script in upper case", `<SCRIPT>alert(1)</SCRIPT>`, "SCRIPT"},
		{"foreignObject", `<foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></body></foreignObject>`, "foreignObject"},
		{"event attribute", `<rect width="5" height="5" onclick="alert(1)"/>`, "event handler"},
		{"event attribute in upper case", `<rect ONMOUSEOVER="alert(1)"/>`, "event handler"},
		{"javascript: link", `<a href="javascript:alert(1)"><rect width="5" height="5"/></a>`, "javascript:"},
		{"javascript: with a tab entity", `<a href="java&#9;script:alert(1)"><rect width="5" height="5"/></a>`, "javascript:"},
		{"javascript: with a newline and spaces", `<a xlink:href=" java&#10;script:alert(1)"><rect/></a>`, "javascript:"},
		{"javascript: as entities", `<a href="&#106;avascript:alert(1)"><rect/></a>`, "javascript:"},
		{"animated href", `<a><animate attributeName="href" values="javascript:alert(1)"/><rect/></a>`, "animates href"},
		{"animated xlink:href", `<a><set attributeName="xlink:href" to="https://evil.example"/><rect/></a>`, "animates href"},
		{"animated event attribute", `<rect><set attributeName="onclick" to="alert(1)"/></rect>`, "animates onclick"},
		{"external image", `<image href="https://evil.example/track.png" width="5" height="5"/>`, "external reference"},
		{"external use", `<use xlink:href="https://evil.example/sprite.svg#x"/>`, "external reference"},
		{"data: SVG image", `<image href="data:image/svg+xml;base64,PHN2Zz4="/>`, "data:"},
		{"CSS import", `<style>@import url(https://evil.example/x.css);</style>`, "@import"},
		{"CSS url", `<rect style="fill: url(https://evil.example/x)"/>`, "another resource"},
		{"CSS url in a fill", `<rect fill="url( 'https://evil.example/x' )"/>`, "another resource"},
		{"CSS escapes", `<style>rect { fill: u\72l(https://evil.example/x) }</style>`, `\\`},
		{"iframe", `<iframe src="https://evil.example"/>`, "iframe"},
		{"DOCTYPE", ``, "DOCTYPE"},
		{"feImage", `<filter><feImage href="https://evil.example/x.png"/></filter>`, "feImage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := svg(tc.svg)
			if tc.name == "DOCTYPE" {
				data = []byte(`<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`)
			}
			_, err := issuer.CheckImage("image", data)
			p, ok := problem.As(err)
			if !ok || p.Field != "image" || !strings.Contains(p.Message, tc.why) {
				t.Fatalf("CheckImage = %v, want a problem on image saying %q", err, tc.why)
			}
		})
	}
}

// TestSVGWrittenFromTheAllowlist: what is accepted comes back written
// again: shapes, gradients, text, internal references and embedded
// raster images kept, editor metadata and unknown markup left out, text
// re-escaped; the result still bakes.
func TestSVGWrittenFromTheAllowlist(t *testing.T) {
	in := `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="100" height="100" viewBox="0 0 100 100" inkscape:version="1.2">
  <!-- made by hand -->
  <metadata><rdf xmlns="http://www.w3.org/1999/02/22-rdf-syntax-ns#">x</rdf></metadata>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fc0"/></linearGradient></defs>
  <style>circle { stroke: #333 }</style>
  <a href="https://example.org"><circle cx="50" cy="50" r="40" fill="url(#g)" inkscape:label="disc"/></a>
  <use xlink:href="#g"/>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
  <text x="10" y="90" data-x="1">R &amp; D &lt;3</text>
  <animate attributeName="opacity" from="0" to="1" dur="1s"/>
</svg>`
	img, err := issuer.CheckImage("image", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out := string(img.Data)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100"`,
		`<linearGradient id="g">`, `fill="url(#g)"`, `<use xlink:href="#g">`, `href="data:image/png;base64,iVBORw0KGgo="`,
		`R &amp; D &lt;3`, `<style>circle { stroke: #333 }</style>`, `<animate attributeName="opacity"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the SVG written lacks %q:\n%s", want, out)
		}
	}
	for _, gone := range []string{"inkscape", "metadata", "rdf", "made by hand", "data-x", "<a ", "example.org"} {
		if strings.Contains(out, gone) {
			t.Errorf("the SVG written keeps %q:\n%s", gone, out)
		}
	}
	again, err := issuer.CheckImage("image", img.Data)
	if err != nil || string(again.Data) != out {
		t.Errorf("the SVG written does not come back the same: %v\n%s", err, again.Data)
	}
	baked, err := bake.SVG(img.Data, `{"id":"https://example.org/a/1"}`, "https://example.org/a/1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := bake.Extract(baked); err != nil || !strings.Contains(got, "example.org/a/1") {
		t.Fatalf("the SVG written does not bake: %q %v", got, err)
	}
}
