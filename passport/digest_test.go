package passport_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
)

// digestMail is a digest queued as a River mail job.
type digestMail struct{ to, subject, text string }

// digests lists the digests queued so far, by recipient.
func (s *social) digests(t *testing.T) map[string][]digestMail {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `SELECT lower(args->>'to'), args->>'subject', args->>'text' FROM river_job
		WHERE kind = 'mail_send' AND args->>'text' LIKE '%/passport/stream%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]digestMail{}
	for rows.Next() {
		var m digestMail
		if err := rows.Scan(&m.to, &m.subject, &m.text); err != nil {
			t.Fatal(err)
		}
		out[m.to] = append(out[m.to], m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pass simulates time passing: everything the digests look at happened
// that much earlier.
func (s *social) pass(t *testing.T, interval string) {
	t.Helper()
	for _, q := range []string{
		`UPDATE stream_digest SET last_sent_at = last_sent_at - $1::interval`,
		`UPDATE backpack_item SET added_at = added_at - $1::interval`,
	} {
		if _, err := s.pool.Exec(context.Background(), q, interval); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDigestSetting: the frequency is off until chosen, and only off,
// daily or weekly.
func TestDigestSetting(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	for _, tc := range []struct {
		set, want string
		kind      problem.Kind
	}{
		{"", passport.DigestOff, 0},
		{"daily", passport.DigestDaily, 0},
		{"hourly", passport.DigestDaily, problem.Invalid},
		{"weekly", passport.DigestWeekly, 0},
		{"off", passport.DigestOff, 0},
	} {
		if tc.set != "" {
			wantKind(t, "set "+tc.set, passport.SetDigestFrequency(ctx, s.pool, s.eva.ID, tc.set), tc.kind, "off, daily or weekly")
		}
		if got, err := passport.DigestFrequency(ctx, s.pool, s.eva.ID); err != nil || got != tc.want {
			t.Fatalf("after %q: %q, %v; want %q", tc.set, got, err, tc.want)
		}
	}
}

// TestDigest: the hourly job emails each person whose day or week has
// passed what arrived since their last digest, once per period; nothing
// new, an unconfirmed address or digests turned off send nothing.
func TestDigest(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	otto, err := account.CreateUser(ctx, s.pool, account.NewUser{Username: "otto", Email: "otto@example.org", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []struct {
		u account.User
		f string
	}{{s.eva, "daily"}, {s.ann, "daily"}, {s.max, "weekly"}, {otto, "daily"}, {otto, "off"}} {
		if err := passport.SetDigestFrequency(ctx, s.pool, set.u.ID, set.f); err != nil {
			t.Fatal(err)
		}
	}
	// Max reads Swedish: his digest is in Swedish, the others' in English.
	if err := account.SetLanguage(ctx, s.pool, s.max.ID, "sv"); err != nil {
		t.Fatal(err)
	}
	// Each gets a badge after choosing; Eva's two earlier ones are not
	// news any more.
	for _, addr := range []string{evaEmail, "ann@example.org", "max@example.org", "otto@example.org"} {
		s.issue(t, s.deliver(), email(addr))
	}
	// Ann's address is no longer confirmed (she changed it, say).
	if _, err := s.pool.Exec(ctx, `UPDATE app_user SET email_verified = false WHERE id = $1`, s.ann.ID); err != nil {
		t.Fatal(err)
	}
	w := &passport.DigestWorker{Passport: s.p}
	evaAddr := strings.ToLower(evaEmail)
	for _, step := range []struct {
		name  string
		pass  string         // simulated time before the run
		after func()         // a change before the run
		want  map[string]int // digests sent so far, by address
	}{
		{name: "within the first day", want: map[string]int{}},
		{name: "a day later", pass: "25 hours", want: map[string]int{evaAddr: 1}},
		{name: "the same hour again", want: map[string]int{evaAddr: 1}},
		{name: "another day, nothing new", pass: "25 hours", want: map[string]int{evaAddr: 1}},
		{name: "a week after choosing", pass: "5 days", want: map[string]int{evaAddr: 1, "max@example.org": 1}},
		{name: "Ann confirms her address", after: func() {
			if _, err := s.pool.Exec(ctx, `UPDATE app_user SET email_verified = true WHERE id = $1`, s.ann.ID); err != nil {
				t.Fatal(err)
			}
		}, want: map[string]int{evaAddr: 1, "max@example.org": 1, "ann@example.org": 1}},
		{name: "Max's week again, nothing new", pass: "8 days", want: map[string]int{evaAddr: 1, "max@example.org": 1, "ann@example.org": 1}},
	} {
		if step.pass != "" {
			s.pass(t, step.pass)
		}
		if step.after != nil {
			step.after()
		}
		if err := w.Work(ctx, nil); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		got := s.digests(t)
		counts := map[string]int{}
		for to, list := range got {
			counts[to] = len(list)
		}
		if len(counts) != len(step.want) {
			t.Fatalf("%s: digests %v, want %v", step.name, counts, step.want)
		}
		for to, n := range step.want {
			if counts[to] != n {
				t.Fatalf("%s: digests %v, want %v", step.name, counts, step.want)
			}
		}
	}
	m := s.digests(t)[evaAddr][0]
	if m.subject != "1 new in your network" || !strings.Contains(m.text, "Tampere University: You received “Robotics”.") ||
		!strings.Contains(m.text, "http://laurel.test/passport/badges/") || !strings.Contains(m.text, "http://laurel.test/passport/stream") {
		t.Fatalf("Eva's digest:\n%s\n%s", m.subject, m.text)
	}
	m = s.digests(t)["max@example.org"][0]
	if m.subject != "1 ny i ditt nätverk" || !strings.Contains(m.text, "Det här har hänt i ditt nätverk sedan ") ||
		!strings.Contains(m.text, "Ditt flöde: http://laurel.test/passport/stream") {
		t.Fatalf("Max's digest:\n%s\n%s", m.subject, m.text)
	}
}
