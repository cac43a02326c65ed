// Package network serves the endorsement network: partners, endorsements
// and their requests, shares and notifications, external endorsers, an
// organisation's settings, and the regional badge networks (community):
// their pages, moderation, API, members collection and relations graph.
// Regional networks live here too because they are a tab of the network
// page and share its forms.
package network

import (
	"github.com/laurelnet/laurel/web/esco"
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the network pages and API. They share the Kit of the other handler
// packages; the handler packages of other domains they call are fields.
type Handlers struct {
	*kit.Kit
	esco *esco.Handlers
}

// New returns the handlers on k.
func New(k *kit.Kit, esco *esco.Handlers) *Handlers {
	return &Handlers{Kit: k, esco: esco}
}
