package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// fromTrustedProxy makes r.RemoteAddr the client's address when the
// connection comes from a proxy in Deps.TrustedProxies (the load balancer
// of a node on several processes, docs/SCALING.md): the rightmost address
// of X-Forwarded-For that is not itself a trusted proxy. From anyone else
// the header is ignored, so that no client can choose the address its
// rate limits (login, sign-up, verify) are counted by.
func (s *Server) fromTrustedProxy(next http.Handler) http.Handler {
	if len(s.Deps.TrustedProxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if client, ok := s.forwardedClient(r); ok {
			r = r.Clone(r.Context())
			r.RemoteAddr = net.JoinHostPort(client.String(), "0")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) forwardedClient(r *http.Request) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !s.trusted(peer.Addr()) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a hop we cannot read: trust nothing further left
		}
		if !s.trusted(a.Unmap()) {
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.Deps.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
