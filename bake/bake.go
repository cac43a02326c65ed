// Package bake embeds Open Badges 2.0 assertions in badge images and reads
// them back ("baking", in the words of the Open Badges baking
// specification), for PNG and SVG images.
//
// A hosted badge carries the assertion's JSON; a signed badge carries the
// JWS compact serialization of the assertion. In a PNG either is the text of
// an iTXt chunk with the keyword "openbadges"; in an SVG it is an
// <openbadges:assertion> element, the first child of the root, whose verify
// attribute holds the assertion URL (hosted) or the JWS (signed) and whose
// content holds the hosted assertion's JSON.
//
// Images come from users and from other nodes, so every function here
// validates its input and bounds the work it does on it.
package bake

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Errors that callers may test for with errors.Is. Every error returned by
// this package wraps one of them, together with what was being done.
var (
	// ErrNotBaked: the image is valid but carries no assertion.
	ErrNotBaked = errors.New("no Open Badges assertion baked in the image")
	// ErrUnknownFormat: the data is neither a PNG nor an SVG image.
	ErrUnknownFormat = errors.New("not a PNG or SVG image")
	// ErrInvalidImage: the data claims to be a PNG or SVG image but is
	// malformed, or uses something refused for safety (an XML DOCTYPE, a
	// compressed text that inflates beyond the limit).
	ErrInvalidImage = errors.New("invalid image")
	// ErrInvalidAssertion: the text to bake cannot be stored as it is
	// (empty, not UTF-8, or holding characters the format cannot carry).
	ErrInvalidAssertion = errors.New("invalid assertion text")
)

// Image formats, as Format returns them.
const (
	FormatPNG = "png"
	FormatSVG = "svg"
)

// Format tells what kind of badge image data holds: "png", "svg", or ""
// when it is neither. It only looks at the start of the data (the PNG
// signature, or the root element of an XML document), to choose a content
// type; it does not validate the whole image, which PNG, SVG and Extract do.
func Format(data []byte) string {
	if hasPNGSignature(data) {
		return FormatPNG
	}
	if looksLikeXML(data) && sniffSVG(data) {
		return FormatSVG
	}
	return ""
}

// Extract returns the text baked into a PNG or SVG badge image: for a PNG,
// the text of its openbadges iTXt chunk (or of a legacy tEXt chunk); for an
// SVG, the content of its openbadges:assertion element, or when that is
// empty (a signed badge) its verify attribute.
//
// It returns an error wrapping ErrNotBaked for a valid image without an
// assertion, ErrUnknownFormat for data that is not a PNG or SVG, and
// ErrInvalidImage for a malformed image.
func Extract(data []byte) (string, error) {
	return extract(data, keyword, ob2Element, "assertion")
}

// ExtractCredential returns the Open Badges 3.0 credential baked into a
// PNG or SVG image: the text of its openbadgecredential iTXt chunk, or the
// content (a credential's JSON) or else the verify attribute (a VC-JWT)
// of its openbadges:credential element. Errors are those of Extract.
func ExtractCredential(data []byte) (string, error) {
	return extract(data, credentialKeyword, ob3Element, "credential")
}

func extract(data []byte, pngKeyword string, kind svgKind, what string) (string, error) {
	switch {
	case hasPNGSignature(data):
		s, err := extractPNG(data, pngKeyword)
		if err != nil {
			return "", fmt.Errorf("extract %s from PNG: %w", what, err)
		}
		return s, nil
	case looksLikeXML(data):
		s, err := extractSVG(data, kind)
		if err != nil {
			return "", fmt.Errorf("extract %s from SVG: %w", what, err)
		}
		return s, nil
	}
	return "", fmt.Errorf("extract %s: %w", what, ErrUnknownFormat)
}

// checkText reports whether s can be baked: non-empty UTF-8 without NUL,
// which neither an iTXt chunk nor an XML document can carry.
func checkText(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s is empty: %w", what, ErrInvalidAssertion)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not UTF-8: %w", what, ErrInvalidAssertion)
	}
	for i, r := range s {
		if r == 0 {
			return fmt.Errorf("%s has a NUL character at byte %d: %w", what, i, ErrInvalidAssertion)
		}
	}
	return nil
}
