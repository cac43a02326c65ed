package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestEscoImport loads the shipped ESCO dataset with `laurel esco import`,
// again (nothing changes), as an older version (nothing changes either),
// and makes the mistakes an operator can make.
func TestEscoImport(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	dataset := must(filepath.Abs("../../esco/testdata/dataset-v1.1.1-en"))

	report := func(news, updated, unchanged, kept string) *regexp.Regexp {
		return regexp.MustCompile(`^imported ESCO v1\.1\.1: 6 files, \d{4} rows, (\d{4}) concepts: ` +
			news + ` new, ` + updated + ` updated, ` + unchanged + ` unchanged, ` + kept + ` kept \(newer version stored\)\n$`)
	}
	out := mustLaurel(t, opts{}, "esco", "import", "--data", data, dataset)
	m := report(`(\d{4})`, "0", "0", "0").FindStringSubmatch(out)
	if m == nil || m[1] != m[2] {
		t.Fatalf("first import printed %q", out)
	}
	concepts := m[1]
	if out := mustLaurel(t, opts{}, "esco", "import", dataset, "--data", data); !report("0", "0", concepts, "0").MatchString(out) {
		t.Errorf("second import printed %q", out)
	}
	older := strings.NewReplacer("v1.1.1", "v1.0.0", `v1\.1\.1`, `v1\.0\.0`)
	want := regexp.MustCompile(older.Replace(report("0", "0", "0", concepts).String()))
	if out := mustLaurel(t, opts{}, "esco", "import", "--data", data, "--version", "v1.0.0", dataset); !want.MatchString(out) {
		t.Errorf("import as an older version printed %q", out)
	}
	assertPostgresStopped(t, data, "esco import")

	noVersion := filepath.Join(t.TempDir(), "esco")
	if err := os.Mkdir(noVersion, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noVersion, "occupations_en.csv"),
		[]byte("conceptType,conceptUri,preferredLabel\nOccupation,http://data.europa.eu/esco/occupation/x,x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dataset, "occupations_en.csv")
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		want     []string
		dbLogs   bool // got as far as the database, which may log first
		fast     bool // fails before the database is opened
	}{
		{name: "no directory", args: []string{"esco", "import", "--data", data},
			wantCode: 2, want: []string{"missing DIR"}, fast: true},
		{name: "missing directory", args: []string{"esco", "import", "--data", data, dataset + "-nope"},
			wantCode: 1, want: []string{"dataset-v1.1.1-en-nope", "no such file"}, fast: true},
		{name: "a file", args: []string{"esco", "import", "--data", data, file},
			wantCode: 1, want: []string{"occupations_en.csv is not a directory"}, fast: true},
		{name: "no version", args: []string{"esco", "import", "--data", data, noVersion},
			wantCode: 1, want: []string{"version", "give the version"}, dbLogs: true},
		{name: "bad version", args: []string{"esco", "import", "--data", data, "--version", "latest", dataset},
			wantCode: 1, want: []string{`"latest" is not an ESCO version`}, dbLogs: true},
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
			case !strings.HasPrefix(errs[0], "laurel esco import: "):
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
			assertPostgresStopped(t, data, "a failed esco import")
		})
	}
}
