package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDomainCommands manages the domain policy from the shell: block,
// allow, list, unblock, and the mistakes an operator can make.
func TestDomainCommands(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)

	if out := mustLaurel(t, opts{}, "domain", "block", "--data", data, "https://Spam.Example/users/x", "--reason", "spam\tand abuse"); out != "blocked spam.example\n" {
		t.Errorf("domain block printed %q", out)
	}
	if out := mustLaurel(t, opts{}, "domain", "block", "--data", data, "127.0.0.3:8443"); out != "blocked 127.0.0.3:8443\n" {
		t.Errorf("domain block printed %q", out)
	}
	if out := mustLaurel(t, opts{}, "domain", "allow", "--data", data, "friends.example"); out != "allowed friends.example\n" {
		t.Errorf("domain allow printed %q", out)
	}
	assertPostgresStopped(t, data, "the domain commands")

	created := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`
	want := regexp.MustCompile(`^block\t127\.0\.0\.3:8443\t` + created + `\t\n` +
		`block\tspam\.example\t` + created + `\tspam and abuse\n` +
		`allow\tfriends\.example\t` + created + `\n$`)
	if out := mustLaurel(t, opts{}, "domain", "list", "--data", data); !want.MatchString(out) {
		t.Errorf("domain list printed:\n%s\nwant it to match %s", out, want)
	}

	if out := mustLaurel(t, opts{}, "domain", "unblock", "--data", data, "spam.example"); out != "unblocked spam.example\n" {
		t.Errorf("domain unblock printed %q", out)
	}
	if out := mustLaurel(t, opts{}, "domain", "disallow", "--data", data, "FRIENDS.example."); out != "disallowed friends.example\n" {
		t.Errorf("domain disallow printed %q", out)
	}
	if out := mustLaurel(t, opts{}, "domain", "list", "--data", data); !strings.HasPrefix(out, "block\t127.0.0.3:8443\t") || len(lines(out)) != 1 {
		t.Errorf("domain list after unblock and disallow printed %q", out)
	}

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		dbLogs   bool // got as far as the database, which may log first
		fast     bool // fails before the database is opened
	}{
		{name: "unblock unknown", args: []string{"domain", "unblock", "--data", data, "never.example"},
			wantCode: 1, want: []string{"never.example", "not blocked"}, dbLogs: true},
		{name: "disallow unknown", args: []string{"domain", "disallow", "--data", data, "never.example"},
			wantCode: 1, want: []string{"never.example", "not on the allowlist"}, dbLogs: true},
		{name: "invalid host", args: []string{"domain", "block", "--data", data, "not_a host"},
			wantCode: 1, want: []string{"host", "not_a host"}, fast: true},
		{name: "no host", args: []string{"domain", "block", "--data", data},
			wantCode: 2, want: []string{"missing HOST"}, fast: true},
		{name: "two hosts", args: []string{"domain", "allow", "--data", data, "a.example", "b.example"},
			wantCode: 2, want: []string{`unexpected argument "b.example"`}, fast: true},
		{name: "bad federation mode", args: []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--federation-mode", "closed"},
			wantCode: 1, want: []string{"--federation-mode", "closed", "open or allowlist"}, fast: true},
		{name: "bad language", args: []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--language", "de"},
			wantCode: 1, want: []string{"--language", `"de"`, "en, fi, sv, fr"}, fast: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := laurel(t, opts{}, tc.args...)
			if r.code != tc.wantCode {
				t.Errorf("exit status %d, want %d\n%s", r.code, tc.wantCode, r)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			all := lines(r.stderr)
			var errs []string
			for _, l := range all {
				if !isLogLine(l) {
					errs = append(errs, l)
				}
			}
			switch {
			case len(errs) != 1 || all[len(all)-1] != errs[0]:
				t.Errorf("want one error line, last on stderr, got:\n%s", r.stderr)
			case !tc.dbLogs && len(all) != 1:
				t.Errorf("want the error alone on stderr, got:\n%s", r.stderr)
			case !strings.HasPrefix(errs[0], "laurel "+tc.args[0]):
				t.Errorf("error line %q does not say which command it comes from", errs[0])
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, r.stderr)
				}
			}
			if tc.fast && r.elapsed > 5*time.Second {
				t.Errorf("took %v to fail, want it to fail before opening the database", r.elapsed.Round(time.Millisecond))
			}
			assertPostgresStopped(t, data, "a failed "+strings.Join(tc.args[:2], " "))
		})
	}
}
