package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// Capability is a kind of work for an organisation. Roles have
// capabilities (Role.Can); the domain packages check them (Authorize)
// where the work is done, the web layer before it starts.
type Capability int

// The capabilities, and the roles that have them (see capabilities).
const (
	// ActFor: see the organisation's tools at all, and read what any of
	// its working members may read (its badges, its notifications).
	// Admins, creators and issuers.
	ActFor Capability = iota + 1
	// ManageOrganisation: its settings and its people. Admins.
	ManageOrganisation
	// CreateBadges: the badge library (create, change, archive, delete),
	// images, templates, alignments. Creators and admins.
	CreateBadges
	// IssueBadges: issue the badges there are (one, bulk), revoke.
	// Issuers, creators and admins.
	IssueBadges
	// Endorse: the organisation's network, in its name: partners,
	// endorsements given and requested, shared badges, regional networks,
	// external endorsers. Creators and admins, since an endorsement speaks
	// for the organisation as a badge does.
	Endorse
	// ViewReports: the organisation's reports. Issuers, creators and
	// admins.
	ViewReports
	// ReviewApplications: decide badge applications. Reviewers and admins.
	ReviewApplications
)

// capabilities says which roles have each capability, and how a refusal
// names them and the work ("only its %s can %s").
var capabilities = map[Capability]struct {
	roles []Role
	who   string
	work  string
}{
	ActFor:             {[]Role{RoleAdmin, RoleCreator, RoleIssuer}, "admins, creators and issuers", "work for it"},
	ManageOrganisation: {[]Role{RoleAdmin}, "admins", "change its settings and its people"},
	CreateBadges:       {[]Role{RoleAdmin, RoleCreator}, "creators and admins", "change its badges"},
	IssueBadges:        {[]Role{RoleAdmin, RoleCreator, RoleIssuer}, "issuers, creators and admins", "issue and revoke its badges"},
	Endorse:            {[]Role{RoleAdmin, RoleCreator}, "creators and admins", "act in its network (partners, endorsements, shares)"},
	ViewReports:        {[]Role{RoleAdmin, RoleCreator, RoleIssuer}, "issuers, creators and admins", "see its reports"},
	ReviewApplications: {[]Role{RoleAdmin, RoleReviewer}, "reviewers and admins", "review its badge applications"},
}

// Capabilities are all the capabilities, in order.
func Capabilities() []Capability {
	return []Capability{ActFor, ManageOrganisation, CreateBadges, IssueBadges, Endorse, ViewReports, ReviewApplications}
}

// String is the capability's name, as Go spells it.
func (c Capability) String() string {
	switch c {
	case ActFor:
		return "ActFor"
	case ManageOrganisation:
		return "ManageOrganisation"
	case CreateBadges:
		return "CreateBadges"
	case IssueBadges:
		return "IssueBadges"
	case Endorse:
		return "Endorse"
	case ViewReports:
		return "ViewReports"
	case ReviewApplications:
		return "ReviewApplications"
	}
	return fmt.Sprintf("Capability(%d)", int(c))
}

// Can reports whether the role has the capability; staff is creator.
func (r Role) Can(c Capability) bool {
	r = r.canonical()
	for _, x := range capabilities[c].roles {
		if x == r {
			return true
		}
	}
	return false
}

// Actor is who does a piece of work: a user (a node admin acts for every
// organisation), or the node itself (NodeActor), for the work it does on
// its own (milestone badges, approved applications, federation).
type Actor struct {
	UserID    int64
	NodeAdmin bool
	node      bool
}

// UserActor is the actor u.
func UserActor(u User) Actor { return Actor{UserID: u.ID, NodeAdmin: u.NodeAdmin} }

// NodeActor is the node itself, which may do anything: only code that
// runs on the node's own behalf (jobs, rules an organisation set up) uses
// it, never a request.
func NodeActor() Actor { return Actor{node: true} }

// Authorize is nil if the actor may do work c for the organisation, else
// a Forbidden that says why in a sentence a person understands ("You are
// a reviewer of Aalto University; only its creators and admins can change
// its badges"). db may be the transaction the work is done in.
func (a Actor) Authorize(ctx context.Context, db DB, orgID int64, c Capability) error {
	if a.node || a.NodeAdmin {
		return nil
	}
	return Authorize(ctx, db, a.UserID, orgID, c)
}

// Authorize is nil if the user's role in the organisation has capability
// c, else a Forbidden naming the role and who may. It does not know node
// admins: Actor.Authorize does.
func Authorize(ctx context.Context, db DB, userID, orgID int64, c Capability) error {
	var name string
	var role *Role
	err := db.QueryRow(ctx, `SELECT o.name, m.role FROM organisation o
		LEFT JOIN membership m ON m.organisation_id = o.id AND m.user_id = $1 WHERE o.id = $2`, userID, orgID).Scan(&name, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		return problem.NotFoundf("no such organisation")
	}
	if err != nil {
		return fmt.Errorf("check the role of user %d in organisation %d: %w", userID, orgID, err)
	}
	if role == nil {
		return problem.Forbiddenf("You are not a member of %s.", name)
	}
	if role.Can(c) {
		return nil
	}
	return refusal(*role, name, c)
}

// refusal is the Forbidden for a role that lacks c in organisation name.
func refusal(r Role, name string, c Capability) error {
	cp, ok := capabilities[c]
	if !ok {
		return problem.Forbiddenf("You may not do that for %s.", name)
	}
	return problem.Forbiddenf("You are %s %s of %s; only its %s can %s.", article(string(r.canonical())), r.canonical(), name, cp.who, cp.work)
}

func article(word string) string {
	if strings.ContainsAny(word[:1], "aeiou") {
		return "an"
	}
	return "a"
}
