package bake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Namespaces of SVG documents and of the baked assertion element.
const (
	svgNamespace = "http://www.w3.org/2000/svg"
	obNamespace  = "http://openbadges.org"
	ob3Namespace = "https://purl.imsglobal.org/ob/v3p0"
	// obPrefix is the prefix the baked element is written with; the
	// specification's examples use it, and some readers look for it.
	obPrefix = "openbadges"
	utf8BOM  = "\xef\xbb\xbf"
)

// svgKind names the element a baked SVG carries: openbadges:assertion in
// the 2.0 namespace, or openbadges:credential in the 3.0 one.
type svgKind struct{ namespace, local string }

var (
	ob2Element = svgKind{obNamespace, "assertion"}
	ob3Element = svgKind{ob3Namespace, "credential"}
)

// SVG bakes an assertion into the SVG image img and returns the baked
// image: any openbadges:assertion element already there is removed, the
// root gets xmlns:openbadges="http://openbadges.org" if it lacks it, and
// <openbadges:assertion verify="VERIFY"> becomes the first child of the
// root. The rest of the document is kept byte for byte.
//
// For a hosted badge, verify is the assertion's URL and assertion its
// JSON, which goes into the element as CDATA. For a signed badge, verify
// is the JWS and assertion is "": the element is empty.
//
// img must be a well-formed UTF-8 XML document whose root is an svg element
// in the SVG namespace, without a DOCTYPE (refused so that entity
// expansion cannot be abused). An error wraps ErrUnknownFormat when the
// root is something else, ErrInvalidImage for a malformed or refused
// document, and ErrInvalidAssertion when verify is empty or either text
// holds characters XML cannot carry.
func SVG(img []byte, assertion string, verify string) ([]byte, error) {
	if err := checkXMLText("verify", verify); err != nil {
		return nil, fmt.Errorf("bake SVG: %w", err)
	}
	return bakeSVG(img, ob2Element, assertion, verify)
}

// SVGCredential bakes an Open Badges 3.0 credential into the SVG image img
// (Open Badges 3.0, Baked Badge): the root gets
// xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" and an
// <openbadges:credential> element becomes its first child, holding
// credentialJSON (a credential with an embedded proof) as CDATA or, for a
// VC-JWT, jwt in its verify attribute; exactly one of the two is given.
// The image must not bind the openbadges prefix to the 2.0 namespace:
// bake the plain badge image, not a 2.0 baked one.
func SVGCredential(img []byte, credentialJSON, jwt string) ([]byte, error) {
	if (credentialJSON == "") == (jwt == "") {
		return nil, fmt.Errorf("bake SVG credential: give the credential's JSON or its JWT: %w", ErrInvalidAssertion)
	}
	if jwt != "" {
		if err := checkXMLText("verify", jwt); err != nil {
			return nil, fmt.Errorf("bake SVG: %w", err)
		}
	}
	return bakeSVG(img, ob3Element, credentialJSON, jwt)
}

func bakeSVG(img []byte, kind svgKind, assertion string, verify string) ([]byte, error) {
	if assertion != "" {
		if err := checkXMLText("assertion", assertion); err != nil {
			return nil, fmt.Errorf("bake SVG: %w", err)
		}
	}
	if !looksLikeXML(img) {
		return nil, fmt.Errorf("bake SVG: %w", ErrUnknownFormat)
	}
	doc, err := parseSVG(img, kind)
	if err != nil {
		return nil, fmt.Errorf("bake SVG: %w", err)
	}
	if doc.prefixElsewhere != "" {
		return nil, fmt.Errorf("bake SVG: the root binds the %s prefix to %q, not %s: %w", obPrefix, doc.prefixElsewhere, kind.namespace, ErrInvalidImage)
	}

	var el bytes.Buffer
	el.WriteString("<" + obPrefix + ":" + kind.local)
	if verify != "" {
		el.WriteString(` verify="`)
		_ = xml.EscapeText(&el, []byte(verify)) // a bytes.Buffer does not fail
		el.WriteString(`"`)
	}
	if assertion == "" {
		el.WriteString(`/>`)
	} else {
		el.WriteString(`>`)
		writeCDATA(&el, assertion)
		el.WriteString("</" + obPrefix + ":" + kind.local + ">")
	}

	// The root's start tag ends with "/>" (no children) or ">".
	tagEnd := doc.rootEnd - 1
	if doc.selfClosing {
		tagEnd--
	}
	out := make([]byte, 0, len(img)+el.Len()+64)
	out = append(out, img[:tagEnd]...)
	if !doc.declaresOB {
		out = append(out, ` xmlns:`+obPrefix+`="`+kind.namespace+`"`...)
	}
	out = append(out, '>')
	out = append(out, el.Bytes()...)
	if doc.selfClosing {
		out = append(out, "</"+doc.rootName+">"...)
	}
	// Copy the rest, leaving out the assertions baked before.
	from := doc.rootEnd
	for _, s := range doc.assertions {
		out = append(out, img[from:s.start]...)
		from = s.end
	}
	return append(out, img[from:]...), nil
}

// extractSVG returns the content of the first openbadges:assertion element
// of img, without surrounding white space (the specification's own example
// pads its CDATA section, and neither JSON nor a JWS has meaning in it), or
// its verify attribute when the content is empty.
func extractSVG(img []byte, kind svgKind) (string, error) {
	doc, err := parseSVG(img, kind)
	if err != nil {
		return "", err
	}
	if len(doc.assertions) == 0 {
		return "", ErrNotBaked
	}
	if s := strings.TrimSpace(doc.content); s != "" {
		return s, nil
	}
	if doc.verify != "" {
		return doc.verify, nil
	}
	return "", fmt.Errorf("openbadges:%s element is empty: %w", kind.local, ErrNotBaked)
}

// span is a byte range [start, end) of a document.
type span struct{ start, end int }

// svgDoc is what baking and extraction need to know of an SVG document.
type svgDoc struct {
	rootEnd     int    // offset just after the root's start tag
	selfClosing bool   // the root is written <svg .../>
	rootName    string // the root's name as written, e.g. "svg" or "s:svg"
	declaresOB  bool   // the root binds the openbadges prefix already
	// prefixElsewhere is the namespace the root binds the openbadges
	// prefix to when that is not the one looked for (a 2.0 baked image
	// read for a 3.0 credential, or the reverse): nothing to extract, and
	// nothing can be baked.
	prefixElsewhere string

	assertions []span // every openbadges:assertion element, in order
	// verify and content are those of the first assertion element.
	verify  string
	content string
}

// parseSVG reads a whole document, checking that it is well-formed XML
// without DOCTYPE, with one root element, an svg in the SVG namespace, and
// records where its root's start tag and its assertion elements are.
func parseSVG(img []byte, kind svgKind) (svgDoc, error) {
	var doc svgDoc
	d := xml.NewDecoder(bytes.NewReader(img))
	d.Strict = true // and CharsetReader stays nil: only UTF-8 documents
	var (
		depth     int
		seenRoot  bool
		capturing bool // inside an assertion element
		capDepth  int  // the depth of that element
		capStart  int
		content   strings.Builder
	)
	for {
		start := int(d.InputOffset())
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return svgDoc{}, fmt.Errorf("malformed XML: %w: %w", ErrInvalidImage, err)
		}
		end := int(d.InputOffset())
		switch t := tok.(type) {
		case xml.Directive:
			// <!DOCTYPE ...> could declare entities whose expansion
			// explodes; no SVG badge needs one.
			return svgDoc{}, fmt.Errorf("XML declarations such as DOCTYPE are not allowed: %w", ErrInvalidImage)
		case xml.CharData:
			if depth == 0 {
				text := t
				if start == 0 {
					text = bytes.TrimPrefix(text, []byte(utf8BOM))
				}
				if len(bytes.TrimLeft(text, " \t\r\n")) > 0 {
					return svgDoc{}, fmt.Errorf("text outside the root element: %w", ErrInvalidImage)
				}
			}
			if capturing && len(doc.assertions) == 0 {
				content.Write(t)
			}
		case xml.StartElement:
			switch {
			case depth == 0 && seenRoot:
				return svgDoc{}, fmt.Errorf("more than one root element: %w", ErrInvalidImage)
			case depth == 0:
				seenRoot = true
				if t.Name.Local != "svg" || t.Name.Space != svgNamespace {
					return svgDoc{}, fmt.Errorf("the XML root element is %s, not svg in the SVG namespace: %w", describeName(t.Name), ErrUnknownFormat)
				}
				if err := doc.setRoot(img, start, end, t, kind); err != nil {
					return svgDoc{}, err
				}
			case !capturing && isAssertion(t.Name, kind):
				capturing, capDepth, capStart = true, depth, start
				if len(doc.assertions) == 0 {
					for _, a := range t.Attr {
						if a.Name.Space == "" && a.Name.Local == "verify" {
							doc.verify = a.Value
						}
					}
				}
			}
			depth++
		case xml.EndElement:
			depth--
			if capturing && depth == capDepth {
				capturing = false
				doc.assertions = append(doc.assertions, span{capStart, end})
			}
		}
	}
	if !seenRoot {
		return svgDoc{}, fmt.Errorf("no root element: %w", ErrInvalidImage)
	}
	doc.content = content.String()
	return doc, nil
}

// setRoot records the root's start tag, which spans img[start:end].
func (doc *svgDoc) setRoot(img []byte, start, end int, t xml.StartElement, kind svgKind) error {
	// The decoder's offsets must point at "<" and after ">", or the
	// insertion would corrupt the document: check rather than trust.
	if start >= end || end > len(img) || img[start] != '<' || img[end-1] != '>' {
		return fmt.Errorf("cannot locate the root's start tag: %w", ErrInvalidImage)
	}
	doc.rootEnd = end
	doc.selfClosing = img[end-2] == '/'
	name := img[start+1 : end-1]
	if i := bytes.IndexAny(name, " \t\r\n/"); i >= 0 {
		name = name[:i]
	}
	doc.rootName = string(name)
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" && a.Name.Local == obPrefix {
			if a.Value != kind.namespace {
				doc.prefixElsewhere = a.Value
				continue
			}
			doc.declaresOB = true
		}
	}
	return nil
}

// describeName renders an element name for an error message.
func describeName(n xml.Name) string {
	if n.Space == "" {
		return "<" + n.Local + ">"
	}
	return "<" + n.Local + "> in namespace " + strconv.Quote(n.Space)
}

// isAssertion reports whether name is the baked element of kind
// (openbadges:assertion or openbadges:credential): in its namespace, or
// with the openbadges prefix left undeclared, as careless bakers write it.
func isAssertion(name xml.Name, kind svgKind) bool {
	return name.Local == kind.local && (name.Space == kind.namespace || name.Space == obPrefix)
}

// writeCDATA writes s as CDATA sections. A "]]>" in s would end the
// section, so it is split between two; a carriage return would be read back
// as a line feed (XML normalises line ends, in CDATA too), so it goes
// between sections as a character reference.
func writeCDATA(b *bytes.Buffer, s string) {
	b.WriteString("<![CDATA[")
	for s != "" {
		i := strings.IndexAny(s, "]\r")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		switch {
		case s[i] == '\r':
			b.WriteString("]]>&#xD;<![CDATA[")
			s = s[i+1:]
		case strings.HasPrefix(s[i:], "]]>"):
			b.WriteString("]]]]><![CDATA[>")
			s = s[i+3:]
		default:
			b.WriteByte(']')
			s = s[i+1:]
		}
	}
	b.WriteString("]]>")
}

// checkXMLText checks that s is non-empty UTF-8 made only of characters an
// XML document may contain.
func checkXMLText(what, s string) error {
	if err := checkText(what, s); err != nil {
		return err
	}
	for i, r := range s {
		if !isXMLChar(r) {
			return fmt.Errorf("%s has character %U at byte %d, which XML cannot carry: %w", what, r, i, ErrInvalidAssertion)
		}
	}
	return nil
}

// isXMLChar reports whether r is a Char of XML 1.0.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// looksLikeXML reports whether data starts, after an optional byte order
// mark and white space, with "<".
func looksLikeXML(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte(utf8BOM)), " \t\r\n")
	return len(data) > 0 && data[0] == '<'
}

// sniffSVG reports whether the first element of data is an SVG svg element,
// reading no further than that element's start tag.
func sniffSVG(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name.Local == "svg" && t.Name.Space == svgNamespace
		case xml.Directive:
			return false // refused by SVG and Extract anyway
		}
	}
}
