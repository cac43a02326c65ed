package passport_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/node"
	"github.com/laurelnet/laurel/testkit/browser"
	"github.com/laurelnet/laurel/web/webtest"
)

// TestPassportPageFlows: a badge issued to a user's email arrives pending
// on /passport; the earner accepts it, makes it public, and the public
// page shows it to anyone; private and followers-only badges show to no
// one else, in pages or the API; a revocation shows at once; a second
// badge is declined and removed.
func TestPassportPageFlows(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{Kind: "duration", Amount: 30, Unit: "days"})
	_, auuid := f.IssueTo(t, b, "STAFF@example.org")
	staff := f.Login(t, "staff@example.org")

	body := f.Page(t, staff, "/passport")
	webtest.Contains(t, "backpack with a pending badge", body, "Waiting for you (1)", "Robotics", "Verified and issued by <strong>Tampere University</strong>",
		`action="/passport/badges/`, ">Accept</button>", ">Decline</button>", "No badges accepted yet.", `href="/passport" aria-current="page"`)
	id := webtest.UUIDIn(t, body, "/accept")
	public := "/u/staff/badges/" + id
	anonymous := webtest.NoRedirects(nil)
	if status, _, _ := f.Do(t, anonymous, "GET", public, nil, nil); status != http.StatusNotFound {
		t.Fatalf("a pending badge's public page = %d, want 404", status)
	}

	f.PostOK(t, staff, "/passport/badges/"+id+"/accept", nil, "/passport")
	body = f.Page(t, staff, "/passport")
	webtest.Contains(t, "backpack after accepting", body, "Accepted “Robotics”", "Your badges (1)", "No badges waiting.", `<option value="private" selected>`)
	if status, _, _ := f.Do(t, anonymous, "GET", public, nil, nil); status != http.StatusNotFound {
		t.Fatalf("a private badge's public page = %d, want 404", status)
	}

	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")
	body = f.Page(t, anonymous, public)
	webtest.Contains(t, "public page", body, "Robotics", "Verified and issued by", "Tampere University", "Earned by", "Sara Staff",
		"Expires on", "(30 days)", "Check this badge", `<form class="inline" method="post" action="/verify"><input type="hidden" name="url" value="`, "<em>the thing</em>")
	webtest.Lacks(t, "public page", body, "Remove from backpack", "staff@example.org")
	body = f.Page(t, staff, "/passport/badges/"+id)
	webtest.Contains(t, "earner's page of a public badge", body, `id="public-link"`, public, `<option value="public" selected>`)

	// Another user sees none of it but the public page.
	admin := f.Login(t, "root@example.org")
	for _, path := range []string{"/passport/badges/" + id} {
		if status, _, _ := f.Do(t, admin, "GET", path, nil, nil); status != http.StatusNotFound {
			t.Fatalf("GET %s by another user = %d, want 404", path, status)
		}
	}
	if status, _, _ := f.Post(t, admin, "/passport/badges/"+id+"/remove", nil); status != http.StatusNotFound {
		t.Fatalf("removal by another user = %d, want 404", status)
	}
	adminAPI := f.UserAPI(t, f.Admin)
	if status, out := adminAPI("GET", "/api/v1/me/badges", nil); status != 200 || len(out["items"].([]any)) != 0 {
		t.Fatalf("another user's backpack = %d %v", status, out)
	}
	for _, call := range []struct{ method, path string }{
		{"GET", "/api/v1/me/badges/" + id}, {"POST", "/api/v1/me/badges/" + id + "/accept"}, {"DELETE", "/api/v1/me/badges/" + id},
	} {
		if status, out := adminAPI(call.method, call.path, nil); status != http.StatusNotFound {
			t.Fatalf("%s %s by another user = %d %v, want 404", call.method, call.path, status, out)
		}
	}

	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"followers"}, "next": {"/passport/badges/" + id}}, "/passport/badges/"+id)
	if status, _, _ := f.Do(t, anonymous, "GET", public, nil, nil); status != http.StatusNotFound {
		t.Fatalf("a followers-only badge's public page = %d, want 404", status)
	}
	f.PostOK(t, staff, "/passport/badges/"+id+"/visibility", url.Values{"visibility": {"public"}}, "/passport")

	// A badge of this node shows its revocation at once.
	webtest.Contains(t, "public page before the revocation", f.Page(t, anonymous, public), "checked just now")
	if status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+auuid+"/revoke", map[string]string{"revocationReason": "awarded by mistake"}, ""); status != 200 {
		t.Fatalf("revoke = %d %v", status, out)
	}
	body = f.Page(t, anonymous, public)
	webtest.Contains(t, "public page right after the revocation", body, "This badge has been revoked", "awarded by mistake")
	body = f.Page(t, staff, "/passport")
	webtest.Contains(t, "backpack with a revoked badge", body, `<span class="state revoked">Revoked</span>`)

	// A second badge is declined, then removed.
	f.IssueTo(t, b, "staff@example.org")
	body = f.Page(t, staff, "/passport")
	second := webtest.UUIDIn(t, body, "/decline")
	f.PostOK(t, staff, "/passport/badges/"+second+"/decline", nil, "/passport")
	body = f.Page(t, staff, "/passport")
	webtest.Contains(t, "backpack with a declined badge", body, "Declined and refused", "Declined", "Accept after all")
	f.PostOK(t, staff, "/passport/badges/"+second+"/remove", nil, "/passport")
	body = f.Page(t, staff, "/passport")
	webtest.Lacks(t, "backpack after removal", body, "Declined and refused")
	webtest.Contains(t, "backpack after removal", body, "Removed “Robotics”")
}

// TestPassportAddBadge: an earner adds badges issued before they had an
// account, by URL in the form, by a baked image upload, and by JSON
// through the API; a badge for someone else and a duplicate are refused
// with the reason.
func TestPassportAddBadge(t *testing.T) {
	ctx := context.Background()
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics", issuer.Expiry{Kind: "none"})
	first, _ := f.IssueTo(t, b, "late@example.org")
	_, baked := f.IssueTo(t, b, "late@example.org")
	third, _ := f.IssueTo(t, b, "late@example.org")
	other, _ := f.IssueTo(t, b, "someone@example.org")
	late, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "late@example.org", Name: "Lea Late", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Login(t, "late@example.org")
	webtest.Contains(t, "empty backpack", f.Page(t, c, "/passport"), "No badges waiting.", "No badges accepted yet.", "Add a badge")

	form, h := webtest.MultipartForm(t, []webtest.Field{{"url", first}, {"assertion", ""}}, "", "", nil)
	status, body, hdr := f.Do(t, c, "POST", "/passport/badges", form, h)
	if status != http.StatusSeeOther || hdr.Get("Location") != "/passport" {
		t.Fatalf("add by URL = %d to %q:\n%s", status, hdr.Get("Location"), body)
	}
	webtest.Contains(t, "backpack after adding", f.Page(t, c, "/passport"), "Added “Robotics”", "Your badges (1)")

	form, h = webtest.MultipartForm(t, []webtest.Field{{"url", first}}, "", "", nil)
	status, body, _ = f.Do(t, c, "POST", "/passport/badges", form, h)
	if status != http.StatusConflict {
		t.Fatalf("add again = %d", status)
	}
	webtest.Contains(t, "duplicate refused", body, "in your backpack already")

	form, h = webtest.MultipartForm(t, []webtest.Field{{"url", other}}, "", "", nil)
	status, body, _ = f.Do(t, c, "POST", "/passport/badges", form, h)
	if status != http.StatusBadRequest {
		t.Fatalf("add someone else's badge = %d", status)
	}
	webtest.Contains(t, "someone else's badge refused", body, "not awarded to you", `value="`+other+`"`, `aria-invalid="true"`)

	status, png, _ := f.Do(t, f.Client, "GET", "/ob/assertions/"+baked+"/image", nil, nil)
	if status != http.StatusOK {
		t.Fatalf("baked image = %d", status)
	}
	form, h = webtest.MultipartForm(t, []webtest.Field{{"url", ""}, {"assertion", ""}}, "image", "badge.png", []byte(png))
	if status, body, _ := f.Do(t, c, "POST", "/passport/badges", form, h); status != http.StatusSeeOther {
		t.Fatalf("add a baked image = %d:\n%s", status, body)
	}

	api := f.UserAPI(t, late)
	doc := f.Hosted(t, third, http.StatusOK)
	status, out := api("POST", "/api/v1/me/badges", map[string]any{"assertion": doc})
	if status != http.StatusCreated || out["state"] != "accepted" || out["source"] != "upload" || out["issuer_name"] != "Tampere University" {
		t.Fatalf("add JSON = %d %v", status, out)
	}
	id := out["id"].(string)
	status, out = api("POST", "/api/v1/me/badges", map[string]any{"url": other})
	if e, _ := out["error"].(map[string]any); status != http.StatusBadRequest || e["field"] != "url" || !strings.Contains(e["message"].(string), "not awarded to you") {
		t.Fatalf("add someone else's badge by API = %d %v", status, out)
	}
	if status, out := api("POST", "/api/v1/me/badges", map[string]any{"url": first, "image": "data:image/png;base64,AAAA"}); status != http.StatusBadRequest {
		t.Fatalf("two inputs at once = %d %v", status, out)
	}
	if status, out := api("GET", "/api/v1/me/badges?state=accepted", nil); status != 200 || len(out["items"].([]any)) != 3 {
		t.Fatalf("accepted badges = %d %v", status, out)
	}
	if status, _ := api("GET", "/api/v1/me/badges?state=lost", nil); status != http.StatusBadRequest {
		t.Fatalf("an unknown state = %d", status)
	}
	status, out = api("PUT", "/api/v1/me/badges/"+id, map[string]string{"visibility": "public"})
	if status != 200 || out["public_page"] != f.Base+"/u/late/badges/"+id {
		t.Fatalf("make public = %d %v", status, out)
	}
	if status, _ := api("PUT", "/api/v1/me/badges/"+id, map[string]string{"visibility": "everyone"}); status != http.StatusBadRequest {
		t.Fatalf("an unknown visibility = %d", status)
	}
	if status, _ := api("DELETE", "/api/v1/me/badges/"+id, nil); status != http.StatusNoContent {
		t.Fatalf("remove = %d", status)
	}
	if status, _ := api("GET", "/api/v1/me/badges/"+id, nil); status != http.StatusNotFound {
		t.Fatalf("removed badge = %d", status)
	}
	if status, _, _ := f.Do(t, f.Client, "GET", "/u/late/badges/"+id, nil, nil); status != http.StatusNotFound {
		t.Fatalf("removed badge's public page = %d", status)
	}
}

// TestBrowserPassportOnPhone: on a phone, in a real Chromium, an earner
// accepts a pending badge, makes it public and opens its public page;
// nothing on the way scrolls sideways.
func TestBrowserPassportOnPhone(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	b := f.CreateBadge(t, "Robotics and Long-Named Automation Engineering Badge", issuer.Expiry{Kind: "duration", Amount: 1, Unit: "years"})
	f.IssueTo(t, b, "staff@example.org")
	bctx := browser.New(t)
	browser.Do(t, bctx, browser.Phone(), chromedp.Navigate(f.Base+"/login?next=/passport"),
		chromedp.SendKeys(chromedp.CSS("#email"), "staff@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), webtest.Password),
		chromedp.Click(chromedp.CSS("form.card button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#pending")),
	)
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "passport-pending-phone")
	browser.Do(t, bctx,
		chromedp.Click(chromedp.CSS("#pending form button:not(.secondary)")),
		chromedp.WaitVisible(chromedp.CSS("#accepted")),
	)
	if got := browser.Text(t, bctx, "p.notice"); !strings.Contains(got, "Accepted") {
		t.Fatalf("after accepting, the notice is %q", got)
	}
	browser.Do(t, bctx,
		chromedp.SetValue(chromedp.CSS("#accepted select"), "public"),
		chromedp.Click(chromedp.CSS("#accepted form.actions button")),
		chromedp.WaitVisible(chromedp.CSS("p.notice a")),
	)
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "passport-accepted-phone")
	browser.Do(t, bctx,
		chromedp.Click(chromedp.CSS("p.notice a")),
		chromedp.WaitVisible(chromedp.CSS("#issued-by")),
	)
	if got := browser.Text(t, bctx, "#issued-by"); got != "Verified and issued by Tampere University" {
		t.Errorf("the public page says %q", got)
	}
	browser.NoHorizontalScroll(t, bctx)
	browser.Screenshot(t, bctx, "passport-public-phone")
}

// TestPassportPageShowsBadgeEndorsements: the public page of an earned
// badge shows the organisations that endorse its badge class.
func TestPassportPageShowsBadgeEndorsements(t *testing.T) {
	f := webtest.StartNode(t)
	ctx := context.Background()
	f.SetIssuerEmail(t, nil)
	b := f.APIBadge(t)
	lund, err := issuer.CreateOrganisation(ctx, f.Pool, issuer.NewOrganisation{Slug: "lund-uni", Name: "Lund University", Country: "SE"})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.SetMembership(ctx, f.Pool, f.Staff.ID, lund.ID, account.RoleStaff); err != nil {
		t.Fatal(err)
	}
	if status, out := f.API(t, "POST", "/api/v1/orgs/lund-uni/endorsements", map[string]any{
		"target": "tampere-uni", "subject": b["id"], "comment": "We also issue this badge."}, ""); status != http.StatusCreated {
		t.Fatalf("endorse the badge = %d %v", status, out)
	}
	earner, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: "eva@example.org", Name: "Eva", Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	call := f.UserAPI(t, earner)
	status, out := f.API(t, "POST", "/api/v1/orgs/tampere-uni/badges/"+b["uuid"].(string)+"/assertions",
		map[string]any{"recipient": map[string]string{"type": "email", "identity": "eva@example.org"}}, "")
	if status != http.StatusCreated {
		t.Fatalf("issue = %d %v", status, out)
	}
	_, list := call("GET", "/api/v1/me/badges?state=pending", nil)
	items, _ := list["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("pending badges: %v", list)
	}
	id := items[0].(map[string]any)["id"].(string)
	call("POST", "/api/v1/me/badges/"+id+"/accept", nil)
	_, item := call("PUT", "/api/v1/me/badges/"+id, map[string]string{"visibility": "public"})
	page := item["public_page"].(string)
	status, body, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(page, f.Base), nil, nil)
	if status != 200 || !strings.Contains(body, "This badge is endorsed by:") || !strings.Contains(body, "Lund University") ||
		!strings.Contains(body, "We also issue this badge.") {
		t.Fatalf("public page = %d, want the badge's endorsement:\n%s", status, body)
	}

	// The staff member follows the badge class: their stream shows who
	// earned it here and who endorsed it.
	if status, out := f.API(t, "POST", "/api/v1/me/followed-badges", map[string]any{"badge": b["id"], "name": "Robotics"}, ""); status != http.StatusCreated {
		t.Fatalf("follow the badge = %d %v", status, out)
	}
	if status, out := f.API(t, "POST", "/api/v1/me/followed-badges", map[string]any{"badge": "not a url"}, ""); status != 400 {
		t.Fatalf("follow nonsense = %d %v", status, out)
	}
	_, stream := f.API(t, "GET", "/api/v1/me/stream", nil, "")
	var actors []string
	for _, e := range stream["items"].([]any) {
		if m := e.(map[string]any); m["kind"] == "followed-badge" {
			actors = append(actors, m["actor"].(string))
		}
	}
	slices.Sort(actors)
	if !slices.Equal(actors, []string{"Eva", "Lund University"}) {
		t.Fatalf("the follower's stream shows %v for the followed badge, want Eva's earning and Lund's endorsement", actors)
	}
	if status, _ := f.API(t, "DELETE", "/api/v1/me/followed-badges?badge="+url.QueryEscape(b["id"].(string)), nil, ""); status != http.StatusNoContent {
		t.Fatalf("unfollow = %d", status)
	}
}

// TestRemoteRevocationRecheckedOnView: a badge from another server,
// viewed when its last check is over an hour old, is checked again in the
// background: the page answers at once with when it was last checked,
// and shows the revocation once the check is done.
func TestRemoteRevocationRecheckedOnView(t *testing.T) {
	ctx := context.Background()
	f := webtest.StartNode(t)
	other := webtest.StartNode(t, func(c *node.Config) { c.Listen = "127.0.0.2:0" })
	other.IssuerReady(t)
	b := other.CreateBadge(t, "Welding", issuer.Expiry{Kind: "none"})
	id, uuid := other.IssueTo(t, b, "staff@example.org")

	api := f.UserAPI(t, f.Staff)
	status, out := api("POST", "/api/v1/me/badges", map[string]any{"url": id})
	if status != http.StatusCreated {
		t.Fatalf("add the other server's badge = %d %v", status, out)
	}
	item := out["id"].(string)
	if status, out := api("PUT", "/api/v1/me/badges/"+item, map[string]string{"visibility": "public"}); status != 200 {
		t.Fatalf("make public = %d %v", status, out)
	}
	if status, out := other.API(t, "POST", "/api/v1/orgs/tampere-uni/assertions/"+uuid+"/revoke", map[string]string{"revocationReason": "a mistake"}, ""); status != 200 {
		t.Fatalf("revoke = %d %v", status, out)
	}
	public := "/u/staff/badges/" + item
	anonymous := webtest.NoRedirects(nil)
	webtest.Lacks(t, "a page checked less than an hour ago", f.Page(t, anonymous, public), "This badge has been revoked")
	if _, err := f.Pool.Exec(ctx, `UPDATE backpack_item SET last_checked_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	body := f.Page(t, anonymous, public)
	webtest.Contains(t, "the first view after an hour", body, "checked 2 hours ago")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(body, "This badge has been revoked") {
		if time.Now().After(deadline) {
			t.Fatalf("the revocation never showed:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
		body = f.Page(t, anonymous, public)
	}
	webtest.Contains(t, "the page after the check", body, "a mistake", "checked just now")
}
