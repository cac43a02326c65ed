package network

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// mailQueue is a River client that only inserts jobs, as the node's does
// without its workers, so that the tests read the queued emails.
func mailQueue(t *testing.T, pool *pgxpool.Pool) issuer.Queue {
	t.Helper()
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// queuedMails are the emails queued so far, oldest first, as queued:
// their secret links still to be minted.
func queuedMails(t *testing.T, pool *pgxpool.Pool) []mail.SendArgs {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT args FROM river_job WHERE kind = $1 ORDER BY id`, mail.SendArgs{}.Kind())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []mail.SendArgs
	for rows.Next() {
		var raw []byte
		var args mail.SendArgs
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &args); err != nil {
			t.Fatal(err)
		}
		if linkPattern.Match(raw) {
			t.Fatalf("a mail job holds its secret link: %s", raw)
		}
		out = append(out, args)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var linkPattern = regexp.MustCompile(`https://laurel\.example/endorse/([A-Za-z0-9_-]+)`)

// invite invites an external endorser and returns the token of the link
// in the email queued for them.
func invite(t *testing.T, pool *pgxpool.Pool, q issuer.Queue, o issuer.Organisation, email, badge string) (Invitation, string) {
	t.Helper()
	v, err := InviteExternal(context.Background(), pool, q, nil, issuer.URLs{Base: base}, o, email, badge, "We would value your view.")
	if err != nil {
		t.Fatalf("InviteExternal: %v", err)
	}
	msgs := queuedMails(t, pool)
	last := msgs[len(msgs)-1]
	if last.Link == nil || last.Link.Kind != LinkInvitation || !strings.Contains(last.Text, mail.LinkPlaceholder) {
		t.Fatalf("email to %q without a link to mint: %+v", last.To, last)
	}
	// What the mail job does before sending.
	link, err := InvitationLinks(pool, issuer.URLs{Base: base})(context.Background(), last.Link.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := linkPattern.FindStringSubmatch(link)
	if last.To != strings.ToLower(email) || m == nil {
		t.Fatalf("email to %q with the link %q", last.To, link)
	}
	return v, m[1]
}

func testBadge(t *testing.T, pool *pgxpool.Pool, o issuer.Organisation) issuer.BadgeClass {
	t.Helper()
	png, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	b, err := issuer.CreateBadgeClass(context.Background(), pool, account.NodeActor(), o.ID, issuer.BadgeInput{
		Name: "Robotics", Description: "Builds robots.", Image: png, CriteriaNarrative: "Build a robot.",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInviteExternalRefuses(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	o, other := newOrg(t, pool, "alpha", "FI"), newOrg(t, pool, "beta", "DE")
	theirs := testBadge(t, pool, other)
	q := mailQueue(t, pool)
	for _, tc := range []struct {
		name          string
		queue         issuer.Queue
		email, badge  string
		message       string
		kind          problem.Kind
		field         string
		wantInMessage string
	}{
		{name: "no mail", email: "eve@example.org", kind: problem.Conflict, field: "email", wantInMessage: "sends no email"},
		{name: "not an address", queue: q, email: "eve at example.org", kind: problem.Invalid, field: "email"},
		{name: "display name", queue: q, email: "Eve <eve@example.org>", kind: problem.Invalid, field: "email"},
		{name: "another's badge", queue: q, email: "eve@example.org", badge: n.urls.BadgeClass(theirs.UUID), kind: problem.Invalid, field: "subject"},
		{name: "not a badge", queue: q, email: "eve@example.org", badge: "https://elsewhere.example/b/1", kind: problem.Invalid, field: "subject"},
		{name: "long message", queue: q, email: "eve@example.org", message: strings.Repeat("x", 5001), kind: problem.Invalid, field: "message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := InviteExternal(ctx, pool, tc.queue, nil, n.urls, o, tc.email, tc.badge, tc.message)
			p, ok := problem.As(err)
			if !ok || p.Kind != tc.kind || p.Field != tc.field || !strings.Contains(p.Message, tc.wantInMessage) {
				t.Fatalf("got %v, want a problem of kind %d on %q", err, tc.kind, tc.field)
			}
		})
	}
	if msgs := queuedMails(t, pool); len(msgs) != 0 {
		t.Fatalf("refused invitations queued %d emails", len(msgs))
	}
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM external_invitation`).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("refused invitations stored %d rows (%v)", stored, err)
	}
}

// TestExternalEndorsement: an invitation's link works once, and makes a
// hosted endorsement of ours with the endorser's details, listed on what
// it endorses.
func TestExternalEndorsement(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	o := newOrg(t, pool, "alpha", "FI")
	b := testBadge(t, pool, o)
	badgeID := n.urls.BadgeClass(b.UUID)
	q := mailQueue(t, pool)

	v, token := invite(t, pool, q, o, "Eve.Endorser@Example.org", badgeID)
	if v.State != InvitationPending || v.Subject != badgeID || v.SubjectName != "Robotics" || v.Email != "eve.endorser@example.org" ||
		v.EmailHint != "e…@example.org" || v.Message != "We would value your view." {
		t.Fatalf("invitation %+v", v)
	}
	shown, err := ExternalInvitation(ctx, pool, token)
	if err != nil || shown.UUID != v.UUID || shown.OrganisationName != "Org alpha" || shown.SubjectKind != SubjectBadge {
		t.Fatalf("ExternalInvitation = %+v, %v", shown, err)
	}
	if _, err := ExternalInvitation(ctx, pool, "not-a-token"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("unknown token: %v", err)
	}

	for _, tc := range []struct {
		name, endorser, url, comment, field string
	}{
		{"no name", " ", "", "Good.", "name"},
		{"long name", strings.Repeat("é", 201), "", "Good.", "name"},
		{"two-line name", "Eve\nEvil", "", "Good.", "name"},
		{"relative url", "Eve", "eve.example", "Good.", "url"},
		{"ftp url", "Eve", "ftp://eve.example/", "Good.", "url"},
		{"private url", "Eve", "http://10.0.0.1/", "Good.", "url"},
		{"localhost url", "Eve", "http://localhost:8080/", "Good.", "url"},
		{"no comment", "Eve", "", "  ", "comment"},
		{"long comment", "Eve", "", strings.Repeat("x", 5001), "comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := EndorseExternal(ctx, pool, n.urls, token, tc.endorser, tc.url, tc.comment)
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != tc.field {
				t.Fatalf("got %v, want an Invalid problem on %q", err, tc.field)
			}
		})
	}

	e, err := EndorseExternal(ctx, pool, n.urls, token, " Eve Endorser ", "https://eve.example/", "Rigorous and fair.")
	if err != nil {
		t.Fatal(err)
	}
	if e.EndorserName != "Eve Endorser" || e.Subject != badgeID || e.Comment != "Rigorous and fair." ||
		!strings.HasPrefix(e.ID, "https://laurel.example/ob/endorsements/") || e.ID != n.urls.Endorsement(e.UUID) ||
		!strings.HasPrefix(e.Profile, "https://laurel.example/ob/endorsers/") || e.Endorser != e.Profile ||
		e.SubjectActor != n.fed.URLs().Actor("alpha") {
		t.Fatalf("endorsement %+v", e)
	}

	// The link works once.
	if _, err := EndorseExternal(ctx, pool, n.urls, token, "Mallory", "", "Again."); !problem.Is(err, problem.NotFound) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := ExternalInvitation(ctx, pool, token); !problem.Is(err, problem.NotFound) || !strings.Contains(err.Error(), "already been used") {
		t.Fatalf("opening a used link: %v", err)
	}

	// It is listed on the badge, and received by the organisation.
	list, err := EndorsementsOf(ctx, pool, badgeID)
	if err != nil || len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("EndorsementsOf = %+v, %v", list, err)
	}
	received, err := n.Endorsements(ctx, o, Received, "")
	if err != nil || len(received) != 1 || received[0].ID != e.ID {
		t.Fatalf("received = %+v, %v", received, err)
	}

	// Its document and its issuer's are valid Open Badges 2.0.
	checkOB(t, "Endorsement", list[0].Document())
	x, err := ExternalEndorserByUUID(ctx, pool, strings.TrimPrefix(e.Profile, "https://laurel.example/ob/endorsers/"))
	if err != nil {
		t.Fatal(err)
	}
	doc := x.Document(n.urls)
	if doc.ID != e.Profile || doc.Name != "Eve Endorser" || doc.URL != "https://eve.example/" || doc.Email != "" {
		t.Fatalf("endorser profile %+v", doc)
	}
	checkOB(t, "Profile", doc)
	if _, err := ExternalEndorserByUUID(ctx, pool, "nope"); !problem.Is(err, problem.NotFound) {
		t.Fatalf("unknown endorser: %v", err)
	}

	// The address is gone; the hint stays.
	var leaks int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM external_invitation
		WHERE email IS NOT NULL OR row_to_json(external_invitation)::text ILIKE '%eve.endorser%')
		+ (SELECT count(*) FROM external_endorser WHERE row_to_json(external_endorser)::text ILIKE '%eve.endorser%')`).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("%d rows keep the address (%v)", leaks, err)
	}
	invs, err := Invitations(ctx, pool, o.ID)
	if err != nil || len(invs) != 1 || invs[0].State != InvitationUsed || invs[0].Email != "" ||
		invs[0].EmailHint != "e…@example.org" || invs[0].Endorsement != e.ID || invs[0].UsedAt == nil {
		t.Fatalf("Invitations = %+v, %v", invs, err)
	}
}

// checkOB holds a document, after a round trip through JSON, to the Open
// Badges 2.0 rules of class.
func checkOB(t *testing.T, class string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range vocab.Check(class, doc) {
		if !p.Warning {
			t.Errorf("%s breaks a rule: %s", class, p)
		}
	}
}

func TestExternalInvitationExpires(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	o := newOrg(t, pool, "alpha", "FI")
	q := mailQueue(t, pool)
	v, token := invite(t, pool, q, o, "eve@example.org", "")
	if v.Subject != n.urls.Profile("alpha") || v.SubjectKind != SubjectOrganisation {
		t.Fatalf("invitation %+v", v)
	}
	if _, err := pool.Exec(ctx, `UPDATE external_invitation SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	invs, err := Invitations(ctx, pool, o.ID)
	if err != nil || len(invs) != 1 || invs[0].State != InvitationExpired || invs[0].Email != "" {
		t.Fatalf("Invitations = %+v, %v", invs, err)
	}
	var kept int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM external_invitation WHERE email IS NOT NULL`).Scan(&kept); err != nil || kept != 0 {
		t.Fatalf("%d expired invitations keep their address (%v)", kept, err)
	}
	if _, err := ExternalInvitation(ctx, pool, token); !problem.Is(err, problem.NotFound) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("opening an expired link: %v", err)
	}
	if _, err := EndorseExternal(ctx, pool, n.urls, token, "Eve", "", "Good."); !problem.Is(err, problem.NotFound) {
		t.Fatalf("using an expired link: %v", err)
	}
	if list, _ := EndorsementsOf(ctx, pool, n.urls.Profile("alpha")); len(list) != 0 {
		t.Fatalf("an expired link endorsed: %+v", list)
	}
}

// TestExternalEndorsementOnce: of submissions of one link at the same
// time, exactly one succeeds.
func TestExternalEndorsementOnce(t *testing.T) {
	n, pool := newNetwork(t)
	ctx := context.Background()
	o := newOrg(t, pool, "alpha", "FI")
	_, token := invite(t, pool, mailQueue(t, pool), o, "eve@example.org", "")
	const tries = 4
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			_, errs[i] = EndorseExternal(ctx, pool, n.urls, token, "Eve", "", "Good.")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !problem.Is(err, problem.NotFound):
			t.Errorf("a losing submission failed with %v, want not found", err)
		}
	}
	list, err := EndorsementsOf(ctx, pool, n.urls.Profile("alpha"))
	if ok != 1 || err != nil || len(list) != 1 {
		t.Fatalf("%d submissions succeeded, %d endorsements (%v); want 1", ok, len(list), err)
	}
}
