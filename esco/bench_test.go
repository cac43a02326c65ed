package esco

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/testkit"
)

// benchQueries are two-word searches as people type them into a picker,
// some still being typed.
var benchQueries = []string{
	"project management", "data analysis", "customer service", "software development", "quality control",
	"financial reports", "lead team", "social media", "health safety", "machine learning",
	"food safety", "manage staff", "budget planning", "risk management", "technical drawings",
	"foreign languages", "public speaking", "waste management", "patient care", "computer programming",
	"project manag", "data analy", "customer serv", "teach english", "nurse assistant",
}

// BenchmarkSearchLocal times SearchLocal on two-word queries over the
// shipped English set (about 2,200 skills, 3,000 occupations and 640 skill
// groups), and over the same set grown to 14,000 skills, ESCO's full size,
// with skills made up from the words of real ones. It reports the 50th
// and 95th percentile in milliseconds, the same for a primary-key Lookup
// measured in the same run as the baseline of a round trip, and the ratio
// of the two 95th percentiles.
func BenchmarkSearchLocal(b *testing.B) {
	db := importShipped(b)
	b.Run("shipped", func(b *testing.B) { benchSearch(b, db) })
	growSkills(b, db, 14000)
	b.Run("14k-skills", func(b *testing.B) { benchSearch(b, db) })
}

func benchSearch(b *testing.B, db *pgxpool.Pool) {
	ctx := context.Background()
	var sample []string
	rows, err := db.Query(ctx, `SELECT uri FROM esco_concept ORDER BY md5(uri) LIMIT 500`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var uri string
		if err := rows.Scan(&uri); err != nil {
			b.Fatal(err)
		}
		sample = append(sample, uri)
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	// Warm up, and check that the queries find something.
	for _, text := range benchQueries {
		if res, err := SearchLocal(ctx, db, Query{Text: text}); err != nil || res.Total == 0 {
			b.Fatalf("search %q: %d found, %v", text, res.Total, err)
		}
	}
	var lookups []time.Duration
	for _, uri := range sample {
		start := time.Now()
		if _, err := Lookup(ctx, db, uri); err != nil {
			b.Fatal(err)
		}
		lookups = append(lookups, time.Since(start))
	}

	var searches []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, err := SearchLocal(ctx, db, Query{Text: benchQueries[i%len(benchQueries)]}); err != nil {
			b.Fatal(err)
		}
		searches = append(searches, time.Since(start))
		i++
	}
	p50, p95 := percentile(searches, 50), percentile(searches, 95)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p95, "p95-ms")
	b.ReportMetric(percentile(lookups, 50), "pk-p50-ms")
	b.ReportMetric(percentile(lookups, 95), "pk-p95-ms")
	b.ReportMetric(p95/percentile(lookups, 95), "p95/pk-p95")
}

// percentile returns the p-th percentile of ds, in milliseconds.
func percentile(ds []time.Duration, p int) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*p+99)/100-1)
	return float64(s[max(0, i)]) / float64(time.Millisecond)
}

// growSkills adds made-up skills until the store has total of them: each
// pairs the first word of one real skill label with the rest of another,
// with two alternative labels made the same way, so that the words and their
// frequencies stay those of ESCO.
func growSkills(b *testing.B, db *pgxpool.Pool, total int) {
	ctx := context.Background()
	var have int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM esco_concept WHERE type = 'skill'`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	var verbs, objects []string
	rows, err := db.Query(ctx, `SELECT norm FROM esco_label WHERE type = 'skill' AND norm LIKE '% %' ORDER BY norm`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var label string
		if err := rows.Scan(&label); err != nil {
			b.Fatal(err)
		}
		verb, object, _ := strings.Cut(label, " ")
		verbs, objects = append(verbs, verb), append(objects, object)
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	made := func(i, salt int) string {
		return verbs[(i*31+salt*7)%len(verbs)] + " " + objects[(i*7919+salt*104729)%len(objects)]
	}
	var batch []Concept
	for i := range total - have {
		batch = append(batch, Concept{
			URI: fmt.Sprintf("http://data.europa.eu/esco/skill/bench-%05d", i), Type: TypeSkill, Version: "v1.1.1", Status: "released",
			Labels:    map[string]string{"en": made(i, 0)},
			AltLabels: map[string][]string{"en": {made(i, 1), made(i, 2)}},
		})
		if len(batch) == 1000 || i == total-have-1 {
			if err := Upsert(ctx, db, "import", batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, err := db.Exec(ctx, `ANALYZE esco_concept, esco_label`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkImport times Import of the shipped set into an empty store, and
// again over the same set, which changes nothing.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	db := testkit.DB(b)
	b.Run("empty", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if _, err := db.Exec(ctx, `TRUNCATE esco_concept CASCADE`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := Import(ctx, db, shippedSet, ImportOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
	})
	b.Run("again", func(b *testing.B) {
		if _, err := Import(ctx, db, shippedSet, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if r, err := Import(ctx, db, shippedSet, ImportOptions{}); err != nil || r.Changed() != 0 {
				b.Fatalf("import: %+v, %v", r, err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/import")
	})
}
