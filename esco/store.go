package esco

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/unicode/norm"

	"github.com/laurelnet/laurel/problem"
)

// DB is what the store needs of a connection: a pool, a connection or a
// transaction, so that callers can put the store's changes in a transaction
// of their own (Begin on a transaction makes a savepoint).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Limits of the local store and its search.
const (
	// MaxSearchText is the longest search text SearchLocal takes, in
	// characters, once its spaces are collapsed.
	MaxSearchText = 200
	// MaxSearchOffset is the largest offset SearchLocal pages to.
	MaxSearchOffset = 10000
	// maxLabelBytes bounds one folded label: longer ones are kept on the
	// concept but not indexed (no ESCO label comes near it).
	maxLabelBytes = 1000
	// labelBatch is how many concepts' labels are rewritten per round trip.
	labelBatch = 1000
)

// Upsert stores concepts, from source "api" (fetched from ESCO) or
// "import" (a bulk download), in one transaction. A stored concept of a
// newer ESCO version is kept rather than overwritten with an older one
// (versions compare numerically: v1.1.1 < v1.2.0 < v1.10.0); otherwise the
// concept's labels, alternative labels and descriptions are replaced in each
// language the new one has, and kept in the others. A concept whose content
// does not change is not rewritten.
func Upsert(ctx context.Context, db DB, source string, concepts ...Concept) error {
	if source != "api" && source != "import" {
		return fmt.Errorf("store ESCO concepts: source %q: must be api or import", source)
	}
	if len(concepts) == 0 {
		return nil
	}
	// One row per URI, the newest version winning (the last of equals), as
	// one statement cannot write a row twice.
	byURI := make(map[string]int, len(concepts))
	var rows []Concept
	for _, c := range concepts {
		c, err := cleanConcept(c)
		if err != nil {
			return err
		}
		if i, ok := byURI[c.URI]; ok {
			if compareVersions(c.Version, rows[i].Version) >= 0 {
				rows[i] = c
			}
			continue
		}
		byURI[c.URI] = len(rows)
		rows = append(rows, c)
	}
	payload, err := json.Marshal(toUpsertRows(rows))
	if err != nil {
		return fmt.Errorf("store ESCO concepts: encode: %w", err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store ESCO concepts: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	m, err := mergeConcepts(ctx, tx, source, upsertSource, string(payload))
	if err != nil {
		return fmt.Errorf("store ESCO concepts: %w", err)
	}
	if err := writeLabels(ctx, tx, m.changed); err != nil {
		return fmt.Errorf("store ESCO concepts: %w", err)
	}
	if source == "api" {
		// A fetch that found the stored concept as it was still counts as
		// a fetch, for whatever refreshes stale concepts.
		uris := make([]string, len(rows))
		versions := make([]string, len(rows))
		for i, c := range rows {
			uris[i], versions[i] = c.URI, c.Version
		}
		if _, err := tx.Exec(ctx, `UPDATE esco_concept c SET fetched_at = now()
			FROM unnest($1::text[], $2::text[]) AS t(uri, version)
			WHERE c.uri = t.uri AND esco_version_key(c.version) = esco_version_key(t.version)`, uris, versions); err != nil {
			return fmt.Errorf("store ESCO concepts: note fetch: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store ESCO concepts: commit: %w", err)
	}
	return nil
}

// upsertRow is a concept as upsertSource reads it, spelled out here rather
// than taken from Concept's JSON form, which is for clients.
type upsertRow struct {
	URI          string              `json:"uri"`
	Type         string              `json:"type"`
	Code         string              `json:"code"`
	Version      string              `json:"version"`
	Status       string              `json:"status"`
	Labels       map[string]string   `json:"labels"`
	AltLabels    map[string][]string `json:"alt_labels"`
	Descriptions map[string]string   `json:"descriptions"`
}

func toUpsertRows(concepts []Concept) []upsertRow {
	rows := make([]upsertRow, len(concepts))
	for i, c := range concepts {
		//lint:ignore S1016 a conversion would stop compiling when Concept gains a field
		rows[i] = upsertRow{URI: c.URI, Type: c.Type, Code: c.Code, Version: c.Version, Status: c.Status,
			Labels: c.Labels, AltLabels: c.AltLabels, Descriptions: c.Descriptions}
	}
	return rows
}

// upsertSource reads Upsert's concepts, upsertRows, from a JSON array
// parameter ($2).
const upsertSource = `SELECT uri, type, coalesce(code, '') AS code, coalesce(version, '') AS version,
	coalesce(status, '') AS status, coalesce(labels, '{}') AS labels,
	coalesce(alt_labels, '{}') AS alt_labels, coalesce(descriptions, '{}') AS descriptions
	FROM jsonb_to_recordset($2::jsonb) AS x(uri text, type text, code text, version text, status text,
		labels jsonb, alt_labels jsonb, descriptions jsonb)`

var (
	versionPattern = regexp.MustCompile(`^v?\d{1,6}(\.\d{1,6}){0,5}$`)
	languageCode   = regexp.MustCompile(`^[a-z]{2}$`)
)

// cleanConcept checks c and trims the stray spaces ESCO's labels can carry.
func cleanConcept(c Concept) (Concept, error) {
	c.URI = strings.TrimSpace(c.URI)
	switch {
	case c.URI == "" || len(c.URI) > 500 || !(strings.HasPrefix(c.URI, "http://") || strings.HasPrefix(c.URI, "https://")):
		return c, problem.Invalidf("uri", "%q is not a concept URI", c.URI)
	case c.Type != TypeSkill && c.Type != TypeOccupation && c.Type != TypeConcept:
		return c, problem.Invalidf("type", "%q: must be skill, occupation or concept", c.Type)
	case c.Version != "" && !versionPattern.MatchString(c.Version):
		return c, problem.Invalidf("version", "%q is not an ESCO version like v1.2.0", c.Version)
	}
	c.Code = strings.TrimSpace(c.Code)
	c.Status = strings.TrimSpace(c.Status)
	c.Labels = trimTexts(c.Labels, tidyLabel)
	c.Descriptions = trimTexts(c.Descriptions, strings.TrimSpace)
	alt := make(map[string][]string, len(c.AltLabels))
	for lang, labels := range c.AltLabels {
		var keep []string
		for _, l := range labels {
			if l = tidyLabel(l); l != "" && !slices.Contains(keep, l) {
				keep = append(keep, l)
			}
		}
		if len(keep) > 0 {
			alt[lang] = keep
		}
	}
	c.AltLabels = alt
	return c, nil
}

func trimTexts(m map[string]string, trim func(string) string) map[string]string {
	out := make(map[string]string, len(m))
	for lang, s := range m {
		if s = trim(s); s != "" {
			out[lang] = s
		}
	}
	return out
}

// tidyLabel trims a label and collapses its spaces.
func tidyLabel(s string) string { return strings.Join(strings.Fields(s), " ") }

// compareVersions orders ESCO versions as esco_version_key does in SQL: by
// their numbers, left to right.
func compareVersions(a, b string) int {
	return slices.CompareFunc(versionNumbers(a), versionNumbers(b), func(x, y string) int {
		x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
		return cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(x, y))
	})
}

var digits = regexp.MustCompile(`\d+`)

func versionNumbers(v string) []string { return digits.FindAllString(v, -1) }

// merged says what mergeConcepts did.
type merged struct {
	concepts, inserted, updated, older int
	changed                            []string // URIs inserted or updated
}

// mergeSQL writes the concepts that the query src returns into
// esco_concept and counts what it did. A concept is written when it is new,
// or when its version is not older than the stored one and its content
// differs; per language, new labels replace old ones.
const mergeSQL = `
WITH src AS MATERIALIZED (%s),
prior AS MATERIALIZED (
	SELECT c.uri, esco_version_key(c.version) AS vk FROM esco_concept c JOIN src USING (uri)
),
written AS (
	INSERT INTO esco_concept AS c (uri, type, code, version, status, labels, alt_labels, descriptions, source)
	SELECT uri, type, code, version, status, labels, alt_labels, descriptions, $1 FROM src
	ON CONFLICT (uri) DO UPDATE SET
		type = excluded.type,
		code = coalesce(nullif(excluded.code, ''), c.code),
		version = excluded.version,
		status = coalesce(nullif(excluded.status, ''), c.status),
		labels = c.labels || excluded.labels,
		alt_labels = c.alt_labels || excluded.alt_labels,
		descriptions = c.descriptions || excluded.descriptions,
		source = excluded.source,
		fetched_at = now(),
		updated_at = now()
	WHERE esco_version_key(excluded.version) >= esco_version_key(c.version)
		AND (excluded.type, coalesce(nullif(excluded.code, ''), c.code), excluded.version,
			coalesce(nullif(excluded.status, ''), c.status), c.labels || excluded.labels,
			c.alt_labels || excluded.alt_labels, c.descriptions || excluded.descriptions)
		IS DISTINCT FROM (c.type, c.code, c.version, c.status, c.labels, c.alt_labels, c.descriptions)
	RETURNING c.uri
)
SELECT count(*),
	count(*) FILTER (WHERE w.uri IS NOT NULL AND p.uri IS NULL),
	count(*) FILTER (WHERE w.uri IS NOT NULL AND p.uri IS NOT NULL),
	count(*) FILTER (WHERE w.uri IS NULL AND p.vk > esco_version_key(s.version)),
	coalesce(array_agg(s.uri) FILTER (WHERE w.uri IS NOT NULL), '{}')
FROM src s LEFT JOIN prior p USING (uri) LEFT JOIN written w USING (uri)`

// mergeConcepts runs mergeSQL over src, a query whose parameters start at
// $2 (the source is $1).
func mergeConcepts(ctx context.Context, tx pgx.Tx, source, src string, args ...any) (merged, error) {
	var m merged
	err := tx.QueryRow(ctx, fmt.Sprintf(mergeSQL, src), append([]any{source}, args...)...).
		Scan(&m.concepts, &m.inserted, &m.updated, &m.older, &m.changed)
	if err != nil {
		return m, fmt.Errorf("merge concepts: %w", err)
	}
	return m, nil
}

// writeLabels rewrites the esco_label rows of the concepts uris from what
// esco_concept now holds, folding each label in Go (see foldText).
func writeLabels(ctx context.Context, tx pgx.Tx, uris []string) error {
	for batch := range slices.Chunk(uris, labelBatch) {
		if _, err := tx.Exec(ctx, `DELETE FROM esco_label WHERE uri = ANY($1)`, batch); err != nil {
			return fmt.Errorf("delete old labels: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT uri, type, labels, alt_labels FROM esco_concept WHERE uri = ANY($1)`, batch)
		if err != nil {
			return fmt.Errorf("read labels: %w", err)
		}
		var out [][]any
		for rows.Next() {
			var uri, typ string
			var labels map[string]string
			var alt map[string][]string
			if err := rows.Scan(&uri, &typ, &labels, &alt); err != nil {
				rows.Close()
				return fmt.Errorf("read labels: %w", err)
			}
			out = appendLabelRows(out, uri, typ, labels, alt)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read labels: %w", err)
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"esco_label"},
			[]string{"uri", "language", "kind", "label", "norm", "type"}, pgx.CopyFromRows(out))
		if err != nil {
			return fmt.Errorf("write labels: %w", err)
		}
	}
	return nil
}

// appendLabelRows adds one esco_label row per distinct folded label of a
// concept, in a stable order: preferred labels first, and an alternative
// label that folds to the preferred one is left out.
func appendLabelRows(out [][]any, uri, typ string, labels map[string]string, alt map[string][]string) [][]any {
	type key struct{ lang, kind, norm string }
	seen := map[key]bool{}
	add := func(lang, kind, label string) {
		n := foldText(label)
		k := key{lang, kind, n}
		if n == "" || len(n) > maxLabelBytes || !languageCode.MatchString(lang) || seen[k] ||
			(kind == "alternative" && seen[key{lang, "preferred", n}]) {
			return
		}
		seen[k] = true
		out = append(out, []any{uri, lang, kind, label, n, typ})
	}
	for _, lang := range sortedKeys(labels) {
		add(lang, "preferred", labels[lang])
	}
	for _, lang := range sortedKeys(alt) {
		for _, l := range alt[lang] {
			add(lang, "alternative", l)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// foldText is text as local search compares it: lower case (in every
// script, which PostgreSQL's lower() under the C locale is not), accents
// and other combining marks removed, a few letters that have no
// decomposition spelled out (ß as ss, ø as o, ...), slashes read as spaces,
// and spaces trimmed and collapsed to one.
func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := foldLetters[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(norm.NFC.String(b.String())), " ")
}

// foldLetters spells out the letters of ESCO's languages that Unicode does
// not decompose into a base letter and a mark.
var foldLetters = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ħ': "h", 'ı': "i", 'ð': "d", 'þ': "th",
	'ς': "σ", // Greek final sigma: upper-case text lowers to σ
	// ESCO's gendered forms (Softwareentwickler/Softwareentwicklerin): the
	// text-search parser would read a slash-joined pair as one file path.
	'/': " ",
}

// Lookup returns the stored concept uri, or a problem.NotFound.
func Lookup(ctx context.Context, db DB, uri string) (Concept, error) {
	uri = strings.TrimSpace(uri)
	c, err := scanConcept(db.QueryRow(ctx, `SELECT uri, type, code, version, status, labels, alt_labels, descriptions
		FROM esco_concept WHERE uri = $1`, uri))
	if errors.Is(err, pgx.ErrNoRows) {
		return Concept{}, problem.NotFoundf("ESCO concept %q is not in the local store", uri)
	}
	if err != nil {
		return Concept{}, fmt.Errorf("look up ESCO concept %s: %w", uri, err)
	}
	return c, nil
}

func scanConcept(row pgx.Row) (Concept, error) {
	var c Concept
	err := row.Scan(&c.URI, &c.Type, &c.Code, &c.Version, &c.Status, &c.Labels, &c.AltLabels, &c.Descriptions)
	return c, err
}

// SearchLocal searches the stored concepts (Results.Source "local"), as
// ESCO's search would when it cannot be reached. Every word of the text must
// begin a word of a preferred or alternative label in q.Language (in any
// order); when nothing in that language matches, English labels are searched
// instead. Results come most relevant first: an exact preferred label, then
// a preferred label that begins with the text, then an exact alternative
// label, one that begins with the text, then the rest by full-text rank,
// preferred labels before alternative ones and shorter before longer. Each
// concept comes once, ranked by its best label. q.Version is not used: the
// store keeps the newest version of each concept.
func SearchLocal(ctx context.Context, db DB, q Query) (Results, error) {
	text, lang, limit, err := checkQuery(&q)
	if err != nil {
		return Results{}, err
	}
	res := Results{Concepts: []Concept{}, Source: "local"}
	if text == "" {
		return res, nil
	}
	for {
		res, err = searchLabels(ctx, db, text, lang, q.Types, limit, q.Offset)
		if err != nil || res.Total > 0 || lang == "en" {
			return res, err
		}
		lang = "en"
	}
}

// checkQuery validates q and returns its folded text, its language and its
// page size, defaults applied.
func checkQuery(q *Query) (text, lang string, limit int, err error) {
	collapsed := strings.Join(strings.Fields(q.Text), " ")
	if n := utf8.RuneCountInString(collapsed); n > MaxSearchText {
		return "", "", 0, problem.Invalidf("text", "is %d characters long: at most %d, please", n, MaxSearchText)
	}
	lang = cmp.Or(strings.ToLower(strings.TrimSpace(q.Language)), "en")
	if !slices.Contains(Languages, lang) {
		return "", "", 0, problem.Invalidf("language", "%q is not one of ESCO's languages (%s)", q.Language, strings.Join(Languages, ", "))
	}
	for _, t := range q.Types {
		if t != TypeSkill && t != TypeOccupation && t != TypeConcept {
			return "", "", 0, problem.Invalidf("type", "%q: must be skill, occupation or concept", t)
		}
	}
	if q.Offset < 0 || q.Offset > MaxSearchOffset {
		return "", "", 0, problem.Invalidf("offset", "must be from 0 to %d", MaxSearchOffset)
	}
	limit = q.Limit
	switch {
	case limit <= 0:
		limit = 20
	case limit > 100:
		limit = 100
	}
	return foldText(collapsed), lang, limit, nil
}

// searchSQL finds labels in language $2 that match every word of the folded
// text $1 as a prefix, keeps each concept's best label and returns the
// page's concepts, best first, with the number of concepts found. The text
// is split into words by the same parser that indexed the labels; each word
// becomes a quoted prefix term, so nothing in it is read as tsquery syntax.
// A word of one letter must match a whole word: as a prefix it would match
// a large part of ESCO and say little.
const searchSQL = `
WITH hits AS (
	SELECT l.uri,
		CASE WHEN l.kind = 'preferred' AND l.norm = $1 THEN 0
			WHEN l.kind = 'preferred' AND starts_with(l.norm, $1) THEN 1
			WHEN l.norm = $1 THEN 2
			WHEN starts_with(l.norm, $1) THEN 3
			ELSE 4 END AS tier,
		ts_rank(l.tsv, t.query, 2) AS rank,
		l.kind <> 'preferred' AS alternative,
		length(l.norm) AS len
	FROM esco_label l,
		(SELECT array_to_string(ARRAY(
			SELECT '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''
				|| CASE WHEN length(lexeme) > 1 THEN ':*' ELSE '' END
			FROM unnest(to_tsvector('simple', $1::text))), ' & ')::tsquery AS query) t
	WHERE l.tsv @@ t.query AND l.language = $2
		AND (cardinality($3::text[]) = 0 OR l.type = ANY ($3::text[]))
),
best AS MATERIALIZED (
	SELECT DISTINCT ON (uri) * FROM hits ORDER BY uri, tier, rank DESC, alternative, len
)
SELECT n.total, c.uri, c.type, c.code, c.version, c.status, c.labels, c.alt_labels, c.descriptions
FROM (SELECT count(*) AS total FROM best) n
LEFT JOIN LATERAL (
	SELECT * FROM best ORDER BY tier, rank DESC, alternative, len, uri LIMIT $4 OFFSET $5
) p ON true
LEFT JOIN esco_concept c ON c.uri = p.uri
ORDER BY p.tier, p.rank DESC, p.alternative, p.len, p.uri`

func searchLabels(ctx context.Context, db DB, text, lang string, types []string, limit, offset int) (Results, error) {
	res := Results{Concepts: []Concept{}, Source: "local"}
	if types == nil {
		types = []string{}
	}
	rows, err := db.Query(ctx, searchSQL, text, lang, types, limit, offset)
	if err != nil {
		return res, fmt.Errorf("search ESCO concepts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c struct {
			URI, Type, Code, Version, Status *string
			Labels, Descriptions             map[string]string
			AltLabels                        map[string][]string
		}
		if err := rows.Scan(&res.Total, &c.URI, &c.Type, &c.Code, &c.Version, &c.Status, &c.Labels, &c.AltLabels, &c.Descriptions); err != nil {
			return res, fmt.Errorf("search ESCO concepts: %w", err)
		}
		if c.URI == nil { // nothing on this page
			continue
		}
		res.Concepts = append(res.Concepts, Concept{URI: *c.URI, Type: *c.Type, Code: *c.Code, Version: *c.Version,
			Status: *c.Status, Labels: c.Labels, AltLabels: c.AltLabels, Descriptions: c.Descriptions})
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("search ESCO concepts: %w", err)
	}
	return res, nil
}
