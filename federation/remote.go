package federation

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

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
)

// RemoteActor is what we keep of an actor on another server.
type RemoteActor struct {
	ID          string
	Host        string
	Username    string
	Inbox       string
	SharedInbox string
	// KeyID and PublicKeyPEM are the primary key (the first RSA key, else
	// the first key); Keys holds every key the actor lists that Laurel can
	// verify (filled by parseRemoteActor, not by the cache reads).
	KeyID        string
	PublicKeyPEM string
	Keys         []RemoteKey
	FetchedAt    time.Time
	// What directories and the endorsement network show of the actor.
	Type              string // Person, Organization, Application, Service, Group
	Name              string
	Country           string // set by Laurel nodes for organisations
	OpenBadgesProfile string // the issuer Profile of a Laurel organisation
	Discoverable      bool
}

// refetchAfter bounds how often one actor is refetched to pick up a
// rotated key: a peer cannot make us fetch in a loop by sending bad
// signatures.
const refetchAfter = time.Minute

// acceptActivity is the Accept header of our fetches.
const acceptActivity = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`

// fetch GETs a remote document, signed by the instance actor (GoToSocial
// and Mastodon in authorized-fetch mode refuse unsigned GETs). Our own
// instance actor is always served unsigned, which is what stops two nodes
// from fetching each other's keys forever.
//
// A fetch takes at most fetchTimeout, waiting for one of the host's
// fetchesPerHost slots included; a host that lets a fetch time out is not
// asked again for hostDownFor (see fetchLimiter), so a host that accepts
// connections and never answers holds up one request, not every one that
// names it. Documents over maxDocumentBytes are refused.
func (f *Federation) fetch(ctx context.Context, rawURL string) (map[string]any, error) {
	host := hostOf(rawURL)
	if host == "" {
		return nil, problem.Invalidf("", "%q is not an http(s) URL", rawURL)
	}
	if refused, err := f.refused(ctx, f.cfg.Pool, host); err != nil {
		return nil, err
	} else if refused {
		return nil, f.refusal(host)
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	release, err := f.fetches.acquire(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	defer release()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("Accept", acceptActivity)
	key, err := f.signingKey(ctx, f.cfg.Pool, InstanceUsername)
	if err != nil {
		return nil, err
	}
	if err := signature.SignRequest(req, f.urls.KeyID(InstanceUsername), key, nil, time.Now()); err != nil {
		return nil, fmt.Errorf("sign fetch of %s: %w", rawURL, err)
	}
	doc, err := f.get(req)
	if err != nil && isTimeout(err) && !errors.Is(ctx.Err(), context.Canceled) {
		f.fetches.markDown(host)
		return nil, fmt.Errorf("fetch %s: no answer within %s: %w", rawURL, fetchTimeout, err)
	}
	return doc, err
}

// Fetch gets the ActivityStreams document at rawURL with a signed GET,
// bounded as every fetch of the node's is (see fetch): for domain
// packages that read collections of other servers (a network's members).
// Call it before a transaction begins, never inside one.
func (f *Federation) Fetch(ctx context.Context, rawURL string) (map[string]any, error) {
	return f.fetch(ctx, rawURL)
}

// get sends a fetch and decodes the JSON object it answers.
func (f *Federation) get(req *http.Request) (map[string]any, error) {
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &fetchStatusError{url: req.URL.String(), status: resp.StatusCode, text: resp.Status}
	}
	var doc map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDocumentBytes)).Decode(&doc); err != nil {
		if isTimeout(err) {
			return nil, err
		}
		return nil, fmt.Errorf("fetch %s: not a JSON object (of at most %d bytes): %w", req.URL, maxDocumentBytes, err)
	}
	return doc, nil
}

// RemoteActor returns the actor with this id, from the cache or, when
// missing or refresh is asked (and the copy is older than refetchAfter),
// fetched from its server.
func (f *Federation) RemoteActor(ctx context.Context, id string, refresh bool) (RemoteActor, error) {
	cached, err := remoteActor(ctx, f.cfg.Pool, "id", id)
	if err == nil && (!refresh || time.Since(cached.FetchedAt) < refetchAfter) {
		return cached, nil
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return RemoteActor{}, err
	}
	doc, err := f.fetch(ctx, id)
	if err != nil {
		return RemoteActor{}, err
	}
	a, err := parseRemoteActor(id, doc)
	if err != nil {
		return RemoteActor{}, err
	}
	return a, storeRemoteActor(ctx, f.cfg.Pool, a, doc)
}

// CachedRemoteActor returns a remote actor from the cache only, never
// fetching: for use inside a transaction.
func CachedRemoteActor(ctx context.Context, db DB, id string) (RemoteActor, error) {
	a, err := remoteActor(ctx, db, "id", id)
	if errors.Is(err, pgx.ErrNoRows) {
		return RemoteActor{}, problem.NotFoundf("actor %s is not known here", id)
	}
	return a, err
}

// CachedInboxes returns the inboxes of those of the actors ids that are
// in the cache, in one query (a network relaying to a thousand members
// asks once); actors on this node and unknown ones are left out.
func CachedInboxes(ctx context.Context, db DB, ids []string) ([]InboxTarget, error) {
	rows, err := db.Query(ctx, `SELECT inbox, shared_inbox FROM remote_actor WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, fmt.Errorf("find inboxes of %d actors: %w", len(ids), err)
	}
	targets, err := pgx.CollectRows(rows, pgx.RowToStructByPos[InboxTarget])
	if err != nil {
		return nil, fmt.Errorf("find inboxes of %d actors: %w", len(ids), err)
	}
	return targets, nil
}

// remoteActor reads the cache by id or key_id.
func remoteActor(ctx context.Context, db DB, column, value string) (RemoteActor, error) {
	var a RemoteActor
	err := db.QueryRow(ctx, `SELECT `+remoteActorColumns+` FROM remote_actor WHERE `+column+` = $1`, value).
		Scan(&a.ID, &a.Host, &a.Username, &a.Inbox, &a.SharedInbox, &a.KeyID, &a.PublicKeyPEM, &a.FetchedAt,
			&a.Type, &a.Name, &a.Country, &a.OpenBadgesProfile, &a.Discoverable)
	return a, err
}

const remoteActorColumns = `id, host, username, inbox, shared_inbox, key_id, public_key_pem, fetched_at,
	type, name, country, ob_profile, discoverable`

// storeRemoteActor caches a (parsed) remote actor and every key it lists,
// through db, which may be the caller's transaction (an Update{Person}
// applies there).
func storeRemoteActor(ctx context.Context, db DB, a RemoteActor, doc map[string]any) error {
	_, err := db.Exec(ctx, `INSERT INTO remote_actor (id, host, username, inbox, shared_inbox, key_id, public_key_pem, document,
			fetched_at, type, name, country, ob_profile, discoverable)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO UPDATE SET host = excluded.host, username = excluded.username, inbox = excluded.inbox,
			shared_inbox = excluded.shared_inbox, key_id = excluded.key_id, public_key_pem = excluded.public_key_pem,
			document = excluded.document, fetched_at = now(), type = excluded.type, name = excluded.name,
			country = excluded.country, ob_profile = excluded.ob_profile, discoverable = excluded.discoverable`,
		a.ID, a.Host, a.Username, a.Inbox, a.SharedInbox, a.KeyID, a.PublicKeyPEM, doc,
		a.Type, a.Name, a.Country, a.OpenBadgesProfile, a.Discoverable)
	if err != nil {
		return fmt.Errorf("store remote actor %s: %w", a.ID, err)
	}
	return storeKeys(ctx, db, a)
}

// parseRemoteActor checks an actor document fetched from id: it must claim
// that id (so a server cannot pass off another's actor), have an inbox on
// its own host, and at least one public key of its own that Laurel can
// verify (see parseKeys: publicKey objects or arrays, assertionMethod
// Multikeys; RSA or Ed25519).
func parseRemoteActor(id string, doc map[string]any) (RemoteActor, error) {
	a := RemoteActor{ID: str(doc, "id"), Host: hostOf(id), Username: str(doc, "preferredUsername"), Inbox: str(doc, "inbox")}
	if a.ID != id {
		return RemoteActor{}, problem.Invalidf("id", "actor fetched from %s claims id %q", id, a.ID)
	}
	if hostOf(a.Inbox) != a.Host {
		return RemoteActor{}, problem.Invalidf("inbox", "actor %s has inbox %q on another host", id, a.Inbox)
	}
	if ep, ok := doc["endpoints"].(map[string]any); ok {
		if shared := str(ep, "sharedInbox"); hostOf(shared) == a.Host {
			a.SharedInbox = shared
		}
	}
	a.Keys = parseKeys(id, doc)
	if len(a.Keys) == 0 {
		return RemoteActor{}, problem.Invalidf("publicKey", "actor %s has no key of its own that Laurel can verify (RSA or Ed25519)", id)
	}
	primary := primaryKey(a.Keys)
	a.KeyID, a.PublicKeyPEM = primary.ID, primary.PEM
	a.Type, a.Name = str(doc, "type"), plainName(doc["name"])
	a.Discoverable, _ = doc["discoverable"].(bool)
	if c := str(doc, "country"); len(c) == 2 {
		a.Country = strings.ToUpper(c)
	}
	// Only a profile on the actor's own server is believed: nobody may
	// claim another server's issuer as theirs.
	if p := str(doc, "openBadgesProfile"); hostOf(p) == a.Host {
		a.OpenBadgesProfile = p
	}
	return a, nil
}

// plainName reads an actor's display name, bounded: a string, or the first
// value of a language map.
func plainName(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case map[string]any:
		for _, x := range v {
			if t, ok := x.(string); ok {
				s = t
				break
			}
		}
	}
	if r := []rune(strings.TrimSpace(s)); len(r) > 200 {
		return string(r[:200])
	}
	return strings.TrimSpace(s)
}

// str reads a string property of a JSON object, or the id of an embedded
// object ({"id": ...}), which ActivityStreams allows in place of a link.
func str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case map[string]any:
		if id, ok := v["id"].(string); ok {
			return id
		}
	}
	return ""
}
