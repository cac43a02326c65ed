package federation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// actorTypes are the ActivityStreams actor types.
var actorTypes = map[string]bool{"Person": true, "Organization": true, "Service": true, "Application": true, "Group": true}

// receiveUpdate applies an Update: of the actor itself (a new name,
// avatar, summary, inbox or key: Update{Person}, which every server sends
// when a profile changes), or of a post. The embedded object is believed:
// the inbox checked that the actor signed it (or its proof, or fetched it
// from its origin) and that the object is the actor's own.
func (f *Federation) receiveUpdate(ctx context.Context, tx pgx.Tx, in Incoming, relevant bool) (string, error) {
	switch {
	case in.Object.ID == in.Actor && actorTypes[in.Object.Type]:
		return f.updateActor(ctx, tx, in)
	case postTypes[in.Object.Type]:
		return f.updatePost(ctx, tx, in, relevant)
	}
	return "ignored", nil
}

// updateActor replaces the cached copy of a remote actor with the one its
// Update carries, keys included. An actor Laurel never cached is no one's
// concern here.
func (f *Federation) updateActor(ctx context.Context, tx pgx.Tx, in Incoming) (string, error) {
	if _, err := CachedRemoteActor(ctx, tx, in.Actor); err != nil {
		return "ignored: actor not known here", nil
	}
	a, err := parseRemoteActor(in.Actor, in.Object.Raw)
	if err != nil {
		return "ignored: " + err.Error(), nil
	}
	if err := storeRemoteActor(ctx, tx, a, in.Object.Raw); err != nil {
		return "", err
	}
	return "actor updated", nil
}

// PublishActorUpdate sends Update{actor} of the local actor username, as
// p describes it now, to its followers and to also (each server once),
// inside tx, with the change it announces: how Mastodon, GoToSocial and
// other Laurel nodes learn of a changed profile (name, summary, icon).
// p is the caller's, read in tx: federation's own profile lookup reads
// through the pool, which would not see the change yet.
func (f *Federation) PublishActorUpdate(ctx context.Context, tx pgx.Tx, username string, p Profile, also ...InboxTarget) error {
	a, err := ActorByUsername(ctx, tx, username)
	if err != nil {
		return err
	}
	doc, err := actorDocument(f.urls, f.md, a, p)
	if err != nil {
		return err
	}
	update := map[string]any{
		"@context":  doc["@context"],
		"id":        f.urls.NewActivityID(username),
		"type":      "Update",
		"actor":     f.urls.Actor(username),
		"published": time.Now().UTC().Format(time.RFC3339),
		"to":        []string{asPublic},
		"cc":        []string{f.urls.Followers(username)},
		"object":    doc,
	}
	delete(doc, "@context")
	return f.AnnounceToFollowers(ctx, tx, username, update, also...)
}
