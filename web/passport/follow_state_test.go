package passport_test

import (
	"net/url"
	"testing"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestFollowBadgeShowsFollowing: once a person follows a badge from its
// page, the page says Following and offers Unfollow (on the issuer's
// page of the earned badge and on the earner's public passport page);
// after unfollowing it offers Follow again.
func TestFollowBadgeShowsFollowing(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	_, assertion := f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")
	id := webtest.UUIDIn(t, f.Page(t, staff, "/passport"), "/accept")
	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")

	root := f.Login(t, "root@example.org")
	badgeID := f.Base + "/ob/badges/" + b.UUID
	for _, page := range []string{"/u/staff/badges/" + id} { // /badges/ redirects there: the badge is public
		body := f.Page(t, root, page)
		webtest.Contains(t, page+" before following", body, `action="/passport/follow-badge"`, "Follow this badge")
		webtest.Lacks(t, page+" before following", body, "✓ Following", `action="/passport/unfollow-badge"`)
	}
	f.PostOK(t, root, "/passport/follow-badge", url.Values{"badge": {badgeID}, "name": {"Robotics"}, "next": {"/badges/" + assertion}},
		"/badges/"+assertion)
	for _, page := range []string{"/u/staff/badges/" + id} { // /badges/ redirects there: the badge is public
		body := f.Page(t, root, page)
		webtest.Contains(t, page+" when following", body, "✓ Following", `action="/passport/unfollow-badge"`, "Unfollow</button>")
		webtest.Lacks(t, page+" when following", body, `action="/passport/follow-badge"`)
	}
	// Another person does not follow it.
	webtest.Contains(t, "the page for the earner", f.Page(t, staff, "/u/staff/badges/"+id), `action="/passport/follow-badge"`)
	f.PostOK(t, root, "/passport/unfollow-badge", url.Values{"badge": {badgeID}, "name": {"Robotics"}, "next": {"/badges/" + assertion}},
		"/badges/"+assertion)
	webtest.Contains(t, "the page after unfollowing", f.Page(t, root, "/u/staff/badges/"+id), `action="/passport/follow-badge"`, "Follow this badge")
}

// TestStreamRendersMarkdown: a comment written in Markdown shows in the
// earner's activity stream as HTML, with raw HTML kept out.
func TestStreamRendersMarkdown(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{})
	f.IssueTo(t, b, "staff@example.org")
	staff := f.Login(t, "staff@example.org")
	id := webtest.UUIDIn(t, f.Page(t, staff, "/passport"), "/accept")
	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")
	public := "/u/staff/badges/" + id
	root := f.Login(t, "root@example.org")
	f.PostOK(t, root, public+"/comments", url.Values{"content": {"A **fine** robot, see [the video](https://video.example/robot)."}}, public)

	body := f.Page(t, staff, "/passport/stream")
	webtest.Contains(t, "the stream", body, "<strong>fine</strong>", `<a href="https://video.example/robot"`, ">the video</a>")
	webtest.Lacks(t, "the stream", body, "**fine**", "[the video]")
}
