package community

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// maxMemberPages bounds the pages read of a members collection (100
// members a page).
const maxMemberPages = 50

// Directory searches the members of the network named by target
// (a handle or its actor URL), wherever they are hosted, by part of the
// name and by country: the partner directory of a network. A network on
// another node is read from this node's copy of its members, fetched
// first when there is none or it is stale.
func (c *Communities) Directory(ctx context.Context, target, text, country string, limit int) ([]network.Listing, error) {
	id, err := c.fed.ResolveActor(ctx, target)
	if err != nil {
		return nil, problem.Rename(err, "network", "target")
	}
	text, country = strings.TrimSpace(text), strings.ToUpper(strings.TrimSpace(country))
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
	if name := c.urls.UsernameOf(id); name != "" {
		n, err := c.ByName(ctx, name)
		if problem.Is(err, problem.NotFound) {
			return nil, problem.Invalidf("network", "%s on this node is not a network", name)
		}
		if err != nil {
			return nil, err
		}
		return collectListings(c.db.Query(ctx, `SELECT actor, name, country, actor LIKE $2 || '%', handle FROM community_member
			WHERE community_id = $1 AND state = 'accepted' AND name ILIKE $3 AND ($4 = '' OR country = $4)
			ORDER BY lower(name), actor LIMIT $5`, n.ID, c.urls.Actor(""), pattern, country, limit))
	}
	if err := c.syncDirectory(ctx, id); err != nil {
		return nil, err
	}
	return collectListings(c.db.Query(ctx, `SELECT actor, name, country, actor LIKE $2 || '%', handle FROM community_directory
		WHERE network = $1 AND name ILIKE $3 AND ($4 = '' OR country = $4)
		ORDER BY lower(name), actor LIMIT $5`, id, c.urls.Actor(""), pattern, country, limit))
}

func collectListings(rows pgx.Rows, err error) ([]network.Listing, error) {
	if err != nil {
		return nil, fmt.Errorf("search a network's members: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[network.Listing])
	if err != nil {
		return nil, fmt.Errorf("search a network's members: %w", err)
	}
	return list, nil
}

// syncDirectory reads the members collection of the network id on
// another node into this node's copy, unless the copy is current: read
// once since an organisation here became a member, and kept so since by
// the network's Add and Remove. A node with no member in the network
// hears no Add or Remove, so it reads the collection at each search: a
// stale list would show members gone. The reading happens before the
// transaction that replaces the copy.
func (c *Communities) syncDirectory(ctx context.Context, id string) error {
	var current bool
	err := c.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_directory_sync WHERE network = $1)
		AND EXISTS (SELECT 1 FROM community_membership WHERE network = $1 AND state = 'accepted')`, id).Scan(&current)
	if err != nil {
		return fmt.Errorf("check the copy of %s's members: %w", id, err)
	}
	if current {
		return nil
	}
	ra, err := c.fed.RemoteActor(ctx, id, false)
	if err != nil {
		return problem.Invalidf("network", "cannot reach %s: %v", id, err)
	}
	if ra.Type != "Group" {
		return problem.Invalidf("network", "%s is not a network: its actor is of type %s, not Group", id, ra.Type)
	}
	members, err := c.fetchMembers(ctx, id)
	if err != nil {
		return problem.Invalidf("network", "cannot read the members of %s: %v", id, err)
	}
	return pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM community_directory WHERE network = $1`, id); err != nil {
			return fmt.Errorf("replace the copy of %s's members: %w", id, err)
		}
		for _, m := range members {
			if err := upsertListing(ctx, tx, id, m); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO community_directory_sync (network) VALUES ($1)
			ON CONFLICT (network) DO UPDATE SET synced_at = now()`, id)
		return err
	})
}

// fetchMembers reads a network's members collection, page by page: the
// members as objects (Laurel's collections embed name and country), or
// as bare ids, which are listed by id.
func (c *Communities) fetchMembers(ctx context.Context, id string) ([]network.Listing, error) {
	coll, err := c.fed.Fetch(ctx, id+"/members")
	if err != nil {
		return nil, err
	}
	var out []network.Listing
	next := str(coll["first"])
	if first, ok := coll["first"].(map[string]any); ok {
		out, next = append(out, listings(first)...), str(first["next"])
	}
	out = append(out, listings(coll)...)
	for page := 0; next != "" && page < maxMemberPages; page++ {
		if vocab.HostOf(next) != vocab.HostOf(id) {
			return nil, fmt.Errorf("page %s is not on the network's server", next)
		}
		doc, err := c.fed.Fetch(ctx, next)
		if err != nil {
			return nil, err
		}
		out, next = append(out, listings(doc)...), str(doc["next"])
	}
	return out, nil
}

// listings reads the members of one collection page.
func listings(page map[string]any) []network.Listing {
	var out []network.Listing
	items := page["orderedItems"]
	if items == nil {
		items = page["items"]
	}
	for _, it := range vocab.List(items) {
		switch v := it.(type) {
		case string:
			out = append(out, network.Listing{Actor: v, Name: v})
		case map[string]any:
			if l, ok := memberListing(v); ok {
				out = append(out, l)
			}
		}
	}
	return out
}

// memberListing reads a member as a network describes it, in its members
// collection or in Add: id, name, country, preferredUsername.
func memberListing(m map[string]any) (network.Listing, bool) {
	id := str(m["id"])
	if vocab.HostOf(id) == "" {
		return network.Listing{}, false
	}
	l := network.Listing{Actor: id, Name: strings.TrimSpace(str(m["name"])), Country: strings.ToUpper(str(m["country"]))}
	if len(l.Name) > 200 {
		l.Name = l.Name[:200]
	}
	if l.Name == "" {
		l.Name = id
	}
	if len(l.Country) != 2 {
		l.Country = ""
	}
	if u := str(m["preferredUsername"]); u != "" && !strings.ContainsAny(u, "@/ ") {
		l.Handle = u + "@" + vocab.HostOf(id)
	}
	return l, true
}

// upsertListing records member m of the network networkID in this node's
// copy.
func upsertListing(ctx context.Context, tx pgx.Tx, networkID string, m network.Listing) error {
	_, err := tx.Exec(ctx, `INSERT INTO community_directory (network, actor, name, country, handle) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (network, actor) DO UPDATE SET name = excluded.name, country = excluded.country, handle = excluded.handle`,
		networkID, m.Actor, m.Name, m.Country, m.Handle)
	if err != nil {
		return fmt.Errorf("copy member %s of %s: %w", m.Actor, networkID, err)
	}
	return nil
}

func str(v any) string { s, _ := v.(string); return s }
