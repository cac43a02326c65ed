// Package esco serves alignments to ESCO skills and occupations: the badge
// editor's picker pages, the search API, an organisation's saved alignments
// and the queue of alignments to review.
package esco

import (
	"github.com/laurelnet/laurel/esco"
	"github.com/laurelnet/laurel/web/kit"
)

// Handlers are the ESCO pages and API. They share the Kit of the other handler
// packages.
type Handlers struct {
	*kit.Kit
	// esco searches ESCO, falling back to the local store.
	esco *esco.Service
}

// New returns the handlers on k.
func New(k *kit.Kit) *Handlers {
	return &Handlers{Kit: k, esco: esco.NewService(esco.ServiceConfig{Client: k.Deps.ESCO, DB: k.Deps.Pool, Logger: k.Deps.Logger})}
}
