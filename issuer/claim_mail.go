package issuer

import (
	"fmt"
	"strings"
	"time"

	"github.com/laurelnet/laurel/mail"
)

// claimMail is the message that tells an earner about a new badge, with
// the link that lets them claim it.
func claimMail(u URLs, o Organisation, b BadgeClass, a Assertion, r Recipient, token string) mail.SendArgs {
	var text strings.Builder
	greeting := "Hello"
	if r.Name != "" {
		greeting += " " + r.Name
	}
	fmt.Fprintf(&text, "%s,\n\n%s has awarded you the badge \"%s\".\n\n", greeting, o.Name, b.Name)
	fmt.Fprintf(&text, "See it, download it with its Open Badges data baked in, or keep it in a passport:\n%s\n\n", u.ClaimPage(token))
	if a.Expires != nil {
		fmt.Fprintf(&text, "The badge is valid until %s.\n\n", a.Expires.UTC().Format(time.DateOnly))
	}
	fmt.Fprintf(&text, "Anyone can check the badge at %s\n", u.BadgePage(a.UUID))
	return mail.SendArgs{Message: mail.Message{
		To:      r.Identity,
		Subject: fmt.Sprintf("You have earned the badge \"%s\" from %s", b.Name, o.Name),
		Text:    text.String(),
	}}
}
