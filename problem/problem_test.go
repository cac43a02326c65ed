package problem

import (
	"errors"
	"fmt"
	"testing"
)

func TestRename(t *testing.T) {
	target := Invalidf("target", "must be a handle")
	for _, tc := range []struct {
		name  string
		err   error
		field string // "" when err must come back as it is
	}{
		{"renamed", target, "network"},
		{"wrapped", fmt.Errorf("join: %w", target), "network"},
		{"another field", Invalidf("comment", "too long"), ""},
		{"not a problem", errors.New("boom"), ""},
		{"nil", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Rename(tc.err, "network", "target", "url")
			if tc.field == "" {
				if got != tc.err {
					t.Fatalf("Rename = %v, want %v unchanged", got, tc.err)
				}
				return
			}
			p, ok := As(got)
			if !ok || p.Field != tc.field || p.Message != target.Message || p.Kind != target.Kind {
				t.Fatalf("Rename = %#v", got)
			}
		})
	}
	if target.Field != "target" {
		t.Error("Rename changed the original problem")
	}
}
