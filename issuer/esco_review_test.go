package issuer_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/esco/escotest"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

// escoClient is a client of the fake ESCO, quick to give up.
func escoClient(t *testing.T, srv *escotest.Server) *esco.Client {
	t.Helper()
	c, err := esco.NewClient(esco.ClientConfig{BaseURL: srv.URL(), RetryBackoff: time.Millisecond, MaxRetries: -1, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestESCOLanguages(t *testing.T) {
	for country, want := range map[string][]string{
		"FI": {"en", "fi", "sv"},
		"de": {"en", "de"},
		"SE": {"en", "sv"},
		"FR": {"en", "fr"},
		"PT": {"en", "pt"},
		"BE": {"en", "nl", "fr", "de"},
		"EG": {"en", "ar"},
		"GB": {"en"},
		"US": {"en"},
		"":   {"en"},
	} {
		got := issuer.ESCOLanguages(country)
		if !slices.Equal(got, want) {
			t.Errorf("ESCOLanguages(%q) = %v, want %v", country, got, want)
		}
		for _, l := range got {
			if !slices.Contains(esco.Languages, l) {
				t.Errorf("ESCOLanguages(%q) has %q, which ESCO is not published in", country, l)
			}
		}
	}
}

func TestFetchESCOConcept(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	srv := escotest.New(t)
	client := escoClient(t, srv)
	lisbon, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "lisbon", Name: "Lisbon School", Country: "PT"})
	if err != nil {
		t.Fatal(err)
	}
	finnish := newOrg(t, db, "helsinki") // FI: ESCO's Finnish answer is not recorded

	c, err := issuer.FetchESCOConcept(ctx, db, client, lisbon.ID, pythonURI)
	if err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, r := range srv.Requests() {
		langs = append(langs, r.URL.Query().Get("language"))
	}
	if !slices.Equal(langs, []string{"en", "pt"}) {
		t.Errorf("ESCO was asked in %v, want en and pt", langs)
	}
	stored, err := esco.Lookup(ctx, db, pythonURI)
	if err != nil {
		t.Fatalf("the concept was not stored: %v", err)
	}
	if stored.Labels["en"] != "Python (computer programming)" || stored.Labels["pt"] != "Python (programação informática)" ||
		stored.Descriptions["pt"] == "" || stored.Status != "released" || c.URI != pythonURI {
		t.Errorf("stored concept: en %q, pt %q, pt description %q, status %q",
			stored.Labels["en"], stored.Labels["pt"], stored.Descriptions["pt"], stored.Status)
	}

	// A language ESCO does not answer in is left out; English is enough.
	if _, err := issuer.FetchESCOConcept(ctx, db, client, finnish.ID, nurseURI); err != nil {
		t.Fatalf("fetch for a Finnish organisation: %v", err)
	}
	if _, err := esco.Lookup(ctx, db, nurseURI); err != nil {
		t.Fatalf("the nurse was not stored: %v", err)
	}

	// The worker: an unknown concept cancels the job; ESCO down fails it,
	// so that River tries again.
	w := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &issuer.ESCOFetchWorker{DB: db, ESCO: client})
	for _, tc := range []struct {
		name string
		uri  string
		down bool
		want river.EventKind
	}{
		{"known", pythonURI, false, river.EventKindJobCompleted},
		{"not in ESCO", noSkill, false, river.EventKindJobCancelled},
		{"ESCO down", pythonURI, true, river.EventKindJobFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.down {
				srv.Down()
				defer srv.Up()
			}
			tx, err := db.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			res, err := w.Work(ctx, t, tx, issuer.ESCOFetchArgs{URI: tc.uri, OrganisationID: lisbon.ID}, nil)
			if res == nil || res.EventKind != tc.want {
				t.Fatalf("Work = %+v, %v; want %s", res, err, tc.want)
			}
			if tc.down && !errors.Is(err, esco.ErrUnavailable) {
				t.Errorf("Work with ESCO down = %v, want it to wrap esco.ErrUnavailable", err)
			}
		})
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	res, err := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &issuer.ESCOFetchWorker{DB: db}).
		Work(ctx, t, tx, issuer.ESCOFetchArgs{URI: pythonURI, OrganisationID: lisbon.ID}, nil)
	if res == nil || res.EventKind != river.EventKindJobCancelled {
		t.Errorf("Work without ESCO's API = %+v, %v; want cancelled", res, err)
	}
}

// alignedBadge makes a badge class of o aligned to a.
func alignedBadge(t *testing.T, db issuer.DB, o issuer.Organisation, name string, a ...vocab.AlignmentObject) issuer.BadgeClass {
	t.Helper()
	in := validBadge(t)
	in.Name, in.Alignments = name, a
	b, err := issuer.CreateBadgeClass(context.Background(), db, account.NodeActor(), o.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reasons returns the reasons of the open flags of badge b.
func reasons(t *testing.T, db issuer.DB, o issuer.Organisation, b issuer.BadgeClass) []string {
	t.Helper()
	all, err := issuer.BadgeReviews(context.Background(), db, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range all[b.ID] {
		out = append(out, r.Reason)
	}
	return out
}

func TestRefreshESCO(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	srv := escotest.New(t)
	client := escoClient(t, srv)
	o := newOrg(t, db, "refresh")
	const obsoleteURI = "http://data.europa.eu/esco/skill/0bs01e7e-0000-0000-0000-000000000000"
	// A concept fetched just now, which ESCO has marked obsolete.
	if err := esco.Upsert(ctx, db, "api", esco.Concept{URI: obsoleteURI, Type: esco.TypeSkill, Version: "v1.2.1",
		Status: "obsolete", Labels: map[string]string{"en": "use typewriters"}}); err != nil {
		t.Fatal(err)
	}

	renamed := alignedBadge(t, db, o, "Pythonista",
		vocab.AlignmentObject{TargetName: "Python programming", TargetURL: pythonURI, TargetFramework: "ESCO v1.1.1"})
	fine := alignedBadge(t, db, o, "Nursing",
		vocab.AlignmentObject{TargetName: "specialist nurse", TargetURL: nurseURI},
		vocab.AlignmentObject{TargetName: "Our own framework", TargetURL: "https://example.org/framework/1"})
	finnish := alignedBadge(t, db, o, "Python in Finnish",
		vocab.AlignmentObject{TargetName: "Python (tietokoneohjelmointi)", TargetURL: pythonURI})
	gone := alignedBadge(t, db, o, "Ghost",
		vocab.AlignmentObject{TargetName: "ghost skill", TargetURL: noSkill})
	obsolete := alignedBadge(t, db, o, "Typing",
		vocab.AlignmentObject{TargetName: "use typewriters", TargetURL: obsoleteURI})
	before := map[int64]issuer.BadgeClass{}
	for _, b := range []issuer.BadgeClass{renamed, fine, finnish, gone, obsolete} {
		before[b.ID] = b
	}

	rep, err := issuer.RefreshESCO(ctx, db, client, issuer.ESCORefreshAge)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (issuer.ESCORefresh{Concepts: 4, Fetched: 2, Gone: 1, Flagged: 3}) {
		t.Errorf("RefreshESCO = %+v", rep)
	}
	for _, tc := range []struct {
		b    issuer.BadgeClass
		want []string
	}{
		{renamed, []string{"ESCO changed the name of “Python programming” to “Python (computer programming)”"}},
		{fine, nil},
		{finnish, nil},
		{gone, []string{"ESCO no longer has “ghost skill” (" + noSkill + ")"}},
		{obsolete, []string{"ESCO changed “use typewriters” to obsolete"}},
	} {
		if got := reasons(t, db, o, tc.b); !slices.Equal(got, tc.want) {
			t.Errorf("flags of %s = %q, want %q", tc.b.Name, got, tc.want)
		}
	}
	// Nothing about the badges changed.
	for id, b := range before {
		got, err := issuer.BadgeClassByUUID(ctx, db, b.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.UpdatedAt.Equal(b.UpdatedAt) || !slices.Equal(got.Alignments, b.Alignments) || got.Name != b.Name {
			t.Errorf("badge %d changed: %+v, was %+v", id, got, b)
		}
	}

	// The same run again flags nothing new; a reviewed change stays
	// reviewed.
	all, _ := issuer.BadgeReviews(ctx, db, o.ID)
	if err := issuer.ResolveBadgeReview(ctx, db, o.ID, all[renamed.ID][0].ID); err != nil {
		t.Fatal(err)
	}
	if err := issuer.ResolveBadgeReview(ctx, db, o.ID, all[renamed.ID][0].ID); !problem.Is(err, problem.NotFound) {
		t.Errorf("resolving twice = %v, want not found", err)
	}
	other := newOrg(t, db, "other")
	if err := issuer.ResolveBadgeReview(ctx, db, other.ID, all[gone.ID][0].ID); !problem.Is(err, problem.NotFound) {
		t.Errorf("another organisation resolves a flag: %v", err)
	}
	rep, err = issuer.RefreshESCO(ctx, db, client, issuer.ESCORefreshAge)
	if err != nil || rep.Flagged != 0 || rep.Fetched != 0 {
		t.Fatalf("second RefreshESCO = %+v, %v; want nothing fetched or flagged", rep, err)
	}
	if got := reasons(t, db, o, renamed); len(got) != 0 {
		t.Errorf("the reviewed change was flagged again: %q", got)
	}

	// Fixing an alignment clears its flag; removing one hides it at once.
	in := validBadge(t)
	in.Name, in.Image = obsolete.Name, nil
	in.Alignments = nil
	if _, err := issuer.UpdateBadgeClass(ctx, db, account.NodeActor(), o.ID, obsolete.UUID, in); err != nil {
		t.Fatal(err)
	}
	if got := reasons(t, db, o, obsolete); len(got) != 0 {
		t.Errorf("flags of a removed alignment still shown: %q", got)
	}
	rep, err = issuer.RefreshESCO(ctx, db, client, issuer.ESCORefreshAge)
	if err != nil || rep.Cleared != 1 {
		t.Errorf("RefreshESCO after removing the alignment = %+v, %v; want one flag cleared", rep, err)
	}

	// ESCO down: the job fails so that River tries again, and flags
	// nothing.
	srv.Down()
	_, err = issuer.RefreshESCO(ctx, db, client, 0)
	if !errors.Is(err, esco.ErrUnavailable) {
		t.Fatalf("RefreshESCO with ESCO down = %v, want esco.ErrUnavailable", err)
	}
	w := rivertest.NewWorker(t, riverpgxv5.New(db), &river.Config{}, &issuer.ESCORefreshWorker{DB: db, ESCO: client})
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	res, err := w.Work(ctx, t, tx, issuer.ESCORefreshArgs{}, nil)
	if res == nil || res.EventKind != river.EventKindJobFailed || !strings.Contains(err.Error(), "unavailable") {
		t.Errorf("refresh worker with ESCO down = %+v, %v; want a failed job", res, err)
	}
}
