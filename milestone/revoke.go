package milestone

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
)

// Revoked is told, in the transaction tx that revoked assertion a, of the
// revocation: every milestone award that counted a, of a milestone that
// says so (RevokeWithRequirements), is judged again on what the earner
// still holds, and revoked when it no longer holds, its copies in this
// node's backpacks marked revoked too. Such an award is removed, so that
// meeting the milestone again issues it again. A revoked milestone may in
// turn undo another (down to MaxDepth). A milestone that does not say so
// stays, whatever is revoked.
func Revoked(ctx context.Context, tx pgx.Tx, u issuer.URLs, a issuer.Assertion) error {
	if depth(ctx) >= MaxDepth || !a.Revoked() {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT w.id, w.milestone_id, w.assertion_id, coalesce(w.user_id, 0)
		FROM milestone_basis s JOIN milestone_award w ON w.id = s.award_id JOIN milestone m ON m.id = w.milestone_id
		WHERE s.assertion_id = $1 AND m.revoke_with_requirements AND w.assertion_id IS NOT NULL`, a.ID)
	if err != nil {
		return fmt.Errorf("find milestones counting %s: %w", a.UUID, err)
	}
	type award struct{ id, milestone, assertion, user int64 }
	awards, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (award, error) {
		var w award
		return w, r.Scan(&w.id, &w.milestone, &w.assertion, &w.user)
	})
	if err != nil {
		return fmt.Errorf("find milestones counting %s: %w", a.UUID, err)
	}
	for _, w := range awards {
		ms, err := query(ctx, tx, u, `WHERE m.id = $1`, w.milestone)
		if err != nil || len(ms) == 0 {
			return err
		}
		m := ms[0]
		hs, err := basis(ctx, tx, u, w.id, w.user)
		if err != nil {
			return err
		}
		if p, _ := m.progress(hs); p.Count >= p.Required {
			continue
		}
		reason := "a badge it requires was revoked"
		if b, err := issuer.BadgeClassByUUID(ctx, tx, a.BadgeUUID); err == nil {
			reason = fmt.Sprintf("a badge it requires was revoked: %s", b.Name)
		}
		list, err := issuer.AssertionsByID(ctx, tx, []int64{w.assertion})
		if err != nil || len(list) == 0 {
			return err
		}
		revoked, err := issuer.Revoke(ctx, tx, account.NodeActor(), m.OrganisationID, list[0].UUID, reason)
		if err != nil {
			return fmt.Errorf("revoke milestone %s: %w", m.Name, err)
		}
		if err := passport.NoteRevoked(ctx, tx, revoked.PublicID(u), revoked.RevocationReason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM milestone_award WHERE id = $1`, w.id); err != nil {
			return fmt.Errorf("remove milestone award: %w", err)
		}
		if err := Revoked(context.WithValue(ctx, depthKey{}, depth(ctx)+1), tx, u, revoked); err != nil {
			return err
		}
	}
	return nil
}

// basis is what award counted that still counts: its assertions not
// revoked or expired, the passport items of user still verified, accepted
// and valid.
func basis(ctx context.Context, db DB, u issuer.URLs, award, user int64) ([]held, error) {
	rows, err := db.Query(ctx, `SELECT coalesce(assertion_id, 0), coalesce(item_id, 0) FROM milestone_basis WHERE award_id = $1`, award)
	if err != nil {
		return nil, fmt.Errorf("read what a milestone counted: %w", err)
	}
	var assertionIDs, itemIDs []int64
	for rows.Next() {
		var a, i int64
		if err := rows.Scan(&a, &i); err != nil {
			rows.Close()
			return nil, err
		}
		if a != 0 {
			assertionIDs = append(assertionIDs, a)
		} else {
			itemIDs = append(itemIDs, i)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read what a milestone counted: %w", err)
	}
	assertions, err := issuer.AssertionsByID(ctx, db, assertionIDs)
	if err != nil {
		return nil, err
	}
	classIDs := make([]int64, 0, len(assertions))
	for _, a := range assertions {
		classIDs = append(classIDs, a.BadgeClassID)
	}
	classes, err := issuer.BadgeClassesByID(ctx, db, classIDs)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]issuer.BadgeClass, len(classes))
	for _, b := range classes {
		byID[b.ID] = b
	}
	now := time.Now()
	var out []held
	for _, a := range assertions {
		if !a.Revoked() && !a.Expired(now) {
			out = append(out, ownHeld(u, a, byID[a.BadgeClassID]))
		}
	}
	if user == 0 || len(itemIDs) == 0 {
		return out, nil
	}
	items, err := passport.Items(ctx, db, user, passport.Accepted)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if !slices.Contains(itemIDs, it.ID) {
			continue
		}
		if h, ok := itemHeld(it, now); ok {
			out = append(out, h)
		}
	}
	return out, nil
}
