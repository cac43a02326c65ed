package issuer

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/locale"
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
// the link that lets them claim it (minted by the mail job), in l's
// language.
func claimMail(l *locale.Localizer, u URLs, o Organisation, b BadgeClass, a Assertion, r Recipient) mail.SendArgs {
	hello := l.T("mail.common.hello")
	if r.Name != "" {
		hello = l.T("mail.common.hello_name", "Name", r.Name)
	}
	var valid string
	if a.Expires != nil {
		valid = l.T("mail.claim.valid_until", "Date", l.Date(a.Expires.UTC()))
	}
	return mail.SendArgs{Message: mail.Message{
		To:      r.Identity,
		Subject: l.T("mail.claim.subject", "Badge", b.Name, "Issuer", o.Name),
		Text: mail.Paragraphs(hello,
			l.T("mail.claim.awarded", "Issuer", o.Name, "Badge", b.Name),
			l.T("mail.claim.see_it", "Link", mail.LinkPlaceholder),
			valid,
			l.T("mail.claim.check", "URL", u.BadgePage(a.UUID))),
	}, Link: &mail.Link{Kind: LinkClaim, ID: a.ID}}
}

// claimMailer makes the claim emails of one Issue: in the organisation's
// own template for the language asked for (package mailtemplate), read
// once per language in the issuing transaction, or else claimMail's.
//
// The language is the earner's own setting when the address is a user's
// of this node (Hooks.RecipientLanguage), else the one the issuer gave,
// else (for Laurel's text) the node's default.
type claimMailer struct {
	tx        pgx.Tx
	o         Organisation
	hooks     Hooks
	templates map[string]*mailtemplate.Template // by language; nil: none
}

func newClaimMailer(tx pgx.Tx, o Organisation, n Hooks) *claimMailer {
	return &claimMailer{tx: tx, o: o, hooks: n, templates: map[string]*mailtemplate.Template{}}
}

// mail is the claim email of assertion a to r; given is the language the
// issuer asked for.
func (m *claimMailer) mail(ctx context.Context, u URLs, b BadgeClass, a Assertion, r Recipient, given string) (mail.SendArgs, error) {
	var setting string
	if m.hooks.RecipientLanguage != nil {
		var err error
		if setting, err = m.hooks.RecipientLanguage(ctx, m.tx, r); err != nil {
			return mail.SendArgs{}, err
		}
	}
	// The earner's language first, then the issuer's; an empty one finds
	// the organisation's default template.
	var t *mailtemplate.Template
	for _, lang := range slices.Compact([]string{cmp.Or(setting, given), given}) {
		found, seen := m.templates[lang]
		if !seen {
			f, ok, err := mailtemplate.Find(ctx, m.tx, m.o.ID, mailtemplate.KindClaim, lang)
			if err != nil {
				return mail.SendArgs{}, err
			}
			if ok {
				found = &f
			}
			m.templates[lang] = found
		}
		if found != nil {
			t = found
			break
		}
	}
	if t == nil {
		return claimMail(m.hooks.Locale.Mail(setting, given), u, m.o, b, a, r), nil
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
