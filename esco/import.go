package esco

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// Import's limits, unless ImportOptions say otherwise.
const (
	// DefaultMaxFileBytes is the largest CSV file Import reads. ESCO's
	// largest, skills_en.csv, is about 10 MB.
	DefaultMaxFileBytes = 200 << 20
	// DefaultMaxRowBytes is the widest row Import takes; wider rows are
	// skipped. ESCO's widest are a few kilobytes.
	DefaultMaxRowBytes = 64 << 10
	// maxSkipReasons is how many skipped rows an ImportReport explains.
	maxSkipReasons = 5
)

// ImportOptions tune Import.
type ImportOptions struct {
	// Version is the ESCO version of the files, e.g. "v1.1.1". Empty: the
	// version in the directory's name, as ESCO names its downloads
	// (dataset-v1.1.1-en, "ESCO dataset - v1.2.0 - classification - en - csv").
	Version string
	// MaxFileBytes refuses the whole import when a CSV file is larger; 0
	// means DefaultMaxFileBytes.
	MaxFileBytes int64
	// MaxRowBytes skips rows whose fields add up to more; 0 means
	// DefaultMaxRowBytes.
	MaxRowBytes int
}

// ImportReport says what Import read and what it changed.
type ImportReport struct {
	Version     string
	Files       []string // the concept files read, by name
	Ignored     []string // other CSV files in the directory (relations, hierarchies), by name
	Rows        int      // data rows read, skipped ones included
	Concepts    int      // distinct concepts in the rows that were not skipped
	Inserted    int      // concepts new to the store
	Updated     int      // stored concepts whose content changed
	Unchanged   int      // stored concepts already as imported
	Older       int      // left alone: the store has a newer version
	Skipped     int      // rows skipped as broken
	SkipReasons []string // why, for the first few: "occupations_en.csv line 12: no conceptUri"
}

// Changed is how many concepts the import inserted or updated.
func (r ImportReport) Changed() int { return r.Inserted + r.Updated }

// String renders the report on one line, and a second one when rows were
// skipped.
func (r ImportReport) String() string {
	s := fmt.Sprintf("imported ESCO %s: %d %s, %d rows, %d concepts: %d new, %d updated, %d unchanged, %d kept (newer version stored)",
		r.Version, len(r.Files), plural(len(r.Files), "file", "files"), r.Rows, r.Concepts, r.Inserted, r.Updated, r.Unchanged, r.Older)
	if len(r.Ignored) > 0 {
		s += fmt.Sprintf("; ignored %d %s without concepts", len(r.Ignored), plural(len(r.Ignored), "file", "files"))
	}
	if r.Skipped > 0 {
		s += fmt.Sprintf("\nskipped %d broken %s: %s", r.Skipped, plural(r.Skipped, "row", "rows"), strings.Join(r.SkipReasons, "; "))
		if r.Skipped > len(r.SkipReasons) {
			s += "; ..."
		}
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Import loads a directory of ESCO's bulk-download CSV files (the official
// layout: conceptType, conceptUri, preferredLabel, altLabels, ...) into the
// local store, in one transaction. Each file's language comes from its
// name (occupations_en.csv, skills_fi.csv); its columns from its header, so
// that the skill collections, which repeat skills in another column order,
// are read too (each concept once). Occupations become TypeOccupation,
// skills TypeSkill, and skill groups and ISCO groups TypeConcept, as ESCO's
// search classes them. Files without concepts (relations, hierarchies) are
// ignored.
//
// A concept is stored as Upsert stores it: importing the same version twice
// changes nothing, and a newer version updates labels under the same URIs.
// A broken row is skipped and reported; it does not stop the import.
func Import(ctx context.Context, db DB, dir string, opts ImportOptions) (ImportReport, error) {
	opts.MaxFileBytes = cmp.Or(opts.MaxFileBytes, DefaultMaxFileBytes)
	opts.MaxRowBytes = cmp.Or(opts.MaxRowBytes, DefaultMaxRowBytes)
	files, ignored, err := listDataset(dir, opts.MaxFileBytes)
	if err != nil {
		return ImportReport{}, err
	}
	version := opts.Version
	if version == "" {
		if version = dirVersion.FindString(filepath.Base(filepath.Clean(dir))); version == "" {
			return ImportReport{}, problem.Invalidf("version", "the name of %s has no ESCO version in it (like dataset-v1.1.1-en): give the version", dir)
		}
	}
	if !versionPattern.MatchString(version) {
		return ImportReport{}, problem.Invalidf("version", "%q is not an ESCO version like v1.2.0", version)
	}
	report := ImportReport{Version: version, Ignored: ignored}
	for _, f := range files {
		report.Files = append(report.Files, f.name)
	}

	tx, err := db.Begin(ctx)
	if err != nil {
		return report, fmt.Errorf("import ESCO: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE esco_import_row (
		file_rank int, line int, uri text, type text, code text, status text,
		language text, label text, alt_labels text[], description text) ON COMMIT DROP`); err != nil {
		return report, fmt.Errorf("import ESCO: %w", err)
	}
	rows := &datasetRows{files: files, maxFile: opts.MaxFileBytes, maxRow: opts.MaxRowBytes, report: &report}
	defer rows.close()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"esco_import_row"},
		[]string{"file_rank", "line", "uri", "type", "code", "status", "language", "label", "alt_labels", "description"},
		rows); err != nil {
		return report, fmt.Errorf("import ESCO: %w", err)
	}
	m, err := mergeConcepts(ctx, tx, "import", importSource, version)
	if err != nil {
		return report, fmt.Errorf("import ESCO: %w", err)
	}
	if err := writeLabels(ctx, tx, m.changed); err != nil {
		return report, fmt.Errorf("import ESCO: %w", err)
	}
	if len(m.changed) > 0 {
		// Fresh statistics, so that the first searches after a first
		// import are planned for the tables as they now are.
		if _, err := tx.Exec(ctx, `ANALYZE esco_concept, esco_label`); err != nil {
			return report, fmt.Errorf("import ESCO: analyze: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `DROP TABLE esco_import_row`); err != nil {
		return report, fmt.Errorf("import ESCO: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return report, fmt.Errorf("import ESCO: commit: %w", err)
	}
	report.Concepts, report.Inserted, report.Updated, report.Older = m.concepts, m.inserted, m.updated, m.older
	report.Unchanged = m.concepts - m.inserted - m.updated - m.older
	return report, nil
}

// importSource turns the imported rows into one row per concept, for
// mergeSQL: per language, the row of the first file wins (the main files
// before the collections that repeat their concepts). $2 is the version.
const importSource = `
SELECT uri,
	(array_agg(type ORDER BY file_rank))[1] AS type,
	coalesce((array_agg(code ORDER BY file_rank) FILTER (WHERE code <> ''))[1], '') AS code,
	$2::text AS version,
	coalesce((array_agg(status ORDER BY file_rank) FILTER (WHERE status <> ''))[1], '') AS status,
	jsonb_object_agg(language, label) AS labels,
	coalesce(jsonb_object_agg(language, to_jsonb(alt_labels)) FILTER (WHERE cardinality(alt_labels) > 0), '{}') AS alt_labels,
	coalesce(jsonb_object_agg(language, description) FILTER (WHERE description <> ''), '{}') AS descriptions
FROM (SELECT DISTINCT ON (uri, language) * FROM esco_import_row ORDER BY uri, language, file_rank, line) r
GROUP BY uri`

var (
	dirVersion  = regexp.MustCompile(`v\d+(\.\d+)+`)
	datasetName = regexp.MustCompile(`^([A-Za-z0-9]+)_([a-z]{2})\.csv$`)
)

// mainFiles are ESCO's files of record for each kind of concept, read before
// the collections and other files that repeat their concepts.
var mainFiles = []string{"occupations", "skills", "skillGroups", "ISCOGroups"}

// fileTypes is the concept type of a file without a conceptType column.
var fileTypes = map[string]string{
	"occupations": TypeOccupation,
	"skills":      TypeSkill,
	"skillGroups": TypeConcept,
	"ISCOGroups":  TypeConcept,
}

// conceptTypes maps ESCO's conceptType column to the types of its search.
var conceptTypes = map[string]string{
	"Occupation":               TypeOccupation,
	"KnowledgeSkillCompetence": TypeSkill,
	"Skill":                    TypeSkill,
	"SkillGroup":               TypeConcept,
	"ISCOGroup":                TypeConcept,
}

// datasetFile is one CSV file of concepts in one language.
type datasetFile struct {
	path, name, language string
	rank                 int // order of precedence: 0 first
	columns              columns
}

// columns are the positions of the columns Import reads; -1 when absent.
type columns struct {
	width                                            int
	conceptType, uri, label, alt, status, desc, code int
	defaultType                                      string // when there is no conceptType column
}

// listDataset finds the concept files of dir: named like occupations_en.csv,
// in one of ESCO's languages, with conceptUri and preferredLabel columns.
func listDataset(dir string, maxBytes int64) (files []datasetFile, ignored []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("import ESCO: read dataset directory: %w", err)
	}
	for _, e := range entries {
		m := datasetName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			continue
		}
		if !slices.Contains(Languages, m[2]) {
			ignored = append(ignored, e.Name())
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, nil, fmt.Errorf("import ESCO: %w", err)
		}
		if info.Size() > maxBytes {
			return nil, nil, fmt.Errorf("import ESCO: %s is %d MB, more than the %d MB an ESCO file can be", e.Name(), info.Size()>>20, maxBytes>>20)
		}
		f := datasetFile{path: filepath.Join(dir, e.Name()), name: e.Name(), language: m[2], rank: len(mainFiles)}
		if i := slices.Index(mainFiles, m[1]); i >= 0 {
			f.rank = i
		}
		var ok bool
		if f.columns, ok, err = readHeader(f.path, fileTypes[m[1]]); err != nil {
			return nil, nil, err
		}
		if !ok {
			ignored = append(ignored, e.Name())
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("import ESCO: no ESCO concept files (like occupations_en.csv or skills_en.csv) in %s", dir)
	}
	// Main files first, then by name; the rank becomes the position.
	slices.SortStableFunc(files, func(a, b datasetFile) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.name, b.name))
	})
	for i := range files {
		files[i].rank = i
	}
	return files, ignored, nil
}

// readHeader reads the columns of a CSV file; ok is false when it is not a
// file of concepts.
func readHeader(path, defaultType string) (c columns, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return c, false, fmt.Errorf("import ESCO: %w", err)
	}
	defer f.Close()
	header, err := newCSVReader(f).Read()
	if errors.Is(err, io.EOF) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("import ESCO: %s: header: %w", filepath.Base(path), err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	col := func(name string) int { return slices.Index(header, name) }
	c = columns{width: len(header), conceptType: col("conceptType"), uri: col("conceptUri"), label: col("preferredLabel"),
		alt: col("altLabels"), status: col("status"), desc: col("description"), code: col("code"), defaultType: defaultType}
	return c, c.uri >= 0 && c.label >= 0 && (c.conceptType >= 0 || defaultType != ""), nil
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked against the header row by row, to skip a broken row rather than stop
	cr.ReuseRecord = true
	return cr
}

// datasetRows streams the rows of the dataset's files to COPY, as a
// pgx.CopyFromSource, skipping (and reporting) broken rows.
type datasetRows struct {
	files   []datasetFile
	maxFile int64
	maxRow  int
	report  *ImportReport

	next   int // index of the next file to open
	file   *datasetFile
	handle *os.File
	reader *csv.Reader
	values []any
	err    error
}

// Next advances to the next good row, across files.
func (d *datasetRows) Next() bool {
	for d.err == nil {
		if d.reader == nil {
			if d.next == len(d.files) {
				return false
			}
			d.open(&d.files[d.next])
			d.next++
			continue
		}
		record, err := d.reader.Read()
		var parseErr *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			d.close()
			continue
		case errors.As(err, &parseErr):
			d.report.Rows++
			d.skip(parseErr.StartLine, parseErr.Err.Error())
			continue
		case err != nil:
			d.err = fmt.Errorf("read %s: %w", d.file.name, err)
			return false
		}
		d.report.Rows++
		line, _ := d.reader.FieldPos(0)
		values, reason := d.file.row(record, line, d.maxRow)
		if reason != "" {
			d.skip(line, reason)
			continue
		}
		d.values = values
		return true
	}
	return false
}

func (d *datasetRows) open(f *datasetFile) {
	h, err := os.Open(f.path)
	if err != nil {
		d.err = fmt.Errorf("open %s: %w", f.name, err)
		return
	}
	// A file that grew since it was listed is still read no further than
	// the limit.
	d.file, d.handle, d.reader = f, h, newCSVReader(io.LimitReader(h, d.maxFile))
	if _, err := d.reader.Read(); err != nil {
		d.err = fmt.Errorf("read %s: header: %w", f.name, err)
	}
}

func (d *datasetRows) close() {
	if d.handle != nil {
		d.handle.Close()
	}
	d.file, d.handle, d.reader = nil, nil, nil
}

func (d *datasetRows) skip(line int, reason string) {
	d.report.Skipped++
	if len(d.report.SkipReasons) < maxSkipReasons {
		d.report.SkipReasons = append(d.report.SkipReasons, fmt.Sprintf("%s line %d: %s", d.file.name, line, reason))
	}
}

// Values returns the current row.
func (d *datasetRows) Values() ([]any, error) { return d.values, nil }

// Err returns what stopped the rows early.
func (d *datasetRows) Err() error { return d.err }

// row turns a CSV record into the values of an esco_import_row row, or says
// why it is skipped.
func (f *datasetFile) row(record []string, line, maxRow int) ([]any, string) {
	c := f.columns
	if len(record) != c.width {
		return nil, fmt.Sprintf("%d fields, the header has %d", len(record), c.width)
	}
	width := 0
	for _, s := range record {
		width += len(s)
	}
	if width > maxRow {
		return nil, fmt.Sprintf("row of %d bytes, more than %d", width, maxRow)
	}
	field := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(record[i])
	}
	uri := field(c.uri)
	typ := c.defaultType
	if c.conceptType >= 0 {
		var ok bool
		if typ, ok = conceptTypes[field(c.conceptType)]; !ok {
			return nil, fmt.Sprintf("conceptType %q is not an occupation, skill or group", field(c.conceptType))
		}
	}
	label := tidyLabel(field(c.label))
	switch {
	case uri == "":
		return nil, "no conceptUri"
	case !strings.HasPrefix(uri, "http://data.europa.eu/esco/") || len(uri) > 500 || strings.ContainsAny(uri, " \t\r\n"):
		return nil, fmt.Sprintf("conceptUri %q is not an ESCO URI", uri)
	case label == "":
		return nil, "no preferredLabel"
	}
	return []any{f.rank, line, uri, typ, field(c.code), field(c.status), f.language, label,
		splitAltLabels(field(c.alt)), field(c.desc)}, ""
}

// splitAltLabels splits an altLabels field: one label a line in ESCO's
// main files, separated by " | " in its collections. Duplicates are left
// out.
func splitAltLabels(s string) []string {
	labels := []string{}
	for l := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '\n' || r == '|' }) {
		if l = tidyLabel(l); l != "" && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	return labels
}
