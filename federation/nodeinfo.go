package federation

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// nodeinfoIndex lists the NodeInfo documents we serve.
func (f *Federation) nodeinfoIndex(w http.ResponseWriter, r *http.Request) {
	base := f.urls.base()
	writeDocument(w, http.StatusOK, "application/json", map[string]any{
		"links": []map[string]string{
			{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": base + "/nodeinfo/2.0"},
			{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": base + "/nodeinfo/2.1"},
		},
	})
}

// nodeinfo serves NodeInfo 2.0 or 2.1: what software this is, which
// protocols it speaks and how many people use it.
func (f *Federation) nodeinfo(w http.ResponseWriter, r *http.Request) {
	version := chi.URLParam(r, "version")
	people, err := CountActors(r.Context(), f.cfg.Pool, Person)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	orgs, err := CountActors(r.Context(), f.cfg.Pool, Organization)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	software := map[string]any{"name": "laurel", "version": f.cfg.Version}
	if version == "2.1" {
		software["repository"] = "https://github.com/laurelnet/laurel"
		software["homepage"] = "https://github.com/laurelnet/laurel"
	}
	doc := map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string][]string{"inbound": {}, "outbound": {}},
		"openRegistrations": false,
		"usage": map[string]any{
			"users": map[string]int{"total": people},
		},
		"metadata": map[string]any{"organisations": orgs},
	}
	profile := "http://nodeinfo.diaspora.software/ns/schema/" + version + "#"
	writeDocument(w, http.StatusOK, `application/json; profile="`+profile+`"`, doc)
}
