package issuer

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// ProfileDocument is an organisation as an Open Badges 2.0 issuer Profile.
// It lists the signing key once the organisation has one, and keeps
// listing it after signing is turned off, so that badges signed before
// still verify.
func ProfileDocument(ctx context.Context, db DB, u URLs, o Organisation) (vocab.Profile, error) {
	p := vocab.Profile{
		Context:        vocab.Context,
		ID:             u.Profile(o.Slug),
		Type:           "Issuer",
		Name:           o.Name,
		URL:            o.URL,
		Email:          o.Email,
		Description:    o.Description,
		Image:          o.ImageURL,
		RevocationList: u.RevocationList(o.Slug),
	}
	if p.URL == "" {
		// url is required of a Profile; the organisation's page on this node
		// is the best we have.
		p.URL = u.base() + "/orgs/" + o.Slug
	}
	var exists bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM issuer_key WHERE organisation_id = $1)`, o.ID).Scan(&exists); err != nil {
		return vocab.Profile{}, fmt.Errorf("profile of %s: %w", o.Slug, err)
	}
	if exists {
		p.PublicKey = []string{u.Key(o.Slug)}
	}
	return p, nil
}

// KeyDocument is the CryptographicKey an organisation signs badges with.
func KeyDocument(ctx context.Context, db DB, u URLs, o Organisation) (vocab.CryptographicKey, error) {
	var pub string
	err := db.QueryRow(ctx, `SELECT public_key_pem FROM issuer_key WHERE organisation_id = $1`, o.ID).Scan(&pub)
	if errors.Is(err, pgx.ErrNoRows) {
		return vocab.CryptographicKey{}, problem.NotFoundf("%s does not sign badges", o.Slug)
	}
	if err != nil {
		return vocab.CryptographicKey{}, fmt.Errorf("signing key of %s: %w", o.Slug, err)
	}
	return vocab.CryptographicKey{
		Context:      vocab.Context,
		ID:           u.Key(o.Slug),
		Type:         "CryptographicKey",
		Owner:        u.Profile(o.Slug),
		PublicKeyPem: pub,
	}, nil
}

// SetSignBadges turns JWS signing of new assertions on or off. Turning it
// on the first time creates the organisation's signing key.
func SetSignBadges(ctx context.Context, db DB, orgID int64, on bool) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if on {
			if _, err := signingKey(ctx, tx, orgID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE organisation SET sign_badges = $2, updated_at = now() WHERE id = $1`, orgID, on); err != nil {
			return fmt.Errorf("set badge signing: %w", err)
		}
		return nil
	})
}

// signingKey returns the organisation's signing key, creating it on first
// use. Two transactions creating it at once keep the first one's.
func signingKey(ctx context.Context, tx pgx.Tx, orgID int64) (*rsa.PrivateKey, error) {
	var priv string
	err := tx.QueryRow(ctx, `SELECT private_key_pem FROM issuer_key WHERE organisation_id = $1`, orgID).Scan(&priv)
	if errors.Is(err, pgx.ErrNoRows) {
		key, err := signature.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("create signing key: %w", err)
		}
		privPEM, err := signature.EncodePrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("create signing key: %w", err)
		}
		pubPEM, err := signature.EncodePublicKey(&key.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("create signing key: %w", err)
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO issuer_key (organisation_id, private_key_pem, public_key_pem) VALUES ($1, $2, $3)
			ON CONFLICT (organisation_id) DO UPDATE SET organisation_id = excluded.organisation_id
			RETURNING private_key_pem`, orgID, privPEM, pubPEM).Scan(&priv)
		if err != nil {
			return nil, fmt.Errorf("store signing key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	key, err := signature.ParsePrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	return key, nil
}
