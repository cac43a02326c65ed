package network

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/community"
)

// The picture of a network's endorsement relations: its members on a
// circle, each name outside it, a line from endorser to endorsed (an
// arrow), green and thick when the endorsement is mutual. Drawn on the
// server as SVG, so that it needs no script; a circle keeps 200 names
// readable, each its own angle.

// relationsSVG draws members and the relations among them.
func relationsSVG(members []community.Member, rels []community.Relation) []byte {
	n := len(members)
	// Each name gets 15 px of the circle (11 px text and a gap); the names
	// stand outside it.
	radius := math.Max(120, float64(n)*15/(2*math.Pi))
	const label = 190.0
	size := 2 * (radius + label)
	c := size / 2
	pos := make(map[string][2]float64, n)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-labelledby="relations-svg-title">`,
		size, size, size, size)
	fmt.Fprintf(&b, `<title id="relations-svg-title">Who endorses whom among %d members</title>`, n)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">` +
		`<path d="M0 0 L10 5 L0 10 z" fill="#6b7b70"/></marker></defs>`)
	for i, m := range members {
		a := 2 * math.Pi * float64(i) / float64(max(n, 1))
		pos[m.Actor] = [2]float64{c + radius*math.Cos(a), c + radius*math.Sin(a)}
	}
	for _, r := range rels {
		from, ok1 := pos[r.Endorser]
		to, ok2 := pos[r.Endorsed]
		if !ok1 || !ok2 || r.Mutual && r.Endorser > r.Endorsed {
			continue // one line for a mutual pair
		}
		// Stop short of the dot, so that the arrow shows.
		dx, dy := to[0]-from[0], to[1]-from[1]
		d := math.Max(math.Hypot(dx, dy), 1)
		x2, y2 := to[0]-dx/d*7, to[1]-dy/d*7
		if r.Mutual {
			fmt.Fprintf(&b, `<line class="mutual" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#2e7d32" stroke-width="2.5"/>`,
				from[0], from[1], to[0], to[1])
			continue
		}
		fmt.Fprintf(&b, `<line class="endorses" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#9aa8a0" stroke-width="1" marker-end="url(#arrow)"/>`,
			from[0], from[1], x2, y2)
	}
	for i, m := range members {
		p := pos[m.Actor]
		deg := 360 * float64(i) / float64(max(n, 1))
		anchor, rot, dx := "start", deg, 8.0
		if deg > 90 && deg < 270 { // the left half reads from the circle outwards too
			anchor, rot, dx = "end", deg-180, -8
		}
		fmt.Fprintf(&b, `<g><title>%s</title><circle cx="%.1f" cy="%.1f" r="4" fill="#2d5f3f"/>`, html.EscapeString(m.Name+" ("+m.Country+")"), p[0], p[1])
		fmt.Fprintf(&b, `<text transform="translate(%.1f %.1f) rotate(%.1f)" x="%.0f" dy="0.35em" text-anchor="%s" font-size="11" font-family="sans-serif" fill="#1f2a24">%s</text></g>`,
			p[0], p[1], rot, dx, anchor, html.EscapeString(shorten(m.Name, 28)))
	}
	b.WriteString(`</svg>`)
	return b.Bytes()
}

// shorten cuts s to n characters, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// CommunityRelationsSVG serves a network's picture of relations.
func (s *Handlers) CommunityRelationsSVG(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	members, err := community.Members(r.Context(), s.Deps.Pool, n.ID, community.Accepted, 1000, 0)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	rels, _, err := community.Relations(r.Context(), s.Deps.Pool, n.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(relationsSVG(members, rels)) // the client went away; nothing to do
}
