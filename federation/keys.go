package federation

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// RemoteKey is one public key a remote actor lists.
type RemoteKey struct {
	ID   string
	Kind string // "rsa" or "ed25519" (signature.KeyKind)
	PEM  string // PKIX PEM, also for keys published as Multikeys
	// Assertion: listed in assertionMethod, so it may sign objects
	// (FEP-8b32 proofs); publicKey keys sign requests only.
	Assertion bool
}

// maxKeysPerActor bounds what is kept of one actor's key list: real actors
// list one to three keys.
const maxKeysPerActor = 16

// keyResolveTimeout bounds a whole key resolution (the key document, then
// the actor), whoever waits for it: each fetch is bounded by fetchTimeout,
// and a host that let one of them time out is not asked again for a while
// (see fetchLimiter), so in practice a tarpit costs one fetchTimeout.
const keyResolveTimeout = 8 * time.Second

// parseKeys reads every key an actor document lists that Laurel can
// verify: `publicKey` (an object or an array of them, each with id, owner
// and publicKeyPem, RSA or Ed25519) and `assertionMethod` Multikeys
// (FEP-521a: id, controller, publicKeyMultibase). A key counts only if its
// id is on the actor's host and its owner (controller) is the actor; kinds
// Laurel cannot verify, and malformed entries, are skipped, as FEP-521a
// asks. The first key of an id wins; a key in assertionMethod may also
// sign objects.
func parseKeys(id string, doc map[string]any) []RemoteKey {
	host := hostOf(id)
	var keys []RemoteKey
	seen := map[string]int{} // key id -> index in keys, plus one
	add := func(keyID, owner string, assertion bool, parse func() (crypto.PublicKey, error)) {
		if keyID == "" || owner != id || hostOf(keyID) != host {
			return
		}
		if i := seen[keyID]; i > 0 { // listed twice (Fedify): the first copy wins
			keys[i-1].Assertion = keys[i-1].Assertion || assertion
			return
		}
		if len(keys) == maxKeysPerActor {
			return
		}
		k, err := parse()
		if err != nil {
			return
		}
		pem, err := signature.EncodeAnyPublicKey(k)
		if err != nil {
			return
		}
		keys = append(keys, RemoteKey{ID: keyID, Kind: signature.KeyKind(k), PEM: pem, Assertion: assertion})
		seen[keyID] = len(keys)
	}
	for _, k := range objects(doc["publicKey"]) {
		pem := str(k, "publicKeyPem")
		add(str(k, "id"), str(k, "owner"), false, func() (crypto.PublicKey, error) { return signature.ParseAnyPublicKey(pem) })
	}
	for _, k := range objects(doc["assertionMethod"]) {
		if !hasType(k, "Multikey") {
			continue
		}
		mb := str(k, "publicKeyMultibase")
		add(str(k, "id"), str(k, "controller"), true, func() (crypto.PublicKey, error) { return signature.ParseMultikey(mb) })
	}
	return keys
}

// primaryKey is the key remote_actor.key_id and public_key_pem hold, for
// code that wants one key: the first RSA key (what draft-cavage needs),
// else the first key.
func primaryKey(keys []RemoteKey) RemoteKey {
	for _, k := range keys {
		if k.Kind == "rsa" {
			return k
		}
	}
	return keys[0]
}

// objects returns the JSON objects of a value that may be one object or
// an array (strings, links to keys published elsewhere, are left out).
func objects(v any) []map[string]any { return vocab.Objects(v) }

// hasType reports whether an object's type is, or includes, typ.
func hasType(m map[string]any, typ string) bool {
	switch t := m["type"].(type) {
	case string:
		return t == typ
	case []any:
		for _, x := range t {
			if x == typ {
				return true
			}
		}
	}
	return false
}

// storeKeys replaces the stored keys of actor a with a.Keys, through db
// (which may be the caller's transaction).
func storeKeys(ctx context.Context, db DB, a RemoteActor) error {
	keys := a.Keys
	if len(keys) == 0 && a.KeyID != "" { // a RemoteActor built by hand
		k, err := signature.ParseAnyPublicKey(a.PublicKeyPEM)
		if err != nil {
			return fmt.Errorf("store keys of %s: %w", a.ID, err)
		}
		keys = []RemoteKey{{ID: a.KeyID, Kind: signature.KeyKind(k), PEM: a.PublicKeyPEM}}
	}
	ids, kinds, pems := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	assertions := make([]bool, len(keys))
	for i, k := range keys {
		ids[i], kinds[i], pems[i], assertions[i] = k.ID, k.Kind, k.PEM, k.Assertion
	}
	if _, err := db.Exec(ctx, `DELETE FROM remote_key WHERE owner = $1 AND NOT (key_id = ANY($2))`, a.ID, ids); err != nil {
		return fmt.Errorf("store keys of %s: %w", a.ID, err)
	}
	_, err := db.Exec(ctx, `INSERT INTO remote_key (key_id, owner, kind, public_key_pem, assertion)
		SELECT k.id, $1, k.kind, k.pem, k.assertion
		FROM unnest($2::text[], $3::text[], $4::text[], $5::boolean[]) AS k (id, kind, pem, assertion)
		ON CONFLICT (key_id) DO UPDATE SET owner = excluded.owner, kind = excluded.kind,
			public_key_pem = excluded.public_key_pem, assertion = excluded.assertion, fetched_at = now()`,
		a.ID, ids, kinds, pems, assertions)
	if err != nil {
		return fmt.Errorf("store keys of %s: %w", a.ID, err)
	}
	return nil
}

// storedKey is a key as the cache holds it.
type storedKey struct {
	owner, kind, pem string
	assertion        bool
}

// cachedKey reads a remote key from the cache. Rows cached before keys
// had their own table are found through remote_actor.key_id.
func cachedKey(ctx context.Context, db DB, keyID string) (storedKey, bool, error) {
	var k storedKey
	err := db.QueryRow(ctx, `SELECT owner, kind, public_key_pem, assertion FROM remote_key WHERE key_id = $1`, keyID).
		Scan(&k.owner, &k.kind, &k.pem, &k.assertion)
	if errors.Is(err, pgx.ErrNoRows) {
		err = db.QueryRow(ctx, `SELECT id, 'rsa', public_key_pem, false FROM remote_actor WHERE key_id = $1`, keyID).
			Scan(&k.owner, &k.kind, &k.pem, &k.assertion)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return k, false, nil
	}
	if err != nil {
		return k, false, fmt.Errorf("read key %s: %w", keyID, err)
	}
	return k, true, nil
}

// lookupKey finds the public key behind a keyId for signature.Verify:
// our own actors' keys from the actor table, remote ones from the cache or
// their server (see resolveKey).
func (f *Federation) lookupKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	k, err := f.findKey(ctx, keyID, refresh)
	if err != nil {
		return nil, "", temporary(ctx, err)
	}
	return f.publicKey(k.pem, k.owner)
}

// lookupAssertionKey is lookupKey for object proofs (FEP-8b32): the key
// must be in its owner's assertionMethod.
func (f *Federation) lookupAssertionKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	k, err := f.findKey(ctx, keyID, refresh)
	if err != nil {
		return nil, "", temporary(ctx, err)
	}
	if !k.assertion {
		return nil, "", problem.Invalidf("verificationMethod", "%s is not in the assertionMethod of %s", keyID, k.owner)
	}
	return f.publicKey(k.pem, k.owner)
}

// temporary marks a key lookup that failed on our database (busy or
// unreachable) rather than on the key: signature.Status answers 503 for
// it, so that the sender retries instead of dropping the activity.
func temporary(ctx context.Context, err error) error {
	if dbpool.Busy(ctx, err) || dbpool.Unavailable(err) {
		return fmt.Errorf("%w: %w", signature.ErrTemporary, err)
	}
	return err
}

// findKey finds a key and its owner. Concurrent resolutions of one
// remote key share one.
func (f *Federation) findKey(ctx context.Context, keyID string, refresh bool) (storedKey, error) {
	if name := f.urls.UsernameOf(strings.SplitN(keyID, "#", 2)[0]); name != "" {
		if keyID != f.urls.KeyID(name) {
			return storedKey{}, problem.Invalidf("keyId", "%s is not a key of %s", keyID, f.urls.Actor(name))
		}
		a, err := ActorByUsername(ctx, f.cfg.Pool, name)
		if err != nil {
			return storedKey{}, err
		}
		return storedKey{owner: f.urls.Actor(name), kind: "rsa", pem: a.PublicKeyPEM}, nil
	}
	if !refresh {
		k, ok, err := cachedKey(ctx, f.cfg.Pool, keyID)
		if err != nil || ok {
			return k, err
		}
	}
	flight := "key\x00" + keyID
	if refresh {
		flight = "refresh\x00" + keyID
	}
	ch := f.keyFlights.DoChan(flight, func() (any, error) {
		// The resolution outlives the request that started it, since
		// others wait for it too; it is bounded on its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyResolveTimeout)
		defer cancel()
		return f.resolveKey(rctx, keyID)
	})
	select {
	case <-ctx.Done():
		return storedKey{}, fmt.Errorf("key %s: %w", keyID, ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return storedKey{}, r.Err
		}
		return r.Val.(storedKey), nil
	}
}

// resolveKey finds a remote key's owner and fetches the owner's actor
// document (at most once per refetchAfter), which must list the key.
//
// The owner comes from the cache when the key is known; else, for a key
// id with a fragment (Mastodon's ACTOR#main-key), it is the document the
// fragment is in; else the key id is fetched, and the owner is read from
// what comes back: a CryptographicKey's `owner`, a Multikey's
// `controller`, or, for GoToSocial's ACTOR/main-key, the `id` of the stub
// of the account it serves, whose publicKey is the key. In every case the
// owner must be on the key's host, and its own document must list the key:
// a key document alone is never believed.
func (f *Federation) resolveKey(ctx context.Context, keyID string) (storedKey, error) {
	known, found, err := cachedKey(ctx, f.cfg.Pool, keyID)
	if err != nil {
		return storedKey{}, err
	}
	var owner string
	switch before, _, hasFragment := strings.Cut(keyID, "#"); {
	case found:
		owner = known.owner
	case hasFragment:
		owner = before
	default:
		doc, err := f.fetch(ctx, keyID)
		if err != nil {
			return storedKey{}, fmt.Errorf("fetch key %s: %w", keyID, err)
		}
		if owner, err = keyOwner(keyID, doc); err != nil {
			return storedKey{}, err
		}
	}
	if hostOf(owner) != hostOf(keyID) {
		return storedKey{}, problem.Invalidf("keyId", "key %s is owned by %s on another host", keyID, owner)
	}
	if _, err := f.RemoteActor(ctx, owner, true); err != nil {
		return storedKey{}, err
	}
	k, ok, err := cachedKey(ctx, f.cfg.Pool, keyID)
	if err != nil {
		return storedKey{}, err
	}
	if !ok || k.owner != owner {
		return storedKey{}, problem.Invalidf("keyId", "actor %s does not publish key %s", owner, keyID)
	}
	return k, nil
}

// keyOwner reads who a fetched key document says owns keyID.
func keyOwner(keyID string, doc map[string]any) (string, error) {
	id := str(doc, "id")
	if id == keyID {
		if o := str(doc, "owner"); o != "" { // CryptographicKey
			return o, nil
		}
		if c := str(doc, "controller"); c != "" { // a standalone Multikey
			return c, nil
		}
		if str(doc, "inbox") != "" { // the key id is the actor's own id
			return id, nil
		}
		return "", problem.Invalidf("keyId", "key document %s names no owner", keyID)
	}
	// GoToSocial: a stub of the account, whose publicKey is this key.
	for _, k := range objects(doc["publicKey"]) {
		if str(k, "id") != keyID {
			continue
		}
		if o := str(k, "owner"); o != "" && o != id {
			return "", problem.Invalidf("keyId", "key document %s is %s's but says the key is %s's", keyID, id, o)
		}
		return id, nil
	}
	return "", problem.Invalidf("keyId", "document fetched from %s is %q and does not list that key", keyID, id)
}

func (f *Federation) publicKey(pem, owner string) (crypto.PublicKey, string, error) {
	key, err := f.keys.publicKey(pem)
	if err != nil {
		return nil, "", fmt.Errorf("key of %s: %w", owner, err)
	}
	return key, owner, nil
}

// VerifyProof checks the FEP-8b32 Object Integrity Proof of an activity
// or object (the bytes received): see signature.VerifyProof. The key is
// looked up like an HTTP signature's, and must be in its owner's
// assertionMethod; the Result's Owner is the key's owner, which the caller
// must compare with the activity's actor or the object's attributedTo.
func (f *Federation) VerifyProof(ctx context.Context, doc []byte) (signature.Result, error) {
	return signature.VerifyProof(ctx, doc, time.Now(), f.lookupAssertionKey)
}
