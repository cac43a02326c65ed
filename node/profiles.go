package node

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
)

// profiles tells federation who its actors are, from the domain packages
// that own them; federation itself imports no domain package.
func profiles(pool *pgxpool.Pool, base *url.URL) federation.ProfileLookup {
	return func(ctx context.Context, kind federation.Kind, username string) (federation.Profile, error) {
		switch kind {
		case federation.Organization, federation.Group:
			o, err := issuer.OrganisationBySlug(ctx, pool, username)
			if err != nil {
				return federation.Profile{}, err
			}
			page := base.JoinPath("orgs", o.Slug).String()
			if kind == federation.Group {
				page = base.JoinPath("networks", o.Slug).String() // a network's page (package community)
			}
			return federation.Profile{Name: o.Name, Summary: o.Description,
				URL: page, IconURL: o.ImageURL, Country: o.Country,
				OpenBadgesProfile: issuer.URLs{Base: base}.Profile(o.Slug), Discoverable: o.Listed}, nil
		case federation.Person:
			u, err := account.UserByUsername(ctx, pool, username)
			if err != nil {
				return federation.Profile{}, err
			}
			p, err := account.ProfileOf(ctx, pool, u.ID)
			if err != nil {
				return federation.Profile{}, err
			}
			out := federation.Profile{Name: u.Username, URL: base.JoinPath("people", u.Username).String()}
			// A profile for this node's users only shows the handle to
			// other servers, and is in no directory of theirs.
			if p.Public {
				out.Discoverable = p.Searchable
				if p.Name != "" {
					out.Name = p.Name
				}
				out.Summary, out.IconURL = p.Bio, p.PhotoURL
			}
			return out, nil
		}
		return federation.Profile{}, fmt.Errorf("no profile for %s actor %s", kind, username)
	}
}
