package web

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders user-written Markdown (badge criteria, narratives) to
// safe HTML: goldmark without raw HTML, then bluemonday's policy for user
// content, so no script, style or event handler survives.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &markdown{md: goldmark.New(goldmark.WithExtensions(extension.GFM)), policy: p}
}

// HTML renders src; a rendering error (there are none for in-memory
// buffers) shows the escaped source instead.
func (m *markdown) HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised just now
}
