package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
)

// collectionPageSize is how many items one page of a collection holds.
const collectionPageSize = 20

// collection serves an actor's outbox, followers or following as a paged
// OrderedCollection: without ?page the collection with its total and a link
// to the first page, with ?page=N that page, newest items first. Pages are
// read with LIMIT, so a large collection is never loaded whole.
func (f *Federation) collection(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		username := chi.URLParam(r, "username")
		a, err := ActorByUsername(ctx, f.cfg.Pool, username)
		if err != nil {
			f.writeError(w, r, err)
			return
		}
		if f.cfg.AuthorizedFetch && !f.signedFetch(w, r) {
			return
		}
		self := f.urls.Actor(a.Username)
		id := self + "/" + kind
		total, err := f.countCollection(r, kind, self, a.ID)
		if err != nil {
			f.writeError(w, r, err)
			return
		}
		raw := r.URL.Query().Get("page")
		if raw == "" {
			doc := map[string]any{"@context": asContext, "id": id, "type": "OrderedCollection", "totalItems": total}
			if total > 0 {
				doc["first"] = id + "?page=1"
			}
			writeDocument(w, http.StatusOK, ActivityJSON, doc)
			return
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			f.writeError(w, r, problem.Invalidf("page", "must be a page number from 1"))
			return
		}
		items, err := f.collectionPage(r, kind, self, a.ID, (n-1)*collectionPageSize)
		if err != nil {
			f.writeError(w, r, err)
			return
		}
		doc := map[string]any{
			"@context": asContext, "id": fmt.Sprintf("%s?page=%d", id, n), "type": "OrderedCollectionPage",
			"partOf": id, "totalItems": total, "orderedItems": items,
		}
		if n*collectionPageSize < total {
			doc["next"] = fmt.Sprintf("%s?page=%d", id, n+1)
		}
		if n > 1 {
			doc["prev"] = fmt.Sprintf("%s?page=%d", id, n-1)
		}
		writeDocument(w, http.StatusOK, ActivityJSON, doc)
	}
}

// Only public activities and accepted follows are ever shown.
const (
	outboxWhere    = `FROM outbox_activity WHERE actor_id = $1 AND public`
	followersWhere = `FROM follow WHERE followee = $1 AND state = 'accepted'`
	followingWhere = `FROM follow WHERE follower = $1 AND state = 'accepted'`
)

func (f *Federation) countCollection(r *http.Request, kind, self string, actorID int64) (int, error) {
	var (
		total int
		err   error
	)
	switch kind {
	case "outbox":
		err = f.cfg.Pool.QueryRow(r.Context(), `SELECT count(*) `+outboxWhere, actorID).Scan(&total)
	case "followers":
		err = f.cfg.Pool.QueryRow(r.Context(), `SELECT count(*) `+followersWhere, self).Scan(&total)
	case "following":
		err = f.cfg.Pool.QueryRow(r.Context(), `SELECT count(*) `+followingWhere, self).Scan(&total)
	}
	if err != nil {
		return 0, fmt.Errorf("count %s of %s: %w", kind, self, err)
	}
	return total, nil
}

func (f *Federation) collectionPage(r *http.Request, kind, self string, actorID int64, offset int) ([]any, error) {
	var (
		rows pgx.Rows
		err  error
	)
	switch kind {
	case "outbox":
		rows, err = f.cfg.Pool.Query(r.Context(), `SELECT document `+outboxWhere+` ORDER BY id DESC LIMIT $2 OFFSET $3`,
			actorID, collectionPageSize, offset)
	case "followers":
		rows, err = f.cfg.Pool.Query(r.Context(), `SELECT to_jsonb(follower) `+followersWhere+` ORDER BY id DESC LIMIT $2 OFFSET $3`,
			self, collectionPageSize, offset)
	case "following":
		rows, err = f.cfg.Pool.Query(r.Context(), `SELECT to_jsonb(followee) `+followingWhere+` ORDER BY id DESC LIMIT $2 OFFSET $3`,
			self, collectionPageSize, offset)
	}
	if err != nil {
		return nil, fmt.Errorf("page of %s of %s: %w", kind, self, err)
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("page of %s of %s: %w", kind, self, err)
	}
	items := make([]any, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &items[i]); err != nil {
			return nil, fmt.Errorf("page of %s of %s: %w", kind, self, err)
		}
	}
	return items, nil
}

// signedFetch checks the signature of a GET when authorized fetch is on,
// answering 401 itself when it fails. A blocked server's signature is
// refused like any bad one.
func (f *Federation) signedFetch(w http.ResponseWriter, r *http.Request) bool {
	res, err := signature.Verify(r, nil, time.Now(), f.urls.Base, f.lookupKey)
	if err == nil {
		blocked, berr := f.refused(r.Context(), f.cfg.Pool, hostOf(res.Owner))
		if berr == nil && !blocked {
			return true
		}
		err = errors.Join(berr, errors.New("blocked domain"))
	}
	w.Header().Set("WWW-Authenticate", `Signature realm="laurel",headers="(request-target) host date"`)
	writeDocument(w, http.StatusUnauthorized, "application/json", map[string]string{"error": "this node requires signed fetches: " + err.Error()})
	return false
}
