package kit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/laurelnet/laurel/dbpool"
)

// BoundDBWaits marks every request so that its waits for a database
// connection are bounded (see dbpool.Bounded): a request the pool cannot
// serve in time is answered 503 rather than left hanging.
func (s *Kit) BoundDBWaits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(dbpool.Bounded(r.Context())))
	})
}

// databaseTrouble says why err means the database cannot serve this
// request now (busy or unreachable), or "" when it does not. A lost
// connection that might be a peer's is confirmed with a ping.
func (s *Kit) databaseTrouble(r *http.Request, err error) string {
	switch {
	case dbpool.Busy(r.Context(), err):
		return "the database is busy: no connection was free in time"
	case dbpool.Unavailable(err):
		return "the database is unavailable"
	case dbpool.MaybeUnavailable(err) && s.Deps.Pool != nil:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Second)
		defer cancel()
		if s.Deps.Pool.Ping(ctx) != nil {
			return "the database is unavailable"
		}
	}
	return ""
}

// problemDocument is an RFC 9457 problem details body. It also carries
// the "error" member every other API error has, for clients that read
// that.
type problemDocument struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Error  struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	} `json:"error"`
}

// unavailable answers 503 with Retry-After: problem+json on the API, a
// page elsewhere. The cause is logged at warning level, not as a failure
// of ours: it passes when PostgreSQL is back or the burst is over.
func (s *Kit) unavailable(w http.ResponseWriter, r *http.Request, why string, err error) {
	s.Log.Warn("request refused: database", "method", r.Method, "path", r.URL.Path, "why", why, "err", err)
	w.Header().Set("Retry-After", dbpool.RetryAfter)
	message := fmt.Sprintf("%s; try again in %s seconds", why, dbpool.RetryAfter)
	if isAPI(r) {
		doc := problemDocument{Type: "about:blank", Title: "Database unavailable", Status: http.StatusServiceUnavailable, Detail: message}
		doc.Error.Status, doc.Error.Message = doc.Status, message
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(doc) // the client went away: nothing to do
		return
	}
	s.Render(w, r, http.StatusServiceUnavailable, "error", PageData{Title: "kit.status.503",
		Message: s.localizer(r).T("kit.database_unavailable", "Why", why)})
}
