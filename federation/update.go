package federation

import (
	"context"

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
