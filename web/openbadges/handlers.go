// Package openbadges serves the hosted Open Badges documents: 2.0
// assertions, badge classes, issuer profiles, criteria and images; 3.0
// credentials, keys, did.json and status lists of organisations and people;
// and "Check this badge" (verify), page and API.
package openbadges

import (
	"github.com/laurelnet/laurel/web/kit"
	"github.com/laurelnet/laurel/web/network"
)

// Handlers are the hosted documents and the verifier. They share the Kit of the other handler
// packages; the handler packages of other domains they call are fields.
type Handlers struct {
	*kit.Kit
	network *network.Handlers
}

// New returns the handlers on k.
func New(k *kit.Kit, network *network.Handlers) *Handlers {
	return &Handlers{Kit: k, network: network}
}
