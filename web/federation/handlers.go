// Package federation serves the fediverse side of the API for an
// organisation and a person: follows and followers, posts, the inbox and
// the federation settings.
package federation

import (
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the fediverse API. They share the Kit of the other handler
// packages.
type Handlers struct {
	*kit.Kit
}

// New returns the handlers on k.
func New(k *kit.Kit) *Handlers {
	return &Handlers{Kit: k}
}
