package passport_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// world is an issuer and two earners, Eva and Max, on one database, with
// the issuer's documents hosted at base.
type world struct {
	pool     *pgxpool.Pool
	base     *url.URL
	urls     issuer.URLs
	org      issuer.Organisation
	badge    issuer.BadgeClass
	eva, max account.User
}

const evaEmail = "Eva.Earner@example.org"

func newWorld(t *testing.T, pool *pgxpool.Pool, base *url.URL) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{pool: pool, base: base, urls: issuer.URLs{Base: base}}
	o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: "tuni", Name: "Tampere University", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	email := "badges@tuni.example"
	if w.org, err = issuer.UpdateOrganisation(ctx, pool, o.ID, issuer.OrganisationUpdate{Email: &email}); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	w.badge, err = issuer.CreateBadgeClass(ctx, pool, account.NodeActor(), w.org.ID, issuer.BadgeInput{
		Name: "Robotics", Description: "Builds and programs robots.", Image: png, CriteriaNarrative: "Build a robot.",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		dst             *account.User
		username, email string
	}{{&w.eva, "eva", evaEmail}, {&w.max, "max", "max@example.org"}} {
		if *u.dst, err = account.CreateUser(ctx, pool, account.NewUser{Username: u.username, Email: u.email, Password: "long enough password"}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// deliver is the issuing hook that delivers to backpacks.
func (w *world) deliver() issuer.Hooks {
	return issuer.Hooks{Issued: func(ctx context.Context, tx pgx.Tx, o issuer.Organisation, b issuer.BadgeClass, a issuer.Assertion, r issuer.Recipient) error {
		return passport.DeliverIssued(ctx, tx, w.urls, o, b, a, r)
	}}
}

// issue awards the world's badge to r with hooks h.
func (w *world) issue(t *testing.T, h issuer.Hooks, r issuer.Recipient, opts ...func(*issuer.AssertionInput)) issuer.Assertion {
	t.Helper()
	in := issuer.AssertionInput{Recipient: r}
	for _, o := range opts {
		o(&in)
	}
	list, err := issuer.Issue(context.Background(), w.pool, account.NodeActor(), h, w.urls, w.org, w.badge, []issuer.AssertionInput{in})
	if err != nil {
		t.Fatal(err)
	}
	return list[0]
}

// email names an earner by email address.
func email(addr string) issuer.Recipient {
	return issuer.Recipient{Kind: issuer.RecipientEmail, Identity: addr}
}

// actor names an earner by actor id.
func actor(id string) issuer.Recipient {
	return issuer.Recipient{Kind: issuer.RecipientActor, Identity: id}
}

func items(t *testing.T, pool *pgxpool.Pool, u account.User) []passport.Item {
	t.Helper()
	list, err := passport.Items(context.Background(), pool, u.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func wantProblem(t *testing.T, what string, err error, kind problem.Kind, text string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != kind || !strings.Contains(p.Message, text) {
		t.Fatalf("%s: got %v, want a problem of kind %d saying %q", what, err, kind, text)
	}
}

func TestDeliverIssued(t *testing.T) {
	base, _ := url.Parse("http://laurel.test")
	w := newWorld(t, testkit.DB(t), base)
	for _, tc := range []struct {
		name      string
		recipient issuer.Recipient
		want      *account.User // whose backpack gets it; nil for nobody's
	}{
		{"email as the account has it", email(evaEmail), &w.eva},
		{"email in another case", email("eva.earner@EXAMPLE.ORG"), &w.eva},
		{"the person's actor", actor("http://laurel.test/actors/max"), &w.max},
		{"an organisation's actor", actor("http://laurel.test/actors/tuni"), nil},
		{"an actor on another node", actor("http://other.test/actors/eva"), nil},
		{"an email of no user", email("nobody@example.org"), nil},
		{"a web page", issuer.Recipient{Kind: issuer.RecipientURL, Identity: "https://eva.example/"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(items(t, w.pool, w.eva)) + len(items(t, w.pool, w.max))
			a := w.issue(t, w.deliver(), tc.recipient)
			after := len(items(t, w.pool, w.eva)) + len(items(t, w.pool, w.max))
			if tc.want == nil {
				if after != before {
					t.Fatalf("a badge for %v reached a backpack", tc.recipient)
				}
				return
			}
			if after != before+1 {
				t.Fatalf("backpacks hold %d items, want %d", after, before+1)
			}
			it := items(t, w.pool, *tc.want)[0]
			if it.AssertionID != w.urls.Assertion(a.UUID) || it.State != passport.Pending || it.Source != passport.SourceIssued ||
				!it.Verified || it.Visibility != passport.Private || it.BadgeName != "Robotics" || it.IssuerName != "Tampere University" ||
				it.BadgeImage != w.urls.BadgeImage(w.badge.UUID) || it.IssuedOn == nil || !it.IssuedOn.Equal(a.IssuedOn) ||
				it.LastCheckedAt == nil {
				t.Fatalf("delivered item %+v", it)
			}
			if it.Assertion["id"] != it.AssertionID || it.Badge["name"] != "Robotics" || it.Issuer["id"] != w.urls.Profile("tuni") {
				t.Fatalf("snapshot: %v / %v / %v", it.Assertion, it.Badge, it.Issuer)
			}
		})
	}
}

// TestUnconfirmedEmailGetsNoBadge: anyone may sign up with anyone's address,
// so a badge issued to an address goes to a backpack only once its owner
// confirmed it.
func TestUnconfirmedEmailGetsNoBadge(t *testing.T) {
	ctx := context.Background()
	base, _ := url.Parse("http://laurel.test")
	w := newWorld(t, testkit.DB(t), base)
	una, err := account.CreateUser(ctx, w.pool, account.NewUser{Email: "una@example.org", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(ctx, `UPDATE app_user SET email_verified = false WHERE id = $1`, una.ID); err != nil {
		t.Fatal(err)
	}
	w.issue(t, w.deliver(), email("una@example.org"))
	if got := items(t, w.pool, una); len(got) != 0 {
		t.Fatalf("an unconfirmed address received %d badges", len(got))
	}
}

func TestAnswers(t *testing.T) {
	ctx := context.Background()
	base, _ := url.Parse("http://laurel.test")
	w := newWorld(t, testkit.DB(t), base)
	w.issue(t, w.deliver(), email(evaEmail))
	id := items(t, w.pool, w.eva)[0].UUID
	answer := func(f func(context.Context, passport.DB, int64, string) (passport.Item, error)) func(int64) error {
		return func(user int64) error { _, err := f(ctx, w.pool, user, id); return err }
	}
	visibility := func(v string) func(int64) error {
		return func(user int64) error { _, err := passport.SetVisibility(ctx, w.pool, user, id, v); return err }
	}
	for _, step := range []struct {
		name      string
		do        func(user int64) error
		by        *account.User
		kind      problem.Kind // 0: succeeds
		state     string
		published bool // on the public page
	}{
		{"shown before accepted", visibility(passport.Public), &w.eva, problem.Conflict, passport.Pending, false},
		{"accepted by someone else", answer(passport.Accept), &w.max, problem.NotFound, passport.Pending, false},
		{"declined", answer(passport.Decline), &w.eva, 0, passport.Declined, false},
		{"accepted after all", answer(passport.Accept), &w.eva, 0, passport.Accepted, false},
		{"accepted twice", answer(passport.Accept), &w.eva, 0, passport.Accepted, false},
		{"declined once accepted", answer(passport.Decline), &w.eva, problem.Conflict, passport.Accepted, false},
		{"an unknown visibility", visibility("friends"), &w.eva, problem.Invalid, passport.Accepted, false},
		{"made public", visibility(passport.Public), &w.eva, 0, passport.Accepted, true},
		{"made public by someone else", visibility(passport.Public), &w.max, problem.NotFound, passport.Accepted, true},
		{"for followers", visibility(passport.Followers), &w.eva, 0, passport.Accepted, false},
		{"public again", visibility(passport.Public), &w.eva, 0, passport.Accepted, true},
		{"private", visibility(passport.Private), &w.eva, 0, passport.Accepted, false},
		{"removed by someone else", func(u int64) error { return passport.Remove(ctx, w.pool, u, id) }, &w.max, problem.NotFound, passport.Accepted, false},
	} {
		err := step.do(step.by.ID)
		if step.kind == 0 && err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if step.kind != 0 && !problem.Is(err, step.kind) {
			t.Fatalf("%s: got %v, want a problem of kind %d", step.name, err, step.kind)
		}
		it, err := passport.ItemByUUID(ctx, w.pool, w.eva.ID, id)
		if err != nil || it.State != step.state {
			t.Fatalf("%s: item %+v, %v; want state %s", step.name, it, err, step.state)
		}
		_, err = passport.PublicItem(ctx, w.pool, "eva", id)
		if published := err == nil; published != step.published {
			t.Fatalf("%s: on the public page: %v, want %v", step.name, published, step.published)
		}
		if _, err := passport.PublicItem(ctx, w.pool, "max", id); err == nil {
			t.Fatalf("%s: Eva's badge is public as Max's", step.name)
		}
	}
	if err := passport.Remove(ctx, w.pool, w.eva.ID, id); err != nil {
		t.Fatal(err)
	}
	if _, err := passport.ItemByUUID(ctx, w.pool, w.eva.ID, id); !problem.Is(err, problem.NotFound) {
		t.Fatalf("after removal: %v", err)
	}
	if _, err := passport.ItemByUUID(ctx, w.pool, w.eva.ID, "not-a-uuid"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("a malformed id: %v", err)
	}
	if _, err := passport.Items(ctx, w.pool, w.eva.ID, "lost"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("an unknown state: %v", err)
	}
}
