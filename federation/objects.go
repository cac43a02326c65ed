package federation

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
)

// object serves a public activity of ours at its id, and a post's Note at
// the activity id + "/note", so that servers can fetch what they were sent
// and people can open the link. Activities that were not public (Follows,
// Accepts, ...) are not served. Browsers are sent to the actor's page.
func (f *Federation) object(w http.ResponseWriter, r *http.Request) {
	username := chi.URLParam(r, "username")
	key := chi.URLParam(r, "id")
	activityID := f.urls.Actor(username) + "/activities/" + key
	note := strings.HasSuffix(r.URL.Path, "/note")
	var doc map[string]any
	err := f.cfg.Pool.QueryRow(r.Context(), `SELECT o.document FROM outbox_activity o JOIN actor a ON a.id = o.actor_id
		WHERE o.activity_id = $1 AND a.username = $2 AND o.public`, activityID, username).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		f.writeError(w, r, problem.NotFoundf("no public activity %s", activityID))
		return
	}
	if err != nil {
		f.writeError(w, r, fmt.Errorf("find activity %s: %w", activityID, err))
		return
	}
	if !wantsActivityJSON(r) {
		http.Redirect(w, r, f.urls.Actor(username), http.StatusSeeOther)
		return
	}
	if f.cfg.AuthorizedFetch && !f.signedFetch(w, r) {
		return
	}
	if note {
		obj, ok := doc["object"].(map[string]any)
		if ok && str(obj, "type") == "Tombstone" {
			obj["@context"] = asContext
			writeDocument(w, http.StatusGone, ActivityJSON, obj)
			return
		}
		if !ok || str(obj, "type") != "Note" {
			f.writeError(w, r, problem.NotFoundf("activity %s has no note", activityID))
			return
		}
		obj["@context"] = asContext
		// What others made of it, as Mastodon shows it: counts of the
		// likes, boosts and replies this node received.
		var likes, shares, replies int
		err := f.cfg.Pool.QueryRow(r.Context(), `SELECT
				(SELECT count(*) FROM post_reaction WHERE object_id = $1 AND kind = 'like'),
				(SELECT count(*) FROM post_reaction WHERE object_id = $1 AND kind = 'announce'),
				(SELECT count(*) FROM remote_post WHERE in_reply_to = $1 AND deleted_at IS NULL)`,
			str(obj, "id")).Scan(&likes, &shares, &replies)
		if err != nil {
			f.writeError(w, r, fmt.Errorf("count reactions to %s: %w", activityID, err))
			return
		}
		obj["likes"] = map[string]any{"type": "Collection", "totalItems": likes}
		obj["shares"] = map[string]any{"type": "Collection", "totalItems": shares}
		obj["replies"] = map[string]any{"type": "Collection", "totalItems": replies}
		doc = obj
	}
	writeDocument(w, http.StatusOK, ActivityJSON, doc)
}
