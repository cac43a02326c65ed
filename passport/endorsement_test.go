package passport_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// social is a world whose earner Eva holds two accepted badges, one public
// and one private, with a passport that queues deliveries (and sends
// nothing: the jobs are never worked).
type social struct {
	*world
	p                 *passport.Passport
	public, private   passport.Item
	page, privatePage string
	ann               account.User // a third person
}

func newSocial(t *testing.T) *social {
	t.Helper()
	ctx := context.Background()
	base, _ := url.Parse("http://laurel.test")
	w := newWorld(t, testkit.DB(t), base)
	fed := federation.New(federation.Config{Base: base, Pool: w.pool})
	s := &social{world: w, p: passport.New(w.pool, fed, w.urls, &verifier.Verifier{})}
	if _, err := jobs.NewClient(w.pool, jobs.Config{InsertOnly: true, Federation: fed, Passport: s.p}); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []*passport.Item{&s.public, &s.private} {
		w.issue(t, w.deliver(), email(evaEmail))
		it := items(t, w.pool, w.eva)[0]
		if _, err := passport.Accept(ctx, w.pool, w.eva.ID, it.UUID); err != nil {
			t.Fatal(err)
		}
		*dst = it
	}
	if _, err := passport.SetVisibility(ctx, w.pool, w.eva.ID, s.public.UUID, passport.Public); err != nil {
		t.Fatal(err)
	}
	s.page = passport.BadgePage(w.urls, "eva", s.public.UUID)
	s.privatePage = passport.BadgePage(w.urls, "eva", s.private.UUID)
	var err error
	if s.ann, err = account.CreateUser(ctx, w.pool, account.NewUser{Username: "ann", Email: "ann@example.org", Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func wantKind(t *testing.T, what string, err error, kind problem.Kind, text string) {
	t.Helper()
	if kind == 0 {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	wantProblem(t, what, err, kind, text)
}

// TestEndorseRules: a person endorses someone else's public badge once,
// with a comment of at least five characters and no script.
func TestEndorseRules(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	for _, tc := range []struct {
		name          string
		by            *account.User
		page, comment string
		kind          problem.Kind // 0: succeeds
		text          string
	}{
		{"one's own badge", &s.eva, s.page, "I did well.", problem.Invalid, "your own badge"},
		{"too short", &s.max, s.page, " Nice ", problem.Invalid, "5 to 5000"},
		{"too long", &s.max, s.page, strings.Repeat("a", 5001), problem.Invalid, "5 to 5000"},
		{"script", &s.max, s.page, "Great work<script>alert(1)</script>", problem.Invalid, "script"},
		{"an event handler", &s.max, s.page, `Great <img src=x onerror="alert(1)"> work`, problem.Invalid, "script"},
		{"a javascript: link", &s.max, s.page, "Great [work](javascript:alert(1))", problem.Invalid, "script"},
		{"only HTML", &s.max, s.page, "<b></b><i>ok</i>", problem.Invalid, "5 to 5000"},
		{"a private badge", &s.max, s.privatePage, "Great work!", problem.NotFound, "no public badge"},
		{"no badge page", &s.max, "http://laurel.test/people/eva", "Great work!", problem.Invalid, "no public badge page"},
		{"not a URL", &s.max, "eva's badge", "Great work!", problem.Invalid, "address"},
		{"endorsed", &s.max, s.page, "Great **work**, <b>well</b> earned.", 0, ""},
		{"twice", &s.max, s.page, "Once more: great work.", problem.Conflict, "already"},
		{"by another person", &s.ann, s.page, "Careful and thorough.", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.p.Endorse(ctx, *tc.by, tc.page, tc.comment)
			wantKind(t, tc.name, err, tc.kind, tc.text)
		})
	}
	received, err := passport.EndorsementsReceived(ctx, s.pool, s.eva.ID, passport.Pending)
	if err != nil || len(received) != 2 {
		t.Fatalf("pending endorsements of Eva's badges: %+v, %v", received, err)
	}
	given, err := passport.EndorsementsGiven(ctx, s.pool, s.max.ID)
	if err != nil || len(given) != 1 {
		t.Fatalf("Max's endorsements: %+v, %v", given, err)
	}
	e := given[0]
	if e.Comment != "Great **work**, well earned." || e.State != passport.Pending || e.Assertion != s.public.AssertionID ||
		e.BadgePage != s.page || e.Earner != s.p.ActorID("eva") || e.Endorser != s.p.ActorID("max") ||
		e.ID != passport.EndorsementID(s.urls, e.UUID) || e.EndorserProfile != passport.PersonProfileID(s.urls, "max") {
		t.Fatalf("Max's endorsement: %+v", e)
	}
	// Nothing is shown until Eva accepts.
	if list, _ := passport.EndorsementsOf(ctx, s.pool, s.public.ID, passport.Accepted); len(list) != 0 {
		t.Fatalf("shown before accepted: %+v", list)
	}
	if _, err := s.p.AnswerEndorsement(ctx, s.max, e.UUID, true); !problem.Is(err, problem.NotFound) {
		t.Fatalf("accepted by the endorser: %v", err)
	}
	if _, err := s.p.AnswerEndorsement(ctx, s.eva, e.UUID, true); err != nil {
		t.Fatal(err)
	}
	ann := received[0]
	if ann.Endorser != s.p.ActorID("ann") {
		ann = received[1]
	}
	if _, err := s.p.AnswerEndorsement(ctx, s.eva, ann.UUID, false); err != nil {
		t.Fatal(err)
	}
	shown := func() []string {
		t.Helper()
		list, err := passport.EndorsementsOf(ctx, s.pool, s.public.ID, passport.Accepted)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Comment)
		}
		return out
	}
	if got := shown(); len(got) != 1 || got[0] != e.Comment {
		t.Fatalf("shown after the answers: %q", got)
	}
	// Editing keeps Eva's answer; only the endorser edits.
	if _, err := s.p.EditEndorsement(ctx, s.ann, e.UUID, "Not mine to edit."); !problem.Is(err, problem.NotFound) {
		t.Fatalf("edited by someone else: %v", err)
	}
	if _, err := s.p.EditEndorsement(ctx, s.max, e.UUID, "<script>x</script>"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("edited to script: %v", err)
	}
	if _, err := s.p.EditEndorsement(ctx, s.max, e.UUID, "Outstanding robotics work."); err != nil {
		t.Fatal(err)
	}
	if got := shown(); len(got) != 1 || got[0] != "Outstanding robotics work." {
		t.Fatalf("shown after the edit: %q", got)
	}
	// The hosted Endorsement is valid Open Badges 2.0.
	hosted, err := passport.HostedEndorsement(ctx, s.pool, e.UUID)
	if err != nil {
		t.Fatal(err)
	}
	checkEndorsement(t, hosted.Document())
	if _, err := passport.HostedEndorsement(ctx, s.pool, ann.UUID); err != nil {
		t.Fatalf("a declined endorsement is still hosted: %v", err)
	}
	// Deleting: gone from the page, 410 at its id, and a new one may follow.
	if err := s.p.DeleteEndorsement(ctx, s.eva, e.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("deleted by the earner: %v", err)
	}
	if err := s.p.DeleteEndorsement(ctx, s.max, e.UUID); err != nil {
		t.Fatal(err)
	}
	if got := shown(); len(got) != 0 {
		t.Fatalf("shown after deletion: %q", got)
	}
	if hosted, err := passport.HostedEndorsement(ctx, s.pool, e.UUID); err != nil || hosted.DeletedAt == nil {
		t.Fatalf("the deleted endorsement at its id: %+v, %v", hosted, err)
	}
	if err := s.p.DeleteEndorsement(ctx, s.max, e.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("deleted twice: %v", err)
	}
	if _, err := s.p.Endorse(ctx, s.max, s.page, "Endorsed anew."); err != nil {
		t.Fatalf("endorsing again after deleting: %v", err)
	}
}

// checkEndorsement checks an endorsement as Open Badges 2.0 checks it.
func checkEndorsement(t *testing.T, e vocab.Endorsement) {
	t.Helper()
	doc := toMap(t, e)
	if problems := vocab.Check("Endorsement", doc); len(problems) != 0 {
		t.Fatalf("the Endorsement %v: %v", doc, problems)
	}
	raw, _ := json.Marshal(e)
	if _, err := vocab.Expand(raw); err != nil {
		t.Fatalf("the Endorsement does not expand cleanly: %v", err)
	}
}

// remoteEndorser is a person on another node, in the actor cache as
// fetching their key would put them.
const remoteEndorser = "http://other.test/actors/rita"

func cacheRita(t *testing.T, s *social) {
	t.Helper()
	_, err := s.pool.Exec(context.Background(), `INSERT INTO remote_actor (id, host, username, inbox, key_id, public_key_pem,
		document, type, name) VALUES ($1, 'other.test', 'rita', $1 || '/inbox', $1 || '#main-key', 'unused', '{}', 'Person', 'Rita')`,
		remoteEndorser)
	if err != nil {
		t.Fatal(err)
	}
}

// incoming is an activity from Rita to Eva.
func (s *social) incoming(typ, id string, object any, published string) federation.Incoming {
	doc := map[string]any{"id": remoteEndorser + "/activities/" + id, "type": typ, "actor": remoteEndorser,
		"to": []any{s.p.ActorID("eva")}, "object": object}
	if published != "" {
		doc["published"] = published
	}
	in, err := federation.NewIncoming(doc, "")
	if err != nil {
		panic(err)
	}
	return in
}

func ritaEndorsement(n, assertion, comment string) map[string]any {
	return map[string]any{"@context": vocab.Context, "id": "http://other.test/ob/person-endorsements/" + n, "type": "Endorsement",
		"issuer": "http://other.test/ob/people/rita", "issuedOn": "2026-11-01T00:00:00Z",
		"claim":        map[string]any{"id": assertion, "endorsementComment": comment},
		"verification": map[string]any{"type": "hosted"}}
}

// run applies a handler in a transaction, as the inbox does.
func run(t *testing.T, s *social, h federation.Handler, in federation.Incoming) (string, bool) {
	t.Helper()
	var outcome string
	var handled bool
	err := pgx.BeginFunc(context.Background(), s.pool, func(tx pgx.Tx) error {
		var err error
		outcome, handled, err = h(context.Background(), tx, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return outcome, handled
}

// TestReceivedEndorsementsConverge: endorsements from another node arrive
// twice, late or out of order; Eva ends with what Rita last meant.
func TestReceivedEndorsementsConverge(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	cacheRita(t, s)
	create, update := s.p.ReceiveEndorsement(false), s.p.ReceiveEndorsement(true)
	del := s.p.ReceiveDelete()
	current := func() []passport.Endorsement {
		t.Helper()
		list, err := passport.EndorsementsReceived(ctx, s.pool, s.eva.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	tombstone := func(n string) map[string]any {
		return map[string]any{"id": "http://other.test/ob/person-endorsements/" + n, "type": "Tombstone", "formerType": "Endorsement"}
	}
	first := ritaEndorsement("1", s.public.AssertionID, "<p>Well earned <script>alert(1)</script>badge!</p>")
	for _, step := range []struct {
		name    string
		h       federation.Handler
		in      federation.Incoming
		outcome string
		comment string // of the one current endorsement; "" for none
	}{
		{"Create", create, s.incoming("Create", "c1", first, ""), "pending", "Well earned badge!"},
		{"the same Create again", create, s.incoming("Create", "c1-again", first, ""), "already stored", "Well earned badge!"},
		{"Update", update, s.incoming("Update", "u1", ritaEndorsement("1", s.public.AssertionID, "Better said: excellent."), "2026-11-02T00:00:00Z"), "updated", "Better said: excellent."},
		{"an older Update, late", update, s.incoming("Update", "u0", ritaEndorsement("1", s.public.AssertionID, "An early draft."), "2026-11-01T12:00:00Z"), "older", "Better said: excellent."},
		{"Delete", del, s.incoming("Delete", "d1", tombstone("1"), ""), "deleted", ""},
		{"Update after Delete", update, s.incoming("Update", "u2", ritaEndorsement("1", s.public.AssertionID, "Back again?"), "2026-11-03T00:00:00Z"), "ignored", ""},
		{"Create after Delete", create, s.incoming("Create", "c1-late", first, ""), "ignored", ""},
		{"Delete before Create", del, s.incoming("Delete", "d2", tombstone("2"), ""), "before it arrived", ""},
		{"the Create it overtook", create, s.incoming("Create", "c2", ritaEndorsement("2", s.public.AssertionID, "Too late."), ""), "deleted before it arrived", ""},
		{"an Update of one deleted before it arrived", update, s.incoming("Update", "u3", ritaEndorsement("2", s.public.AssertionID, "Still too late."), ""), "deleted before it arrived", ""},
		{"of a private badge", create, s.incoming("Create", "c3", ritaEndorsement("3", s.private.AssertionID, "Not visible."), ""), "ignored", ""},
		{"too short", create, s.incoming("Create", "c4", ritaEndorsement("4", s.public.AssertionID, "<b>Ok</b>"), ""), "ignored", ""},
		{"hosted off the sender's server", create, s.incoming("Create", "c5", func() map[string]any {
			e := ritaEndorsement("5", s.public.AssertionID, "Hosted elsewhere.")
			e["id"] = "http://third.test/ob/person-endorsements/5"
			return e
		}(), ""), "ignored", ""},
		{"an Update before its Create", update, s.incoming("Update", "u6", ritaEndorsement("6", s.public.AssertionID, "Updated first."), "2026-11-05T00:00:00Z"), "pending", "Updated first."},
		{"its Create, late", create, s.incoming("Create", "c6", ritaEndorsement("6", s.public.AssertionID, "The first words."), ""), "already stored", "Updated first."},
	} {
		outcome, handled := run(t, s, step.h, step.in)
		if !handled || !strings.Contains(outcome, step.outcome) {
			t.Fatalf("%s: outcome %q (handled %v), want %q", step.name, outcome, handled, step.outcome)
		}
		list := current()
		switch {
		case step.comment == "" && len(list) != 0:
			t.Fatalf("%s: current endorsements %+v, want none", step.name, list)
		case step.comment != "" && (len(list) != 1 || list[0].Comment != step.comment || list[0].EndorserName != "Rita"):
			t.Fatalf("%s: current endorsements %+v, want one saying %q", step.name, list, step.comment)
		}
	}
	// Eva accepts: Rita's node is sent the answer, and the earner's side
	// keeps the comment as Rita last wrote it.
	e := current()[0]
	if _, err := s.p.AnswerEndorsement(ctx, s.eva, e.UUID, true); err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	if err := s.pool.QueryRow(ctx, `SELECT document FROM outbox_activity WHERE type = 'Accept'`).Scan(&answer); err != nil {
		t.Fatalf("the Accept sent: %v", err)
	}
	if answer["object"] != e.ID || answer["actor"] != s.p.ActorID("eva") {
		t.Fatalf("the Accept sent: %v", answer)
	}
	// Activities that are not the passport's go on to other handlers.
	for _, tc := range []struct {
		name string
		h    federation.Handler
		in   federation.Incoming
	}{
		{"an organisation's Delete of itself", del, s.incoming("Delete", "d0", remoteEndorser, "")},
		{"a Delete of a Note we never saw, to nobody here", del, func() federation.Incoming {
			in := s.incoming("Delete", "d1", map[string]any{"id": remoteEndorser + "/notes/1", "type": "Tombstone"}, "")
			in.To = nil
			return in
		}()},
		{"an Accept of a follow", s.p.ReceiveEndorsementAnswer(passport.Accepted), s.incoming("Accept", "a1", "http://laurel.test/actors/eva/activities/f1", "")},
		{"a Like of a post", s.p.ReceiveLike(), s.incoming("Like", "l0", "http://laurel.test/actors/eva/activities/p1/note", "")},
		{"a Create of a Note", s.p.ReceiveComment(), s.incoming("Create", "n0", map[string]any{"id": remoteEndorser + "/notes/2", "type": "Note", "content": "Hi"}, "")},
	} {
		if outcome, handled := run(t, s, tc.h, tc.in); handled {
			t.Errorf("%s: handled (%q)", tc.name, outcome)
		}
	}
}

// TestEndorsementRequests: an earner asks people here, elsewhere or by
// email to endorse a public badge, once each; the asked decline or
// endorse.
func TestEndorsementRequests(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	cacheRita(t, s)
	// Someone signed up with Uma's address and never confirmed it: a
	// request to the address goes to its owner by email, not to them.
	squatter, err := account.CreateUser(ctx, s.pool, account.NewUser{Username: "notuma", Email: "uma@example.org", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE app_user SET email_verified = false WHERE id = $1`, squatter.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		item    string
		in      passport.AskInput
		emailOK bool
		kind    problem.Kind
		text    string
	}{
		{"nobody", s.public.UUID, passport.AskInput{}, false, problem.Invalid, "one of them"},
		{"both", s.public.UUID, passport.AskInput{Handle: "max", Email: "max@example.org"}, false, problem.Invalid, "one of them"},
		{"oneself", s.public.UUID, passport.AskInput{Handle: "eva"}, false, problem.Invalid, "yourself"},
		{"nobody of that name", s.public.UUID, passport.AskInput{Handle: "zed"}, false, problem.Invalid, "no person"},
		{"a private badge", s.private.UUID, passport.AskInput{Handle: "max"}, false, problem.Conflict, "public"},
		{"someone else's badge", s.public.UUID + "x", passport.AskInput{Handle: "max"}, false, problem.NotFound, ""},
		{"script in the message", s.public.UUID, passport.AskInput{Handle: "max", Message: "<script>x</script>"}, false, problem.Invalid, "script"},
		{"Max by handle", s.public.UUID, passport.AskInput{Handle: "max", Message: "Would you?"}, false, 0, ""},
		{"Max again", s.public.UUID, passport.AskInput{Handle: "max"}, false, problem.Conflict, "already"},
		{"Ann by the email of her account", s.public.UUID, passport.AskInput{Email: "ann@example.org"}, false, 0, ""},
		{"a stranger by email, on a node without mail", s.public.UUID, passport.AskInput{Email: "zoe@example.org"}, false, problem.Invalid, "no email"},
		{"a stranger by email", s.public.UUID, passport.AskInput{Email: "zoe@example.org"}, true, 0, ""},
		{"an address whose account is unconfirmed", s.public.UUID, passport.AskInput{Email: "uma@example.org"}, true, 0, ""},
		{"not an email address", s.public.UUID, passport.AskInput{Email: "zoe at example"}, true, problem.Invalid, "not an email"},
	} {
		_, err := s.p.Ask(ctx, s.eva, tc.item, tc.in, tc.emailOK)
		wantKind(t, tc.name, err, tc.kind, tc.text)
	}
	for _, to := range []string{"zoe@example.org", "uma@example.org"} {
		var mails int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'mail_send' AND args->>'to' = $1`, to).Scan(&mails); err != nil || mails != 1 {
			t.Fatalf("request emails queued to %s: %d, %v", to, mails, err)
		}
	}
	// The email goes to an address without an account: in the node's
	// default language, English without a catalogue.
	subjectTo := func(to string) string {
		t.Helper()
		var subject string
		if err := s.pool.QueryRow(ctx, `SELECT args->>'subject' FROM river_job WHERE kind = 'mail_send' AND args->>'to' = $1`, to).Scan(&subject); err != nil {
			t.Fatal(err)
		}
		return subject
	}
	if got := subjectTo("zoe@example.org"); !strings.HasSuffix(got, " asks you to endorse a badge") {
		t.Fatalf("request email to Zoe: %q", got)
	}
	finnish, err := locale.New("fi")
	if err != nil {
		t.Fatal(err)
	}
	s.p.SetLocale(finnish)
	if _, err := s.p.Ask(ctx, s.eva, s.public.UUID, passport.AskInput{Email: "yan@example.org"}, true); err != nil {
		t.Fatal(err)
	}
	if got := subjectTo("yan@example.org"); !strings.HasSuffix(got, " pyytää sinua suosittelemaan merkkiä") {
		t.Fatalf("request email to Yan on a Finnish node: %q", got)
	}
	if got, err := passport.Requests(ctx, s.pool, squatter.ID, true); err != nil || len(got) != 0 {
		t.Fatalf("requests to the unconfirmed account: %+v, %v", got, err)
	}
	sent, err := passport.Requests(ctx, s.pool, s.eva.ID, false)
	if err != nil || len(sent) != 5 {
		t.Fatalf("Eva's requests: %+v, %v", sent, err)
	}
	toMax, err := passport.Requests(ctx, s.pool, s.max.ID, true)
	if err != nil || len(toMax) != 1 || toMax[0].Message != "Would you?" || toMax[0].BadgePage != s.page {
		t.Fatalf("requests to Max: %+v, %v", toMax, err)
	}
	if _, err := s.p.DeclineRequest(ctx, s.ann, toMax[0].UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("declined by someone else: %v", err)
	}
	if r, err := s.p.DeclineRequest(ctx, s.max, toMax[0].UUID); err != nil || r.State != passport.Declined {
		t.Fatalf("declined by Max: %+v, %v", r, err)
	}
	if _, err := s.p.Endorse(ctx, s.ann, s.page, "Asked and gladly given."); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	sent, _ = passport.Requests(ctx, s.pool, s.eva.ID, false)
	for _, r := range sent {
		states[r.TargetName] = r.State
	}
	if states["max"] != passport.Declined || states["ann"] != passport.Endorsed || states["zoe@example.org"] != passport.Pending {
		t.Fatalf("request states: %v", states)
	}

	// A request from Rita on another node: a mention carrying her badge
	// page. Eva declines it, and Rita's node is told.
	ritaPage := "http://other.test/u/rita/badges/0f0e0d0c-0b0a-4908-8706-050403020100"
	note := map[string]any{"id": remoteEndorser + "/activities/r1/note", "type": "Note", "content": "<p>@eva Would you endorse my badge?</p>",
		"tag":        []any{map[string]any{"type": "Mention", "href": s.p.ActorID("eva")}},
		"attachment": []any{map[string]any{"type": "Link", "href": ritaPage, "mediaType": "text/html", "rel": "endorsement-request", "name": "Welding"}}}
	if outcome, handled := run(t, s, s.p.ReceiveRequest(), s.incoming("Create", "r1", note, "")); !handled || !strings.Contains(outcome, "stored for 1") {
		t.Fatalf("Rita's request: %q", outcome)
	}
	toEva, err := passport.Requests(ctx, s.pool, s.eva.ID, true)
	if err != nil || len(toEva) != 1 || toEva[0].BadgeName != "Welding" || toEva[0].RequesterName != "Rita" || toEva[0].BadgePage != ritaPage {
		t.Fatalf("requests to Eva: %+v, %v", toEva, err)
	}
	if _, err := s.p.DeclineRequest(ctx, s.eva, toEva[0].UUID); err != nil {
		t.Fatal(err)
	}
	var reject map[string]any
	if err := s.pool.QueryRow(ctx, `SELECT document FROM outbox_activity WHERE type = 'Reject'`).Scan(&reject); err != nil ||
		reject["object"] != toEva[0].RequestID {
		t.Fatalf("the Reject sent: %v, %v", reject, err)
	}
}
