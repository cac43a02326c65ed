package passport_test

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/verifier"
)

// hostedWorld is a world whose issuer documents a running node serves, so
// that the verifier fetches them over HTTP, and the passport of that node.
func hostedWorld(t *testing.T) (*world, *passport.Passport) {
	t.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(t)
	n, err := node.Start(ctx, node.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dbURL, AllowIPs: "127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(context.Background()) })
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	w := newWorld(t, pool, n.BaseURL())
	return w, newPassport(t, pool, n.BaseURL())
}

// newPassport is a passport on pool for a node at base, verifying through
// an egress client that may reach loopback nodes.
func newPassport(t *testing.T, pool *pgxpool.Pool, base *url.URL) *passport.Passport {
	t.Helper()
	allow, err := egress.ParseAllow("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	v := &verifier.Verifier{Client: egress.New(egress.Config{Allow: allow}).HTTPClient()}
	return passport.New(pool, federation.New(federation.Config{Base: base, Pool: pool}), issuer.URLs{Base: base}, v)
}

func TestAddVerifiesAndKeeps(t *testing.T) {
	ctx := context.Background()
	w, p := hostedWorld(t)
	none := issuer.Hooks{} // issued without delivery, as on another node
	byURL := w.issue(t, none, email(evaEmail))
	baked := w.issue(t, none, email("EVA.EARNER@example.org"))
	toMax := w.issue(t, none, email("max@example.org"))
	toActor := w.issue(t, none, actor(p.ActorID("eva")))
	past := time.Now().Add(-72 * time.Hour)
	expired := w.issue(t, none, email(evaEmail), func(in *issuer.AssertionInput) {
		issued, ends := past, past.Add(24*time.Hour)
		in.IssuedOn, in.Expires = &issued, &ends
	})
	revoked := w.issue(t, none, email(evaEmail))
	if _, err := issuer.Revoke(ctx, w.pool, account.NodeActor(), w.org.ID, revoked.UUID, "issued by mistake"); err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := issuer.UpdateOrganisation(ctx, w.pool, w.org.ID, issuer.OrganisationUpdate{SignBadges: &on}); err != nil {
		t.Fatal(err)
	}
	if w.org, _ = issuer.OrganisationByID(ctx, w.pool, w.org.ID); !w.org.SignBadges {
		t.Fatal("signing did not turn on")
	}
	signed := w.issue(t, none, email(evaEmail))
	img, err := issuer.BakedImage(ctx, w.pool, w.urls, baked)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name         string
		in           verifier.Input
		kind         problem.Kind // 0: added
		text         string       // in the problem's message
		source       string
		verification string
		expired      bool
	}{
		{"by URL", verifier.Input{URL: w.urls.Assertion(byURL.UUID)}, 0, "", passport.SourceURL, verifier.Hosted, false},
		{"again by URL", verifier.Input{URL: w.urls.Assertion(byURL.UUID)}, problem.Conflict, "in your backpack already", "", "", false},
		{"a baked PNG", verifier.Input{Image: img.Data}, 0, "", passport.SourceUpload, verifier.Hosted, false},
		{"awarded to the earner's actor", verifier.Input{URL: w.urls.Assertion(toActor.UUID)}, 0, "", passport.SourceURL, verifier.Hosted, false},
		{"signed, as its JWS", verifier.Input{JSON: []byte(signed.JWS)}, 0, "", passport.SourceUpload, verifier.Signed, false},
		{"expired", verifier.Input{URL: w.urls.Assertion(expired.UUID)}, 0, "", passport.SourceURL, verifier.Hosted, true},
		{"awarded to someone else", verifier.Input{URL: w.urls.Assertion(toMax.UUID)}, problem.Invalid, "not awarded to you", "", "", false},
		{"revoked", verifier.Input{URL: w.urls.Assertion(revoked.UUID)}, problem.Invalid, "revoked it (reason: issued by mistake)", "", "", false},
		{"an image without a badge", verifier.Input{Image: plain}, problem.Invalid, "carries no Open Badges assertion", "", "", false},
		{"nothing", verifier.Input{}, problem.Invalid, "give the badge", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(items(t, w.pool, w.eva))
			it, err := p.Add(ctx, w.eva, tc.in)
			if tc.kind != 0 {
				wantProblem(t, tc.name, err, tc.kind, tc.text)
				if after := len(items(t, w.pool, w.eva)); after != before {
					t.Fatalf("a refused badge was stored: %d items, were %d", after, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.State != passport.Accepted || !it.Verified || it.Source != tc.source || it.Verification != tc.verification ||
				it.BadgeName != "Robotics" || it.IssuerName != "Tampere University" || it.Expired(time.Now()) != tc.expired ||
				it.Visibility != passport.Private || it.AnsweredAt == nil {
				t.Fatalf("added %+v", it)
			}
			if (it.JWS != "") != (tc.verification == verifier.Signed) {
				t.Fatalf("kept JWS %q for a %s badge", it.JWS, tc.verification)
			}
		})
	}

	// Revocations show once a check is a day old: a badge of this node is
	// read from the issuer's records; one of another node (as a passport
	// on another origin sees them) is verified again over HTTP.
	for _, a := range []issuer.Assertion{byURL, signed} {
		if _, err := issuer.Revoke(ctx, w.pool, account.NodeActor(), w.org.ID, a.UUID, "withdrawn"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.pool.Exec(ctx, `UPDATE backpack_item SET last_checked_at = now() - interval '2 days'`); err != nil {
		t.Fatal(err)
	}
	it, err := passport.ItemByUUID(ctx, w.pool, w.eva.ID, itemOf(t, w, byURL).UUID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh, err := p.Fresh(ctx, it); err != nil || !fresh.Revoked || fresh.RevocationReason != "withdrawn" {
		t.Fatalf("fresh local badge: %+v, %v", fresh, err)
	}
	other, _ := url.Parse("http://backpack.test")
	remote := newPassport(t, w.pool, other)
	n, err := remote.RecheckStale(ctx, time.Now())
	if err != nil || n == 0 {
		t.Fatalf("recheck: %d, %v", n, err)
	}
	if it := itemOf(t, w, signed); !it.Revoked || it.RevocationReason != "withdrawn" || it.State != passport.Accepted {
		t.Fatalf("signed badge after the recheck: %+v", it)
	}
	if it := itemOf(t, w, baked); it.Revoked || it.Problem != "" || time.Since(*it.LastCheckedAt) > time.Minute {
		t.Fatalf("valid badge after the recheck: %+v", it)
	}
	if n, err := remote.RecheckStale(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("a second recheck checked %d badges (%v), want none", n, err)
	}
}

// itemOf is Eva's item of assertion a.
func itemOf(t *testing.T, w *world, a issuer.Assertion) passport.Item {
	t.Helper()
	for _, it := range items(t, w.pool, w.eva) {
		if it.AssertionID == w.urls.Assertion(a.UUID) || it.Assertion["id"] == w.urls.Assertion(a.UUID) {
			return it
		}
	}
	t.Fatalf("Eva has no item of %s", a.UUID)
	return passport.Item{}
}
