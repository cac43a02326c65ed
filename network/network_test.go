package network

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var base = &url.URL{Scheme: "https", Host: "laurel.example"}

func newNetwork(t *testing.T) (*Network, *pgxpool.Pool) {
	pool := testkit.DB(t)
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	return New(pool, fed, issuer.URLs{Base: base}, nil, nil), pool
}

func newOrg(t *testing.T, pool *pgxpool.Pool, slug, country string) issuer.Organisation {
	t.Helper()
	o, err := issuer.CreateOrganisation(context.Background(), pool, issuer.NewOrganisation{Slug: slug, Name: "Org " + slug, Country: country})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func names(list []Partner) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Name+":"+p.Relation)
	}
	return out
}

// TestLocalNetwork: two organisations on one node partner, endorse each
// other (directly and by request) and withdraw, with no federation at all:
// one database holds both sides.
func TestLocalNetwork(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a, b := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE")

	if _, err := n.AddPartner(ctx, a, "alpha"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("self as partner: %v", err)
	}
	if _, err := n.AddPartner(ctx, a, "nobody"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("unknown partner: %v", err)
	}
	p, err := n.AddPartner(ctx, a, "beta")
	if err != nil || !p.WeAdded || p.State != "accepted" || p.Country != "DE" {
		t.Fatalf("AddPartner = %+v, %v", p, err)
	}
	theirs, _ := n.Partners(ctx, b, Filter{})
	if len(theirs) != 1 || !theirs[0].TheyAdded || theirs[0].Name != "Org alpha" {
		t.Fatalf("beta's partners %+v: alpha added beta", theirs)
	}

	e, err := n.Endorse(ctx, a, "beta", "", "Trusted partner.")
	if err != nil || e.Subject != n.urls.Profile("beta") || e.Profile != n.urls.Profile("alpha") {
		t.Fatalf("Endorse = %+v, %v", e, err)
	}
	if _, err := n.Endorse(ctx, a, "beta", "", "Again."); !problem.Is(err, problem.Conflict) {
		t.Fatalf("endorsing twice: %v", err)
	}
	if _, err := n.Endorse(ctx, a, "beta", "", "  "); !problem.Is(err, problem.Invalid) {
		t.Fatalf("empty comment: %v", err)
	}
	q, err := n.RequestEndorsement(ctx, a, "beta", "", "Please?")
	if err != nil || q.State != Pending {
		t.Fatalf("RequestEndorsement = %+v, %v", q, err)
	}
	if _, err := n.RequestEndorsement(ctx, a, "beta", "", "Again?"); !problem.Is(err, problem.Conflict) {
		t.Fatalf("a second pending request: %v", err)
	}
	if _, err := n.Accept(ctx, a, q.UUID, "x"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("the requester accepting its own request: %v", err)
	}
	q, err = n.Accept(ctx, b, q.UUID, "Alpha is great.")
	if err != nil || q.State != Accepted || q.Endorsement == "" {
		t.Fatalf("Accept = %+v, %v", q, err)
	}
	if _, err := n.Decline(ctx, b, q.UUID); !problem.Is(err, problem.Conflict) {
		t.Fatalf("declining an accepted request: %v", err)
	}
	for _, tc := range []struct {
		org  issuer.Organisation
		f    string
		want []string
	}{
		{a, "mutual", []string{"Org beta:mutual"}}, {b, "mutual", []string{"Org alpha:mutual"}},
		{a, "they-endorse", []string{"Org beta:mutual"}}, {a, "all", []string{"Org beta:mutual"}},
	} {
		got, err := n.Partners(ctx, tc.org, Filter{Relation: tc.f})
		if err != nil || !slices.Equal(names(got), tc.want) {
			t.Errorf("%s %s = %v, %v; want %v", tc.org.Slug, tc.f, names(got), err, tc.want)
		}
	}
	if _, err := n.Partners(ctx, a, Filter{Relation: "friends"}); !problem.Is(err, problem.Invalid) {
		t.Errorf("bad filter: %v", err)
	}

	ids, _ := EndorsementIDs(ctx, pool, n.urls.Profile("beta"))
	if !slices.Equal(ids, []string{e.ID}) {
		t.Fatalf("beta's profile lists %v", ids)
	}
	if _, err := n.Withdraw(ctx, b, e.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("withdrawal by the endorsed side: %v", err)
	}
	if _, err := n.Withdraw(ctx, a, e.UUID); err != nil {
		t.Fatal(err)
	}
	if ids, _ := EndorsementIDs(ctx, pool, n.urls.Profile("beta")); len(ids) != 0 {
		t.Fatalf("a withdrawn endorsement is still listed: %v", ids)
	}
	if got, _ := n.Partners(ctx, b, Filter{Relation: "mutual"}); len(got) != 0 {
		t.Fatalf("still mutual after the withdrawal: %v", names(got))
	}
	if err := n.RemovePartner(ctx, b, n.fed.URLs().Actor("alpha")); err != nil {
		t.Fatal(err)
	}
	if got, _ := n.Partners(ctx, a, Filter{}); len(got) != 0 {
		t.Fatalf("partners after removal: %v", names(got))
	}
}

const remote = "https://other.example/actors/gamma"
const remoteProfile = "https://other.example/ob/issuers/gamma"

// cacheRemote puts a remote organisation in the actor cache, as fetching
// its key to verify a signature would.
func cacheRemote(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `INSERT INTO remote_actor (id, host, username, inbox, key_id, public_key_pem,
		document, type, name, country, ob_profile) VALUES ($1, 'other.example', 'gamma', $1 || '/inbox', $1 || '#main-key',
		'unused', '{}', 'Organization', 'Gamma', 'SE', $2)`, remote, remoteProfile)
	if err != nil {
		t.Fatal(err)
	}
}

func create(id, claim, issuerProfile, comment string) federation.Incoming {
	obj := map[string]any{"id": id, "type": "Endorsement", "issuer": issuerProfile,
		"claim": map[string]any{"id": claim, "endorsementComment": comment}, "issuedOn": "2026-11-01T00:00:00Z"}
	return incoming(map[string]any{"id": remote + "/activities/" + id, "type": "Create", "actor": remote, "object": obj})
}

// incoming decodes an activity as the inbox hands it to the handlers.
func incoming(doc map[string]any) federation.Incoming {
	in, err := federation.NewIncoming(doc, "")
	if err != nil {
		panic(err)
	}
	return in
}

// apply runs a handler in a transaction, as the inbox does.
func apply(t *testing.T, pool *pgxpool.Pool, h federation.Handler, in federation.Incoming) string {
	t.Helper()
	var outcome string
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		outcome, _, err = h(context.Background(), tx, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return outcome
}

// TestIncomingEndorsementsConverge: endorsements from another node arrive
// twice, late, out of order or forged; the stored state is what the
// endorser last meant.
func TestIncomingEndorsementsConverge(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	newOrg(t, pool, "alpha", "FI")
	cacheRemote(t, pool)
	profile := n.urls.Profile("alpha")
	current := func() []string {
		ids, err := EndorsementIDs(ctx, pool, profile)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}

	first := "https://other.example/ob/endorsements/1"
	apply(t, pool, n.receiveEndorsement, create(first, profile, remoteProfile, "Good."))
	apply(t, pool, n.receiveEndorsement, create(first, profile, remoteProfile, "Good."))
	if got := current(); !slices.Equal(got, []string{first}) {
		t.Fatalf("after a duplicate Create: %v", got)
	}
	// A newer endorsement replaces the earlier one whose Delete was lost.
	second := "https://other.example/ob/endorsements/2"
	apply(t, pool, n.receiveEndorsement, create(second, profile, remoteProfile, "Even better."))
	if got := current(); !slices.Equal(got, []string{second}) {
		t.Fatalf("after a replacing Create: %v", got)
	}
	del := func(id string) federation.Incoming {
		return incoming(map[string]any{"id": remote + "/activities/del-" + id, "type": "Delete", "actor": remote,
			"object": map[string]any{"id": id, "type": "Tombstone", "formerType": "Endorsement"}})
	}
	apply(t, pool, n.receiveWithdrawal, del(second))
	if got := current(); len(got) != 0 {
		t.Fatalf("after Delete: %v", got)
	}
	// A Delete that overtakes its Create wins.
	third := "https://other.example/ob/endorsements/3"
	apply(t, pool, n.receiveWithdrawal, del(third))
	if out := apply(t, pool, n.receiveEndorsement, create(third, profile, remoteProfile, "Late.")); out != "ignored: withdrawn before it arrived" {
		t.Fatalf("late Create: %q", out)
	}
	if got := current(); len(got) != 0 {
		t.Fatalf("a late Create resurrected an endorsement: %v", got)
	}

	for _, tc := range []struct {
		name string
		in   federation.Incoming
	}{
		{"issuer is not the sender", create("https://other.example/ob/endorsements/4", profile, "https://third.example/ob/issuers/x", "Forged.")},
		{"hosted elsewhere", create("https://third.example/ob/endorsements/5", profile, remoteProfile, "Elsewhere.")},
		{"about nothing of ours", create("https://other.example/ob/endorsements/6", "https://laurel.example/ob/issuers/nobody", remoteProfile, "Hm.")},
		{"no comment", create("https://other.example/ob/endorsements/7", profile, remoteProfile, "")},
	} {
		if out := apply(t, pool, n.receiveEndorsement, tc.in); out == "endorsement stored" {
			t.Errorf("%s: stored", tc.name)
		}
	}
	if got := current(); len(got) != 0 {
		t.Fatalf("refused endorsements were stored: %v", got)
	}
	// Somebody else cannot withdraw gamma's endorsement.
	fourth := "https://other.example/ob/endorsements/8"
	apply(t, pool, n.receiveEndorsement, create(fourth, profile, remoteProfile, "Kept."))
	forged := del(fourth)
	forged.Actor = "https://third.example/actors/mallory"
	apply(t, pool, n.receiveWithdrawal, forged)
	if got := current(); !slices.Equal(got, []string{fourth}) {
		t.Fatalf("a Delete by another actor withdrew it: %v", got)
	}
}

// TestIncomingRequestAnswers: a request from another node is stored once;
// answers to our requests move them on once, and answers for follows are
// left to federation.
func TestIncomingRequestAnswers(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a := newOrg(t, pool, "alpha", "FI")
	cacheRemote(t, pool)
	offer := incoming(map[string]any{"id": remote + "/activities/offer1", "type": "Offer", "actor": remote,
		"content": "Endorse us?",
		"object": map[string]any{"type": "Endorsement", "issuer": n.urls.Profile("alpha"),
			"claim": map[string]any{"id": remoteProfile}}})
	apply(t, pool, n.receiveRequest, offer)
	apply(t, pool, n.receiveRequest, offer)
	list, err := n.Requests(ctx, a, "incoming", Pending)
	if err != nil || len(list) != 1 || list[0].Message != "Endorse us?" || list[0].SubjectKind != SubjectOrganisation {
		t.Fatalf("incoming = %+v, %v", list, err)
	}
	undo := incoming(map[string]any{"id": remote + "/activities/undo1", "type": "Undo", "actor": remote,
		"object": map[string]any{"id": offer.ID, "type": "Offer"}})
	apply(t, pool, n.receiveUndoRequest, undo)
	if list, _ := n.Requests(ctx, a, "incoming", Withdrawn); len(list) != 1 {
		t.Fatalf("withdrawn requests: %+v", list)
	}
	if _, err := n.Accept(ctx, a, list[0].UUID, "Too late."); !problem.Is(err, problem.Conflict) && !problem.Is(err, problem.NotFound) {
		t.Fatalf("accepting a withdrawn request: %v", err)
	}
	// An Accept of something that is not a request is not ours.
	var handled bool
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		_, handled, err = n.receiveAnswer(Accepted)(ctx, tx, incoming(map[string]any{"id": remote + "/activities/acc1", "type": "Accept", "actor": remote,
			"object": "https://laurel.example/actors/alpha/activities/follow1"}))
		return err
	})
	if handled || err != nil {
		t.Fatalf("an Accept of a follow was taken: %v %v", handled, err)
	}
}

func newBadge(t *testing.T, pool *pgxpool.Pool, o issuer.Organisation) issuer.BadgeClass {
	t.Helper()
	png, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	b, err := issuer.CreateBadgeClass(context.Background(), pool, account.NodeActor(), o.ID, issuer.BadgeInput{Name: "Welder", Description: "Welds.",
		Image: png, CriteriaNarrative: "Weld.", Tags: []string{"metal"}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLocalSharingAndNotifications: a badge shared as a copy joins the
// receiver's library when accepted; the receiver may change its mind; each
// step is a notification on the other side.
func TestLocalSharingAndNotifications(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a, b := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE")
	badge := newBadge(t, pool, a)

	if _, err := n.ShareBadge(ctx, a, badge.UUID, []string{"beta"}, "gift"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("bad mode: %v", err)
	}
	if _, err := n.ShareBadge(ctx, b, badge.UUID, []string{"alpha"}, ShareLink); !problem.Is(err, problem.NotFound) {
		t.Fatalf("sharing another's badge: %v", err)
	}
	results, err := n.ShareBadge(ctx, a, badge.UUID, []string{"beta", "nobody", "alpha"}, ShareCopy)
	if err != nil || len(results) != 3 || results[0].Share == nil || results[1].Error == "" || results[2].Error == "" {
		t.Fatalf("ShareBadge = %+v, %v: one share and two reasons", results, err)
	}
	received, _ := n.Shares(ctx, b, Received)
	if len(received) != 1 || received[0].State != Pending || received[0].Mode != ShareCopy {
		t.Fatalf("beta's shared badges: %+v", received)
	}
	list, unread, _ := Notifications(ctx, pool, b.ID, 10)
	if unread != 1 || list[0].Kind != KindShare {
		t.Fatalf("beta's notifications: %+v (%d unread)", list, unread)
	}
	s, err := n.AnswerShare(ctx, account.NodeActor(), b, received[0].UUID, true)
	if err != nil || s.State != Accepted || s.Copy == "" {
		t.Fatalf("accept as a copy = %+v, %v", s, err)
	}
	copy, err := issuer.BadgeClassByUUID(ctx, pool, s.Copy)
	if err != nil || copy.OrganisationID != b.ID || copy.Name != "Welder" || copy.CriteriaNarrative != "Weld." {
		t.Fatalf("beta's copy: %+v, %v", copy, err)
	}
	// A change of mind keeps the copy, and the sharer sees the new answer.
	if s, err = n.AnswerShare(ctx, account.NodeActor(), b, s.UUID, false); err != nil || s.State != Declined || s.Copy == "" {
		t.Fatalf("decline later = %+v, %v", s, err)
	}
	given, _ := n.Shares(ctx, a, Given)
	if len(given) != 1 || given[0].State != Declined {
		t.Fatalf("alpha's shares: %+v", given)
	}
	if _, unread, _ := Notifications(ctx, pool, a.ID, 10); unread != 2 {
		t.Fatalf("alpha has %d unread notifications, want 2 (accepted, declined)", unread)
	}
	if err := MarkRead(ctx, pool, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, unread, _ := Notifications(ctx, pool, a.ID, 10); unread != 0 {
		t.Fatalf("after MarkRead: %d unread", unread)
	}
}

// TestShareAnswersOutOfOrder: the receiver accepted, then declined; the
// decline arriving first is not undone by the older accept.
func TestShareAnswersOutOfOrder(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a := newOrg(t, pool, "alpha", "FI")
	cacheRemote(t, pool)
	badge := newBadge(t, pool, a)
	offer := "https://laurel.example/actors/alpha/activities/share1"
	if _, err := pool.Exec(ctx, `INSERT INTO badge_share (offer_id, sharer_actor, sharer_org, receiver_actor, badge_id, badge_name, mode)
		VALUES ($1, 'https://laurel.example/actors/alpha', $2, $3, $4, 'Welder', 'link')`, offer, a.ID, remote, n.urls.BadgeClass(badge.UUID)); err != nil {
		t.Fatal(err)
	}
	answer := func(typ, state, published string) {
		in := incoming(map[string]any{"id": remote + "/activities/" + typ + published, "type": typ, "actor": remote,
			"object": offer, "published": published})
		apply(t, pool, n.receiveShareAnswer(state), in)
	}
	answer("Reject", Declined, "2026-11-27T10:05:00Z")
	answer("Accept", Accepted, "2026-11-27T10:00:00Z")
	given, _ := n.Shares(ctx, a, Given)
	if len(given) != 1 || given[0].State != Declined {
		t.Fatalf("after a late older Accept: %+v", given)
	}
}

// TestRequestEmails: an organisation that wants requests at once gets an
// email queued with the request; one that wants a digest gets one email
// for all of them, once a day.
func TestRequestEmails(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	queue := &recordingQueue{}
	n.SetQueue(queue)
	a, b, c := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE"), newOrg(t, pool, "gamma", "SE")
	for org, setting := range map[int64]string{b.ID: "immediately", c.ID: "daily"} {
		email, s := "office@example.org", setting
		if _, err := issuer.UpdateOrganisation(ctx, pool, org, issuer.OrganisationUpdate{Email: &email, RequestEmail: &s}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.RequestEndorsement(ctx, a, "beta", "", "Please"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.RequestEndorsement(ctx, a, "gamma", "", "Please"); err != nil {
		t.Fatal(err)
	}
	if len(queue.sent) != 1 || !strings.Contains(queue.sent[0].Subject, "Org beta") {
		t.Fatalf("queued %+v, want one email to beta at once", queue.sent)
	}
	w := &DigestWorker{Network: n}
	if err := w.Work(ctx, nil); err != nil || len(queue.sent) != 1 {
		t.Fatalf("a digest before a day passed: %v, %d emails", err, len(queue.sent))
	}
	// A day passes.
	if _, err := pool.Exec(ctx, `UPDATE notification SET created_at = now() - interval '25 hours'`); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(ctx, nil); err != nil || len(queue.sent) != 2 || !strings.Contains(queue.sent[1].Text, "Org alpha asks you to endorse it") {
		t.Fatalf("digest: %v, %+v", err, queue.sent)
	}
	if err := w.Work(ctx, nil); err != nil || len(queue.sent) != 2 {
		t.Fatalf("a second digest run sent again: %v, %d", err, len(queue.sent))
	}
}

// recordingQueue keeps the emails queued through it, inserting nothing:
// River itself is tested elsewhere; here what matters is what is queued.
type recordingQueue struct{ sent []mail.Message }

func (q *recordingQueue) InsertManyTx(_ context.Context, _ pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	for _, p := range params {
		q.sent = append(q.sent, p.Args.(mail.SendArgs).Message)
	}
	return nil, nil
}

// TestBakedCopyKeepsEndorsements: an assertion issued while its badge was
// endorsed keeps that endorsement in its baked copy after the endorsement
// is withdrawn, as Open Badge Factory's do; one issued after does not.
func TestBakedCopyKeepsEndorsements(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a, b := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE")
	email := "badges@alpha.example"
	a, err := issuer.UpdateOrganisation(ctx, pool, a.ID, issuer.OrganisationUpdate{Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	badge := newBadge(t, pool, a)
	e, err := n.Endorse(ctx, b, "alpha", n.urls.BadgeClass(badge.UUID), "We also issue this badge.")
	if err != nil {
		t.Fatal(err)
	}
	hooks := issuer.Hooks{BadgeEndorsements: func(ctx context.Context, tx pgx.Tx, id string) ([]string, error) {
		return EndorsementIDs(ctx, tx, id)
	}}
	issue := func() issuer.Assertion {
		list, err := issuer.Issue(ctx, pool, account.NodeActor(), hooks, n.urls, a, badge, []issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: "email", Identity: "e@example.org"}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := issuer.AssertionByUUID(ctx, pool, list[0].UUID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	before := issue()
	if _, err := n.Withdraw(ctx, b, e.UUID); err != nil {
		t.Fatal(err)
	}
	after := issue()
	baked := func(as issuer.Assertion) map[string]any {
		img, err := issuer.BakedImage(ctx, pool, n.urls, as)
		if err != nil {
			t.Fatal(err)
		}
		text, err := bake.Extract(img.Data)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	embedded, _ := baked(before)["badge"].(map[string]any)
	if embedded == nil || fmt.Sprint(embedded["endorsement"]) != fmt.Sprint([]any{e.ID}) || embedded["id"] != n.urls.BadgeClass(badge.UUID) {
		t.Fatalf("the earlier assertion's baked badge is %v, want the class with %s", baked(before)["badge"], e.ID)
	}
	if doc := baked(after); doc["badge"] != n.urls.BadgeClass(badge.UUID) {
		t.Fatalf("the later assertion's baked badge is %v, want just the class id", doc["badge"])
	}
	for _, p := range vocab.Check("Assertion", baked(before)) {
		if !p.Warning {
			t.Errorf("baked assertion: %s", p)
		}
	}
}

// TestSubjectRemovesEndorsement: the endorsed side may take an endorsement
// off its profile; one made on another node is then withdrawn there too.
func TestSubjectRemovesEndorsement(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	a, b := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE")
	e, err := n.Endorse(ctx, a, "beta", "", "Unwanted praise.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Remove(ctx, a, e.ID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("the endorser removing via Remove: %v", err)
	}
	if _, err := n.Remove(ctx, b, e.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := EndorsementByUUID(ctx, pool, e.UUID); got.WithdrawnAt == nil {
		t.Fatal("a removed endorsement is still current")
	}
	// The endorsed organisation on another node rejects one we host.
	cacheRemote(t, pool)
	if _, err := pool.Exec(ctx, `UPDATE endorsement SET withdrawn_at = NULL, subject_actor = $1, subject_org = NULL WHERE uuid = $2`, remote, e.UUID); err != nil {
		t.Fatal(err)
	}
	reject := incoming(map[string]any{"id": remote + "/activities/rej1", "type": "Reject", "actor": remote,
		"object": map[string]any{"id": e.ID, "type": "Endorsement"}})
	forged := reject
	forged.Actor = "https://third.example/actors/mallory"
	if out := apply(t, pool, n.receiveRemoval, forged); out == "endorsement removed by its subject" {
		t.Fatal("someone else removed it")
	}
	if out := apply(t, pool, n.receiveRemoval, reject); out != "endorsement removed by its subject" {
		t.Fatalf("Reject of our endorsement: %q", out)
	}
	if got, _ := EndorsementByUUID(ctx, pool, e.UUID); got.WithdrawnAt == nil {
		t.Fatal("the subject's Reject left it current")
	}
}
