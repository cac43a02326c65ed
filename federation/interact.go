package federation

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/laurelnet/laurel/problem"
)

// subscribeRel is the WebFinger link whose template is a server's page for
// following (or otherwise interacting with) a remote account: Mastodon,
// Pleroma and Misskey publish it.
const subscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// RemoteFollowURL is where to send a person who, on a page of this node,
// gives their own fediverse handle to follow uri (an actor here): their
// server's subscribe page from WebFinger, else Mastodon's
// /authorize_interaction on their host. Problems are reported on the
// field "handle".
func (f *Federation) RemoteFollowURL(ctx context.Context, handle, uri string) (string, error) {
	handle = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(handle), "acct:"), "@")
	name, host, ok := strings.Cut(handle, "@")
	if !ok || name == "" || host == "" || strings.ContainsAny(host, "/?#@ ") || strings.ContainsAny(name, "/?# ") {
		return "", problem.Invalidf("handle", "must be your handle, such as name@mastodon.social")
	}
	scheme := f.cfg.Base.Scheme // a node on plain http is a test or LAN node: its peers are too
	fallback := scheme + "://" + host + "/authorize_interaction?uri=" + url.QueryEscape(uri)
	body, resp, err := f.cfg.Client.Get(ctx, scheme+"://"+host+"/.well-known/webfinger?resource=acct:"+url.QueryEscape(handle),
		"application/jrd+json, application/json")
	if err != nil {
		return "", problem.Invalidf("handle", "cannot reach %s: %v", host, err)
	}
	if resp.StatusCode == 404 {
		return "", problem.Invalidf("handle", "%s does not know %s", host, handle)
	}
	var doc jrd
	if resp.StatusCode != 200 || json.Unmarshal(body, &doc) != nil {
		return fallback, nil
	}
	for _, l := range doc.Links {
		if l.Rel == subscribeRel && strings.Contains(l.Template, "{uri}") {
			target := strings.Replace(l.Template, "{uri}", url.QueryEscape(uri), 1)
			if u, err := url.Parse(target); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				return target, nil
			}
		}
	}
	return fallback, nil
}
