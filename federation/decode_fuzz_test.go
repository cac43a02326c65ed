package federation

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// FuzzDecodeActivity feeds arbitrary bodies to decodeActivity, the first
// thing the inbox does with a body. It must never panic; it must refuse
// what it refuses as invalid input (a 400, never a 500); and what it
// accepts must have a type and an actor, with the id on the actor's own
// host. What it accepts is stored as JSON and read back later, so the
// stored form must decode to the same activity.
//
// The seed corpus in testdata/fuzz/FuzzDecodeActivity holds activities as
// Mastodon and GoToSocial send them and malformed ones. Run with
//
//	go test -run=^$ -fuzz=FuzzDecodeActivity -fuzztime=30s ./federation/
func FuzzDecodeActivity(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := decodeActivity(body)
		if err != nil {
			if !problem.Is(err, problem.Invalid) {
				t.Fatalf("refused with %T %v, want a problem.Invalid", err, err)
			}
			if !reflect.DeepEqual(a, vocab.Activity{}) {
				t.Fatalf("refused but returned %+v", a)
			}
			return
		}
		if a.Type == "" {
			t.Fatalf("accepted an activity without a type: %q", body)
		}
		actorHost := hostOf(a.Actor)
		if actorHost == "" {
			t.Fatalf("accepted actor %q, which is not an http(s) URL", a.Actor)
		}
		if idHost := hostOf(a.ID); idHost != actorHost {
			t.Fatalf("accepted id %q on %q for actor %q on %q", a.ID, idHost, a.Actor, actorHost)
		}
		if a.Raw == nil {
			t.Fatal("accepted without a document")
		}
		stored, err := json.Marshal(a.Raw)
		if err != nil {
			t.Fatalf("the accepted document cannot be encoded again: %v", err)
		}
		again, err := decodeActivity(stored)
		if err != nil {
			t.Fatalf("the stored form %s is refused: %v", stored, err)
		}
		again.Raw, a.Raw = nil, nil
		again.Object.Raw, a.Object.Raw = nil, nil
		again.Proof, a.Proof = nil, nil
		if !reflect.DeepEqual(again, a) {
			t.Fatalf("the stored form decodes as %+v, the body as %+v", again, a)
		}
	})
}
