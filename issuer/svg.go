package issuer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Badge images travel: baked SVGs are opened by other backpacks and
// tools, outside the sandbox Laurel serves them in. So an SVG is read
// as XML (entities decoded), refused when it holds anything that runs or
// loads something, and written out again from an allowlist of elements
// and attributes: what the allowlist does not know (editor metadata,
// other namespaces) is left out, and what is kept is re-escaped.

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"
	xmlNS   = "http://www.w3.org/XML/1998/namespace"
)

// svgElements are the SVG elements kept: shapes, text, structure, paint
// servers, filters and (checked) animation.
var svgElements = set(
	"svg", "g", "defs", "symbol", "use", "title", "desc", "switch",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
	"text", "tspan", "textPath",
	"linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker", "image", "style",
	"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
	"feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB",
	"feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
	"fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
	"animate", "animateTransform", "animateMotion", "set", "mpath",
)

// svgRefused are elements that run code or embed other documents: an SVG
// with one is refused, not cleaned, so that its author learns why.
var svgRefused = set("script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "feImage")

// svgUnwrapped are elements left out while what they hold is kept: a link
// (a badge image links nowhere).
var svgUnwrapped = set("a")

// svgAttributes are the attributes kept (in no namespace).
var svgAttributes = set(
	"id", "class", "style", "lang", "tabindex", "role", "aria-label", "aria-hidden", "aria-labelledby", "aria-describedby",
	"width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points",
	"viewBox", "preserveAspectRatio", "transform", "version", "baseProfile", "pathLength",
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
	"stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color",
	"clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits", "maskContentUnits", "filter", "filterUnits",
	"primitiveUnits", "display", "visibility", "overflow", "paint-order", "vector-effect", "shape-rendering",
	"image-rendering", "color-interpolation", "color-interpolation-filters", "mix-blend-mode", "isolation",
	"font-family", "font-size", "font-style", "font-weight", "font-variant", "font-stretch", "letter-spacing",
	"word-spacing", "text-anchor", "text-decoration", "dominant-baseline", "alignment-baseline",
	"baseline-shift", "writing-mode", "direction", "dx", "dy", "rotate", "textLength", "lengthAdjust",
	"startOffset", "method", "spacing", "side",
	"gradientUnits", "gradientTransform", "spreadMethod", "offset", "stop-color", "stop-opacity",
	"patternUnits", "patternContentUnits", "patternTransform",
	"markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
	"marker-start", "marker-mid", "marker-end",
	"in", "in2", "result", "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "values", "type",
	"tableValues", "slope", "intercept", "amplitude", "exponent", "order", "kernelMatrix", "divisor", "bias",
	"targetX", "targetY", "edgeMode", "preserveAlpha", "surfaceScale", "diffuseConstant", "specularConstant",
	"specularExponent", "kernelUnitLength", "scale", "xChannelSelector", "yChannelSelector", "radius",
	"baseFrequency", "numOctaves", "seed", "stitchTiles", "azimuth", "elevation", "z", "pointsAtX",
	"pointsAtY", "pointsAtZ", "limitingConeAngle", "flood-color", "flood-opacity", "lighting-color",
	"attributeName", "attributeType", "begin", "dur", "end", "min", "max", "restart", "repeatCount",
	"repeatDur", "calcMode", "keyTimes", "keySplines", "from", "to", "by", "additive", "accumulate", "path",
	"keyPoints", "media", "href", "requiredExtensions", "systemLanguage",
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// compact is s as a browser reads a URL or a CSS token: without
// whitespace and control characters, in lower case.
func compact(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s))
}

// cssURL finds url(...) in CSS, with what it points at.
var cssURL = regexp.MustCompile(`url\(([^)]*)\)`)

// safeCSS refuses CSS (a style attribute or element, or a paint value)
// that loads anything but a fragment of the same document, imports, or
// runs script.
func safeCSS(css string) error {
	c := compact(css)
	for _, bad := range []string{"@import", "expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding", "\\"} {
		if strings.Contains(c, bad) {
			return fmt.Errorf("CSS with %q is not accepted", bad)
		}
	}
	for _, m := range cssURL.FindAllStringSubmatch(c, -1) {
		if !strings.HasPrefix(strings.Trim(m[1], `'"`), "#") {
			return errors.New("CSS that loads another resource (url(" + m[1] + ")) is not accepted")
		}
	}
	return nil
}

// safeReference accepts a reference to a part of the same document
// (#id) and, on an image element, an embedded PNG, JPEG, GIF or WebP.
func safeReference(element, value string) error {
	c := compact(value)
	switch {
	case strings.HasPrefix(c, "#"):
		return nil
	case element == "image" && (strings.HasPrefix(c, "data:image/png;") || strings.HasPrefix(c, "data:image/jpeg;") ||
		strings.HasPrefix(c, "data:image/gif;") || strings.HasPrefix(c, "data:image/webp;")):
		return nil
	case strings.HasPrefix(c, "javascript:") || strings.HasPrefix(c, "vbscript:") || strings.HasPrefix(c, "data:"):
		return fmt.Errorf("SVG with a %s link is not accepted", strings.SplitN(c, ":", 2)[0]+":")
	}
	return fmt.Errorf("SVG with an external reference (%q) is not accepted: embed what it needs", value)
}

// animated is the attribute an animation element changes, without its
// prefix, in lower case.
func animated(t xml.StartElement) string {
	for _, a := range t.Attr {
		if a.Name.Local == "attributeName" && a.Name.Space == "" {
			v := compact(a.Value)
			if i := strings.LastIndexByte(v, ':'); i >= 0 {
				v = v[i+1:]
			}
			return v
		}
	}
	return ""
}

// sanitizeSVG reads an SVG image and writes it again from the allowlist,
// or says why it is refused: not well-formed XML, a DOCTYPE (entity
// expansion), a root that is not an SVG element, an element that runs or
// embeds code, an event attribute, animation of a link or of an event
// attribute, a javascript: or external reference, or CSS that loads or
// runs anything.
func sanitizeSVG(data []byte) ([]byte, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var out bytes.Buffer
	out.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	depth, skip := 0, 0 // elements open; of them, inside one left out
	root, usesXlink := true, false
	var rootAt int // where the root's namespace declarations go
	var open []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errors.New("not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("SVG with a DOCTYPE is not accepted")
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, errors.New("SVG with a processing instruction (" + t.Target + ") is not accepted")
			}
		case xml.StartElement:
			depth++
			name := t.Name.Local
			if root {
				if name != "svg" || t.Name.Space != svgNS {
					return nil, errors.New("the root element is not an SVG element")
				}
			}
			for n := range svgRefused {
				if strings.EqualFold(name, n) {
					return nil, errors.New("SVG with a " + name + " element is not accepted")
				}
			}
			for _, a := range t.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					return nil, errors.New("SVG with an event handler attribute (" + a.Name.Local + ") is not accepted")
				}
			}
			if name == "animate" || name == "set" || name == "animateTransform" || name == "animateMotion" {
				if a := animated(t); a == "href" || strings.HasPrefix(a, "on") || a == "style" {
					return nil, fmt.Errorf("SVG that animates %s is not accepted", a)
				}
			}
			if skip == 0 && !root && t.Name.Space == svgNS && svgUnwrapped[name] {
				for _, a := range t.Attr {
					if c := compact(a.Value); strings.HasPrefix(c, "javascript:") || strings.HasPrefix(c, "vbscript:") || strings.HasPrefix(c, "data:") {
						return nil, fmt.Errorf("SVG with a %s link is not accepted", strings.SplitN(c, ":", 2)[0]+":")
					}
				}
				open = append(open, "")
				continue
			}
			if skip > 0 || t.Name.Space != svgNS || !svgElements[name] {
				if skip == 0 {
					skip = depth
				}
				continue
			}
			out.WriteString("<" + name)
			if root {
				rootAt = out.Len()
				root = false
			}
			for _, a := range t.Attr {
				attr, ok, err := svgAttribute(name, a)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
				if strings.HasPrefix(attr, "xlink:") {
					usesXlink = true
				}
				out.WriteString(" " + attr + `="` + attrEscaper.Replace(a.Value) + `"`)
			}
			out.WriteString(">")
			open = append(open, name)
		case xml.EndElement:
			if skip > 0 {
				if depth == skip {
					skip = 0
				}
				depth--
				continue
			}
			depth--
			if name := open[len(open)-1]; name != "" {
				out.WriteString("</" + name + ">")
			}
			open = open[:len(open)-1]
		case xml.CharData:
			if skip > 0 || root {
				continue
			}
			if len(open) > 0 && open[len(open)-1] == "style" {
				if err := safeCSS(string(t)); err != nil {
					return nil, err
				}
			}
			out.WriteString(textEscaper.Replace(string(t)))
		}
	}
	if root {
		return nil, errors.New("no SVG element found")
	}
	ns := ` xmlns="` + svgNS + `"`
	if usesXlink {
		ns += ` xmlns:xlink="` + xlinkNS + `"`
	}
	b := out.Bytes()
	return append(b[:rootAt:rootAt], append([]byte(ns), b[rootAt:]...)...), nil
}

// svgAttribute checks one attribute of an element kept: the name to
// write it under and whether it is kept, or why the SVG is refused.
func svgAttribute(element string, a xml.Attr) (string, bool, error) {
	name := a.Name.Local
	switch a.Name.Space {
	case "":
	case xlinkNS:
		if name != "href" {
			return "", false, nil
		}
		name = "xlink:href"
	case xmlNS:
		if name != "space" && name != "lang" {
			return "", false, nil
		}
		return "xml:" + name, true, nil
	default:
		return "", false, nil // editor metadata and the like
	}
	local := a.Name.Local
	if !svgAttributes[local] {
		return "", false, nil
	}
	if local == "href" {
		if err := safeReference(element, a.Value); err != nil {
			return "", false, err
		}
	}
	c := compact(a.Value)
	if strings.Contains(c, "javascript:") || strings.Contains(c, "vbscript:") {
		return "", false, fmt.Errorf("SVG with a javascript: value (%s) is not accepted", a.Name.Local)
	}
	if local == "style" || strings.Contains(c, "url(") {
		if err := safeCSS(a.Value); err != nil {
			return "", false, err
		}
	}
	return name, true, nil
}

// Escaping for what is written: text, and attribute values in double
// quotes (whose whitespace a parser would otherwise normalise).
var (
	textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
		"\t", "&#9;", "\n", "&#10;", "\r", "&#13;")
)
