package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
)

// inbox receives an activity at an actor's inbox or the shared inbox:
// verify the signature, check the signer is the activity's actor, record
// the activity id once, and process it in the same transaction, so a
// failure leaves no trace and the sender's retry is processed afresh. A
// second delivery of the same activity is a no-op that still answers 202.
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
	// A refused server is turned away before anything is fetched for it.
	// This is the only policy check needed: the key's owner must be the
	// activity's actor, and lookupKey only accepts owners on the key's host.
	if host := hostOf(signatureKeyID(r)); host != "" {
		if refused, err := f.refused(ctx, f.cfg.Pool, host); err != nil {
			f.writeError(w, r, err)
			return
		} else if refused {
			f.writeError(w, r, f.refusal(host))
			return
		}
	}
	if f.unknownActorDeleted(ctx, body) {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	res, err := signature.Verify(r, body, time.Now(), f.urls.Base, f.lookupKey)
	if err != nil {
		f.log.Info("inbox: refused signature", "key", res.KeyID, "err", err)
		writeDocument(w, signature.Status(err), "application/json", map[string]string{"error": err.Error()})
		return
	}
	act, err := parseActivity(body)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	if res.Owner != act.actor {
		writeDocument(w, http.StatusUnauthorized, "application/json", map[string]string{
			"error": fmt.Sprintf("signed by %s, not by the activity's actor %s", res.Owner, act.actor)})
		return
	}
	if err := f.receive(ctx, recipient, act); err != nil {
		f.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// activity is the part of an incoming activity every handler needs; doc
// is all of it.
type activity struct {
	id, typ, actor, object string
	doc                    map[string]any
}

// parseActivity checks the shape every activity must have: an id on the
// actor's own server (so nobody can speak for another server's objects),
// a type and an actor.
func parseActivity(body []byte) (activity, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return activity{}, problem.Invalidf("", "the body is not a JSON object: %v", err)
	}
	// PostgreSQL stores no NUL character, in text or jsonb; no activity
	// needs one.
	if containsNUL(doc) {
		return activity{}, problem.Invalidf("", "the activity contains a NUL character (\\u0000)")
	}
	a := activity{id: str(doc, "id"), typ: str(doc, "type"), actor: str(doc, "actor"), object: str(doc, "object"), doc: doc}
	switch {
	case hostOf(a.actor) == "":
		return activity{}, problem.Invalidf("actor", "must be the actor's id")
	case a.typ == "":
		return activity{}, problem.Invalidf("type", "is required")
	case hostOf(a.id) != hostOf(a.actor):
		return activity{}, problem.Invalidf("id", "must be a URL on the actor's server %s", hostOf(a.actor))
	}
	return a, nil
}

// signatureKeyID returns the keyId of a request's signature, from either
// header a signature may come in; "" when there is none to read.
func signatureKeyID(r *http.Request) string {
	h := r.Header.Get("Signature")
	if h == "" {
		h, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Signature ")
	}
	p, err := signature.ParseHeader(h)
	if err != nil {
		return ""
	}
	return p.KeyID
}

// receive records and processes a verified activity. Activities that
// change no state here are recorded with their outcome in one statement;
// the others are recorded and applied in one transaction.
func (f *Federation) receive(ctx context.Context, recipient string, act activity) error {
	if outcome, passive := passiveOutcome(act.typ); passive && len(f.handlers[act.typ]) == 0 {
		_, err := f.cfg.Pool.Exec(ctx, `INSERT INTO inbox_activity (activity_id, type, actor, recipient, document, processed_at, outcome)
			VALUES ($1, $2, $3, $4, $5, now(), $6) ON CONFLICT (activity_id) DO NOTHING`,
			act.id, act.typ, act.actor, recipient, act.doc, outcome)
		if err != nil {
			return fmt.Errorf("record activity %s: %w", act.id, err)
		}
		return nil
	}
	return pgx.BeginFunc(ctx, f.cfg.Pool, func(tx pgx.Tx) error {
		var rowID int64
		err := tx.QueryRow(ctx, `INSERT INTO inbox_activity (activity_id, type, actor, recipient, document)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (activity_id) DO NOTHING RETURNING id`,
			act.id, act.typ, act.actor, recipient, act.doc).Scan(&rowID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // seen before: already processed
		}
		if err != nil {
			return fmt.Errorf("record activity %s: %w", act.id, err)
		}
		outcome, handled, err := f.handle(ctx, tx, recipient, act)
		if err == nil && !handled {
			outcome, err = f.process(ctx, tx, act)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE inbox_activity SET processed_at = now(), outcome = $2 WHERE id = $1`, rowID, outcome)
		return err
	})
}

// passiveOutcome says what becomes of an activity that changes nothing
// here beyond being kept: Creates are stored for the inbox listings;
// unknown types are kept and ignored, never an error.
func passiveOutcome(typ string) (string, bool) {
	switch typ {
	case "Follow", "Accept", "Reject", "Undo", "Delete":
		return "", false
	case "Create":
		return "stored", true
	}
	return "ignored", true
}

// process applies an activity and says what came of it. Unknown types are
// kept and ignored: a peer sending something new is not an error.
func (f *Federation) process(ctx context.Context, tx pgx.Tx, act activity) (string, error) {
	if outcome, passive := passiveOutcome(act.typ); passive {
		return outcome, nil // a type with handlers, none of which took it
	}
	switch act.typ {
	case "Follow":
		return f.receiveFollow(ctx, tx, act)
	case "Accept", "Reject":
		return receiveFollowAnswer(ctx, tx, act)
	case "Undo":
		return receiveUndo(ctx, tx, act)
	case "Delete":
		return receiveDelete(ctx, tx, act)
	}
	return "ignored", nil
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
