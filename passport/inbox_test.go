package passport_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/passport"
)

// mention is a Create{Note} from sender mentioning the actors to, with
// the assertion id attached as passport.AssertionLink does (none when "").
func mention(sender, assertionID string, to ...string) federation.Incoming {
	var tags []any
	var addressed []any
	for _, id := range to {
		tags = append(tags, map[string]any{"type": "Mention", "href": id})
		addressed = append(addressed, id)
	}
	note := map[string]any{"type": "Note", "content": "<p>You earned a badge</p>", "to": addressed, "tag": tags}
	if assertionID != "" {
		link := passport.AssertionLink(assertionID)
		note["attachment"] = []any{map[string]any{"type": "Link", "href": link.Href, "mediaType": link.MediaType, "name": link.Name}}
	}
	in, err := federation.NewIncoming(map[string]any{"id": sender + "/activities/1", "type": "Create", "actor": sender, "object": note}, "")
	if err != nil {
		panic(err)
	}
	return in
}

// eventually polls check until it holds; the node's River client works
// the jobs.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBadgeMentionArrivesPendingThenVerified(t *testing.T) {
	ctx := context.Background()
	w, p := hostedWorld(t)
	// The jobs the handler queues are worked by the node's own River
	// client, whose passport is the same as p but for its identity.
	if _, err := jobs.NewClient(w.pool, jobs.Config{InsertOnly: true, Passport: p}); err != nil {
		t.Fatal(err)
	}
	none := issuer.Hooks{}
	forEva := w.issue(t, none, actor(p.ActorID("eva")))
	forMax := w.issue(t, none, email("max@example.org"))
	sender := w.base.String() + "/actors/tuni"
	eva := p.ActorID("eva")

	for _, tc := range []struct {
		name    string
		in      federation.Incoming
		handled bool
		outcome string
		added   int // items added to Eva's backpack
	}{
		{"a Note without a badge", mention(sender, "", eva), false, "", 0},
		{"a badge mentioning nobody here", mention(sender, w.urls.Assertion(forEva.UUID), "http://other.test/actors/eva"), false, "", 0},
		{"a badge mentioning an organisation", mention(sender, w.urls.Assertion(forEva.UUID), p.ActorID("tuni")), false, "", 0},
		{"an Endorsement", func() federation.Incoming {
			in := mention(sender, "", eva)
			in.Object.Type = "Endorsement"
			return in
		}(), false, "", 0},
		{"a badge hosted off the sender's server", mention("http://other.test/actors/x", w.urls.Assertion(forEva.UUID), eva), true, "ignored", 0},
		{"a badge for Eva", mention(sender, w.urls.Assertion(forEva.UUID), eva), true, "pending in 1 backpack", 1},
		{"the same badge again", mention(sender, w.urls.Assertion(forEva.UUID), eva), true, "in the backpack already", 0},
		{"Max's badge mentioning Eva", mention(sender, w.urls.Assertion(forMax.UUID), eva), true, "pending in 1 backpack", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(items(t, w.pool, w.eva))
			tx, err := w.pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			outcome, handled, err := p.ReceiveBadge(ctx, tx, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if handled != tc.handled || !strings.Contains(outcome, tc.outcome) {
				t.Fatalf("handled %v with %q, want %v with %q", handled, outcome, tc.handled, tc.outcome)
			}
			if after := len(items(t, w.pool, w.eva)); after != before+tc.added {
				t.Fatalf("Eva has %d items, want %d", after, before+tc.added)
			}
		})
	}

	// The badge for Eva is verified by the job; Max's is refused, with the
	// verifier's reason.
	eventually(t, "the badges were verified", func() bool {
		a, b := itemOf(t, w, forEva), itemOf(t, w, forMax)
		return a.Verified && b.State == passport.Refused
	})
	if it := itemOf(t, w, forEva); it.State != passport.Pending || it.Source != passport.SourceFediverse || it.Sender != sender ||
		it.BadgeName != "Robotics" || it.IssuerName != "Tampere University" || it.Verification != "hosted" {
		t.Fatalf("verified arrival: %+v", it)
	}
	if it := itemOf(t, w, forMax); it.Verified || !strings.Contains(it.Problem, "not awarded to you") {
		t.Fatalf("refused arrival: %+v", it)
	}
	if _, err := passport.Accept(ctx, w.pool, w.eva.ID, itemOf(t, w, forMax).UUID); err == nil {
		t.Fatal("a refused badge was accepted")
	}
	if it, err := passport.Accept(ctx, w.pool, w.eva.ID, itemOf(t, w, forEva).UUID); err != nil || it.State != passport.Accepted {
		t.Fatalf("accept the verified arrival: %+v, %v", it, err)
	}

	// An issuer that cannot be reached fails the attempt, so that River
	// tries again; the last attempt refuses the badge.
	gone := "http://127.0.0.1:1/ob/assertions/0b9d4c52-5b3e-4a1f-9d7e-2f1c0a6b8e11"
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, handled, err := p.ReceiveBadge(ctx, tx, mention("http://127.0.0.1:1/actors/x", gone, eva)); err != nil || !handled {
		t.Fatalf("mention from an unreachable issuer: %v, %v", handled, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, it := range items(t, w.pool, w.eva) {
		if it.AssertionID == gone {
			id = it.ID
		}
	}
	if err := p.VerifyArrival(ctx, id, false); err == nil {
		t.Fatal("an unreachable issuer did not fail the attempt")
	}
	if err := p.VerifyArrival(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	for _, it := range items(t, w.pool, w.eva) {
		if it.ID == id && (it.State != passport.Refused || !strings.Contains(it.Problem, "could not fetch")) {
			t.Fatalf("after the last attempt: %+v", it)
		}
	}
}
