package federation

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/account"
	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// actorResolver names the local actor a request acts as, after checking the
// caller may: an organisation's member, or the caller themself.
type actorResolver func(r *http.Request) (string, error)

// OrganisationActor acts as the organisation in the path.
func (s *Handlers) OrganisationActor(r *http.Request) (string, error) {
	o, err := s.OrganisationFor(r, account.Endorse)
	return o.Slug, err
}

// OrganisationSettingsActor acts as the organisation in the path to change
// its settings, which only its admins (and node admins) may: the same
// check as for every other setting of an organisation (adminOrganisation).
func (s *Handlers) OrganisationSettingsActor(r *http.Request) (string, error) {
	o, err := s.AdminOrganisation(r)
	return o.Slug, err
}

// PersonActor acts as the caller.
func (s *Handlers) PersonActor(r *http.Request) (string, error) {
	u, _ := kit.CurrentUser(r)
	return u.Username, nil
}

// FederationRoutes are the follow, post and inbox endpoints of an actor,
// the same for organisations (/orgs/{slug}) and people (/me); settingsOf
// checks who may change the actor's federation settings.
func (s *Handlers) FederationRoutes(r chi.Router, actorOf, settingsOf actorResolver) {
	r.Post("/following", s.apiFollow(actorOf))
	r.Get("/following", s.apiFollows(actorOf, false))
	r.Delete("/following", s.apiUnfollow(actorOf))
	r.Get("/followers", s.apiFollows(actorOf, true))
	r.Post("/followers/accept", s.apiAnswerFollower(actorOf, true))
	r.Post("/followers/reject", s.apiAnswerFollower(actorOf, false))
	r.Put("/federation", s.apiFederationSettings(settingsOf))
	r.Post("/posts", s.apiPost(actorOf))
	r.Get("/posts", s.apiPosts(actorOf))
	r.Put("/posts/{key}", s.apiEditPost(actorOf))
	r.Delete("/posts/{key}", s.apiDeletePost(actorOf))
	r.Get("/inbox", s.apiInbox(actorOf))
}

func (s *Handlers) apiFollow(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		target, err := kit.DecodeOne(r, "target", "acct:name@host or an actor URL")
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		f, err := s.Deps.Federation.FollowRemote(r.Context(), username, target)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusAccepted, f)
	}
}

func (s *Handlers) apiFollows(actorOf actorResolver, followers bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		limit, offset, err := kit.Page(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		list, err := s.Deps.Federation.Following(r.Context(), username, followers, limit, offset)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, kit.Items(list))
	}
}

func (s *Handlers) apiUnfollow(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		target := r.URL.Query().Get("target")
		if target == "" {
			s.Fail(w, r, problem.Invalidf("target", "is required: the id of the followed actor"))
			return
		}
		if err := s.Deps.Federation.Unfollow(r.Context(), username, target); err != nil {
			s.Fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// apiAnswerFollower accepts or rejects a pending follower.
func (s *Handlers) apiAnswerFollower(actorOf actorResolver, accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		var in struct {
			Actor string `json:"actor"`
		}
		if err := kit.DecodeJSON(r, &in); err != nil {
			s.Fail(w, r, err)
			return
		}
		if in.Actor == "" {
			s.Fail(w, r, problem.Invalidf("actor", "is required: the id of the follower"))
			return
		}
		f, err := s.Deps.Federation.AnswerFollower(r.Context(), username, in.Actor, accept)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, f)
	}
}

// federationSettings are an actor's federation settings.
type federationSettings struct {
	ManuallyApprovesFollowers *bool `json:"manually_approves_followers"`
}

func (s *Handlers) apiFederationSettings(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		var in federationSettings
		if err := kit.DecodeJSON(r, &in); err != nil {
			s.Fail(w, r, err)
			return
		}
		if in.ManuallyApprovesFollowers == nil {
			s.Fail(w, r, problem.Invalidf("manually_approves_followers", "is required: true or false"))
			return
		}
		if err := federation.SetManualApproval(r.Context(), s.Deps.Pool, username, *in.ManuallyApprovesFollowers); err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, in)
	}
}

func (s *Handlers) apiPost(actorOf actorResolver) http.HandlerFunc {
	return s.withPostContent(actorOf, func(w http.ResponseWriter, r *http.Request, username, content string) error {
		id, err := s.Deps.Federation.Post(r.Context(), username, content)
		if err == nil {
			kit.WriteJSON(w, http.StatusCreated, map[string]string{"id": id, "key": federation.PostKey(id)})
		}
		return err
	})
}

func (s *Handlers) apiEditPost(actorOf actorResolver) http.HandlerFunc {
	return s.withPostContent(actorOf, func(w http.ResponseWriter, r *http.Request, username, content string) error {
		err := s.Deps.Federation.EditPost(r.Context(), username, chi.URLParam(r, "key"), content)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

// withPostContent reads a post's {"content"} for the actor the request
// acts as and hands both to do, which answers or fails.
func (s *Handlers) withPostContent(actorOf actorResolver, do func(w http.ResponseWriter, r *http.Request, username, content string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		var in struct {
			Content string `json:"content"`
		}
		if err := kit.DecodeJSON(r, &in); err != nil {
			s.Fail(w, r, err)
			return
		}
		if err := do(w, r, username, in.Content); err != nil {
			s.Fail(w, r, err)
		}
	}
}

func (s *Handlers) apiDeletePost(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if err := s.Deps.Federation.DeletePost(r.Context(), username, chi.URLParam(r, "key")); err != nil {
			s.Fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Handlers) apiInbox(actorOf actorResolver) http.HandlerFunc {
	return apiActorPage(s, actorOf, s.Deps.Federation.Inbox)
}

func (s *Handlers) apiPosts(actorOf actorResolver) http.HandlerFunc {
	return apiActorPage(s, actorOf, s.Deps.Federation.Posts)
}

// apiActorPage answers a page of a list that belongs to the actor the
// request acts as.
func apiActorPage[T any](s *Handlers, actorOf actorResolver, list func(ctx context.Context, username string, limit, offset int) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		limit, offset, err := kit.Page(r)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		got, err := list(r.Context(), username, limit, offset)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		kit.WriteJSON(w, http.StatusOK, kit.Items(got))
	}
}
