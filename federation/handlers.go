package federation

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Incoming is a verified activity handed to a domain package's Handler.
type Incoming struct {
	ID    string // the activity's id, on the actor's server
	Type  string
	Actor string // the signer
	// Object is the id of the activity's object; ObjectDoc is the object
	// itself when it was embedded (nil for a bare id).
	Object    string
	ObjectDoc map[string]any
	Doc       map[string]any // the whole activity
	// Recipient is the local username whose inbox it came to; "" for the
	// shared inbox.
	Recipient string
}

// Handler applies an activity that a domain package owns, inside the
// inbox's transaction (which also records the activity id, so a replay
// never reaches it). handled false passes the activity on to the next
// handler of its type and then to federation's own (follows); outcome is
// recorded with the activity.
type Handler func(ctx context.Context, tx pgx.Tx, in Incoming) (outcome string, handled bool, err error)

// Handle registers h for activities of type typ, e.g. Create or Offer.
// Domain packages (the endorsement network, the passport) register theirs
// when the node is wired, before it serves: federation imports none of
// them.
func (f *Federation) Handle(typ string, h Handler) {
	f.handlers[typ] = append(f.handlers[typ], h)
}

// handle runs the registered handlers of act's type in order until one
// takes it.
func (f *Federation) handle(ctx context.Context, tx pgx.Tx, recipient string, act activity) (string, bool, error) {
	in := Incoming{ID: act.id, Type: act.typ, Actor: act.actor, Object: act.object, Doc: act.doc, Recipient: recipient}
	in.ObjectDoc, _ = act.doc["object"].(map[string]any)
	for _, h := range f.handlers[act.typ] {
		outcome, handled, err := h(ctx, tx, in)
		if err != nil || handled {
			return outcome, handled, err
		}
	}
	return "", false, nil
}
