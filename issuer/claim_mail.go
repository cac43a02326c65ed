package issuer

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/mail"
	"github.com/laurelnet/laurel/mailtemplate"
)

// LinkClaim is the kind of the mail links that claim a badge; their id is
// the assertion's.
const LinkClaim = "claim"

// ClaimLinks mints the claim link of assertion id, replacing the one
// stored (an earlier link stops working); ErrLinkGone when the assertion
// is gone or has no claim link.
func ClaimLinks(db DB, u URLs) mail.LinkMaker {
	return func(ctx context.Context, id int64) (string, error) {
		token := randomToken()
		sum := sha256.Sum256([]byte(token))
		tag, err := db.Exec(ctx, `UPDATE assertion SET claim_token_hash = $2 WHERE id = $1 AND claim_token_hash IS NOT NULL`, id, sum[:])
		if err != nil {
			return "", fmt.Errorf("mint the claim link of assertion %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return "", mail.ErrLinkGone
		}
		return u.ClaimPage(token), nil
	}
}

// claimMail is the message that tells an earner about a new badge, with
// the link that lets them claim it (minted by the mail job).
func claimMail(u URLs, o Organisation, b BadgeClass, a Assertion, r Recipient) mail.SendArgs {
	var text strings.Builder
	greeting := "Hello"
	if r.Name != "" {
		greeting += " " + r.Name
	}
	fmt.Fprintf(&text, "%s,\n\n%s has awarded you the badge \"%s\".\n\n", greeting, o.Name, b.Name)
	fmt.Fprintf(&text, "See it, download it with its Open Badges data baked in, or keep it in a passport:\n%s\n\n", mail.LinkPlaceholder)
	if a.Expires != nil {
		fmt.Fprintf(&text, "The badge is valid until %s.\n\n", a.Expires.UTC().Format(time.DateOnly))
	}
	fmt.Fprintf(&text, "Anyone can check the badge at %s\n", u.BadgePage(a.UUID))
	return mail.SendArgs{Message: mail.Message{
		To:      r.Identity,
		Subject: fmt.Sprintf("You have earned the badge \"%s\" from %s", b.Name, o.Name),
		Text:    text.String(),
	}, Link: &mail.Link{Kind: LinkClaim, ID: a.ID}}
}

// claimMailer makes the claim emails of one Issue: in the organisation's
// own template for the language asked for (package mailtemplate), read
// once per language in the issuing transaction, or else claimMail's.
type claimMailer struct {
	tx        pgx.Tx
	o         Organisation
	templates map[string]*mailtemplate.Template // by language; nil: none
}

func newClaimMailer(tx pgx.Tx, o Organisation) *claimMailer {
	return &claimMailer{tx: tx, o: o, templates: map[string]*mailtemplate.Template{}}
}

// mail is the claim email of assertion a to r, in language lang.
func (m *claimMailer) mail(ctx context.Context, u URLs, b BadgeClass, a Assertion, r Recipient, lang string) (mail.SendArgs, error) {
	t, seen := m.templates[lang]
	if !seen {
		found, ok, err := mailtemplate.Find(ctx, m.tx, m.o.ID, mailtemplate.KindClaim, lang)
		if err != nil {
			return mail.SendArgs{}, err
		}
		if ok {
			t = &found
		}
		m.templates[lang] = t
	}
	if t == nil {
		return claimMail(u, m.o, b, a, r), nil
	}
	var expires string
	if a.Expires != nil {
		expires = a.Expires.UTC().Format(time.DateOnly)
	}
	msg, err := t.Render(mailtemplate.Values{Earner: cmp.Or(r.Name, r.Identity), Badge: b.Name, Issuer: m.o.Name,
		ClaimLink: mail.LinkPlaceholder, BadgePage: u.BadgePage(a.UUID), Expires: expires})
	if err != nil {
		return mail.SendArgs{}, err
	}
	return mail.SendArgs{Message: mail.Message{To: r.Identity, Subject: msg.Subject, Text: msg.Text},
		Link: &mail.Link{Kind: LinkClaim, ID: a.ID}}, nil
}
