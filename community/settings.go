package community

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
)

// NetworkUpdate changes some of a network's profile and rules: nil fields
// stay as they are.
type NetworkUpdate struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Countries   *[]string `json:"countries"`
	Policy      *string   `json:"policy"`
	Website     *string   `json:"website"`
	Charter     *string   `json:"charter"`
	Image       *string   `json:"image"`
	// LogoData is a logo to upload, as a data: URL (the API's way);
	// Logo is one as the bytes of a file (the page's form). Either is
	// checked as badge images are, and served from this node.
	LogoData *string `json:"logo"`
	Logo     []byte  `json:"-"`
}

// Update applies in to the network, checked by the rules of Found, and
// announces the new profile to its followers and members (Update{Group}),
// in one transaction.
func (c *Communities) Update(ctx context.Context, n Network, by string, in NetworkUpdate) (Network, error) {
	if in.LogoData != nil && in.Logo == nil {
		data, err := issuer.DecodeDataURL("logo", *in.LogoData)
		if err != nil {
			return Network{}, err
		}
		in.Logo = data
	}
	var logo *issuer.Image
	if in.Logo != nil {
		img, err := issuer.CheckImage("logo", in.Logo)
		if err != nil {
			return Network{}, err
		}
		logo = &img
	}
	next := NewNetwork{Slug: n.Slug, Name: n.Name, Description: n.Description, Countries: n.Countries, Policy: n.Policy,
		Website: n.URL, Charter: n.Charter}
	if in.Countries != nil {
		next.Countries = *in.Countries
	}
	if in.Policy != nil {
		next.Policy = *in.Policy
	}
	if in.Charter != nil {
		next.Charter = *in.Charter
	}
	if err := next.validate(); err != nil {
		return Network{}, err
	}
	err := pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		if logo != nil {
			u, err := c.storeLogo(ctx, tx, n, *logo)
			if err != nil {
				return err
			}
			in.Image = &u
		}
		if _, err := issuer.UpdateOrganisation(ctx, tx, n.ID, issuer.OrganisationUpdate{Name: in.Name, Description: in.Description,
			URL: in.Website, ImageURL: in.Image, Country: &next.Countries[0]}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE community SET countries = $2, policy = $3, charter = $4 WHERE organisation_id = $1`,
			n.ID, next.Countries, next.Policy, next.Charter); err != nil {
			return fmt.Errorf("update network %s: %w", n.Slug, err)
		}
		if err := logDecision(ctx, tx, n, by, "changed the profile", ""); err != nil {
			return err
		}
		return c.announceProfile(ctx, tx, n)
	})
	if err != nil {
		return Network{}, problem.Rename(err, "website", "url")
	}
	return c.byID(ctx, c.db, n.ID)
}

// Appoint makes the organisation slug, a member on this node, a moderator
// of the network: its admins moderate from now on.
func (c *Communities) Appoint(ctx context.Context, n Network, by, slug string) error {
	o, err := issuer.OrganisationBySlug(ctx, c.db, slug)
	if err != nil {
		return problem.Invalidf("organisation", "no organisation %q on this node", slug)
	}
	var member bool
	if err := c.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM community_member WHERE community_id = $1 AND actor = $2 AND state = 'accepted')`,
		n.ID, c.urls.Actor(o.Slug)).Scan(&member); err != nil {
		return fmt.Errorf("check member %s of %s: %w", slug, n.Slug, err)
	}
	if !member && n.FoundedBy != slug {
		return problem.Invalidf("organisation", "%s is not a member of %s", o.Name, n.Name)
	}
	err = pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO community_moderator (community_id, organisation_id) VALUES ($1, $2)`, n.ID, o.ID); err != nil {
			return err
		}
		return logDecision(ctx, tx, n, by, "appointed", o.Name)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return problem.Conflictf("organisation", "%s moderates %s already", o.Name, n.Name)
	}
	if err != nil {
		return fmt.Errorf("appoint %s in %s: %w", slug, n.Slug, err)
	}
	return nil
}

// Dismiss ends the organisation slug's moderation of the network; the
// last moderator stays.
func (c *Communities) Dismiss(ctx context.Context, n Network, by, slug string) error {
	return pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		var count int
		// Locking the network's moderators serialises two dismissals.
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM community_moderator WHERE community_id = $1 FOR UPDATE) m`,
			n.ID).Scan(&count); err != nil {
			return fmt.Errorf("moderators of %s: %w", n.Slug, err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM community_moderator m USING organisation o
			WHERE m.community_id = $1 AND o.id = m.organisation_id AND o.slug = $2`, n.ID, slug)
		if err != nil {
			return fmt.Errorf("dismiss %s in %s: %w", slug, n.Slug, err)
		}
		if tag.RowsAffected() == 0 {
			return problem.NotFoundf("%s does not moderate %s", slug, n.Slug)
		}
		if count == 1 {
			return problem.Conflictf("organisation", "%s is the last moderator of %s: appoint another first", slug, n.Name)
		}
		return logDecision(ctx, tx, n, by, "dismissed", slug)
	})
}
