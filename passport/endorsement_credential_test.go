package passport_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/statuslist"
	"github.com/laurelnet/laurel/vocab"
)

// TestEndorsementCredentialLifecycle: Ann's endorsement of Eva's badge is
// also a signed EndorsementCredential by Ann's key, which her 3.0 Profile
// lists, endorsing the badge's OpenBadgeCredential; editing issues a new one and revokes the old; withdrawing revokes
// the new one, as Ann's status list shows at once.
func TestEndorsementCredentialLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newSocial(t)
	e, err := s.p.Endorse(ctx, s.ann, s.page, "Eva's robots work well.")
	if err != nil {
		t.Fatal(err)
	}
	profile, err := s.p.ProfileV3Document(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if profile.ID != passport.PersonProfileV3(s.urls, "ann") || len(profile.VerificationMethod) != 1 {
		t.Fatalf("Ann's Profile: %+v", profile)
	}
	resolve := func(_ context.Context, vm string, _ time.Time) (ed25519.PublicKey, error) {
		for _, m := range profile.VerificationMethod {
			if m.ID == vm {
				return dataintegrity.DecodeMultikey(m.PublicKeyMultibase)
			}
		}
		t.Fatalf("no key %s on the Profile", vm)
		return nil, nil
	}
	read := func(id string) map[string]any {
		t.Helper()
		doc, err := passport.HostedCredential(ctx, s.pool, id[len(id)-36:], false)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatal(err)
		}
		if _, err := dataintegrity.Verify(ctx, m, resolve, vocab.DocumentLoader(nil)); err != nil {
			t.Fatalf("the credential's proof: %v", err)
		}
		return m
	}
	revoked := func(c map[string]any) bool {
		t.Helper()
		doc, err := s.p.StatusListJSON(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		var list map[string]any
		if err := json.Unmarshal(doc, &list); err != nil {
			t.Fatal(err)
		}
		if _, err := dataintegrity.Verify(ctx, list, resolve, vocab.DocumentLoader(nil)); err != nil {
			t.Fatalf("the status list's proof: %v", err)
		}
		bits, err := statuslist.Decode(list["credentialSubject"].(map[string]any)["encodedList"].(string))
		if err != nil || bits.Len() < statuslist.MinSize {
			t.Fatalf("status list: %v, %d entries", err, bits.Len())
		}
		i, _ := strconv.Atoi(c["credentialStatus"].(map[string]any)["statusListIndex"].(string))
		set, _ := bits.Bit(i)
		return set
	}
	first := read(e.Credential)
	subject := first["credentialSubject"].(map[string]any)
	if first["id"] != e.Credential || subject["id"] != s.urls.Credential(s.urls.AssertionUUID(s.public.AssertionID)) || subject["endorsementComment"] != "Eva's robots work well." ||
		first["issuer"].(map[string]any)["id"] != profile.ID || vocab.CheckCredential(first) != nil && hasErrors(vocab.CheckCredential(first)) {
		t.Fatalf("the credential: %v", first)
	}
	if revoked(first) {
		t.Fatal("a new credential is revoked")
	}

	edited, err := s.p.EditEndorsement(ctx, s.ann, e.UUID, "Eva's robots work very well.")
	if err != nil {
		t.Fatal(err)
	}
	if edited.Credential == e.Credential || edited.Credential == "" {
		t.Fatalf("the edit kept credential %s", edited.Credential)
	}
	second := read(edited.Credential)
	if second["credentialSubject"].(map[string]any)["endorsementComment"] != "Eva's robots work very well." {
		t.Fatalf("the new credential: %v", second)
	}
	if !revoked(first) || revoked(second) {
		t.Fatalf("after the edit: old revoked %v, new revoked %v", revoked(first), revoked(second))
	}

	if err := s.p.DeleteEndorsement(ctx, s.ann, e.UUID); err != nil {
		t.Fatal(err)
	}
	if !revoked(second) {
		t.Fatal("the withdrawn endorsement's credential is not revoked")
	}
	keys, err := passport.PersonCredentialKeys(ctx, s.pool, s.ann.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("Ann's keys: %v %v", keys, err)
	}
	if _, err := passport.RotatePersonCredentialKey(ctx, s.pool, s.ann.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _ = passport.PersonCredentialKeys(ctx, s.pool, s.ann.ID); len(keys) != 2 || keys[0].RevokedAt == nil || keys[1].RevokedAt != nil {
		t.Fatalf("after rotation: %+v", keys)
	}
}

func hasErrors(ps []vocab.Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}
