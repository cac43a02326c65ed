package federation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/vocab"
)

// authError is a refusal to believe who sent an activity: 401, with the
// reason for the sender's operators.
type authError struct {
	status int
	err    error
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }

func unauthorized(format string, args ...any) error {
	return &authError{status: http.StatusUnauthorized, err: fmt.Errorf(format, args...)}
}

// authenticate establishes that an activity is its actor's, and returns
// the copy to act on and whether the actor signed the request itself.
//
// The usual case: the request is HTTP-signed by the activity's actor. An
// activity may also be forwarded by another server (a reply its author's
// server sent on to the followers of the post it answers, say): signed by
// the forwarder, or not signed at all. Careful servers never trust a
// forwarded body. When it carries an Object Integrity Proof (FEP-8b32) by
// its actor, the proof vouches for it; when it does not, the activity is
// dereferenced from its actor's server and that copy is used (see
// dereference). An unsigned request without a proof is refused.
func (f *Federation) authenticate(ctx context.Context, r *http.Request, body []byte, act vocab.Activity) (vocab.Activity, bool, error) {
	signed := r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != "" ||
		strings.HasPrefix(r.Header.Get("Authorization"), "Signature ")
	if signed {
		res, err := signature.Verify(r, body, time.Now(), f.urls.Base, f.lookupKey)
		if err != nil {
			return act, false, &authError{status: signature.Status(err), err: err}
		}
		if res.Owner == act.Actor {
			return act, true, nil
		}
	}
	if act.Proof != nil {
		res, err := f.VerifyProof(ctx, body)
		if err != nil {
			return act, false, unauthorized("the activity's proof does not verify: %v", err)
		}
		if res.Owner != act.Actor {
			return act, false, unauthorized("the activity's proof is by %s, not by its actor %s", res.Owner, act.Actor)
		}
		return act, false, nil
	}
	if !signed {
		return act, false, &authError{status: http.StatusUnauthorized, err: signature.ErrMissingSignature}
	}
	act, err := f.dereference(ctx, act)
	return act, false, err
}

// dereference fetches a forwarded activity's truth from its actor's
// server, through the egress client, and returns the activity to act on:
//
//   - the activity itself, when its origin serves it at its id (with the
//     same type and actor);
//   - for Create and Update, the activity as sent with its object
//     replaced by the origin's current copy, which must be the actor's;
//   - for Delete, the activity as sent when the origin no longer has the
//     object (404 or 410, or a Tombstone).
//
// Anything else is refused: what cannot be confirmed is not believed.
func (f *Federation) dereference(ctx context.Context, act vocab.Activity) (vocab.Activity, error) {
	if doc, err := f.fetch(ctx, act.ID); err == nil {
		if origin, err := vocab.ActivityFromMap(doc); err == nil &&
			origin.ID == act.ID && origin.Type == act.Type && origin.Actor == act.Actor {
			return origin, nil
		}
	}
	objectID := act.Object.ID
	if objectID == "" || hostOf(objectID) != hostOf(act.Actor) {
		return act, unauthorized("forwarded %s %s could not be confirmed at its origin", act.Type, act.ID)
	}
	doc, err := f.fetch(ctx, objectID)
	switch act.Type {
	case "Create", "Update":
		if err != nil {
			return act, unauthorized("forwarded %s: its object %s could not be fetched: %v", act.Type, objectID, err)
		}
		obj := vocab.DecodeObject(doc)
		if obj.ID != objectID || obj.AttributedTo != act.Actor && obj.ID != act.Actor {
			return act, unauthorized("forwarded %s: the origin's %s is not %s's", act.Type, objectID, act.Actor)
		}
		act.Object = obj
		act.Raw["object"] = doc
		return act, nil
	case "Delete":
		var se *fetchStatusError
		if errors.As(err, &se) && (se.status == http.StatusNotFound || se.status == http.StatusGone) ||
			err == nil && vocab.DecodeObject(doc).Type == "Tombstone" {
			return act, nil
		}
		return act, unauthorized("forwarded Delete: %s still exists at its origin", objectID)
	}
	return act, unauthorized("forwarded %s %s could not be confirmed at its origin", act.Type, act.ID)
}

// fetchStatusError is a fetch answered with a status other than 200.
type fetchStatusError struct {
	url    string
	status int
	text   string
}

func (e *fetchStatusError) Error() string { return fmt.Sprintf("fetch %s: %s", e.url, e.text) }
