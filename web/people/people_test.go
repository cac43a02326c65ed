package people_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/testkit"
	"github.com/laurelnet/laurel/web/webtest"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// member makes a user with role in the fixture's organisation ("" for
// none).
func member(t *testing.T, f *webtest.Fixture, name string, role account.Role) account.User {
	t.Helper()
	ctx := context.Background()
	u, err := account.CreateUser(ctx, f.Pool, account.NewUser{Email: name + "@example.org", Name: strings.ToUpper(name[:1]) + name[1:], Password: webtest.Password})
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		if err := account.SetMembership(ctx, f.Pool, u.ID, f.Org.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// Each role against each kind of work, through the API: what the role
// may do answers 2xx, the rest 403 with a sentence that names the role.
func TestRolesAPIMatrix(t *testing.T) {
	f := webtest.StartNode(t)
	f.IssuerReady(t)
	ctx := context.Background()
	users := map[string]account.User{
		"admin":    member(t, f, "olga", account.RoleAdmin),
		"creator":  member(t, f, "cecilia", account.RoleCreator),
		"staff":    f.Staff, // made staff, stored creator
		"issuer":   member(t, f, "ivan", account.RoleIssuer),
		"reviewer": member(t, f, "rita", account.RoleReviewer),
		"stranger": member(t, f, "sam", ""),
		"node":     f.Admin,
	}
	issued := f.CreateBadge(t, "Issued", issuer.Expiry{})
	archived := f.CreateBadge(t, "Archived", issuer.Expiry{})
	as, err := issuer.Issue(ctx, f.Pool, account.NodeActor(), issuer.Hooks{}, issuer.URLs{Base: webtest.MustURL(t, f.Base)}, f.Org, issued,
		[]issuer.AssertionInput{{Recipient: issuer.Recipient{Kind: issuer.RecipientEmail, Identity: "earner@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	org := "/api/v1/orgs/tampere-uni"
	badge := func() map[string]any {
		return map[string]any{"name": "New", "description": "D", "image": webtest.RobotDataURL(t), "criteria": map[string]any{"narrative": "Do it"}}
	}
	n := 0
	actions := []struct {
		name         string
		method, path string
		body         func() any
		ok           int
		allowed      string // the roles that may, by name
	}{
		{"read badges", "GET", org + "/badges", nil, 200, "admin creator staff issuer node"},
		{"create a badge", "POST", org + "/badges", func() any { return badge() }, 201, "admin creator staff node"},
		{"archive a badge", "POST", org + "/badges/" + archived.UUID + "/archive", nil, 200, "admin creator staff node"},
		{"issue", "POST", org + "/badges/" + issued.UUID + "/assertions", func() any {
			n++
			return map[string]any{"recipient": map[string]any{"type": "email", "identity": fmt.Sprintf("e%d@example.org", n)}}
		}, 201, "admin creator staff issuer node"},
		{"revoke", "POST", org + "/assertions/" + as[0].UUID + "/revoke", func() any { return map[string]any{"revocationReason": "test"} }, 200, "admin creator staff issuer node"},
		{"see partners", "GET", org + "/partners", nil, 200, "admin creator staff node"},
		{"see saved alignments", "GET", org + "/alignments", nil, 200, "admin creator staff node"},
		{"list members", "GET", org + "/members", nil, 200, "admin node"},
		{"invite", "POST", org + "/invitations", func() any {
			n++
			return map[string]any{"email": fmt.Sprintf("invitee%d@example.org", n), "role": "issuer"}
		}, 201, "admin node"},
		{"change settings", "PATCH", org, func() any { return map[string]any{"description": "Changed"} }, 200, "admin node"},
	}
	apis := map[string]func(method, path string, body any) (int, map[string]any){}
	for who, u := range users {
		apis[who] = f.UserAPI(t, u)
	}
	for _, a := range actions {
		for _, who := range []string{"admin", "creator", "staff", "issuer", "reviewer", "stranger", "node"} {
			t.Run(a.name+"/"+who, func(t *testing.T) {
				var body any
				if a.body != nil {
					body = a.body()
				}
				status, out := apis[who](a.method, a.path, body)
				allowed := strings.Contains(" "+a.allowed+" ", " "+who+" ")
				switch {
				case allowed && status != a.ok:
					t.Errorf("%s %s as %s = %d %v, want %d", a.method, a.path, who, status, out, a.ok)
				case !allowed && status != http.StatusForbidden:
					t.Errorf("%s %s as %s = %d %v, want 403", a.method, a.path, who, status, out)
				case !allowed && who == "stranger" && errorOf(out) != "You are not a member of Tampere University.":
					t.Errorf("the refusal of a non-member says %q", errorOf(out))
				case !allowed && who != "stranger" && !strings.HasPrefix(errorOf(out), "You are a"):
					t.Errorf("the refusal of a %s says %q, want it to name the role", who, errorOf(out))
				}
			})
		}
	}
	_, out := apis["reviewer"]("POST", org+"/badges", badge())
	if want := "You are a reviewer of Tampere University; only its creators and admins can change its badges."; errorOf(out) != want {
		t.Errorf("the reviewer's refusal = %q, want %q", errorOf(out), want)
	}
}

func TestLastAdminThroughTheAPI(t *testing.T) {
	f := webtest.StartNode(t)
	admin := member(t, f, "olga", account.RoleAdmin)
	api := f.UserAPI(t, admin)
	members := "/api/v1/orgs/tampere-uni/members/"
	status, out := api("PATCH", members+admin.Username, map[string]any{"role": "creator"})
	if status != http.StatusConflict || !strings.Contains(errorOf(out), "last admin") {
		t.Fatalf("demoting the last admin = %d %v, want 409 about the last admin", status, out)
	}
	if status, out = api("DELETE", members+admin.Username, nil); status != http.StatusConflict {
		t.Fatalf("removing the last admin = %d %v, want 409", status, out)
	}
	if status, out = api("PATCH", members+f.Staff.Username, map[string]any{"role": "owner"}); status != http.StatusBadRequest || fieldOf(out) != "role" {
		t.Fatalf("an unknown role = %d %v, want 400 on role", status, out)
	}
	if status, out = api("PATCH", members+f.Staff.Username, map[string]any{"role": "admin"}); status != 200 || out["role"] != "admin" {
		t.Fatalf("making staff an admin = %d %v", status, out)
	}
	if status, out = api("DELETE", members+admin.Username, nil); status != http.StatusNoContent {
		t.Fatalf("removing one of two admins = %d %v", status, out)
	}
	if status, _ = api("GET", "/api/v1/orgs/tampere-uni/members", nil); status != http.StatusForbidden {
		t.Fatalf("a removed admin lists members: %d, want 403", status)
	}
	staff := f.UserAPI(t, f.Staff)
	status, out = staff("POST", "/api/v1/orgs/tampere-uni/members", map[string]any{"email": "olga@example.org", "role": "staff"})
	if status != http.StatusCreated || out["role"] != "creator" {
		t.Fatalf("adding an account back as staff = %d %v, want 201 as creator", status, out)
	}
	if status, out = staff("POST", "/api/v1/orgs/tampere-uni/members", map[string]any{"email": "nobody@example.org", "role": "issuer"}); status != http.StatusNotFound ||
		!strings.Contains(errorOf(out), "invite") {
		t.Fatalf("adding a person without an account = %d %v, want 404 that says to invite", status, out)
	}
}

// Without mail, an invitation's answer carries its link; the link works
// once, through the API too; a withdrawn one stops working.
func TestInvitationLinkWithoutMail(t *testing.T) {
	f := webtest.StartNode(t)
	admin := member(t, f, "olga", account.RoleAdmin)
	sam := member(t, f, "sam", "")
	api := f.UserAPI(t, admin)
	status, inv := api("POST", "/api/v1/orgs/tampere-uni/invitations", map[string]any{"email": "sam@example.org", "role": "issuer"})
	link, _ := inv["link"].(string)
	if status != http.StatusCreated || !strings.HasPrefix(link, f.Base+"/join/") || inv["state"] != "open" {
		t.Fatalf("invite = %d %v", status, inv)
	}
	token := strings.TrimPrefix(link, f.Base+"/join/")
	samAPI := f.UserAPI(t, sam)
	status, out := samAPI("POST", "/api/v1/invitations/"+token+"/accept", nil)
	if status != 200 || out["organisation"] != "tampere-uni" || out["role"] != "issuer" {
		t.Fatalf("accept = %d %v", status, out)
	}
	if status, out = samAPI("POST", "/api/v1/invitations/"+token+"/accept", nil); status != http.StatusConflict ||
		!strings.Contains(errorOf(out), "used already") {
		t.Fatalf("a second accept = %d %v, want 409 saying it was used", status, out)
	}
	if status, _ = samAPI("GET", "/api/v1/orgs/tampere-uni/badges", nil); status != 200 {
		t.Fatalf("the new issuer reads the badges: %d", status)
	}
	status, inv = api("POST", "/api/v1/orgs/tampere-uni/invitations", map[string]any{"email": "later@example.org", "role": "creator"})
	if status != http.StatusCreated {
		t.Fatalf("invite = %d %v", status, inv)
	}
	id := fmt.Sprint(inv["id"])
	if status, _ = api("DELETE", "/api/v1/orgs/tampere-uni/invitations/"+id, nil); status != http.StatusNoContent {
		t.Fatalf("withdraw = %d", status)
	}
	status, page, _ := f.Do(t, f.Client, "GET", strings.TrimPrefix(inv["link"].(string), f.Base), nil, nil)
	if status != http.StatusConflict {
		t.Fatalf("a withdrawn invitation's page = %d", status)
	}
	webtest.Contains(t, "a withdrawn invitation's page", page, "withdrawn")
	status, list := api("GET", "/api/v1/orgs/tampere-uni/invitations", nil)
	if status != 200 || len(list["invitations"].([]any)) != 2 {
		t.Fatalf("invitations = %d %v", status, list)
	}
}

// linkIn finds the join link in a message.
func linkIn(t *testing.T, text string) string {
	t.Helper()
	m := regexp.MustCompile(`https?://\S+/join/\S+`).FindString(text)
	if m == "" {
		t.Fatalf("no join link in %q", text)
	}
	u, err := url.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// errorOf is the message of an API error answer.
func errorOf(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func fieldOf(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}
