// Package people serves an organisation's people: its members and their
// roles, and the invitations its admins send by email (a single-use link
// that lets a person join with a role, making an account if they have
// none). Only the organisation's admins (account.ManageOrganisation) and
// node admins manage them; anyone with the link may accept.
package people

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the people pages and API.
type Handlers struct {
	*kit.Kit
}

// New returns the handlers on k.
func New(k *kit.Kit) *Handlers { return &Handlers{Kit: k} }

// JoinLink makes the address of an invitation's token on the node at
// base, as the mail job mints it.
func JoinLink(base *url.URL) func(token string) string {
	b := strings.TrimSuffix(base.String(), "/")
	return func(token string) string { return b + "/join/" + token }
}

func (s *Handlers) inviteMail(r *http.Request) account.InviteMail {
	return account.InviteMail{Queue: s.MailQueue(), Node: s.Deps.BaseURL.Host, Locale: s.Deps.Locale,
		Language: s.Localizer(r).Lang()}
}

// landing is where a new member starts: the tools of their role.
func landing(slug string, r account.Role) string {
	switch {
	case slug == "":
	case r.Can(account.CreateBadges):
		return "/creator?org=" + url.QueryEscape(slug)
	case r.Can(account.IssueBadges):
		return "/issuer?org=" + url.QueryEscape(slug)
	}
	return "/"
}
