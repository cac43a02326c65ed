// Package community is Laurel's regional badge networks: communities such
// as "Badge Finland" that organisations on any node join, beyond the pair
// by pair partnerships of package network.
//
// A network is an ActivityPub Group actor (FEP-1b12 style, so that
// fediverse accounts can follow it and see what it relays as boosts) and
// an issuer record of package issuer (so that it has an Open Badges
// Profile and keys, and can recognise its members). Organisations join by
// following the Group: the network accepts them at once, or its
// moderators do (Accept or Reject), or only those invited get in. They
// leave with Undo{Follow}; moderators remove them with Remove. Accepted
// members are announced to every member with Add, removals with Remove.
//
// Moderators are organisations on the network's node, whose admins act for
// the network: the founder, and those the moderators appoint.
package community

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/language"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
)

// DB is what the package's functions read and write through: the pool, or
// a transaction.
type DB = issuer.DB

// Membership policies: who may join a network.
const (
	Open       = "open"       // anyone who asks is a member at once
	Approval   = "approval"   // the moderators accept or decline each application
	Invitation = "invitation" // only organisations the moderators invited
)

// Network is a regional badge network hosted on this node.
type Network struct {
	issuer.Organisation
	Countries []string  `json:"countries"`
	Policy    string    `json:"policy"`
	Charter   string    `json:"charter"`
	FoundedBy string    `json:"founded_by"` // slug of the founding organisation
	Actor     string    `json:"actor"`
	Handle    string    `json:"handle"`
	Founded   time.Time `json:"founded_at"`
}

// NewNetwork is the input of Found.
type NewNetwork struct {
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Countries   []string `json:"countries"`
	Policy      string   `json:"policy"`
	Website     string   `json:"website"`
	Charter     string   `json:"charter"`
}

// Communities is the package's service: networks hosted here, and this
// node's organisations' memberships of networks anywhere.
type Communities struct {
	db   *pgxpool.Pool
	fed  *federation.Federation
	urls federation.URLs
	// endorsements issues the network's recognitions, which are
	// endorsements by its issuer Profile.
	endorsements *network.Network
}

// New returns the service. Call Register before the node serves.
func New(db *pgxpool.Pool, fed *federation.Federation, endorsements *network.Network) *Communities {
	return &Communities{db: db, fed: fed, urls: fed.URLs(), endorsements: endorsements}
}

func (in *NewNetwork) validate() error {
	in.Policy = strings.TrimSpace(in.Policy)
	if in.Policy == "" {
		in.Policy = Approval
	}
	if !slices.Contains([]string{Open, Approval, Invitation}, in.Policy) {
		return problem.Invalidf("policy", "must be open, approval or invitation, not %q", in.Policy)
	}
	if len(in.Countries) == 0 || len(in.Countries) > 60 {
		return problem.Invalidf("countries", "must list 1 to 60 ISO 3166 country codes, such as [\"FI\"]")
	}
	seen := map[string]bool{}
	var countries []string
	for _, c := range in.Countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		r, err := language.ParseRegion(c)
		if len(c) != 2 || err != nil || !r.IsCountry() || r.String() != c {
			return problem.Invalidf("countries", "%q is not an ISO 3166 two-letter country code", c)
		}
		if !seen[c] {
			seen[c] = true
			countries = append(countries, c)
		}
	}
	in.Countries = countries
	if len(in.Charter) > 20000 {
		return problem.Invalidf("charter", "must be at most 20000 characters")
	}
	return nil
}

// Found creates a network with founder as its first member and moderator:
// its issuer record and Group actor, in one transaction.
func (c *Communities) Found(ctx context.Context, founder issuer.Organisation, in NewNetwork) (Network, error) {
	if founder.Network {
		return Network{}, problem.Invalidf("", "a network cannot found a network")
	}
	if err := in.validate(); err != nil {
		return Network{}, err
	}
	var id int64
	err := pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		o, err := issuer.CreateOrganisation(ctx, tx, issuer.NewOrganisation{Slug: in.Slug, Name: in.Name,
			Country: in.Countries[0], URL: in.Website, Description: in.Description, Network: true})
		if err != nil {
			return err
		}
		id = o.ID
		if _, err := tx.Exec(ctx, `INSERT INTO community (organisation_id, countries, policy, charter, founded_by)
			VALUES ($1, $2, $3, $4, $5)`, o.ID, in.Countries, in.Policy, in.Charter, founder.ID); err != nil {
			return fmt.Errorf("store network %s: %w", in.Slug, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO community_moderator (community_id, organisation_id) VALUES ($1, $2)`, o.ID, founder.ID); err != nil {
			return fmt.Errorf("make %s a moderator of %s: %w", founder.Slug, in.Slug, err)
		}
		// The founder is the first member too.
		if _, err := tx.Exec(ctx, `INSERT INTO community_member (community_id, actor, name, country, handle, ob_profile, state, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'accepted', now())`, o.ID, c.urls.Actor(founder.Slug), founder.Name, founder.Country,
			c.urls.Handle(founder.Slug), issuer.URLs{Base: c.urls.Base}.Profile(founder.Slug)); err != nil {
			return fmt.Errorf("make %s a member of %s: %w", founder.Slug, in.Slug, err)
		}
		_, err = upsertMembership(ctx, tx, founder.ID, c.urls.Actor(o.Slug), c.urls.Handle(o.Slug), o.Name, Accepted)
		return err
	})
	if err != nil {
		return Network{}, err
	}
	return c.byID(ctx, c.db, id)
}

const networkColumns = `c.organisation_id, c.countries, c.policy, c.charter, coalesce(f.slug, ''), c.created_at`

const networkFrom = ` FROM community c LEFT JOIN organisation f ON f.id = c.founded_by `

func (c *Communities) scan(ctx context.Context, db DB, row pgx.Row) (Network, error) {
	var n Network
	var id int64
	if err := row.Scan(&id, &n.Countries, &n.Policy, &n.Charter, &n.FoundedBy, &n.Founded); err != nil {
		return Network{}, err
	}
	o, err := issuer.OrganisationByID(ctx, db, id)
	if err != nil {
		return Network{}, err
	}
	n.Organisation, n.Actor, n.Handle = o, c.urls.Actor(o.Slug), c.urls.Handle(o.Slug)
	return n, nil
}

func (c *Communities) byID(ctx context.Context, db DB, id int64) (Network, error) {
	n, err := c.scan(ctx, db, db.QueryRow(ctx, `SELECT `+networkColumns+networkFrom+`WHERE c.organisation_id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Network{}, problem.NotFoundf("no network %d", id)
	}
	if err != nil {
		return Network{}, fmt.Errorf("find network %d: %w", id, err)
	}
	return n, nil
}

// ByName finds a network hosted here by its name in handles and URLs.
func (c *Communities) ByName(ctx context.Context, name string) (Network, error) {
	return c.byName(ctx, c.db, name)
}

func (c *Communities) byName(ctx context.Context, db DB, name string) (Network, error) {
	n, err := c.scan(ctx, db, db.QueryRow(ctx, `SELECT `+networkColumns+networkFrom+
		`JOIN organisation o ON o.id = c.organisation_id WHERE o.slug = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return Network{}, problem.NotFoundf("no network %q on this node", name)
	}
	if err != nil {
		return Network{}, fmt.Errorf("find network %s: %w", name, err)
	}
	return n, nil
}

// IsModerator reports whether the person userID acts for the network: an
// admin of one of its moderator organisations.
func IsModerator(ctx context.Context, db DB, networkID, userID int64) (bool, error) {
	rows, err := db.Query(ctx, `SELECT organisation_id FROM community_moderator WHERE community_id = $1`, networkID)
	if err != nil {
		return false, fmt.Errorf("moderators of network %d: %w", networkID, err)
	}
	moderators, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return false, fmt.Errorf("moderators of network %d: %w", networkID, err)
	}
	ms, err := account.Memberships(ctx, db, userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ms, func(m account.Membership) bool {
		return m.Role == account.RoleAdmin && slices.Contains(moderators, m.OrganisationID)
	}), nil
}

// Moderators lists the slugs of the network's moderator organisations.
func Moderators(ctx context.Context, db DB, networkID int64) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT o.slug FROM community_moderator m JOIN organisation o ON o.id = m.organisation_id
		WHERE m.community_id = $1 ORDER BY m.appointed_at, o.slug`, networkID)
	if err != nil {
		return nil, fmt.Errorf("moderators of network %d: %w", networkID, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
