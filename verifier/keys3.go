package verifier

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

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
// In each document the method must be a Multikey (Ed25519) whose
// controller is the document, listed in assertionMethod, and not revoked
// before the proof was made.

// CredentialKeyResolver returns the resolver that dataintegrity.Verify needs
// for a credential of issuerID, fetching through the Verifier's client (at
// most MaxFetches documents per resolver).
func (v *Verifier) CredentialKeyResolver(issuerID string) dataintegrity.KeyResolver {
	client := v.Client
	if client == nil {
		client = egress.New(egress.Config{}).HTTPClient()
	}
	return v.keyResolver(&fetcher{client: client}, issuerID)
}

// keyResolver is CredentialKeyResolver fetching through f.
func (r *run) keyResolver(issuerID string) dataintegrity.KeyResolver {
	return r.v.keyResolver(r.f, issuerID)
}

func (v *Verifier) keyResolver(f *fetcher, issuerID string) dataintegrity.KeyResolver {
	return func(ctx context.Context, vm string, created time.Time) (ed25519.PublicKey, error) {
		controller, _, _ := strings.Cut(vm, "#")
		switch {
		case strings.HasPrefix(vm, "did:key:"):
			if controller != issuerID {
				return nil, fmt.Errorf("the key %s is not the issuer's (%s)", vm, issuerID)
			}
			return dataintegrity.DIDKey(vm)
		case strings.HasPrefix(vm, "did:web:"):
			u, err := v.didWebURL(controller)
			if err != nil {
				return nil, err
			}
			return f.controlledKey(ctx, u, controller, vm, issuerID, created)
		case hasHTTPScheme(vm):
			return f.controlledKey(ctx, controller, controller, vm, issuerID, created)
		}
		return nil, fmt.Errorf("verification method %s: only did:key, did:web and https keys are understood", describeValue(vm))
	}
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

// controlledKey fetches the controller document at u, whose id must be
// controller, and returns the Ed25519 key of method vm in it.
func (f *fetcher) controlledKey(ctx context.Context, u, controller, vm, issuerID string, created time.Time) (ed25519.PublicKey, error) {
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
		return nil, fmt.Errorf("the key %s belongs to %s, not to the issuer %s", vm, controller, issuerID)
	}
	listed := false
	for _, a := range asList(doc["assertionMethod"]) {
		switch a := a.(type) {
		case string:
			listed = listed || absolute(controller, a) == vm
		case map[string]any:
			listed = listed || absolute(controller, str(a["id"])) == vm
		}
	}
	if !listed {
		return nil, fmt.Errorf("%s does not list %s under assertionMethod", u, vm)
	}
	methods := asList(doc["verificationMethod"])
	for _, a := range asList(doc["assertionMethod"]) {
		if m, ok := a.(map[string]any); ok {
			methods = append(methods, m)
		}
	}
	for _, m := range methods {
		m, ok := m.(map[string]any)
		if !ok || absolute(controller, str(m["id"])) != vm {
			continue
		}
		if str(m["type"]) != "Multikey" {
			return nil, fmt.Errorf("the key %s is a %s; only Multikey (Ed25519) keys are understood", vm, describeValue(m["type"]))
		}
		if str(m["controller"]) != controller {
			return nil, fmt.Errorf("the key %s is controlled by %s, not %s", vm, describeValue(m["controller"]), controller)
		}
		if r := str(m["revoked"]); r != "" {
			t, err := vocab.ParseDateTime(r)
			if err != nil {
				return nil, fmt.Errorf("the key %s: revoked %v", vm, err)
			}
			if created.IsZero() || !created.Before(t) {
				return nil, fmt.Errorf("the key %s was revoked on %s, before the proof was made", vm, r)
			}
		}
		return dataintegrity.DecodeMultikey(str(m["publicKeyMultibase"]))
	}
	return nil, errors.New(u + " lists no verification method " + vm)
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
