package network

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// Sharing with a whole regional network (package community): a badge
// class offered to every member, and endorsements shared with the
// network's feed.

// apiShareBadgeWithNetwork offers the badge of the path to the network
// named (the share API's "network", beside its "targets"): 200 with the
// one result, as a share with partners answers; a problem (not a member)
// is the answer's status.
func (s *Handlers) apiShareBadgeWithNetwork(w http.ResponseWriter, r *http.Request, o issuer.Organisation, target string, targets []string, mode string) {
	if len(targets) > 0 {
		s.Fail(w, r, problem.Invalidf("network", "share with partners (targets) or with a network, not both at once"))
		return
	}
	sh, err := s.Deps.Communities.ShareBadge(r.Context(), o, chi.URLParam(r, "uuid"), target, mode)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items([]network.ShareResult{{Target: target, Share: &sh}}))
}

// checkEndorsementNetworks checks, before an endorsement is made, that o
// belongs to every network it is to be shared with.
func (s *Handlers) checkEndorsementNetworks(r *http.Request, o issuer.Organisation, networks []string) error {
	if len(networks) > 20 {
		return problem.Invalidf("networks", "name at most 20 networks")
	}
	return s.Deps.Communities.CheckMember(r.Context(), o, networks)
}

// shareEndorsement shares e, just made by o, with each of networks.
func (s *Handlers) shareEndorsement(r *http.Request, o issuer.Organisation, networks []string, e network.Endorsement) error {
	for _, n := range networks {
		if _, err := s.Deps.Communities.ShareEndorsement(r.Context(), o, n, e); err != nil {
			return problem.Rename(err, "networks", "network")
		}
	}
	return nil
}

// networkShareWithNetwork answers the Shared tab's form when it offers
// the badge to a network of ours rather than to partners.
func (s *Handlers) networkShareWithNetwork(w http.ResponseWriter, r *http.Request, o issuer.Organisation, f networkForm, target string, targets []string) {
	if len(targets) > 0 {
		s.networkProblem(w, r, o, tabShared, f, problem.Invalidf("network", "offer the badge to partners or to a network, not both at once"))
		return
	}
	sh, err := s.Deps.Communities.ShareBadge(r.Context(), o, f.Badge, target, f.Mode)
	if err != nil {
		s.networkProblem(w, r, o, tabShared, f, err)
		return
	}
	s.doneNetwork(w, r, o, tabShared, kit.Notice{Text: s.T(r, "netnotice.offered_to_network", "Badge", sh.BadgeName,
		"Mode", modeText(s.Localizer(r), f.Mode), "Name", sh.ReceiverName)})
}
