package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/laurelnet/laurel/web/kit"
)

// TestForwardedClient: X-Forwarded-For names the client only when the
// connection comes from a trusted proxy, and then only up to the first
// hop that is not one of them: a client cannot pick its own address.
func TestForwardedClient(t *testing.T) {
	s := &Server{Kit: &kit.Kit{Deps: Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}}}}
	tests := []struct {
		name, peer string
		xff        []string
		want       string // "" for: keep the peer
	}{
		{"no proxies in between", "203.0.113.7:5555", nil, ""},
		{"header from an untrusted peer is ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, ""},
		{"from the proxy", "10.0.0.5:40000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a client's forged hop stays left of the real one", "10.0.0.5:40000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"through two trusted proxies", "10.0.0.5:40000", []string{"198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"several header lines", "10.0.0.5:40000", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"from the proxy with no header", "10.0.0.5:40000", nil, ""},
		{"an unreadable hop", "10.0.0.5:40000", []string{"198.51.100.1, garbage"}, ""},
		{"IPv6 client", "10.0.0.5:40000", []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			got, ok := s.forwardedClient(r)
			if tt.want == "" {
				if ok {
					t.Fatalf("client %s, want the peer kept", got)
				}
				return
			}
			if !ok || got.String() != tt.want {
				t.Fatalf("client %v (%v), want %s", got, ok, tt.want)
			}
		})
	}
}
