package criteria_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/criteria"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/markdown"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/vocab"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var alignments = []vocab.AlignmentObject{
	{TargetName: "project management", TargetURL: "http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388", TargetFramework: "ESCO"},
	{TargetName: "Robots [basic]", TargetURL: "https://example.org/robots_(basic)", TargetCode: "R-1"},
}

// TestRender: placeholders are filled, braces can be written, values are
// literal Markdown, and unknown placeholders name the field.
func TestRender(t *testing.T) {
	v := criteria.Values{Badge: "Robotics", Issuer: "Tampere University", Alignments: alignments}
	for _, tc := range []struct {
		name, body string
		values     criteria.Values
		want       string
	}{
		{"all three", "Earn {badge} from {issuer}.\n\nSkills:\n{alignments}", v,
			"Earn Robotics from Tampere University.\n\nSkills:\n" +
				"- [project management](<http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388>) (ESCO)\n" +
				`- [Robots \[basic\]](<https://example.org/robots_(basic)>) (R-1)`},
		{"a placeholder twice", "{badge}: {badge}", v, "Robotics: Robotics"},
		{"literal braces", "Write {{badge}} to get {badge}; a set {1, 2} and { badge } stay", v,
			"Write {badge} to get Robotics; a set {1, 2} and { badge } stay"},
		{"no alignments", "Skills:\n{alignments}", criteria.Values{Badge: "x"}, "Skills:"},
		{"markdown in a name", "# {badge}", criteria.Values{Badge: "C# *advanced* <b>"}, `# C# \*advanced\* \<b\>`},
		{"a name that would start a list", "{badge}", criteria.Values{Badge: "1. Robotics"}, `1\. Robotics`},
		{"a name that would be a heading", "{issuer}", criteria.Values{Issuer: "# Org"}, `\# Org`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := criteria.Render("body", tc.body, tc.values)
			if err != nil || got != tc.want {
				t.Fatalf("Render = %q, %v\nwant %q", got, err, tc.want)
			}
		})
	}
	// What the escaping is for: the page shows the name as written.
	got, err := criteria.Render("body", "Earn **{badge}**", criteria.Values{Badge: "C# *advanced* <script>"})
	if err != nil {
		t.Fatal(err)
	}
	html := markdown.NewPage().HTML(got, nil)
	if !strings.Contains(html, "<strong>C# *advanced* &lt;script&gt;</strong>") {
		t.Fatalf("rendered page: %s", html)
	}

	for _, body := range []string{"Earn {badge_name}", "From {Issuer}", "{alignment}"} {
		_, err := criteria.Render("criteria.narrative", body, v)
		p, ok := problem.As(err)
		if !ok || p.Field != "criteria.narrative" || !strings.Contains(p.Message, "{badge}, {issuer} and {alignments}") {
			t.Errorf("Render(%q) = %v", body, err)
		}
	}
	long := strings.Repeat("{alignments}", 1000)
	many := make([]vocab.AlignmentObject, 30)
	for i := range many {
		many[i] = alignments[0]
	}
	if _, err := criteria.Render("body", long, criteria.Values{Alignments: many}); !problem.Is(err, problem.Invalid) {
		t.Fatalf("a huge result: %v", err)
	}
}

// TestTemplates: the badge editor's "Save as template" and "Pick
// template": templates per organisation, named uniquely, checked when
// saved, filled with a badge's values.
func TestTemplates(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "tuni", Name: "Tampere University", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "other", Name: "Other", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in    criteria.Input
		field string
	}{
		{criteria.Input{Name: "", Body: "x"}, "name"},
		{criteria.Input{Name: "a\tb", Body: "x"}, "name"},
		{criteria.Input{Name: "Course", Body: "  "}, "body"},
		{criteria.Input{Name: "Course", Body: strings.Repeat("x", criteria.MaxBody+1)}, "body"},
		{criteria.Input{Name: "Course", Body: "Earn {nme}"}, "body"},
	} {
		_, err := criteria.Create(ctx, db, o.ID, tc.in)
		if p, ok := problem.As(err); !ok || p.Field != tc.field {
			t.Errorf("Create(%+v) = %v, want a problem with %s", tc.in, err, tc.field)
		}
	}
	course, err := criteria.Create(ctx, db, o.ID, criteria.Input{Name: " Course ", Body: "Pass the course {badge} at {issuer}.\n\n{alignments}\n"})
	if err != nil || course.Name != "Course" || strings.HasSuffix(course.Body, "\n") {
		t.Fatalf("created %+v, %v", course, err)
	}
	if _, err := criteria.Create(ctx, db, o.ID, criteria.Input{Name: "COURSE", Body: "x"}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("a second Course: %v", err)
	}
	if _, err := criteria.Create(ctx, db, other.ID, criteria.Input{Name: "Course", Body: "theirs"}); err != nil {
		t.Fatalf("another organisation's Course: %v", err)
	}
	if _, err := criteria.Create(ctx, db, o.ID, criteria.Input{Name: "Attendance", Body: "Attend {badge}."}); err != nil {
		t.Fatal(err)
	}
	list, err := criteria.List(ctx, db, o.ID)
	if err != nil || len(list) != 2 || list[0].Name != "Attendance" || list[1].Name != "Course" {
		t.Fatalf("list = %+v, %v", list, err)
	}

	narrative, err := criteria.Fill(ctx, db, o.ID, course.UUID, criteria.Values{Badge: "Robotics", Issuer: o.Name, Alignments: alignments[:1]})
	want := "Pass the course Robotics at Tampere University.\n\n- [project management](<http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388>) (ESCO)"
	if err != nil || narrative != want {
		t.Fatalf("Fill = %q, %v", narrative, err)
	}
	// The text is a badge's criteria as it is.
	b, err := issuer.CreateBadgeClass(ctx, db, account.NodeActor(), o.ID, issuer.BadgeInput{Name: "Robotics", Description: "Builds robots.",
		CriteriaNarrative: narrative, Alignments: alignments[:1],
		Image: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)})
	if err != nil || b.CriteriaNarrative != want {
		t.Fatalf("badge from template: %+v, %v", b, err)
	}
	if _, err := criteria.Fill(ctx, db, other.ID, course.UUID, criteria.Values{}); !problem.Is(err, problem.NotFound) {
		t.Fatalf("another organisation fills it: %v", err)
	}

	updated, err := criteria.Update(ctx, db, o.ID, course.UUID, criteria.Input{Name: "Course (2026)", Body: "New: {badge}"})
	if err != nil || updated.Name != "Course (2026)" || updated.Body != "New: {badge}" {
		t.Fatalf("updated %+v, %v", updated, err)
	}
	if _, err := criteria.Update(ctx, db, o.ID, course.UUID, criteria.Input{Name: "Attendance", Body: "x"}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("rename onto another: %v", err)
	}
	if err := criteria.Delete(ctx, db, other.ID, course.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("another organisation deletes it: %v", err)
	}
	if err := criteria.Delete(ctx, db, o.ID, course.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := criteria.Get(ctx, db, o.ID, course.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("after delete: %v", err)
	}
	// The badge keeps the criteria it was filled with.
	if b, err := issuer.BadgeClassByUUID(ctx, db, b.UUID); err != nil || b.CriteriaNarrative != want {
		t.Fatalf("badge after delete: %v", err)
	}
}
