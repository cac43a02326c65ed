package designer_test

import (
	"testing"

	"github.com/laurelnet/laurel/designer"
)

// BenchmarkRender draws a full design (icon and three lines) as SVG and
// PNG; BenchmarkCheck only checks it, the baseline of a request that
// fails validation.
func BenchmarkRender(b *testing.B) {
	g, err := designer.New()
	if err != nil {
		b.Fatal(err)
	}
	d := sample(designer.ShapeShield)
	for b.Loop() {
		if _, _, err := g.Render(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	g, err := designer.New()
	if err != nil {
		b.Fatal(err)
	}
	d := sample(designer.ShapeShield)
	for b.Loop() {
		if _, err := g.Check(d); err != nil {
			b.Fatal(err)
		}
	}
}
