package web

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
)

// actorResolver names the local actor a request acts as, after checking the
// caller may: an organisation's member, or the caller themself.
type actorResolver func(r *http.Request) (string, error)

// organisationActor acts as the organisation in the path.
func (s *Server) organisationActor(r *http.Request) (string, error) {
	o, err := s.memberOrganisation(r)
	return o.Slug, err
}

// organisationSettingsActor acts as the organisation in the path to change
// its settings, which only its admins (and node admins) may: the same
// check as for every other setting of an organisation (adminOrganisation).
func (s *Server) organisationSettingsActor(r *http.Request) (string, error) {
	o, err := s.adminOrganisation(r)
	return o.Slug, err
}

// personActor acts as the caller.
func (s *Server) personActor(r *http.Request) (string, error) {
	u, _ := currentUser(r)
	return u.Username, nil
}

// federationRoutes are the follow, post and inbox endpoints of an actor,
// the same for organisations (/orgs/{slug}) and people (/me); settingsOf
// checks who may change the actor's federation settings.
func (s *Server) federationRoutes(r chi.Router, actorOf, settingsOf actorResolver) {
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

func (s *Server) apiFollow(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		target, err := decodeOne(r, "target", "acct:name@host or an actor URL")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f, err := s.deps.Federation.FollowRemote(r.Context(), username, target)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, f)
	}
}

func (s *Server) apiFollows(actorOf actorResolver, followers bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		limit, offset, err := page(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		list, err := s.deps.Federation.Following(r.Context(), username, followers, limit, offset)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, items(list))
	}
}

func (s *Server) apiUnfollow(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		target := r.URL.Query().Get("target")
		if target == "" {
			s.fail(w, r, problem.Invalidf("target", "is required: the id of the followed actor"))
			return
		}
		if err := s.deps.Federation.Unfollow(r.Context(), username, target); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// apiAnswerFollower accepts or rejects a pending follower.
func (s *Server) apiAnswerFollower(actorOf actorResolver, accept bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var in struct {
			Actor string `json:"actor"`
		}
		if err := decodeJSON(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.Actor == "" {
			s.fail(w, r, problem.Invalidf("actor", "is required: the id of the follower"))
			return
		}
		f, err := s.deps.Federation.AnswerFollower(r.Context(), username, in.Actor, accept)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, f)
	}
}

// federationSettings are an actor's federation settings.
type federationSettings struct {
	ManuallyApprovesFollowers *bool `json:"manually_approves_followers"`
}

func (s *Server) apiFederationSettings(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var in federationSettings
		if err := decodeJSON(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if in.ManuallyApprovesFollowers == nil {
			s.fail(w, r, problem.Invalidf("manually_approves_followers", "is required: true or false"))
			return
		}
		if err := federation.SetManualApproval(r.Context(), s.deps.Pool, username, *in.ManuallyApprovesFollowers); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, in)
	}
}

func (s *Server) apiPost(actorOf actorResolver) http.HandlerFunc {
	return s.withPostContent(actorOf, func(w http.ResponseWriter, r *http.Request, username, content string) error {
		id, err := s.deps.Federation.Post(r.Context(), username, content)
		if err == nil {
			writeJSON(w, http.StatusCreated, map[string]string{"id": id, "key": federation.PostKey(id)})
		}
		return err
	})
}

func (s *Server) apiEditPost(actorOf actorResolver) http.HandlerFunc {
	return s.withPostContent(actorOf, func(w http.ResponseWriter, r *http.Request, username, content string) error {
		err := s.deps.Federation.EditPost(r.Context(), username, chi.URLParam(r, "key"), content)
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
		}
		return err
	})
}

// withPostContent reads a post's {"content"} for the actor the request
// acts as and hands both to do, which answers or fails.
func (s *Server) withPostContent(actorOf actorResolver, do func(w http.ResponseWriter, r *http.Request, username, content string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var in struct {
			Content string `json:"content"`
		}
		if err := decodeJSON(r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := do(w, r, username, in.Content); err != nil {
			s.fail(w, r, err)
		}
	}
}

func (s *Server) apiDeletePost(actorOf actorResolver) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.deps.Federation.DeletePost(r.Context(), username, chi.URLParam(r, "key")); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiInbox(actorOf actorResolver) http.HandlerFunc {
	return apiActorPage(s, actorOf, s.deps.Federation.Inbox)
}

func (s *Server) apiPosts(actorOf actorResolver) http.HandlerFunc {
	return apiActorPage(s, actorOf, s.deps.Federation.Posts)
}

// apiActorPage answers a page of a list that belongs to the actor the
// request acts as.
func apiActorPage[T any](s *Server, actorOf actorResolver, list func(ctx context.Context, username string, limit, offset int) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		username, err := actorOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		limit, offset, err := page(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		got, err := list(r.Context(), username, limit, offset)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, items(got))
	}
}
