package vocab

import (
	_ "embed"
	"encoding/json"
)

// Open Badges 3.0 (a profile of the W3C Verifiable Credentials Data Model
// 2.0): the documents Laurel issues and the contexts they use.

// Context URLs of Open Badges 3.0 documents.
const (
	CredentialsContext   = "https://www.w3.org/ns/credentials/v2"
	OB3Context           = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	DataIntegrityContext = "https://w3id.org/security/data-integrity/v1"
	MultikeyContext      = "https://w3id.org/security/multikey/v1"
)

// Media types of Verifiable Credentials.
const (
	CredentialContentType = "application/vc+ld+json"
	DIDContentType        = "application/did+json"
)

var (
	//go:embed contexts/credentials-v2.jsonld
	credentialsContext []byte
	//go:embed contexts/openbadges-v3p0-3.0.3.json
	ob3Context []byte
	//go:embed contexts/data-integrity-v1.jsonld
	dataIntegrityContext []byte
	//go:embed contexts/multikey-v1.jsonld
	multikeyContext []byte
)

// embeddedContexts are the contexts beside Open Badges 2.0 that loaders
// serve without the network, so that checking a credential never depends
// on w3.org, w3id.org or imsglobal.org being reachable. Read-only.
var embeddedContexts = map[string][]byte{
	CredentialsContext:   credentialsContext,
	OB3Context:           ob3Context,
	DataIntegrityContext: dataIntegrityContext,
	MultikeyContext:      multikeyContext,
}

// CredentialContexts is the @context of every OpenBadgeCredential Laurel
// issues. Read-only.
var CredentialContexts = []string{CredentialsContext, OB3Context}

// Credential is an Open Badges 3.0 OpenBadgeCredential (the VC Data Model
// 2.0 properties Laurel uses), without its proof.
type Credential struct {
	Context           []string             `json:"@context"`
	ID                string               `json:"id"`
	Type              []string             `json:"type"`
	Issuer            IssuerProfile        `json:"issuer"`
	ValidFrom         string               `json:"validFrom"`
	ValidUntil        string               `json:"validUntil,omitempty"`
	AwardedDate       string               `json:"awardedDate,omitempty"`
	Name              string               `json:"name"`
	Description       string               `json:"description,omitempty"`
	CredentialSubject AchievementSubject   `json:"credentialSubject"`
	Evidence          []CredentialEvidence `json:"evidence,omitempty"`
	CredentialStatus  *StatusEntry         `json:"credentialStatus,omitempty"`
}

// EndorsementCredential is an Open Badges 3.0 EndorsementCredential: an
// issuer's signed endorsement of a Profile, an Achievement or another
// credential, without its proof.
type EndorsementCredential struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"`
	Type              []string           `json:"type"`
	Issuer            IssuerProfile      `json:"issuer"`
	ValidFrom         string             `json:"validFrom"`
	ValidUntil        string             `json:"validUntil,omitempty"`
	Name              string             `json:"name"`
	Description       string             `json:"description,omitempty"`
	CredentialSubject EndorsementSubject `json:"credentialSubject"`
	CredentialStatus  *StatusEntry       `json:"credentialStatus,omitempty"`
}

// EndorsementCredentialTypes is the type of every EndorsementCredential.
// Read-only.
var EndorsementCredentialTypes = []string{"VerifiableCredential", "EndorsementCredential"}

// EndorsementSubject is what an EndorsementCredential endorses: id is the
// endorsed Profile, Achievement or credential.
type EndorsementSubject struct {
	ID                 string   `json:"id"`
	Type               []string `json:"type"`
	EndorsementComment string   `json:"endorsementComment,omitempty"`
}

// IssuerProfile is an Open Badges 3.0 Profile: the issuer, embedded in a
// credential, or the document at its id listing its keys.
type IssuerProfile struct {
	Context     []any    `json:"@context,omitempty"`
	ID          string   `json:"id"`
	Type        []string `json:"type"`
	Name        string   `json:"name"`
	URL         string   `json:"url,omitempty"`
	Email       string   `json:"email,omitempty"`
	Description string   `json:"description,omitempty"`
	Image       *Image   `json:"image,omitempty"`
	// Endorsement lists the Profile's endorsements as embedded, signed
	// EndorsementCredentials, each exactly as signed.
	Endorsement []json.RawMessage `json:"endorsement,omitempty"`
	// VerificationMethod lists the credential keys, revoked ones too, so
	// that credentials signed before a rotation still verify.
	VerificationMethod []Multikey `json:"verificationMethod,omitempty"`
	AssertionMethod    []string   `json:"assertionMethod,omitempty"`
}

// ProfileKeyTerms defines, for a Profile document, the two controller
// document properties that the VC 2.0 context defines only inside a proof.
// Read-only.
var ProfileKeyTerms = map[string]any{
	"verificationMethod": map[string]any{"@id": "https://w3id.org/security#verificationMethod", "@type": "@id", "@container": "@set"},
	"assertionMethod":    map[string]any{"@id": "https://w3id.org/security#assertionMethod", "@type": "@id", "@container": "@set"},
}

// Multikey is a public key as a verification method (W3C Controlled
// Identifiers): publicKeyMultibase is "z" and the base58btc of the
// multicodec-prefixed key.
type Multikey struct {
	Context            string `json:"@context,omitempty"`
	ID                 string `json:"id"`
	Type               string `json:"type"`
	Controller         string `json:"controller"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
	// Revoked is when the key stopped being used for new credentials.
	Revoked string `json:"revoked,omitempty"`
}

// DIDDocument is a did:web document listing an issuer's keys.
type DIDDocument struct {
	Context            []string   `json:"@context"`
	ID                 string     `json:"id"`
	AlsoKnownAs        []string   `json:"alsoKnownAs,omitempty"`
	VerificationMethod []Multikey `json:"verificationMethod"`
	AssertionMethod    []string   `json:"assertionMethod"`
}

// DIDContext is the @context of a DID document.
const DIDContext = "https://www.w3.org/ns/did/v1"

// Image is an Open Badges 3.0 image: its URL (or data URL) as id.
type Image struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Caption string `json:"caption,omitempty"`
}

// AchievementSubject is the earner and what they achieved: the earner's
// id (a URL or DID) or an identifier with a salted hash of an email.
type AchievementSubject struct {
	ID          string            `json:"id,omitempty"`
	Type        []string          `json:"type"`
	Identifier  []IdentityObject3 `json:"identifier,omitempty"`
	Achievement Achievement       `json:"achievement"`
}

// IdentityObject3 is an Open Badges 3.0 IdentityObject: identityHash is
// "sha256$" and the hex SHA-256 of the identity and salt when hashed, the
// identity itself otherwise.
type IdentityObject3 struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	Salt         string `json:"salt,omitempty"`
}

// Achievement is what a credential is awarded for: the badge class.
type Achievement struct {
	ID              string         `json:"id"`
	Type            []string       `json:"type"`
	AchievementType string         `json:"achievementType,omitempty"`
	Name            string         `json:"name"`
	Description     string         `json:"description"`
	Criteria        Criteria       `json:"criteria"`
	Image           *Image         `json:"image,omitempty"`
	Tag             []string       `json:"tag,omitempty"`
	Alignment       []Alignment    `json:"alignment,omitempty"`
	Creator         *IssuerProfile `json:"creator,omitempty"`
	// Endorsement lists the achievement's endorsements as embedded,
	// signed EndorsementCredentials, each exactly as signed.
	Endorsement []json.RawMessage `json:"endorsement,omitempty"`
}

// Alignment ties an achievement to an entry of a framework, such as an
// ESCO skill (targetFramework "ESCO v1.2", targetCode the concept's code).
type Alignment struct {
	Type              []string `json:"type"`
	TargetName        string   `json:"targetName"`
	TargetURL         string   `json:"targetUrl"`
	TargetDescription string   `json:"targetDescription,omitempty"`
	TargetFramework   string   `json:"targetFramework,omitempty"`
	TargetCode        string   `json:"targetCode,omitempty"`
}

// CredentialEvidence is work that shows the earner earned the credential.
type CredentialEvidence struct {
	ID        string   `json:"id,omitempty"`
	Type      []string `json:"type"`
	Narrative string   `json:"narrative,omitempty"`
}

// StatusEntry is a credential's entry in a status list
// (BitstringStatusListEntry).
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// StatusListCredential is a BitstringStatusListCredential: an issuer's
// signed list of status bits for its credentials.
type StatusListCredential struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	CredentialSubject StatusListSubject `json:"credentialSubject"`
}

// StatusListSubject is the BitstringStatusList itself.
type StatusListSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}
