package passport_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
)

// streamWorld is a social world where Eva's network did one thing of
// every kind, each at a known time (t0 plus hours), posts interleaved
// with the rest.
type streamWorld struct {
	*social
	fed *federation.Federation
	t0  time.Time
}

func newStreamWorld(t *testing.T) *streamWorld {
	t.Helper()
	ctx := context.Background()
	s := &streamWorld{social: newSocial(t), t0: time.Now().Add(-24 * time.Hour).Truncate(time.Second)}
	cacheRita(t, s.social)
	s.fed = federation.New(federation.Config{Base: s.base, Pool: s.pool})
	if _, err := jobs.NewClient(s.pool, jobs.Config{InsertOnly: true, Federation: s.fed}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Eva follows Max here and Rita on another server; Rita posts, and
	// so does someone Eva does not follow.
	_, err := s.fed.FollowRemote(ctx, "eva", s.p.ActorID("max"))
	must(err)
	_, err = s.pool.Exec(ctx, `INSERT INTO follow (follow_id, follower, followee, state) VALUES ('f-rita', $1, $2, 'accepted')`,
		s.p.ActorID("eva"), remoteEndorser)
	must(err)
	public := "https://www.w3.org/ns/activitystreams#Public"
	for _, p := range []struct{ id, actor, to, content string }{
		{remoteEndorser + "/notes/1", remoteEndorser, public, "<p>Hello <b>world</b></p><p>from Rita</p>"},
		{remoteEndorser + "/notes/2", remoteEndorser, s.p.ActorID("max"), "<p>For Max only</p>"},
		{"http://else.test/notes/1", "http://else.test/actors/zed", public, "<p>Not followed</p>"},
	} {
		_, err = s.pool.Exec(ctx, `INSERT INTO remote_post (object_id, actor, audience, content, url, received_at)
			VALUES ($1, $2, ARRAY[$3], $4, $1, $5)`, p.id, p.actor, p.to, p.content, s.at(3))
		must(err)
	}
	_, err = s.fed.Post(ctx, "max", "Hi from Max")
	must(err)
	must(s.p.Congratulate(ctx, s.max, s.page))
	_, err = s.p.AddComment(ctx, s.ann, s.page, "Well done, Eva!")
	must(err)
	_, err = s.p.AddComment(ctx, s.eva, s.page, "Thank you!") // one's own: not in one's stream
	must(err)
	_, err = s.p.Endorse(ctx, s.max, s.page, "Eva builds **great** robots.")
	must(err)
	_, err = s.p.Ask(ctx, s.eva, s.public.UUID, passport.AskInput{Handle: "ann"}, false)
	must(err)
	asked, err := passport.Requests(ctx, s.pool, s.ann.ID, true)
	must(err)
	_, err = s.p.DeclineRequest(ctx, s.ann, asked[0].UUID)
	must(err)
	for _, q := range []struct {
		sql   string
		hours int
	}{
		{`UPDATE backpack_item SET added_at = $1 WHERE id = ` + strconv.FormatInt(s.private.ID, 10), 1},
		{`UPDATE backpack_item SET added_at = $1 WHERE id = ` + strconv.FormatInt(s.public.ID, 10), 2},
		{`UPDATE passport_like SET created_at = $1`, 4},
		{`UPDATE outbox_activity SET created_at = $1 WHERE type = 'Create'`, 5},
		{`UPDATE passport_comment SET created_at = $1`, 6},
		{`UPDATE person_endorsement SET created_at = $1`, 7},
		{`UPDATE person_endorsement_request SET updated_at = $1`, 8},
	} {
		_, err = s.pool.Exec(ctx, q.sql, s.at(q.hours))
		must(err)
	}
	return s
}

func (s *streamWorld) at(hours int) time.Time { return s.t0.Add(time.Duration(hours) * time.Hour) }

// TestStream: a person's stream merges what their network did, from the
// backpack, the social tables and the federation, newest first; pages
// through it; and shows nothing of other people's.
func TestStream(t *testing.T) {
	ctx := context.Background()
	s := newStreamWorld(t)
	all, err := s.p.Stream(ctx, s.pool, s.eva, time.Time{}, 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind, actor, text string
		hours             int
	}{
		{passport.StreamAnswer, "ann", "Declined to endorse your badge “Robotics”.", 8},
		{passport.StreamEndorsement, "max", "Endorsed “Robotics”: Eva builds **great** robots.", 7},
		{passport.StreamComment, "ann", "On “Robotics”: Well done, Eva!", 6},
		{passport.StreamPost, "max", "Hi from Max", 5},
		{passport.StreamCongratulation, "max", "Congratulated you on “Robotics”.", 4},
		{passport.StreamPost, "Rita", "Hello world from Rita", 3},
		{passport.StreamBadge, "Tampere University", "You received “Robotics”.", 2},
		{passport.StreamBadge, "Tampere University", "You received “Robotics”.", 1},
	}
	if len(all) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(all), len(want), all)
	}
	for i, w := range want {
		e := all[i]
		if e.Kind != w.kind || e.Actor != w.actor || e.Text != w.text || !e.At.Equal(s.at(w.hours)) {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if !strings.HasPrefix(e.Link, "http://") {
			t.Errorf("entry %d links to %q, want an absolute URL", i, e.Link)
		}
	}
	for _, tc := range []struct {
		name          string
		since         time.Time
		limit, offset int
		want          []string // kinds
	}{
		{"first page", time.Time{}, 3, 0, []string{"answer", "endorsement", "comment"}},
		{"second page", time.Time{}, 3, 3, []string{"post", "congratulation", "post"}},
		{"last page", time.Time{}, 3, 6, []string{"badge", "badge"}},
		{"past the end", time.Time{}, 3, 9, nil},
		{"since the congratulation", s.at(4), 10, 0, []string{"answer", "endorsement", "comment", "post"}},
		{"since all", s.at(8), 10, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.p.Stream(ctx, s.pool, s.eva, tc.since, tc.limit, tc.offset)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range list {
				kinds = append(kinds, e.Kind)
			}
			if strings.Join(kinds, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("kinds %v, want %v", kinds, tc.want)
			}
		})
	}
	if _, err := s.p.Stream(ctx, s.pool, s.eva, time.Time{}, 10, passport.MaxStreamDepth); !problem.Is(err, problem.Invalid) {
		t.Fatalf("paging past the depth: %v", err)
	}
	// The others see nothing of Eva's: what they did to her badges is
	// hers, and they follow nobody.
	for _, u := range []account.User{s.max, s.ann} {
		list, err := s.p.Stream(ctx, s.pool, u, time.Time{}, 20, 0)
		if err != nil || len(list) != 0 {
			t.Errorf("%s's stream: %+v, %v", u.Username, list, err)
		}
	}
}

// TestStreamTextIsPlainAndBounded: HTML is removed and long texts cut.
func TestStreamTextIsPlainAndBounded(t *testing.T) {
	ctx := context.Background()
	s := newStreamWorld(t)
	long := "<p>" + strings.Repeat("word ", 200) + "</p><script>alert(1)</script>"
	if _, err := s.pool.Exec(ctx, `INSERT INTO remote_post (object_id, actor, audience, content, url)
		VALUES ('http://other.test/long/note', $1, '{as:Public}', $2, 'http://other.test/long/note')`,
		remoteEndorser, long); err != nil {
		t.Fatal(err)
	}
	list, err := s.p.Stream(ctx, s.pool, s.eva, time.Time{}, 1, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("%+v, %v", list, err)
	}
	text := list[0].Text
	if n := len([]rune(text)); n > passport.MaxStreamText || strings.ContainsAny(text, "<>") || strings.Contains(text, "alert") {
		t.Fatalf("text of %d characters: %q", n, text)
	}
	if list[0].Link != "http://other.test/long/note" {
		t.Fatalf("link %q", list[0].Link)
	}
}
