package community

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/vocab"
)

// A common language: a network recommends alignments (ESCO concepts, or
// entries of any framework) that its members' badge editors offer beside
// their own. They are the network's saved alignments: the network is an
// issuer record, and package issuer keeps every issuer's library.

// Recommendation is an alignment a network recommends to its members.
type Recommendation struct {
	Network     string `json:"network"` // the Group actor
	NetworkName string `json:"network_name"`
	vocab.AlignmentObject
}

// Recommended lists the alignments recommended by the networks o belongs
// to, network by network: read here for a network on this node, fetched
// from its node for the others (before any transaction; a network that
// cannot be reached is left out, and named in unreachable).
func (c *Communities) Recommended(ctx context.Context, o issuer.Organisation) (list []Recommendation, unreachable []string, err error) {
	ms, err := Memberships(ctx, c.db, o.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		if m.State != Accepted {
			continue
		}
		var as []vocab.AlignmentObject
		if name := c.urls.UsernameOf(m.Network); name != "" {
			n, err := c.ByName(ctx, name)
			if err != nil {
				return nil, nil, err
			}
			saved, err := issuer.Alignments(ctx, c.db, n.ID)
			if err != nil {
				return nil, nil, err
			}
			for _, s := range saved {
				as = append(as, s.AlignmentObject)
			}
		} else if as, err = c.fetchRecommended(ctx, m); err != nil {
			unreachable = append(unreachable, m.Handle)
			continue
		}
		for _, a := range as {
			list = append(list, Recommendation{Network: m.Network, NetworkName: m.Name, AlignmentObject: a})
		}
	}
	return list, unreachable, nil
}

// fetchRecommended reads a network's recommended alignments from its node
// (GET /api/v1/networks/NAME/alignments, public).
func (c *Communities) fetchRecommended(ctx context.Context, m Membership) ([]vocab.AlignmentObject, error) {
	name, _, ok := strings.Cut(m.Handle, "@")
	u, err := url.Parse(m.Network)
	if !ok || err != nil || u.Host == "" {
		return nil, fmt.Errorf("no network address in %q", m.Handle)
	}
	doc, err := c.fed.Fetch(ctx, u.Scheme+"://"+u.Host+"/api/v1/networks/"+url.PathEscape(name)+"/alignments")
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(doc["items"])
	if err != nil {
		return nil, err
	}
	var items []vocab.AlignmentObject
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("the alignments of %s: %w", m.Network, err)
	}
	var out []vocab.AlignmentObject
	for _, a := range items {
		// Only what a badge may carry: a name and a web URL.
		if a.TargetName != "" && (strings.HasPrefix(a.TargetURL, "https://") || strings.HasPrefix(a.TargetURL, "http://")) {
			out = append(out, a)
		}
		if len(out) == issuer.MaxSavedAlignments {
			break // as many as a network may keep
		}
	}
	return out, nil
}
