package admin

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/web/kit"
)

// The node admins' API: the domain policy (blocks, and the allowlist of
// --federation-mode allowlist), which federation owns.

// RequireNodeAdminAPI lets node admins through and answers 403 to other
// users (anonymous callers have been answered 401 by requireUserAPI).
func (s *Handlers) RequireNodeAdminAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := kit.CurrentUser(r); !u.NodeAdmin {
			s.Fail(w, r, problem.Forbiddenf("only node admins may do this"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostParam is the {host} of the path, decoded (a client may escape the
// brackets of an IPv6 address).
func hostParam(r *http.Request) (string, error) {
	h, err := url.PathUnescape(chi.URLParam(r, "host"))
	if err != nil {
		return "", problem.Invalidf("host", "is not a valid path segment")
	}
	return h, nil
}

func (s *Handlers) APIDomainBlocks(w http.ResponseWriter, r *http.Request) {
	list, err := federation.DomainBlocks(r.Context(), s.Deps.Pool)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) APIBlockDomain(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host   string `json:"host"`
		Reason string `json:"reason"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	host, err := federation.NormalizeHost(in.Host)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// Written and read back in one transaction, so the answer is the
	// entry as stored, with its created_at. Blocking a blocked host again
	// replaces its reason.
	var out federation.DomainBlock
	err = pgx.BeginFunc(r.Context(), s.Deps.Pool, func(tx pgx.Tx) error {
		if err := federation.BlockDomain(r.Context(), tx, host, in.Reason); err != nil {
			return err
		}
		out, err = federation.DomainBlockOf(r.Context(), tx, host)
		return err
	})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handlers) APIUnblockDomain(w http.ResponseWriter, r *http.Request) {
	host, err := hostParam(r)
	if err == nil {
		err = federation.UnblockDomain(r.Context(), s.Deps.Pool, host)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handlers) APIDomainAllows(w http.ResponseWriter, r *http.Request) {
	list, err := federation.AllowedDomains(r.Context(), s.Deps.Pool)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, kit.Items(list))
}

func (s *Handlers) APIAllowDomain(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host string `json:"host"`
	}
	if err := kit.DecodeJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	host, err := federation.NormalizeHost(in.Host)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var out federation.DomainAllow
	err = pgx.BeginFunc(r.Context(), s.Deps.Pool, func(tx pgx.Tx) error {
		if err := federation.AllowDomain(r.Context(), tx, host); err != nil {
			return err
		}
		out, err = federation.DomainAllowOf(r.Context(), tx, host)
		return err
	})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, out)
}

func (s *Handlers) APIDisallowDomain(w http.ResponseWriter, r *http.Request) {
	host, err := hostParam(r)
	if err == nil {
		err = federation.DisallowDomain(r.Context(), s.Deps.Pool, host)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
