package application_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

// mailTo waits for the next message to an address after the n seen.
func mailTo(t *testing.T, srv *smtptest.Server, to string, n int) smtptest.Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got []smtptest.Message
		for _, m := range srv.Messages() {
			if len(m.To) == 1 && m.To[0] == to {
				got = append(got, m)
			}
		}
		if len(got) > n {
			return got[n]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail %d to %s; got %d", n+1, to, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmailApplicationApprovedByExternalReviewer goes the whole way with
// real mail: someone applies by email, confirms through the mailed link,
// an external reviewer invited by email approves through their link, and
// the badge is issued with the application's files and answers as its
// evidence; the applicant's approval mail claims it.
func TestEmailApplicationApprovedByExternalReviewer(t *testing.T) {
	f := setup(t, true)
	ctx := context.Background()
	form := f.form(t, nil)
	if _, err := application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "Rita@Reviewers.example", "Rita", 0); err != nil {
		t.Fatal(err)
	}
	// Editing the template later leaves the published form as it was.
	if _, err := application.UpdateTemplate(ctx, f.db, f.org.ID, f.tmpl.ID, application.TemplateInput{Name: "Project v2",
		Fields: []application.Field{{Key: "only", Kind: application.KindText, Label: "Only question", Required: true}}}); err != nil {
		t.Fatal(err)
	}

	s := submission("ada@example.org", "Ada")
	s.Source = "203.0.113.9"
	app, err := application.Apply(ctx, f.db, f.env, form.Token, s)
	if err != nil {
		t.Fatal(err)
	}
	if app.State != application.StateUnconfirmed || len(app.Files) != 2 || app.Files[0].ContentType != "image/png" ||
		app.Files[1].ContentType != "application/pdf" {
		t.Fatalf("applied: %+v", app)
	}
	// Unconfirmed, it is nobody's to review.
	if list, err := application.List(ctx, f.db, f.org.ID, application.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("listed before confirmation: %d, %v", len(list), err)
	}

	confirm := mailTo(t, f.smtp, "ada@example.org", 0)
	if !strings.Contains(confirm.Subject, "Confirm your application") || !strings.Contains(confirm.Text, "Robot builder") {
		t.Fatalf("confirmation mail: %q\n%s", confirm.Subject, confirm.Text)
	}
	confirmToken := token(t, confirm.Text)
	if app, err = application.Confirm(ctx, f.db, f.env, confirmToken); err != nil || app.State != application.StateNew {
		t.Fatalf("confirm: %+v, %v", app, err)
	}
	// A confirmation link works once.
	_, err = application.Confirm(ctx, f.db, f.env, confirmToken)
	wantProblem(t, err, problem.NotFound, "")

	received := mailTo(t, f.smtp, "ada@example.org", 1)
	if !strings.Contains(received.Subject, "was received") || !strings.Contains(received.Text, "/apply/mine/") {
		t.Fatalf("receipt: %q\n%s", received.Subject, received.Text)
	}
	mine, err := application.ByApplicantLink(ctx, f.db, token(t, received.Text))
	if err != nil || mine.UUID != app.UUID {
		t.Fatalf("applicant link: %+v, %v", mine, err)
	}

	invitation := mailTo(t, f.smtp, "rita@reviewers.example", 0)
	if !strings.Contains(invitation.Subject, "Review an application") || !strings.Contains(invitation.Text, "Ada applied") {
		t.Fatalf("invitation: %q\n%s", invitation.Subject, invitation.Text)
	}
	review := token(t, invitation.Text)
	seen, seenForm, err := application.ByReviewLink(ctx, f.db, review)
	if err != nil || seen.UUID != app.UUID || seenForm.UUID != form.UUID || len(seenForm.Fields) != 5 {
		t.Fatalf("review link shows %+v of %+v, %v", seen, seenForm, err)
	}
	// The reviewer reads the evidence with the link; nobody else can.
	file, err := application.FileFor(ctx, f.db, application.Viewer{ReviewToken: review}, app.UUID, app.Files[0].UUID)
	if err != nil || !bytes.Equal(file.Data, pngBytes) || file.ContentType != "image/png" {
		t.Fatalf("reviewer's file: %s %d bytes, %v", file.ContentType, len(file.Data), err)
	}
	_, err = application.FileFor(ctx, f.db, application.Viewer{ReviewToken: "guessed-token-guessed-token"}, app.UUID, app.Files[0].UUID)
	wantProblem(t, err, problem.Forbidden, "")

	approved, err := application.DecideByLink(ctx, f.db, f.env, review, application.Decision{Approve: true, Comment: "Lovely robot."})
	if err != nil {
		t.Fatal(err)
	}
	if approved.State != application.StateApproved || approved.AssertionUUID == "" || approved.Approvals != 1 {
		t.Fatalf("approved: %+v", approved)
	}
	// The link took its one decision.
	_, err = application.DecideByLink(ctx, f.db, f.env, review, application.Decision{Approve: true})
	wantProblem(t, err, problem.Conflict, "")

	a, err := issuer.AssertionByUUID(ctx, f.db, approved.AssertionUUID)
	if err != nil {
		t.Fatal(err)
	}
	u := application.URLs{Base: base}
	if len(a.Evidence) != 3 || a.Evidence[0].ID != u.File(app.UUID, app.Files[0].UUID) ||
		a.Evidence[1].ID != u.File(app.UUID, app.Files[1].UUID) || a.Evidence[2].ID != "https://video.example/robot" ||
		!strings.Contains(a.Evidence[0].Narrative, "robot.png") {
		t.Fatalf("evidence: %+v", a.Evidence)
	}
	for _, want := range []string{"**Project title**\n\nLine follower", "It follows a black line.", "**I built it myself**\n\nyes"} {
		if !strings.Contains(a.Narrative, want) {
			t.Errorf("narrative lacks %q:\n%s", want, a.Narrative)
		}
	}
	// The organisation issues 2.0 and 3.0: the credential carries the
	// evidence too.
	cred, _, err := issuer.CredentialJSON(ctx, f.db, a.UUID)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Evidence []struct {
			ID string `json:"id"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal(cred, &doc); err != nil || len(doc.Evidence) < 3 || doc.Evidence[0].ID != a.Evidence[0].ID {
		t.Fatalf("credential evidence: %+v, %v", doc.Evidence, err)
	}

	done := mailTo(t, f.smtp, "ada@example.org", 2)
	if !strings.Contains(done.Subject, "was approved") || !strings.Contains(done.Text, "Lovely robot.") || !strings.Contains(done.Text, "/claim/") {
		t.Fatalf("approval mail: %q\n%s", done.Subject, done.Text)
	}
	claimed, err := issuer.Claim(ctx, f.db, token(t, done.Text))
	if err != nil || claimed.UUID != a.UUID {
		t.Fatalf("claim: %+v, %v", claimed, err)
	}
	// The earner reads the evidence with the applicant link.
	if _, err := application.FileFor(ctx, f.db, application.Viewer{ApplicantToken: token(t, received.Text)}, app.UUID, app.Files[1].UUID); err != nil {
		t.Fatal(err)
	}
	// Only the approval mail announced the badge (no second claim mail).
	time.Sleep(200 * time.Millisecond)
	n := 0
	for _, m := range f.smtp.Messages() {
		if m.To[0] == "ada@example.org" {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("ada got %d mails, want confirmation, receipt and approval", n)
	}
}

// TestRejection: a member with the reviewer role rejects with a comment,
// which the applicant is mailed; a decided application takes no more
// decisions; only admins and reviewers decide, never on their own.
func TestRejection(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, func(in *application.FormInput) { in.Approvals = 2 })
	reviewer := f.member(t, "rev@makers.example", account.RoleReviewer)
	admin := f.member(t, "admin@makers.example", account.RoleAdmin)
	staff := f.member(t, "staff@makers.example", account.RoleStaff)
	stranger := f.member(t, "stranger@elsewhere.example", "")
	app := f.apply(t, form, "bob@example.org", "Bob")

	for _, tc := range []struct {
		name string
		user int64
		d    application.Decision
		kind problem.Kind
	}{
		{"staff may not review", staff.ID, application.Decision{Approve: true}, problem.Forbidden},
		{"nor a stranger", stranger.ID, application.Decision{Approve: true}, problem.Forbidden},
		{"a rejection needs a reason", reviewer.ID, application.Decision{Comment: "  "}, problem.Invalid},
		{"comments are bounded", reviewer.ID, application.Decision{Comment: strings.Repeat("x", 5001)}, problem.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := application.DecideAsMember(ctx, f.db, f.env, tc.user, app.UUID, tc.d)
			wantProblem(t, err, tc.kind, "*")
		})
	}

	// The admin approves: one of two approvals, so it is in review.
	got, err := application.DecideAsMember(ctx, f.db, f.env, admin.ID, app.UUID, application.Decision{Approve: true})
	if err != nil || got.State != application.StateInReview || got.Approvals != 1 {
		t.Fatalf("first approval: %+v, %v", got, err)
	}
	_, err = application.DecideAsMember(ctx, f.db, f.env, admin.ID, app.UUID, application.Decision{Approve: true})
	wantProblem(t, err, problem.Conflict, "")

	// A reviewer's rejection ends it, approvals not reached.
	got, err = application.DecideAsMember(ctx, f.db, f.env, reviewer.ID, app.UUID, application.Decision{Comment: "The photo shows no robot."})
	if err != nil || got.State != application.StateRejected || got.AssertionUUID != "" || got.DecidedAt == nil {
		t.Fatalf("rejected: %+v, %v", got, err)
	}
	mails := f.mails(t, "bob@example.org")
	last := mails[len(mails)-1]
	if !strings.Contains(last.Subject, "not approved") || !strings.Contains(last.Text, "The photo shows no robot.") || last.Link != nil {
		t.Fatalf("rejection mail: %+v", last)
	}
	second := f.member(t, "rev2@makers.example", account.RoleReviewer)
	_, err = application.DecideAsMember(ctx, f.db, f.env, second.ID, app.UUID, application.Decision{Approve: true})
	wantProblem(t, err, problem.Conflict, "")
	var issued int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM assertion WHERE badge_class_id = $1`, f.badge.ID).Scan(&issued); err != nil || issued != 0 {
		t.Fatalf("%d assertions after a rejection, %v", issued, err)
	}

	// A reviewer who applies does not review their own application.
	mine, err := application.Apply(ctx, f.db, f.env, form.Token, func() application.Submission {
		s := submission("", "")
		s.UserID = second.ID
		return s
	}())
	if err != nil || mine.State != application.StateNew {
		t.Fatalf("reviewer's own application: %+v, %v", mine, err)
	}
	_, err = application.DecideAsMember(ctx, f.db, f.env, second.ID, mine.UUID, application.Decision{Approve: true})
	wantProblem(t, err, problem.Forbidden, "")
}

// TestWithdrawal: an account holder with a confirmed address applies
// without a confirmation link, and withdraws; nobody else can, and a
// withdrawn application takes no decisions. One applying by email
// withdraws with the applicant link.
func TestWithdrawal(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	ada := f.member(t, "ada@example.org", "")
	other := f.member(t, "eve@example.org", "")
	reviewer := f.member(t, "rev@makers.example", account.RoleReviewer)
	s := submission("", "")
	s.UserID = ada.ID
	app, err := application.Apply(ctx, f.db, f.env, form.Token, s)
	if err != nil || app.State != application.StateNew || app.Email != "ada@example.org" || app.Name != "ada" {
		t.Fatalf("applied: %+v, %v", app, err)
	}
	mails := f.mails(t, "ada@example.org")
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "was received") || !strings.Contains(mails[0].Text, "/applications/"+app.UUID) {
		t.Fatalf("mails to an account holder: %+v", mails)
	}
	if mine, err := application.Mine(ctx, f.db, ada.ID); err != nil || len(mine) != 1 || mine[0].UUID != app.UUID {
		t.Fatalf("mine: %+v, %v", mine, err)
	}

	_, err = application.Withdraw(ctx, f.db, application.Viewer{UserID: other.ID}, app.UUID)
	wantProblem(t, err, problem.Forbidden, "")
	_, err = application.Withdraw(ctx, f.db, application.Viewer{UserID: reviewer.ID}, app.UUID)
	wantProblem(t, err, problem.Forbidden, "")
	got, err := application.Withdraw(ctx, f.db, application.Viewer{UserID: ada.ID}, app.UUID)
	if err != nil || got.State != application.StateWithdrawn {
		t.Fatalf("withdrawn: %+v, %v", got, err)
	}
	_, err = application.Withdraw(ctx, f.db, application.Viewer{UserID: ada.ID}, app.UUID)
	wantProblem(t, err, problem.Conflict, "")
	_, err = application.DecideAsMember(ctx, f.db, f.env, reviewer.ID, app.UUID, application.Decision{Approve: true})
	wantProblem(t, err, problem.Conflict, "")
	// Withdrawn, she may apply again.
	if _, err := application.Apply(ctx, f.db, f.env, form.Token, s); err != nil {
		t.Fatalf("apply again: %v", err)
	}

	byMail := f.apply(t, form, "bob@example.org", "Bob")
	mails = f.mails(t, "bob@example.org")
	link := f.mint(t, mails[len(mails)-1])
	if got, err := application.Withdraw(ctx, f.db, application.Viewer{ApplicantToken: token(t, link)}, byMail.UUID); err != nil || got.State != application.StateWithdrawn {
		t.Fatalf("withdrawn by link: %+v, %v", got, err)
	}
}

// TestPeerReview: applicants of a peer-reviewed form review each other,
// never themselves; peers' rejections count but do not end an
// application alone, and approvals from peers and members add up.
func TestPeerReview(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, func(in *application.FormInput) { in.PeerReview, in.Approvals = true, 2 })
	ann := f.apply(t, form, "ann@example.org", "Ann")
	if n := len(f.mails(t, "ann@example.org")); n != 2 {
		t.Fatalf("the first applicant got %d mails, want confirmation and receipt (no peers yet)", n)
	}
	ben := f.apply(t, form, "ben@example.org", "Ben")
	cat := f.apply(t, form, "cat@example.org", "Cat")

	// Who reviews whom, by the links made.
	rows, err := f.db.Query(ctx, `SELECT t.email, p.email FROM review_link l JOIN application t ON t.id = l.application_id
		JOIN application p ON p.id = l.peer_application_id ORDER BY l.id`)
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]bool{}
	for rows.Next() {
		var target, peer string
		if err := rows.Scan(&target, &peer); err != nil {
			t.Fatal(err)
		}
		if target == peer {
			t.Errorf("%s reviews their own application", peer)
		}
		pairs[peer+" reviews "+target] = true
	}
	rows.Close()
	for _, want := range []string{"ann@example.org reviews ben@example.org", "ben@example.org reviews ann@example.org",
		"ann@example.org reviews cat@example.org", "ben@example.org reviews cat@example.org",
		"cat@example.org reviews ann@example.org", "cat@example.org reviews ben@example.org"} {
		if !pairs[want] {
			t.Errorf("missing: %s (have %v)", want, pairs)
		}
	}

	// Each peer got a mail with a link for each application to review.
	linkFor := func(peer string, target application.Application) string {
		t.Helper()
		for _, m := range f.mails(t, peer) {
			if m.Link == nil || m.Link.Kind != application.LinkReview {
				continue
			}
			link, err := links(f.db)[m.Link.Kind](ctx, m.Link.ID)
			if err != nil {
				continue // used, or its application decided
			}
			tok := token(t, link)
			if a, _, err := application.ByReviewLink(ctx, f.db, tok); err == nil && a.UUID == target.UUID {
				return tok
			}
		}
		t.Fatalf("%s has no review link for %s", peer, target.Email)
		return ""
	}
	// A peer sees the application but not the applicant's address.
	if seen, _, err := application.ByReviewLink(ctx, f.db, linkFor("ann@example.org", ben)); err != nil || seen.Email != "" || seen.Name != "Ben" {
		t.Fatalf("a peer sees %+v, %v", seen, err)
	}
	if seen, acc, err := application.View(ctx, f.db, application.Viewer{ReviewToken: linkFor("ann@example.org", ben)}, ben.UUID); err != nil ||
		seen.Email != "" || !acc.Peer {
		t.Fatalf("a peer views %+v %+v, %v", seen, acc, err)
	}
	// Ann rejects Ben's: one peer rejection of the two it takes.
	got, err := application.DecideByLink(ctx, f.db, f.env, linkFor("ann@example.org", ben), application.Decision{Comment: "No video."})
	if err != nil || got.State != application.StateInReview || got.Rejections != 1 {
		t.Fatalf("after a peer's rejection: %+v, %v", got, err)
	}
	// Cat approves it, and so does a member: two approvals issue it.
	if got, err = application.DecideByLink(ctx, f.db, f.env, linkFor("cat@example.org", ben), application.Decision{Approve: true}); err != nil ||
		got.State != application.StateInReview {
		t.Fatalf("after a peer's approval: %+v, %v", got, err)
	}
	admin := f.member(t, "admin@makers.example", account.RoleAdmin)
	if got, err = application.DecideAsMember(ctx, f.db, f.env, admin.ID, ben.UUID, application.Decision{Approve: true}); err != nil ||
		got.State != application.StateApproved || got.AssertionUUID == "" || got.Approvals != 2 {
		t.Fatalf("after the second approval: %+v, %v", got, err)
	}
	// Two peers rejecting Cat's end it.
	if got, err = application.DecideByLink(ctx, f.db, f.env, linkFor("ann@example.org", cat), application.Decision{Comment: "Not a robot."}); err != nil ||
		got.State != application.StateInReview {
		t.Fatalf("cat after one rejection: %+v, %v", got, err)
	}
	if got, err = application.DecideByLink(ctx, f.db, f.env, linkFor("ben@example.org", cat), application.Decision{Comment: "Agreed."}); err != nil ||
		got.State != application.StateRejected {
		t.Fatalf("cat after two rejections: %+v, %v", got, err)
	}
	// Ann's is still open: the links to it work.
	if _, _, err = application.ByReviewLink(ctx, f.db, linkFor("cat@example.org", ann)); err != nil {
		t.Fatal(err)
	}
}
