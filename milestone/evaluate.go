package milestone

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/vocab"
)

// MaxDepth bounds how many milestones one issued badge may set off in a
// chain: a milestone may count toward another, whose issue is evaluated
// in turn, down to this depth.
const MaxDepth = 4

type depthKey struct{}

// depth is how many milestones deep ctx's issuing is.
func depth(ctx context.Context) int {
	d, _ := ctx.Value(depthKey{}).(int)
	return d
}

// WithMilestones returns hooks n whose Issued hook, after n's own, issues
// the milestones the badge just issued completes, in the issuing
// transaction; the milestones are issued with the same hooks, so that one
// may complete another (down to MaxDepth).
func WithMilestones(n issuer.Hooks, u issuer.URLs) issuer.Hooks {
	next := n.Issued
	h := n
	h.Issued = func(ctx context.Context, tx pgx.Tx, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion, r issuer.Recipient) error {
		if next != nil {
			if err := next(ctx, tx, o, b, a, r); err != nil {
				return err
			}
		}
		return Issued(ctx, tx, h, u, o, b, a, r)
	}
	return h
}

// Issued evaluates, in the transaction tx that issued assertion a of
// badge b to r, the milestones of organisation o that b counts toward,
// and issues with hooks n those now met.
func Issued(ctx context.Context, tx pgx.Tx, n issuer.Hooks, u issuer.URLs, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion, r issuer.Recipient) error {
	if depth(ctx) >= MaxDepth {
		return nil
	}
	ms, err := query(ctx, tx, u, `WHERE m.organisation_id = $1 AND m.badge_class_id <> $2 AND (
		m.id IN (SELECT milestone_id FROM milestone_requirement WHERE badge_class_id = $2)
		OR (m.rule = 'tags' AND m.tags && $3))`, o.ID, b.ID, nonNil(b.Tags))
	if err != nil || len(ms) == 0 {
		return err
	}
	e, err := EarnerOfRecipient(ctx, tx, u, r)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := evaluate(ctx, tx, n, u, m, e); err != nil {
			return fmt.Errorf("evaluate milestone %s: %w", m.Name, err)
		}
	}
	return nil
}

// held is a badge of an earner that may count toward a milestone: an
// assertion of the milestone's organisation, or a badge in the earner's
// passport.
type held struct {
	assertionID int64 // set for an assertion
	itemID      int64 // set for a passport item
	classID     int64 // the organisation's badge class of an assertion
	badgeURL    string
	issuers     []string // of a passport item: its issuer's ids
	name        string
	tags        []string
}

// evaluate issues milestone m to e when e meets it and has it not
// already; when e has it, it notes what e holds now toward it, so that a
// revocation later is judged on all of it.
func evaluate(ctx context.Context, tx pgx.Tx, n issuer.Hooks, u issuer.URLs, m Milestone, e Earner) error {
	if m.Archived {
		return nil
	}
	if err := e.lock(ctx, tx); err != nil {
		return err
	}
	award, err := awardOf(ctx, tx, m.ID, e.keys())
	if err != nil {
		return err
	}
	hs, err := gather(ctx, tx, u, m, e)
	if err != nil {
		return err
	}
	p, counted := m.progress(hs)
	if award != 0 {
		return addBasis(ctx, tx, award, counted)
	}
	if p.Count < p.Required {
		return nil
	}
	return issue(ctx, tx, n, u, m, e, counted)
}

// awardOf is the award of milestone m to any of keys, or 0.
func awardOf(ctx context.Context, db DB, m int64, keys [][]byte) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, `SELECT coalesce(min(award_id), 0) FROM milestone_earner
		WHERE milestone_id = $1 AND earner_key = ANY ($2)`, m, keys).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("find milestone award: %w", err)
	}
	return id, nil
}

// issue awards m to e, once: the earner's identities are claimed first,
// and an identity claimed meanwhile (by a transaction that committed while
// this one waited) leaves it to that one.
func issue(ctx context.Context, tx pgx.Tx, n issuer.Hooks, u issuer.URLs, m Milestone, e Earner, counted []held) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = sp.Rollback(ctx) }()
	var award int64
	var userID *int64
	if e.UserID != 0 {
		userID = &e.UserID
	}
	if err := sp.QueryRow(ctx, `INSERT INTO milestone_award (milestone_id, user_id) VALUES ($1, $2) RETURNING id`,
		m.ID, userID).Scan(&award); err != nil {
		return fmt.Errorf("store award: %w", err)
	}
	keys := e.keys()
	tag, err := sp.Exec(ctx, `INSERT INTO milestone_earner (milestone_id, earner_key, award_id)
		SELECT $1::bigint, k, $2::bigint FROM unnest($3::bytea[]) k ON CONFLICT DO NOTHING`, m.ID, award, keys)
	if err != nil {
		return fmt.Errorf("store earner: %w", err)
	}
	if int(tag.RowsAffected()) < len(keys) {
		return nil // earned already, by another of the earner's identities
	}
	o, err := issuer.OrganisationByID(ctx, sp, m.OrganisationID)
	if err != nil {
		return err
	}
	b, err := issuer.BadgeClassByUUID(ctx, sp, m.BadgeUUID)
	if err != nil {
		return err
	}
	in := issuer.AssertionInput{Recipient: e.IssueTo, Narrative: narrative(counted)}
	out, err := issuer.Issue(context.WithValue(ctx, depthKey{}, depth(ctx)+1), sp, account.NodeActor(), n, u, o, b, []issuer.AssertionInput{in})
	if err != nil {
		return err
	}
	if _, err := sp.Exec(ctx, `UPDATE milestone_award SET assertion_id = $2 WHERE id = $1`, award, out[0].ID); err != nil {
		return fmt.Errorf("store award: %w", err)
	}
	if err := addBasis(ctx, sp, award, counted); err != nil {
		return err
	}
	return sp.Commit(ctx)
}

// narrative says in the milestone's assertion what earned it.
func narrative(counted []held) string {
	var names []string
	for _, h := range counted {
		if !slices.Contains(names, h.name) {
			names = append(names, h.name)
		}
	}
	more := ""
	if len(names) > 20 {
		names, more = names[:20], fmt.Sprintf(" and %d more", len(names)-20)
	}
	return "Awarded for holding: " + strings.Join(names, ", ") + more + "."
}

// addBasis notes the badges an award counted.
func addBasis(ctx context.Context, db DB, award int64, counted []held) error {
	var assertions, items []int64
	for _, h := range counted {
		if h.assertionID != 0 {
			assertions = append(assertions, h.assertionID)
		} else {
			items = append(items, h.itemID)
		}
	}
	_, err := db.Exec(ctx, `INSERT INTO milestone_basis (award_id, assertion_id, item_id)
		SELECT $1::bigint, a, NULL::bigint FROM unnest($2::bigint[]) a
		UNION ALL SELECT $1::bigint, NULL::bigint, i FROM unnest($3::bigint[]) i
		ON CONFLICT DO NOTHING`, award, assertions, items)
	if err != nil {
		return fmt.Errorf("store what the award counted: %w", err)
	}
	return nil
}

// gather finds what e holds that may count toward m: the organisation's
// assertions to any of e's identities of the badge classes m names (or
// that carry its tags), and, for a passport user when m counts partners'
// badges, the badges accepted into their passport. Revoked and expired
// badges are left out.
func gather(ctx context.Context, db DB, u issuer.URLs, m Milestone, e Earner) ([]held, error) {
	var classes []issuer.BadgeClass
	var err error
	if m.Rule == RuleTags {
		classes, err = issuer.BadgeClassesTagged(ctx, db, m.OrganisationID, m.Tags)
	} else {
		var ids []int64
		for _, r := range m.Requirements {
			if r.BadgeClassID != 0 {
				ids = append(ids, r.BadgeClassID)
			}
		}
		classes, err = issuer.BadgeClassesByID(ctx, db, ids)
	}
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]issuer.BadgeClass, len(classes))
	ids := make([]int64, 0, len(classes))
	for _, b := range classes {
		if b.ID != m.BadgeClassID {
			byID[b.ID] = b
			ids = append(ids, b.ID)
		}
	}
	assertions, err := issuer.AssertionsTo(ctx, db, m.OrganisationID, ids, e.Recipients)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []held
	for _, a := range assertions {
		if !a.Revoked() && !a.Expired(now) {
			out = append(out, ownHeld(u, a, byID[a.BadgeClassID]))
		}
	}
	if e.UserID == 0 || !m.countsPartners() {
		return out, nil
	}
	items, err := passport.Items(ctx, db, e.UserID, passport.Accepted)
	if err != nil {
		return nil, err
	}
	// The organisation's own badges count as its assertions, above.
	own := []string{u.Profile(m.OrganisationSlug), u.ProfileV3(m.OrganisationSlug)}
	for _, it := range items {
		if h, ok := itemHeld(it, now); ok && !slices.ContainsFunc(h.issuers, func(i string) bool { return slices.Contains(own, i) }) {
			out = append(out, h)
		}
	}
	return out, nil
}

// countsPartners reports whether badges of other issuers may count.
func (m Milestone) countsPartners() bool {
	return len(m.Partners) > 0 || slices.ContainsFunc(m.Requirements, func(r Requirement) bool { return r.Partner })
}

func ownHeld(u issuer.URLs, a issuer.Assertion, b issuer.BadgeClass) held {
	return held{assertionID: a.ID, classID: a.BadgeClassID, badgeURL: u.BadgeClass(a.BadgeUUID), name: b.Name, tags: b.Tags}
}

// itemHeld is a passport item as a held badge, when it counts: verified,
// not revoked, not expired.
func itemHeld(it passport.Item, now time.Time) (held, bool) {
	if !it.Verified || it.Revoked || it.Expired(now) || it.State != passport.Accepted {
		return held{}, false
	}
	h := describe(it)
	return h, h.badgeURL != ""
}

// describe reads what a milestone needs of a passport item from its
// snapshot: its BadgeClass (or 3.0 achievement) id and tags, and its
// issuer's ids.
func describe(it passport.Item) held {
	h := held{itemID: it.ID, name: it.BadgeName}
	if len(it.Badge) > 0 {
		h.badgeURL = text(it.Badge["id"])
		h.tags = strs(it.Badge["tags"])
		h.issuers = append(h.issuers, text(it.Badge["issuer"]))
	}
	if id := text(it.Issuer["id"]); id != "" {
		h.issuers = append(h.issuers, id)
	}
	if len(it.Credential) > 0 {
		ach := achievement(it.Credential)
		if h.badgeURL == "" {
			h.badgeURL = text(ach["id"])
		}
		if len(h.tags) == 0 {
			h.tags = strs(ach["tag"])
		}
		if iss, ok := it.Credential["issuer"].(map[string]any); ok {
			h.issuers = append(h.issuers, text(iss["id"]))
		} else {
			h.issuers = append(h.issuers, text(it.Credential["issuer"]))
		}
	}
	return h
}

// achievement is the achievement of an Open Badges 3.0 credential.
func achievement(c map[string]any) map[string]any {
	for _, s := range vocab.List(c["credentialSubject"]) {
		if m, ok := s.(map[string]any); ok {
			a, _ := m["achievement"].(map[string]any)
			return a
		}
	}
	return nil
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	var out []string
	for _, e := range vocab.List(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Met is a badge counted toward a milestone.
type Met struct {
	Name     string
	BadgeURL string
}

// Progress is how far an earner is toward a milestone: Count of Required
// ("3 of 5"), what counted, and for a list what is missing.
type Progress struct {
	Milestone Milestone
	Count     int
	Required  int
	Met       []Met
	Missing   []Requirement
	// Earned: the milestone was awarded to the earner (AssertionUUID).
	Earned        bool
	AssertionUUID string
}

// progress judges hs against m: what counts, and how far it goes.
func (m Milestone) progress(hs []held) (Progress, []held) {
	p := Progress{Milestone: m, Required: m.Required}
	var counted []held
	if m.Rule == RuleTags {
		for _, h := range hs {
			if !m.tagged(h) {
				continue
			}
			counted = append(counted, h)
			if !slices.ContainsFunc(p.Met, func(x Met) bool { return x.BadgeURL == h.badgeURL }) {
				p.Met = append(p.Met, Met{Name: h.name, BadgeURL: h.badgeURL})
			}
		}
		p.Count = len(p.Met)
		return p, counted
	}
	for _, r := range m.Requirements {
		met := false
		for _, h := range hs {
			if (r.BadgeClassID != 0 && h.classID == r.BadgeClassID) || (r.Partner && h.itemID != 0 && h.badgeURL == r.BadgeURL) {
				met = true
				counted = append(counted, h)
			}
		}
		if met {
			p.Met = append(p.Met, Met{Name: r.Name, BadgeURL: r.BadgeURL})
		} else {
			p.Missing = append(p.Missing, r)
		}
	}
	p.Count = len(p.Met)
	return p, counted
}

// tagged reports whether h counts toward a tags rule: a badge of the
// organisation, or of one of its partners, carrying one of the tags.
func (m Milestone) tagged(h held) bool {
	if h.classID == m.BadgeClassID && h.classID != 0 {
		return false
	}
	if !slices.ContainsFunc(h.tags, func(t string) bool { return slices.Contains(m.Tags, t) }) {
		return false
	}
	if h.assertionID != 0 {
		return true
	}
	return slices.ContainsFunc(m.Partners, func(p string) bool {
		return slices.Contains(h.issuers, p) || slices.Contains(h.issuers, issuer.ProfileV3Of(p))
	})
}
