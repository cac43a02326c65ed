package federation

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/vocab"
)

// Incoming is a verified activity handed to a domain package's Handler,
// decoded once by vocab.DecodeActivity.
type Incoming struct {
	vocab.Activity
	// Recipient is the local username whose inbox it came to; "" for the
	// shared inbox.
	Recipient string
}

// Handler applies an activity that a domain package owns, inside the
// inbox's transaction (which also records the activity id, so a replay
// never reaches it). It must read and write through tx only: no network,
// no other connection. handled false passes the activity on to the next
// handler of its type and then to federation's own; outcome is recorded
// with the activity.
type Handler func(ctx context.Context, tx pgx.Tx, in Incoming) (outcome string, handled bool, err error)

// Handle registers h for activities of type typ, e.g. Create or Offer.
// Domain packages (the endorsement network, the passport) register theirs
// when the node is wired, before it serves: federation imports none of
// them.
//
// Handlers of most types run in order until one takes the activity. Those
// of Update and Delete all run, and federation's own after them: an edit
// or a deletion applies to every copy of the object that Laurel keeps (a
// post in the inbox listings, a comment, an endorsement, a cached actor),
// whichever package keeps it.
func (f *Federation) Handle(typ string, h Handler) {
	f.handlers[typ] = append(f.handlers[typ], h)
}

// converges reports whether every handler of typ runs, not just the
// first that takes the activity.
func converges(typ string) bool { return typ == "Update" || typ == "Delete" }

// handle runs the registered handlers of in's type: until one takes it,
// or all of them for Update and Delete, whose outcomes are joined.
func (f *Federation) handle(ctx context.Context, tx pgx.Tx, in Incoming) (string, bool, error) {
	var outcomes []string
	for _, h := range f.handlers[in.Type] {
		outcome, handled, err := h(ctx, tx, in)
		if err != nil {
			return "", true, err
		}
		if !handled {
			continue
		}
		if !converges(in.Type) {
			return outcome, true, nil
		}
		outcomes = append(outcomes, outcome)
	}
	return strings.Join(outcomes, "; "), len(outcomes) > 0, nil
}

// NewIncoming decodes an activity document as the inbox would hand it to
// the handlers, for a recipient ("" for the shared inbox). Tests of
// domain handlers build their activities with it.
func NewIncoming(doc map[string]any, recipient string) (Incoming, error) {
	a, err := vocab.ActivityFromMap(doc)
	return Incoming{Activity: a, Recipient: recipient}, err
}
