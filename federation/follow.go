package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// asPublic is the ActivityStreams collection of everyone.
const asPublic = "https://www.w3.org/ns/activitystreams#Public"

// asContext is the JSON-LD context of the activities we write.
const asContext = "https://www.w3.org/ns/activitystreams"

// receiveFollow records a remote actor's Follow of one of ours and, unless
// our actor approves followers by hand, accepts it at once. A repeated
// Follow of an accepted follow is accepted again (Mastodon re-sends Follows
// to repair state), with the new Follow's id.
func (f *Federation) receiveFollow(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	name := f.urls.UsernameOf(in.Object.ID)
	if name == "" {
		return "ignored: not one of our actors", nil
	}
	local, err := ActorByUsername(ctx, tx, name)
	if problem.Is(err, problem.NotFound) {
		return "ignored: no such actor", nil
	}
	if err != nil {
		return "", err
	}
	state := "accepted"
	if local.ManuallyApprovesFollowers {
		state = "pending"
	}
	err = tx.QueryRow(ctx, `INSERT INTO follow (follow_id, follower, followee, state) VALUES ($1, $2, $3, $4)
		ON CONFLICT (follower, followee) DO UPDATE SET follow_id = excluded.follow_id, updated_at = now(),
			state = CASE WHEN follow.state = 'accepted' THEN 'accepted' ELSE excluded.state END
		RETURNING state`, in.ID, in.Actor, in.Object.ID, state).Scan(&state)
	if err != nil {
		return "", fmt.Errorf("record follow %s: %w", in.ID, err)
	}
	if state != "accepted" {
		return "follow pending approval", nil
	}
	return "follow accepted", f.answerFollow(ctx, tx, name, in.Raw, "Accept")
}

// answerFollow sends Accept or Reject of a Follow to its actor, with the
// Follow embedded, which is how Mastodon and GoToSocial match it. The
// follower is read from the cache through tx: it is there, since it
// signed its Follow (the inbox resolves every sender before the
// transaction begins).
func (f *Federation) answerFollow(ctx context.Context, tx pgx.Tx, username string, follow map[string]any, answer string) error {
	follower := str(follow, "actor")
	ra, err := CachedRemoteActor(ctx, tx, follower)
	if err != nil {
		return fmt.Errorf("find inbox of %s: %w", follower, err)
	}
	return f.answerFollowTo(ctx, tx, username, follow, answer, ra.Inbox)
}

// AnswerFollow sends Accept or Reject (answer) of follow, a Follow of the
// local actor username, to its actor, inside tx: for domain packages that
// keep follows of their own kind (package community's members, who join
// a network by following it). The follower must be a remote actor in the
// cache, as every sender of an activity is.
func (f *Federation) AnswerFollow(ctx context.Context, tx pgx.Tx, username string, follow map[string]any, answer string) error {
	return f.answerFollow(ctx, tx, username, follow, answer)
}

// answerFollowTo is answerFollow with the follower's inbox already found,
// for callers that looked it up before their transaction began: nothing in
// it takes another connection or goes to the network.
func (f *Federation) answerFollowTo(ctx context.Context, tx pgx.Tx, username string, follow map[string]any, answer, inbox string) error {
	doc := map[string]any{
		"@context": asContext,
		"id":       f.urls.NewActivityID(username),
		"type":     answer,
		"actor":    f.urls.Actor(username),
		"object":   follow,
	}
	_, err := f.Publish(ctx, tx, username, doc, false, []string{inbox})
	return err
}

// receiveFollowAnswer applies a remote actor's Accept or Reject of one of
// our Follows. Only the followee may answer.
func receiveFollowAnswer(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	state := "accepted"
	if in.Type == "Reject" {
		state = "rejected"
	}
	tag, err := tx.Exec(ctx, `UPDATE follow SET state = $1, updated_at = now() WHERE follow_id = $2 AND followee = $3`,
		state, in.Object.ID, in.Actor)
	if err != nil {
		return "", fmt.Errorf("apply %s of %s: %w", in.Type, in.Object.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return "ignored: no such follow", nil
	}
	return "follow " + state, nil
}

// receiveUndo takes back an earlier activity of the same actor: a Follow,
// a Like or Announce of one of our posts, or a Block. The Undo may embed
// the activity or name it by id only.
func (f *Federation) receiveUndo(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	switch in.Object.Type {
	case "Follow", "":
		tag, err := tx.Exec(ctx, `DELETE FROM follow WHERE follower = $1 AND (follow_id = $2 OR followee = $3)`,
			in.Actor, in.Object.ID, in.Object.Object)
		if err != nil {
			return "", fmt.Errorf("undo follow %s: %w", in.Object.ID, err)
		}
		if tag.RowsAffected() > 0 {
			return "unfollowed", nil
		}
		if in.Object.Type == "Follow" {
			return "ignored: no such follow", nil
		}
	}
	switch in.Object.Type {
	case "Like", "Announce", "":
		if outcome, err := undoReaction(ctx, tx, in); err != nil || outcome != "" {
			return outcome, err
		}
	}
	switch in.Object.Type {
	case "Block", "":
		if outcome, err := f.undoBlock(ctx, tx, in); err != nil || outcome != "" {
			return outcome, err
		}
	}
	return "ignored: nothing to undo", nil
}

// Follow is one follow relation as the API lists it.
type Follow struct {
	Actor     string    `json:"actor"` // the other side
	State     string    `json:"state"` // pending, accepted or rejected
	UpdatedAt time.Time `json:"updated_at"`
}

// Following lists whom a local actor follows (followers=false) or who
// follows it (followers=true), newest first, a page at a time.
func (f *Federation) Following(ctx context.Context, username string, followers bool, limit, offset int) ([]Follow, error) {
	self := f.urls.Actor(username)
	q := `SELECT followee, state, updated_at FROM follow WHERE follower = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`
	if followers {
		q = `SELECT follower, state, updated_at FROM follow WHERE followee = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`
	}
	rows, err := f.cfg.Pool.Query(ctx, q, self, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list follows of %s: %w", username, err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Follow])
	if err != nil {
		return nil, fmt.Errorf("list follows of %s: %w", username, err)
	}
	return list, nil
}

// FollowRemote makes a local actor follow target (acct:name@host, name@host
// or an actor URL): resolve it, record the follow as pending and send the
// Follow, in one transaction.
func (f *Federation) FollowRemote(ctx context.Context, username, target string) (Follow, error) {
	id, err := f.resolve(ctx, target)
	if err != nil {
		return Follow{}, err
	}
	if name := f.urls.UsernameOf(id); name != "" {
		return f.followLocal(ctx, username, name)
	}
	// Checked here too: an actor cached before its server was blocked is
	// not fetched again, and Publish would skip its inbox silently.
	if refused, err := f.refused(ctx, f.cfg.Pool, hostOf(id)); err != nil {
		return Follow{}, err
	} else if refused {
		return Follow{}, f.refusal(hostOf(id))
	}
	ra, err := f.RemoteActor(ctx, id, false)
	if err != nil {
		return Follow{}, problem.Invalidf("target", "cannot reach %s: %v", id, err)
	}
	self := f.urls.Actor(username)
	if blocked, err := blocks(ctx, f.cfg.Pool, ra.ID, self); err != nil {
		return Follow{}, err
	} else if blocked {
		return Follow{}, problem.Conflictf("target", "%s blocks %s", ra.ID, username)
	}
	out := Follow{Actor: ra.ID, State: "pending", UpdatedAt: time.Now()}
	err = pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		followID := f.urls.NewActivityID(username)
		var state string
		err := tx.QueryRow(ctx, `INSERT INTO follow (follow_id, follower, followee, state) VALUES ($1, $2, $3, 'pending')
			ON CONFLICT (follower, followee) DO UPDATE SET updated_at = now(),
				follow_id = CASE WHEN follow.state = 'accepted' THEN follow.follow_id ELSE excluded.follow_id END,
				state = CASE WHEN follow.state = 'accepted' THEN 'accepted' ELSE 'pending' END
			RETURNING follow_id, state`, followID, self, ra.ID).Scan(&followID, &state)
		if err != nil {
			return fmt.Errorf("record follow of %s: %w", ra.ID, err)
		}
		out.State = state
		if state == "accepted" {
			return nil // already following: nothing to send
		}
		doc := map[string]any{"@context": asContext, "id": followID, "type": "Follow", "actor": self, "object": ra.ID}
		_, err = f.Publish(ctx, tx, username, doc, false, []string{ra.Inbox})
		return err
	})
	return out, err
}

// ResolveActor turns acct:name@host, name@host or an actor URL into an
// actor id, through WebFinger for handles. Problems are reported on the
// field "target".
func (f *Federation) ResolveActor(ctx context.Context, target string) (string, error) {
	return f.resolve(ctx, target)
}

// resolve turns a handle or URL into an actor id, through WebFinger for
// handles.
func (f *Federation) resolve(ctx context.Context, target string) (string, error) {
	target = strings.TrimSpace(target)
	if hostOf(target) != "" {
		return target, nil
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(target, "acct:"), "@")
	name, host, ok := strings.Cut(handle, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(host, "/?#@") {
		return "", problem.Invalidf("target", "must be acct:name@host, name@host or an actor URL")
	}
	if refused, err := f.refused(ctx, f.cfg.Pool, strings.ToLower(host)); err != nil {
		return "", err
	} else if refused {
		return "", f.refusal(host)
	}
	scheme := f.cfg.Base.Scheme // a node on plain http is a test or LAN node: its peers are too
	wf := scheme + "://" + host + "/.well-known/webfinger?resource=acct:" + handle
	body, resp, err := f.cfg.Client.Get(ctx, wf, "application/jrd+json, application/json")
	if err != nil {
		return "", problem.Invalidf("target", "cannot look up %s: %v", handle, err)
	}
	if resp.StatusCode != 200 {
		return "", problem.Invalidf("target", "%s: WebFinger answered %s", handle, resp.Status)
	}
	var doc jrd
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", problem.Invalidf("target", "%s: bad WebFinger answer: %v", handle, err)
	}
	for _, l := range doc.Links {
		if l.Rel == "self" && (l.Type == ActivityJSON || strings.HasPrefix(l.Type, "application/ld+json")) && hostOf(l.Href) != "" {
			return l.Href, nil
		}
	}
	return "", problem.Invalidf("target", "%s has no ActivityPub actor", handle)
}

// followLocal makes a local actor follow another on this node: both sides
// are in this database, so the follow is recorded as the followee's
// settings say, with no activity to send.
func (f *Federation) followLocal(ctx context.Context, username, target string) (Follow, error) {
	if target == username {
		return Follow{}, problem.Invalidf("target", "an actor cannot follow itself")
	}
	followee, err := ActorByUsername(ctx, f.cfg.Pool, target)
	if err != nil {
		return Follow{}, problem.Invalidf("target", "no actor %q on this node", target)
	}
	state := "accepted"
	if followee.ManuallyApprovesFollowers {
		state = "pending"
	}
	out := Follow{Actor: f.urls.Actor(target), UpdatedAt: time.Now()}
	err = f.cfg.Pool.QueryRow(ctx, `INSERT INTO follow (follow_id, follower, followee, state) VALUES ($1, $2, $3, $4)
		ON CONFLICT (follower, followee) DO UPDATE SET updated_at = now(),
			state = CASE WHEN follow.state = 'accepted' THEN 'accepted' ELSE excluded.state END
		RETURNING state`, f.urls.NewActivityID(username), f.urls.Actor(username), out.Actor, state).Scan(&out.State)
	if err != nil {
		return Follow{}, fmt.Errorf("record follow of %s: %w", target, err)
	}
	return out, nil
}

// SetManualApproval sets whether a local actor approves followers by hand.
func SetManualApproval(ctx context.Context, db DB, username string, manual bool) error {
	tag, err := db.Exec(ctx, `UPDATE actor SET manually_approves_followers = $2 WHERE username = $1`, username, manual)
	if err != nil {
		return fmt.Errorf("set follower approval of %s: %w", username, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no actor %q on this node", username)
	}
	return nil
}

// AnswerFollower accepts or rejects a pending follow of a local actor by a
// remote one, telling the follower. Answering a follow that is no longer
// pending is a Conflict.
func (f *Federation) AnswerFollower(ctx context.Context, username, follower string, accept bool) (Follow, error) {
	self := f.urls.Actor(username)
	state, answer := "rejected", "Reject"
	if accept {
		state, answer = "accepted", "Accept"
	}
	out := Follow{Actor: follower, State: state, UpdatedAt: time.Now()}
	// The follower's inbox is found before the transaction: a fetch (or a
	// second connection) inside it would hold a connection while waiting.
	var inbox string
	if f.urls.UsernameOf(follower) == "" {
		var pending bool
		err := f.cfg.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follow
			WHERE follower = $1 AND followee = $2 AND state = 'pending')`, follower, self).Scan(&pending)
		if err != nil {
			return Follow{}, fmt.Errorf("answer follow of %s by %s: %w", username, follower, err)
		}
		if !pending {
			return Follow{}, problem.Conflictf("actor", "%s has no pending follow of %s", follower, username)
		}
		ra, err := f.RemoteActor(ctx, follower, false)
		if err != nil {
			return Follow{}, fmt.Errorf("find inbox of %s: %w", follower, err)
		}
		inbox = ra.Inbox
	}
	err := pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		var followID string
		var doc map[string]any
		err := tx.QueryRow(ctx, `UPDATE follow SET state = $3, updated_at = now()
			WHERE follower = $1 AND followee = $2 AND state = 'pending'
			RETURNING follow_id`, follower, self, state).Scan(&followID)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.Conflictf("actor", "%s has no pending follow of %s", follower, username)
		}
		if err != nil {
			return fmt.Errorf("answer follow of %s by %s: %w", username, follower, err)
		}
		if f.urls.UsernameOf(follower) != "" {
			return nil // a local follower sees the new state in the same table
		}
		// The Follow as received, so the answer embeds exactly what the
		// follower sent.
		err = tx.QueryRow(ctx, `SELECT document FROM inbox_activity WHERE activity_id = $1`, followID).Scan(&doc)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("find follow %s: %w", followID, err)
		}
		if doc == nil { // pruned, or never kept: the id is what servers match on
			doc = map[string]any{"id": followID, "type": "Follow", "actor": follower, "object": self}
		}
		return f.answerFollowTo(ctx, tx, username, doc, answer, inbox)
	})
	if err != nil {
		return Follow{}, err
	}
	return out, nil
}

// Unfollow makes a local actor stop following a remote one: the follow is
// removed and Undo{Follow} sent, in one transaction.
func (f *Federation) Unfollow(ctx context.Context, username, target string) error {
	self := f.urls.Actor(username)
	inbox, err := f.inboxOfFollow(ctx, self, target, target)
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFoundf("%s does not follow %s", username, target)
	} else if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		var followID string
		err := tx.QueryRow(ctx, `DELETE FROM follow WHERE follower = $1 AND followee = $2 RETURNING follow_id`,
			self, target).Scan(&followID)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("%s does not follow %s", username, target)
		}
		if err != nil {
			return fmt.Errorf("unfollow %s: %w", target, err)
		}
		if f.urls.UsernameOf(target) != "" {
			return nil // local: nothing to tell
		}
		undo := map[string]any{
			"@context": asContext, "id": f.urls.NewActivityID(username), "type": "Undo", "actor": self,
			"object": map[string]any{"id": followID, "type": "Follow", "actor": self, "object": target},
		}
		_, err = f.Publish(ctx, tx, username, undo, false, []string{inbox})
		return err
	})
}

// RemoveFollower stops follower from following a local actor: the follow
// is removed and, for a remote follower, a Reject of its Follow sent,
// which is how Mastodon removes a follower.
func (f *Federation) RemoveFollower(ctx context.Context, username, follower string) error {
	self := f.urls.Actor(username)
	inbox, err := f.inboxOfFollow(ctx, follower, self, follower)
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFoundf("%s does not follow %s", follower, username)
	} else if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		var followID string
		err := tx.QueryRow(ctx, `DELETE FROM follow WHERE follower = $1 AND followee = $2 RETURNING follow_id`,
			follower, self).Scan(&followID)
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("%s does not follow %s", follower, username)
		}
		if err != nil {
			return fmt.Errorf("remove follower %s: %w", follower, err)
		}
		if f.urls.UsernameOf(follower) != "" {
			return nil
		}
		return f.answerFollowTo(ctx, tx, username, map[string]any{"id": followID, "type": "Follow", "actor": follower, "object": self}, "Reject", inbox)
	})
}

// inboxOfFollow finds, before a transaction that changes the follow of
// followee by follower, the inbox of other (one of the two) to tell of the
// change: "" when other is on this node. pgx.ErrNoRows says there is no
// such follow.
func (f *Federation) inboxOfFollow(ctx context.Context, follower, followee, other string) (string, error) {
	var exists bool
	err := f.cfg.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follow WHERE follower = $1 AND followee = $2)`,
		follower, followee).Scan(&exists)
	if err != nil {
		return "", fmt.Errorf("find follow of %s by %s: %w", followee, follower, err)
	}
	if !exists {
		return "", pgx.ErrNoRows
	}
	if f.urls.UsernameOf(other) != "" {
		return "", nil
	}
	ra, err := f.RemoteActor(ctx, other, false)
	if err != nil {
		return "", fmt.Errorf("find inbox of %s: %w", other, err)
	}
	return ra.Inbox, nil
}
