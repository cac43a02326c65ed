package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// tokenPrefix marks Laurel API tokens, so that secret scanners and people
// can recognise one in a leaked file.
const tokenPrefix = "laurel_"

// ErrBadToken is returned for a token that is unknown or malformed.
var ErrBadToken = errors.New("invalid API token")

// CreateToken makes a new API token for the user and returns it. Only its
// hash is stored: the token is shown once.
func CreateToken(ctx context.Context, db DB, userID int64, name string) (string, error) {
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(token))
	if _, err := db.Exec(ctx, `INSERT INTO api_token (user_id, token_hash, name) VALUES ($1, $2, $3)`,
		userID, sum[:], name); err != nil {
		return "", fmt.Errorf("store API token for user %d: %w", userID, err)
	}
	return token, nil
}

// UserByToken returns the owner of an API token and notes its use.
func UserByToken(ctx context.Context, db DB, token string) (User, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return User{}, ErrBadToken
	}
	sum := sha256.Sum256([]byte(token))
	u, err := scanUser(db.QueryRow(ctx, `
		UPDATE api_token t SET last_used_at = now()
		FROM app_user u WHERE t.token_hash = $1 AND u.id = t.user_id
		RETURNING u.id, u.username, u.email, u.name, u.node_admin, u.created_at`, sum[:]))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrBadToken
	}
	if err != nil {
		return User{}, fmt.Errorf("look up API token: %w", err)
	}
	return u, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails on Linux (Go 1.24+ crashes rather than
	// return weak randomness), so the error carries no information.
	_, _ = rand.Read(b)
	return b
}
