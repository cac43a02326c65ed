package federation

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/laurelnet/laurel/problem"
)

// jrd is a JSON Resource Descriptor (RFC 7033).
type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// webfinger resolves acct:username@host, or an actor URL, to the actor. The
// subject is always the acct: form, so that Mastodon's round trip
// (preferredUsername@host back to the same id) holds.
func (f *Federation) webfinger(w http.ResponseWriter, r *http.Request) {
	resource := r.URL.Query().Get("resource")
	username, err := f.usernameOfResource(resource)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	a, p, err := f.actorAndProfile(r, username)
	if err != nil {
		f.writeError(w, r, err)
		return
	}
	id := f.urls.Actor(a.Username)
	doc := jrd{
		Subject: "acct:" + f.urls.Handle(a.Username),
		Aliases: []string{id},
		Links:   []jrdLink{{Rel: "self", Type: ActivityJSON, Href: id}},
	}
	if p.URL != "" {
		doc.Aliases = append(doc.Aliases, p.URL)
		doc.Links = append(doc.Links, jrdLink{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: p.URL})
	}
	writeDocument(w, http.StatusOK, "application/jrd+json", doc)
}

// usernameOfResource accepts acct:user@host (with or without the scheme, a
// leading @, and any case of the host) and this node's actor URLs.
func (f *Federation) usernameOfResource(resource string) (string, error) {
	if resource == "" {
		return "", problem.Invalidf("resource", "is required, e.g. acct:name@%s", f.urls.Host())
	}
	if strings.HasPrefix(resource, "http://") || strings.HasPrefix(resource, "https://") {
		if name := f.urls.UsernameOf(resource); name != "" {
			return name, nil
		}
		return "", problem.NotFoundf("%s is not an actor of this node", resource)
	}
	handle := strings.TrimPrefix(strings.TrimPrefix(resource, "acct:"), "@")
	name, host, ok := strings.Cut(handle, "@")
	if !ok || name == "" {
		return "", problem.Invalidf("resource", "must look like acct:name@%s", f.urls.Host())
	}
	if !strings.EqualFold(host, f.urls.Host()) {
		return "", problem.NotFoundf("%s is not on this node (%s)", resource, f.urls.Host())
	}
	return strings.ToLower(name), nil
}

// hostMeta points XRD clients to the WebFinger endpoint.
func (f *Federation) hostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="%s/.well-known/webfinger?resource={uri}"/>
</XRD>
`, f.urls.base())
}
