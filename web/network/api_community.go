package network

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/issuer"
	"github.com/laurelnet/laurel/network"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// Regional badge networks (package community): founding one, an
// organisation's memberships, and a network's public profile, members
// and moderation.

// CommunityOrgRoutes are an organisation's network routes, under
// /api/v1/orgs/{slug}.
func (s *Handlers) CommunityOrgRoutes(r chi.Router) {
	r.Post("/networks", s.apiFoundNetwork)
	r.Get("/memberships", s.WithOrgFor(account.Endorse, s.apiMemberships))
	r.Post("/memberships", s.apiJoinNetwork)
	r.Delete("/memberships/{id}", s.apiLeaveNetwork)
	r.Post("/network-posts", s.apiShareWithNetwork)
	r.Get("/network-feed", s.WithOrgFor(account.Endorse, s.apiNetworkFeed))
	r.Get("/recommended-alignments", s.WithOrgFor(account.CreateBadges, s.apiRecommendedAlignments))
}

// CommunityPublicRoutes are a network's public routes, under
// /api/v1/networks/{name}, for anyone.
func (s *Handlers) CommunityPublicRoutes(r chi.Router) {
	r.Get("/", s.apiNetwork)
	r.Get("/members", s.apiNetworkMembers)
	r.Get("/recognitions", s.apiRecognitions)
	r.Get("/alignments", s.apiNetworkAlignments)
}

// CommunityModeratorRoutes are a network's moderation routes, under
// /api/v1/networks/{name}, for its moderators.
func (s *Handlers) CommunityModeratorRoutes(r chi.Router) {
	r.Get("/applications", s.withNetwork(s.apiApplications))
	r.Post("/applications/{id}/accept", s.withNetwork(s.apiAnswerApplication(true)))
	r.Post("/applications/{id}/decline", s.withNetwork(s.apiAnswerApplication(false)))
	r.Delete("/members/{id}", s.withNetwork(s.apiRemoveMember))
	r.Patch("/", s.withNetwork(s.apiUpdateNetwork))
	r.Post("/moderators", s.withNetwork(s.apiAppointModerator))
	r.Delete("/moderators/{slug}", s.withNetwork(s.apiDismissModerator))
	r.Post("/invitations", s.withNetwork(s.apiInvite))
	r.Post("/alignments", s.withNetwork(func(w http.ResponseWriter, r *http.Request, n community.Network) {
		s.esco.APISaveAlignment(w, r, n.Organisation)
	}))
	r.Delete("/alignments/{id}", s.withNetwork(func(w http.ResponseWriter, r *http.Request, n community.Network) {
		s.esco.APIDeleteAlignment(w, r, n.Organisation)
	}))
	r.Post("/recognitions", s.withNetwork(s.apiRecognise))
	r.Get("/proposals", s.withNetwork(s.apiProposals))
	r.Get("/decisions", s.withNetwork(s.apiDecisions))
	r.Post("/proposals/{id}/accept", s.withNetwork(s.apiAnswerProposal(true)))
	r.Post("/proposals/{id}/decline", s.withNetwork(s.apiAnswerProposal(false)))
	r.Delete("/recognitions/{id}", s.withNetwork(s.apiWithdrawRecognition))
}

// networkJSON is a network as the API shows it to anyone.
type networkJSON struct {
	Slug        string   `json:"slug"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Countries   []string `json:"countries"`
	Policy      string   `json:"policy"`
	Website     string   `json:"website,omitempty"`
	Charter     string   `json:"charter,omitempty"`
	Actor       string   `json:"actor"`
	Handle      string   `json:"handle"`
	Logo        string   `json:"logo,omitempty"` // its Group actor's icon
	Profile     string   `json:"profile"`        // its Open Badges issuer Profile
	FoundedBy   string   `json:"founded_by,omitempty"`
	Moderators  []string `json:"moderators"`
	Members     int      `json:"members"`
	FoundedAt   string   `json:"founded_at"`
}

func (s *Handlers) networkJSON(r *http.Request, n community.Network) (networkJSON, error) {
	mods, err := community.Moderators(r.Context(), s.Deps.Pool, n.ID)
	if err != nil {
		return networkJSON{}, err
	}
	count, err := community.CountMembers(r.Context(), s.Deps.Pool, n.ID)
	if err != nil {
		return networkJSON{}, err
	}
	return networkJSON{Slug: n.Slug, Name: n.Name, Description: n.Description, Countries: n.Countries, Policy: n.Policy,
		Website: n.URL, Charter: n.Charter, Actor: n.Actor, Handle: n.Handle, Logo: n.ImageURL, Profile: s.URLs().Profile(n.Slug),
		FoundedBy: n.FoundedBy, Moderators: nonNilStrings(mods), Members: count, FoundedAt: n.Founded.UTC().Format("2006-01-02T15:04:05Z")}, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Handlers) apiFoundNetwork(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in community.NewNetwork
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := s.Deps.Communities.Found(r.Context(), o, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out, err := s.networkJSON(r, n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handlers) apiNetwork(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out, err := s.networkJSON(r, n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

// memberJSON is a member as anyone sees it.
type memberJSON struct {
	ID       int64  `json:"id"`
	Actor    string `json:"actor"`
	Name     string `json:"name"`
	Country  string `json:"country"`
	Handle   string `json:"handle"`
	Profile  string `json:"profile,omitempty"`
	JoinedAt string `json:"joined_at,omitempty"`
}

func membersJSON(ms []community.Member) []memberJSON {
	out := make([]memberJSON, 0, len(ms))
	for _, m := range ms {
		j := memberJSON{ID: m.ID, Actor: m.Actor, Name: m.Name, Country: m.Country, Handle: m.Handle, Profile: m.Profile}
		if m.DecidedAt != nil {
			j.JoinedAt = m.DecidedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		out = append(out, j)
	}
	return out
}

func (s *Handlers) apiNetworkMembers(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	ms, err := community.Members(r.Context(), s.Deps.Pool, n.ID, community.Accepted, limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(membersJSON(ms)))
}

// withNetwork runs h for the network of the path, once the caller is
// known to moderate it (or is a node admin).
func (s *Handlers) withNetwork(h func(http.ResponseWriter, *http.Request, community.Network)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		u, _ := kit.CurrentUser(r)
		ok := u.NodeAdmin
		if !ok {
			if ok, err = community.IsModerator(r.Context(), s.Deps.Pool, n.ID, u.ID); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
		if !ok {
			s.Fail(w, r, problem.Forbiddenf("only the moderators of %s may do this", n.Slug))
			return
		}
		h(w, r, n)
	}
}

func (s *Handlers) apiApplications(w http.ResponseWriter, r *http.Request, n community.Network) {
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	ms, err := s.Deps.Communities.Applications(r.Context(), n, r.URL.Query().Get("state"), limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(ms))
}

// pathID reads the numeric {id} of the path.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, problem.NotFoundf("no such id %q", chi.URLParam(r, "id"))
	}
	return id, nil
}

func (s *Handlers) apiAnswerApplication(accept bool) func(http.ResponseWriter, *http.Request, community.Network) {
	return func(w http.ResponseWriter, r *http.Request, n community.Network) {
		id, err := pathID(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		m, err := s.Deps.Communities.Answer(r.Context(), n, moderatorName(r), id, accept)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, m)
	}
}

func (s *Handlers) apiRemoveMember(w http.ResponseWriter, r *http.Request, n community.Network) {
	id, err := pathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.Deps.Communities.Remove(r.Context(), n, moderatorName(r), id); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiMemberships(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	ms, err := community.Memberships(r.Context(), s.Deps.Pool, o.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(ms))
}

func (s *Handlers) apiJoinNetwork(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	target, err := kit.DecodeOne(r, "network", "the network's handle, acct:name@host")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	m, err := s.Deps.Communities.Join(r.Context(), o, target)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, m)
}

func (s *Handlers) apiLeaveNetwork(w http.ResponseWriter, r *http.Request) {
	o, err := s.AdminOrganisation(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.Deps.Communities.Leave(r.Context(), o, id); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// MembersCollection serves a network's members as an ActivityStreams
// OrderedCollection, a page of 100 at a time, each member an object with
// its name and country (what another node's directory shows): the target
// of the Add and Remove activities that announce changes.
func (s *Handlers) MembersCollection(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "username"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	const perPage = 100
	id := n.Actor + "/members"
	total, err := community.CountMembers(r.Context(), s.Deps.Pool, n.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	doc := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "OrderedCollection", "totalItems": total}
	if p := r.URL.Query().Get("page"); p == "" {
		doc["first"] = id + "?page=1"
	} else {
		num, err := strconv.Atoi(p)
		if err != nil || num < 1 || num > 100000 {
			s.Fail(w, r, problem.Invalidf("page", "must be a page number from 1"))
			return
		}
		ms, err := community.Members(r.Context(), s.Deps.Pool, n.ID, community.Accepted, perPage, (num-1)*perPage)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		doc["type"], doc["id"], doc["partOf"], doc["orderedItems"] = "OrderedCollectionPage", id+"?page="+p, id, community.MemberObjects(ms)
		doc["@context"] = community.MembersContext()
		if num*perPage < total {
			doc["next"] = id + "?page=" + strconv.Itoa(num+1)
		}
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", federation.ActivityJSON)
	_ = json.NewEncoder(w).Encode(doc) // the client went away; nothing to do
}

func (s *Handlers) apiShareWithNetwork(w http.ResponseWriter, r *http.Request) {
	o, err := s.OrganisationFor(r, account.Endorse)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in struct {
		Network string `json:"network"`
		Content string `json:"content"`
		Badge   string `json:"badge"` // the uuid of a badge class to publish to the network
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.Network == "" {
		s.Fail(w, r, problem.Invalidf("network", "is required: the network's handle, acct:name@host"))
		return
	}
	id, err := s.Deps.Communities.Share(r.Context(), o, in.Network, in.Content, in.Badge)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (s *Handlers) apiNetworkFeed(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := community.Feed(r.Context(), s.Deps.Pool, o.ID, limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiRecognitions(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := s.Deps.Communities.Recognitions(r.Context(), n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiRecognise(w http.ResponseWriter, r *http.Request, n community.Network) {
	var in struct {
		Subject string `json:"subject"`
		Comment string `json:"comment"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	e, err := s.Deps.Communities.Recognise(r.Context(), n, moderatorName(r), in.Subject, in.Comment)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, e)
}

func (s *Handlers) apiWithdrawRecognition(w http.ResponseWriter, r *http.Request, n community.Network) {
	e, err := s.Deps.Communities.Withdraw(r.Context(), n, moderatorName(r), chi.URLParam(r, "id"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, e)
}

func (s *Handlers) apiInvite(w http.ResponseWriter, r *http.Request, n community.Network) {
	target, err := kit.DecodeOne(r, "handle", "the organisation's handle, acct:name@host")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	m, err := s.Deps.Communities.Invite(r.Context(), n, moderatorName(r), target)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, m)
}

func (s *Handlers) apiUpdateNetwork(w http.ResponseWriter, r *http.Request, n community.Network) {
	var in community.NetworkUpdate
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := s.Deps.Communities.Update(r.Context(), n, moderatorName(r), in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.apiNetworkAfterChange(w, r, n, http.StatusOK)
}

func (s *Handlers) apiAppointModerator(w http.ResponseWriter, r *http.Request, n community.Network) {
	slug, err := kit.DecodeOne(r, "organisation", "the slug of a member organisation of this node")
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.Deps.Communities.Appoint(r.Context(), n, moderatorName(r), slug); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.apiNetworkAfterChange(w, r, n, http.StatusCreated)
}

func (s *Handlers) apiDismissModerator(w http.ResponseWriter, r *http.Request, n community.Network) {
	if err := s.Deps.Communities.Dismiss(r.Context(), n, moderatorName(r), chi.URLParam(r, "slug")); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.apiNetworkAfterChange(w, r, n, http.StatusOK)
}

// apiNetworkAfterChange answers with the network as it is now.
func (s *Handlers) apiNetworkAfterChange(w http.ResponseWriter, r *http.Request, n community.Network, status int) {
	out, err := s.networkJSON(r, n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, status, out)
}

// apiNetworkAlignments lists the alignments a network recommends (public:
// its members' nodes read them).
func (s *Handlers) apiNetworkAlignments(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.esco.APIAlignments(w, r, n.Organisation)
}

func (s *Handlers) apiRecommendedAlignments(w http.ResponseWriter, r *http.Request, o issuer.Organisation) {
	list, unreachable, err := s.Deps.Communities.Recommended(r.Context(), o)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []community.Recommendation{}
	}
	if unreachable == nil {
		unreachable = []string{}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "unreachable": unreachable})
}

func (s *Handlers) apiProposals(w http.ResponseWriter, r *http.Request, n community.Network) {
	list, err := s.Deps.Communities.Proposals(r.Context(), n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiAnswerProposal(accept bool) func(http.ResponseWriter, *http.Request, community.Network) {
	return func(w http.ResponseWriter, r *http.Request, n community.Network) {
		var in struct {
			Comment string `json:"comment"`
		}
		if accept {
			if err := kit.DecodeJSON(r, &in); err != nil {
				s.Fail(w, r, err)
				return
			}
		}
		var q network.Request
		var err error
		if accept {
			q, err = s.Deps.Communities.AcceptProposal(r.Context(), n, moderatorName(r), chi.URLParam(r, "id"), in.Comment)
		} else {
			q, err = s.Deps.Communities.DeclineProposal(r.Context(), n, moderatorName(r), chi.URLParam(r, "id"))
		}
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, q)
	}
}

// moderatorName names the moderator acting, for the network's log.
func moderatorName(r *http.Request) string {
	u, _ := kit.CurrentUser(r)
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

func (s *Handlers) apiDecisions(w http.ResponseWriter, r *http.Request, n community.Network) {
	list, err := community.Decisions(r.Context(), s.Deps.Pool, n.ID, 200)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}
