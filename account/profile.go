package account

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/locale"
	"github.com/laurelnet/laurel/problem"
)

// Profile is what a person shows of themselves: on their page on the
// node, and in their ActivityPub actor.
type Profile struct {
	Name     string `json:"name"`
	PhotoURL string `json:"photo_url"` // "" for none
	Bio      string `json:"bio"`       // plain text
	Links    []Link `json:"links"`
	// Public: anyone sees the profile; otherwise only users logged in to
	// this node do, and other servers see the handle alone.
	Public bool `json:"public"`
	// ShowBadges: the profile page lists the badges the person made public.
	ShowBadges bool `json:"show_badges"`
	// Searchable: the person agrees to be found in people search and in
	// directories (toot:discoverable).
	Searchable bool `json:"searchable"`
}

// Link is one of the addresses a person lists on their profile.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Bounds of a profile.
const (
	MaxBioLen       = 500  // characters
	MaxLinks        = 5    // links
	MaxLinkLabelLen = 60   // characters
	maxURLLen       = 2000 // bytes, for the photo and each link
)

// Visible reports whether a viewer sees the profile: anyone when it is
// public, users of this node otherwise.
func (p Profile) Visible(loggedIn bool) bool { return p.Public || loggedIn }

// validate trims p and checks it; problems name the field, links as
// links[i].label or links[i].url. Links with neither label nor URL are
// dropped, and a link without a label is labelled with its host.
func (p *Profile) validate() error {
	p.Name = strings.TrimSpace(p.Name)
	p.PhotoURL = strings.TrimSpace(p.PhotoURL)
	p.Bio = strings.TrimSpace(strings.ReplaceAll(p.Bio, "\r\n", "\n"))
	if len([]rune(p.Name)) > 200 {
		return problem.Invalidf("name", "must be at most 200 characters")
	}
	if strings.ContainsFunc(p.Name, unicode.IsControl) {
		return problem.Invalidf("name", "must be one line, without control characters")
	}
	if p.PhotoURL != "" && !isPublicWebURL(p.PhotoURL) {
		return problem.Invalidf("photo_url", "must be an absolute http or https URL on a public address")
	}
	if n := len([]rune(p.Bio)); n > MaxBioLen {
		return problem.Invalidf("bio", "must be at most %d characters, not %d", MaxBioLen, n)
	}
	links := make([]Link, 0, len(p.Links))
	for i, l := range p.Links {
		l.Label, l.URL = strings.TrimSpace(l.Label), strings.TrimSpace(l.URL)
		switch {
		case l.Label == "" && l.URL == "":
			continue
		case l.URL == "":
			return problem.Invalidf(fmt.Sprintf("links[%d].url", i), "is needed for the link %q", l.Label)
		case !isPublicWebURL(l.URL):
			return problem.Invalidf(fmt.Sprintf("links[%d].url", i), "must be an absolute http or https URL on a public address")
		case len([]rune(l.Label)) > MaxLinkLabelLen:
			return problem.Invalidf(fmt.Sprintf("links[%d].label", i), "must be at most %d characters", MaxLinkLabelLen)
		}
		if l.Label == "" {
			u, _ := url.Parse(l.URL)
			l.Label = u.Hostname()
		}
		links = append(links, l)
	}
	if len(links) > MaxLinks {
		return problem.Invalidf("links", "at most %d links, not %d", MaxLinks, len(links))
	}
	p.Links = links
	return nil
}

// isPublicWebURL accepts absolute http(s) URLs that anyone may follow: not
// too long, and not on localhost or a literal address in a private,
// loopback or other non-public range.
func isPublicWebURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || len(s) > maxURLLen || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if h == "" || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return false
	}
	ip, err := netip.ParseAddr(h)
	return err != nil || !egress.IsForbidden(ip, nil)
}

const profileColumns = `name, photo_url, bio, links, profile_public, show_badges, searchable`

func scanProfile(row pgx.Row) (Profile, error) {
	var p Profile
	err := row.Scan(&p.Name, &p.PhotoURL, &p.Bio, &p.Links, &p.Public, &p.ShowBadges, &p.Searchable)
	if p.Links == nil {
		p.Links = []Link{}
	}
	return p, err
}

// ProfileOf returns a user's profile.
func ProfileOf(ctx context.Context, db DB, userID int64) (Profile, error) {
	p, err := scanProfile(db.QueryRow(ctx, `SELECT `+profileColumns+` FROM app_user WHERE id = $1`, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, problem.NotFoundf("no user %d", userID)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("read the profile of user %d: %w", userID, err)
	}
	return p, nil
}

// UpdateProfile checks p and makes it the user's profile, returning it as
// stored.
func UpdateProfile(ctx context.Context, db DB, userID int64, p Profile) (Profile, error) {
	if err := p.validate(); err != nil {
		return Profile{}, err
	}
	out, err := scanProfile(db.QueryRow(ctx, `UPDATE app_user SET name = $2, photo_url = $3, bio = $4, links = $5,
			profile_public = $6, show_badges = $7, searchable = $8
		WHERE id = $1 RETURNING `+profileColumns,
		userID, p.Name, p.PhotoURL, p.Bio, p.Links, p.Public, p.ShowBadges, p.Searchable))
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, problem.NotFoundf("no user %d", userID)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("update the profile of user %d: %w", userID, err)
	}
	return out, nil
}

// SetLanguage sets the language userID reads pages in: a language package
// locale supports ("fi", "sv-FI"), stored as its plain tag, or "" to follow
// the browser and then the node's default.
func SetLanguage(ctx context.Context, db DB, userID int64, lang string) error {
	var stored *string
	if strings.TrimSpace(lang) != "" {
		tag, err := locale.Parse(lang)
		if err != nil {
			return problem.Invalidf("language", "%s", err.Error())
		}
		s := tag.String()
		stored = &s
	}
	tag, err := db.Exec(ctx, `UPDATE app_user SET language = $2 WHERE id = $1`, userID, stored)
	if err != nil {
		return fmt.Errorf("set the language of user %d: %w", userID, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("no user %d", userID)
	}
	return nil
}
