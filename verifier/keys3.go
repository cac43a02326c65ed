package verifier

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/vocab"
)

// Key ownership for Open Badges 3.0 credentials: the verification method a
// proof (or a VC-JWT's kid) names must be a key its issuer controls. Three
// kinds of issuer are understood:
//
//   - did:key: the key is the DID itself, and the issuer must be that DID;
//   - did:web: the DID document (https://HOST/PATH/did.json, or
//     /.well-known/did.json without a path) lists the key, and the issuer
//     is the DID or named in the document's alsoKnownAs;
//   - an https URL: the document at the method's URL without its fragment
//     (the issuer's Profile, as Laurel publishes it) lists the key, and is
//     the issuer.
//
// In each document the method must be listed in assertionMethod, have the
// document as its controller, and not be revoked before the proof was
// made. Its key is read from publicKeyMultibase (Multikey: Ed25519 or
// P-256; Ed25519VerificationKey2020: Ed25519) or publicKeyJwk (JsonWebKey,
// JsonWebKey2020: OKP Ed25519, EC P-256 or RSA). A did:key may be Ed25519
// or P-256. An https method may also be a bare JWK or a JWK Set (bareJWK),
// the issuer's when on the issuer's origin.

// CredentialKeyResolver returns the resolver that dataintegrity.Verify needs
// for a credential of issuerID, fetching through the Verifier's client (at
// most MaxFetches documents per resolver). It finds Ed25519 keys only, the
// kind Data Integrity proofs are made with.
func (v *Verifier) CredentialKeyResolver(issuerID string) dataintegrity.KeyResolver {
	client := v.Client
	if client == nil {
		client = egress.New(egress.Config{}).HTTPClient()
	}
	return v.keyResolver(newFetcher(client), issuerID)
}

// keyResolver is CredentialKeyResolver fetching through f.
func (r *run) keyResolver(issuerID string) dataintegrity.KeyResolver {
	return r.v.keyResolver(r.f, issuerID)
}

// anyKey returns the key of verification method vm of issuerID, of any
// kind (see KeyResolver).
func (r *run) anyKey(issuerID, vm string, created time.Time) (crypto.PublicKey, error) {
	return r.v.publicKey(r.ctx, r.f, issuerID, vm, created)
}

func (v *Verifier) keyResolver(f *fetcher, issuerID string) dataintegrity.KeyResolver {
	return func(ctx context.Context, vm string, created time.Time) (ed25519.PublicKey, error) {
		k, err := v.publicKey(ctx, f, issuerID, vm, created)
		if err != nil {
			return nil, err
		}
		ed, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("the key %s is %s; an Ed25519 proof needs an Ed25519 key", vm, keyKind(k))
		}
		return ed, nil
	}
}

// publicKey finds the key of verification method vm, checking that
// issuerID controls it.
func (v *Verifier) publicKey(ctx context.Context, f *fetcher, issuerID, vm string, created time.Time) (crypto.PublicKey, error) {
	controller, _, _ := strings.Cut(vm, "#")
	u, err := v.controllerURL(controller)
	if err != nil {
		return nil, fmt.Errorf("verification method %s: %w", describeValue(vm), err)
	}
	if u == "" { // did:key
		if controller != issuerID {
			return nil, fmt.Errorf("the key %s is not the issuer's (%s)", vm, issuerID)
		}
		return dataintegrity.DIDKeyPublic(vm)
	}
	if k, ok, err := f.bareJWK(ctx, u, vm, issuerID); ok {
		return k, err
	}
	keys, err := f.controllerKeys(ctx, u, controller, issuerID, created)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.id == vm {
			return k.key, k.err
		}
	}
	return nil, fmt.Errorf("%s lists no verification method %s under assertionMethod", u, vm)
}

// bareJWK reads the key at an https kid that dereferences to a JWK, or to a
// JWK Set holding the kid's key (its "kid" the URL or its fragment), as
// Open Badges 3.0 §8.2 allows a VC-JWT's kid to. ok is false when the
// document at u is neither (a controller document, then). Such a key
// names no controller, so it counts as the issuer's only when it is
// published on the issuer's own origin (the issuer being an https URL).
func (f *fetcher) bareJWK(ctx context.Context, u, vm, issuerID string) (crypto.PublicKey, bool, error) {
	if !hasHTTPScheme(u) || checkFetchURL(u) != nil {
		return nil, false, nil
	}
	res, err := f.get(ctx, u)
	if err != nil || res.status != http.StatusOK {
		return nil, false, nil // controllerKeys reports it
	}
	doc, err := decodeObject(res.body)
	if err != nil {
		return nil, false, nil
	}
	var jwk any
	switch {
	case doc["kty"] != nil:
		jwk = doc
	case doc["keys"] != nil:
		_, fragment, _ := strings.Cut(vm, "#")
		for _, k := range asList(doc["keys"]) {
			if m, ok := k.(map[string]any); ok && (str(m["kid"]) == vm || fragment != "" && str(m["kid"]) == fragment) {
				jwk = m
			}
		}
		if jwk == nil {
			return nil, true, fmt.Errorf("the JWK Set at %s has no key %s", u, vm)
		}
	default:
		return nil, false, nil
	}
	ku, err1 := url.Parse(u)
	iu, err2 := url.Parse(issuerID)
	if err1 != nil || err2 != nil || !hasHTTPScheme(issuerID) || !strings.EqualFold(ku.Scheme+"://"+ku.Host, iu.Scheme+"://"+iu.Host) {
		return nil, true, fmt.Errorf("the JWK at %s names no controller and is not on the issuer %s's origin", u, issuerID)
	}
	k, err := decodeJWK(jwk)
	return k, true, err
}

// issuerListsKey checks that the issuer lists pub (a VC-JWT's jwk header)
// among its assertion methods, and returns that method's id.
func (r *run) issuerListsKey(issuerID string, pub crypto.PublicKey, created time.Time) (string, error) {
	u, err := r.v.controllerURL(issuerID)
	if err != nil {
		return "", fmt.Errorf("the issuer %s: %w", describeValue(issuerID), err)
	}
	if u == "" { // did:key
		k, err := dataintegrity.DIDKeyPublic(issuerID)
		if err != nil {
			return "", err
		}
		if !sameKey(k, pub) {
			return "", fmt.Errorf("the key given in the header is not the issuer's %s", issuerID)
		}
		return issuerID, nil
	}
	keys, err := r.f.controllerKeys(r.ctx, u, issuerID, issuerID, created)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if k.err == nil && sameKey(k.key, pub) {
			return k.id, nil
		}
	}
	return "", fmt.Errorf("%s lists no assertion method with the key given in the header", u)
}

// controllerURL is where the document of a key's controller is: "" for a
// did:key (its own document), the did.json of a did:web, an http(s)
// URL itself.
func (v *Verifier) controllerURL(controller string) (string, error) {
	switch {
	case strings.HasPrefix(controller, "did:key:"):
		return "", nil
	case strings.HasPrefix(controller, "did:web:"):
		return v.didWebURL(controller)
	case hasHTTPScheme(controller):
		return controller, nil
	}
	return "", errors.New("only did:key, did:web and https keys are understood")
}

// didWebURL is where the document of a did:web DID is: https, or http for
// hosts that the Verifier's PlainHTTP allows (test nodes on loopback).
func (v *Verifier) didWebURL(did string) (string, error) {
	parts := strings.Split(strings.TrimPrefix(did, "did:web:"), ":")
	host, err := url.PathUnescape(parts[0])
	if err != nil || host == "" || strings.ContainsAny(host, "/?#@") {
		return "", fmt.Errorf("%s is not a valid did:web", describeValue(did))
	}
	path := "/.well-known"
	if len(parts) > 1 {
		segs := make([]string, 0, len(parts)-1)
		for _, p := range parts[1:] {
			s, err := url.PathUnescape(p)
			if err != nil || s == "" || strings.Contains(s, "/") {
				return "", fmt.Errorf("%s is not a valid did:web", describeValue(did))
			}
			segs = append(segs, url.PathEscape(s))
		}
		path = "/" + strings.Join(segs, "/")
	}
	scheme := "https"
	if h, _, err := splitHostPort(host); err == nil && v.PlainHTTP != nil && v.PlainHTTP(h) {
		scheme = "http"
	}
	return scheme + "://" + host + path + "/did.json", nil
}

func splitHostPort(host string) (string, string, error) {
	u, err := url.Parse("//" + host)
	if err != nil {
		return "", "", err
	}
	return u.Hostname(), u.Port(), nil
}

// methodKey is an assertion method of a controller document: its id and
// key, or why the key cannot be used.
type methodKey struct {
	id  string
	key crypto.PublicKey
	err error
}

// controllerKeys fetches the controller document at u, whose id must be
// controller (and controller the issuer, or the issuer in its
// alsoKnownAs), and returns its assertion methods.
func (f *fetcher) controllerKeys(ctx context.Context, u, controller, issuerID string, created time.Time) ([]methodKey, error) {
	if err := checkFetchURL(u); err != nil {
		return nil, err
	}
	res, err := f.get(ctx, u)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u, res.statusText)
	}
	doc, err := decodeObject(res.body)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", u, err)
	}
	if doc["id"] != controller {
		return nil, fmt.Errorf("the document at %s has id %s, not %s", u, describeValue(doc["id"]), controller)
	}
	aka := stringsOf(doc["alsoKnownAs"])
	if issuerID != controller && !slices.Contains(aka, issuerID) {
		return nil, fmt.Errorf("the keys of %s are not the issuer %s's", controller, issuerID)
	}
	// Methods may be listed in full under verificationMethod and referred
	// to by id from assertionMethod, or given in full there.
	byID := map[string]map[string]any{}
	for _, m := range append(asList(doc["verificationMethod"]), asList(doc["assertionMethod"])...) {
		if m, ok := m.(map[string]any); ok {
			byID[absolute(controller, str(m["id"]))] = m
		}
	}
	var out []methodKey
	for _, a := range asList(doc["assertionMethod"]) {
		id := ""
		switch a := a.(type) {
		case string:
			id = absolute(controller, a)
		case map[string]any:
			id = absolute(controller, str(a["id"]))
		}
		m, ok := byID[id]
		if !ok {
			out = append(out, methodKey{id: id, err: fmt.Errorf("%s lists %s under assertionMethod but does not describe it", u, id)})
			continue
		}
		k, err := methodPublicKey(m, controller, created)
		out = append(out, methodKey{id: id, key: k, err: err})
	}
	return out, nil
}

// methodPublicKey reads the key of a verification method, checking its
// controller and revocation.
func methodPublicKey(m map[string]any, controller string, created time.Time) (crypto.PublicKey, error) {
	if str(m["controller"]) != controller {
		return nil, fmt.Errorf("controlled by %s, not %s", describeValue(m["controller"]), controller)
	}
	if r := str(m["revoked"]); r != "" {
		t, err := vocab.ParseDateTime(r)
		if err != nil {
			return nil, fmt.Errorf("revoked %v", err)
		}
		if created.IsZero() || !created.Before(t) {
			return nil, fmt.Errorf("revoked on %s, before the proof was made", r)
		}
	}
	switch t := str(m["type"]); t {
	case "Multikey":
		return dataintegrity.DecodePublicMultikey(str(m["publicKeyMultibase"]))
	case "Ed25519VerificationKey2020":
		return dataintegrity.DecodeMultikey(str(m["publicKeyMultibase"]))
	case "JsonWebKey", "JsonWebKey2020":
		return decodeJWK(m["publicKeyJwk"])
	default:
		return nil, fmt.Errorf("a %s; only Multikey, Ed25519VerificationKey2020, JsonWebKey and JsonWebKey2020 keys are understood", describeValue(m["type"]))
	}
}

// decodeJWK reads a publicKeyJwk: a public OKP Ed25519, EC P-256 or RSA
// key.
func decodeJWK(v any) (crypto.PublicKey, error) {
	raw, err := json.Marshal(v)
	if err != nil || v == nil {
		return nil, errors.New("no publicKeyJwk")
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("publicKeyJwk: %v", err)
	}
	if !k.IsPublic() {
		return nil, errors.New("publicKeyJwk holds a private key")
	}
	if _, err := vocab.KeyAlgorithm(k.Key); err != nil {
		return nil, fmt.Errorf("publicKeyJwk: %v", err)
	}
	return k.Key, nil
}

// sameKey reports whether a and b are the same public key.
func sameKey(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// keyKind names the kind of a key for messages.
func keyKind(k crypto.PublicKey) string {
	alg, err := vocab.KeyAlgorithm(k)
	if err != nil {
		return "of an unknown kind"
	}
	return map[jose.SignatureAlgorithm]string{jose.EdDSA: "an Ed25519 key", jose.ES256: "a P-256 key", jose.RS256: "an RSA key"}[alg]
}

// absolute resolves a relative method id ("#key-1") against its document.
func absolute(controller, id string) string {
	if strings.HasPrefix(id, "#") {
		return controller + id
	}
	return id
}

func asList(v any) []any {
	switch v := v.(type) {
	case []any:
		return v
	case nil:
		return nil
	}
	return []any{v}
}

func str(v any) string { s, _ := v.(string); return s }
