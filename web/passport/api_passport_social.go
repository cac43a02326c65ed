package passport

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The social API of public badges: individual endorsements, requests for
// them, congratulations and comments. Under /api/v1/me the caller names a
// badge by the address of its public page, of this node or another; under
// /api/v1/people/{username}/badges/{id} by the page of a badge here.

// PassportSocialAPIRoutes registers the caller's side, under /me.
func (s *Handlers) PassportSocialAPIRoutes(r chi.Router) {
	r.Get("/endorsements", s.apiPersonEndorsements)
	r.Post("/endorsements", s.apiPersonEndorse)
	r.Put("/endorsements/{id}", s.apiEditEndorsement)
	r.Delete("/endorsements/{id}", s.apiDeleteEndorsement)
	r.Post("/endorsements/{id}/accept", s.apiAnswerEndorsement(true))
	r.Post("/endorsements/{id}/decline", s.apiAnswerEndorsement(false))
	r.Post("/congratulations", s.apiCongratulate)
	r.Post("/comments", s.apiComment)
	r.Delete("/comments/{id}", s.apiDeleteComment)
	r.Get("/endorsement-requests", s.apiEndorsementRequests)
	r.Post("/badges/{id}/endorsement-requests", s.apiAskEndorsement)
	r.Post("/endorsement-requests/{id}/decline", s.apiDeclineRequest)
}

// PeopleBadgeAPIRoutes registers the endpoints of one public badge of a
// person here, under /people/{username}/badges/{id}.
func (s *Handlers) PeopleBadgeAPIRoutes(r chi.Router) {
	r.Get("/", s.apiPublicBadge)
	r.Get("/endorsements", s.apiBadgeEndorsements)
	r.Post("/endorsement", s.apiPersonEndorse)
	r.Put("/endorsement", s.apiEditMyEndorsement)
	r.Delete("/endorsement", s.apiDeleteMyEndorsement)
	r.Post("/congratulations", s.apiCongratulateHere)
	r.Get("/comments", s.apiBadgeComments)
	r.Post("/comments", s.apiComment)
	r.Delete("/comments/{cid}", s.apiDeleteComment)
}

// socialPassport is the node's passport, which the social actions need
// (they may federate).
func (s *Handlers) socialPassport() (*passport.Passport, error) {
	if s.Deps.Passport == nil {
		return nil, errors.New("the node has no passport")
	}
	return s.Deps.Passport, nil
}

// badgeNamed is the public page of the badge a request is about: the one
// of the path under /people/{username}/badges/{id}, else the one the body
// names (under /me).
func (s *Handlers) badgeNamed(r *http.Request, inBody string) string {
	if chi.URLParam(r, "username") != "" {
		return s.pathBadgePage(r)
	}
	return inBody
}

// pathBadgePage is the public page of the badge the path names.
func (s *Handlers) pathBadgePage(r *http.Request) string {
	return passport.BadgePage(s.URLs(), chi.URLParam(r, "username"), chi.URLParam(r, "id"))
}

func (s *Handlers) apiPersonEndorsements(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	q := r.URL.Query()
	var list []passport.Endorsement
	var err error
	switch q.Get("direction") {
	case "", "received":
		list, err = passport.EndorsementsReceived(r.Context(), s.Deps.Pool, u.ID, q.Get("state"))
	case "given":
		list, err = passport.EndorsementsGiven(r.Context(), s.Deps.Pool, u.ID)
	default:
		err = problem.Invalidf("direction", "must be received or given")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

// endorseBody is what endorsing and editing take.
type endorseBody struct {
	Badge   string `json:"badge"` // the badge's public page (under /me)
	Comment string `json:"comment"`
}

// apiPersonEndorse endorses a badge: the one the body names (under /me) or
// the one of the path (under /people/{username}/badges/{id}).
func (s *Handlers) apiPersonEndorse(w http.ResponseWriter, r *http.Request) {
	var in endorseBody
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	e, err := p.Endorse(r.Context(), u, s.badgeNamed(r, in.Badge), in.Comment)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", e.ID)
	kit.WriteJSON(w, http.StatusCreated, e)
}

func (s *Handlers) apiEditEndorsement(w http.ResponseWriter, r *http.Request) {
	s.editEndorsementAPI(w, r, chi.URLParam(r, "id"))
}

func (s *Handlers) editEndorsementAPI(w http.ResponseWriter, r *http.Request, id string) {
	u, _ := kit.CurrentUser(r)
	var in endorseBody
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.socialPassport()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	e, err := p.EditEndorsement(r.Context(), u, id, in.Comment)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, e)
}

// myEndorsementHere is the caller's endorsement of the badge of the path.
func (s *Handlers) myEndorsementHere(r *http.Request) (passport.Endorsement, error) {
	u, _ := kit.CurrentUser(r)
	e, found, err := passport.EndorsementOfBadge(r.Context(), s.Deps.Pool, u.ID, s.pathBadgePage(r))
	if err == nil && !found {
		err = problem.NotFoundf("you do not endorse this badge")
	}
	return e, err
}

func (s *Handlers) apiEditMyEndorsement(w http.ResponseWriter, r *http.Request) {
	e, err := s.myEndorsementHere(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.editEndorsementAPI(w, r, e.UUID)
}

func (s *Handlers) apiDeleteEndorsement(w http.ResponseWriter, r *http.Request) {
	s.deleteEndorsementAPI(w, r, chi.URLParam(r, "id"))
}

func (s *Handlers) apiDeleteMyEndorsement(w http.ResponseWriter, r *http.Request) {
	e, err := s.myEndorsementHere(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.deleteEndorsementAPI(w, r, e.UUID)
}

func (s *Handlers) deleteEndorsementAPI(w http.ResponseWriter, r *http.Request, id string) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.DeleteEndorsement(r.Context(), u, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiAnswerEndorsement(accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, _ := kit.CurrentUser(r)
		p, err := s.socialPassport()
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		e, err := p.AnswerEndorsement(r.Context(), u, chi.URLParam(r, "id"), accept)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, e)
	}
}

// socialBadgeBody names a badge by its public page.
type socialBadgeBody struct {
	Badge string `json:"badge"`
}

func (s *Handlers) apiCongratulate(w http.ResponseWriter, r *http.Request) {
	var in socialBadgeBody
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.congratulateAPI(w, r, in.Badge)
}

func (s *Handlers) apiCongratulateHere(w http.ResponseWriter, r *http.Request) {
	s.congratulateAPI(w, r, s.pathBadgePage(r))
}

func (s *Handlers) congratulateAPI(w http.ResponseWriter, r *http.Request, page string) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err == nil {
		err = p.Congratulate(r.Context(), u, page)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// commentBody is a comment to write.
type commentBody struct {
	Badge   string `json:"badge"` // the badge's public page (under /me)
	Content string `json:"content"`
}

// apiComment comments on a badge: the one the body names (under /me) or
// the one of the path.
func (s *Handlers) apiComment(w http.ResponseWriter, r *http.Request) {
	var in commentBody
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	c, err := p.AddComment(r.Context(), u, s.badgeNamed(r, in.Badge), in.Content)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, c)
}

func (s *Handlers) apiDeleteComment(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	// Under /people/{username}/badges/{id} the comment is {cid}: {id} is
	// the badge there.
	id := chi.URLParam(r, "cid")
	if id == "" {
		id = chi.URLParam(r, "id")
	}
	p, err := s.socialPassport()
	if err == nil {
		err = p.DeleteComment(r.Context(), u, id)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) apiEndorsementRequests(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var asked bool
	switch r.URL.Query().Get("direction") {
	case "", "sent":
	case "received":
		asked = true
	default:
		s.Fail(w, r, problem.Invalidf("direction", "must be sent or received"))
		return
	}
	list, err := passport.Requests(r.Context(), s.Deps.Pool, u.ID, asked)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) apiAskEndorsement(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	var in passport.AskInput
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.socialPassport()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	req, err := p.Ask(r.Context(), u, chi.URLParam(r, "id"), in, s.Deps.MailEnabled)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, req)
}

func (s *Handlers) apiDeclineRequest(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	p, err := s.socialPassport()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	req, err := p.DeclineRequest(r.Context(), u, chi.URLParam(r, "id"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, req)
}

// publicBadgeJSON is a public badge with what people did with it, as the
// API shows it to a logged-in visitor.
type publicBadgeJSON struct {
	Page            string                 `json:"page"`
	AssertionID     string                 `json:"assertion_id"`
	BadgeName       string                 `json:"badge_name"`
	IssuerName      string                 `json:"issuer_name"`
	Earner          string                 `json:"earner"`
	IssuedOn        *time.Time             `json:"issued_on,omitempty"`
	Congratulations int                    `json:"congratulations"`
	Congratulated   bool                   `json:"congratulated"` // by the caller
	Endorsements    []passport.Endorsement `json:"endorsements"`  // accepted ones
	MyEndorsement   *passport.Endorsement  `json:"my_endorsement,omitempty"`
	Comments        int                    `json:"comments"`
}

// pathPublicItem is the public badge of the path.
func (s *Handlers) pathPublicItem(r *http.Request) (passport.Item, error) {
	return passport.PublicItem(r.Context(), s.Deps.Pool, chi.URLParam(r, "username"), chi.URLParam(r, "id"))
}

func (s *Handlers) apiPublicBadge(w http.ResponseWriter, r *http.Request) {
	u, _ := kit.CurrentUser(r)
	it, err := s.pathPublicItem(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	out := publicBadgeJSON{Page: s.pathBadgePage(r), AssertionID: it.AssertionID, BadgeName: it.BadgeName,
		IssuerName: it.IssuerName, Earner: s.Deps.BaseURL.JoinPath("actors", chi.URLParam(r, "username")).String(),
		IssuedOn: it.IssuedOn}
	if out.Congratulations, out.Congratulated, err = passport.Congratulations(ctx, s.Deps.Pool, it.ID, u.ID); err == nil {
		out.Endorsements, err = passport.EndorsementsOf(ctx, s.Deps.Pool, it.ID, passport.Accepted)
	}
	if err == nil {
		var mine passport.Endorsement
		var found bool
		if mine, found, err = passport.EndorsementOfBadge(ctx, s.Deps.Pool, u.ID, out.Page); found {
			out.MyEndorsement = &mine
		}
	}
	if err == nil {
		_, out.Comments, err = passport.Comments(ctx, s.Deps.Pool, it.ID, 1, 0)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if out.Endorsements == nil {
		out.Endorsements = []passport.Endorsement{}
	}
	kit.WriteJSON(w, http.StatusOK, out)
}

func (s *Handlers) apiBadgeEndorsements(w http.ResponseWriter, r *http.Request) {
	it, err := s.pathPublicItem(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := passport.EndorsementsOf(r.Context(), s.Deps.Pool, it.ID, passport.Accepted)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

// commentsJSON is a page of comments and how many there are.
type commentsJSON struct {
	Items []passport.Comment `json:"items"`
	Total int                `json:"total"`
}

func (s *Handlers) apiBadgeComments(w http.ResponseWriter, r *http.Request) {
	it, err := s.pathPublicItem(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	limit, offset, err := kit.Page(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, total, err := passport.Comments(r.Context(), s.Deps.Pool, it.ID, limit, offset)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if list == nil {
		list = []passport.Comment{}
	}
	kit.WriteJSON(w, http.StatusOK, commentsJSON{Items: list, Total: total})
}
