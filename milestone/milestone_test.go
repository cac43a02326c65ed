package milestone_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/milestone"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// world is an organisation issuing badges on a node at base, with the
// issuing hooks of a node: delivery into backpacks, then milestones.
type world struct {
	pool  *pgxpool.Pool
	urls  issuer.URLs
	org   issuer.Organisation
	hooks issuer.Hooks
	png   []byte
}

var orgCount atomic.Int64

func newWorld(t testing.TB, pool *pgxpool.Pool, base *url.URL) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{pool: pool, urls: issuer.URLs{Base: base}}
	slug := fmt.Sprintf("org-%d", orgCount.Add(1))
	o, err := issuer.CreateOrganisation(ctx, pool, issuer.NewOrganisation{Slug: slug, Name: "Organisation " + slug, Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	email := "badges@" + slug + ".example"
	if w.org, err = issuer.UpdateOrganisation(ctx, pool, o.ID, issuer.OrganisationUpdate{Email: &email}); err != nil {
		t.Fatal(err)
	}
	if w.png, err = os.ReadFile("../vocab/testdata/ob20/robotics-badge.png"); err != nil {
		t.Fatal(err)
	}
	w.hooks = milestone.WithMilestones(issuer.Hooks{Issued: func(ctx context.Context, tx pgx.Tx, o issuer.Organisation,
		b issuer.BadgeClass, a issuer.Assertion, r issuer.Recipient) error {
		return passport.DeliverIssued(ctx, tx, w.urls, o, b, a, r)
	}}, w.urls)
	return w
}

func testWorld(t *testing.T) *world {
	return newWorld(t, testkit.DB(t), &url.URL{Scheme: "https", Host: "laurel.example"})
}

// badge adds a badge class with tags to the organisation's library.
func (w *world) badge(t testing.TB, name string, tags ...string) issuer.BadgeClass {
	t.Helper()
	b, err := issuer.CreateBadgeClass(context.Background(), w.pool, account.NodeActor(), w.org.ID, issuer.BadgeInput{
		Name: name, Description: "The badge " + name + ".", Image: w.png, CriteriaNarrative: "Do it.", Tags: tags,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// milestone makes a new badge class named name a milestone of in.
func (w *world) milestone(t testing.TB, name string, in milestone.Input) issuer.BadgeClass {
	t.Helper()
	b := w.badge(t, name)
	in.Badge = b.UUID
	if _, err := milestone.Create(context.Background(), w.pool, nil, w.urls, w.org.ID, in); err != nil {
		t.Fatalf("create milestone %s: %v", name, err)
	}
	return b
}

// issue awards b to r through the node's hooks.
func (w *world) issue(t *testing.T, b issuer.BadgeClass, r issuer.Recipient, opts ...func(*issuer.AssertionInput)) issuer.Assertion {
	t.Helper()
	in := issuer.AssertionInput{Recipient: r}
	for _, o := range opts {
		o(&in)
	}
	out, err := issuer.Issue(context.Background(), w.pool, account.NodeActor(), w.hooks, w.urls, w.org, b, []issuer.AssertionInput{in})
	if err != nil {
		t.Fatalf("issue %s: %v", b.Name, err)
	}
	return out[0]
}

// revoke revokes an assertion as the node does: the assertion, its copies
// in backpacks and the milestones that go with it, in one transaction.
func (w *world) revoke(t *testing.T, a issuer.Assertion, reason string) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		r, err := issuer.Revoke(ctx, tx, account.NodeActor(), w.org.ID, a.UUID, reason)
		if err != nil {
			return err
		}
		if err := passport.NoteRevoked(ctx, tx, w.urls.Assertion(r.UUID), r.RevocationReason); err != nil {
			return err
		}
		return milestone.Revoked(ctx, tx, w.urls, r)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// awarded lists the assertions of badge class b, newest first.
func (w *world) awarded(t *testing.T, b issuer.BadgeClass) []issuer.Assertion {
	t.Helper()
	list, err := issuer.Assertions(context.Background(), w.pool, b.ID, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// awardedTo lists the assertions of b to email address addr.
func (w *world) awardedTo(t *testing.T, b issuer.BadgeClass, r issuer.Recipient) []issuer.Assertion {
	t.Helper()
	list, err := issuer.AssertionsTo(context.Background(), w.pool, w.org.ID, []int64{b.ID}, []issuer.Recipient{r})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (w *world) user(t *testing.T, username, email string) account.User {
	t.Helper()
	u, err := account.CreateUser(context.Background(), w.pool, account.NewUser{Username: username, Email: email, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func email(addr string) issuer.Recipient {
	return issuer.Recipient{Kind: issuer.RecipientEmail, Identity: addr}
}

func reqs(bs ...issuer.BadgeClass) []milestone.RequirementInput {
	var out []milestone.RequirementInput
	for _, b := range bs {
		out = append(out, milestone.RequirementInput{Badge: b.UUID})
	}
	return out
}

func expired(in *issuer.AssertionInput) {
	issued := time.Now().Add(-72 * time.Hour)
	ends := issued.Add(24 * time.Hour)
	in.IssuedOn, in.Expires = &issued, &ends
}

// TestRules issues badges one at a time to one earner and checks after
// each whether the milestone has been issued: exactly when its rule is
// met, and never again after.
func TestRules(t *testing.T) {
	type step struct {
		badge   string // a, b, c (tagged robotics), d (tagged robotics and coding), x (untagged)
		expired bool
	}
	for _, tc := range []struct {
		name   string
		in     milestone.Input
		list   string // the badges listed, by letter
		steps  []step
		issued int // the step (from 1) after which the milestone is issued; 0 for never
	}{
		{"all of three", milestone.Input{Rule: milestone.RuleAll}, "abc", []step{{badge: "a"}, {badge: "b"}, {badge: "c"}, {badge: "a"}}, 3},
		{"all of three, one twice", milestone.Input{Rule: milestone.RuleAll}, "abc", []step{{badge: "a"}, {badge: "a"}, {badge: "b"}, {badge: "x"}, {badge: "c"}}, 5},
		{"all of three, one expired", milestone.Input{Rule: milestone.RuleAll}, "abc", []step{{badge: "a", expired: true}, {badge: "b"}, {badge: "c"}, {badge: "a"}}, 4},
		{"two of three", milestone.Input{Rule: milestone.RuleSome, Required: 2}, "abc", []step{{badge: "a"}, {badge: "a"}, {badge: "c"}, {badge: "b"}}, 3},
		{"one of two", milestone.Input{Rule: milestone.RuleSome, Required: 1}, "ab", []step{{badge: "x"}, {badge: "b"}, {badge: "a"}}, 2},
		{"three of four, two met", milestone.Input{Rule: milestone.RuleSome, Required: 3}, "abcd", []step{{badge: "a"}, {badge: "d"}, {badge: "x"}}, 0},
		{"two tagged robotics", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"robotics"}, Required: 2}, "", []step{{badge: "a"}, {badge: "x"}, {badge: "a"}, {badge: "d"}}, 4},
		{"two tagged coding or robotics", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"coding", " robotics"}, Required: 2}, "", []step{{badge: "d"}, {badge: "b"}}, 2},
		{"three tagged coding", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"coding"}, Required: 3}, "", []step{{badge: "d"}, {badge: "a"}, {badge: "b"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorld(t)
			badges := map[string]issuer.BadgeClass{
				"a": w.badge(t, "Arduino", "robotics"), "b": w.badge(t, "Breadboard", "robotics"),
				"c": w.badge(t, "Circuits", "robotics"), "d": w.badge(t, "Drivers", "robotics", "coding"), "x": w.badge(t, "Excel"),
			}
			in := tc.in
			for _, l := range tc.list {
				in.Requirements = append(in.Requirements, milestone.RequirementInput{Badge: badges[string(l)].UUID})
			}
			m := w.milestone(t, "Maker", in)
			earner := email("Eva.Earner@example.org")
			for i, s := range tc.steps {
				var opts []func(*issuer.AssertionInput)
				if s.expired {
					opts = append(opts, expired)
				}
				w.issue(t, badges[s.badge], earner, opts...)
				want := 0
				if tc.issued != 0 && i+1 >= tc.issued {
					want = 1
				}
				if got := len(w.awarded(t, m)); got != want {
					t.Fatalf("after step %d (%s): %d milestone(s) issued, want %d", i+1, s.badge, got, want)
				}
			}
			if tc.issued != 0 && len(w.awardedTo(t, m, email("eva.earner@EXAMPLE.org"))) != 1 {
				t.Fatal("the milestone did not go to the earner")
			}
		})
	}
}

// TestIssuedOnceIntoPassport: the third qualifying badge issues the
// milestone, to the earner however the badges named them (their address
// or their actor), into their passport; more badges issue no other.
func TestIssuedOnceIntoPassport(t *testing.T) {
	ctx := context.Background()
	w := testWorld(t)
	eva := w.user(t, "eva", "Eva@example.org")
	a, b, c := w.badge(t, "Arduino"), w.badge(t, "Breadboard"), w.badge(t, "Circuits")
	m := w.milestone(t, "Maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a, b, c)})
	actor := issuer.Recipient{Kind: issuer.RecipientActor, Identity: w.urls.Base.String() + "/actors/eva"}
	w.issue(t, a, actor)
	w.issue(t, b, email("EVA@example.org"))
	if n := len(w.awarded(t, m)); n != 0 {
		t.Fatalf("%d milestones after two of three badges", n)
	}
	w.issue(t, c, email("eva@example.org"))
	got := w.awarded(t, m)
	if len(got) != 1 {
		t.Fatalf("%d milestones after the third badge, want 1", len(got))
	}
	for _, name := range []string{"Arduino", "Breadboard", "Circuits"} {
		if !strings.Contains(got[0].Narrative, name) {
			t.Errorf("the milestone's narrative %q does not name %s", got[0].Narrative, name)
		}
	}
	items, err := passport.Items(ctx, w.pool, eva.ID, passport.Pending)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, it := range items {
		found = found || it.BadgeName == "Maker"
	}
	if !found {
		t.Fatal("the milestone is not in the earner's passport")
	}
	w.issue(t, a, email("eva@example.org"))
	w.issue(t, c, actor)
	if n := len(w.awarded(t, m)); n != 1 {
		t.Fatalf("%d milestones after more badges, want still 1", n)
	}
	// Revoked by hand, it stays revoked: it is not issued again.
	w.revoke(t, got[0], "awarded by mistake")
	w.issue(t, b, email("eva@example.org"))
	if n := len(w.awarded(t, m)); n != 1 {
		t.Fatalf("a milestone revoked by hand was issued again: %d", n)
	}
	// Someone else with the same badges earns their own.
	for _, bc := range []issuer.BadgeClass{a, b, c} {
		w.issue(t, bc, email("max@example.org"))
	}
	if n := len(w.awarded(t, m)); n != 2 {
		t.Fatalf("%d milestones once a second earner holds the badges, want 2", n)
	}
}

// TestConcurrentIssuing issues each earner's three qualifying badges (and
// the last one twice) at the same time: each gets the milestone exactly
// once, neither twice nor, for seeing the others' badges too late, never.
func TestConcurrentIssuing(t *testing.T) {
	w := testWorld(t)
	a, b, c := w.badge(t, "Arduino"), w.badge(t, "Breadboard"), w.badge(t, "Circuits")
	m := w.milestone(t, "Maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a, b, c)})
	const earners = 6
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, earners*4)
	for i := range earners {
		r := email(fmt.Sprintf("earner%d@example.org", i))
		for _, bc := range []issuer.BadgeClass{a, b, c, c} {
			wg.Go(func() {
				<-start
				_, err := issuer.Issue(context.Background(), w.pool, account.NodeActor(), w.hooks, w.urls, w.org, bc, []issuer.AssertionInput{{Recipient: r}})
				errs <- err
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range earners {
		if n := len(w.awardedTo(t, m, email(fmt.Sprintf("earner%d@example.org", i)))); n != 1 {
			t.Errorf("earner %d has the milestone %d times, want once", i, n)
		}
	}
}

// TestChain: a milestone counts toward another, and issuing one badge
// completes the chain, down to milestone.MaxDepth milestones and no
// further.
func TestChain(t *testing.T) {
	w := testWorld(t)
	first := w.badge(t, "First steps")
	prev := first
	var chain []issuer.BadgeClass
	for i := range milestone.MaxDepth + 1 {
		prev = w.milestone(t, fmt.Sprintf("Level %d", i+1), milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(prev)})
		chain = append(chain, prev)
	}
	w.issue(t, first, email("eva@example.org"))
	for i, m := range chain {
		want := 1
		if i >= milestone.MaxDepth {
			want = 0
		}
		if n := len(w.awarded(t, m)); n != want {
			t.Errorf("%s issued %d times, want %d", m.Name, n, want)
		}
	}
}

// TestRevocation: revoking a badge a milestone counted revokes the
// milestone only when the milestone says so and no longer holds; it can
// then be earned again.
func TestRevocation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		rule    string
		need    int
		flag    bool
		revoke  []string // badges revoked, in order
		revoked []bool   // whether the milestone is revoked after each
	}{
		{"without the flag", milestone.RuleAll, 0, false, []string{"a", "b"}, []bool{false, false}},
		{"with the flag", milestone.RuleAll, 0, true, []string{"a"}, []bool{true}},
		{"with the flag, still met", milestone.RuleSome, 2, true, []string{"c", "a"}, []bool{false, true}},
		{"with the flag, a badge it did not count", milestone.RuleSome, 1, true, []string{"x"}, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorld(t)
			eva := w.user(t, "eva", "eva@example.org")
			badges := map[string]issuer.BadgeClass{"a": w.badge(t, "Arduino"), "b": w.badge(t, "Breadboard"), "c": w.badge(t, "Circuits"), "x": w.badge(t, "Excel")}
			m := w.milestone(t, "Maker", milestone.Input{Rule: tc.rule, Required: tc.need, RevokeWithRequirements: tc.flag,
				Requirements: reqs(badges["a"], badges["b"], badges["c"])})
			held := map[string]issuer.Assertion{}
			for _, l := range []string{"x", "a", "b", "c"} {
				held[l] = w.issue(t, badges[l], email("eva@example.org"))
			}
			if len(w.awarded(t, m)) != 1 {
				t.Fatal("the milestone was not issued")
			}
			for i, l := range tc.revoke {
				w.revoke(t, held[l], "issued by mistake")
				got := w.awarded(t, m)
				if len(got) != 1 || got[0].Revoked() != tc.revoked[i] {
					t.Fatalf("after revoking %s: milestone revoked %v, want %v", l, got[0].Revoked(), tc.revoked[i])
				}
				if !tc.revoked[i] {
					continue
				}
				if !strings.Contains(got[0].RevocationReason, badges[l].Name) {
					t.Errorf("the reason %q does not name the revoked badge", got[0].RevocationReason)
				}
				items, err := passport.Items(ctx, w.pool, eva.ID, "")
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range items {
					if it.AssertionID == w.urls.Assertion(got[0].UUID) && !it.Revoked {
						t.Error("the milestone in the earner's passport is not marked revoked")
					}
				}
				// Earned again, it is issued again.
				w.issue(t, badges[l], email("eva@example.org"))
				if got := w.awarded(t, m); len(got) != 2 || got[0].Revoked() {
					t.Fatalf("earned again, the milestone was not issued again: %d assertion(s)", len(got))
				}
				return
			}
		})
	}
}

// TestRevocationCascades: a milestone revoked with its requirement
// revokes a milestone that required it and says so too.
func TestRevocationCascades(t *testing.T) {
	w := testWorld(t)
	a := w.badge(t, "Arduino")
	m1 := w.milestone(t, "Maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a), RevokeWithRequirements: true})
	m2 := w.milestone(t, "Master maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(m1), RevokeWithRequirements: true})
	held := w.issue(t, a, email("eva@example.org"))
	if len(w.awarded(t, m2)) != 1 {
		t.Fatal("the chain was not issued")
	}
	w.revoke(t, held, "issued by mistake")
	for _, m := range []issuer.BadgeClass{m1, m2} {
		if got := w.awarded(t, m); len(got) != 1 || !got[0].Revoked() {
			t.Errorf("%s not revoked with its requirement", m.Name)
		}
	}
}

// TestProgress: the earner's progress toward each milestone, with what is
// met and missing, and those earned.
func TestProgress(t *testing.T) {
	ctx := context.Background()
	w := testWorld(t)
	eva := w.user(t, "eva", "eva@example.org")
	a, b, c, d, e := w.badge(t, "Arduino", "robotics"), w.badge(t, "Breadboard"), w.badge(t, "Circuits"), w.badge(t, "Drivers"), w.badge(t, "Excel")
	maker := w.milestone(t, "Maker", milestone.Input{Rule: milestone.RuleSome, Required: 3, Requirements: reqs(a, b, c, d, e)})
	w.milestone(t, "Robotics", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"robotics"}, Required: 1})
	w.milestone(t, "Untouched", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(d, e)})
	w.issue(t, a, email("eva@example.org"))
	w.issue(t, c, email("eva@example.org"))
	list, err := milestone.ProgressOf(ctx, w.pool, w.urls, eva.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d milestones in progress, want Maker and Robotics: %+v", len(list), list)
	}
	p := list[0]
	if p.Milestone.Name != "Maker" || p.Count != 2 || p.Required != 3 || p.Earned {
		t.Fatalf("first: %s %d of %d (earned %v), want Maker 2 of 3", p.Milestone.Name, p.Count, p.Required, p.Earned)
	}
	if names(p.Met) != "Arduino, Circuits" {
		t.Errorf("met %q", names(p.Met))
	}
	var missing []string
	for _, r := range p.Missing {
		missing = append(missing, r.Name)
	}
	if strings.Join(missing, ", ") != "Breadboard, Drivers, Excel" {
		t.Errorf("missing %v", missing)
	}
	if list[1].Milestone.Name != "Robotics" || !list[1].Earned || list[1].AssertionUUID == "" {
		t.Errorf("second: %+v, want Robotics earned", list[1])
	}
	got, err := milestone.ByBadge(ctx, w.pool, w.urls, maker.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary() != "3 of the 5 badges listed" || len(got.Requirements) != 5 || got.Requirements[1].Name != "Breadboard" {
		t.Errorf("the milestone's page shows %q with %d requirements", got.Summary(), len(got.Requirements))
	}
}

func names(ms []milestone.Met) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return strings.Join(out, ", ")
}

// TestValidation: each mistake is a problem naming its field.
func TestValidation(t *testing.T) {
	ctx := context.Background()
	w := testWorld(t)
	other := newWorld(t, w.pool, w.urls.Base)
	a, b := w.badge(t, "Arduino"), w.badge(t, "Breadboard")
	theirs := other.badge(t, "Theirs")
	self := w.badge(t, "Maker")
	chained := w.milestone(t, "Master maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(self)})
	archived := w.badge(t, "Old")
	if _, err := issuer.ArchiveBadgeClass(ctx, w.pool, account.NodeActor(), w.org.ID, archived.UUID, true); err != nil {
		t.Fatal(err)
	}
	partner := milestone.RequirementInput{Badge: "https://partner.example/ob/badges/1", Name: "Partner badge"}
	for _, tc := range []struct {
		name  string
		in    milestone.Input
		kind  problem.Kind
		field string
		text  string
	}{
		{"no rule", milestone.Input{Requirements: reqs(a)}, problem.Invalid, "rule", "all, some or tags"},
		{"nothing listed", milestone.Input{Rule: milestone.RuleAll}, problem.Invalid, "requirements", "1 to 50"},
		{"N of nothing", milestone.Input{Rule: milestone.RuleSome, Required: 1}, problem.Invalid, "requirements", "1 to 50"},
		{"N zero", milestone.Input{Rule: milestone.RuleSome, Requirements: reqs(a, b)}, problem.Invalid, "required", "from 1 to 2"},
		{"N above the list", milestone.Input{Rule: milestone.RuleSome, Required: 3, Requirements: reqs(a, b)}, problem.Invalid, "required", "from 1 to 2"},
		{"itself", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a, self)}, problem.Invalid, "requirements[1].badge", "cannot require itself"},
		{"a cycle", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(chained)}, problem.Invalid, "requirements[0].badge", "neither could be earned"},
		{"another organisation's", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a, theirs)}, problem.Invalid, "requirements[1].badge", "another organisation's"},
		{"unknown badge", milestone.Input{Rule: milestone.RuleAll, Requirements: []milestone.RequirementInput{{Badge: "not-a-badge"}}}, problem.Invalid, "requirements[0].badge", "no badge"},
		{"empty badge", milestone.Input{Rule: milestone.RuleAll, Requirements: []milestone.RequirementInput{{}}}, problem.Invalid, "requirements[0].badge", "is required"},
		{"twice", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a, b, a)}, problem.Invalid, "requirements[2]", "twice"},
		{"a partner badge twice", milestone.Input{Rule: milestone.RuleSome, Required: 1, Requirements: []milestone.RequirementInput{partner, partner}}, problem.Invalid, "requirements[1]", "twice"},
		{"tags with a list", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a), Tags: []string{"x"}}, problem.Invalid, "tags", "only a tags rule"},
		{"partners with a list", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a), Partners: []string{"https://partner.example/ob/issuers/p"}}, problem.Invalid, "partners", "by its URL"},
		{"no tags", milestone.Input{Rule: milestone.RuleTags, Required: 1}, problem.Invalid, "tags", "1 to 10"},
		{"an empty tag", milestone.Input{Rule: milestone.RuleTags, Required: 1, Tags: []string{"x", " "}}, problem.Invalid, "tags[1]", "1 to 60"},
		{"tags, N zero", milestone.Input{Rule: milestone.RuleTags, Tags: []string{"x"}}, problem.Invalid, "required", "from 1 to 100"},
		{"tags with a list", milestone.Input{Rule: milestone.RuleTags, Required: 1, Tags: []string{"x"}, Requirements: reqs(a)}, problem.Invalid, "requirements", "lists no badges"},
		{"a partner that is no URL", milestone.Input{Rule: milestone.RuleTags, Required: 1, Tags: []string{"x"}, Partners: []string{"partner"}}, problem.Invalid, "partners[0]", "Profile id"},
		{"itself as partner", milestone.Input{Rule: milestone.RuleTags, Required: 1, Tags: []string{"x"}, Partners: []string{w.urls.Profile(w.org.Slug)}}, problem.Invalid, "partners[0]", "is this organisation"},
		{"a milestone already", milestone.Input{Badge: chained.UUID, Rule: milestone.RuleAll, Requirements: reqs(a)}, problem.Conflict, "badge", "a milestone already"},
		{"an archived badge", milestone.Input{Badge: archived.UUID, Rule: milestone.RuleAll, Requirements: reqs(a)}, problem.Conflict, "badge", "archived"},
		{"another organisation's milestone badge", milestone.Input{Badge: theirs.UUID, Rule: milestone.RuleAll, Requirements: reqs(a)}, problem.NotFound, "", "no badge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.Badge == "" {
				in.Badge = self.UUID
			}
			_, err := milestone.Create(ctx, w.pool, nil, w.urls, w.org.ID, in)
			p, ok := problem.As(err)
			if !ok || p.Kind != tc.kind || p.Field != tc.field || !strings.Contains(p.Message, tc.text) {
				t.Fatalf("got %v, want a problem on %q saying %q", err, tc.field, tc.text)
			}
		})
	}
	// The same rules hold on a change, and a good one is kept.
	if _, err := milestone.Update(ctx, w.pool, nil, w.urls, w.org.ID, chained.UUID, milestone.Input{Rule: milestone.RuleSome, Required: 5, Requirements: reqs(a, b)}); !problem.Is(err, problem.Invalid) {
		t.Fatalf("update with N above the list: %v", err)
	}
	m, err := milestone.Update(ctx, w.pool, nil, w.urls, w.org.ID, chained.UUID, milestone.Input{Rule: milestone.RuleSome, Required: 2,
		Requirements: append(reqs(a, b), partner)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Summary() != "2 of the 3 badges listed" || !m.Requirements[2].Partner || m.Requirements[2].Name != "Partner badge" {
		t.Fatalf("updated: %q, %+v", m.Summary(), m.Requirements)
	}
	if err := milestone.Delete(ctx, w.pool, w.org.ID, chained.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := milestone.ByBadge(ctx, w.pool, w.urls, chained.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("a deleted milestone: %v", err)
	}
}

// TestArchivedMilestone: a milestone whose badge is archived is issued to
// no one, and issuing its requirements goes on as ever.
func TestArchivedMilestone(t *testing.T) {
	w := testWorld(t)
	a := w.badge(t, "Arduino")
	m := w.milestone(t, "Maker", milestone.Input{Rule: milestone.RuleAll, Requirements: reqs(a)})
	if _, err := issuer.ArchiveBadgeClass(context.Background(), w.pool, account.NodeActor(), w.org.ID, m.UUID, true); err != nil {
		t.Fatal(err)
	}
	w.issue(t, a, email("eva@example.org"))
	if n := len(w.awarded(t, m)); n != 0 {
		t.Fatalf("an archived milestone was issued %d times", n)
	}
}
