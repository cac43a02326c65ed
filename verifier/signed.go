package verifier

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/laurelnet/laurel/vocab"
)

// maxKeysTried bounds how many of an issuer's keys are tried when the
// assertion does not name the key that signed it.
const maxKeysTried = 3

// signature verifies a signed assertion: "Determine the correct signing
// key id(s) ... from the valid issuer Profile and Assertion
// VerificationObject. Do not trust a key that is not properly linked from
// the issuer Profile." The key is verification.creator when the assertion
// names one, else each key of the Profile's publicKey in turn. A key is the
// issuer's when its owner is the Profile's id and the Profile lists it.
func (r *run) signature(jws string, a, issuer map[string]any) {
	issuerID, _ := issuer["id"].(string)
	listed := map[string]map[string]any{} // key id -> embedded key object, or nil
	for _, k := range keyEntries(issuer["publicKey"]) {
		listed[k.id] = k.embedded
	}

	var keyIDs []string
	v, _ := a["verification"].(map[string]any)
	if creator, ok := v["creator"].(string); ok && creator != "" {
		keyIDs = []string{creator}
	} else {
		for _, k := range keyEntries(issuer["publicKey"]) {
			keyIDs = append(keyIDs, k.id)
		}
		if len(keyIDs) == 0 {
			r.fail(CheckSignature, "the assertion names no signing key (verification.creator) and the issuer Profile %s lists none (publicKey)", describeValue(issuer["id"]))
			return
		}
		if len(keyIDs) > maxKeysTried {
			r.warn(CheckSignature, "the issuer Profile lists %d keys; only the first %d are tried", len(keyIDs), maxKeysTried)
			keyIDs = keyIDs[:maxKeysTried]
		}
	}

	var failures []string
	for _, keyID := range keyIDs {
		pub, ok := r.issuerKey(keyID, issuerID, listed)
		if !ok {
			continue
		}
		if _, err := vocab.VerifyJWS(jws, pub); err != nil {
			if errors.Is(err, vocab.ErrJWSSignature) {
				failures = append(failures, fmt.Sprintf("the JWS signature does not verify with the key %s", keyID))
			} else {
				failures = append(failures, fmt.Sprintf("the JWS cannot be verified with the key %s: %v", keyID, err))
			}
			continue
		}
		r.pass(CheckSignature, "the RS256 signature verifies with the issuer's key %s", keyID)
		return
	}
	if len(failures) > 0 {
		r.fail(CheckSignature, "%s", strings.Join(failures, "; "))
		return
	}
	r.fail(CheckSignature, "the signature could not be checked: no usable key of the issuer")
}

// issuerKey returns the RSA public key keyID after checking that it belongs
// to the issuer (reported under key-owner) and can be used (key-fetched).
// listed maps the ids the issuer Profile lists in publicKey to an embedded
// key object, if it embeds one.
func (r *run) issuerKey(keyID, issuerID string, listed map[string]map[string]any) (*rsa.PublicKey, bool) {
	embedded, isListed := listed[keyID]
	if !isListed {
		r.fail(CheckKeyOwner, "the issuer Profile %s does not list the key %s in its publicKey, so the key cannot be trusted to be the issuer's", issuerID, keyID)
		return nil, false
	}
	key := embedded
	if key == nil || key["publicKeyPem"] == nil {
		key = r.fetchDoc(CheckKeyFetched, CheckKeyFetched, "the key", keyID, true)
		if key == nil {
			return nil, false
		}
	} else {
		r.pass(CheckKeyFetched, "the key %s is embedded in the issuer Profile", keyID)
	}
	for _, p := range vocab.Check("CryptographicKey", key) {
		if p.Warning {
			r.warn(CheckKeyFetched, "the key %s: %s", keyID, problemText(p))
		} else {
			r.fail(CheckKeyFetched, "the key %s: %s", keyID, problemText(p))
		}
	}
	owner, _ := key["owner"].(string)
	switch {
	case owner == issuerID:
		r.pass(CheckKeyOwner, "the key %s is the issuer's: its owner is %s and the issuer Profile lists it", keyID, issuerID)
	case owner == "" && embedded != nil:
		// A key embedded in the Profile is the Profile's unless it says
		// otherwise; one published on its own must name its owner.
		r.pass(CheckKeyOwner, "the key %s is the issuer's: the issuer Profile %s embeds it", keyID, issuerID)
	default:
		r.fail(CheckKeyOwner, "the key %s belongs to %s, not to the issuer %s", keyID, describeValue(key["owner"]), issuerID)
		return nil, false
	}
	pemText, _ := key["publicKeyPem"].(string)
	pub, err := parsePublicKeyPEM(pemText)
	if err != nil {
		r.fail(CheckKeyFetched, "the key %s cannot be used: %v", keyID, err)
		return nil, false
	}
	return pub, true
}

// keyEntry is one entry of a Profile's publicKey: a key id, with the key
// object when the Profile embeds it.
type keyEntry struct {
	id       string
	embedded map[string]any
}

// keyEntries returns the entries of a publicKey value (an id, an embedded
// key, or an array of either).
func keyEntries(v any) []keyEntry {
	var out []keyEntry
	add := func(e any) {
		switch e := e.(type) {
		case string:
			if e != "" {
				out = append(out, keyEntry{id: e})
			}
		case map[string]any:
			if id, ok := e["id"].(string); ok && id != "" {
				out = append(out, keyEntry{id: id, embedded: e})
			}
		}
	}
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			add(e)
		}
	} else {
		add(v)
	}
	return out
}

// parsePublicKeyPEM parses an RSA public key in PEM, as a PKIX "PUBLIC KEY"
// or a PKCS #1 "RSA PUBLIC KEY" block.
func parsePublicKeyPEM(s string) (*rsa.PublicKey, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("it has no publicKeyPem")
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("its publicKeyPem is not PEM")
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse its public key: %w", err)
		}
		pub, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("it is a %T key; signed Open Badges use RSA (RS256)", k)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse its public key: %w", err)
		}
		return pub, nil
	}
	return nil, fmt.Errorf("its publicKeyPem holds a %q block, not a public key", block.Type)
}
