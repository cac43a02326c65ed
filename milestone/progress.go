package milestone

import (
	"context"
	"slices"
	"strings"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
)

// ProgressOf lists, for passport user userID, each milestone they are
// working toward or have earned: the milestones of the organisations of
// this node whose badges are in their passport, and those elsewhere on
// this node that count a partner's badge they hold. One they have
// nothing toward yet is left out. Those not yet earned come first, the
// nearest first.
func ProgressOf(ctx context.Context, db DB, u issuer.URLs, userID int64) ([]Progress, error) {
	e, err := EarnerOfUser(ctx, db, u, userID)
	if err != nil {
		return nil, err
	}
	items, err := passport.Items(ctx, db, userID, "")
	if err != nil {
		return nil, err
	}
	var slugs, badges, issuers []string
	for _, it := range items {
		if !it.Verified || (it.State != passport.Accepted && it.State != passport.Pending) {
			continue
		}
		h := describe(it)
		if h.badgeURL != "" {
			badges = append(badges, h.badgeURL)
		}
		for _, id := range h.issuers {
			// A Laurel node's 3.0 issuer is listed as partner by its 2.0 Profile.
			v2 := strings.Replace(id, "/ob/v3/issuers/", "/ob/issuers/", 1)
			issuers = append(issuers, id, v2)
			if slug := u.ProfileSlug(v2); slug != "" && !slices.Contains(slugs, slug) {
				slugs = append(slugs, slug)
			}
		}
	}
	var orgIDs []int64
	for _, slug := range slugs {
		o, err := issuer.OrganisationBySlug(ctx, db, slug)
		if err == nil {
			orgIDs = append(orgIDs, o.ID)
		}
	}
	ms, err := query(ctx, db, u, `WHERE m.organisation_id = ANY ($1)
		OR m.id IN (SELECT milestone_id FROM milestone_requirement WHERE badge_url = ANY ($2))
		OR m.partners && $3`, orgIDs, nonNil(badges), nonNil(issuers))
	if err != nil {
		return nil, err
	}
	keys := e.keys()
	var out []Progress
	for _, m := range ms {
		award, err := awardOf(ctx, db, m.ID, keys)
		if err != nil {
			return nil, err
		}
		if m.Archived && award == 0 {
			continue
		}
		hs, err := gather(ctx, db, u, m, e)
		if err != nil {
			return nil, err
		}
		p, _ := m.progress(hs)
		if award != 0 {
			p.Earned = true
			if uuid, err := awardAssertion(ctx, db, award); err != nil {
				return nil, err
			} else {
				p.AssertionUUID = uuid
			}
		}
		if p.Count > 0 || p.Earned {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Progress) int {
		switch {
		case a.Earned != b.Earned:
			if a.Earned {
				return 1
			}
			return -1
		case a.Required-a.Count != b.Required-b.Count:
			return (a.Required - a.Count) - (b.Required - b.Count)
		}
		return strings.Compare(a.Milestone.Name, b.Milestone.Name)
	})
	return out, nil
}

// awardAssertion is the uuid of the assertion of an award, or "".
func awardAssertion(ctx context.Context, db DB, award int64) (string, error) {
	var id *int64
	if err := db.QueryRow(ctx, `SELECT assertion_id FROM milestone_award WHERE id = $1`, award).Scan(&id); err != nil || id == nil {
		return "", err
	}
	list, err := issuer.AssertionsByID(ctx, db, []int64{*id})
	if err != nil || len(list) == 0 {
		return "", err
	}
	return list[0].UUID, nil
}
