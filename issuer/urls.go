package issuer

import (
	"net/url"
	"strings"
)

// URLs names where the node hosts its Open Badges documents. Every id is on
// the node's own origin, the origin of the issuer Profiles, so that the
// hosted-verification scope rule (an assertion's id shares its issuer's
// origin) always holds.
type URLs struct {
	Base *url.URL
}

func (u URLs) base() string { return strings.TrimSuffix(u.Base.String(), "/") }

// Profile is the id of an organisation's issuer Profile.
func (u URLs) Profile(slug string) string { return u.base() + "/ob/issuers/" + slug }

// Key is the id of the CryptographicKey an organisation signs badges with.
func (u URLs) Key(slug string) string { return u.Profile(slug) + "/key" }

// RevocationList is the id of an organisation's RevocationList.
func (u URLs) RevocationList(slug string) string { return u.Profile(slug) + "/revocations" }

// BadgeClass is the id of a badge class.
func (u URLs) BadgeClass(uuid string) string { return u.base() + "/ob/badges/" + uuid }

// BadgeImage is the image of a badge class.
func (u URLs) BadgeImage(uuid string) string { return u.BadgeClass(uuid) + "/image" }

// Criteria is the hosted criteria page of a badge class whose criteria are
// written in Laurel.
func (u URLs) Criteria(uuid string) string { return u.BadgeClass(uuid) + "/criteria" }

// Assertion is the id of an assertion.
func (u URLs) Assertion(uuid string) string { return u.base() + "/ob/assertions/" + uuid }

// AssertionImage is the earned badge's image with the assertion baked in.
func (u URLs) AssertionImage(uuid string) string { return u.Assertion(uuid) + "/image" }

// BadgePage is the public HTML page of an earned badge.
func (u URLs) BadgePage(uuid string) string { return u.base() + "/badges/" + uuid }

// ClaimPage is the link emailed to an earner.
func (u URLs) ClaimPage(token string) string { return u.base() + "/claim/" + token }

// Endorsement is the id of an endorsement hosted here.
func (u URLs) Endorsement(uuid string) string { return u.base() + "/ob/endorsements/" + uuid }

// BadgeUUID returns the uuid of a badge class id hosted here, or "".
func (u URLs) BadgeUUID(id string) string {
	rest, ok := strings.CutPrefix(id, u.base()+"/ob/badges/")
	if !ok || !IsUUID(rest) {
		return ""
	}
	return rest
}

// ProfileSlug returns the slug of an issuer Profile id hosted here, or "".
func (u URLs) ProfileSlug(id string) string {
	rest, ok := strings.CutPrefix(id, u.base()+"/ob/issuers/")
	if !ok || !slugPattern.MatchString(rest) {
		return ""
	}
	return rest
}

// AssertionUUID returns the uuid of an assertion id hosted here, or "".
func (u URLs) AssertionUUID(id string) string {
	rest, ok := strings.CutPrefix(id, u.base()+"/ob/assertions/")
	if !ok || !IsUUID(rest) {
		return ""
	}
	return rest
}

// ProfileV3 is the id of an organisation's Open Badges 3.0 Profile, the
// issuer of its credentials, which lists its credential keys.
func (u URLs) ProfileV3(slug string) string { return u.base() + "/ob/v3/issuers/" + slug }

// CredentialKey is the id of a credential key (a Multikey) on the 3.0
// Profile: the Profile and the key's publicKeyMultibase as fragment.
func (u URLs) CredentialKey(slug, multibase string) string {
	return u.ProfileV3(slug) + "#" + multibase
}

// Credential is the id of the OpenBadgeCredential of an assertion.
func (u URLs) Credential(uuid string) string { return u.base() + "/ob/v3/credentials/" + uuid }

// EndorsementCredential is the id of the EndorsementCredential of an
// endorsement hosted here.
func (u URLs) EndorsementCredential(uuid string) string {
	return u.base() + "/ob/v3/endorsements/" + uuid
}

// ProfileV3Of is the Open Badges 3.0 Profile of the organisation whose 2.0
// issuer Profile is profile, when that is a Laurel node's
// (…/ob/issuers/SLUG becomes …/ob/v3/issuers/SLUG, on any node); other
// Profiles are their own.
func ProfileV3Of(profile string) string {
	i := strings.LastIndex(profile, "/ob/issuers/")
	if i < 0 || !slugPattern.MatchString(profile[i+len("/ob/issuers/"):]) {
		return profile
	}
	return profile[:i] + "/ob/v3/issuers/" + profile[i+len("/ob/issuers/"):]
}

// DIDDocument is where an organisation's did:web document is served.
func (u URLs) DIDDocument(slug string) string { return u.base() + "/orgs/" + slug + "/did.json" }

// DID is an organisation's did:web: the host (a port's colon as %3A), the
// base path's segments and orgs:SLUG, joined by colons, which resolves to
// DIDDocument.
func (u URLs) DID(slug string) string {
	parts := []string{"did", "web", strings.ReplaceAll(u.Base.Host, ":", "%3A")}
	for seg := range strings.SplitSeq(strings.Trim(u.Base.Path, "/"), "/") {
		if seg != "" {
			parts = append(parts, url.PathEscape(seg))
		}
	}
	return strings.Join(append(parts, "orgs", slug), ":")
}

// StatusList is the id of an organisation's revocation
// BitstringStatusListCredential.
func (u URLs) StatusList(slug string) string { return u.ProfileV3(slug) + "/status/revocation" }
