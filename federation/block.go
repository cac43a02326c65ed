package federation

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// receiveBlock applies a remote actor's Block of one of ours, as
// GoToSocial and Mastodon send it (after an Undo{Follow}): the follows
// between the two end in both directions, and nothing more is delivered
// to the blocker's own inbox until it sends Undo{Block}.
func (f *Federation) receiveBlock(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	if f.urls.UsernameOf(in.Object.ID) == "" {
		return "ignored: blocks nobody here", nil
	}
	tag, err := tx.Exec(ctx, `DELETE FROM follow WHERE (follower = $1 AND followee = $2) OR (follower = $2 AND followee = $1)`,
		in.Actor, in.Object.ID)
	if err != nil {
		return "", fmt.Errorf("apply block %s: %w", in.ID, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO remote_block (blocker, blocked, block_id) VALUES ($1, $2, $3)
		ON CONFLICT (blocker, blocked) DO UPDATE SET block_id = excluded.block_id`,
		in.Actor, in.Object.ID, in.ID); err != nil {
		return "", fmt.Errorf("record block %s: %w", in.ID, err)
	}
	return fmt.Sprintf("blocked; %d follows ended", tag.RowsAffected()), nil
}

// undoBlock lifts a block: Undo{Block}, embedded or by id. It returns ""
// when the Undo names no block of this actor.
func (f *Federation) undoBlock(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	tag, err := tx.Exec(ctx, `DELETE FROM remote_block WHERE blocker = $1 AND (block_id = $2 OR blocked = $3)`,
		in.Actor, in.Object.ID, in.Object.Object)
	if err != nil {
		return "", fmt.Errorf("undo block %s: %w", in.Object.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "", nil
	}
	return "unblocked", nil
}

// blocks reports whether the remote actor blocker blocks the local actor
// blocked (both actor ids).
func blocks(ctx context.Context, db DB, blocker, blocked string) (bool, error) {
	var yes bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM remote_block WHERE blocker = $1 AND blocked = $2)`,
		blocker, blocked).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("look up blocks of %s: %w", blocked, err)
	}
	return yes, nil
}

// blockerInboxes lists the personal inboxes of the remote actors that
// block a local actor: Publish delivers nothing there. (Their servers'
// shared inboxes still get what is meant for their other users.)
func blockerInboxes(ctx context.Context, tx pgx.Tx, actorID string) (map[string]bool, error) {
	rows, err := tx.Query(ctx, `SELECT r.inbox FROM remote_block b JOIN remote_actor r ON r.id = b.blocker
		WHERE b.blocked = $1`, actorID)
	if err != nil {
		return nil, fmt.Errorf("list blockers of %s: %w", actorID, err)
	}
	inboxes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list blockers of %s: %w", actorID, err)
	}
	out := make(map[string]bool, len(inboxes))
	for _, i := range inboxes {
		out[i] = true
	}
	return out, nil
}
