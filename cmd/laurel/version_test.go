package main

import (
	"runtime/debug"
	"testing"

	"golang.org/x/mod/semver"
)

// TestBuildVersion: NodeInfo's software.version is always Semantic
// Versioning, never Go's "(devel)", which strict parsers (Fedify) refuse.
func TestBuildVersion(t *testing.T) {
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "5825351a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"}
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "0.0.0-dev"},
		{"a tagged release", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.2"}}, "1.4.2"},
		{"a pseudo-version", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207065742-5825351a0b1c"}}, "0.0.0-20261207065742-5825351a0b1c"},
		{"go run in a checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{rev}}, "0.0.0-dev+5825351a0b1c"},
		{"with local changes", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{rev, {Key: "vcs.modified", Value: "true"}}}, "0.0.0-dev+5825351a0b1c.dirty"},
		{"no VCS stamp", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "0.0.0-dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := buildVersion(tc.bi)
			if got != tc.want {
				t.Fatalf("version %q, want %q", got, tc.want)
			}
			if !semver.IsValid("v" + got) {
				t.Fatalf("%q is not Semantic Versioning", got)
			}
		})
	}
}
