package network

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/community"
)

// TestRelationsSVG: the picture is well-formed SVG with one line per
// relation (one for a mutual pair), escapes names, and stays readable for
// 200 members: every name has at least 14 px of the circle.
func TestRelationsSVG(t *testing.T) {
	m := func(id, name string) community.Member { return community.Member{Actor: id, Name: name, Country: "FI"} }
	for _, tc := range []struct {
		name             string
		members          []community.Member
		rels             []community.Relation
		mutual, endorses int
	}{
		{"none", nil, nil, 0, 0},
		{"three", []community.Member{m("a", "Alpha"), m("b", "Beta"), m("c", `<script>alert("x")</script>`)},
			[]community.Relation{{Endorser: "a", Endorsed: "b", Mutual: true}, {Endorser: "b", Endorsed: "a", Mutual: true}, {Endorser: "c", Endorsed: "a"},
				{Endorser: "gone", Endorsed: "a"}}, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svg := string(relationsSVG(tc.members, tc.rels))
			if err := xml.Unmarshal([]byte(svg), new(struct{ XMLName xml.Name })); err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, svg)
			}
			if got := strings.Count(svg, `class="mutual"`); got != tc.mutual {
				t.Errorf("%d mutual lines, want %d", got, tc.mutual)
			}
			if got := strings.Count(svg, `class="endorses"`); got != tc.endorses {
				t.Errorf("%d one-way lines, want %d", got, tc.endorses)
			}
			if strings.Contains(svg, "<script") {
				t.Error("a name is not escaped")
			}
		})
	}
	var many []community.Member
	for i := range 200 {
		many = append(many, m(fmt.Sprint(i), fmt.Sprintf("Member organisation %d", i)))
	}
	svg := string(relationsSVG(many, nil))
	var size float64
	if _, err := fmt.Sscanf(svg[strings.Index(svg, `width="`):], `width="%f"`, &size); err != nil {
		t.Fatal(err)
	}
	if circle := 3.14159 * (size - 2*190); circle/200 < 14 {
		t.Errorf("200 members get %.1f px each of the circle, want at least 14", circle/200)
	}
}
