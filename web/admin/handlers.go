// Package admin serves the node admin's tools: the admin page, organisations
// created with their first admin, domain blocks and allows, federation
// deliveries, and the node-wide counts.
package admin

import (
	"github.com/laurelnet/laurel/web/account"
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the node admin's pages and API. They share the Kit of the other handler
// packages; the handler packages of other domains they call are fields.
type Handlers struct {
	*kit.Kit
	account *account.Handlers
}

// New returns the handlers on k.
func New(k *kit.Kit, account *account.Handlers) *Handlers {
	return &Handlers{Kit: k, account: account}
}
