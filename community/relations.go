package community

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/vocab"
)

// The endorsement relations among a network's members: who endorses whom,
// read from the members' Open Badges 3.0 Profiles, which embed the
// EndorsementCredentials they received (a member here: from this node's
// endorsements). The network's page draws them.

// Relation is one member endorsing another; Mutual when the other
// endorses it back.
type Relation struct {
	Endorser, Endorsed string // actor ids
	Mutual             bool
}

// relationReads bounds how many members' Profiles are read at once.
const relationReads = 4

// RefreshRelations reads again who endorses whom among n's members and
// keeps it: the Profiles are fetched first, the relations replaced in one
// transaction after. A member whose Profile cannot be read keeps none.
func (c *Communities) RefreshRelations(ctx context.Context, n Network) error {
	members, err := Members(ctx, c.db, n.ID, Accepted, 1000, 0)
	if err != nil {
		return err
	}
	byProfile := map[string]string{} // 2.0 and 3.0 Profile ids, and actors → actor
	for _, m := range members {
		byProfile[m.Actor] = m.Actor
		if m.Profile != "" {
			byProfile[m.Profile] = m.Actor
			byProfile[profileV3(m.Profile)] = m.Actor
		}
	}
	var mu sync.Mutex
	var pairs [][2]string
	found := func(endorser, endorsed string) {
		if from, ok := byProfile[endorser]; ok && from != endorsed {
			mu.Lock()
			pairs = append(pairs, [2]string{from, endorsed})
			mu.Unlock()
		}
	}
	sem := make(chan struct{}, relationReads)
	var wg sync.WaitGroup
	for _, m := range members {
		if m.Profile == "" {
			continue
		}
		if c.urls.UsernameOf(m.Actor) != "" {
			es, err := network.EndorsementsOf(ctx, c.db, m.Profile)
			if err != nil {
				return err
			}
			for _, e := range es {
				found(e.Endorser, m.Actor)
			}
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			doc, err := c.fed.Fetch(ctx, profileV3(m.Profile))
			if err != nil {
				return // unreachable now: it shows no relations until the next read
			}
			for _, e := range vocab.Objects(doc["endorsement"]) {
				if issuer, _ := e["issuer"].(map[string]any); issuer != nil {
					found(str(issuer["id"]), m.Actor)
				} else {
					found(str(e["issuer"]), m.Actor)
				}
			}
		})
	}
	wg.Wait()
	return pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM community_relation WHERE community_id = $1`, n.ID); err != nil {
			return fmt.Errorf("replace the relations of %s: %w", n.Slug, err)
		}
		for _, p := range pairs {
			if _, err := tx.Exec(ctx, `INSERT INTO community_relation (community_id, endorser, endorsed) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, n.ID, p[0], p[1]); err != nil {
				return fmt.Errorf("keep a relation of %s: %w", n.Slug, err)
			}
		}
		_, err := tx.Exec(ctx, `UPDATE community SET relations_read_at = now() WHERE organisation_id = $1`, n.ID)
		return err
	})
}

// profileV3 is the Open Badges 3.0 Profile of a Laurel organisation with
// the 2.0 Profile p.
func profileV3(p string) string { return strings.Replace(p, "/ob/issuers/", "/ob/v3/issuers/", 1) }

// Relations lists who endorses whom among the network's current members,
// as last read, and when that was (zero: never).
func Relations(ctx context.Context, db DB, networkID int64) ([]Relation, time.Time, error) {
	rows, err := db.Query(ctx, `SELECT r.endorser, r.endorsed, EXISTS (SELECT 1 FROM community_relation b
			WHERE b.community_id = r.community_id AND b.endorser = r.endorsed AND b.endorsed = r.endorser)
		FROM community_relation r
		JOIN community_member a ON a.community_id = r.community_id AND a.actor = r.endorser AND a.state = 'accepted'
		JOIN community_member e ON e.community_id = r.community_id AND e.actor = r.endorsed AND e.state = 'accepted'
		WHERE r.community_id = $1 ORDER BY r.endorser, r.endorsed`, networkID)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("relations of network %d: %w", networkID, err)
	}
	rels, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Relation])
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("relations of network %d: %w", networkID, err)
	}
	var at *time.Time
	if err := db.QueryRow(ctx, `SELECT relations_read_at FROM community WHERE organisation_id = $1`, networkID).Scan(&at); err != nil {
		return nil, time.Time{}, fmt.Errorf("relations of network %d: %w", networkID, err)
	}
	if at == nil {
		return rels, time.Time{}, nil
	}
	return rels, *at, nil
}

// RelationsArgs is the daily job that reads again the relations among the
// members of every network hosted here.
type RelationsArgs struct{}

// Kind implements river.JobArgs.
func (RelationsArgs) Kind() string { return "community_relations" }

// RelationsWorker refreshes every network's relations.
type RelationsWorker struct {
	river.WorkerDefaults[RelationsArgs]
	Communities *Communities
}

// Work implements river.Worker.
func (w *RelationsWorker) Work(ctx context.Context, _ *river.Job[RelationsArgs]) error {
	c := w.Communities
	rows, err := c.db.Query(ctx, `SELECT organisation_id FROM community ORDER BY organisation_id`)
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
	}
	for _, id := range ids {
		n, err := c.byID(ctx, c.db, id)
		if err != nil {
			return err
		}
		if err := c.RefreshRelations(ctx, n); err != nil {
			return err
		}
	}
	return nil
}
