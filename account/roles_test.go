package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

// Every role against every capability, as README's roles table says.
func TestRoleCapabilities(t *testing.T) {
	A, C, I, R, S := account.RoleAdmin, account.RoleCreator, account.RoleIssuer, account.RoleReviewer, account.RoleStaff
	want := map[account.Capability][]account.Role{
		account.ActFor:             {A, C, I, S},
		account.ManageOrganisation: {A},
		account.CreateBadges:       {A, C, S},
		account.IssueBadges:        {A, C, I, S},
		account.Endorse:            {A, C, S},
		account.ViewReports:        {A, C, I, S},
		account.ReviewApplications: {A, R},
	}
	for _, c := range account.Capabilities() {
		for _, r := range []account.Role{A, C, I, R, S, "owner", ""} {
			allowed := false
			for _, x := range want[c] {
				allowed = allowed || x == r
			}
			if got := r.Can(c); got != allowed {
				t.Errorf("%q.Can(%v) = %v, want %v", r, c, got, allowed)
			}
		}
	}
	if len(want) != len(account.Capabilities()) {
		t.Errorf("the table covers %d capabilities, there are %d", len(want), len(account.Capabilities()))
	}
}

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want account.Role
	}{
		{"admin", account.RoleAdmin}, {"creator", account.RoleCreator}, {"issuer", account.RoleIssuer},
		{"reviewer", account.RoleReviewer}, {"staff", account.RoleCreator},
	} {
		if got, err := account.ParseRole(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "Admin", "owner", "earner"} {
		if _, err := account.ParseRole(bad); !problem.Is(err, problem.Invalid) {
			t.Errorf("ParseRole(%q) = %v, want Invalid", bad, err)
		}
	}
}

// people makes an organisation with a member of each role and one
// non-member.
func people(t *testing.T) (context.Context, account.DB, issuer.Organisation, map[string]account.User) {
	t.Helper()
	db := testkit.DB(t)
	ctx := context.Background()
	o, err := issuer.CreateOrganisation(ctx, db, issuer.NewOrganisation{Slug: "aalto", Name: "Aalto University", Country: "FI"})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]account.User{}
	for _, name := range []string{"admin", "creator", "issuer", "reviewer", "staff", "stranger"} {
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: name + "@example.org", Password: "long enough pw " + name})
		if err != nil {
			t.Fatal(err)
		}
		if name != "stranger" {
			if err := account.SetMembership(ctx, db, u.ID, o.ID, account.Role(name)); err != nil {
				t.Fatal(err)
			}
		}
		users[name] = u
	}
	return ctx, db, o, users
}

func TestAuthorize(t *testing.T) {
	ctx, db, o, users := people(t)
	for _, tc := range []struct {
		who  string
		cap  account.Capability
		want string // "" allowed, else a part of the sentence
	}{
		{"admin", account.ManageOrganisation, ""},
		{"creator", account.CreateBadges, ""},
		{"staff", account.CreateBadges, ""},
		{"issuer", account.IssueBadges, ""},
		{"issuer", account.ViewReports, ""},
		{"reviewer", account.ReviewApplications, ""},
		{"reviewer", account.CreateBadges, "You are a reviewer of Aalto University; only its creators and admins can change its badges."},
		{"issuer", account.CreateBadges, "You are an issuer of Aalto University; only its creators and admins"},
		{"creator", account.ManageOrganisation, "You are a creator of Aalto University; only its admins can change its settings and its people."},
		{"issuer", account.Endorse, "only its creators and admins can act in its network"},
		{"stranger", account.ActFor, "You are not a member of Aalto University."},
	} {
		err := account.Authorize(ctx, db, users[tc.who].ID, o.ID, tc.cap)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s %v: %v, want allowed", tc.who, tc.cap, err)
			}
			continue
		}
		if !problem.Is(err, problem.Forbidden) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want Forbidden saying %q", tc.who, tc.cap, err, tc.want)
		}
	}
	admin := users["stranger"]
	admin.NodeAdmin = true
	if err := account.UserActor(admin).Authorize(ctx, db, o.ID, account.ManageOrganisation); err != nil {
		t.Errorf("a node admin: %v, want allowed for every organisation", err)
	}
	if err := account.NodeActor().Authorize(ctx, db, o.ID, account.IssueBadges); err != nil {
		t.Errorf("the node: %v, want allowed", err)
	}
	if err := account.UserActor(users["stranger"]).Authorize(ctx, db, o.ID, account.IssueBadges); !problem.Is(err, problem.Forbidden) {
		t.Errorf("a non-member actor: %v, want Forbidden", err)
	}
}

func TestStaffIsStoredAsCreator(t *testing.T) {
	ctx, db, o, users := people(t)
	m, err := account.MemberByUsername(ctx, db, o.ID, users["staff"].Username)
	if err != nil || m.Role != account.RoleCreator {
		t.Fatalf("staff member = %+v, %v; want role creator", m, err)
	}
}

func TestLastAdminStays(t *testing.T) {
	ctx, db, o, users := people(t)
	admin := users["admin"].ID
	if _, err := account.ChangeRole(ctx, db, o.ID, admin, account.RoleCreator); !problem.Is(err, problem.Conflict) ||
		!strings.Contains(err.Error(), "last admin") {
		t.Fatalf("demoting the last admin: %v, want a Conflict about the last admin", err)
	}
	if err := account.RemoveMember(ctx, db, o.ID, admin); !problem.Is(err, problem.Conflict) {
		t.Fatalf("removing the last admin: %v, want Conflict", err)
	}
	if _, err := account.ChangeRole(ctx, db, o.ID, users["issuer"].ID, account.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	m, err := account.ChangeRole(ctx, db, o.ID, admin, account.RoleIssuer)
	if err != nil || m.Role != account.RoleIssuer {
		t.Fatalf("demoting one of two admins = %+v, %v", m, err)
	}
	if err := account.RemoveMember(ctx, db, o.ID, users["creator"].ID); err != nil {
		t.Fatal(err)
	}
	if err := account.RemoveMember(ctx, db, o.ID, users["creator"].ID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("removing a non-member: %v, want NotFound", err)
	}
	if _, err := account.ChangeRole(ctx, db, o.ID, users["reviewer"].ID, "owner"); !problem.Is(err, problem.Invalid) {
		t.Fatalf("an unknown role: %v, want Invalid", err)
	}
}

func TestMemberInvitationWithoutMail(t *testing.T) {
	ctx, db, o, users := people(t)
	in, token, err := account.InviteMember(ctx, db, o.ID, users["admin"].ID, "new@example.org", account.RoleIssuer, account.InviteMail{Node: "badges.example.org"})
	if err != nil || token == "" || in.State != "open" || in.Role != account.RoleIssuer {
		t.Fatalf("InviteMember = %+v, %q, %v", in, token, err)
	}
	if _, _, err := account.InviteMember(ctx, db, o.ID, users["admin"].ID, "Creator@example.org", account.RoleIssuer, account.InviteMail{}); !problem.Is(err, problem.Conflict) {
		t.Fatalf("inviting a member: %v, want Conflict", err)
	}
	if _, _, err := account.InviteMember(ctx, db, o.ID, users["admin"].ID, "not an address", account.RoleIssuer, account.InviteMail{}); !problem.Is(err, problem.Invalid) {
		t.Fatalf("inviting a bad address: %v, want Invalid", err)
	}
	u, got, err := account.AcceptMemberInvitationAsNew(ctx, db, token, account.NewUser{Name: "New Person", Password: "a long new password"})
	if err != nil || u.Email != "new@example.org" || !u.EmailVerified || got.State != "used" {
		t.Fatalf("AcceptMemberInvitationAsNew = %+v, %+v, %v", u, got, err)
	}
	m, err := account.MemberByUsername(ctx, db, o.ID, u.Username)
	if err != nil || m.Role != account.RoleIssuer {
		t.Fatalf("the new member = %+v, %v; want an issuer", m, err)
	}
	_, err = account.AcceptMemberInvitation(ctx, db, token, users["stranger"].ID)
	if !problem.Is(err, problem.Conflict) || !strings.Contains(err.Error(), "used already") {
		t.Fatalf("a second use: %v, want a Conflict saying it was used already", err)
	}
	if _, err := account.AcceptMemberInvitation(ctx, db, "no such token", users["stranger"].ID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("a made-up token: %v, want NotFound", err)
	}

	// Revoked: the link stops working.
	in, token, err = account.InviteMember(ctx, db, o.ID, users["admin"].ID, "later@example.org", account.RoleCreator, account.InviteMail{})
	if err != nil {
		t.Fatal(err)
	}
	if err := account.RevokeMemberInvitation(ctx, db, o.ID, in.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := account.AcceptMemberInvitation(ctx, db, token, users["stranger"].ID); !problem.Is(err, problem.Conflict) || !strings.Contains(err.Error(), "withdrawn") {
		t.Fatalf("a revoked invitation: %v, want a Conflict saying it was withdrawn", err)
	}
	if err := account.RevokeMemberInvitation(ctx, db, o.ID, in.ID); !problem.Is(err, problem.NotFound) {
		t.Fatalf("revoking twice: %v, want NotFound", err)
	}
	list, err := account.MemberInvitations(ctx, db, o.ID)
	if err != nil || len(list) != 2 || list[0].State != "revoked" || list[1].State != "used" {
		t.Fatalf("MemberInvitations = %+v, %v", list, err)
	}

	// An existing account accepts while logged in.
	_, token, err = account.InviteMember(ctx, db, o.ID, users["admin"].ID, "stranger@example.org", account.RoleReviewer, account.InviteMail{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := account.AcceptMemberInvitation(ctx, db, token, users["stranger"].ID); err != nil {
		t.Fatal(err)
	}
	if err := account.Authorize(ctx, db, users["stranger"].ID, o.ID, account.ReviewApplications); err != nil {
		t.Fatalf("the stranger after accepting: %v", err)
	}
}
