package network

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var base = &url.URL{Scheme: "https", Host: "laurel.example"}

func newNetwork(t *testing.T) (*Network, *pgxpool.Pool) {
	pool := testkit.DB(t)
	fed := federation.New(federation.Config{Base: base, Pool: pool})
	return New(pool, fed, issuer.URLs{Base: base}, nil), pool
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
	return federation.Incoming{ID: remote + "/activities/" + id, Type: "Create", Actor: remote, Object: id, ObjectDoc: obj}
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
		return federation.Incoming{ID: remote + "/activities/del-" + id, Type: "Delete", Actor: remote, Object: id,
			ObjectDoc: map[string]any{"id": id, "type": "Tombstone", "formerType": "Endorsement"}}
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
	offer := federation.Incoming{ID: remote + "/activities/offer1", Type: "Offer", Actor: remote,
		Doc: map[string]any{"content": "Endorse us?"},
		ObjectDoc: map[string]any{"type": "Endorsement", "issuer": n.urls.Profile("alpha"),
			"claim": map[string]any{"id": remoteProfile}}}
	apply(t, pool, n.receiveRequest, offer)
	apply(t, pool, n.receiveRequest, offer)
	list, err := n.Requests(ctx, a, "incoming", Pending)
	if err != nil || len(list) != 1 || list[0].Message != "Endorse us?" || list[0].SubjectKind != SubjectOrganisation {
		t.Fatalf("incoming = %+v, %v", list, err)
	}
	undo := federation.Incoming{ID: remote + "/activities/undo1", Type: "Undo", Actor: remote, Object: offer.ID,
		ObjectDoc: map[string]any{"id": offer.ID, "type": "Offer"}}
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
		_, handled, err = n.receiveAnswer(Accepted)(ctx, tx, federation.Incoming{Type: "Accept", Actor: remote,
			Object: "https://laurel.example/actors/alpha/activities/follow1"})
		return err
	})
	if handled || err != nil {
		t.Fatalf("an Accept of a follow was taken: %v %v", handled, err)
	}
}
