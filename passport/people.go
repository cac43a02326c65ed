package passport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// The people of the social passport: who a person is to Open Badges (a
// Profile hosted at /ob/people/{username}, the issuer of the endorsements
// they write), and which earned badge a page names, on this node or on
// another one (Badge).

// asContext is the JSON-LD context of the activities the passport writes.
const asContext = "https://www.w3.org/ns/activitystreams"

// maxObjectBytes bounds a badge page's ActivityStreams document fetched
// from another server.
const maxObjectBytes = 256 << 10

func baseOf(u issuer.URLs) string { return strings.TrimSuffix(u.Base.String(), "/") }

// PersonProfileID is the id of a local person's Open Badges Profile, the
// issuer of their individual endorsements.
func PersonProfileID(u issuer.URLs, username string) string {
	return baseOf(u) + "/ob/people/" + username
}

// PersonPage is a local person's HTML page.
func PersonPage(u issuer.URLs, username string) string { return baseOf(u) + "/people/" + username }

// EndorsementID is the id of an individual endorsement hosted here.
func EndorsementID(u issuer.URLs, uuid string) string {
	return baseOf(u) + "/ob/person-endorsements/" + uuid
}

// BadgePage is the public page of an earner's badge, the id that
// congratulations, comments and endorsement requests name it by.
func BadgePage(u issuer.URLs, username, uuid string) string {
	return baseOf(u) + "/u/" + username + "/badges/" + uuid
}

// PersonProfile is the Open Badges Profile of a local person: a Profile
// (not an Issuer: people issue no badges) with their name and page. A
// person whose profile is for this node's users only is named by their
// handle, as their actor is.
func PersonProfile(ctx context.Context, db DB, u issuer.URLs, username string) (vocab.Profile, error) {
	user, err := account.UserByUsername(ctx, db, username)
	if err != nil {
		return vocab.Profile{}, err
	}
	name, err := nameOf(ctx, db, user)
	if err != nil {
		return vocab.Profile{}, err
	}
	return vocab.Profile{Context: vocab.Context, ID: PersonProfileID(u, username), Type: "Profile",
		Name: name, URL: PersonPage(u, username)}, nil
}

// nameOf is what other people and servers see of a local person's name:
// the name of a public profile, the handle otherwise.
func nameOf(ctx context.Context, db DB, u account.User) (string, error) {
	p, err := account.ProfileOf(ctx, db, u.ID)
	if err != nil {
		return "", err
	}
	if p.Public && p.Name != "" {
		return p.Name, nil
	}
	return u.Username, nil
}

// remoteName is the name of a remote actor as cached, or its handle.
func remoteName(ctx context.Context, db DB, actor string) string {
	ra, err := federation.CachedRemoteActor(ctx, db, actor)
	switch {
	case err != nil:
		return actor
	case ra.Name != "":
		return ra.Name
	case ra.Username != "":
		return ra.Username + "@" + ra.Host
	}
	return actor
}

// Badge is an earned badge that people endorse, congratulate and comment
// on: a public badge in a backpack on this node (Item set) or on another.
type Badge struct {
	Page       string // its public page: the id activities name it by
	Assertion  string // the Open Badges assertion's id
	Name       string
	Earner     string // the earner's actor id
	EarnerName string
	Item       *Item  // the badge in a backpack here; nil for another node's
	Inbox      string // the earner's inbox, for another node's badge
}

// Local reports whether the badge is in a backpack on this node.
func (b Badge) Local() bool { return b.Item != nil }

// Badge finds the public badge that a page names: the address of an
// earner's public badge page, on this node or on another Laurel node
// (which serves the page as ActivityStreams too). Problems are reported on
// the field "badge".
func (p *Passport) Badge(ctx context.Context, page string) (Badge, error) {
	page = strings.TrimSpace(page)
	if username, id, ok := p.localPage(page); ok {
		return p.localBadge(ctx, p.pool, username, id)
	}
	if hostOf(page) == "" {
		return Badge{}, problem.Invalidf("badge", "must be the address (http or https) of a public badge page")
	}
	if strings.HasPrefix(page, baseOf(p.urls)+"/") {
		return Badge{}, problem.Invalidf("badge", "%s is no public badge page of this server", page)
	}
	return p.remoteBadge(ctx, page)
}

// localPage splits a badge page of this node into username and item uuid.
func (p *Passport) localPage(page string) (username, id string, ok bool) {
	rest, ok := strings.CutPrefix(page, baseOf(p.urls)+"/u/")
	if !ok {
		return "", "", false
	}
	username, id, ok = strings.Cut(rest, "/badges/")
	if !ok || username == "" || strings.ContainsAny(username, "/?#") || !uuidPattern.MatchString(id) {
		return "", "", false
	}
	return username, id, true
}

// localBadge is the public badge uuid of username on this node.
func (p *Passport) localBadge(ctx context.Context, db DB, username, id string) (Badge, error) {
	it, err := PublicItem(ctx, db, username, id)
	if err != nil {
		return Badge{}, err
	}
	u, err := account.UserByID(ctx, db, it.UserID)
	if err != nil {
		return Badge{}, err
	}
	name, err := nameOf(ctx, db, u)
	if err != nil {
		return Badge{}, err
	}
	return Badge{Page: BadgePage(p.urls, username, id), Assertion: it.AssertionID, Name: it.BadgeName,
		Earner: p.fed.URLs().Actor(username), EarnerName: name, Item: &it}, nil
}

// BadgeObject is the public page of a badge as ActivityStreams: a Page
// attributed to its earner, with its Open Badges assertion attached as a
// Link (as in the mention that announces a badge), and the counts of its
// congratulations and comments. Other nodes read it to find whom to send
// their endorsements, congratulations and comments to.
func BadgeObject(page, earner string, it Item, likes, comments int) map[string]any {
	obj := map[string]any{
		"@context": asContext, "id": page, "type": "Page", "url": page, "name": it.BadgeName,
		"attributedTo": earner,
		"attachment":   []map[string]any{{"type": "Link", "href": it.AssertionID, "mediaType": vocab.ContentType, "name": assertionLinkName}},
		"likes":        map[string]any{"type": "Collection", "totalItems": likes},
		"replies":      map[string]any{"type": "Collection", "totalItems": comments},
	}
	if it.IssuedOn != nil {
		obj["published"] = it.IssuedOn.UTC().Format(time.RFC3339)
	}
	return obj
}

// remoteBadge reads a badge page of another server as ActivityStreams
// (BadgeObject), and the actor of its earner.
func (p *Passport) remoteBadge(ctx context.Context, page string) (Badge, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return Badge{}, problem.Invalidf("badge", "%s is not a badge page address", page)
	}
	req.Header.Set("Accept", federation.ActivityJSON)
	resp, err := p.client().Do(req)
	if err != nil {
		return Badge{}, problem.Invalidf("badge", "cannot fetch %s: %v", page, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Badge{}, problem.Invalidf("badge", "%s answered %s: it is no public badge", page, resp.Status)
	}
	var obj map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxObjectBytes)).Decode(&obj); err != nil {
		return Badge{}, problem.Invalidf("badge", "%s is no badge page of a Laurel server", page)
	}
	id, earner := idOf(obj["id"]), idOf(obj["attributedTo"])
	assertion := attachedAssertion(vocab.DecodeObject(obj))
	if hostOf(id) != hostOf(page) || hostOf(earner) != hostOf(page) || assertion == "" {
		return Badge{}, problem.Invalidf("badge", "%s is no badge page of a Laurel server", page)
	}
	ra, err := p.fed.RemoteActor(ctx, earner, false)
	if err != nil {
		return Badge{}, problem.Invalidf("badge", "cannot reach the earner %s: %v", earner, err)
	}
	b := Badge{Page: id, Assertion: assertion, Name: text(obj["name"]), Earner: ra.ID, EarnerName: ra.Name, Inbox: ra.Inbox}
	if b.EarnerName == "" {
		b.EarnerName = ra.Username + "@" + ra.Host
	}
	if r := []rune(b.Name); len(r) > 200 {
		b.Name = string(r[:200])
	}
	return b, nil
}

// client is the HTTP client that reads other servers: the verifier's,
// which is the node's egress client.
func (p *Passport) client() *http.Client {
	if p.verifier != nil && p.verifier.Client != nil {
		return p.verifier.Client
	}
	return egress.New(egress.Config{}).HTTPClient()
}

// inboxOf is the inbox of a remote actor, fetched when it is not cached.
func (p *Passport) inboxOf(ctx context.Context, actor string) (string, error) {
	ra, err := p.fed.RemoteActor(ctx, actor, false)
	if err != nil {
		return "", fmt.Errorf("find the inbox of %s: %w", actor, err)
	}
	return ra.Inbox, nil
}

// send publishes an activity of the local person username to one remote
// actor, in tx, addressed to that actor alone.
func (p *Passport) send(ctx context.Context, tx pgx.Tx, username, typ, to, inbox string, object any) error {
	act := map[string]any{
		"@context": asContext, "id": p.fed.URLs().NewActivityID(username), "type": typ,
		"actor": p.fed.URLs().Actor(username), "to": []string{to},
		"published": time.Now().UTC().Format(time.RFC3339Nano), "object": object,
	}
	if _, err := p.fed.Publish(ctx, tx, username, act, false, []string{inbox}); err != nil {
		return fmt.Errorf("send %s to %s: %w", typ, to, err)
	}
	return nil
}

// addressees are the local people an activity is for: the owner of the
// inbox it came to, and those in its to and cc, once each.
func (p *Passport) addressees(ctx context.Context, tx pgx.Tx, in federation.Incoming) ([]account.User, error) {
	var names []string
	if in.Recipient != "" {
		names = append(names, in.Recipient)
	}
	for _, id := range append(append([]string{}, in.To...), in.Cc...) {
		if name := p.fed.URLs().UsernameOf(id); name != "" {
			names = append(names, name)
		}
	}
	return localPeople(ctx, tx, names)
}

// localPeople are the users of this node with these usernames, once each;
// names of organisations, or of no one, are skipped.
func localPeople(ctx context.Context, db DB, names []string) ([]account.User, error) {
	seen := map[string]bool{}
	var out []account.User
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		u, err := account.UserByUsername(ctx, db, name)
		if problem.Is(err, problem.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// receivedBadge finds the public badge here that an incoming activity's
// object names: its page, or its assertion in the backpack of a person the
// activity is addressed to. ours is false when the object names nothing of
// the passport's, so that the activity goes on to other handlers.
func (p *Passport) receivedBadge(ctx context.Context, tx pgx.Tx, in federation.Incoming, object string) (b Badge, ours bool, err error) {
	if username, id, ok := p.localPage(object); ok {
		b, err := p.localBadge(ctx, tx, username, id)
		if problem.Is(err, problem.NotFound) {
			return Badge{}, true, nil // private, or gone: ignored
		}
		return b, true, err
	}
	people, err := p.addressees(ctx, tx, in)
	if err != nil || len(people) == 0 || hostOf(object) == "" {
		return Badge{}, false, err
	}
	ids := make([]int64, len(people))
	for i, u := range people {
		ids[i] = u.ID
	}
	var username, id string
	err = tx.QueryRow(ctx, `SELECT u.username, i.uuid::text FROM backpack_item i JOIN app_user u ON u.id = i.user_id
		WHERE i.user_id = ANY($1) AND i.assertion_id = $2 AND i.state = 'accepted' AND i.visibility = 'public'
		ORDER BY i.id LIMIT 1`, ids, object).Scan(&username, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		var held bool // in a backpack here, but not public
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM backpack_item WHERE user_id = ANY($1) AND assertion_id = $2)`,
			ids, object).Scan(&held); err != nil {
			return Badge{}, true, fmt.Errorf("find badge %s: %w", object, err)
		}
		return Badge{}, held, nil
	}
	if err != nil {
		return Badge{}, true, fmt.Errorf("find badge %s: %w", object, err)
	}
	b, err = p.localBadge(ctx, tx, username, id)
	return b, true, err
}

// tombstoned reports whether an object was deleted before it arrived.
func tombstoned(ctx context.Context, tx pgx.Tx, id string) (bool, error) {
	var gone bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM passport_tombstone WHERE object_id = $1)`, id).Scan(&gone)
	if err != nil {
		return false, fmt.Errorf("look for a tombstone of %s: %w", id, err)
	}
	return gone, nil
}

// activityTime is when an incoming activity was published, by its own
// word when it says so and that is not in the future; otherwise fallback,
// or now when that is zero. It orders updates and answers that arrive out
// of order.
func activityTime(published, fallback time.Time) time.Time {
	now := time.Now()
	if published.IsZero() || published.After(now.Add(time.Minute)) {
		if fallback.IsZero() {
			return now
		}
		return fallback
	}
	return published
}
