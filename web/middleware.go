package web

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/laurelnet/laurel/passport"
	"github.com/laurelnet/laurel/web/applications"
)

// logRequests writes one structured line per request.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.Log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
			slog.String("request_id", middleware.GetReqID(r.Context())),
		)
	})
}

// recoverPanics turns a panic in a handler into a logged 500, so one bad
// request cannot take the process down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // the server's own signal to abort the response
			}
			s.Log.Error("panic in handler", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()),
				"request_id", middleware.GetReqID(r.Context()))
			s.ServerError(w, r)
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBodies caps every request body at MaxBodyBytes: reading past it fails,
// and handlers answer 413 (see decodeJSON and parseForm).
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.bodyLimit(r)
		if r.ContentLength > limit {
			s.Problem(w, r, http.StatusRequestEntityTooLarge, "", "request body too large")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// largeBodies are the routes that take more than --max-body-bytes: a
// passport export being imported (the import reads it with its own limits).
// Applications with their files (applications.IsUpload) may too.
var largeBodies = map[string]int64{
	"/passport/import":         passport.MaxImportBytes + 1<<20,
	"/api/v1/me/badges/import": passport.MaxImportBytes + 1<<20,
}

// bodyLimit is the largest body r may send.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if n, ok := largeBodies[r.URL.Path]; ok && r.Method == http.MethodPost {
		return max(n, s.Deps.MaxBodyBytes)
	}
	if applications.IsUpload(r) {
		return max(applications.MaxUploadBytes, s.Deps.MaxBodyBytes)
	}
	return s.Deps.MaxBodyBytes
}
