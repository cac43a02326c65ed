// Package badges serves an organisation's badges: the creator tools (badge
// library and editor), the issuer tools (issuing one or many, revoking), the
// badge class and assertion API, and the public page of an issued badge and
// its claim.
package badges

import (
	"github.com/laurelnet/laurel/web/esco"
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/openbadges"
)

// Handlers are the badge pages and API. They share the Kit of the other handler
// packages; the handler packages of other domains they call are fields.
type Handlers struct {
	*kit.Kit
	openbadges *openbadges.Handlers
	esco       *esco.Handlers
}

// New returns the handlers on k.
func New(k *kit.Kit, openbadges *openbadges.Handlers, esco *esco.Handlers) *Handlers {
	return &Handlers{Kit: k, openbadges: openbadges, esco: esco}
}
