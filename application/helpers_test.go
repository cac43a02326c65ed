package application_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/jobs"
	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/testkit/smtptest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// base is a loopback origin, as test nodes have: the evidence ids of
// issued badges are on it.
var base = &url.URL{Scheme: "http", Host: "127.0.0.2:8080"}

type fixture struct {
	db     *pgxpool.Pool
	env    application.Env
	org    issuer.Organisation
	badge  issuer.BadgeClass
	tmpl   application.Template
	smtp   *smtptest.Server // nil unless started with mail
	client *jobs.Client
}

// links are the mail link makers the node wires for this package's mails.
func links(db *pgxpool.Pool) map[string]mail.LinkMaker {
	u := application.URLs{Base: base}
	return map[string]mail.LinkMaker{
		application.LinkConfirm:   application.ConfirmLinks(db, u),
		application.LinkApplicant: application.ApplicantLinks(db, u),
		application.LinkReview:    application.ReviewLinks(db, u),
		issuer.LinkClaim:          issuer.ClaimLinks(db, issuer.URLs{Base: base}),
	}
}

// setup makes an organisation with a badge and a template. With sending,
// a River client sends the queued mail to a real SMTP server; without,
// mail jobs stay queued in river_job for the test to read.
func setup(t *testing.T, sending bool) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: testkit.DB(t)}
	cfg := jobs.Config{InsertOnly: true}
	if sending {
		f.smtp = smtptest.New(t)
		sender, err := mail.New(mail.Config{URL: f.smtp.URL(), From: "laurel@laurel.test"})
		if err != nil {
			t.Fatal(err)
		}
		cfg = jobs.Config{MaxWorkers: 2, FetchCooldown: 10 * time.Millisecond, Mail: sender, MailLinks: links(f.db)}
	}
	client, err := jobs.NewClient(f.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sending {
		if err := client.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Stop(context.Background()) })
	}
	f.client = client
	f.env = application.Env{Queue: client, URLs: application.URLs{Base: base}, Issuer: issuer.URLs{Base: base}}
	if f.org, err = issuer.CreateOrganisation(ctx, f.db, issuer.NewOrganisation{
		Slug: "makers", Name: "Makers Guild", Country: "FI", URL: "https://makers.example", Email: "badges@makers.example",
	}); err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	if f.badge, err = issuer.CreateBadgeClass(ctx, f.db, account.NodeActor(), f.org.ID, issuer.BadgeInput{
		Name: "Robot builder", Description: "Builds a working robot.", Image: png, CriteriaNarrative: "Build a robot and show it.",
	}); err != nil {
		t.Fatal(err)
	}
	if f.tmpl, err = application.CreateTemplate(ctx, f.db, f.org.ID, application.TemplateInput{Name: "Project", Fields: []application.Field{
		{Key: "title", Kind: application.KindText, Label: "Project title", Required: true},
		{Key: "story", Kind: application.KindLongText, Label: "What did you build?", Help: "A few paragraphs."},
		{Key: "photo", Kind: application.KindFile, Label: "Photos or report", Required: true, MaxBytes: 1 << 20, MaxFiles: 2,
			Types: []string{"image/png", "application/pdf", "text/plain"}},
		{Key: "video", Kind: application.KindLink, Label: "Video"},
		{Key: "own", Kind: application.KindCheckbox, Label: "I built it myself", Required: true},
	}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// form publishes a form from the fixture's template.
func (f *fixture) form(t *testing.T, edit func(*application.FormInput)) application.Form {
	t.Helper()
	in := application.FormInput{BadgeUUID: f.badge.UUID, TemplateID: f.tmpl.ID, Title: "Apply for Robot builder", Listed: true, Approvals: 1}
	if edit != nil {
		edit(&in)
	}
	form, err := application.CreateForm(context.Background(), f.db, f.org.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return form
}

var pngBytes = func() []byte {
	b, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		panic(err)
	}
	return b
}()

const pdfBytes = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// submission is a valid answer to the fixture's template.
func submission(email, name string) application.Submission {
	return application.Submission{
		Email: email, Name: name,
		Answers: map[string]string{"title": "Line follower", "story": "It follows a black line.", "video": "https://video.example/robot", "own": "yes"},
		Files:   map[string][]application.Upload{"photo": {{Name: "robot.png", Data: pngBytes}, {Name: "report.pdf", Data: []byte(pdfBytes)}}},
	}
}

// apply sends a valid application and confirms it through the link the
// mail worker would mint.
func (f *fixture) apply(t *testing.T, form application.Form, email, name string) application.Application {
	t.Helper()
	ctx := context.Background()
	a, err := application.Apply(ctx, f.db, f.env, form.Token, submission(email, name))
	if err != nil {
		t.Fatal(err)
	}
	link, err := links(f.db)[application.LinkConfirm](ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = application.Confirm(ctx, f.db, f.env, token(t, link)); err != nil {
		t.Fatal(err)
	}
	return a
}

var tokenPattern = regexp.MustCompile(`/(?:apply/confirm|apply/mine|review|claim)/([A-Za-z0-9_-]{20,})`)

// token is the secret at the end of a link.
func token(t *testing.T, link string) string {
	t.Helper()
	m := tokenPattern.FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("no link with a token in %q", link)
	}
	return m[1]
}

// queued is a mail job waiting in river_job.
type queued struct {
	mail.SendArgs
	ID int64
}

// mails lists the queued mail jobs to an address, oldest first.
func (f *fixture) mails(t *testing.T, to string) []queued {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT id, args FROM river_job WHERE kind = 'mail_send' AND args->>'to' = $1 ORDER BY id`, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queued
	for rows.Next() {
		var q queued
		var args []byte
		if err := rows.Scan(&q.ID, &args); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(args, &q.SendArgs); err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// mint makes the link of a queued mail, as the mail worker does.
func (f *fixture) mint(t *testing.T, q queued) string {
	t.Helper()
	if q.Link == nil {
		t.Fatalf("mail %q has no link", q.Subject)
	}
	link, err := links(f.db)[q.Link.Kind](context.Background(), q.Link.ID)
	if err != nil {
		t.Fatalf("mint %s link: %v", q.Link.Kind, err)
	}
	return link
}

// member makes a user with a role in the fixture's organisation (none
// when role is "").
func (f *fixture) member(t *testing.T, email string, role account.Role) account.User {
	t.Helper()
	ctx := context.Background()
	u, err := account.CreateUser(ctx, f.db, account.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		if err := account.SetMembership(ctx, f.db, u.ID, f.org.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// wantProblem fails unless err is a problem of kind k (on field, unless
// field is "*").
func wantProblem(t *testing.T, err error, k problem.Kind, field string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != k || (field != "*" && p.Field != field) {
		t.Fatalf("error %v (%#v), want a problem of kind %d on %q", err, p, k, field)
	}
}
