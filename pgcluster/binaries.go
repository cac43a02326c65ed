package pgcluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// binaries is a directory holding initdb, pg_ctl and postgres of one installation.
type binaries struct{ dir string }

func (b binaries) path(name string) string { return filepath.Join(b.dir, name) }

// findBinaries returns the first candidate directory (see candidateDirs) that
// holds all of initdb, pg_ctl and postgres. All three must come from the same
// directory so that they are of the same version.
//
// wantMajor, if not empty, is the PG_VERSION of the existing data directory: a
// server of another major version cannot start it, so other versions are
// skipped (Debian can have several installed side by side).
func findBinaries(ctx context.Context, binDir, wantMajor string) (binaries, error) {
	var found []string // versions seen but rejected, for the error message
	for _, dir := range candidateDirs(ctx, binDir) {
		if !isExecutable(filepath.Join(dir, "initdb")) ||
			!isExecutable(filepath.Join(dir, "pg_ctl")) ||
			!isExecutable(filepath.Join(dir, "postgres")) {
			continue
		}
		if wantMajor == "" {
			return binaries{dir}, nil
		}
		major := serverMajor(ctx, filepath.Join(dir, "postgres"))
		if major == wantMajor {
			return binaries{dir}, nil
		}
		found = append(found, fmt.Sprintf("%s in %s", major, dir))
	}

	where := "PATH, pg_config --bindir and /usr/lib/postgresql/*/bin"
	if binDir != "" {
		where = binDir
	}
	if wantMajor != "" && len(found) > 0 {
		return binaries{}, fmt.Errorf("%w for PostgreSQL %s, which created this cluster (found only %s): install the PostgreSQL %s server (e.g. `apt-get install postgresql-%s`), upgrade the cluster with pg_upgrade, or set DATABASE_URL to use an existing server",
			ErrNoBinaries, wantMajor, strings.Join(found, ", "), wantMajor, wantMajor)
	}
	return binaries{}, fmt.Errorf("%w in %s: install the PostgreSQL server (e.g. `apt-get install postgresql`) or set DATABASE_URL to use an existing server",
		ErrNoBinaries, where)
}

// candidateDirs lists where to look for the server binaries, in order: only
// binDir if set; else the directories of PATH, then `pg_config --bindir`, then
// Debian's /usr/lib/postgresql/*/bin from the highest version down.
func candidateDirs(ctx context.Context, binDir string) []string {
	if binDir != "" {
		return []string{binDir}
	}
	var dirs []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if filepath.IsAbs(dir) { // like exec.LookPath, never trust "." or relative entries
			dirs = append(dirs, dir)
		}
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.CommandContext(ctx, pgConfig, "--bindir").Output(); err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(debian, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(b)), filepath.Base(filepath.Dir(a)))
	})
	return append(dirs, debian...)
}

// compareVersions compares dotted numeric versions such as "9.6" and "15".
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// serverMajor returns the major version of a postgres binary in the form
// PG_VERSION uses ("15"; "9.6" before version 10), or "unknown".
func serverMajor(ctx context.Context, postgres string) string {
	// Output: "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
	out, err := exec.CommandContext(ctx, postgres, "--version").Output()
	if err != nil {
		return "unknown"
	}
	_, after, ok := strings.Cut(string(out), ") ")
	if !ok {
		return "unknown"
	}
	version, _, _ := strings.Cut(strings.TrimSpace(after), " ")
	// Drop suffixes such as "beta1" in "16beta1".
	if i := strings.IndexFunc(version, func(r rune) bool { return r != '.' && (r < '0' || r > '9') }); i >= 0 {
		version = version[:i]
	}
	if version == "" {
		return "unknown"
	}
	parts := strings.Split(version, ".")
	if n, _ := strconv.Atoi(parts[0]); n < 10 && len(parts) > 1 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

// isExecutable reports whether path is a regular file with an execute bit.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
