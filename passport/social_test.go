package passport_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
)

// TestSocialCongratulate: once per person and badge, never on one's own badge,
// and only on a public one; from another node as Like.
func TestSocialCongratulate(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	cacheRita(t, s)
	for _, tc := range []struct {
		name string
		by   *account.User
		page string
		kind problem.Kind
		text string
	}{
		{"one's own badge", &s.eva, s.page, problem.Invalid, "your own badge"},
		{"a private badge", &s.max, s.privatePage, problem.NotFound, "no public badge"},
		{"congratulated", &s.max, s.page, 0, ""},
		{"twice", &s.max, s.page, problem.Conflict, "already"},
	} {
		wantKind(t, tc.name, s.p.Congratulate(ctx, *tc.by, tc.page), tc.kind, tc.text)
	}
	like := s.p.ReceiveLike()
	for _, tc := range []struct {
		name, outcome string
		in            federation.Incoming
	}{
		{"a Like of the page", "recorded", s.incoming("Like", "l1", s.page, "")},
		{"the same Like again", "", s.incoming("Like", "l1", s.page, "")},
		{"another Like by the same person", "already", s.incoming("Like", "l2", s.public.AssertionID, "")},
		{"a Like of a private badge", "not a public badge", s.incoming("Like", "l3", s.privatePage, "")},
		{"a Like of a private badge's assertion", "not a public badge", s.incoming("Like", "l4", s.private.AssertionID, "")},
	} {
		if tc.outcome == "" {
			continue // the inbox never hands an activity over twice
		}
		if outcome, handled := run(t, s, like, tc.in); !handled || !strings.Contains(outcome, tc.outcome) {
			t.Fatalf("%s: outcome %q (handled %v)", tc.name, outcome, handled)
		}
	}
	count, mine, err := passport.Congratulations(ctx, s.pool, s.public.ID, s.max.ID)
	if err != nil || count != 2 || !mine {
		t.Fatalf("congratulations = %d (Max's among them: %v), %v; want 2", count, mine, err)
	}
	if count, _, _ := passport.Congratulations(ctx, s.pool, s.private.ID, 0); count != 0 {
		t.Fatalf("the private badge has %d congratulations", count)
	}
	// Rita takes her congratulation back (Undo{Like}, the Like embedded
	// as Mastodon sends it); an Undo of something else is passed on.
	undo := s.p.ReceiveUndoLike()
	likeDoc := map[string]any{"id": remoteEndorser + "/activities/l1", "type": "Like", "actor": remoteEndorser, "object": s.page}
	if outcome, handled := run(t, s, undo, s.incoming("Undo", "u1", map[string]any{"id": "x", "type": "Follow"}, "")); handled {
		t.Fatalf("an Undo{Follow} was taken: %q", outcome)
	}
	if outcome, handled := run(t, s, undo, s.incoming("Undo", "u2", likeDoc, "")); !handled || outcome != "congratulation undone" {
		t.Fatalf("Undo{Like}: outcome %q (handled %v)", outcome, handled)
	}
	if count, _, _ := passport.Congratulations(ctx, s.pool, s.public.ID, s.max.ID); count != 1 {
		t.Fatalf("after Undo{Like}, %d congratulations, want 1 (Max's)", count)
	}
}

// TestSocialComments: comments are plain text without script, paged, and
// deleted by their author or by the earner.
func TestSocialComments(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	cacheRita(t, s)
	for _, tc := range []struct {
		name, page, content string
		kind                problem.Kind
		text                string
	}{
		{"script", s.page, "Bravo<script>alert(1)</script>", problem.Invalid, "script"},
		{"empty", s.page, "  <i></i> ", problem.Invalid, "1 to 2000"},
		{"too long", s.page, strings.Repeat("x", 2001), problem.Invalid, "1 to 2000"},
		{"a private badge", s.privatePage, "Bravo!", problem.NotFound, "no public badge"},
	} {
		_, err := s.p.AddComment(ctx, s.max, tc.page, tc.content)
		wantKind(t, tc.name, err, tc.kind, tc.text)
	}
	first, err := s.p.AddComment(ctx, s.max, s.page, "Well <b>done</b>, Eva!")
	if err != nil || first.Content != "Well done, Eva!" {
		t.Fatalf("comment = %+v, %v", first, err)
	}
	for _, text := range []string{"Second.", "Third."} {
		if _, err := s.p.AddComment(ctx, s.ann, s.page, text); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.p.AddComment(ctx, s.eva, s.page, "Thank you all!"); err != nil {
		t.Fatalf("the earner's own comment: %v", err)
	}
	received := s.p.ReceiveComment()
	note := func(n, content string) map[string]any {
		return map[string]any{"id": remoteEndorser + "/notes/" + n, "type": "Note", "attributedTo": remoteEndorser,
			"inReplyTo": s.page, "content": content, "published": "2026-11-01T00:00:00Z"}
	}
	for _, tc := range []struct {
		name, outcome string
		h             federation.Handler
		in            federation.Incoming
	}{
		{"a Note in reply to the page", "stored", received, s.incoming("Create", "n1", note("1", "<p>Congrats<script>alert(1)</script>!</p>"), "")},
		{"the same Note again", "already stored", received, s.incoming("Create", "n1-again", note("1", "Congrats!"), "")},
		{"a Note in reply to a private badge", "not a public badge", received, s.incoming("Create", "n2", func() map[string]any {
			n := note("2", "Hidden?")
			n["inReplyTo"] = s.privatePage
			return n
		}(), "")},
		{"someone else's Note", "not the sender's", received, s.incoming("Create", "n3", func() map[string]any {
			n := note("3", "Forged.")
			n["attributedTo"] = "http://other.test/actors/mallory"
			return n
		}(), "")},
		{"a Delete before its Create", "before it arrived", s.p.ReceiveDelete(), s.incoming("Delete", "d4",
			map[string]any{"id": remoteEndorser + "/notes/4", "type": "Tombstone", "formerType": "Note"}, "")},
		{"the Create it overtook", "deleted before it arrived", received, s.incoming("Create", "n4", note("4", "Gone."), "")},
	} {
		if outcome, handled := run(t, s, tc.h, tc.in); !handled || !strings.Contains(outcome, tc.outcome) {
			t.Fatalf("%s: outcome %q (handled %v), want %q", tc.name, outcome, handled, tc.outcome)
		}
	}
	page, total, err := passport.Comments(ctx, s.pool, s.public.ID, 3, 0)
	if err != nil || total != 5 || len(page) != 3 {
		t.Fatalf("first page: %d of %d, %v", len(page), total, err)
	}
	rest, _, _ := passport.Comments(ctx, s.pool, s.public.ID, 3, 3)
	if len(rest) != 2 {
		t.Fatalf("second page: %d comments", len(rest))
	}
	var rita passport.Comment
	for _, c := range append(page, rest...) {
		if c.Author == remoteEndorser {
			rita = c
		}
	}
	if rita.Content != "Congrats!" || rita.AuthorName != "Rita" {
		t.Fatalf("Rita's comment: %+v", rita)
	}
	// Rita edits her comment (Update{Note}); someone else cannot.
	edited := map[string]any{"id": rita.ID, "type": "Note", "attributedTo": remoteEndorser, "content": "<p>Congrats, Eva!</p>"}
	if outcome, handled := run(t, s, s.p.ReceiveCommentEdit(), s.incoming("Update", "e1", edited, "")); !handled || outcome != "comment edited" {
		t.Fatalf("Rita's edit: %q (handled %v)", outcome, handled)
	}
	forged := map[string]any{"id": rita.ID, "type": "Note", "attributedTo": "http://else.test/actors/x", "content": "Forged"}
	if _, handled := run(t, s, s.p.ReceiveCommentEdit(), s.incoming("Update", "e2", forged, "")); handled {
		t.Fatal("an edit attributed to another was taken")
	}
	if page, _, _ := passport.Comments(ctx, s.pool, s.public.ID, 10, 0); !slices.ContainsFunc(page, func(c passport.Comment) bool {
		return c.ID == rita.ID && c.Content == "Congrats, Eva!"
	}) {
		t.Fatalf("after the edit: %+v", page)
	}
	// Who may delete: the author and the earner, nobody else.
	if err := s.p.DeleteComment(ctx, s.ann, first.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("deleted by another commenter: %v", err)
	}
	if err := s.p.DeleteComment(ctx, s.max, first.UUID); err != nil {
		t.Fatalf("deleted by its author: %v", err)
	}
	if err := s.p.DeleteComment(ctx, s.eva, rita.UUID); err != nil {
		t.Fatalf("deleted by the earner: %v", err)
	}
	if outcome, _ := run(t, s, s.p.ReceiveDelete(), s.incoming("Delete", "d1", map[string]any{"id": rita.ID, "type": "Tombstone", "formerType": "Note"}, "")); outcome != "comment deleted" {
		t.Fatalf("Rita's Delete of her comment: %q", outcome)
	}
	if _, total, _ := passport.Comments(ctx, s.pool, s.public.ID, 10, 0); total != 3 {
		t.Fatalf("%d comments left, want 3", total)
	}
}
