package network_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/laurelnet/laurel/web/webtest"
)

// TestNetworkTabsInTheReadersLanguage: the shared, shared-with-us, invite
// and regional-networks tabs, and the notice after a form, are written in
// the reader's language (here their browser's), and in English by default.
func TestNetworkTabsInTheReadersLanguage(t *testing.T) {
	f := webtest.StartNode(t)
	c := f.Login(t, "staff@example.org")
	for _, tc := range []struct {
		lang, path string
		want       []string
	}{
		{"fi", "/network/shared?org=tampere-uni", []string{"Jaa merkki", "ei ole vielä jakanut merkkiä"}},
		{"sv", "/network/shared-with-us?org=tampere-uni", []string{"Ingen partner har delat något märke med Tampere University än."}},
		{"fr", "/network/external?org=tampere-uni", []string{"Inviter quelqu&#39;un à nous recommander", "Nos invitations", "pendant 14 jours"}},
		{"fi", "/network/networks?org=tampere-uni", []string{"Liity verkostoon", "Perusta verkosto", "Ne, jotka moderaattorit hyväksyvät"}},
		{"", "/network/networks?org=tampere-uni", []string{"Join a network", "Found the network"}},
	} {
		status, body, _ := f.Do(t, c, http.MethodGet, tc.path, nil, map[string]string{"Accept-Language": tc.lang})
		if status != http.StatusOK {
			t.Fatalf("%s in %q = %d", tc.path, tc.lang, status)
		}
		webtest.Contains(t, tc.path+" in "+tc.lang, body, tc.want...)
	}

	// A notice is written in the language of the one who sent the form.
	post := map[string]string{"Accept-Language": "sv"}
	for k, v := range webtest.FormPost {
		post[k] = v
	}
	status, _, hdr := f.Do(t, c, http.MethodPost, tamperePost+"/notifications/read", strings.NewReader(""), post)
	if status != http.StatusSeeOther {
		t.Fatalf("marking read = %d, want 303", status)
	}
	_, body, _ := f.Do(t, c, http.MethodGet, hdr.Get("Location"), nil, map[string]string{"Accept-Language": "sv"})
	webtest.Contains(t, "the notice after marking read, in Swedish", body, "Alla aviseringar för Tampere University är markerade som lästa.")
}
