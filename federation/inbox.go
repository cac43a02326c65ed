package federation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// inbox receives an activity at an actor's inbox or the shared inbox. In
// order: decode it (vocab.DecodeActivity), turn away refused servers,
// establish who sent it (authenticate: the HTTP signature, or for a
// forwarded activity an object proof or its origin's copy), check that the
// object is the actor's own, resolve the actor into the cache, and only
// then record and apply it in one transaction (receive). Everything that
// needs the network happens before the transaction begins, so that a
// burst of activities never holds connections while it waits on others'
// servers. A second delivery of the same activity is a no-op that still
// answers 202.
func (f *Federation) inbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	recipient := chi.URLParam(r, "username")
	if recipient != "" {
		if _, err := ActorByUsername(ctx, f.cfg.Pool, recipient); err != nil {
			f.writeError(w, r, err)
			return
		}
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeDocument(w, http.StatusRequestEntityTooLarge, "application/json", map[string]string{"error": "activity too large"})
		return
	}
	if err != nil {
		f.writeError(w, r, problem.Invalidf("", "reading the body: %v", err))
		return
	}
	act, err := decodeActivity(body)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	// A refused server is turned away before anything is fetched for it:
	// the signer's, and the actor's when another server forwards.
	hosts := []string{hostOf(signature.RequestKeyID(r.Header))}
	if h := hostOf(act.Actor); h != hosts[0] {
		hosts = append(hosts, h)
	}
	for _, host := range hosts {
		if host == "" {
			continue
		}
		if refused, err := f.refused(ctx, f.cfg.Pool, host); err != nil {
			f.writeError(w, r, err)
			return
		} else if refused {
			f.writeError(w, r, f.refusal(host))
			return
		}
	}
	if f.unknownActorDeleted(ctx, act) {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	act, signedByActor, err := f.authenticate(ctx, r, body, act)
	if err != nil {
		var ae *authError
		if errors.As(err, &ae) {
			f.log.Info("inbox: refused", "actor", act.Actor, "err", err)
			writeDocument(w, ae.status, "application/json", map[string]string{"error": ae.Error()})
			return
		}
		f.writeError(w, r, err)
		return
	}
	if err := checkOwnObject(act); err != nil {
		f.writeError(w, r, err)
		return
	}
	// Handlers read the sender from the cache, through the transaction.
	// It is there when the actor signed (its key is cached with it); a
	// forwarded activity's actor may still need fetching.
	if !signedByActor && f.urls.UsernameOf(act.Actor) == "" {
		if _, err := f.RemoteActor(ctx, act.Actor, false); err != nil {
			writeDocument(w, http.StatusUnauthorized, "application/json", map[string]string{
				"error": fmt.Sprintf("cannot fetch the actor %s: %v", act.Actor, err)})
			return
		}
	}
	if err := f.receive(ctx, Incoming{Activity: act, Recipient: recipient}); err != nil {
		f.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// decodeActivity decodes an activity for the inbox, with errors as
// problems naming the property at fault.
func decodeActivity(body []byte) (vocab.Activity, error) {
	act, err := vocab.DecodeActivity(body)
	if fe, ok := vocab.IsFieldError(err); ok {
		return vocab.Activity{}, problem.Invalidf(fe.Field, "%s", fe.Message)
	}
	if err != nil {
		return vocab.Activity{}, err
	}
	// PostgreSQL stores no NUL character, in text or jsonb; no activity
	// needs one.
	if containsNUL(act.Raw) {
		return vocab.Activity{}, problem.Invalidf("", "the activity contains a NUL character (\\u0000)")
	}
	return act, nil
}

// checkOwnObject refuses an activity that creates or updates an object
// that is not its actor's: the object must be on the actor's server and,
// when it names its author, be attributed to the actor. Otherwise anyone
// could show a Note of theirs under another's name.
func checkOwnObject(act vocab.Activity) error {
	if act.Type != "Create" && act.Type != "Update" || !act.Object.Embedded {
		return nil
	}
	o := act.Object
	switch {
	case o.ID == "":
		return problem.Invalidf("object.id", "is required")
	case hostOf(o.ID) != hostOf(act.Actor):
		return problem.Invalidf("object.id", "must be on the actor's server %s", hostOf(act.Actor))
	case o.AttributedTo != "" && o.AttributedTo != act.Actor:
		return problem.Invalidf("object.attributedTo", "is %s, not the activity's actor %s", o.AttributedTo, act.Actor)
	}
	return nil
}

// receive records and applies a verified activity in one transaction.
//
// The whole document is kept only when the activity concerns someone
// here (see addressedHere); of the others, only what deduplication needs.
func (f *Federation) receive(ctx context.Context, in Incoming) error {
	skeleton := map[string]any{"id": in.ID, "type": in.Type, "actor": in.Actor, "object": in.Object.ID}
	return pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		var rowID int64
		var relevant bool
		// One statement decides what to keep and keeps it (this is the
		// inbox's hot path).
		err := tx.QueryRow(ctx, `WITH concerns AS (
				SELECT $6::boolean OR EXISTS (SELECT 1 FROM follow WHERE followee = $3)
					OR EXISTS (SELECT 1 FROM follow WHERE follower = $3) AS us)
			INSERT INTO inbox_activity (activity_id, type, actor, recipient, document)
			SELECT $1, $2, $3, $4, CASE WHEN us THEN $5::jsonb ELSE $7::jsonb END FROM concerns
			ON CONFLICT (activity_id) DO NOTHING RETURNING id, (SELECT us FROM concerns)`,
			in.ID, in.Type, in.Actor, in.Recipient, in.Raw, f.addressedHere(in), skeleton).Scan(&rowID, &relevant)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // seen before: already processed
		}
		if err != nil {
			return fmt.Errorf("record activity %s: %w", in.ID, err)
		}
		outcome, err := f.apply(ctx, tx, in, relevant)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE inbox_activity SET processed_at = now(), outcome = $2 WHERE id = $1`, rowID, outcome)
		return err
	})
}

// apply hands an activity to the domain packages' handlers and to
// federation's own, and says what came of it. An edit or a deletion
// (converges) goes to all of them, federation's own first, so that the
// cached actor is current when the others read it; any other activity
// goes to the domain handlers first and to federation's own only when
// none took it (a Create's post is kept either way).
func (f *Federation) apply(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	if converges(in.Type) {
		own, err := f.process(ctx, tx, in, relevant)
		if err != nil {
			return "", err
		}
		theirs, handled, err := f.handle(ctx, tx, in)
		if err != nil || !handled {
			return own, err
		}
		if strings.HasPrefix(own, "ignored") {
			return theirs, nil
		}
		return own + "; " + theirs, nil
	}
	outcome, handled, err := f.handle(ctx, tx, in)
	if err != nil {
		return "", err
	}
	if !handled {
		return f.process(ctx, tx, in, relevant)
	}
	if in.Type == "Create" {
		// A Note that a domain package took (a badge award, a comment, a
		// request) is still a message to those it is addressed to.
		own, err := f.receivePost(ctx, tx, in, relevant)
		if err != nil {
			return "", err
		}
		if own == "stored" {
			outcome += "; stored"
		}
	}
	return outcome, nil
}

// process applies what federation itself keeps of an activity. Unknown
// types are recorded and ignored: a peer sending something new is not an
// error.
func (f *Federation) process(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	switch in.Type {
	case "Follow":
		return f.receiveFollow(ctx, tx, in)
	case "Accept", "Reject":
		return receiveFollowAnswer(ctx, tx, in)
	case "Undo":
		return f.receiveUndo(ctx, tx, in)
	case "Create":
		return f.receivePost(ctx, tx, in, relevant)
	case "Update":
		return f.receiveUpdate(ctx, tx, in, relevant)
	case "Delete":
		return f.receiveDelete(ctx, tx, in, relevant)
	case "Like", "Announce":
		return f.receiveReaction(ctx, tx, in)
	case "Block":
		return f.receiveBlock(ctx, tx, in)
	}
	return "ignored", nil
}

// An activity concerns this node when it was sent to a personal inbox
// here, is addressed to or mentions someone here, is about something of
// ours (its object, the object's object, or what it replies to), or comes
// from an actor in a follow relation with someone here (receive asks the
// database for that last part). Activities from strangers to strangers are
// acknowledged and forgotten.

// addressedHere is the part of "concerns this node" that the activity
// itself tells.
func (f *Federation) addressedHere(in Incoming) bool {
	return in.Recipient != "" || slices.ContainsFunc(in.Audience(), f.isLocalURL) ||
		slices.ContainsFunc([]string{in.Object.ID, in.Object.Object, in.Object.InReplyTo, in.Target}, f.isLocalURL)
}

// containsNUL reports whether a decoded JSON value has a NUL character in
// any string, key or value.
func containsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		return slices.ContainsFunc(v, containsNUL)
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || containsNUL(e) {
				return true
			}
		}
	}
	return false
}
