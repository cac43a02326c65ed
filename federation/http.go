package federation

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/dbpool"
	"github.com/laurelnet/laurel/problem"
)

// ActivityJSON is the media type of ActivityPub documents we serve.
const ActivityJSON = "application/activity+json"

// Routes adds the federation endpoints to r.
func (f *Federation) Routes(r chi.Router) {
	r.Get("/.well-known/webfinger", f.webfinger)
	r.Get("/.well-known/host-meta", f.hostMeta)
	r.Get("/.well-known/nodeinfo", f.nodeinfoIndex)
	r.Get("/nodeinfo/{version:2\\.[01]}", f.nodeinfo)
	r.Get("/actors/{username}", f.actor)
	r.Post("/actors/{username}/inbox", f.inbox)
	r.Get("/actors/{username}/outbox", f.collection("outbox"))
	r.Get("/actors/{username}/followers", f.collection("followers"))
	r.Get("/actors/{username}/following", f.collection("following"))
	r.Get("/actors/{username}/activities/{id}", f.object)
	r.Get("/actors/{username}/activities/{id}/note", f.object)
	r.Post("/inbox", f.inbox)
}

// wantsActivityJSON reports whether the client asked for ActivityStreams
// JSON rather than a page: application/activity+json, or application/ld+json
// (with or without the ActivityStreams profile).
func wantsActivityJSON(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == ActivityJSON || mt == "application/ld+json") {
			return true
		}
	}
	return false
}

// writeDocument answers with a JSON document of the given media type.
func writeDocument(w http.ResponseWriter, status int, mediaType string, v any) {
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a client that went away: nothing to do
}

// writeError answers a federation request with a small JSON error: peers
// are programs, and the reason helps their operators.
func (f *Federation) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "internal error"
	if p, ok := problem.As(err); ok {
		msg = p.Error()
		switch p.Kind {
		case problem.Invalid:
			status = http.StatusBadRequest
		case problem.NotFound:
			status = http.StatusNotFound
		case problem.Conflict:
			status = http.StatusConflict
		case problem.Forbidden:
			status = http.StatusForbidden
		}
	} else if dbpool.Busy(r.Context(), err) || dbpool.Unavailable(err) {
		// Peers retry a 503 later, as they should: the database is busy
		// or restarting, and nothing is wrong with what they sent.
		f.log.Warn("federation request refused: database", "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", dbpool.RetryAfter)
		status, msg = http.StatusServiceUnavailable, "database unavailable; try again later"
	} else {
		f.log.Error("federation request failed", "path", r.URL.Path, "err", err)
	}
	writeDocument(w, status, "application/json", map[string]string{"error": msg})
}

func (f *Federation) actor(w http.ResponseWriter, r *http.Request) {
	a, p, err := f.actorAndProfile(r, chi.URLParam(r, "username"))
	if problem.Is(err, problem.NotFound) && f.tombstone(w, r, chi.URLParam(r, "username")) {
		return
	}
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	if !wantsActivityJSON(r) && p.URL != "" {
		w.Header().Set("Vary", "Accept")
		http.Redirect(w, r, p.URL, http.StatusSeeOther)
		return
	}
	if f.cfg.AuthorizedFetch && a.Kind != Application && !f.signedFetch(w, r) {
		return
	}
	doc, err := actorDocument(f.urls, f.md, a, p)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	writeDocument(w, http.StatusOK, ActivityJSON, doc)
}

// actorAndProfile finds a local actor and what the domain says of it.
func (f *Federation) actorAndProfile(r *http.Request, username string) (LocalActor, Profile, error) {
	a, err := ActorByUsername(r.Context(), f.cfg.Pool, username)
	if err != nil {
		return LocalActor{}, Profile{}, err
	}
	p, err := f.profile(r, a)
	return a, p, err
}

// profile asks the domain about a local actor; the instance actor is the
// node's own.
func (f *Federation) profile(r *http.Request, a LocalActor) (Profile, error) {
	if a.Kind == Application {
		return Profile{Name: f.urls.Host(), Summary: "The Laurel node at " + f.urls.Host(), URL: f.urls.base() + "/"}, nil
	}
	if f.cfg.Profiles == nil {
		return Profile{}, errors.New("no profile lookup configured")
	}
	return f.cfg.Profiles(r.Context(), a.Kind, a.Username)
}
