package kit

import (
	"html/template"

	laurelmd "github.com/laurelnet/laurel/markdown"
)

// markdown renders user-written Markdown (badge criteria, narratives) on
// this node's pages: the markdown package's page renderer, whose output is
// sanitised, so no script, style or event handler survives.
type markdown struct {
	r *laurelmd.Renderer
}

func newMarkdown() *markdown { return &markdown{r: laurelmd.NewPage()} }

// HTML renders src.
func (m *markdown) HTML(src string) template.HTML {
	return template.HTML(m.r.HTML(src, nil)) //nolint:gosec // sanitised by the renderer
}
