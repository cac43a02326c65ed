// Package account serves a person's own account: logging in and out,
// signing up and verifying the address (and the node admin's signup
// settings and invitations), password reset, the profile, the account page
// (email, password, API tokens, sessions) and deleting the account.
package account

import (
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the account pages and API. They share the Kit of the other handler
// packages.
type Handlers struct {
	*kit.Kit
}

// New returns the handlers on k.
func New(k *kit.Kit) *Handlers {
	return &Handlers{Kit: k}
}
