package vocab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Context is the JSON-LD context of every Open Badges 2.0 document.
const Context = "https://w3id.org/openbadges/v2"

// ContentType is the media type hosted Open Badges documents are served as.
const ContentType = "application/ld+json"

// Verification types of an Assertion's VerificationObject. "hosted" and
// "signed" are the short forms the context maps to HostedBadge and
// SignedBadge.
const (
	Hosted = "hosted"
	Signed = "signed"
)

// Profile describes an issuer (type Issuer, a subclass of Profile).
type Profile struct {
	Context        string              `json:"@context,omitempty"`
	ID             string              `json:"id"`
	Type           string              `json:"type"`
	Name           string              `json:"name"`
	URL            string              `json:"url,omitempty"`
	Email          string              `json:"email,omitempty"`
	Description    string              `json:"description,omitempty"`
	Image          string              `json:"image,omitempty"`
	PublicKey      []string            `json:"publicKey,omitempty"`
	Verification   *VerificationObject `json:"verification,omitempty"`
	RevocationList string              `json:"revocationList,omitempty"`
	Endorsement    []string            `json:"endorsement,omitempty"`
}

// CryptographicKey publishes the public half of an issuer's signing key.
// Owner must be the Profile id, and the Profile must list the key in
// publicKey, so that nobody can claim another's key.
type CryptographicKey struct {
	Context      string `json:"@context,omitempty"`
	ID           string `json:"id"`
	Type         string `json:"type"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

// BadgeClass is an achievement an issuer awards.
type BadgeClass struct {
	Context     string            `json:"@context,omitempty"`
	ID          string            `json:"id"`
	Type        string            `json:"type"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Image       string            `json:"image"`
	Criteria    Criteria          `json:"criteria"`
	Issuer      string            `json:"issuer"`
	Tags        []string          `json:"tags,omitempty"`
	Alignment   []AlignmentObject `json:"alignment,omitempty"`
	Endorsement []string          `json:"endorsement,omitempty"`
}

// Criteria says how a badge is earned: a hosted page with a Markdown
// narrative, or an external page named by its id alone.
type Criteria struct {
	Context   string `json:"@context,omitempty"`
	ID        string `json:"id,omitempty"`
	Type      string `json:"type,omitempty"`
	Narrative string `json:"narrative,omitempty"`
}

// AlignmentObject ties a badge to an entry of an educational framework,
// such as an ESCO skill.
type AlignmentObject struct {
	TargetName        string `json:"targetName"`
	TargetURL         string `json:"targetUrl"`
	TargetDescription string `json:"targetDescription,omitempty"`
	TargetFramework   string `json:"targetFramework,omitempty"`
	TargetCode        string `json:"targetCode,omitempty"`
}

// Assertion is one badge awarded to one recipient.
type Assertion struct {
	Context   string         `json:"@context,omitempty"`
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Recipient IdentityObject `json:"recipient"`
	// Badge is the BadgeClass's id (a string), or the BadgeClass itself
	// (a BadgeClass) in a baked copy that keeps its endorsements.
	Badge            any                `json:"badge"`
	Verification     VerificationObject `json:"verification"`
	IssuedOn         string             `json:"issuedOn"`
	Expires          string             `json:"expires,omitempty"`
	Image            string             `json:"image,omitempty"`
	Evidence         []Evidence         `json:"evidence,omitempty"`
	Narrative        string             `json:"narrative,omitempty"`
	Endorsement      []string           `json:"endorsement,omitempty"`
	Revoked          bool               `json:"revoked,omitempty"`
	RevocationReason string             `json:"revocationReason,omitempty"`
}

// IdentityObject names the recipient of an Assertion, usually hashed.
type IdentityObject struct {
	Type     string `json:"type"`
	Identity string `json:"identity"`
	Hashed   bool   `json:"hashed"`
	Salt     string `json:"salt,omitempty"`
}

// VerificationObject says how to check an Assertion (on an Assertion) or
// which hosted ids an issuer vouches for (on a Profile).
type VerificationObject struct {
	Type           string   `json:"type,omitempty"`
	Creator        string   `json:"creator,omitempty"`
	AllowedOrigins []string `json:"allowedOrigins,omitempty"`
	StartsWith     []string `json:"startsWith,omitempty"`
}

// Evidence is work that shows the recipient earned the badge: a URL, a
// narrative, or both.
type Evidence struct {
	ID        string `json:"id,omitempty"`
	Type      string `json:"type,omitempty"`
	Narrative string `json:"narrative,omitempty"`
}

// RevocationList lists an issuer's revoked assertions, for signed badges
// (hosted ones answer 410 at their id instead).
type RevocationList struct {
	Context           string             `json:"@context,omitempty"`
	ID                string             `json:"id"`
	Type              string             `json:"type"`
	Issuer            string             `json:"issuer"`
	RevokedAssertions []RevokedAssertion `json:"revokedAssertions"`
}

// RevokedAssertion is one entry of a RevocationList.
type RevokedAssertion struct {
	ID               string `json:"id"`
	RevocationReason string `json:"revocationReason,omitempty"`
}

// HashIdentity hashes a recipient identity the Open Badges way:
// "sha256$" and the hex SHA-256 of the identity followed by the salt.
// Email addresses are compared case-insensitively, so they are lower-cased
// first.
func HashIdentity(kind, identity, salt string) string {
	if kind == "email" {
		identity = strings.ToLower(identity)
	}
	sum := sha256.Sum256([]byte(identity + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// Endorsement is a claim by an issuer about another Profile, BadgeClass or
// Assertion (claim.id), with a comment.
type Endorsement struct {
	Context      string             `json:"@context,omitempty"`
	ID           string             `json:"id"`
	Type         string             `json:"type"`
	Claim        EndorsementClaim   `json:"claim"`
	Issuer       string             `json:"issuer"`
	IssuedOn     string             `json:"issuedOn"`
	Verification VerificationObject `json:"verification"`
}

// ActivityObject is e as the object of an ActivityStreams Create or
// Update: the Open Badges document, with its comment also as content
// (contentHTML, the comment rendered) and source (the comment's Markdown),
// which is what fediverse software reads of an object. The document
// hosted at e.ID stays plain Open Badges.
func (e Endorsement) ActivityObject(contentHTML string) (map[string]any, error) {
	var obj map[string]any
	b, err := json.Marshal(e)
	if err == nil {
		err = json.Unmarshal(b, &obj)
	}
	if err != nil {
		return nil, fmt.Errorf("encode endorsement %s: %w", e.ID, err)
	}
	if c := e.Claim.EndorsementComment; c != "" {
		obj["content"] = contentHTML
		obj["source"] = map[string]any{"content": c, "mediaType": "text/markdown"}
	}
	return obj, nil
}

// EndorsementClaim names what an Endorsement is about and what it says.
type EndorsementClaim struct {
	ID                 string `json:"id"`
	EndorsementComment string `json:"endorsementComment,omitempty"`
}
