package passport

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// Open Badges 3.0 for people: each person who endorses signs with an
// Ed25519 credential key of their own, published as a Multikey on their
// 3.0 Profile (/ob/v3/people/{username}), and every endorsement they write
// is also a signed EndorsementCredential, with an entry in their own
// revocation BitstringStatusList. Editing an endorsement issues a new
// credential and revokes the last; withdrawing it revokes its credential.
// Keys, lists and signing are those of organisations (package issuer).

// Credential states of an endorsement, as its earner's node knows them.
const (
	CredentialNone       = "none"       // the endorser's node sent none (an older peer)
	CredentialUnverified = "unverified" // received; a job verifies it
	CredentialVerified   = "verified"   // verified, or issued here
	CredentialRejected   = "rejected"   // did not verify: never shown
)

// shownCredential is the SQL condition on person_endorsement e that keeps
// endorsements the earner may see: those without a credential (from older
// peers) and those whose credential verified.
const shownCredential = `e.credential_state IN ('none', 'verified')`

// PersonProfileV3 is the id of a local person's Open Badges 3.0 Profile,
// the issuer of their EndorsementCredentials.
func PersonProfileV3(u issuer.URLs, username string) string {
	return baseOf(u) + "/ob/v3/people/" + username
}

// PersonCredentialKey is the id of one of a person's credential keys: the
// 3.0 Profile and the key's publicKeyMultibase as fragment.
func PersonCredentialKey(u issuer.URLs, username, multibase string) string {
	return PersonProfileV3(u, username) + "#" + multibase
}

// PersonStatusList is the id of a person's revocation
// BitstringStatusListCredential.
func PersonStatusList(u issuer.URLs, username string) string {
	return PersonProfileV3(u, username) + "/status/revocation"
}

// EndorsementCredentialID is the id of an EndorsementCredential issued
// here.
func EndorsementCredentialID(u issuer.URLs, uuid string) string {
	return baseOf(u) + "/ob/v3/person-endorsements/" + uuid
}

// PersonCredentialKeys lists a person's credential keys, oldest first,
// revoked ones included; none until they first endorse.
func PersonCredentialKeys(ctx context.Context, db DB, userID int64) ([]issuer.CredentialKey, error) {
	rows, err := db.Query(ctx, `SELECT id, public_key_multibase, created_at, revoked_at FROM person_credential_key
		WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("credential keys of user %d: %w", userID, err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (issuer.CredentialKey, error) {
		var k issuer.CredentialKey
		err := r.Scan(&k.ID, &k.Multibase, &k.CreatedAt, &k.RevokedAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("credential keys of user %d: %w", userID, err)
	}
	return keys, nil
}

// RotatePersonCredentialKey revokes the person's current credential key
// and makes a new one, which signs from now on; the revoked key stays
// published with its date, so that earlier credentials still verify.
func RotatePersonCredentialKey(ctx context.Context, db DB, userID int64) (issuer.CredentialKey, error) {
	var k issuer.CredentialKey
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		// Lock the user so that two rotations do not interleave.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM app_user WHERE id = $1 FOR UPDATE`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE person_credential_key SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID); err != nil {
			return err
		}
		var err error
		k, _, err = currentPersonKey(ctx, tx, userID)
		return err
	})
	if err != nil {
		return issuer.CredentialKey{}, fmt.Errorf("rotate credential key of user %d: %w", userID, err)
	}
	return k, nil
}

// currentPersonKey returns the person's unrevoked credential key, making
// it if there is none; of two transactions making it at once, the first
// one's is kept.
func currentPersonKey(ctx context.Context, tx pgx.Tx, userID int64) (issuer.CredentialKey, ed25519.PrivateKey, error) {
	var k issuer.CredentialKey
	var privPEM string
	read := func() error {
		return tx.QueryRow(ctx, `SELECT id, public_key_multibase, created_at, private_key_pem FROM person_credential_key
			WHERE user_id = $1 AND revoked_at IS NULL`, userID).Scan(&k.ID, &k.Multibase, &k.CreatedAt, &privPEM)
	}
	err := read()
	if errors.Is(err, pgx.ErrNoRows) {
		pemText, multibase, err := issuer.NewCredentialKey()
		if err != nil {
			return k, nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO person_credential_key (user_id, private_key_pem, public_key_multibase)
			VALUES ($1, $2, $3) ON CONFLICT (user_id) WHERE revoked_at IS NULL DO NOTHING`, userID, pemText, multibase); err != nil {
			return k, nil, fmt.Errorf("store credential key: %w", err)
		}
		err = read()
		if err != nil {
			return k, nil, fmt.Errorf("read credential key: %w", err)
		}
	} else if err != nil {
		return k, nil, fmt.Errorf("read credential key: %w", err)
	}
	priv, err := issuer.ParseCredentialKey(privPEM)
	return k, priv, err
}

// personIssuer is a local person as the issuer embedded in their
// credentials: their 3.0 Profile, name (as nameOf tells it) and actor.
func (p *Passport) personIssuer(ctx context.Context, db DB, u account.User) (vocab.IssuerProfile, error) {
	name, err := nameOf(ctx, db, u)
	if err != nil {
		return vocab.IssuerProfile{}, err
	}
	return vocab.IssuerProfile{ID: PersonProfileV3(p.urls, u.Username), Type: []string{"Profile"}, Name: name,
		URL: p.ActorID(u.Username)}, nil
}

// ProfileV3Document is a local person as an Open Badges 3.0 Profile: the
// issuer of their EndorsementCredentials, listing every credential key
// (revoked ones with the date) as a Multikey for assertions.
func (p *Passport) ProfileV3Document(ctx context.Context, username string) (vocab.IssuerProfile, error) {
	u, err := account.UserByUsername(ctx, p.pool, username)
	if err != nil {
		return vocab.IssuerProfile{}, err
	}
	doc, err := p.personIssuer(ctx, p.pool, u)
	if err != nil {
		return vocab.IssuerProfile{}, err
	}
	keys, err := PersonCredentialKeys(ctx, p.pool, u.ID)
	if err != nil {
		return vocab.IssuerProfile{}, err
	}
	doc.Context = []any{vocab.CredentialsContext, vocab.OB3Context, vocab.MultikeyContext, vocab.ProfileKeyTerms}
	doc.VerificationMethod, doc.AssertionMethod = issuer.Multikeys(keys, doc.ID,
		func(mb string) string { return PersonCredentialKey(p.urls, username, mb) })
	return doc, nil
}

// StatusListJSON is a person's revocation BitstringStatusListCredential,
// made and signed now (as an organisation's is): a bit is set for every
// revoked EndorsementCredential, so that a withdrawal shows at once.
func (p *Passport) StatusListJSON(ctx context.Context, username string) ([]byte, error) {
	u, err := account.UserByUsername(ctx, p.pool, username)
	if err != nil {
		return nil, err
	}
	rows, err := p.pool.Query(ctx, `SELECT status_index FROM person_credential WHERE user_id = $1 AND revoked_at IS NOT NULL`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("status list of %s: %w", username, err)
	}
	revoked, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("status list of %s: %w", username, err)
	}
	var k issuer.CredentialKey
	var priv ed25519.PrivateKey
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		k, priv, err = currentPersonKey(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("status list of %s: %w", username, err)
	}
	return issuer.SignStatusList(PersonStatusList(p.urls, username), PersonProfileV3(p.urls, username), revoked, priv,
		PersonCredentialKey(p.urls, username, k.Multibase), time.Now())
}

// issueCredential makes, signs and stores the EndorsementCredential of
// endorsement e by u, inside the transaction that writes e, revoking any
// earlier one of e; it records the credential's id on e and returns e so,
// with the signed credential.
func (p *Passport) issueCredential(ctx context.Context, tx pgx.Tx, u account.User, e Endorsement) (Endorsement, map[string]any, error) {
	if _, err := tx.Exec(ctx, `UPDATE person_credential SET revoked_at = now() WHERE endorsement_id = $1 AND revoked_at IS NULL`,
		e.rowID); err != nil {
		return e, nil, fmt.Errorf("revoke the earlier credential of %s: %w", e.ID, err)
	}
	k, priv, err := currentPersonKey(ctx, tx, u.ID)
	if err != nil {
		return e, nil, err
	}
	iss, err := p.personIssuer(ctx, tx, u)
	if err != nil {
		return e, nil, err
	}
	subject, err := endorsedCredential(ctx, tx, p.urls, e.Assertion)
	if err != nil {
		return e, nil, err
	}
	id := uuid.NewString()
	c := vocab.EndorsementCredential{
		Context:     vocab.CredentialContexts,
		ID:          EndorsementCredentialID(p.urls, id),
		Type:        vocab.EndorsementCredentialTypes,
		Issuer:      iss,
		ValidFrom:   time.Now().UTC().Format(time.RFC3339),
		Name:        fmt.Sprintf("%s endorses %s's badge %s", iss.Name, e.EarnerName, e.BadgeName),
		Description: "An endorsement of an earned badge by a person who knows the earner's work.",
		CredentialSubject: vocab.EndorsementSubject{
			ID: subject, Type: []string{"EndorsementSubject"}, EndorsementComment: e.Comment,
		},
	}
	vm := PersonCredentialKey(p.urls, u.Username, k.Multibase)
	for attempt := 0; ; attempt++ {
		index, err := issuer.FreeStatusIndex(ctx, tx, "person_credential", "user_id", u.ID, attempt)
		if err != nil {
			return e, nil, err
		}
		c.CredentialStatus = issuer.StatusEntryAt(PersonStatusList(p.urls, u.Username), index)
		doc, jwt, err := issuer.SignWithStatus(c, priv, vm, time.Now())
		if err != nil {
			return e, nil, err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO person_credential (uuid, endorsement_id, user_id, key_id, status_index, document, jwt)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, status_index) DO NOTHING`,
			id, e.rowID, u.ID, k.ID, index, string(doc), jwt)
		if err != nil {
			return e, nil, fmt.Errorf("store credential of %s: %w", e.ID, err)
		}
		if tag.RowsAffected() == 0 {
			continue // another transaction took the index meanwhile: pick again
		}
		if _, err := tx.Exec(ctx, `UPDATE person_endorsement SET credential = $2, credential_state = 'verified' WHERE id = $1`,
			e.rowID, c.ID); err != nil {
			return e, nil, fmt.Errorf("record credential of %s: %w", e.ID, err)
		}
		var signed map[string]any
		if err := json.Unmarshal(doc, &signed); err != nil {
			return e, nil, err
		}
		e.Credential, e.CredentialState = c.ID, CredentialVerified
		return e, signed, nil
	}
}

// revokeCredentials revokes every EndorsementCredential of the endorsement
// with row id: its bits are set in the endorser's status list from now on.
func revokeCredentials(ctx context.Context, tx pgx.Tx, rowID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE person_credential SET revoked_at = now() WHERE endorsement_id = $1 AND revoked_at IS NULL`,
		rowID); err != nil {
		return fmt.Errorf("revoke credentials of endorsement %d: %w", rowID, err)
	}
	return nil
}

// endorsedCredential is the id an EndorsementCredential of the badge
// whose assertion is assertionID endorses: the OpenBadgeCredential of the
// assertion when it was issued here with one (or when the badge is a 3.0
// credential, whose id the assertion id then is), else the 2.0
// assertion's id.
func endorsedCredential(ctx context.Context, db DB, u issuer.URLs, assertionID string) (string, error) {
	uuid := u.AssertionUUID(assertionID)
	if uuid == "" {
		return assertionID, nil
	}
	var has bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM credential c JOIN assertion a ON a.id = c.assertion_id
		WHERE a.uuid = $1)`, uuid).Scan(&has); err != nil {
		return "", fmt.Errorf("find the credential of %s: %w", assertionID, err)
	}
	if has {
		return u.Credential(uuid), nil
	}
	return assertionID, nil
}

// HostedCredential is an EndorsementCredential issued here, exactly as
// signed: as JSON, or as a VC-JWT when jwt is true. A revoked one is
// still served, so that verifiers learn from the status list that it is
// revoked.
func HostedCredential(ctx context.Context, db DB, id string, jwt bool) ([]byte, error) {
	if !uuidPattern.MatchString(id) {
		return nil, problem.NotFoundf("no endorsement credential %q", id)
	}
	column := "document"
	if jwt {
		column = "jwt"
	}
	var doc string
	// column is one of two constants, never input.
	err := db.QueryRow(ctx, `SELECT `+column+` FROM person_credential WHERE uuid = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, problem.NotFoundf("no endorsement credential %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read endorsement credential %s: %w", id, err)
	}
	return []byte(doc), nil
}
