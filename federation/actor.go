package federation

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
)

// Kind is the ActivityStreams type of a local actor.
type Kind string

// The kinds of local actor.
const (
	Organization Kind = "Organization" // an organisation (issuer, endorser)
	Person       Kind = "Person"       // a person: earner, endorser, staff
	Application  Kind = "Application"  // the node itself, which signs fetches
	Group        Kind = "Group"        // a regional badge network (package community)
)

// InstanceUsername is the node's own actor. The dot keeps it out of the
// namespaces of organisation slugs and person usernames, which allow none.
const InstanceUsername = "laurel.instance"

// LocalActor is one of this node's actors.
type LocalActor struct {
	ID                        int64
	Username                  string
	Kind                      Kind
	ManuallyApprovesFollowers bool
	PublicKeyPEM              string
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// AddActor creates a local actor with a fresh RSA-2048 key pair. Call it in
// the transaction that creates the organisation or person, so the handle is
// taken only if they are. A handle already taken by anyone is a Conflict on
// field.
func AddActor(ctx context.Context, db DB, username string, kind Kind, field string) (LocalActor, error) {
	if !usernamePattern.MatchString(username) {
		return LocalActor{}, problem.Invalidf(field, "must be 1 to 63 lower-case letters, digits, dots, hyphens or underscores")
	}
	pub, priv, err := newKeyPair()
	if err != nil {
		return LocalActor{}, err
	}
	a := LocalActor{Username: username, Kind: kind, PublicKeyPEM: pub}
	err = db.QueryRow(ctx, `INSERT INTO actor (username, kind, public_key_pem, private_key_pem)
		VALUES ($1, $2, $3, $4) RETURNING id`, username, kind, pub, priv).Scan(&a.ID)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return LocalActor{}, problem.Conflictf(field, "%q is already taken on this node", username)
	}
	if err != nil {
		return LocalActor{}, fmt.Errorf("create actor %s: %w", username, err)
	}
	return a, nil
}

func newKeyPair() (pub, priv string, err error) {
	key, err := signature.GenerateKey()
	if err != nil {
		return "", "", fmt.Errorf("generate actor key: %w", err)
	}
	if priv, err = signature.EncodePrivateKey(key); err != nil {
		return "", "", err
	}
	if pub, err = signature.EncodePublicKey(&key.PublicKey); err != nil {
		return "", "", err
	}
	return pub, priv, nil
}

// ActorByUsername finds a local actor, giving it a key pair first if it has
// none yet (actors made by a migration get theirs on first use).
// A deleted actor (see DeleteActor) is not found.
func ActorByUsername(ctx context.Context, db DB, username string) (LocalActor, error) {
	a, _, err := actorWithKey(ctx, db, username, false)
	return a, err
}

// SigningKey returns the private key of a local actor, also of a deleted
// one, whose key still signs the deliveries of its Delete.
func SigningKey(ctx context.Context, db DB, username string) (*rsa.PrivateKey, error) {
	return signingKey(ctx, db, username, signature.ParsePrivateKey)
}

// signingKey is SigningKey with parsed keys kept in f's cache, for the
// paths that sign on every request (deliveries, fetches).
func (f *Federation) signingKey(ctx context.Context, db DB, username string) (*rsa.PrivateKey, error) {
	return signingKey(ctx, db, username, f.keys.privateKey)
}

func signingKey(ctx context.Context, db DB, username string, parse func(string) (*rsa.PrivateKey, error)) (*rsa.PrivateKey, error) {
	_, priv, err := actorWithKey(ctx, db, username, true)
	if err != nil {
		return nil, err
	}
	key, err := parse(priv)
	if err != nil {
		return nil, fmt.Errorf("key of actor %s: %w", username, err)
	}
	return key, nil
}

func actorWithKey(ctx context.Context, db DB, username string, withDeleted bool) (LocalActor, string, error) {
	var (
		a         LocalActor
		pub, priv *string
	)
	err := db.QueryRow(ctx, `SELECT id, username, kind, manually_approves_followers, public_key_pem, private_key_pem
		FROM actor WHERE username = $1 AND ($2 OR deleted_at IS NULL)`, username, withDeleted).
		Scan(&a.ID, &a.Username, &a.Kind, &a.ManuallyApprovesFollowers, &pub, &priv)
	if errors.Is(err, pgx.ErrNoRows) {
		return LocalActor{}, "", problem.NotFoundf("no actor %q on this node", username)
	}
	if err != nil {
		return LocalActor{}, "", fmt.Errorf("find actor %s: %w", username, err)
	}
	if pub != nil && priv != nil {
		a.PublicKeyPEM = *pub
		return a, *priv, nil
	}
	newPub, newPriv, err := newKeyPair()
	if err != nil {
		return LocalActor{}, "", err
	}
	// Two processes may race to fill the key: the first write wins and the
	// loser reads the winner's key back.
	err = db.QueryRow(ctx, `UPDATE actor SET public_key_pem = coalesce(public_key_pem, $2),
		private_key_pem = coalesce(private_key_pem, $3) WHERE id = $1
		RETURNING public_key_pem, private_key_pem`, a.ID, newPub, newPriv).Scan(&a.PublicKeyPEM, &newPriv)
	if err != nil {
		return LocalActor{}, "", fmt.Errorf("store key of actor %s: %w", username, err)
	}
	return a, newPriv, nil
}

// CountActors counts local actors of a kind, for NodeInfo.
func CountActors(ctx context.Context, db DB, kind Kind) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM actor WHERE kind = $1 AND deleted_at IS NULL`, kind).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s actors: %w", kind, err)
	}
	return n, nil
}
