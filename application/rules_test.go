package application_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
)

func TestTemplateRules(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	text := func(key string) application.Field {
		return application.Field{Key: key, Kind: application.KindText, Label: "Question " + key}
	}
	for _, tc := range []struct {
		name   string
		in     application.TemplateInput
		field  string
		expect func(application.Template) bool
	}{
		{"no name", application.TemplateInput{Fields: []application.Field{text("a")}}, "name", nil},
		{"no fields", application.TemplateInput{Name: "T"}, "fields", nil},
		{"unknown kind", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: "date", Label: "When"}}}, "fields[0].kind", nil},
		{"no label", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: application.KindText}}}, "fields[0].label", nil},
		{"label on two lines", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: application.KindText, Label: "a\nb"}}}, "fields[0].label", nil},
		{"same key twice", application.TemplateInput{Name: "T", Fields: []application.Field{text("a"), text("a")}}, "fields[1].key", nil},
		{"bad key", application.TemplateInput{Name: "T", Fields: []application.Field{text("A B")}}, "fields[0].key", nil},
		{"file too large", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: application.KindFile, Label: "F", MaxBytes: 11 << 20}}}, "fields[0].maxBytes", nil},
		{"html allowed", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: application.KindFile, Label: "F", Types: []string{"text/html"}}}}, "fields[0].types[0]", nil},
		{"svg allowed", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: application.KindFile, Label: "F", Types: []string{"image/svg+xml"}}}}, "fields[0].types[0]", nil},
		{"types on a text field", application.TemplateInput{Name: "T", Fields: []application.Field{{Kind: application.KindText, Label: "F", Types: []string{"image/png"}}}}, "fields[0].kind", nil},
		{"too many files", application.TemplateInput{Name: "T", Fields: []application.Field{
			{Kind: application.KindFile, Label: "A", MaxFiles: 5}, {Kind: application.KindFile, Label: "B", MaxFiles: 5}, {Kind: application.KindFile, Label: "C"}}}, "fields", nil},
		{"defaults", application.TemplateInput{Name: " T ", Fields: []application.Field{{Kind: application.KindFile, Label: " Photo "}}}, "", func(tm application.Template) bool {
			fl := tm.Fields[0]
			return tm.Name == "T" && fl.Label == "Photo" && fl.Key != "" && fl.MaxBytes == application.DefaultFileBytes && fl.MaxFiles == 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, err := application.CreateTemplate(ctx, f.db, f.org.ID, tc.in)
			if tc.field != "" {
				wantProblem(t, err, problem.Invalid, tc.field)
				return
			}
			if err != nil || !tc.expect(tm) {
				t.Fatalf("%+v, %v", tm, err)
			}
		})
	}
	// Another organisation's template is not found.
	_, err := application.TemplateByID(ctx, f.db, f.org.ID+1000, f.tmpl.ID)
	wantProblem(t, err, problem.NotFound, "")
	_, err = application.CreateForm(ctx, f.db, f.org.ID, application.FormInput{BadgeUUID: f.badge.UUID, TemplateID: f.tmpl.ID + 1000, Title: "X"})
	wantProblem(t, err, problem.Invalid, "template")
	_, err = application.CreateForm(ctx, f.db, f.org.ID, application.FormInput{BadgeUUID: f.badge.UUID, TemplateID: f.tmpl.ID, Title: "X", Approvals: 11})
	wantProblem(t, err, problem.Invalid, "approvals")
	// Another organisation's badge is not one to build a form for.
	other, err := issuer.CreateOrganisation(ctx, f.db, issuer.NewOrganisation{Slug: "noemail", Name: "No Email", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = application.CreateForm(ctx, f.db, other.ID, application.FormInput{BadgeUUID: f.badge.UUID, TemplateID: f.tmpl.ID, Title: "X"})
	wantProblem(t, err, problem.Invalid, "badge")
	// An issuer without an address could never issue the badge on approval.
	b, err := issuer.CreateBadgeClass(ctx, f.db, account.NodeActor(), other.ID, issuer.BadgeInput{Name: "B", Description: "B.", Image: pngBytes, CriteriaNarrative: "B."})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := application.CreateTemplate(ctx, f.db, other.ID, application.TemplateInput{Name: "T", Fields: []application.Field{text("a")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = application.CreateForm(ctx, f.db, other.ID, application.FormInput{BadgeUUID: b.UUID, TemplateID: tm.ID, Title: "X"})
	wantProblem(t, err, problem.Conflict, "email")
	// Deleting the template leaves its forms.
	form := f.form(t, nil)
	if err := application.DeleteTemplate(ctx, f.db, f.org.ID, f.tmpl.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := application.FormByUUID(ctx, f.db, f.org.ID, form.UUID); err != nil || len(got.Fields) != 5 {
		t.Fatalf("form after its template went: %+v, %v", got, err)
	}
}

// TestAnswerRules: answers are checked against the form, and files by
// the bytes they hold, whatever their names say.
func TestAnswerRules(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)
	mz := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...)
	file := func(name string, data []byte) func(*application.Submission) {
		return func(s *application.Submission) { s.Files["photo"] = []application.Upload{{Name: name, Data: data}} }
	}
	for _, tc := range []struct {
		name  string
		edit  func(*application.Submission)
		field string
	}{
		{"no email", func(s *application.Submission) { s.Email = "" }, "email"},
		{"bad email", func(s *application.Submission) { s.Email = "ada at example.org" }, "email"},
		{"required text missing", func(s *application.Submission) { delete(s.Answers, "title") }, "answers.title"},
		{"text on two lines", func(s *application.Submission) { s.Answers["title"] = "a\nb" }, "answers.title"},
		{"text too long", func(s *application.Submission) {
			s.Answers["title"] = strings.Repeat("é", application.MaxTextAnswer+1)
		}, "answers.title"},
		{"long text too long", func(s *application.Submission) { s.Answers["story"] = strings.Repeat("x", application.MaxLongAnswer+1) }, "answers.story"},
		{"invalid UTF-8", func(s *application.Submission) { s.Answers["story"] = "\xff\xfe" }, "answers.story"},
		{"javascript link", func(s *application.Submission) { s.Answers["video"] = "javascript:alert(1)" }, "answers.video"},
		{"ftp link", func(s *application.Submission) { s.Answers["video"] = "ftp://video.example/robot" }, "answers.video"},
		{"link to localhost", func(s *application.Submission) { s.Answers["video"] = "http://localhost:8080/x" }, "answers.video"},
		{"link to a private network", func(s *application.Submission) { s.Answers["video"] = "http://10.1.2.3/x" }, "answers.video"},
		{"link with credentials", func(s *application.Submission) { s.Answers["video"] = "https://u:p@video.example/" }, "answers.video"},
		{"checkbox not ticked", func(s *application.Submission) { s.Answers["own"] = "no" }, "answers.own"},
		{"checkbox nonsense", func(s *application.Submission) { s.Answers["own"] = "maybe" }, "answers.own"},
		{"unknown question", func(s *application.Submission) { s.Answers["extra"] = "x" }, "answers.extra"},
		{"text for a file field", func(s *application.Submission) { s.Answers["photo"] = "x" }, "answers.photo"},
		{"file for a text field", func(s *application.Submission) {
			s.Files["title"] = []application.Upload{{Name: "a.png", Data: pngBytes}}
		}, "files.title"},
		{"required file missing", func(s *application.Submission) { delete(s.Files, "photo") }, "files.photo"},
		{"too many files", func(s *application.Submission) {
			s.Files["photo"] = append(s.Files["photo"], application.Upload{Name: "c.png", Data: pngBytes})
		}, "files.photo"},
		{"file too large", file("big.pdf", append([]byte(pdfBytes), make([]byte, 1<<20)...)), "files.photo[0]"},
		{"empty file", file("a.pdf", nil), "files.photo[0]"},
		{"html", file("photo.png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")), "files.photo[0]"},
		{"svg with script", file("robot.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)), "files.photo[0]"},
		{"svg with declaration", file("robot.txt", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)), "files.photo[0]"},
		{"markup after spaces", file("notes.txt", []byte("\n\n  <body onload=alert(1)>")), "files.photo[0]"},
		{"ELF executable", file("robot.pdf", elf), "files.photo[0]"},
		{"Windows executable", file("robot.pdf", mz), "files.photo[0]"},
		{"jpeg where the field takes png, pdf, text", file("a.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")), "files.photo[0]"},
		{"plain text is fine", file("notes.txt", []byte("I soldered the motor driver myself.\n")), ""},
		{"a pdf alone is fine", file("../../etc/report.pdf", []byte(pdfBytes)), ""},
		{"no optional answers is fine", func(s *application.Submission) { delete(s.Answers, "story"); delete(s.Answers, "video") }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := submission(fmt.Sprintf("a%d@example.org", time.Now().UnixNano()), "Ada")
			tc.edit(&s)
			a, err := application.Apply(ctx, f.db, f.env, form.Token, s)
			if tc.field != "" {
				wantProblem(t, err, problem.Invalid, tc.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, file := range a.Files {
				if strings.ContainsAny(file.Name, `/\`) || !strings.Contains("image/png application/pdf text/plain; charset=utf-8", file.ContentType) {
					t.Fatalf("stored file %+v", file)
				}
			}
		})
	}
}

// TestFormWindow: a form takes applications only between its dates;
// listing on the organisation's page follows listed and the end date.
func TestFormWindow(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name         string
		opens, close *time.Time
		listed       bool
		open, shown  bool
	}{
		{"always open", nil, nil, true, true, true},
		{"opens later", &future, nil, true, false, true},
		{"closed", nil, &past, true, false, false},
		{"open now, link only", &past, &future, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := f.form(t, func(in *application.FormInput) {
				in.OpensAt, in.ClosesAt, in.Listed, in.Title = tc.opens, tc.close, tc.listed, tc.name
			})
			_, err := application.Apply(ctx, f.db, f.env, form.Token, submission("ada@example.org", "Ada"))
			if tc.open {
				if err != nil {
					t.Fatal(err)
				}
				_, _ = f.db.Exec(ctx, `DELETE FROM application`)
			} else {
				wantProblem(t, err, problem.Conflict, "")
			}
			listed, err := application.Forms(ctx, f.db, f.org.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			shown := false
			for _, l := range listed {
				shown = shown || l.UUID == form.UUID
			}
			if shown != tc.shown {
				t.Fatalf("listed: %v, want %v", shown, tc.shown)
			}
		})
	}
	_, err := application.Apply(ctx, f.db, f.env, "no-such-form", submission("ada@example.org", "Ada"))
	wantProblem(t, err, problem.NotFound, "")
	// An archived badge takes no applications.
	archived := f.form(t, nil)
	if _, err := issuer.ArchiveBadgeClass(ctx, f.db, account.NodeActor(), f.org.ID, f.badge.UUID, true); err != nil {
		t.Fatal(err)
	}
	_, err = application.Apply(ctx, f.db, f.env, archived.Token, submission("ada@example.org", "Ada"))
	wantProblem(t, err, problem.Conflict, "")
	if _, err := issuer.ArchiveBadgeClass(ctx, f.db, account.NodeActor(), f.org.ID, f.badge.UUID, false); err != nil {
		t.Fatal(err)
	}
	// Closing an open form with UpdateForm stops applications.
	form := f.form(t, nil)
	if _, err := application.UpdateForm(ctx, f.db, f.org.ID, form.UUID, application.FormInput{Title: form.Title, ClosesAt: &past, Approvals: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = application.Apply(ctx, f.db, f.env, form.Token, submission("ada@example.org", "Ada"))
	wantProblem(t, err, problem.Conflict, "")
}

// TestAbuseLimits: applications per address and per client address in an
// hour, and one open application per address and form.
func TestAbuseLimits(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	forms := make([]application.Form, application.MaxPerEmailHour+1)
	for i := range forms {
		forms[i] = f.form(t, func(in *application.FormInput) { in.Title = fmt.Sprintf("Form %d", i) })
	}
	_, err := application.Apply(ctx, f.db, f.env, forms[0].Token, submission("ada@example.org", "Ada"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = application.Apply(ctx, f.db, f.env, forms[0].Token, submission("ADA@example.org", "Ada"))
	wantProblem(t, err, problem.Conflict, "email")
	for i := 1; i < application.MaxPerEmailHour; i++ {
		if _, err := application.Apply(ctx, f.db, f.env, forms[i].Token, submission("ada@example.org", "Ada")); err != nil {
			t.Fatalf("application %d: %v", i+1, err)
		}
	}
	_, err = application.Apply(ctx, f.db, f.env, forms[application.MaxPerEmailHour].Token, submission("ada@example.org", "Ada"))
	wantProblem(t, err, problem.TooMany, "email")
	if n := len(f.mails(t, "ada@example.org")); n != application.MaxPerEmailHour {
		t.Fatalf("%d confirmation mails, want %d", n, application.MaxPerEmailHour)
	}

	for i := range application.MaxPerSourceHour {
		s := submission(fmt.Sprintf("p%d@example.org", i), "")
		s.Source = "198.51.100.7"
		if _, err := application.Apply(ctx, f.db, f.env, forms[0].Token, s); err != nil {
			t.Fatalf("application %d from one address: %v", i+1, err)
		}
	}
	s := submission("late@example.org", "")
	s.Source = "198.51.100.7"
	_, err = application.Apply(ctx, f.db, f.env, forms[0].Token, s)
	wantProblem(t, err, problem.TooMany, "")
	s.Source = "198.51.100.8"
	if _, err := application.Apply(ctx, f.db, f.env, forms[0].Token, s); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// TestUnconfirmedExpire: an unconfirmed application's link stops working
// after ConfirmLifetime and the application is deleted.
func TestUnconfirmedExpire(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	a, err := application.Apply(ctx, f.db, f.env, form.Token, submission("ada@example.org", "Ada"))
	if err != nil {
		t.Fatal(err)
	}
	keep := f.apply(t, form, "bob@example.org", "Bob")
	link := f.mint(t, f.mails(t, "ada@example.org")[0])
	if _, err := f.db.Exec(ctx, `UPDATE application SET confirm_expires_at = now() - interval '1 second' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = application.Confirm(ctx, f.db, f.env, token(t, link))
	wantProblem(t, err, problem.NotFound, "")
	if _, err := links(f.db)[application.LinkConfirm](ctx, a.ID); !errors.Is(err, mail.ErrLinkGone) {
		t.Fatalf("minting an expired link: %v", err)
	}
	n, err := application.ExpireUnconfirmed(ctx, f.db)
	if err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	var left []string
	rows, _ := f.db.Query(ctx, `SELECT email FROM application`)
	for rows.Next() {
		var e string
		_ = rows.Scan(&e)
		left = append(left, e)
	}
	if len(left) != 1 || left[0] != keep.Email {
		t.Fatalf("left: %v", left)
	}
}

// TestConcurrentApprovals: reviewers approving the same application at
// the same moment issue the badge once; the others are told it is decided.
func TestConcurrentApprovals(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	var reviewers []account.User
	for i := range 3 {
		reviewers = append(reviewers, f.member(t, fmt.Sprintf("rev%d@makers.example", i), account.RoleReviewer))
	}
	if _, err := application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "rita@reviewers.example", "", 0); err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		app := f.apply(t, form, fmt.Sprintf("c%d@example.org", round), "")
		mails := f.mails(t, "rita@reviewers.example")
		link := token(t, f.mint(t, mails[len(mails)-1]))
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, len(reviewers)+1)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i == len(reviewers) {
					_, errs[i] = application.DecideByLink(ctx, f.db, f.env, link, application.Decision{Approve: true})
					return
				}
				_, errs[i] = application.DecideAsMember(ctx, f.db, f.env, reviewers[i].ID, app.UUID, application.Decision{Approve: true})
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !problem.Is(err, problem.Conflict):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		var issued int
		if err := f.db.QueryRow(ctx, `SELECT count(*) FROM assertion a JOIN application p ON p.assertion_id = a.id WHERE p.id = $1`,
			app.ID).Scan(&issued); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || issued != 1 {
			t.Fatalf("round %d: %d decisions taken, %d badges issued; want 1 and 1", round, ok, issued)
		}
	}
	var total int
	if err := f.db.QueryRow(ctx, `SELECT count(*) FROM assertion WHERE badge_class_id = $1`, f.badge.ID).Scan(&total); err != nil || total != 4 {
		t.Fatalf("%d assertions for 4 applications, %v", total, err)
	}
}

// TestReviewLinkReuse: a review link takes one decision, even when used
// twice at once.
func TestReviewLinkReuse(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, func(in *application.FormInput) { in.Approvals = 3 })
	if _, err := application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "rita@reviewers.example", "", 0); err != nil {
		t.Fatal(err)
	}
	app := f.apply(t, form, "ada@example.org", "Ada")
	link := token(t, f.mint(t, f.mails(t, "rita@reviewers.example")[0]))
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = application.DecideByLink(ctx, f.db, f.env, link, application.Decision{Approve: true})
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !problem.Is(err, problem.Conflict) {
			t.Fatal(err)
		}
	}
	got, _, err := application.View(ctx, f.db, application.Viewer{UserID: f.member(t, "admin@makers.example", account.RoleAdmin).ID}, app.UUID)
	if err != nil || ok != 1 || got.Approvals != 1 || got.State != application.StateInReview {
		t.Fatalf("%d uses taken; application %+v, %v", ok, got, err)
	}
	// Used, the link no longer shows the application or its files.
	_, _, err = application.ByReviewLink(ctx, f.db, link)
	wantProblem(t, err, problem.NotFound, "")
	_, err = application.FileFor(ctx, f.db, application.Viewer{ReviewToken: link}, app.UUID, app.Files[0].UUID)
	wantProblem(t, err, problem.Forbidden, "")
	// Nor is it minted again.
	if _, err := links(f.db)[application.LinkReview](ctx, f.mails(t, "rita@reviewers.example")[0].Link.ID); !errors.Is(err, mail.ErrLinkGone) {
		t.Fatalf("minting a used link: %v", err)
	}
}

// TestFileAccess: evidence files are the applicant's and the reviewers'.
func TestFileAccess(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	applicant := f.member(t, "ada@example.org", "")
	s := submission("", "")
	s.UserID = applicant.ID
	app, err := application.Apply(ctx, f.db, f.env, form.Token, s)
	if err != nil {
		t.Fatal(err)
	}
	file := app.Files[1].UUID
	for _, tc := range []struct {
		name string
		v    application.Viewer
		ok   bool
	}{
		{"the applicant", application.Viewer{UserID: applicant.ID}, true},
		{"a reviewer", application.Viewer{UserID: f.member(t, "rev@makers.example", account.RoleReviewer).ID}, true},
		{"an admin", application.Viewer{UserID: f.member(t, "admin@makers.example", account.RoleAdmin).ID}, true},
		{"staff", application.Viewer{UserID: f.member(t, "staff@makers.example", account.RoleStaff).ID}, false},
		{"someone else", application.Viewer{UserID: f.member(t, "eve@example.org", "").ID}, false},
		{"nobody", application.Viewer{}, false},
		{"a made-up applicant link", application.Viewer{ApplicantToken: "made-up-made-up-made-up-made-up"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := application.FileFor(ctx, f.db, tc.v, app.UUID, file)
			if !tc.ok {
				wantProblem(t, err, problem.Forbidden, "")
				return
			}
			if err != nil || got.ContentType != "application/pdf" || string(got.Data) != pdfBytes || got.Disposition() != `attachment; filename=report.pdf` {
				t.Fatalf("%+v %q, %v", got.FileInfo, got.Disposition(), err)
			}
		})
	}
	_, err = application.FileFor(ctx, f.db, application.Viewer{UserID: applicant.ID}, app.UUID, "00000000-0000-0000-0000-000000000000")
	wantProblem(t, err, problem.NotFound, "")
}

// TestListAndCSV: the organisation's list filters by state, badge, form
// and dates; the CSV has a column per question of one form, and no cell
// a spreadsheet would run.
func TestListAndCSV(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	other := f.form(t, func(in *application.FormInput) { in.Title = "Second round" })
	admin := f.member(t, "admin@makers.example", account.RoleAdmin)
	a := f.apply(t, form, "ann@example.org", "=HYPERLINK(\"http://evil.example\")")
	b := f.apply(t, form, "ben@example.org", "Ben")
	c := f.apply(t, other, "cat@example.org", "Cat")
	if _, err := application.DecideAsMember(ctx, f.db, f.env, admin.ID, b.UUID, application.Decision{Approve: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := application.Apply(ctx, f.db, f.env, form.Token, submission("unconfirmed@example.org", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(ctx, `UPDATE application SET submitted_at = now() - interval '10 days' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	weekAgo, later := time.Now().Add(-7*24*time.Hour), time.Now().Add(time.Hour)
	ids := func(list []application.Application) string {
		var out []string
		for _, x := range list {
			out = append(out, x.Email)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		name string
		f    application.Filter
		want string
	}{
		{"all", application.Filter{}, "ben@example.org ann@example.org cat@example.org"},
		{"new", application.Filter{State: application.StateNew}, "ann@example.org cat@example.org"},
		{"approved", application.Filter{State: application.StateApproved}, "ben@example.org"},
		{"one form", application.Filter{FormUUID: other.UUID}, "cat@example.org"},
		{"the badge", application.Filter{BadgeUUID: f.badge.UUID}, "ben@example.org ann@example.org cat@example.org"},
		{"this week", application.Filter{From: &weekAgo, To: &later}, "ben@example.org ann@example.org"},
		{"before this week", application.Filter{To: &weekAgo}, "cat@example.org"},
		{"paged", application.Filter{Limit: 1, Offset: 1}, "ann@example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := application.List(ctx, f.db, f.org.ID, tc.f)
			if err != nil || ids(list) != tc.want {
				t.Fatalf("got %q, want %q (%v)", ids(list), tc.want, err)
			}
		})
	}
	for _, bad := range []struct {
		f     application.Filter
		field string
	}{
		{application.Filter{State: "unconfirmed"}, "state"},
		{application.Filter{BadgeUUID: "robots"}, "badge"},
		{application.Filter{From: &later, To: &weekAgo}, "to"},
		{application.Filter{Limit: 501}, "limit"},
	} {
		_, err := application.List(ctx, f.db, f.org.ID, bad.f)
		wantProblem(t, err, problem.Invalid, bad.field)
	}
	if list, err := application.List(ctx, f.db, f.org.ID+1000, application.Filter{}); err != nil || len(list) != 0 {
		t.Fatalf("another organisation sees %d, %v", len(list), err)
	}

	var buf bytes.Buffer
	if err := application.WriteCSV(ctx, f.db, &buf, f.org.ID, application.Filter{FormUUID: form.UUID}); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := strings.Join(records[0], "|")
	if head != "id|form|badge|name|email|state|submitted|decided|approvals|rejections|assertion|Project title|What did you build?|Photos or report|Video|I built it myself" {
		t.Fatalf("header: %s", head)
	}
	if len(records) != 3 || records[1][4] != "ben@example.org" || records[1][5] != "approved" || records[1][8] != "1" || records[1][10] == "" ||
		records[2][3] != `'=HYPERLINK("http://evil.example")` || records[2][11] != "Line follower" || records[2][13] != "2 file(s)" || records[2][15] != "yes" {
		t.Fatalf("rows: %q", records[1:])
	}
	buf.Reset()
	if err := application.WriteCSV(ctx, f.db, &buf, f.org.ID, application.Filter{State: application.StateNew}); err != nil {
		t.Fatal(err)
	}
	records, err = csv.NewReader(&buf).ReadAll()
	if err != nil || len(records) != 3 || records[0][11] != "answers" || !strings.Contains(records[1][11], "Project title: Line follower") {
		t.Fatalf("all forms: %q, %v", records, err)
	}
	_ = a
}

// TestReviewers: an external reviewer added later is invited to the
// applications already waiting; one address reviews a form once; a
// removed reviewer's links stop working.
func TestReviewers(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	app := f.apply(t, form, "ada@example.org", "Ada")
	r, err := application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, " Rita@Reviewers.example ", "Rita", 0)
	if err != nil || r.Email != "rita@reviewers.example" {
		t.Fatalf("added %+v, %v", r, err)
	}
	invites := f.mails(t, "rita@reviewers.example")
	if len(invites) != 1 {
		t.Fatalf("%d invitations, want 1 for the waiting application", len(invites))
	}
	seen, _, err := application.ByReviewLink(ctx, f.db, token(t, f.mint(t, invites[0])))
	if err != nil || seen.UUID != app.UUID {
		t.Fatalf("invitation shows %+v, %v", seen, err)
	}
	_, err = application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "RITA@reviewers.example", "", 0)
	wantProblem(t, err, problem.Conflict, "email")
	_, err = application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "rita", "", 0)
	wantProblem(t, err, problem.Invalid, "email")
	_, err = application.AddReviewer(ctx, f.db, f.env, f.org.ID+1000, form.UUID, "sam@reviewers.example", "", 0)
	wantProblem(t, err, problem.NotFound, "")
	if list, err := application.Reviewers(ctx, f.db, f.org.ID, form.UUID); err != nil || len(list) != 1 {
		t.Fatalf("reviewers: %+v, %v", list, err)
	}
	if err := application.RemoveReviewer(ctx, f.db, f.org.ID, form.UUID, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := links(f.db)[application.LinkReview](ctx, invites[0].Link.ID); !errors.Is(err, mail.ErrLinkGone) {
		t.Fatalf("a removed reviewer's link: %v", err)
	}
	// New applications invite no removed reviewer.
	f.apply(t, form, "bob@example.org", "Bob")
	if n := len(f.mails(t, "rita@reviewers.example")); n != 1 {
		t.Fatalf("%d invitations after removal", n)
	}
	// A reviewer who applies is not invited to review their own.
	if _, err := application.AddReviewer(ctx, f.db, f.env, f.org.ID, form.UUID, "sam@reviewers.example", "", 0); err != nil {
		t.Fatal(err)
	}
	f.apply(t, form, "sam@reviewers.example", "Sam")
	for _, m := range f.mails(t, "sam@reviewers.example") {
		if m.Link != nil && m.Link.Kind == application.LinkReview {
			if a, _, err := application.ByReviewLink(ctx, f.db, token(t, f.mint(t, m))); err != nil || a.Email == "sam@reviewers.example" {
				t.Fatalf("sam reviews %+v, %v", a, err)
			}
		}
	}
}

// TestAccountHolderWithUnconfirmedAddress confirms by email like anyone.
func TestAccountHolderWithUnconfirmedAddress(t *testing.T) {
	f := setup(t, false)
	ctx := context.Background()
	form := f.form(t, nil)
	u := f.member(t, "ada@example.org", "")
	if _, err := f.db.Exec(ctx, `UPDATE app_user SET email_verified = false WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	s := submission("someone-else@example.org", "")
	s.UserID = u.ID
	a, err := application.Apply(ctx, f.db, f.env, form.Token, s)
	if err != nil || a.State != application.StateUnconfirmed || a.Email != "ada@example.org" {
		t.Fatalf("applied: %+v, %v", a, err)
	}
	mails := f.mails(t, "ada@example.org")
	if len(mails) != 1 || mails[0].Link == nil || mails[0].Link.Kind != application.LinkConfirm || len(f.mails(t, "someone-else@example.org")) != 0 {
		t.Fatalf("mails: %+v", mails)
	}
	if a, err = application.Confirm(ctx, f.db, f.env, token(t, f.mint(t, mails[0]))); err != nil || a.State != application.StateNew {
		t.Fatalf("confirmed: %+v, %v", a, err)
	}
}
