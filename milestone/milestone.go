package milestone

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Rules of a milestone.
const (
	// RuleAll asks for every listed badge.
	RuleAll = "all"
	// RuleSome asks for Required of the listed badges.
	RuleSome = "some"
	// RuleTags asks for Required badges carrying any of Tags: badge
	// classes of the organisation, and of its Partners when it lists any.
	RuleTags = "tags"
)

// Limits on what a milestone lists.
const (
	maxRequirements = 50
	maxTags         = 10
	maxPartners     = 20
	maxRequired     = 100
)

// Requirement is one listed badge of an all or some rule: a badge class of
// the milestone's organisation, or a partner's BadgeClass known by its id.
type Requirement struct {
	BadgeClassID int64  // the organisation's own badge class; 0 for a partner's
	BadgeUUID    string // the same, by uuid
	BadgeURL     string // the BadgeClass id, this node's URL for an own one
	Name         string
	Partner      bool
}

// Milestone is a badge class issued automatically once its rule holds.
type Milestone struct {
	ID             int64
	OrganisationID int64
	BadgeClassID   int64
	BadgeUUID      string
	Name           string // the milestone badge's name
	// OrganisationSlug is the organisation's; Archived, that the
	// milestone's badge class is archived, so it is issued to no one.
	OrganisationSlug string
	Archived         bool
	Rule             string
	// Required is how many requirements (all and some) or tagged badges
	// (tags) make the milestone.
	Required     int
	Requirements []Requirement
	Tags         []string
	// Partners are the issuer Profile ids whose badges count for a tags
	// rule, held verified in the earner's passport.
	Partners []string
	// RevokeWithRequirements: revoking a badge of this organisation that
	// the milestone counted revokes the milestone when it no longer holds.
	RevokeWithRequirements bool
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// Summary says the rule as people read it, e.g. "3 of 5 badges".
func (m Milestone) Summary() string {
	switch m.Rule {
	case RuleAll:
		if len(m.Requirements) == 1 {
			return "the badge listed"
		}
		return fmt.Sprintf("all %d badges listed", len(m.Requirements))
	case RuleSome:
		return fmt.Sprintf("%d of the %d badges listed", m.Required, len(m.Requirements))
	}
	what := "badge"
	if m.Required != 1 {
		what = "badges"
	}
	from := ""
	if len(m.Partners) > 0 {
		from = fmt.Sprintf(", from this organisation or %d partner(s)", len(m.Partners))
	}
	return fmt.Sprintf("%d %s tagged %s%s", m.Required, what, strings.Join(m.Tags, " or "), from)
}

// Input is what a milestone is made or changed from.
type Input struct {
	// Badge is the uuid of the organisation's badge class that is the
	// milestone; it cannot change once made.
	Badge string
	Rule  string
	// Required is N of a some or tags rule; an all rule requires every
	// listed badge.
	Required     int
	Requirements []RequirementInput
	Tags         []string
	Partners     []string
	// RevokeWithRequirements, see Milestone.
	RevokeWithRequirements bool
}

// RequirementInput is a listed badge: Badge is the uuid (or this node's
// BadgeClass URL) of a badge class of the organisation, or a partner's
// BadgeClass id, named by Name (its id when empty).
type RequirementInput struct {
	Badge string
	Name  string
}

// validate normalises in and checks it against the organisation's badge
// classes; self is the milestone's own badge class.
func (in *Input) validate(ctx context.Context, db DB, u issuer.URLs, orgID int64, self issuer.BadgeClass) ([]Requirement, error) {
	in.Rule = strings.TrimSpace(in.Rule)
	var reqs []Requirement
	switch in.Rule {
	case RuleAll, RuleSome:
		if len(in.Requirements) == 0 || len(in.Requirements) > maxRequirements {
			return nil, problem.Invalidf("requirements", "list 1 to %d badges", maxRequirements)
		}
		if len(in.Tags) > 0 {
			return nil, problem.Invalidf("tags", "only a tags rule counts badges by tag; list badges in requirements instead")
		}
		if len(in.Partners) > 0 {
			return nil, problem.Invalidf("partners", "only a tags rule counts partners' badges by issuer; list a partner's badge by its URL in requirements instead")
		}
		for i, r := range in.Requirements {
			req, err := requirement(ctx, db, u, orgID, self, fmt.Sprintf("requirements[%d]", i), r)
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(reqs, func(o Requirement) bool { return o.BadgeURL == req.BadgeURL }) {
				return nil, problem.Invalidf(fmt.Sprintf("requirements[%d]", i), "lists %s twice", req.Name)
			}
			reqs = append(reqs, req)
		}
		if in.Rule == RuleAll {
			in.Required = len(reqs)
		} else if in.Required < 1 || in.Required > len(reqs) {
			return nil, problem.Invalidf("required", "must be from 1 to %d, the number of badges listed", len(reqs))
		}
	case RuleTags:
		if len(in.Requirements) > 0 {
			return nil, problem.Invalidf("requirements", "a tags rule lists no badges; give tags instead")
		}
		if len(in.Tags) == 0 || len(in.Tags) > maxTags {
			return nil, problem.Invalidf("tags", "give 1 to %d tags", maxTags)
		}
		var tags []string
		for i, t := range in.Tags {
			t = strings.TrimSpace(t)
			if t == "" || len(t) > 60 {
				return nil, problem.Invalidf(fmt.Sprintf("tags[%d]", i), "must be 1 to 60 characters")
			}
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		in.Tags = tags
		if in.Required < 1 || in.Required > maxRequired {
			return nil, problem.Invalidf("required", "must be from 1 to %d", maxRequired)
		}
		if len(in.Partners) > maxPartners {
			return nil, problem.Invalidf("partners", "at most %d partners", maxPartners)
		}
		var partners []string
		for i, p := range in.Partners {
			p = strings.TrimSpace(p)
			field := fmt.Sprintf("partners[%d]", i)
			if !isWebURL(p) {
				return nil, problem.Invalidf(field, "must be a partner's issuer Profile id, an absolute http or https URL")
			}
			if u.ProfileSlug(p) != "" && u.ProfileSlug(p) == self.OrganisationSlug {
				return nil, problem.Invalidf(field, "is this organisation; its own badges count without being listed")
			}
			if !slices.Contains(partners, p) {
				partners = append(partners, p)
			}
		}
		in.Partners = partners
	default:
		return nil, problem.Invalidf("rule", "must be all, some or tags")
	}
	if in.Rule != RuleTags {
		in.Tags, in.Partners = nil, nil
	}
	return reqs, nil
}

// requirement resolves one listed badge.
func requirement(ctx context.Context, db DB, u issuer.URLs, orgID int64, self issuer.BadgeClass, field string, in RequirementInput) (Requirement, error) {
	ref := strings.TrimSpace(in.Badge)
	name := strings.TrimSpace(in.Name)
	if len(name) > 200 || strings.ContainsFunc(name, unicode.IsControl) {
		return Requirement{}, problem.Invalidf(field+".name", "must be one line of at most 200 characters")
	}
	uuid, byURL := ref, false
	if local := u.BadgeUUID(ref); local != "" {
		uuid, byURL = local, true
	} else if isWebURL(ref) {
		if len(ref) > 2000 {
			return Requirement{}, problem.Invalidf(field+".badge", "must be at most 2000 characters")
		}
		if name == "" {
			name = ref
		}
		return Requirement{BadgeURL: ref, Name: name, Partner: true}, nil
	}
	if ref == "" {
		return Requirement{}, problem.Invalidf(field+".badge", "is required: a badge of this organisation (its id) or a partner's badge (its URL)")
	}
	b, err := issuer.BadgeClassByUUID(ctx, db, uuid)
	if problem.Is(err, problem.NotFound) {
		return Requirement{}, problem.Invalidf(field+".badge", "no badge %q here; a partner's badge is named by its URL", ref)
	}
	if err != nil {
		return Requirement{}, err
	}
	switch {
	case b.OrganisationID != orgID && byURL:
		// A partner on this node, named as any partner is.
		if name == "" {
			name = b.Name
		}
		return Requirement{BadgeURL: u.BadgeClass(b.UUID), Name: name, Partner: true}, nil
	case b.OrganisationID != orgID:
		return Requirement{}, problem.Invalidf(field+".badge", "badge %q is another organisation's; name a partner's badge by its URL (%s)", b.Name, u.BadgeClass(b.UUID))
	case b.ID == self.ID:
		return Requirement{}, problem.Invalidf(field+".badge", "a milestone cannot require itself")
	}
	return Requirement{BadgeClassID: b.ID, BadgeUUID: b.UUID, BadgeURL: u.BadgeClass(b.UUID), Name: b.Name}, nil
}

// isWebURL reports whether s is an absolute http or https URL.
func isWebURL(s string) bool {
	p, err := url.Parse(s)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && len(s) <= 2000
}

// Create makes badge class in.Badge of organisation orgID a milestone.
// It queues on q, in the same transaction, its backfill (BackfillArgs):
// the earners who meet it already get it then. After that, each badge
// issued or accepted is evaluated with the earner's earlier badges. A nil
// q queues no backfill.
func Create(ctx context.Context, db DB, q issuer.Queue, u issuer.URLs, orgID int64, in Input) (Milestone, error) {
	self, err := ownBadge(ctx, db, orgID, in.Badge)
	if err != nil {
		return Milestone{}, err
	}
	if self.ArchivedAt != nil {
		return Milestone{}, problem.Conflictf("badge", "%s is archived; restore it to make it a milestone", self.Name)
	}
	var id int64
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		reqs, err := in.validate(ctx, tx, u, orgID, self)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO milestone (badge_class_id, organisation_id, rule, required, tags, partners, revoke_with_requirements)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			self.ID, orgID, in.Rule, in.Required, nonNil(in.Tags), nonNil(in.Partners), in.RevokeWithRequirements).Scan(&id)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return problem.Conflictf("badge", "%s is a milestone already; change it instead", self.Name)
		}
		if err != nil {
			return fmt.Errorf("store milestone: %w", err)
		}
		if err := storeRequirements(ctx, tx, id, self, reqs); err != nil {
			return err
		}
		return queueBackfill(ctx, tx, q, id)
	})
	if err != nil {
		return Milestone{}, err
	}
	return ByBadge(ctx, db, u, self.UUID)
}

// Update changes the rule of the milestone that is badge class uuid of
// organisation orgID, and queues on q its backfill as Create does, for
// the earners the new rule is met by. Awards made stay.
func Update(ctx context.Context, db DB, q issuer.Queue, u issuer.URLs, orgID int64, uuid string, in Input) (Milestone, error) {
	self, err := ownBadge(ctx, db, orgID, uuid)
	if err != nil {
		return Milestone{}, err
	}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		reqs, err := in.validate(ctx, tx, u, orgID, self)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRow(ctx, `UPDATE milestone SET rule = $2, required = $3, tags = $4, partners = $5,
			revoke_with_requirements = $6, updated_at = now() WHERE badge_class_id = $1 RETURNING id`,
			self.ID, in.Rule, in.Required, nonNil(in.Tags), nonNil(in.Partners), in.RevokeWithRequirements).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("badge %q is not a milestone", self.Name)
		}
		if err != nil {
			return fmt.Errorf("update milestone: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM milestone_requirement WHERE milestone_id = $1`, id); err != nil {
			return fmt.Errorf("update milestone: %w", err)
		}
		if err := storeRequirements(ctx, tx, id, self, reqs); err != nil {
			return err
		}
		return queueBackfill(ctx, tx, q, id)
	})
	if err != nil {
		return Milestone{}, err
	}
	return ByBadge(ctx, db, u, self.UUID)
}

// Delete makes badge class uuid of organisation orgID an ordinary badge
// again; milestones awarded stay issued.
func Delete(ctx context.Context, db DB, orgID int64, uuid string) error {
	self, err := ownBadge(ctx, db, orgID, uuid)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `DELETE FROM milestone WHERE badge_class_id = $1`, self.ID)
	if err != nil {
		return fmt.Errorf("delete milestone %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("badge %q is not a milestone", self.Name)
	}
	return nil
}

// ownBadge is badge class uuid of organisation orgID.
func ownBadge(ctx context.Context, db DB, orgID int64, uuid string) (issuer.BadgeClass, error) {
	if strings.TrimSpace(uuid) == "" {
		return issuer.BadgeClass{}, problem.Invalidf("badge", "is required: the badge of this organisation that is the milestone")
	}
	b, err := issuer.BadgeClassByUUID(ctx, db, strings.TrimSpace(uuid))
	if err == nil && b.OrganisationID != orgID {
		err = problem.NotFoundf("no badge %q in this organisation", uuid)
	}
	return b, err
}

// storeRequirements writes the listed badges of milestone id, after
// checking that none is a milestone that needs this one (a cycle, which
// would never be met).
func storeRequirements(ctx context.Context, tx pgx.Tx, id int64, self issuer.BadgeClass, reqs []Requirement) error {
	for i, r := range reqs {
		if r.BadgeClassID != 0 {
			cycle, err := requires(ctx, tx, r.BadgeClassID, self.ID)
			if err != nil {
				return err
			}
			if cycle {
				return problem.Invalidf(fmt.Sprintf("requirements[%d].badge", i), "%s is a milestone that needs %s: neither could be earned", r.Name, self.Name)
			}
		}
		var classID *int64
		url, name := r.BadgeURL, r.Name
		if r.BadgeClassID != 0 {
			classID, url, name = &r.BadgeClassID, "", ""
		}
		if _, err := tx.Exec(ctx, `INSERT INTO milestone_requirement (milestone_id, position, badge_class_id, badge_url, name)
			VALUES ($1, $2, $3, $4, $5)`, id, i, classID, url, name); err != nil {
			return fmt.Errorf("store milestone requirement: %w", err)
		}
	}
	return nil
}

// requires reports whether badge class from is a milestone that needs
// badge class to, directly or through other milestones.
func requires(ctx context.Context, db DB, from, to int64) (bool, error) {
	var found bool
	err := db.QueryRow(ctx, `
		WITH RECURSIVE needed (badge_class_id) AS (
			SELECT r.badge_class_id FROM milestone m JOIN milestone_requirement r ON r.milestone_id = m.id
			WHERE m.badge_class_id = $1 AND r.badge_class_id IS NOT NULL
			UNION
			SELECT r.badge_class_id FROM needed n JOIN milestone m ON m.badge_class_id = n.badge_class_id
			JOIN milestone_requirement r ON r.milestone_id = m.id WHERE r.badge_class_id IS NOT NULL)
		SELECT EXISTS (SELECT 1 FROM needed WHERE badge_class_id = $2)`, from, to).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("check milestone cycle: %w", err)
	}
	return found, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const milestoneColumns = `m.id, m.organisation_id, m.badge_class_id, m.rule, m.required, m.tags, m.partners,
	m.revoke_with_requirements, m.created_at, m.updated_at`

func scanMilestone(row pgx.Row) (Milestone, error) {
	var m Milestone
	err := row.Scan(&m.ID, &m.OrganisationID, &m.BadgeClassID, &m.Rule, &m.Required, &m.Tags, &m.Partners,
		&m.RevokeWithRequirements, &m.CreatedAt, &m.UpdatedAt)
	return m, err
}

// ByBadge finds the milestone that is badge class uuid, with its
// requirements; a badge that is none is not found.
func ByBadge(ctx context.Context, db DB, u issuer.URLs, uuid string) (Milestone, error) {
	b, err := issuer.BadgeClassByUUID(ctx, db, uuid)
	if err != nil {
		return Milestone{}, err
	}
	list, err := query(ctx, db, u, `WHERE m.badge_class_id = $1`, b.ID)
	if err != nil {
		return Milestone{}, err
	}
	if len(list) == 0 {
		return Milestone{}, problem.NotFoundf("badge %q is not a milestone", b.Name)
	}
	return list[0], nil
}

// List lists the milestones of organisation orgID by name.
func List(ctx context.Context, db DB, u issuer.URLs, orgID int64) ([]Milestone, error) {
	list, err := query(ctx, db, u, `WHERE m.organisation_id = $1`, orgID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b Milestone) int { return strings.Compare(a.Name, b.Name) })
	return list, nil
}

// query lists the milestones where says (with args), filling in their
// names and requirements.
func query(ctx context.Context, db DB, u issuer.URLs, where string, args ...any) ([]Milestone, error) {
	rows, err := db.Query(ctx, `SELECT `+milestoneColumns+` FROM milestone m `+where+` ORDER BY m.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list milestones: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Milestone, error) { return scanMilestone(r) })
	if err != nil {
		return nil, fmt.Errorf("list milestones: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	rows, err = db.Query(ctx, `SELECT milestone_id, badge_class_id, badge_url, name FROM milestone_requirement
		WHERE milestone_id = ANY ($1) ORDER BY milestone_id, position`, ids)
	if err != nil {
		return nil, fmt.Errorf("list milestone requirements: %w", err)
	}
	type row struct {
		milestone int64
		req       Requirement
	}
	reqs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var out row
		var classID *int64
		err := r.Scan(&out.milestone, &classID, &out.req.BadgeURL, &out.req.Name)
		if classID != nil {
			out.req.BadgeClassID = *classID
		} else {
			out.req.Partner = true
		}
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("list milestone requirements: %w", err)
	}
	// The names of the organisation's badges are read from the library, so
	// that a renamed badge shows its new name.
	classIDs := make([]int64, 0, len(list)+len(reqs))
	for _, m := range list {
		classIDs = append(classIDs, m.BadgeClassID)
	}
	for _, r := range reqs {
		if r.req.BadgeClassID != 0 {
			classIDs = append(classIDs, r.req.BadgeClassID)
		}
	}
	classes, err := issuer.BadgeClassesByID(ctx, db, classIDs)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]issuer.BadgeClass, len(classes))
	for _, b := range classes {
		byID[b.ID] = b
	}
	at := make(map[int64]int, len(list))
	for i := range list {
		m := &list[i]
		at[m.ID] = i
		b := byID[m.BadgeClassID]
		m.BadgeUUID, m.Name, m.OrganisationSlug, m.Archived = b.UUID, b.Name, b.OrganisationSlug, b.ArchivedAt != nil
	}
	for _, r := range reqs {
		if b, ok := byID[r.req.BadgeClassID]; ok {
			r.req.BadgeUUID, r.req.BadgeURL, r.req.Name = b.UUID, u.BadgeClass(b.UUID), b.Name
		}
		m := &list[at[r.milestone]]
		m.Requirements = append(m.Requirements, r.req)
	}
	return list, nil
}
