package network

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/community"
	"github.com/laurelnet/laurel/web/kit"
)

// A network's profile on its kit.Page: the moderators' form that changes it
// (name, description, countries, policy, website, charter and logo), and
// the logo itself, served from this node.

// CommunityLogo serves a network's logo: the image its kit.Page shows, and
// its Group actor's icon and Open Badges Profile's image.
func (s *Handlers) CommunityLogo(w http.ResponseWriter, r *http.Request) {
	n, err := s.Deps.Communities.ByName(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	img, _, err := community.Logo(r.Context(), s.Deps.Pool, n.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	kit.WriteImage(w, img, "")
}

// moderateProfile applies the profile form of a network's kit.Page, a
// multipart form with the logo as a file (none chosen: the logo stays).
func (s *Handlers) moderateProfile(w http.ResponseWriter, r *http.Request, n community.Network) {
	r.Body = http.MaxBytesReader(w, r.Body, kit.ImageFormLimit)
	if err := r.ParseMultipartForm(kit.FormMemory); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		s.Fail(w, r, kit.BadMultipart(err))
		return
	}
	v := r.PostForm
	text := func(key string) *string {
		if _, ok := v[key]; !ok {
			return nil
		}
		t := strings.TrimSpace(v.Get(key))
		return &t
	}
	in := community.NetworkUpdate{Name: text("name"), Description: text("description"), Policy: text("policy"),
		Website: text("website"), Charter: text("charter")}
	if c := text("countries"); c != nil {
		countries := strings.FieldsFunc(*c, func(r rune) bool { return r == ',' || r == ' ' })
		in.Countries = &countries
	}
	logo, err := kit.FormImage(r, "logo")
	if err != nil {
		s.moderated(w, r, n, "", err)
		return
	}
	in.Logo = logo
	_, err = s.Deps.Communities.Update(r.Context(), n, moderatorName(r), in)
	s.moderated(w, r, n, "community.notice.profile_saved", err)
}

// CountryList is the network's countries as the profile form writes
// them.
func (p communityPage) CountryList() string { return strings.Join(p.Network.Countries, ", ") }
