package issuer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/problem"
)

// Keeping badges' ESCO alignments true: after a pick, the esco_fetch job
// stores the full concept in the organisation's languages; every day the
// esco_refresh job fetches each ESCO concept that badges align to and flags
// for review the badges whose alignment no longer matches (renamed,
// obsolete, gone). Neither changes a badge or an assertion: people do,
// once they have looked.

// Limits of the ESCO jobs.
const (
	// escoMaxAttempts bounds the tries of both jobs when ESCO is
	// unreachable (River's retry policy spaces them).
	escoMaxAttempts = 5
	// escoFetchTimeout bounds one esco_fetch: a few requests, each with
	// the client's own timeout and retries.
	escoFetchTimeout = 2 * time.Minute
	// escoRefreshTimeout bounds one esco_refresh: the client's rate limit
	// (5 requests a second) makes 10,000 concepts take about half an hour.
	escoRefreshTimeout = 3 * time.Hour
	// ESCORefreshAge is how old a stored concept may be before the daily
	// refresh fetches it again. A little under a day, so that each daily
	// run fetches every concept, and a retry after ESCO failed half way
	// does not fetch again what the failed run already stored.
	ESCORefreshAge = 20 * time.Hour
)

// Reasons a badge is flagged for review, for people ("Review: ...").
const (
	reviewRenamed  = "ESCO changed the name of “%s” to “%s”"
	reviewObsolete = "ESCO changed “%s” to obsolete"
	reviewGone     = "ESCO no longer has “%s” (%s)"
)

// ESCOLanguages are the languages an organisation in country (ISO 3166-1
// alpha-2) wants ESCO concepts in: English, then the country's own
// languages that ESCO is published in, the most spoken first:
//
//	AT DE LI: de          BE: nl fr de        BG: bg
//	CH: de fr it          CY GR: el           CZ: cs
//	DK: da                EE: et              ES MX AR CO CL PE: es
//	FI: fi sv             FR MC: fr           HR: hr
//	HU: hu                IE: ga              IS: is
//	IT SM VA: it          LT: lt              LU: fr de
//	LV: lv                MT: mt              NL: nl
//	NO: no                PL: pl              PT BR: pt
//	RO MD: ro             SE: sv              SI: sl
//	SK: sk                UA: uk
//	Arab League members (AE, BH, DZ, EG, IQ, JO, KW, LB, LY, MA, OM,
//	PS, QA, SA, SD, SY, TN, YE): ar
//
// Other countries get English only.
func ESCOLanguages(country string) []string {
	return append([]string{"en"}, countryLanguages(strings.ToUpper(strings.TrimSpace(country)))...)
}

func countryLanguages(country string) []string {
	switch country {
	case "AT", "DE", "LI":
		return []string{"de"}
	case "BE":
		return []string{"nl", "fr", "de"}
	case "BG":
		return []string{"bg"}
	case "CH":
		return []string{"de", "fr", "it"}
	case "CY", "GR":
		return []string{"el"}
	case "CZ":
		return []string{"cs"}
	case "DK":
		return []string{"da"}
	case "EE":
		return []string{"et"}
	case "ES", "MX", "AR", "CO", "CL", "PE":
		return []string{"es"}
	case "FI":
		return []string{"fi", "sv"}
	case "FR", "MC":
		return []string{"fr"}
	case "HR":
		return []string{"hr"}
	case "HU":
		return []string{"hu"}
	case "IE":
		return []string{"ga"}
	case "IS":
		return []string{"is"}
	case "IT", "SM", "VA":
		return []string{"it"}
	case "LT":
		return []string{"lt"}
	case "LU":
		return []string{"fr", "de"}
	case "LV":
		return []string{"lv"}
	case "MT":
		return []string{"mt"}
	case "NL":
		return []string{"nl"}
	case "NO":
		return []string{"no"}
	case "PL":
		return []string{"pl"}
	case "PT", "BR":
		return []string{"pt"}
	case "RO", "MD":
		return []string{"ro"}
	case "SE":
		return []string{"sv"}
	case "SI":
		return []string{"sl"}
	case "SK":
		return []string{"sk"}
	case "UA":
		return []string{"uk"}
	case "AE", "BH", "DZ", "EG", "IQ", "JO", "KW", "LB", "LY", "MA", "OM", "PS", "QA", "SA", "SD", "SY", "TN", "YE":
		return []string{"ar"}
	}
	return nil
}

// ESCOFetchArgs is the job that fetches an ESCO concept just put on a badge
// (AlignBadge queues it) in the languages of the organisation
// (ESCOLanguages) and keeps it in the local store.
type ESCOFetchArgs struct {
	URI            string `json:"uri"`
	OrganisationID int64  `json:"organisation_id"`
}

// Kind implements river.JobArgs.
func (ESCOFetchArgs) Kind() string { return "esco_fetch" }

// InsertOpts bounds the retries when ESCO is unreachable.
func (ESCOFetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: escoMaxAttempts}
}

// ESCOFetchWorker works esco_fetch jobs.
type ESCOFetchWorker struct {
	river.WorkerDefaults[ESCOFetchArgs]
	DB DB
	// ESCO asks ESCO; nil (a node without ESCO's API) cancels every job.
	ESCO *esco.Client
}

// Timeout implements river.Worker.
func (w *ESCOFetchWorker) Timeout(*river.Job[ESCOFetchArgs]) time.Duration { return escoFetchTimeout }

// Work fetches and stores the concept. ESCO being unreachable fails the job,
// so that River tries again later; a concept ESCO does not know, or a node
// without ESCO's API, cancels it.
func (w *ESCOFetchWorker) Work(ctx context.Context, job *river.Job[ESCOFetchArgs]) error {
	if w.ESCO == nil {
		return river.JobCancel(errors.New("this node does not use ESCO's API"))
	}
	_, err := FetchESCOConcept(ctx, w.DB, w.ESCO, job.Args.OrganisationID, job.Args.URI)
	if errors.Is(err, esco.ErrNotFound) || problem.Is(err, problem.NotFound) {
		return river.JobCancel(err)
	}
	return err
}

// FetchESCOConcept fetches ESCO concept uri in the languages of
// organisation orgID (ESCOLanguages of its country), merges the answers and
// stores the concept (source "api"). English must be found (an unknown
// concept gives an error matching esco.ErrNotFound); a language ESCO does
// not answer in is left out.
func FetchESCOConcept(ctx context.Context, db DB, client *esco.Client, orgID int64, uri string) (esco.Concept, error) {
	o, err := OrganisationByID(ctx, db, orgID)
	if err != nil {
		return esco.Concept{}, err
	}
	var merged esco.Concept
	for i, lang := range ESCOLanguages(o.Country) {
		c, err := client.Get(ctx, uri, "", lang, "")
		switch {
		case err == nil:
		case i > 0 && errors.Is(err, esco.ErrNotFound):
			continue
		default:
			return esco.Concept{}, fmt.Errorf("fetch ESCO concept for %s: %w", o.Slug, err)
		}
		if i == 0 {
			merged = c
			continue
		}
		merged.Labels = mergeTexts(merged.Labels, c.Labels)
		merged.Descriptions = mergeTexts(merged.Descriptions, c.Descriptions)
		merged.AltLabels = mergeTexts(merged.AltLabels, c.AltLabels)
	}
	if err := esco.Upsert(ctx, db, "api", merged); err != nil {
		return esco.Concept{}, fmt.Errorf("fetch ESCO concept %s: %w", uri, err)
	}
	return merged, nil
}

// mergeTexts adds to a the languages that only b has.
func mergeTexts[V any](a, b map[string]V) map[string]V {
	out := maps.Clone(a)
	if out == nil {
		out = make(map[string]V, len(b))
	}
	for lang, v := range b {
		if _, ok := out[lang]; !ok {
			out[lang] = v
		}
	}
	return out
}

// ESCORefreshArgs is the daily job that checks every ESCO concept that
// badges align to (see RefreshESCO).
type ESCORefreshArgs struct{}

// Kind implements river.JobArgs.
func (ESCORefreshArgs) Kind() string { return "esco_refresh" }

// InsertOpts bounds the retries when ESCO is unreachable, and makes one
// refresh in 12 hours the most, whichever process's scheduler queues it.
func (ESCORefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: escoMaxAttempts, UniqueOpts: river.UniqueOpts{ByPeriod: 12 * time.Hour}}
}

// ESCORefreshWorker works esco_refresh jobs.
type ESCORefreshWorker struct {
	river.WorkerDefaults[ESCORefreshArgs]
	DB DB
	// ESCO asks ESCO; nil (a node without ESCO's API) makes every job do
	// nothing.
	ESCO *esco.Client
}

// Timeout implements river.Worker.
func (w *ESCORefreshWorker) Timeout(*river.Job[ESCORefreshArgs]) time.Duration {
	return escoRefreshTimeout
}

// Work refreshes the concepts and flags badges; ESCO being unreachable
// fails the job, so that River tries again later.
func (w *ESCORefreshWorker) Work(ctx context.Context, _ *river.Job[ESCORefreshArgs]) error {
	if w.ESCO == nil {
		return nil
	}
	_, err := RefreshESCO(ctx, w.DB, w.ESCO, ESCORefreshAge)
	return err
}

// ESCORefresh says what RefreshESCO did.
type ESCORefresh struct {
	Concepts int // distinct ESCO concepts that badges align to
	Fetched  int // of them, fetched from ESCO now (the others were fresh)
	Gone     int // of them, ESCO answered 404 Not Found
	Flagged  int // review flags raised or reworded
	Cleared  int // open flags resolved because the alignment is fine again or gone from the badge
}

// escoAlignment is one badge class's alignment to an ESCO concept.
type escoAlignment struct {
	badgeID   int64
	url, name string
}

// RefreshESCO fetches, in English, every ESCO concept that a badge class
// aligns to and was not fetched in the last maxAge, and stores it. Then it
// checks each such alignment against the stored concept and flags the
// badge class for review (see BadgeReviews) when ESCO no longer has the
// concept (it answered 404), marks it obsolete, or names it otherwise: the
// alignment's targetName is none of the concept's preferred labels, in any
// language (a badge aligned in Finnish keeps the Finnish label). A badge
// has one open flag per target, reworded when the reason changes; a change
// once reviewed is not flagged again. Open flags of alignments that match
// again, or that are gone from the badge, are resolved. Badges and
// assertions are never changed.
//
// When ESCO is unreachable RefreshESCO stops with an error wrapping
// esco.ErrUnavailable, keeping what it fetched (so that a retry fetches
// only the rest) and flagging nothing. Other failures for single concepts
// are returned together once the rest is done.
func RefreshESCO(ctx context.Context, db DB, client *esco.Client, maxAge time.Duration) (ESCORefresh, error) {
	var rep ESCORefresh
	rows, err := db.Query(ctx, `SELECT b.id, a->>'targetUrl', coalesce(a->>'targetName', '')
		FROM badge_class b CROSS JOIN LATERAL jsonb_array_elements(b.alignments) AS a
		WHERE jsonb_typeof(a) = 'object' AND starts_with(a->>'targetUrl', 'http://data.europa.eu/esco/')
		ORDER BY b.id`)
	if err != nil {
		return rep, fmt.Errorf("refresh ESCO: list alignments: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (escoAlignment, error) {
		var a escoAlignment
		err := r.Scan(&a.badgeID, &a.url, &a.name)
		return a, err
	})
	if err != nil {
		return rep, fmt.Errorf("refresh ESCO: list alignments: %w", err)
	}
	var uris []string
	for _, a := range list {
		if esco.IsConceptURI(a.url) && !slices.Contains(uris, a.url) {
			uris = append(uris, a.url)
		}
	}
	rep.Concepts = len(uris)

	fresh := map[string]bool{}
	rows, err = db.Query(ctx, `SELECT uri FROM esco_concept WHERE uri = ANY($1) AND fetched_at > now() - $2::interval`,
		uris, maxAge)
	if err != nil {
		return rep, fmt.Errorf("refresh ESCO: %w", err)
	}
	freshList, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return rep, fmt.Errorf("refresh ESCO: %w", err)
	}
	for _, u := range freshList {
		fresh[u] = true
	}

	gone := map[string]bool{}
	var failed []error
	for _, uri := range uris {
		if fresh[uri] {
			continue
		}
		c, err := client.Get(ctx, uri, "", "en", "")
		switch {
		case err == nil:
			if err := esco.Upsert(ctx, db, "api", c); err != nil {
				failed = append(failed, err)
				continue
			}
			rep.Fetched++
		case errors.Is(err, esco.ErrNotFound):
			gone[uri] = true
			rep.Gone++
		case errors.Is(err, esco.ErrUnavailable) || ctx.Err() != nil:
			return rep, fmt.Errorf("refresh ESCO: %w", err)
		default:
			failed = append(failed, err)
		}
	}

	for _, a := range list {
		if !esco.IsConceptURI(a.url) {
			continue
		}
		reason := ""
		if gone[a.url] {
			reason = fmt.Sprintf(reviewGone, a.name, a.url)
		} else {
			c, err := esco.Lookup(ctx, db, a.url)
			if problem.Is(err, problem.NotFound) {
				continue // fetching it failed; reported below
			}
			if err != nil {
				return rep, fmt.Errorf("refresh ESCO: %w", err)
			}
			reason = reviewReason(a.name, c)
		}
		if reason == "" {
			n, err := resolveReviews(ctx, db, a.badgeID, a.url)
			if err != nil {
				return rep, err
			}
			rep.Cleared += n
			continue
		}
		flagged, err := flagReview(ctx, db, a.badgeID, a.url, reason)
		if err != nil {
			return rep, err
		}
		if flagged {
			rep.Flagged++
		}
	}
	tag, err := db.Exec(ctx, `UPDATE badge_review r SET resolved_at = now()
		WHERE r.resolved_at IS NULL AND NOT EXISTS (
			SELECT 1 FROM badge_class b CROSS JOIN LATERAL jsonb_array_elements(b.alignments) AS a
			WHERE b.id = r.badge_class_id AND jsonb_typeof(a) = 'object' AND a->>'targetUrl' = r.target_url)`)
	if err != nil {
		return rep, fmt.Errorf("refresh ESCO: resolve flags of removed alignments: %w", err)
	}
	rep.Cleared += int(tag.RowsAffected())
	if len(failed) > 0 {
		return rep, fmt.Errorf("refresh ESCO: %d concept(s) could not be refreshed: %w", len(failed), errors.Join(failed...))
	}
	return rep, nil
}

// reviewReason says why an alignment named name needs a look now that ESCO
// says c, or "" when it does not.
func reviewReason(name string, c esco.Concept) string {
	if strings.EqualFold(c.Status, "obsolete") {
		return fmt.Sprintf(reviewObsolete, name)
	}
	if len(c.Labels) == 0 {
		return ""
	}
	name = strings.Join(strings.Fields(name), " ")
	for _, l := range c.Labels {
		if l == name {
			return ""
		}
	}
	return fmt.Sprintf(reviewRenamed, name, c.Label("en"))
}

// flagReview raises a flag on a badge for its alignment to url, unless the
// same reason was flagged before (open, or resolved: reviewed already). An
// open flag for another reason is reworded.
func flagReview(ctx context.Context, db DB, badgeID int64, url, reason string) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO badge_review (badge_class_id, target_url, reason)
		SELECT $1, $2, $3 WHERE NOT EXISTS (
			SELECT 1 FROM badge_review WHERE badge_class_id = $1 AND target_url = $2 AND reason = $3)
		ON CONFLICT (badge_class_id, target_url) WHERE resolved_at IS NULL
		DO UPDATE SET reason = excluded.reason, created_at = now()`, badgeID, url, reason)
	if err != nil {
		return false, fmt.Errorf("flag badge %d for review: %w", badgeID, err)
	}
	return tag.RowsAffected() > 0, nil
}

// resolveReviews resolves the open flag of a badge's alignment to url.
func resolveReviews(ctx context.Context, db DB, badgeID int64, url string) (int, error) {
	tag, err := db.Exec(ctx, `UPDATE badge_review SET resolved_at = now()
		WHERE badge_class_id = $1 AND target_url = $2 AND resolved_at IS NULL`, badgeID, url)
	if err != nil {
		return 0, fmt.Errorf("resolve review of badge %d: %w", badgeID, err)
	}
	return int(tag.RowsAffected()), nil
}

// BadgeReview is an open flag on a badge class: one of its alignments
// needs a person's look (see RefreshESCO).
type BadgeReview struct {
	ID           int64     `json:"id"`
	BadgeClassID int64     `json:"-"`
	TargetURL    string    `json:"targetUrl"`
	Reason       string    `json:"reason"` // e.g. ESCO changed the name of “...” to “...”
	CreatedAt    time.Time `json:"created_at"`
}

// BadgeReviews returns the open review flags of organisation orgID's badge
// classes, by badge class id, oldest first; flags of alignments since
// removed from their badge are left out.
func BadgeReviews(ctx context.Context, db DB, orgID int64) (map[int64][]BadgeReview, error) {
	rows, err := db.Query(ctx, `SELECT r.id, r.badge_class_id, r.target_url, r.reason, r.created_at
		FROM badge_review r JOIN badge_class b ON b.id = r.badge_class_id
		WHERE b.organisation_id = $1 AND r.resolved_at IS NULL
			AND EXISTS (SELECT 1 FROM jsonb_array_elements(b.alignments) AS a
				WHERE jsonb_typeof(a) = 'object' AND a->>'targetUrl' = r.target_url)
		ORDER BY r.created_at, r.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list badge reviews: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[BadgeReview])
	if err != nil {
		return nil, fmt.Errorf("list badge reviews: %w", err)
	}
	out := make(map[int64][]BadgeReview)
	for _, r := range list {
		out[r.BadgeClassID] = append(out[r.BadgeClassID], r)
	}
	return out, nil
}

// ResolveBadgeReview marks flag id, on a badge class of organisation
// orgID, reviewed. The same reason is not flagged again.
func ResolveBadgeReview(ctx context.Context, db DB, orgID, id int64) error {
	tag, err := db.Exec(ctx, `UPDATE badge_review r SET resolved_at = now() FROM badge_class b
		WHERE r.id = $1 AND b.id = r.badge_class_id AND b.organisation_id = $2 AND r.resolved_at IS NULL`, id, orgID)
	if err != nil {
		return fmt.Errorf("resolve review %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no open review %d in this organisation", id)
	}
	return nil
}
