package passport

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// Accept keeps a pending badge (or one declined before: the earner may
// change their mind). A badge still being verified, or refused, cannot
// be accepted. Accepting an accepted badge changes nothing.
func Accept(ctx context.Context, db DB, userID int64, uuid string) (Item, error) {
	it, err := ItemByUUID(ctx, db, userID, uuid)
	if err != nil {
		return Item{}, err
	}
	switch {
	case it.State == Accepted:
		return it, nil
	case it.State == Refused:
		return Item{}, problem.Conflictf("", "this badge was refused: %s", it.Problem)
	case !it.Verified:
		return Item{}, problem.Conflictf("", "this badge is still being verified; accept it once it is")
	}
	return answer(ctx, db, it, Accepted)
}

// Accept accepts a pending badge as the package function Accept does,
// and tells the function SetAccepted gave of it in the same transaction.
// A nil Passport only accepts.
func (p *Passport) Accept(ctx context.Context, db DB, userID int64, uuid string) (Item, error) {
	if p == nil || p.accepted == nil {
		return Accept(ctx, db, userID, uuid)
	}
	var it Item
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		if it, err = Accept(ctx, tx, userID, uuid); err != nil {
			return err
		}
		return p.accepted(ctx, tx, it)
	})
	return it, err
}

// Decline turns down a pending badge; it stays listed as declined until
// removed, so that the same badge announced again is not pending again.
// An accepted badge is removed instead. Declining a declined one changes
// nothing.
func Decline(ctx context.Context, db DB, userID int64, uuid string) (Item, error) {
	it, err := ItemByUUID(ctx, db, userID, uuid)
	if err != nil {
		return Item{}, err
	}
	switch it.State {
	case Declined:
		return it, nil
	case Accepted:
		return Item{}, problem.Conflictf("", "this badge is accepted; remove it from your backpack instead")
	case Refused:
		return Item{}, problem.Conflictf("", "this badge was refused already; remove it from your backpack")
	}
	return answer(ctx, db, it, Declined)
}

// answer moves it to state, as long as no one changed it meanwhile.
func answer(ctx context.Context, db DB, it Item, state string) (Item, error) {
	out, err := scanItem(db.QueryRow(ctx, `UPDATE backpack_item i SET state = $3, answered_at = now()
		WHERE i.id = $1 AND i.state = $2 RETURNING `+itemColumns, it.ID, it.State, state))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, problem.Conflictf("", "this badge changed meanwhile; look at it again")
	}
	if err != nil {
		return Item{}, fmt.Errorf("%s badge %s: %w", state, it.UUID, err)
	}
	return out, nil
}

// SetVisibility says who sees an accepted badge: only its earner
// (private), their followers, or anyone (public).
func SetVisibility(ctx context.Context, db DB, userID int64, uuid, visibility string) (Item, error) {
	switch visibility {
	case Private, Followers, Public:
	default:
		return Item{}, problem.Invalidf("visibility", "must be private, followers or public")
	}
	it, err := ItemByUUID(ctx, db, userID, uuid)
	if err != nil {
		return Item{}, err
	}
	if it.State != Accepted {
		return Item{}, problem.Conflictf("visibility", "accept the badge before you show it")
	}
	out, err := scanItem(db.QueryRow(ctx, `UPDATE backpack_item i SET visibility = $2
		WHERE i.id = $1 RETURNING `+itemColumns, it.ID, visibility))
	if err != nil {
		return Item{}, fmt.Errorf("set visibility of badge %s: %w", uuid, err)
	}
	return out, nil
}

// Remove takes a badge out of the backpack, whatever its state.
func Remove(ctx context.Context, db DB, userID int64, uuid string) error {
	if !uuidPattern.MatchString(uuid) {
		return problem.NotFoundf("no badge %q in your backpack", uuid)
	}
	tag, err := db.Exec(ctx, `DELETE FROM backpack_item WHERE uuid = $1 AND user_id = $2`, uuid, userID)
	if err != nil {
		return fmt.Errorf("remove badge %s: %w", uuid, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no badge %q in your backpack", uuid)
	}
	return nil
}
