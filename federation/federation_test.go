package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/laurelnet/laurel/federation"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// server runs the federation routes over real HTTP, with one organisation
// and one person.
func server(t *testing.T) (*httptest.Server, *federation.Federation) {
	t.Helper()
	pool := testkit.DB(t)
	ctx := context.Background()
	for _, a := range []struct {
		name string
		kind federation.Kind
	}{{"hamk", federation.Organization}, {"ada", federation.Person}} {
		if _, err := federation.AddActor(ctx, pool, a.name, a.kind, "username"); err != nil {
			t.Fatal(err)
		}
	}
	var fed *federation.Federation
	r := chi.NewRouter()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	fed = federation.New(federation.Config{
		Base: base, Pool: pool, Version: "test",
		Profiles: func(ctx context.Context, kind federation.Kind, username string) (federation.Profile, error) {
			return federation.Profile{Name: "Name of " + username, Summary: "About " + username,
				URL: srv.URL + "/pages/" + username, IconURL: srv.URL + "/static/" + username + ".png"}, nil
		},
	})
	fed.Routes(r)
	return srv, fed
}

func get(t *testing.T, rawURL, accept string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func TestActorDocument(t *testing.T) {
	srv, fed := server(t)
	for _, tc := range []struct {
		username, kind, accept string
	}{
		{"hamk", "Organization", "application/activity+json"},
		{"ada", "Person", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`},
		{federation.InstanceUsername, "Application", "application/activity+json, text/html;q=0.5"},
	} {
		t.Run(tc.username, func(t *testing.T) {
			id := fed.URLs().Actor(tc.username)
			status, hdr, body := get(t, id, tc.accept)
			if status != 200 || hdr.Get("Content-Type") != federation.ActivityJSON {
				t.Fatalf("GET %s = %d %s: %s", id, status, hdr.Get("Content-Type"), body)
			}
			var doc struct {
				Context           []any  `json:"@context"`
				ID                string `json:"id"`
				Type              string `json:"type"`
				PreferredUsername string `json:"preferredUsername"`
				Name              string `json:"name"`
				Inbox, Outbox     string
				Followers         string
				Following         string
				URL               string `json:"url"`
				Endpoints         struct {
					SharedInbox string `json:"sharedInbox"`
				} `json:"endpoints"`
				ManuallyApprovesFollowers *bool `json:"manuallyApprovesFollowers"`
				PublicKey                 struct {
					ID, Owner, PublicKeyPem string
				} `json:"publicKey"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("actor document: %v\n%s", err, body)
			}
			if doc.ID != id || doc.Type != tc.kind || doc.PreferredUsername != tc.username {
				t.Errorf("id %q type %q preferredUsername %q; want %q %q %q", doc.ID, doc.Type, doc.PreferredUsername, id, tc.kind, tc.username)
			}
			if doc.Inbox != id+"/inbox" || doc.Outbox != id+"/outbox" || doc.Followers != id+"/followers" ||
				doc.Following != id+"/following" || doc.Endpoints.SharedInbox != srv.URL+"/inbox" {
				t.Errorf("collections: %+v", doc)
			}
			if doc.ManuallyApprovesFollowers == nil {
				t.Errorf("manuallyApprovesFollowers missing")
			}
			if doc.PublicKey.ID != id+"#main-key" || doc.PublicKey.Owner != id {
				t.Errorf("publicKey id %q owner %q", doc.PublicKey.ID, doc.PublicKey.Owner)
			}
			if _, err := signature.ParsePublicKey(doc.PublicKey.PublicKeyPem); err != nil {
				t.Errorf("publicKeyPem: %v", err)
			}
			if strings.Contains(string(body), "PRIVATE KEY") {
				t.Fatalf("the actor document leaks the private key")
			}
			if !strings.Contains(fmt.Sprint(doc.Context), "https://www.w3.org/ns/activitystreams") ||
				!strings.Contains(fmt.Sprint(doc.Context), "https://w3id.org/security/v1") {
				t.Errorf("@context %v lacks the ActivityStreams or security context", doc.Context)
			}
		})
	}
}

func TestActorContentNegotiation(t *testing.T) {
	srv, fed := server(t)
	status, hdr, _ := get(t, fed.URLs().Actor("hamk"), "text/html,application/xhtml+xml")
	if status != http.StatusSeeOther || hdr.Get("Location") != srv.URL+"/pages/hamk" {
		t.Fatalf("browser GET actor = %d to %q, want 303 to the profile page", status, hdr.Get("Location"))
	}
	if status, _, _ := get(t, fed.URLs().Actor("nobody"), "application/activity+json"); status != 404 {
		t.Fatalf("unknown actor = %d, want 404", status)
	}
}

func TestWebFinger(t *testing.T) {
	srv, fed := server(t)
	host := fed.URLs().Host()
	for _, resource := range []string{
		"acct:hamk@" + host, "hamk@" + host, "acct:HAMK@" + strings.ToUpper(host), fed.URLs().Actor("hamk"),
	} {
		status, hdr, body := get(t, srv.URL+"/.well-known/webfinger?resource="+url.QueryEscape(resource), "")
		if status != 200 || hdr.Get("Content-Type") != "application/jrd+json" {
			t.Fatalf("webfinger %q = %d %s: %s", resource, status, hdr.Get("Content-Type"), body)
		}
		var doc struct {
			Subject string
			Links   []struct{ Rel, Type, Href string }
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Subject != "acct:hamk@"+host {
			t.Errorf("webfinger %q subject %q", resource, doc.Subject)
		}
		self := ""
		for _, l := range doc.Links {
			if l.Rel == "self" && l.Type == federation.ActivityJSON {
				self = l.Href
			}
		}
		if self != fed.URLs().Actor("hamk") {
			t.Errorf("webfinger %q self link %q, want the actor id", resource, self)
		}
	}
	for resource, want := range map[string]int{
		"":                                   400,
		"acct:hamk":                          400,
		"acct:hamk@elsewhere.test":           404,
		"acct:nobody@" + host:                404,
		"https://elsewhere.test/actors/hamk": 404,
	} {
		if status, _, body := get(t, srv.URL+"/.well-known/webfinger?resource="+url.QueryEscape(resource), ""); status != want {
			t.Errorf("webfinger %q = %d %s, want %d", resource, status, body, want)
		}
	}
}

func TestHostMetaAndNodeInfo(t *testing.T) {
	srv, _ := server(t)
	status, _, body := get(t, srv.URL+"/.well-known/host-meta", "")
	if status != 200 || !strings.Contains(string(body), srv.URL+"/.well-known/webfinger?resource={uri}") {
		t.Fatalf("host-meta = %d %s", status, body)
	}
	status, _, body = get(t, srv.URL+"/.well-known/nodeinfo", "")
	var index struct{ Links []struct{ Rel, Href string } }
	if status != 200 || json.Unmarshal(body, &index) != nil || len(index.Links) != 2 {
		t.Fatalf("nodeinfo index = %d %s", status, body)
	}
	for _, l := range index.Links {
		status, hdr, body := get(t, l.Href, "")
		var doc struct {
			Version   string
			Software  struct{ Name string }
			Protocols []string
			Usage     struct{ Users struct{ Total int } }
		}
		if status != 200 || json.Unmarshal(body, &doc) != nil {
			t.Fatalf("GET %s = %d %s", l.Href, status, body)
		}
		if !strings.HasSuffix(l.Href, doc.Version) || doc.Software.Name != "laurel" ||
			len(doc.Protocols) != 1 || doc.Protocols[0] != "activitypub" || doc.Usage.Users.Total != 1 {
			t.Errorf("nodeinfo %s: %+v", l.Href, doc)
		}
		if !strings.Contains(hdr.Get("Content-Type"), "nodeinfo.diaspora.software/ns/schema/"+doc.Version) {
			t.Errorf("nodeinfo content type %q", hdr.Get("Content-Type"))
		}
	}
}

func TestActorKeys(t *testing.T) {
	pool := testkit.DB(t)
	ctx := context.Background()
	if _, err := federation.AddActor(ctx, pool, "hamk", federation.Organization, "slug"); err != nil {
		t.Fatal(err)
	}
	if _, err := federation.AddActor(ctx, pool, "hamk", federation.Person, "username"); err == nil ||
		!strings.Contains(err.Error(), "already taken") {
		t.Fatalf("second actor with the same handle: %v, want a conflict", err)
	}
	// The instance actor comes from a migration without a key: it gets one
	// on first use, and keeps it.
	a, err := federation.ActorByUsername(ctx, pool, federation.InstanceUsername)
	if err != nil || a.PublicKeyPEM == "" {
		t.Fatalf("instance actor: %+v, %v", a, err)
	}
	key, err := federation.SigningKey(ctx, pool, federation.InstanceUsername)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := signature.ParsePublicKey(a.PublicKeyPEM)
	if !key.PublicKey.Equal(pub) {
		t.Fatalf("signing key does not match the published key")
	}
	again, _ := federation.ActorByUsername(ctx, pool, federation.InstanceUsername)
	if again.PublicKeyPEM != a.PublicKeyPEM {
		t.Fatalf("the instance actor's key changed between uses")
	}
}
