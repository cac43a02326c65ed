package markdown

import "testing"

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New()
	}
}

func BenchmarkHTML(b *testing.B) {
	r := New()
	src := "We now issue **ESCO-aligned** badges: https://a.example/badges/1, thanks @bea@b.example.\n\nSee you."
	for b.Loop() {
		r.HTML(src, bea)
	}
}
