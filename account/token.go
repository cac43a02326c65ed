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
	token, _, err := createToken(ctx, db, userID, name)
	return token, err
}

func createToken(ctx context.Context, db DB, userID int64, name string) (string, Token, error) {
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	sum := sha256.Sum256([]byte(token))
	t := Token{Name: name}
	if err := db.QueryRow(ctx, `INSERT INTO api_token (user_id, token_hash, name) VALUES ($1, $2, $3) RETURNING id, created_at`,
		userID, sum[:], name).Scan(&t.ID, &t.CreatedAt); err != nil {
		return "", Token{}, fmt.Errorf("store API token for user %d: %w", userID, err)
	}
	return token, t, nil
}

// UserByToken returns the owner of an API token and notes its use, to the
// minute: writing on every request would turn each API read into a write.
func UserByToken(ctx context.Context, db DB, token string) (User, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return User{}, ErrBadToken
	}
	sum := sha256.Sum256([]byte(token))
	u, err := scanUser(db.QueryRow(ctx, `
		WITH t AS (SELECT id, user_id, last_used_at FROM api_token WHERE token_hash = $1),
		touch AS (UPDATE api_token SET last_used_at = now() FROM t
			WHERE api_token.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute'))
		SELECT `+userColumnsOf("u")+`
		FROM t JOIN app_user u ON u.id = t.user_id`, sum[:]))
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
