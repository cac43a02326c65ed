package passport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/bake"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/verifier"
	"github.com/laurelnet/laurel/vocab"
)

// Add verifies a badge the earner brings (in: a URL, an assertion's JSON
// or JWS, or a baked image) and keeps it, accepted at once. The badge must
// verify and be awarded to u: to their account's email address, once
// confirmed, or to their fediverse actor. An expired badge is kept, marked expired. A
// refused badge is a problem naming the input and the verifier's reason,
// and nothing is stored; a badge already in the backpack is a conflict.
func (p *Passport) Add(ctx context.Context, u account.User, in verifier.Input) (Item, error) {
	field, source := "url", SourceURL
	switch {
	case len(in.JSON) > 0:
		field, source = "assertion", SourceUpload
		if looksLikeCredential(in.JSON) {
			field = "credential"
		}
	case len(in.Image) > 0:
		field, source = "image", SourceUpload
	case strings.TrimSpace(in.URL) == "":
		return Item{}, problem.Invalidf("url", "give the badge: its URL, its JSON or JWS (assertion), its Open Badges 3.0 credential as JSON or VC-JWT (credential), or its baked image (image)")
	}
	if in.URL != "" {
		// Spare the fetches when the URL is known already.
		known, err := p.has(ctx, u.ID, strings.TrimSpace(in.URL))
		if err != nil {
			return Item{}, fmt.Errorf("add badge: %w", err)
		}
		if known {
			return Item{}, problem.Conflictf(field, "this badge is in your backpack already")
		}
	}
	in.RecipientEmail, in.RecipientURL = u.ConfirmedEmail(), p.ActorID(u.Username)
	rep := p.verifier.Verify(ctx, in)
	if rep.Credential != nil && field == "assertion" {
		field = "credential"
	}
	if !acceptable(rep) {
		reason := refusal(rep)
		if !u.EmailVerified && awardedToEmail(rep) {
			reason += "; a badge awarded to your email address can be added once you have confirmed the address"
		}
		return Item{}, problem.Invalidf(field, "this badge cannot be added: %s", reason)
	}
	var id string
	var snap snapshot
	if rep.Credential != nil {
		if !isBadgeCredential(rep.Credential) {
			return Item{}, problem.Invalidf(field, "this is not a badge: an Open Badges 3.0 credential of type OpenBadgeCredential (or AchievementCredential) can be added")
		}
		id = text(rep.Credential["id"])
		if id == "" {
			return Item{}, problem.Invalidf(field, "this badge cannot be added: its credential has no id")
		}
		snap = credentialSnapshot(rep, receivedCredential(rep, in))
	} else {
		id = text(rep.Assertion["id"])
		if id == "" {
			return Item{}, problem.Invalidf(field, "this badge cannot be added: its assertion has no id")
		}
		snap = reportSnapshot(rep, signedText(in))
	}
	if known, err := p.has(ctx, u.ID, id); err != nil {
		return Item{}, fmt.Errorf("add badge %s: %w", id, err)
	} else if known {
		return Item{}, problem.Conflictf(field, "this badge is in your backpack already")
	}
	var it Item
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		if it, err = insertVerified(ctx, tx, u.ID, id, Accepted, source, snap); err != nil || p.accepted == nil {
			return err
		}
		return p.accepted(ctx, tx, it)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, problem.Conflictf(field, "this badge is in your backpack already")
	}
	if err != nil {
		return Item{}, fmt.Errorf("add badge %s: %w", id, err)
	}
	if len(in.Image) > 0 && rep.Credential == nil {
		return p.addBakedCredential(ctx, it, in)
	}
	return it, nil
}

// addBakedCredential keeps beside item it, added from a baked 2.0 image,
// the 3.0 credential baked into the same image (as exports of badges of
// both standards have it), when it verifies for the same earner.
func (p *Passport) addBakedCredential(ctx context.Context, it Item, in verifier.Input) (Item, error) {
	c, err := bake.ExtractCredential(in.Image)
	if err != nil {
		return it, nil // a 2.0 badge alone
	}
	rep := p.verifier.Verify(ctx, verifier.Input{JSON: []byte(c), RecipientEmail: in.RecipientEmail, RecipientURL: in.RecipientURL})
	if !acceptable(rep) || !isBadgeCredential(rep.Credential) {
		return it, nil
	}
	s := credentialSnapshot(rep, c)
	out, err := scanItem(p.pool.QueryRow(ctx, `UPDATE backpack_item i SET credential = $2, credential_json = $3, credential_jwt = $4
		WHERE i.id = $1 RETURNING `+itemColumns, it.ID, s.Credential, s.CredentialJSON, s.CredentialJWT))
	if err != nil {
		return Item{}, fmt.Errorf("keep the credential of badge %s: %w", it.UUID, err)
	}
	return out, nil
}

// has reports whether user userID keeps the badge with this assertion or
// credential id already.
func (p *Passport) has(ctx context.Context, userID int64, id string) (bool, error) {
	var known bool
	err := p.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM backpack_item WHERE user_id = $1
		AND (assertion_id = $2 OR (credential <> '{}' AND credential ->> 'id' = $2)))`, userID, id).Scan(&known)
	return known, err
}

// looksLikeCredential reports whether an input is an Open Badges 3.0
// credential, as a JSON object typed VerifiableCredential or as a JWT
// whose payload is one, for the field named in a refusal.
func looksLikeCredential(b []byte) bool {
	t := strings.TrimSpace(string(b))
	if !strings.HasPrefix(t, "{") {
		payload, err := vocab.ParseJWS(t)
		if err != nil {
			return false
		}
		var claims map[string]any
		if json.Unmarshal(payload, &claims) != nil {
			return false
		}
		if vc, ok := claims["vc"].(map[string]any); ok {
			claims = vc
		}
		return slices.Contains(strs(claims["type"]), "VerifiableCredential")
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return false
	}
	return slices.Contains(strs(doc["type"]), "VerifiableCredential")
}

// isBadgeCredential reports whether a credential is an earned badge, not
// another kind (such as an EndorsementCredential).
func isBadgeCredential(c map[string]any) bool {
	types := strs(c["type"])
	return slices.Contains(types, "OpenBadgeCredential") || slices.Contains(types, "AchievementCredential")
}

// receivedCredential is the credential of the input as signed: the JSON
// or VC-JWT given or baked; for a URL, the JSON the verifier fetched (its
// proof covers the data, not the bytes, so it verifies as re-encoded).
func receivedCredential(rep verifier.Report, in verifier.Input) string {
	switch {
	case len(in.JSON) > 0:
		return string(in.JSON)
	case len(in.Image) > 0:
		if s, err := bake.ExtractCredential(in.Image); err == nil {
			return s
		}
	}
	b, err := json.Marshal(rep.Credential)
	if err != nil {
		return ""
	}
	return string(b)
}

// strs is a property that is one string or an array of them, as strings.
func strs(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// awardedToEmail reports whether the verifier refused the badge for its
// recipient, an email address.
func awardedToEmail(rep verifier.Report) bool {
	if rep.RecipientMatched == nil || *rep.RecipientMatched {
		return false
	}
	ro, _ := rep.Assertion["recipient"].(map[string]any)
	return ro != nil && ro["type"] == "email"
}

// signedText is the assertion text of the input, which is its JWS when
// the badge is signed.
func signedText(in verifier.Input) string {
	if len(in.Image) > 0 {
		s, _ := bake.Extract(in.Image)
		return s
	}
	return string(in.JSON)
}

// insertVerified stores a verified item in state; pgx.ErrNoRows when the
// user has that assertion already.
func insertVerified(ctx context.Context, db DB, userID int64, assertionID, state, source string, s snapshot) (Item, error) {
	args := append([]any{assertionID}, s.values()...)
	args = append(args, userID, state, source)
	return scanItem(db.QueryRow(ctx, `
		INSERT INTO backpack_item AS i (assertion_id, verified, verification, jws, assertion, badge, issuer, badge_name,
			badge_image, issuer_name, issued_on, expires, revoked, revocation_reason, last_checked_at,
			user_id, state, source, answered_at, credential, credential_json, credential_jwt)
		VALUES ($1, true, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(),
			$17, $18, $19, CASE WHEN $18 = 'accepted' THEN now() END, $14, $15, $16)
		ON CONFLICT (user_id, assertion_id) DO NOTHING
		RETURNING `+itemColumns, args...))
}
