package bake

import (
	"bytes"
	"testing"
)

// FuzzExtract feeds Extract arbitrary data (the seeds under
// testdata/fuzz/FuzzExtract are a baked PNG and a baked SVG). Extract must
// never panic, and whatever PNG or SVG accept as an image must give back
// what was baked into it, and the same image when baked again.
func FuzzExtract(f *testing.F) {
	f.Add([]byte(fixtureSVG))
	f.Add(readFixture(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Extract(data)
		_ = Format(data)

		if baked, err := PNG(data, hostedJSON); err == nil {
			if got, err := Extract(baked); err != nil || got != hostedJSON {
				t.Fatalf("Extract of a baked PNG = %q, %v", got, err)
			}
			if again, err := PNG(baked, hostedJSON); err != nil || !bytes.Equal(again, baked) {
				t.Fatalf("baking a baked PNG again: %v, changed %t", err, !bytes.Equal(again, baked))
			}
		}
		for _, tc := range []struct{ assertion, verify string }{{hostedJSON, hostedURL}, {"", jws}} {
			baked, err := SVG(data, tc.assertion, tc.verify)
			if err != nil {
				continue
			}
			want := tc.assertion
			if want == "" {
				want = tc.verify
			}
			if got, err := Extract(baked); err != nil || got != want {
				t.Fatalf("Extract of a baked SVG = %q, %v\n%s", got, err, baked)
			}
			if again, err := SVG(baked, tc.assertion, tc.verify); err != nil || !bytes.Equal(again, baked) {
				t.Fatalf("baking a baked SVG again: %v\n%s\n%s", err, baked, again)
			}
		}
	})
}
