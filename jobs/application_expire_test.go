package jobs

import (
	"context"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/application"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit"
)

func TestApplicationExpireWorker(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "makers", Name: "Makers", Country: "FI", Email: "b@makers.example"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, issuer.BadgeInput{Name: "Robots", Description: "Builds robots.",
		Image: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>`), CriteriaNarrative: "Build one."})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := application.CreateTemplate(ctx, db, o.ID, application.TemplateInput{Name: "T",
		Fields: []application.Field{{Key: "what", Kind: application.KindText, Label: "What?", Required: true}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := application.CreateForm(ctx, db, o.ID, application.FormInput{BadgeUUID: b.UUID, TemplateID: tm.ID, Title: "Apply"})
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"old@example.org", "fresh@example.org"} {
		if _, err := application.Apply(ctx, db, application.Env{}, f.Token, application.Submission{Email: email, Answers: map[string]string{"what": "A robot"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `UPDATE application SET confirm_expires_at = now() - interval '1 minute' WHERE email = 'old@example.org'`); err != nil {
		t.Fatal(err)
	}
	w := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &ApplicationExpireWorker{pool: db})
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if res, err := w.Work(ctx, t, tx, ApplicationExpireArgs{}, nil); err != nil || res.EventKind != river.EventKindJobCompleted {
		t.Fatalf("Work = %+v, %v", res, err)
	}
	var left string
	if err := db.QueryRow(ctx, `SELECT string_agg(email, ' ') FROM application`).Scan(&left); err != nil || left != "fresh@example.org" {
		t.Fatalf("left after expiry: %q, %v", left, err)
	}
}
