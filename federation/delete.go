package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// DeleteActor retires a local actor inside the caller's transaction, e.g.
// the one that deletes the person it stands for. It publishes
// Delete{actor}, addressed to the public and delivered to every remote
// actor in a follow relation with it (following it or followed by it,
// pending or accepted); removes those follows, its personal inbox and the
// activities it published that are not still on their way; and keeps the
// actor row as a tombstone. The tombstone keeps the handle taken (other
// servers remember it) and the key that signs the Delete's deliveries; the
// actor's URL answers 410 Gone, WebFinger and the inbox no longer know it.
//
// Deleting an actor that does not exist, or no longer does, is NotFound;
// the node's own instance actor cannot be deleted.
func (f *Federation) DeleteActor(ctx context.Context, tx pgx.Tx, username string) error {
	var (
		id   int64
		kind Kind
	)
	err := tx.QueryRow(ctx, `SELECT id, kind FROM actor WHERE username = $1 AND deleted_at IS NULL FOR UPDATE`,
		username).Scan(&id, &kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFoundf("no actor %q on this node", username)
	}
	if err != nil {
		return fmt.Errorf("delete actor %s: %w", username, err)
	}
	if kind == Application {
		return problem.Invalidf("username", "the node's own actor cannot be deleted")
	}
	self := f.urls.Actor(username)

	// Every remote actor in a follow relation with ours learned of it by a
	// signed exchange, so it is in the remote actor cache.
	rows, err := tx.Query(ctx, `SELECT inbox, shared_inbox FROM remote_actor WHERE id IN (
			SELECT follower FROM follow WHERE followee = $1
			UNION SELECT followee FROM follow WHERE follower = $1)
		ORDER BY id`, self)
	if err != nil {
		return fmt.Errorf("delete actor %s: find the inboxes to tell: %w", username, err)
	}
	targets, err := pgx.CollectRows(rows, pgx.RowToStructByPos[InboxTarget])
	if err != nil {
		return fmt.Errorf("delete actor %s: find the inboxes to tell: %w", username, err)
	}

	// What was published and delivered goes; what is still being delivered
	// stays until then (its job would find nothing to send otherwise).
	if _, err := tx.Exec(ctx, `DELETE FROM outbox_activity o WHERE actor_id = $1 AND NOT EXISTS (
			SELECT 1 FROM delivery d WHERE d.outbox_id = o.id AND d.state = 'pending')`, id); err != nil {
		return fmt.Errorf("delete actor %s: remove its activities: %w", username, err)
	}
	del := map[string]any{
		"@context": asContext,
		"id":       f.urls.NewActivityID(username),
		"type":     "Delete",
		"actor":    self,
		"object":   self,
		"to":       []string{asPublic},
	}
	if _, err := f.Publish(ctx, tx, username, del, true, CollapseInboxes(targets)); err != nil {
		return fmt.Errorf("delete actor %s: %w", username, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM follow WHERE follower = $1 OR followee = $1`, self); err != nil {
		return fmt.Errorf("delete actor %s: remove its follows: %w", username, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM inbox_activity WHERE recipient = $1`, username); err != nil {
		return fmt.Errorf("delete actor %s: empty its inbox: %w", username, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE actor SET deleted_at = now() WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete actor %s: %w", username, err)
	}
	return nil
}

// tombstone answers 410 Gone with an ActivityStreams Tombstone when
// username is a deleted actor, and reports whether it did.
func (f *Federation) tombstone(w http.ResponseWriter, r *http.Request, username string) bool {
	var (
		kind    Kind
		deleted time.Time
	)
	err := f.cfg.Pool.QueryRow(r.Context(), `SELECT kind, deleted_at FROM actor WHERE username = $1 AND deleted_at IS NOT NULL`,
		username).Scan(&kind, &deleted)
	if err != nil {
		if !errors.Is(err, pgx.ErrNoRows) {
			f.log.Error("look for a deleted actor", "username", username, "err", err)
		}
		return false
	}
	writeDocument(w, http.StatusGone, ActivityJSON, map[string]any{
		"@context":   asContext,
		"id":         f.urls.Actor(username),
		"type":       "Tombstone",
		"formerType": kind,
		"deleted":    deleted.UTC().Format(time.RFC3339),
	})
	return true
}

// receiveDelete applies a Delete: of the actor itself, which Mastodon and
// GoToSocial send when an account is deleted (its follows in both
// directions, its cached actor, its posts and reactions go); or of a post
// of the actor's (see deletePost). Deletes of what the domain packages
// keep (comments, endorsements) are theirs to apply.
func (f *Federation) receiveDelete(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	if in.Object.ID != in.Actor {
		return deletePost(ctx, tx, in, relevant)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM follow WHERE follower = $1 OR followee = $1`, in.Actor)
	if err != nil {
		return "", fmt.Errorf("apply the deletion of %s: %w", in.Actor, err)
	}
	for _, q := range []string{
		`DELETE FROM remote_actor WHERE id = $1`,
		`DELETE FROM remote_post WHERE actor = $1`,
		`DELETE FROM post_reaction WHERE actor = $1`,
		`DELETE FROM remote_block WHERE blocker = $1`,
	} {
		if _, err := tx.Exec(ctx, q, in.Actor); err != nil {
			return "", fmt.Errorf("apply the deletion of %s: %w", in.Actor, err)
		}
	}
	return fmt.Sprintf("actor deleted, %d follows removed", tag.RowsAffected()), nil
}

// unknownActorDeleted reports whether body is a remote actor's Delete of
// itself while that actor is unknown here. There is nothing to delete
// then, and nothing to check the signature with: the actor's key is gone
// with it (its server answers 410). Mastodon sends such a Delete to every
// server it knows of; accepting it unverified, and doing nothing, spares
// both sides a fetch and its retries.
func (f *Federation) unknownActorDeleted(ctx context.Context, act vocab.Activity) bool {
	if act.Type != "Delete" || act.Object.ID != act.Actor || f.urls.UsernameOf(act.Actor) != "" {
		return false
	}
	var known bool
	err := f.cfg.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM remote_actor WHERE id = $1)`, act.Actor).Scan(&known)
	return err == nil && !known
}
