// Package network is the endorsement network between organisations, on
// this node and across nodes: partners, endorsements of organisations and
// of badges (hosted by the endorser as Open Badges 2.0 Endorsements and as
// signed Open Badges 3.0 EndorsementCredentials, which the endorsed
// organisation's node verifies before it shows them),
// requests for endorsements, and endorsement templates. It owns its tables
// and its SQL; between nodes every step is a signed activity sent and
// received through package federation (docs/FEDERATION.md lists them).
package network

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
)

// DB is what the package needs of a connection: a pool, a connection or a
// transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Fetcher reads a JSON document from another server (the node's egress
// client, which refuses private addresses): a partner's BadgeClass.
type Fetcher interface {
	Get(ctx context.Context, rawURL, accept string) ([]byte, *http.Response, error)
}

// Network does the endorsement network's work for one node.
type Network struct {
	pool  *pgxpool.Pool
	fed   *federation.Federation
	urls  issuer.URLs
	fetch Fetcher
	mail  issuer.Queue // nil: no email and no jobs (see SetQueue)
	// locale writes the emails (see SetLocale); nil: English.
	locale *locale.Catalog
	// verifier verifies the EndorsementCredentials that arrive with
	// endorsements (VerifyWorker).
	verifier *verifier.Verifier
}

// New returns the network of a node, which verifies received
// EndorsementCredentials with v. Call Register before the node serves, so
// that its inbox hands the network's activities to it.
func New(pool *pgxpool.Pool, fed *federation.Federation, urls issuer.URLs, fetch Fetcher, v *verifier.Verifier) *Network {
	return &Network{pool: pool, fed: fed, urls: urls, fetch: fetch, verifier: v}
}

// party is an organisation at the other end of a relation: on this node
// (Org set) or on another (Inbox set).
type party struct {
	Actor   string
	Profile string // its Open Badges issuer Profile id
	Name    string
	Country string
	Org     *issuer.Organisation
	Inbox   string
}

func (n *Network) localParty(o issuer.Organisation) party {
	return party{Actor: n.fed.URLs().Actor(o.Slug), Profile: n.urls.Profile(o.Slug), Name: o.Name, Country: o.Country, Org: &o}
}

// resolve finds the organisation a user names: a slug on this node, a
// handle (acct:name@host) or an actor URL. Problems are reported on field.
func (n *Network) resolve(ctx context.Context, field, target string) (party, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return party{}, problem.Invalidf(field, "is required: an organisation's handle (acct:name@host), actor URL, or slug on this node")
	}
	if !strings.ContainsAny(target, "@:/") {
		o, err := issuer.OrganisationBySlug(ctx, n.pool, target)
		if err != nil {
			return party{}, problem.Invalidf(field, "no organisation %q on this node", target)
		}
		return n.localParty(o), nil
	}
	id, err := n.fed.ResolveActor(ctx, target)
	if p, ok := problem.As(err); ok {
		return party{}, problem.Invalidf(field, "%s", p.Message)
	}
	if err != nil {
		return party{}, err
	}
	return n.partyByActor(ctx, n.pool, field, id, true)
}

// partyByActor finds the organisation with actor id: ours, or remote
// (fetched when fetch is set and it is not cached).
func (n *Network) partyByActor(ctx context.Context, db DB, field, id string, fetch bool) (party, error) {
	if slug := n.fed.URLs().UsernameOf(id); slug != "" {
		o, err := issuer.OrganisationBySlug(ctx, db, slug)
		if err != nil {
			return party{}, problem.Invalidf(field, "%s is not an organisation", id)
		}
		return n.localParty(o), nil
	}
	var ra federation.RemoteActor
	var err error
	if fetch {
		ra, err = n.fed.RemoteActor(ctx, id, false)
	} else {
		ra, err = federation.CachedRemoteActor(ctx, db, id)
	}
	if err != nil {
		return party{}, problem.Invalidf(field, "cannot reach %s: %v", id, err)
	}
	// A regional network (a Group, package community) endorses and is
	// endorsed as an organisation does: its recognitions are endorsements.
	if ra.Type != "Organization" && ra.Type != "Group" {
		return party{}, problem.Invalidf(field, "%s is not an organisation (it is a %s)", id, strings.ToLower(orNone(ra.Type)))
	}
	name := ra.Name
	if name == "" {
		name = ra.Username + "@" + ra.Host
	}
	return party{Actor: ra.ID, Profile: ra.OpenBadgesProfile, Name: name, Country: ra.Country, Inbox: ra.Inbox}, nil
}

func orNone(s string) string {
	if s == "" {
		return "actor of unknown type"
	}
	return s
}

// publish sends an activity by a local organisation to a remote party, in
// tx. A local party needs nothing sent: both sides share this database.
func (n *Network) publish(ctx context.Context, tx pgx.Tx, from issuer.Organisation, to party, activity map[string]any) error {
	if to.Org != nil {
		return nil
	}
	if _, err := n.fed.Publish(ctx, tx, from.Slug, activity, false, []string{to.Inbox}); err != nil {
		return fmt.Errorf("send %s to %s: %w", activity["type"], to.Actor, err)
	}
	return nil
}

// activity starts an activity by a local organisation.
func (n *Network) activity(from issuer.Organisation, typ string, to party, object any) map[string]any {
	return map[string]any{
		"@context": activityContext(false),
		"id":       n.fed.URLs().NewActivityID(from.Slug),
		"type":     typ,
		"actor":    n.fed.URLs().Actor(from.Slug),
		"to":       []string{to.Actor},
		"object":   object,
	}
}
