package main

import (
	"strings"
	"testing"
)

// TestSignupModeCommand sets the node's sign-up mode from the shell.
func TestSignupModeCommand(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	if out := mustLaurel(t, opts{}, "signup", "mode", "--data", data, "invitation"); out != "sign-up mode: invitation\n" {
		t.Errorf("signup mode printed %q", out)
	}
	assertPostgresStopped(t, data, "the signup mode command")
	for _, tc := range []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"signup", "mode", "--data", data, "sometimes"}, 1, "must be open, invitation or closed"},
		{[]string{"signup", "mode", "--data", data}, 2, "missing MODE"},
	} {
		r := laurel(t, opts{}, tc.args...)
		if r.code != tc.wantCode || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("laurel %s = %s, want exit %d saying %q", strings.Join(tc.args, " "), r, tc.wantCode, tc.want)
		}
	}
}
