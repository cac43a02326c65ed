package imagelib_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/designer"
	"github.com/laurelnet/laurel/imagelib"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func robotPNG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../vocab/testdata/ob20/robotics-badge.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const svgLogo = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" width="10" height="10" inkscape:version="1.3"><circle cx="5" cy="5" r="4"/></svg>`

func newOrg(t *testing.T, db issuer.DB, slug string) issuer.Organisation {
	t.Helper()
	o, err := issuer.CreateOrganisation(context.Background(), db, issuer.NewOrganisation{
		Slug: slug, Name: "Org " + slug, Country: "FI", URL: "https://" + slug + ".example", Email: "badges@" + slug + ".example",
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func badgeInput() issuer.BadgeInput {
	return issuer.BadgeInput{Name: "Robotics", Description: "Builds a robot.", CriteriaNarrative: "Build a robot."}
}

func wantProblem(t *testing.T, err error, kind problem.Kind, field string) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != kind || p.Field != field {
		t.Fatalf("err = %v, want a problem of kind %v with field %q", err, kind, field)
	}
}

// TestLibraryUploadsAndTags: images are checked as badge images are
// (an SVG is cleaned), named uniquely, tagged in lower case, listed by
// tag or name, renamed and deleted; another organisation sees none of it.
func TestLibraryUploadsAndTags(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o, other := newOrg(t, db, "tuni"), newOrg(t, db, "other")

	robot, err := imagelib.Upload(ctx, db, o.ID, imagelib.Meta{Name: " Robot ", Tags: []string{"Robotics", " robotics ", "STEM"}}, robotPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	if robot.Name != "Robot" || !slices.Equal(robot.Tags, []string{"robotics", "stem"}) || robot.Type != "image/png" ||
		robot.Size != len(robotPNG(t)) || robot.Design != nil {
		t.Fatalf("uploaded = %+v", robot)
	}
	logo, err := imagelib.Upload(ctx, db, o.ID, imagelib.Meta{Name: "Logo", Tags: []string{"brand"}}, []byte(svgLogo))
	if err != nil {
		t.Fatal(err)
	}
	data, err := imagelib.Data(ctx, db, o.ID, logo.UUID)
	if err != nil || data.Type != "image/svg+xml" || strings.Contains(string(data.Data), "inkscape") {
		t.Fatalf("stored SVG (%v): %s", err, data.Data)
	}

	for _, tc := range []struct {
		name  string
		meta  imagelib.Meta
		data  []byte
		kind  problem.Kind
		field string
	}{
		{"no name", imagelib.Meta{Name: " "}, robotPNG(t), problem.Invalid, "name"},
		{"two-line name", imagelib.Meta{Name: "a\nb"}, robotPNG(t), problem.Invalid, "name"},
		{"empty tag", imagelib.Meta{Name: "x", Tags: []string{"ok", " "}}, robotPNG(t), problem.Invalid, "tags[1]"},
		{"tag with a comma", imagelib.Meta{Name: "x", Tags: []string{"a,b"}}, robotPNG(t), problem.Invalid, "tags[0]"},
		{"too many tags", imagelib.Meta{Name: "x", Tags: make([]string, imagelib.MaxTags+1)}, robotPNG(t), problem.Invalid, "tags"},
		{"not an image", imagelib.Meta{Name: "x"}, []byte("GIF89a"), problem.Invalid, "image"},
		{"script", imagelib.Meta{Name: "x"}, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), problem.Invalid, "image"},
		{"too big", imagelib.Meta{Name: "x"}, append(robotPNG(t), make([]byte, issuer.MaxImageBytes)...), problem.Invalid, "image"},
		{"name taken, any case", imagelib.Meta{Name: "ROBOT"}, robotPNG(t), problem.Conflict, "name"},
	} {
		_, err := imagelib.Upload(ctx, db, o.ID, tc.meta, tc.data)
		if p, ok := problem.As(err); !ok || p.Kind != tc.kind || p.Field != tc.field {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.field)
		}
	}
	// The same name is free in another library.
	if _, err := imagelib.Upload(ctx, db, other.ID, imagelib.Meta{Name: "Robot", Tags: []string{"robotics"}}, robotPNG(t)); err != nil {
		t.Fatal(err)
	}

	names := func(f imagelib.Filter) []string {
		t.Helper()
		list, err := imagelib.List(ctx, db, o.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, img := range list {
			out = append(out, img.Name)
		}
		return out
	}
	for _, tc := range []struct {
		filter imagelib.Filter
		want   []string
	}{
		{imagelib.Filter{}, []string{"Logo", "Robot"}},
		{imagelib.Filter{Tag: "ROBOTICS"}, []string{"Robot"}},
		{imagelib.Filter{Tag: "brand"}, []string{"Logo"}},
		{imagelib.Filter{Tag: "robot"}, nil}, // tags match whole
		{imagelib.Filter{Name: "ob"}, []string{"Robot"}},
		{imagelib.Filter{Name: "%"}, nil}, // no LIKE patterns
		{imagelib.Filter{Tag: "stem", Name: "logo"}, nil},
	} {
		if got := names(tc.filter); !slices.Equal(got, tc.want) {
			t.Errorf("List(%+v) = %v, want %v", tc.filter, got, tc.want)
		}
	}
	tags, err := imagelib.Tags(ctx, db, o.ID)
	if err != nil || len(tags) != 3 || tags[0] != (imagelib.TagCount{Tag: "brand", Images: 1}) || tags[1].Tag != "robotics" {
		t.Fatalf("tags = %v, %v", tags, err)
	}

	renamed, err := imagelib.Rename(ctx, db, o.ID, robot.UUID, imagelib.Meta{Name: "Robot arm", Tags: []string{"Arms"}})
	if err != nil || renamed.Name != "Robot arm" || !slices.Equal(renamed.Tags, []string{"arms"}) {
		t.Fatalf("renamed = %+v, %v", renamed, err)
	}
	_, err = imagelib.Rename(ctx, db, o.ID, robot.UUID, imagelib.Meta{Name: "logo"})
	wantProblem(t, err, problem.Conflict, "name")
	_, err = imagelib.Rename(ctx, db, other.ID, robot.UUID, imagelib.Meta{Name: "Mine now"})
	wantProblem(t, err, problem.NotFound, "")
	if _, err := imagelib.Data(ctx, db, other.ID, robot.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("another organisation reads the image: %v", err)
	}
	_, err = imagelib.Get(ctx, db, o.ID, "not-a-uuid")
	wantProblem(t, err, problem.NotFound, "")

	if _, err := imagelib.Delete(ctx, db, other.ID, robot.UUID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("another organisation deletes the image: %v", err)
	}
	if _, err := imagelib.Delete(ctx, db, o.ID, robot.UUID); err != nil {
		t.Fatal(err)
	}
	if got := names(imagelib.Filter{}); !slices.Equal(got, []string{"Logo"}) {
		t.Fatalf("after delete: %v", got)
	}
}

// TestDesignedImageInABadge: a design is kept with its parameters, used
// in a badge (which gets a copy of its bytes), redesigned (the badge keeps
// its version until it takes the new one), and deleted (the badge keeps
// its image).
func TestDesignedImageInABadge(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	g, err := designer.New()
	if err != nil {
		t.Fatal(err)
	}
	o, other := newOrg(t, db, "tuni"), newOrg(t, db, "other")
	d := designer.Default()
	d.Shape, d.Lines = designer.ShapeShield, []string{"Robotics", o.Name}

	_, err = imagelib.CreateDesign(ctx, db, g, o.ID, imagelib.DesignInput{Meta: imagelib.Meta{Name: "Shield"}, Design: d, Format: "gif"})
	wantProblem(t, err, problem.Invalid, "format")
	bad := d
	bad.Fill = "blue"
	_, err = imagelib.CreateDesign(ctx, db, g, o.ID, imagelib.DesignInput{Meta: imagelib.Meta{Name: "Shield"}, Design: bad})
	wantProblem(t, err, problem.Invalid, "fill")

	img, err := imagelib.CreateDesign(ctx, db, g, o.ID, imagelib.DesignInput{Meta: imagelib.Meta{Name: "Shield", Tags: []string{"designs"}}, Design: d, Format: "svg"})
	if err != nil {
		t.Fatal(err)
	}
	if img.Type != "image/svg+xml" || img.Design == nil || img.Design.Shape != designer.ShapeShield || !slices.Equal(img.Design.Lines, d.Lines) {
		t.Fatalf("designed = %+v", img)
	}
	_, drawn, _ := g.Render(d)
	stored, err := imagelib.Data(ctx, db, o.ID, img.UUID)
	if err != nil || !bytes.Equal(stored.Data, drawn.SVG) {
		t.Fatalf("stored design differs from the drawing (%v)", err)
	}

	// Used in a new badge: the badge gets the bytes.
	_, err = imagelib.CreateBadge(ctx, db, account.NodeActor(), other.ID, img.UUID, badgeInput())
	wantProblem(t, err, problem.Invalid, "library_image")
	b, err := imagelib.CreateBadge(ctx, db, account.NodeActor(), o.ID, img.UUID, badgeInput())
	if err != nil {
		t.Fatal(err)
	}
	badgeImage, err := issuer.BadgeImage(ctx, db, b.UUID)
	if err != nil || badgeImage.Type != "image/svg+xml" || !bytes.Equal(badgeImage.Data, drawn.SVG) {
		t.Fatalf("badge image (%v) is not the design", err)
	}
	uses, err := imagelib.Uses(ctx, db, o.ID, img.UUID)
	if err != nil || len(uses) != 1 || uses[0].Badge.UUID != b.UUID || !uses[0].Current {
		t.Fatalf("uses = %+v, %v", uses, err)
	}

	// Redesigned as a PNG: the badge keeps the SVG it was given.
	d.Fill = "#047857"
	re, err := imagelib.Redesign(ctx, db, g, o.ID, img.UUID, d, "png")
	if err != nil || re.Type != "image/png" || re.Design.Fill != "#047857" {
		t.Fatalf("redesigned = %+v, %v", re, err)
	}
	if now, _ := issuer.BadgeImage(ctx, db, b.UUID); !bytes.Equal(now.Data, drawn.SVG) {
		t.Fatal("redesigning the library image changed the badge")
	}
	uses, err = imagelib.Uses(ctx, db, o.ID, img.UUID)
	if err != nil || len(uses) != 1 || uses[0].Current {
		t.Fatalf("after redesign, uses = %+v, %v", uses, err)
	}
	// The badge editor takes the new version.
	in := badgeInput()
	in.Name = "Robotics (green)"
	b, err = imagelib.UpdateBadge(ctx, db, account.NodeActor(), o.ID, img.UUID, b.UUID, in)
	if err != nil || b.Name != "Robotics (green)" || b.ImageType != "image/png" {
		t.Fatalf("updated badge = %+v, %v", b, err)
	}
	uses, err = imagelib.Uses(ctx, db, o.ID, img.UUID)
	if err != nil || len(uses) != 1 || !uses[0].Current {
		t.Fatalf("after update, uses = %+v, %v", uses, err)
	}
	// An uploaded image cannot be redesigned.
	up, err := imagelib.Upload(ctx, db, o.ID, imagelib.Meta{Name: "Photo"}, robotPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = imagelib.Redesign(ctx, db, g, o.ID, up.UUID, d, "png")
	wantProblem(t, err, problem.Conflict, "design")

	// A badge given another image no longer counts as a use.
	b2, err := imagelib.CreateBadge(ctx, db, account.NodeActor(), o.ID, img.UUID, issuer.BadgeInput{Name: "Second", Description: "x", CriteriaNarrative: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := issuer.UpdateBadgeClass(ctx, db, account.NodeActor(), o.ID, b2.UUID, issuer.BadgeInput{Name: "Second", Description: "x", CriteriaNarrative: "y", Image: robotPNG(t)}); err != nil {
		t.Fatal(err)
	}
	// Deleting the library image leaves the badge's copy; it reports the
	// badge that used it.
	kept, err := imagelib.Delete(ctx, db, o.ID, img.UUID)
	if err != nil || len(kept) != 1 || kept[0].Badge.UUID != b.UUID {
		t.Fatalf("delete reported %+v, %v", kept, err)
	}
	if now, err := issuer.BadgeImage(ctx, db, b.UUID); err != nil || now.Type != "image/png" || len(now.Data) == 0 {
		t.Fatalf("the badge lost its image (%v)", err)
	}
	_, err = imagelib.UpdateBadge(ctx, db, account.NodeActor(), o.ID, img.UUID, b.UUID, in)
	wantProblem(t, err, problem.Invalid, "library_image")
}

// TestLibraryLimit: a library holds at most MaxImages images.
func TestLibraryLimit(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	o := newOrg(t, db, "tuni")
	png := robotPNG(t)
	// Fill it quickly with SQL; the last one goes through Upload.
	if _, err := db.Exec(ctx, `INSERT INTO library_image (organisation_id, name, image, image_type)
		SELECT $1, 'image ' || n, $2, 'image/png' FROM generate_series(1, $3) AS n`, o.ID, png, imagelib.MaxImages); err != nil {
		t.Fatal(err)
	}
	_, err := imagelib.Upload(ctx, db, o.ID, imagelib.Meta{Name: "One more"}, png)
	wantProblem(t, err, problem.Conflict, "")
}

// TestDesignedBadgeIsBaked: a badge whose image was designed (as SVG or
// PNG) is issued, and its earner's download has the assertion baked in.
func TestDesignedBadgeIsBaked(t *testing.T) {
	db := testkit.DB(t)
	ctx := context.Background()
	g, err := designer.New()
	if err != nil {
		t.Fatal(err)
	}
	o := newOrg(t, db, "tuni")
	u := issuer.URLs{Base: &url.URL{Scheme: "https", Host: "badges.example"}}
	for _, format := range []string{imagelib.FormatSVG, imagelib.FormatPNG} {
		d := designer.Default()
		d.Lines = []string{"Robotics " + format}
		img, err := imagelib.CreateDesign(ctx, db, g, o.ID, imagelib.DesignInput{Meta: imagelib.Meta{Name: "Design " + format}, Design: d, Format: format})
		if err != nil {
			t.Fatal(err)
		}
		in := badgeInput()
		in.Name += " " + format
		b, err := imagelib.CreateBadge(ctx, db, account.NodeActor(), o.ID, img.UUID, in)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := issuer.Issue(ctx, db, account.NodeActor(), issuer.Hooks{}, u, o, b, []issuer.AssertionInput{
			{Recipient: issuer.Recipient{Kind: issuer.RecipientURL, Identity: "https://eva.example/"}}})
		if err != nil {
			t.Fatal(err)
		}
		baked, err := issuer.BakedImage(ctx, db, u, issued[0])
		if err != nil {
			t.Fatal(err)
		}
		got, err := bake.Extract(baked.Data)
		if err != nil || !strings.Contains(got, u.Assertion(issued[0].UUID)) {
			t.Fatalf("%s: baked %q, %v", format, got, err)
		}
		if _, err := issuer.CheckImage("image", baked.Data); err != nil {
			t.Fatalf("%s: the baked image is no longer a valid badge image: %v", format, err)
		}
	}
}
