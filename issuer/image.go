package issuer

import (
	"bytes"
	"encoding/base64"
	"image/png"
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
// names the problem with any other; field is the property reported. An
// SVG comes back written again from an allowlist (see sanitizeSVG).
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
		clean, err := sanitizeSVG(data)
		if err != nil {
			return Image{}, problem.Invalidf(field, "must be a PNG or SVG image: %v", err)
		}
		return Image{Type: "image/svg+xml", Data: clean}, nil
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
