package network

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// Partner is an organisation in another's partner network: one it added
// (it follows them, the partner request) or one that added it, with the
// endorsements between them.
type Partner struct {
	Actor       string `json:"actor"`
	Name        string `json:"name"`
	Country     string `json:"country"`
	Local       bool   `json:"local"`           // on this node
	Slug        string `json:"slug,omitempty"`  // when local
	WeAdded     bool   `json:"we_added"`        // we sent the partner request
	TheyAdded   bool   `json:"they_added"`      // they did
	State       string `json:"state,omitempty"` // of our request: pending, accepted, rejected
	WeEndorse   bool   `json:"we_endorse"`      // we endorse the organisation
	TheyEndorse bool   `json:"they_endorse"`    // it endorses us
	Relation    string `json:"relation"`        // none, we-endorse, they-endorse or mutual
}

// Filter narrows a partner list.
type Filter struct {
	Relation string // all (or ""), we-endorse, they-endorse, mutual
	Country  string // ISO code; "" for any
	Text     string // part of the name
}

// AddPartner adds the organisation target (a slug here, a handle or an
// actor URL) to o's partners: a partner request, sent as a Follow, which
// the other side accepts at once unless it approves followers by hand.
func (n *Network) AddPartner(ctx context.Context, o issuer.Organisation, target string) (Partner, error) {
	p, err := n.resolve(ctx, "target", target)
	if err != nil {
		return Partner{}, err
	}
	if p.Org != nil && p.Org.ID == o.ID {
		return Partner{}, problem.Invalidf("target", "an organisation cannot be its own partner")
	}
	if _, err := n.fed.FollowRemote(ctx, o.Slug, p.Actor); err != nil {
		return Partner{}, err
	}
	return n.partner(ctx, o, p.Actor)
}

// RemovePartner takes actor out of o's partners, in both directions: o
// stops following it, and it stops following o.
func (n *Network) RemovePartner(ctx context.Context, o issuer.Organisation, actor string) error {
	errOurs := n.fed.Unfollow(ctx, o.Slug, actor)
	errTheirs := n.fed.RemoveFollower(ctx, o.Slug, actor)
	switch {
	case problem.Is(errOurs, problem.NotFound) && problem.Is(errTheirs, problem.NotFound):
		return problem.NotFoundf("That organisation is not a partner of %s.", o.Name)
	case errOurs != nil && !problem.Is(errOurs, problem.NotFound):
		return errOurs
	case errTheirs != nil && !problem.Is(errTheirs, problem.NotFound):
		return errTheirs
	}
	return nil
}

// partnerQuery lists an organisation's partners: $1 its actor, $2 the
// prefix of local actor ids, $3 relation, $4 country, $5 text, $6 one
// actor or ”. Persons who follow the organisation are not partners.
const partnerQuery = `
WITH rel AS (
	SELECT followee AS actor, true AS we, false AS they, state FROM follow WHERE follower = $1
	UNION ALL
	SELECT follower, false, true, NULL FROM follow WHERE followee = $1
), agg AS (
	SELECT actor, bool_or(we) AS we, bool_or(they) AS they, max(state) AS state FROM rel GROUP BY actor
), named AS (
	SELECT agg.*, coalesce(o.name, ra.name, '') AS name, coalesce(o.country, ra.country, '') AS country,
		o.slug AS slug,
		EXISTS (SELECT 1 FROM endorsement e WHERE e.endorser_actor = $1 AND e.subject_actor = agg.actor
			AND e.subject_kind = 'organisation' AND e.withdrawn_at IS NULL) AS we_endorse,
		EXISTS (SELECT 1 FROM endorsement e WHERE e.endorser_actor = agg.actor AND e.subject_actor = $1
			AND e.subject_kind = 'organisation' AND e.withdrawn_at IS NULL AND e.` + shown + `) AS they_endorse
	FROM agg
	LEFT JOIN organisation o ON agg.actor = $2 || o.slug
	LEFT JOIN remote_actor ra ON ra.id = agg.actor
	WHERE o.id IS NOT NULL OR ra.type = 'Organization'
)
SELECT actor, name, country, slug IS NOT NULL, coalesce(slug, ''), we, they, coalesce(state, ''), we_endorse, they_endorse
FROM named
WHERE ($3 = 'all' OR ($3 = 'we-endorse' AND we_endorse) OR ($3 = 'they-endorse' AND they_endorse)
		OR ($3 = 'mutual' AND we_endorse AND they_endorse))
	AND ($4 = '' OR country = $4)
	AND ($5 = '' OR name ILIKE '%' || $5 || '%')
	AND ($6 = '' OR actor = $6)
ORDER BY lower(name), actor`

// Partners lists o's partners by name, filtered.
func (n *Network) Partners(ctx context.Context, o issuer.Organisation, f Filter) ([]Partner, error) {
	return n.partners(ctx, o, f, "")
}

func (n *Network) partner(ctx context.Context, o issuer.Organisation, actor string) (Partner, error) {
	list, err := n.partners(ctx, o, Filter{}, actor)
	if err != nil {
		return Partner{}, err
	}
	if len(list) == 0 {
		return Partner{}, problem.NotFoundf("That organisation is not a partner of %s.", o.Name)
	}
	return list[0], nil
}

func (n *Network) partners(ctx context.Context, o issuer.Organisation, f Filter, actor string) ([]Partner, error) {
	switch f.Relation {
	case "":
		f.Relation = "all"
	case "all", "we-endorse", "they-endorse", "mutual":
	default:
		return nil, problem.Invalidf("filter", "must be all, we-endorse, they-endorse or mutual")
	}
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	if f.Country != "" && len(f.Country) != 2 {
		return nil, problem.Invalidf("country", "must be a two-letter country code")
	}
	f.Text = escapeLike(strings.TrimSpace(f.Text))
	rows, err := n.pool.Query(ctx, partnerQuery, n.fed.URLs().Actor(o.Slug), n.fed.URLs().Actor(""),
		f.Relation, f.Country, f.Text, actor)
	if err != nil {
		return nil, fmt.Errorf("list partners of %s: %w", o.Slug, err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Partner, error) {
		var p Partner
		err := r.Scan(&p.Actor, &p.Name, &p.Country, &p.Local, &p.Slug, &p.WeAdded, &p.TheyAdded, &p.State, &p.WeEndorse, &p.TheyEndorse)
		p.Relation = relation(p.WeEndorse, p.TheyEndorse)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list partners of %s: %w", o.Slug, err)
	}
	return list, nil
}

func relation(we, they bool) string {
	switch {
	case we && they:
		return "mutual"
	case we:
		return "we-endorse"
	case they:
		return "they-endorse"
	}
	return "none"
}

// escapeLike escapes the wildcards of a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Listing is an organisation in the partner directory.
type Listing struct {
	Actor   string `json:"actor"`
	Name    string `json:"name"`
	Country string `json:"country"`
	Local   bool   `json:"local"`
	Handle  string `json:"handle"`
}

// Directory finds organisations that chose to be listed, on this node and
// those of other nodes this node knows, by part of the name and country.
func (n *Network) Directory(ctx context.Context, text, country string, limit int) ([]Listing, error) {
	country = strings.ToUpper(strings.TrimSpace(country))
	rows, err := n.pool.Query(ctx, `
		SELECT actor, name, country, local, handle FROM (
			SELECT $1 || slug AS actor, name, country, true AS local, slug || '@' || $2 AS handle
			FROM organisation WHERE listed AND kind = 'organisation' -- networks are not partners
			UNION ALL
			SELECT id, name, country, false, username || '@' || host FROM remote_actor
			WHERE type = 'Organization' AND discoverable
		) d
		WHERE ($3 = '' OR name ILIKE '%' || $3 || '%') AND ($4 = '' OR country = $4)
		ORDER BY lower(name), actor LIMIT $5`,
		n.fed.URLs().Actor(""), n.fed.URLs().Host(), escapeLike(strings.TrimSpace(text)), country, limit)
	if err != nil {
		return nil, fmt.Errorf("search the directory: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Listing])
	if err != nil {
		return nil, fmt.Errorf("search the directory: %w", err)
	}
	return list, nil
}
