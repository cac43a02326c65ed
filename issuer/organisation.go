package issuer

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/language"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/problem"
)

// Organisation is an issuer and endorser of badges, with a public profile.
type Organisation struct {
	ID          int64  `json:"-"`
	Slug        string `json:"slug"`
	Name        string `json:"name"`
	Country     string `json:"country"` // ISO 3166-1 alpha-2, upper case
	URL         string `json:"url"`
	Email       string `json:"email"`
	Description string `json:"description"`
	ImageURL    string `json:"image"`
	// SignBadges: new assertions are JWS-signed, not only hosted.
	SignBadges bool `json:"sign_badges"`
	// Listed: the organisation appears in partner directories, here and
	// on other nodes.
	Listed bool `json:"listed"`
	// RequestEmail is how the organisation hears of new endorsement
	// requests by email: off, immediately or daily (a digest).
	RequestEmail string `json:"request_email"`
	// CredentialFormats: the Open Badges versions issuing produces.
	CredentialFormats Formats   `json:"credential_formats"`
	CreatedAt         time.Time `json:"created_at"`
	// Network: this is a regional badge network (package community), an
	// issuer too, so that it can recognise (endorse) its members, with a
	// Group actor instead of an Organization.
	Network bool `json:"network,omitempty"`
}

// NewOrganisation is the input for CreateOrganisation.
type NewOrganisation struct {
	Slug        string
	Name        string
	Country     string
	URL         string
	Email       string
	Description string
	// Network makes it a regional badge network's issuer record, whose
	// actor is a Group (package community calls this).
	Network bool
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// validate normalises in and reports the first field that breaks a rule.
func (in *NewOrganisation) validate() error {
	in.Slug = strings.TrimSpace(in.Slug)
	in.Name = strings.TrimSpace(in.Name)
	in.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	in.URL = strings.TrimSpace(in.URL)
	in.Email = strings.TrimSpace(in.Email)
	switch {
	case !slugPattern.MatchString(in.Slug):
		return problem.Invalidf("slug", "must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit")
	case in.Name == "" || len(in.Name) > 200:
		return problem.Invalidf("name", "must be 1 to 200 characters")
	case strings.ContainsFunc(in.Name, unicode.IsControl):
		// A name goes into email subjects, where a line break is refused.
		return problem.Invalidf("name", "must be one line, without control characters")
	case !isCountry(in.Country):
		return problem.Invalidf("country", "must be an ISO 3166 two-letter country code such as FI or DE, not %q", in.Country)
	case in.URL != "" && !isWebURL(in.URL):
		return problem.Invalidf("url", "must be an absolute http or https URL")
	case in.Email != "" && !isEmail(in.Email):
		return problem.Invalidf("email", "must be an email address")
	case len(in.Description) > 5000:
		return problem.Invalidf("description", "must be at most 5000 characters")
	}
	return nil
}

func isCountry(code string) bool {
	if len(code) != 2 {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isPublicWebURL is isWebURL for URLs we publish for anyone to follow: the
// host may not be localhost or a literal address in a private, loopback or
// other non-public range.
func isPublicWebURL(s string) bool {
	if !isWebURL(s) {
		return false
	}
	u, _ := url.Parse(s)
	h := strings.ToLower(u.Hostname())
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return false
	}
	ip, err := netip.ParseAddr(h)
	return err != nil || !egress.IsForbidden(ip, nil)
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

const organisationColumns = `id, slug, name, country, url, email, description, image_url, sign_badges, listed, request_email, credential_formats, created_at, kind = 'network'`

func scanOrganisation(row pgx.Row) (Organisation, error) {
	var o Organisation
	var formats []string
	err := row.Scan(&o.ID, &o.Slug, &o.Name, &o.Country, &o.URL, &o.Email, &o.Description, &o.ImageURL, &o.SignBadges, &o.Listed, &o.RequestEmail, &formats, &o.CreatedAt, &o.Network)
	o.CredentialFormats = Formats{OB3: slices.Contains(formats, FormatOB3), OB2: slices.Contains(formats, FormatOB2)}
	return o, err
}

// CreateOrganisation validates in and stores a new organisation, together
// with its ActivityPub actor (handle slug@host), in one transaction.
func CreateOrganisation(ctx context.Context, db DB, in NewOrganisation) (Organisation, error) {
	if err := in.validate(); err != nil {
		return Organisation{}, err
	}
	var o Organisation
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// The actor comes first: its table holds the handles of
		// organisations and people alike, so it detects every clash.
		kind, actorKind := "organisation", federation.Organization
		if in.Network {
			kind, actorKind = "network", federation.Group
		}
		if _, err := federation.AddActor(ctx, tx, in.Slug, actorKind, "slug"); err != nil {
			return err
		}
		var err error
		o, err = scanOrganisation(tx.QueryRow(ctx, `
			INSERT INTO organisation (slug, name, country, url, email, description, kind)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			RETURNING `+organisationColumns,
			in.Slug, in.Name, in.Country, in.URL, in.Email, in.Description, kind))
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return problem.Conflictf("slug", "%q is already taken", in.Slug)
		}
		return err
	})
	if _, ok := problem.As(err); ok {
		return Organisation{}, err
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("create organisation %s: %w", in.Slug, err)
	}
	return o, nil
}

// OrganisationByID finds one organisation by its row id.
func OrganisationByID(ctx context.Context, db DB, id int64) (Organisation, error) {
	o, err := scanOrganisation(db.QueryRow(ctx, `SELECT `+organisationColumns+` FROM organisation WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Organisation{}, problem.NotFoundf("No such organisation.")
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("find organisation %d: %w", id, err)
	}
	return o, nil
}

// OrganisationBySlug finds one organisation.
func OrganisationBySlug(ctx context.Context, db DB, slug string) (Organisation, error) {
	o, err := scanOrganisation(db.QueryRow(ctx, `SELECT `+organisationColumns+` FROM organisation WHERE slug = $1`, slug))
	if errors.Is(err, pgx.ErrNoRows) {
		// The slug is what the person typed (a link, --org): name it.
		return Organisation{}, problem.NotFoundf("There is no organisation %q.", slug)
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("find organisation %s: %w", slug, err)
	}
	return o, nil
}

// Organisations lists organisations by name; with ids, only those.
func Organisations(ctx context.Context, db DB, ids ...int64) ([]Organisation, error) {
	q := `SELECT ` + organisationColumns + ` FROM organisation ORDER BY name, id`
	args := []any{}
	if ids != nil {
		q = `SELECT ` + organisationColumns + ` FROM organisation WHERE id = ANY($1) ORDER BY name, id`
		args = append(args, ids)
	}
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Organisation, error) { return scanOrganisation(r) })
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return orgs, nil
}

// CountOrganisations returns how many organisations the node hosts.
func CountOrganisations(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM organisation`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count organisations: %w", err)
	}
	return n, nil
}

// OrganisationUpdate changes some of an organisation's profile: nil fields
// stay as they are.
type OrganisationUpdate struct {
	Name        *string `json:"name"`
	Country     *string `json:"country"`
	URL         *string `json:"url"`
	Email       *string `json:"email"`
	Description *string `json:"description"`
	ImageURL    *string `json:"image"`
	SignBadges  *bool   `json:"sign_badges"`
	Listed      *bool   `json:"listed"`
	// RequestEmail: off, immediately or daily.
	RequestEmail *string `json:"request_email"`
	// CredentialFormats: ["ob3", "ob2"], at least one.
	CredentialFormats *[]string `json:"credential_formats"`
}

// UpdateOrganisation applies in to organisation id, checking the result by
// the same rules as a new organisation, in one transaction.
func UpdateOrganisation(ctx context.Context, db DB, id int64, in OrganisationUpdate) (Organisation, error) {
	var o Organisation
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var err error
		o, err = scanOrganisation(tx.QueryRow(ctx, `SELECT `+organisationColumns+` FROM organisation WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return problem.NotFoundf("no such organisation")
		}
		if err != nil {
			return err
		}
		next := NewOrganisation{Slug: o.Slug, Name: o.Name, Country: o.Country, URL: o.URL, Email: o.Email, Description: o.Description}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&next.Name, in.Name)
		set(&next.Country, in.Country)
		set(&next.URL, in.URL)
		set(&next.Email, in.Email)
		set(&next.Description, in.Description)
		if err := next.validate(); err != nil {
			return err
		}
		image := o.ImageURL
		set(&image, in.ImageURL)
		if image != "" && !isWebURL(image) {
			return problem.Invalidf("image", "must be an absolute http or https URL")
		}
		listed, requestEmail := o.Listed, o.RequestEmail
		if in.Listed != nil {
			listed = *in.Listed
		}
		if in.RequestEmail != nil {
			requestEmail = *in.RequestEmail
			if requestEmail != "off" && requestEmail != "immediately" && requestEmail != "daily" {
				return problem.Invalidf("request_email", "must be off, immediately or daily")
			}
		}
		formats := o.CredentialFormats
		if in.CredentialFormats != nil {
			if formats, err = ParseFormats(*in.CredentialFormats); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE organisation SET name = $2, country = $3, url = $4, email = $5, description = $6, image_url = $7,
				listed = $8, request_email = $9, credential_formats = $10, updated_at = now()
			WHERE id = $1`, id, next.Name, next.Country, next.URL, next.Email, next.Description, image, listed, requestEmail,
			formats.List()); err != nil {
			return err
		}
		if in.SignBadges != nil {
			if err := SetSignBadges(ctx, tx, id, *in.SignBadges); err != nil {
				return err
			}
		}
		o, err = scanOrganisation(tx.QueryRow(ctx, `SELECT `+organisationColumns+` FROM organisation WHERE id = $1`, id))
		return err
	})
	if _, ok := problem.As(err); ok {
		return Organisation{}, err
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("update organisation %d: %w", id, err)
	}
	return o, nil
}
