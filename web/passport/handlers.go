// Package passport serves the earner's passport: kept badges, adding and
// checking them, their visibility and public pages, endorsements between
// people, comments and congratulations, the activity stream, followed
// badges, export and import.
package passport

import (
	"net/http"

	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/openbadges"
)

// Handlers are the passport pages and API. They share the Kit of the other handler
// packages; the handler packages of other domains they call are fields.
type Handlers struct {
	*kit.Kit
	openbadges *openbadges.Handlers
	// importLimit is the one rate limit of passport imports, page and API.
	importLimit func(http.Handler) http.Handler
}

// New returns the handlers on k.
func New(k *kit.Kit, openbadges *openbadges.Handlers) *Handlers {
	h := &Handlers{Kit: k, openbadges: openbadges}
	h.importLimit = h.importRateLimit()
	return h
}
