// Package placeholder fills the texts organisations write for others to
// receive (criteria page templates, email templates) with values such as
// a badge's name. The syntax is deliberately small, so that nothing in a
// template can run or reach anything:
//
//	{name}   the value of placeholder name (letters, digits, _ and -)
//	{{ }}    a literal { or }
//
// Any other brace is kept as it is. A {name} that the kind of template
// does not know is a mistake, reported when the template is parsed.
package placeholder

import (
	"fmt"
	"slices"
	"strings"

	"github.com/laurelnet/laurel/problem"
)

// Template is a parsed text: literal parts and placeholders in turn.
type Template struct {
	parts []part
}

type part struct {
	text string // literal text, or the placeholder's name
	name bool
}

// Parse reads text, which may use the placeholders known; field names it
// in a problem, e.g. "body has the unknown placeholder {recipient}".
func Parse(field, text string, known []string) (Template, error) {
	var t Template
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case (c == '{' || c == '}') && i+1 < len(text) && text[i+1] == c:
			lit.WriteByte(c)
			i += 2
		case c == '{':
			end := strings.IndexByte(text[i+1:], '}')
			name := ""
			if end >= 0 {
				name = text[i+1 : i+1+end]
			}
			if !isName(name) {
				lit.WriteByte(c)
				i++
				continue
			}
			if !slices.Contains(known, name) {
				return Template{}, problem.Invalidf(field, "has the unknown placeholder {%s}; the known ones are %s (write {{ for a literal {)", name, List(known))
			}
			flush()
			t.parts = append(t.parts, part{text: name, name: true})
			i += end + 2
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return t, nil
}

// isName reports whether s can name a placeholder.
func isName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Uses reports whether the template has placeholder name.
func (t Template) Uses(name string) bool {
	return slices.ContainsFunc(t.parts, func(p part) bool { return p.name && p.text == name })
}

// Render fills the template: each placeholder becomes its value (missing
// values are empty), inserted as it is; escaping for the text's format is
// the caller's, done on the values.
func (t Template) Render(values map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name {
			b.WriteString(values[p.text])
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// List writes names as placeholders for a message: {a}, {b} and {c}.
func List(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("{%s}", n)
	}
	switch len(out) {
	case 0:
		return "none"
	case 1:
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}
