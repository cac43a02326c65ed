package badges

import (
	"net/http"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/web/openbadges"
)

// badgeView is a badge of the library as its creators see it: the badge
// class's page, with links to edit and issue it and to ask partners for
// endorsements, the requests still pending and the partners it was
// shared with. (Capability: create badges.)
func (s *Handlers) badgeView(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	b, err := s.OrgBadge(r, o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	tools := &openbadges.CreatorTools{
		Edit: "/creator/" + o.Slug + "/badges/" + b.UUID + "/edit", Issue: "/issuer/" + o.Slug + "/badges/" + b.UUID,
		NewRequest: "/network/requests?org=" + o.Slug + "#new-request", Requests: "/network/requests?org=" + o.Slug,
	}
	if n := s.Deps.Network; n != nil {
		id := s.URLs().BadgeClass(b.UUID)
		pending, err := n.Requests(r.Context(), o, "outgoing", network.Pending)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		for _, q := range pending {
			if q.Subject == id {
				tools.Pending++
			}
		}
		shares, err := n.Shares(r.Context(), o, network.Given)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		for _, sh := range shares {
			if sh.Badge == id {
				tools.Shares = append(tools.Shares, sh)
			}
		}
	}
	s.openbadges.RenderBadgeClass(w, r, b, tools)
}
