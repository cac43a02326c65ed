package passport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// States of an item. An item arrives Pending (or Accepted when the earner
// added it); Refused is a fediverse arrival the verifier did not accept.
const (
	Pending  = "pending"
	Accepted = "accepted"
	Declined = "declined"
	Refused  = "refused"
)

// Visibilities of an accepted item. Followers is kept for the following
// work on followers; until then a followers-only badge is shown to nobody
// but its earner, like a private one.
const (
	Private   = "private"
	Followers = "followers"
	Public    = "public"
)

// Sources say how an item came: issued on this node, announced by another
// node's mention, or added by the earner by URL or by upload (JSON, JWS or
// a baked image).
const (
	SourceIssued    = "issued"
	SourceFediverse = "fediverse"
	SourceURL       = "url"
	SourceUpload    = "upload"
)

// Item is one earned badge in one user's backpack.
type Item struct {
	ID          int64
	UUID        string
	UserID      int64
	AssertionID string // the Open Badges Assertion's id
	State       string
	Visibility  string
	Source      string
	Sender      string // the actor whose mention announced it
	// Verified is false only while a fediverse arrival waits for its
	// verification; its documents are empty until then.
	Verified     bool
	Verification string // hosted or signed
	JWS          string // a signed assertion as verified, to check it again
	// Assertion, Badge and Issuer are the Open Badges documents as
	// verified (normalised to the Open Badges 2.0 context).
	Assertion        map[string]any
	Badge            map[string]any
	Issuer           map[string]any
	BadgeName        string
	BadgeImage       string
	IssuerName       string
	IssuedOn         *time.Time
	Expires          *time.Time
	Revoked          bool
	RevocationReason string
	// Credential is the Open Badges 3.0 credential as verified, empty
	// for a 2.0-only badge; CredentialJSON and CredentialJWT are it as
	// received, signed. CredentialURL is where an arrival's credential is
	// fetched from.
	Credential     map[string]any
	CredentialJSON string
	CredentialJWT  string
	CredentialURL  string
	// Problem says why the item was refused, or why the last check of it
	// failed.
	Problem       string
	LastCheckedAt *time.Time
	AddedAt       time.Time
	AnsweredAt    *time.Time
}

// Expired reports whether the badge has expired at now.
func (it Item) Expired(now time.Time) bool { return it.Expires != nil && !now.Before(*it.Expires) }

// Standards of an item, as Standards lists them.
const (
	OB3 = "ob3"
	OB2 = "ob2"
)

// Standards lists the Open Badges versions the item holds the badge in:
// "ob3" for a 3.0 credential, "ob2" for a 2.0 assertion; both for a badge
// issued in both. An arrival not yet verified lists what its Note
// announced.
func (it Item) Standards() []string {
	var out []string
	if len(it.Credential) > 0 || (!it.Verified && it.CredentialURL != "") {
		out = append(out, OB3)
	}
	if len(it.Assertion) > 0 || (!it.Verified && it.CredentialURL != it.AssertionID) {
		out = append(out, OB2)
	}
	return out
}

// StandardNames are the item's standards as people read them, such as
// "Open Badges 3.0".
func (it Item) StandardNames() []string {
	var out []string
	for _, s := range it.Standards() {
		out = append(out, StandardName(s))
	}
	return out
}

// StandardName is a standard's name as people read it.
func StandardName(standard string) string {
	if standard == OB3 {
		return "Open Badges 3.0"
	}
	return "Open Badges 2.0"
}

// CredentialID is the id of the item's 3.0 credential, or "".
func (it Item) CredentialID() string { return text(it.Credential["id"]) }

// IsPublic reports whether anyone may see the item.
func (it Item) IsPublic() bool { return it.State == Accepted && it.Visibility == Public }

const itemColumns = `i.id, i.uuid::text, i.user_id, i.assertion_id, i.state, i.visibility, i.source, i.sender,
	i.verified, i.verification, i.jws, i.assertion, i.badge, i.issuer, i.badge_name, i.badge_image, i.issuer_name,
	i.issued_on, i.expires, i.revoked, i.revocation_reason, i.problem, i.last_checked_at, i.added_at, i.answered_at,
	i.credential, i.credential_json, i.credential_jwt, i.credential_url`

func scanItem(row pgx.Row) (Item, error) {
	var it Item
	var assertion, badge, iss, cred []byte
	err := row.Scan(&it.ID, &it.UUID, &it.UserID, &it.AssertionID, &it.State, &it.Visibility, &it.Source, &it.Sender,
		&it.Verified, &it.Verification, &it.JWS, &assertion, &badge, &iss, &it.BadgeName, &it.BadgeImage, &it.IssuerName,
		&it.IssuedOn, &it.Expires, &it.Revoked, &it.RevocationReason, &it.Problem, &it.LastCheckedAt, &it.AddedAt, &it.AnsweredAt,
		&cred, &it.CredentialJSON, &it.CredentialJWT, &it.CredentialURL)
	if err != nil {
		return it, err
	}
	for _, d := range []struct {
		raw []byte
		dst *map[string]any
	}{{assertion, &it.Assertion}, {badge, &it.Badge}, {iss, &it.Issuer}, {cred, &it.Credential}} {
		if err := json.Unmarshal(d.raw, d.dst); err != nil {
			return it, fmt.Errorf("decode item %s: %w", it.UUID, err)
		}
	}
	return it, nil
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ItemByUUID finds an item of user userID; another user's item is not
// found, exactly as one that does not exist.
func ItemByUUID(ctx context.Context, db DB, userID int64, uuid string) (Item, error) {
	if !uuidPattern.MatchString(uuid) {
		return Item{}, problem.NotFoundf("no badge %q in your backpack", uuid)
	}
	it, err := scanItem(db.QueryRow(ctx, `SELECT `+itemColumns+` FROM backpack_item i
		WHERE i.uuid = $1 AND i.user_id = $2`, uuid, userID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, problem.NotFoundf("no badge %q in your backpack", uuid)
	}
	if err != nil {
		return Item{}, fmt.Errorf("find backpack item %s: %w", uuid, err)
	}
	return it, nil
}

// PublicItem finds a public item of the user with this username: accepted
// and public. Any other, private or followers-only included, is not found.
func PublicItem(ctx context.Context, db DB, username, uuid string) (Item, error) {
	if !uuidPattern.MatchString(uuid) {
		return Item{}, problem.NotFoundf("no public badge %q", uuid)
	}
	it, err := scanItem(db.QueryRow(ctx, `SELECT `+itemColumns+` FROM backpack_item i
		JOIN app_user u ON u.id = i.user_id
		WHERE i.uuid = $1 AND u.username = $2 AND i.state = 'accepted' AND i.visibility = 'public'`, uuid, username))
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, problem.NotFoundf("no public badge %q", uuid)
	}
	if err != nil {
		return Item{}, fmt.Errorf("find public backpack item %s: %w", uuid, err)
	}
	return it, nil
}

// Items lists a user's backpack, newest first; state, when not "", keeps
// the items in that state.
func Items(ctx context.Context, db DB, userID int64, state string) ([]Item, error) {
	switch state {
	case "", Pending, Accepted, Declined, Refused:
	default:
		return nil, problem.Invalidf("state", "must be pending, accepted, declined or refused")
	}
	rows, err := db.Query(ctx, `SELECT `+itemColumns+` FROM backpack_item i
		WHERE i.user_id = $1 AND ($2 = '' OR i.state = $2) ORDER BY i.added_at DESC, i.id DESC`, userID, state)
	if err != nil {
		return nil, fmt.Errorf("list backpack: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Item, error) { return scanItem(r) })
	if err != nil {
		return nil, fmt.Errorf("list backpack: %w", err)
	}
	return list, nil
}

// itemByID finds an item by its row id, for the jobs.
func itemByID(ctx context.Context, db DB, id int64) (Item, error) {
	return scanItem(db.QueryRow(ctx, `SELECT `+itemColumns+` FROM backpack_item i WHERE i.id = $1`, id))
}

// PublicHolder names the earner and the item of the public backpack item
// that holds the assertion with id assertionID, of the badge class with id
// badgeID: the page an issuer's badge page sends people to once its earner
// keeps it in public. ok is false when no earner here shows it in public.
// (The badge class narrows the search by the index of public items by
// badge class.)
func PublicHolder(ctx context.Context, db DB, assertionID, badgeID string) (username, uuid string, ok bool, err error) {
	err = db.QueryRow(ctx, `SELECT u.username, i.uuid::text FROM backpack_item i
		JOIN app_user u ON u.id = i.user_id
		WHERE (i.badge->>'id') = $2 AND i.assertion_id = $1 AND i.state = 'accepted' AND i.visibility = 'public'
		ORDER BY i.added_at, i.id LIMIT 1`, assertionID, badgeID).Scan(&username, &uuid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("find the public holder of %s: %w", assertionID, err)
	}
	return username, uuid, true, nil
}
