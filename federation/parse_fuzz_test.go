package federation

import (
	"encoding/json"
	"testing"

	"github.com/laurelnet/laurel/problem"
)

// FuzzParseActivity feeds arbitrary bodies to parseActivity, the first
// thing the inbox does with a verified body. It must never panic; it must
// refuse what it refuses as invalid input (a 400, never a 500); and what it
// accepts must have a type and an actor, with the id on the actor's own
// host. What it accepts is stored as JSON and read back later, so the
// stored form must parse to the same activity.
//
// The seed corpus in testdata/fuzz/FuzzParseActivity holds activities as
// Mastodon and GoToSocial send them and malformed ones. Run with
//
//	go test -run=^$ -fuzz=FuzzParseActivity -fuzztime=30s ./federation/
func FuzzParseActivity(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := parseActivity(body)
		if err != nil {
			if !problem.Is(err, problem.Invalid) {
				t.Fatalf("refused with %T %v, want a problem.Invalid", err, err)
			}
			if fieldsOf(a) != (activityFields{}) || a.doc != nil {
				t.Fatalf("refused but returned %+v", a)
			}
			return
		}
		if a.typ == "" {
			t.Fatalf("accepted an activity without a type: %q", body)
		}
		actorHost := hostOf(a.actor)
		if actorHost == "" {
			t.Fatalf("accepted actor %q, which is not an http(s) URL", a.actor)
		}
		if idHost := hostOf(a.id); idHost != actorHost {
			t.Fatalf("accepted id %q on %q for actor %q on %q", a.id, idHost, a.actor, actorHost)
		}
		if a.doc == nil {
			t.Fatal("accepted without a document")
		}
		if a.typ != str(a.doc, "type") || a.actor != str(a.doc, "actor") || a.id != str(a.doc, "id") || a.object != str(a.doc, "object") {
			t.Fatalf("fields %+v do not match the document %v", fieldsOf(a), a.doc)
		}

		stored, err := json.Marshal(a.doc)
		if err != nil {
			t.Fatalf("the accepted document cannot be encoded again: %v", err)
		}
		again, err := parseActivity(stored)
		if err != nil {
			t.Fatalf("the stored form %s is refused: %v", stored, err)
		}
		if fieldsOf(again) != fieldsOf(a) {
			t.Fatalf("the stored form parses as %+v, the body as %+v", fieldsOf(again), fieldsOf(a))
		}
	})
}

// activityFields is an activity without its document, so that it compares
// with ==.
type activityFields struct{ id, typ, actor, object string }

func fieldsOf(a activity) activityFields {
	return activityFields{id: a.id, typ: a.typ, actor: a.actor, object: a.object}
}
