package issuer

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"net/url"
	"strings"

	"github.com/laurelnet/laurel/problem"
)

// MaxImageBytes is the largest badge image accepted.
const MaxImageBytes = 256 << 10

// maxImageSide bounds a PNG's width and height, so that decoding one to
// check it cannot take much memory.
const maxImageSide = 2048

// Image is a badge image: PNG or SVG.
type Image struct {
	Type string // image/png or image/svg+xml
	Data []byte
}

// CheckImage accepts a PNG or SVG badge image of at most MaxImageBytes, and
// names the problem with any other; field is the property reported.
func CheckImage(field string, data []byte) (Image, error) {
	switch {
	case len(data) == 0:
		return Image{}, problem.Invalidf(field, "is required: a PNG or SVG image")
	case len(data) > MaxImageBytes:
		return Image{}, problem.Invalidf(field, "is %d KB; at most %d KB is accepted", (len(data)+1023)/1024, MaxImageBytes/1024)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return Image{}, problem.Invalidf(field, "is not a readable PNG: %v", err)
		}
		if cfg.Width > maxImageSide || cfg.Height > maxImageSide {
			return Image{}, problem.Invalidf(field, "is %dx%d pixels; at most %dx%d is accepted", cfg.Width, cfg.Height, maxImageSide, maxImageSide)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil {
			return Image{}, problem.Invalidf(field, "is not a readable PNG: %v", err)
		}
		return Image{Type: "image/png", Data: data}, nil
	default:
		if err := checkSVG(data); err != nil {
			return Image{}, problem.Invalidf(field, "must be a PNG or SVG image: %v", err)
		}
		return Image{Type: "image/svg+xml", Data: data}, nil
	}
}

// checkSVG accepts an XML document whose root is an SVG element and which
// has nothing that runs or loads code: no DOCTYPE (entity expansion), no
// script or foreignObject, no event handler attributes, no javascript:
// links. Badge images are shown on pages and embedded by other tools, so
// they are refused rather than cleaned.
func checkSVG(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	root := true
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if root {
				return errors.New("no SVG element found")
			}
			return nil
		}
		if err != nil {
			return errors.New("not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("SVG with a DOCTYPE is not accepted")
		case xml.StartElement:
			if root {
				if t.Name.Local != "svg" || t.Name.Space != "http://www.w3.org/2000/svg" {
					return errors.New("the root element is not an SVG element")
				}
				root = false
			}
			switch strings.ToLower(t.Name.Local) {
			case "script", "foreignobject", "iframe", "embed", "object":
				return errors.New("SVG with a " + t.Name.Local + " element is not accepted")
			}
			for _, a := range t.Attr {
				name, value := strings.ToLower(a.Name.Local), strings.ToLower(strings.TrimSpace(a.Value))
				if strings.HasPrefix(name, "on") {
					return errors.New("SVG with an event handler attribute (" + a.Name.Local + ") is not accepted")
				}
				if (name == "href") && strings.HasPrefix(value, "javascript:") {
					return errors.New("SVG with a javascript: link is not accepted")
				}
			}
		}
	}
}

// DecodeDataURL returns the bytes of a base64 data: URL such as
// data:image/png;base64,iVBOR...; field is the property reported.
func DecodeDataURL(field, s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return nil, problem.Invalidf(field, "must be a data: URL (data:image/png;base64,...) or a file upload")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, problem.Invalidf(field, "is a data: URL without a comma")
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			return nil, problem.Invalidf(field, "has invalid base64 data")
		}
		return b, nil
	}
	// Plain (percent-encoded) data URLs are how SVG is often written.
	s, err := url.PathUnescape(payload)
	if err != nil {
		return nil, problem.Invalidf(field, "has invalid percent-encoding")
	}
	return []byte(s), nil
}
