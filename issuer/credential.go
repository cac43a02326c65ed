package issuer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/dataintegrity"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/statuslist"
	"github.com/laurelnet/laurel/vocab"
)

// Open Badges 3.0: an organisation's Ed25519 credential keys, its 3.0
// Profile and did:web document that publish them, and the signed
// OpenBadgeCredential of each assertion.

// CredentialKey is one of an organisation's credential keys, public half.
type CredentialKey struct {
	ID        int64
	Multibase string // publicKeyMultibase
	CreatedAt time.Time
	RevokedAt *time.Time
}

// CredentialKeys lists an organisation's credential keys, oldest first,
// revoked ones included. An organisation that has none gets its first.
func CredentialKeys(ctx context.Context, db DB, orgID int64) ([]CredentialKey, error) {
	var keys []CredentialKey
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, _, err := currentCredentialKey(ctx, tx, orgID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT id, public_key_multibase, created_at, revoked_at FROM credential_key
			WHERE organisation_id = $1 ORDER BY created_at, id`, orgID)
		if err != nil {
			return err
		}
		keys, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CredentialKey, error) {
			var k CredentialKey
			err := r.Scan(&k.ID, &k.Multibase, &k.CreatedAt, &k.RevokedAt)
			return k, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("credential keys of organisation %d: %w", orgID, err)
	}
	return keys, nil
}

// RotateCredentialKey revokes the organisation's current credential key
// and makes a new one, which signs from now on. The revoked key stays
// published, marked with the date, so that credentials signed with it
// still verify.
func RotateCredentialKey(ctx context.Context, db DB, orgID int64) (CredentialKey, error) {
	var k CredentialKey
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// Lock the organisation so that two rotations do not interleave.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM organisation WHERE id = $1 FOR UPDATE`, orgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE credential_key SET revoked_at = now() WHERE organisation_id = $1 AND revoked_at IS NULL`, orgID); err != nil {
			return err
		}
		var err error
		k, _, err = currentCredentialKey(ctx, tx, orgID)
		return err
	})
	if err != nil {
		return CredentialKey{}, fmt.Errorf("rotate credential key of organisation %d: %w", orgID, err)
	}
	return k, nil
}

// currentCredentialKey returns the organisation's unrevoked credential
// key, creating it if there is none. Two transactions creating it at once
// keep the first one's.
func currentCredentialKey(ctx context.Context, tx pgx.Tx, orgID int64) (CredentialKey, ed25519.PrivateKey, error) {
	var k CredentialKey
	var privPEM string
	read := func() error {
		return tx.QueryRow(ctx, `
			SELECT id, public_key_multibase, created_at, revoked_at, private_key_pem FROM credential_key
			WHERE organisation_id = $1 AND revoked_at IS NULL`, orgID).Scan(&k.ID, &k.Multibase, &k.CreatedAt, &k.RevokedAt, &privPEM)
	}
	err := read()
	if errors.Is(err, pgx.ErrNoRows) {
		privPEM, multibase, err := NewCredentialKey()
		if err != nil {
			return k, nil, err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO credential_key (organisation_id, private_key_pem, public_key_multibase) VALUES ($1, $2, $3)
			ON CONFLICT (organisation_id) WHERE revoked_at IS NULL DO NOTHING`,
			orgID, privPEM, multibase); err != nil {
			return k, nil, fmt.Errorf("store credential key: %w", err)
		}
		err = read()
		if err != nil {
			return k, nil, fmt.Errorf("read credential key: %w", err)
		}
	} else if err != nil {
		return k, nil, fmt.Errorf("read credential key: %w", err)
	}
	priv, err := ParseCredentialKey(privPEM)
	return k, priv, err
}

// NewCredentialKey makes an Ed25519 credential key: its private half as
// PKCS #8 PEM, to store, and its public half as publicKeyMultibase.
func NewCredentialKey() (privatePEM, multibase string, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("create credential key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", fmt.Errorf("create credential key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), dataintegrity.EncodeMultikey(pub), nil
}

// ParseCredentialKey reads a private key that NewCredentialKey made.
func ParseCredentialKey(privatePEM string) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode([]byte(privatePEM))
	if block == nil {
		return nil, errors.New("read credential key: no PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read credential key: %w", err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("read credential key: a %T, not Ed25519", parsed)
	}
	return priv, nil
}

// Multikeys publishes keys as Multikeys controlled by controller, with ids
// made by id: the verificationMethod and assertionMethod of a Profile.
func Multikeys(keys []CredentialKey, controller string, id func(multibase string) string) ([]vocab.Multikey, []string) {
	methods := make([]vocab.Multikey, 0, len(keys))
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		m := vocab.Multikey{ID: id(k.Multibase), Type: "Multikey", Controller: controller, PublicKeyMultibase: k.Multibase}
		if k.RevokedAt != nil {
			// Rounded up to the second: proofs carry whole seconds, and
			// one made by the key in the second it was revoked must still
			// count as made before.
			m.Revoked = k.RevokedAt.UTC().Add(time.Second - time.Nanosecond).Truncate(time.Second).Format(time.RFC3339)
		}
		methods = append(methods, m)
		ids = append(ids, m.ID)
	}
	return methods, ids
}

// IssuerProfile is the organisation as the issuer embedded in its
// credentials.
func IssuerProfile(u URLs, o Organisation) vocab.IssuerProfile {
	p := vocab.IssuerProfile{ID: u.ProfileV3(o.Slug), Type: []string{"Profile"}, Name: o.Name, URL: o.URL, Email: o.Email}
	if p.URL == "" {
		p.URL = u.base() + "/orgs/" + o.Slug
	}
	return p
}

// ProfileV3Document is the organisation as an Open Badges 3.0 Profile: the
// issuer of its credentials, listing every credential key (revoked ones
// with the date) as a Multikey verification method for assertions.
func ProfileV3Document(ctx context.Context, db DB, u URLs, o Organisation) (vocab.IssuerProfile, error) {
	keys, err := CredentialKeys(ctx, db, o.ID)
	if err != nil {
		return vocab.IssuerProfile{}, err
	}
	p := IssuerProfile(u, o)
	p.Context = []any{vocab.CredentialsContext, vocab.OB3Context, vocab.MultikeyContext, vocab.ProfileKeyTerms}
	p.Description = o.Description
	if o.ImageURL != "" {
		p.Image = &vocab.Image{ID: o.ImageURL, Type: "Image"}
	}
	p.VerificationMethod, p.AssertionMethod = Multikeys(keys, p.ID, func(mb string) string { return u.CredentialKey(o.Slug, mb) })
	return p, nil
}

// DIDDocument is the organisation's did:web document, listing the same
// keys as its 3.0 Profile under the DID.
func DIDDocument(ctx context.Context, db DB, u URLs, o Organisation) (vocab.DIDDocument, error) {
	keys, err := CredentialKeys(ctx, db, o.ID)
	if err != nil {
		return vocab.DIDDocument{}, err
	}
	did := u.DID(o.Slug)
	d := vocab.DIDDocument{Context: []string{vocab.DIDContext, vocab.MultikeyContext}, ID: did, AlsoKnownAs: []string{u.ProfileV3(o.Slug)}}
	d.VerificationMethod, d.AssertionMethod = Multikeys(keys, did, func(mb string) string { return did + "#" + mb })
	return d, nil
}

// credentialDocument is the assertion as an unsigned OpenBadgeCredential.
func (a Assertion) credentialDocument(u URLs, o Organisation, b BadgeClass) vocab.Credential {
	c := vocab.Credential{
		Context:     vocab.CredentialContexts,
		ID:          u.Credential(a.UUID),
		Type:        []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer:      IssuerProfile(u, o),
		ValidFrom:   a.IssuedOn.UTC().Format(time.RFC3339),
		AwardedDate: a.IssuedOn.UTC().Format(time.RFC3339),
		Name:        b.Name,
		CredentialSubject: vocab.AchievementSubject{
			Type:        []string{"AchievementSubject"},
			Achievement: achievement(u, b),
		},
	}
	if a.Expires != nil {
		c.ValidUntil = a.Expires.UTC().Format(time.RFC3339)
	}
	if a.RecipientKind == RecipientEmail {
		c.CredentialSubject.Identifier = []vocab.IdentityObject3{{
			Type: "IdentityObject", IdentityHash: a.RecipientIdentity, IdentityType: "emailAddress", Hashed: true, Salt: a.RecipientSalt,
		}}
	} else {
		// An actor id or a web page of the earner: a URL that is the
		// subject's id.
		c.CredentialSubject.ID = a.RecipientIdentity
	}
	for _, e := range a.Evidence {
		c.Evidence = append(c.Evidence, vocab.CredentialEvidence{ID: e.ID, Type: []string{"Evidence"}, Narrative: e.Narrative})
	}
	if a.Narrative != "" {
		// 3.0 has no narrative on the award itself: it is evidence.
		c.Evidence = append(c.Evidence, vocab.CredentialEvidence{Type: []string{"Evidence"}, Narrative: a.Narrative})
	}
	return c
}

// achievement is the badge class as an Open Badges 3.0 Achievement.
func achievement(u URLs, b BadgeClass) vocab.Achievement {
	doc := b.Document(u)
	ach := vocab.Achievement{
		ID:              doc.ID,
		Type:            []string{"Achievement"},
		AchievementType: "Badge",
		Name:            b.Name,
		Description:     b.Description,
		Criteria:        vocab.Criteria{ID: doc.Criteria.ID, Narrative: doc.Criteria.Narrative},
		Image:           &vocab.Image{ID: doc.Image, Type: "Image"},
		Tag:             b.Tags,
	}
	for _, al := range b.Alignments {
		ach.Alignment = append(ach.Alignment, vocab.Alignment{
			Type: []string{"Alignment"}, TargetName: al.TargetName, TargetURL: al.TargetURL,
			TargetDescription: al.TargetDescription, TargetFramework: al.TargetFramework, TargetCode: al.TargetCode,
		})
	}
	return ach
}

// SignCredential signs a credential document (any JSON-LD document Laurel
// issues: an OpenBadgeCredential, a status list) with key, naming
// verificationMethod, and returns it signed, as JSON.
func SignCredential(c any, key ed25519.PrivateKey, verificationMethod string, now time.Time) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("sign credential: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("sign credential: %w", err)
	}
	signed, err := dataintegrity.Sign(doc, key, verificationMethod, now, vocab.DocumentLoader(nil))
	if err != nil {
		return nil, fmt.Errorf("sign credential %v: %w", doc["id"], err)
	}
	return json.Marshal(signed)
}

// Revocation status purpose and the status list's size.
const (
	statusPurpose  = "revocation"
	statusListSize = statuslist.MinSize
)

// CredentialOf names what a stored credential is of: an assertion or an
// endorsement (by row id), exactly one of them.
type CredentialOf struct {
	AssertionID   int64
	EndorsementID int64
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// IssueOrgCredential signs a credential of organisation o inside tx, with
// the organisation's current credential key and an entry in its
// revocation status list at a random free index (one list and one
// allocator for all of its credentials: OpenBadgeCredentials and
// EndorsementCredentials), and stores it as the credential of of. build
// makes the unsigned document with the entry given. It returns the signed
// JSON, exactly as stored, and the same credential as a VC-JWT.
func IssueOrgCredential(ctx context.Context, tx pgx.Tx, u URLs, o Organisation, of CredentialOf, build func(*vocab.StatusEntry) any) ([]byte, string, error) {
	k, priv, err := currentCredentialKey(ctx, tx, o.ID)
	if err != nil {
		return nil, "", err
	}
	vm := u.CredentialKey(o.Slug, k.Multibase)
	for attempt := 0; ; attempt++ {
		index, err := FreeStatusIndex(ctx, tx, "credential", "organisation_id", o.ID, attempt)
		if err != nil {
			return nil, "", err
		}
		doc, jwt, err := SignWithStatus(build(StatusEntryAt(u.StatusList(o.Slug), index)), priv, vm, time.Now())
		if err != nil {
			return nil, "", err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO credential (assertion_id, endorsement_id, organisation_id, key_id, status_index, document, jwt)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (organisation_id, status_index) DO NOTHING`,
			nullID(of.AssertionID), nullID(of.EndorsementID), o.ID, k.ID, index, string(doc), jwt)
		if err != nil {
			return nil, "", fmt.Errorf("store credential: %w", err)
		}
		if tag.RowsAffected() == 1 {
			return doc, jwt, nil
		}
		// Another transaction took the index meanwhile: pick again.
	}
}

// StatusEntryAt is the BitstringStatusListEntry of bit index of the
// revocation list at list.
func StatusEntryAt(list string, index int) *vocab.StatusEntry {
	return &vocab.StatusEntry{
		ID: fmt.Sprintf("%s#%d", list, index), Type: "BitstringStatusListEntry", StatusPurpose: statusPurpose,
		StatusListIndex: strconv.Itoa(index), StatusListCredential: list,
	}
}

// SignWithStatus signs the unsigned credential c twice: with an
// eddsa-rdfc-2022 proof (the JSON returned) and as a VC-JWT.
func SignWithStatus(c any, key ed25519.PrivateKey, verificationMethod string, now time.Time) ([]byte, string, error) {
	doc, err := SignCredential(c, key, verificationMethod, now)
	if err != nil {
		return nil, "", err
	}
	unsecured, err := json.Marshal(c)
	if err != nil {
		return nil, "", err
	}
	jwt, err := vocab.SignVCJWT(key, verificationMethod, unsecured)
	if err != nil {
		return nil, "", err
	}
	return doc, jwt, nil
}

// RevokeEndorsementCredential revokes the EndorsementCredential of the
// endorsement with row id endorsementID, in tx: its bit in its
// organisation's status list is set from now on. An endorsement without
// one is left alone.
func RevokeEndorsementCredential(ctx context.Context, tx pgx.Tx, endorsementID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE credential SET revoked_at = coalesce(revoked_at, now()) WHERE endorsement_id = $1`, endorsementID); err != nil {
		return fmt.Errorf("revoke the credential of endorsement %d: %w", endorsementID, err)
	}
	return nil
}

// issueCredential makes, signs and stores the OpenBadgeCredential of a
// new assertion, inside the issuing transaction; its achievement embeds
// the badge class's current EndorsementCredentials.
func issueCredential(ctx context.Context, tx pgx.Tx, u URLs, o Organisation, b BadgeClass, a Assertion, endorsements []json.RawMessage) error {
	c := a.credentialDocument(u, o, b)
	c.CredentialSubject.Achievement.Endorsement = endorsements
	_, _, err := IssueOrgCredential(ctx, tx, u, o, CredentialOf{AssertionID: a.ID}, func(st *vocab.StatusEntry) any {
		c.CredentialStatus = st
		return c
	})
	return err
}

// FreeStatusIndex picks an unused index of a status list, whose taken
// indexes are the status_index column of table's rows whose column owner
// is ownerID (table and owner are constants of the caller, never input):
// at random for the first tries (so that an index tells nothing of when a
// credential was issued), then the lowest free one, which also finds the
// last free places of a nearly full list.
func FreeStatusIndex(ctx context.Context, tx pgx.Tx, table, owner string, ownerID int64, attempt int) (int, error) {
	if attempt < 8 {
		index := RandomStatusIndex()
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE `+owner+` = $1 AND status_index = $2)`,
			ownerID, index).Scan(&taken); err != nil {
			return 0, fmt.Errorf("pick status index: %w", err)
		}
		if !taken {
			return index, nil
		}
	}
	var index *int
	err := tx.QueryRow(ctx, `
		SELECT min(s) FROM generate_series(0, $2::int - 1) s
		WHERE NOT EXISTS (SELECT 1 FROM `+table+` WHERE `+owner+` = $1 AND status_index = s)`, ownerID, statusListSize).Scan(&index)
	if err != nil {
		return 0, fmt.Errorf("pick status index: %w", err)
	}
	if index == nil || attempt > 100 {
		return 0, problem.Conflictf("", "the status list is full (%d credentials)", statusListSize)
	}
	return *index, nil
}

// RandomStatusIndex is an index of a status list picked at random.
func RandomStatusIndex() int { return int(randomUint32() % statusListSize) }

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	return binary.BigEndian.Uint32(b[:])
}

// StatusListJSON is the organisation's revocation
// BitstringStatusListCredential, made and signed now: a bit is set for
// every revoked assertion, so revoking shows at once.
func StatusListJSON(ctx context.Context, db DB, u URLs, o Organisation) ([]byte, error) {
	rows, err := db.Query(ctx, `
		SELECT c.status_index FROM credential c LEFT JOIN assertion a ON a.id = c.assertion_id
		WHERE c.organisation_id = $1 AND (a.revoked_at IS NOT NULL OR c.revoked_at IS NOT NULL)`, o.ID)
	if err != nil {
		return nil, fmt.Errorf("status list of %s: %w", o.Slug, err)
	}
	revoked, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("status list of %s: %w", o.Slug, err)
	}
	var k CredentialKey
	var priv ed25519.PrivateKey
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		k, priv, err = currentCredentialKey(ctx, tx, o.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("status list of %s: %w", o.Slug, err)
	}
	return SignStatusList(u.StatusList(o.Slug), u.ProfileV3(o.Slug), revoked, priv, u.CredentialKey(o.Slug, k.Multibase), time.Now())
}

// SignStatusList is the revocation BitstringStatusListCredential with id
// list of issuer issuerID, with the bits revoked set, signed now with key
// (verificationMethod).
func SignStatusList(list, issuerID string, revoked []int, key ed25519.PrivateKey, verificationMethod string, now time.Time) ([]byte, error) {
	bits := statuslist.New(statusListSize)
	for _, i := range revoked {
		if err := bits.Set(i); err != nil {
			return nil, err
		}
	}
	encoded, err := bits.Encode()
	if err != nil {
		return nil, err
	}
	doc := vocab.StatusListCredential{
		Context:   []string{vocab.CredentialsContext},
		ID:        list,
		Type:      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer:    issuerID,
		ValidFrom: now.UTC().Format(time.RFC3339),
		CredentialSubject: vocab.StatusListSubject{
			ID: list + "#list", Type: "BitstringStatusList", StatusPurpose: statusPurpose, EncodedList: encoded,
		},
	}
	return SignCredential(doc, key, verificationMethod, now)
}

// CredentialJSON returns the signed OpenBadgeCredential of the assertion
// with the given uuid, exactly as signed, with the assertion.
func CredentialJSON(ctx context.Context, db DB, uuid string) ([]byte, Assertion, error) {
	return credentialAs(ctx, db, uuid, "document")
}

// CredentialJWT returns the OpenBadgeCredential of the assertion with the
// given uuid as a VC-JWT (EdDSA), with the assertion.
func CredentialJWT(ctx context.Context, db DB, uuid string) ([]byte, Assertion, error) {
	return credentialAs(ctx, db, uuid, "jwt")
}

func credentialAs(ctx context.Context, db DB, uuid, column string) ([]byte, Assertion, error) {
	a, err := AssertionByUUID(ctx, db, uuid)
	if err != nil {
		return nil, Assertion{}, err
	}
	var doc string
	// column is one of two constants, never input.
	err = db.QueryRow(ctx, `SELECT `+column+` FROM credential WHERE assertion_id = $1`, a.ID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, a, problem.NotFoundf("badge %s was issued without an Open Badges 3.0 credential", uuid)
	}
	if err != nil {
		return nil, a, fmt.Errorf("read credential %s: %w", uuid, err)
	}
	return []byte(doc), a, nil
}

// CredentialImage is the badge class's image with the assertion's Open
// Badges 3.0 credential baked in (PNG iTXt openbadgecredential, or SVG
// openbadges:credential), made on each request from the stored signed
// credential.
func CredentialImage(ctx context.Context, db DB, uuid string) (Image, Assertion, error) {
	doc, a, err := CredentialJSON(ctx, db, uuid)
	if err != nil {
		return Image{}, a, err
	}
	img, err := BadgeImage(ctx, db, a.BadgeUUID)
	if err != nil {
		return Image{}, a, err
	}
	if img.Type == "image/png" {
		img.Data, err = bake.PNGCredential(img.Data, string(doc))
	} else {
		img.Data, err = bake.SVGCredential(img.Data, string(doc), "")
	}
	if err != nil {
		return Image{}, a, fmt.Errorf("bake credential %s: %w", uuid, err)
	}
	return img, a, nil
}
