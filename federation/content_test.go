package federation

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

// fakeMastodon is a server on 127.0.0.1 with Mastodon's shapes: WebFinger
// for its users, their actor documents (id /users/NAME, key ACTOR#main-key,
// a shared inbox), and inboxes that keep what they are sent.
type fakeMastodon struct {
	srv   *httptest.Server
	users []string
	mu    sync.Mutex
	got   []map[string]any
}

func newFakeMastodon(t *testing.T, users ...string) *fakeMastodon {
	t.Helper()
	key, err := signature.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := signature.EncodePublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeMastodon{users: users}
	known := func(name string) bool {
		for _, u := range users {
			if u == name {
				return true
			}
		}
		return false
	}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/.well-known/webfinger":
			name, host, _ := strings.Cut(strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:"), "@")
			if !known(name) || host != r.Host {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/jrd+json")
			json.NewEncoder(w).Encode(map[string]any{
				"subject": "acct:" + name + "@" + r.Host,
				"links": []any{
					map[string]any{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": base + "/@" + name},
					map[string]any{"rel": "self", "type": "application/activity+json", "href": base + "/users/" + name},
				},
			})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/users/"):
			name := strings.TrimPrefix(r.URL.Path, "/users/")
			if !known(name) {
				http.NotFound(w, r)
				return
			}
			id := base + "/users/" + name
			w.Header().Set("Content-Type", "application/activity+json")
			json.NewEncoder(w).Encode(map[string]any{
				"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
				"id":       id, "type": "Person", "preferredUsername": name, "name": strings.ToUpper(name),
				"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
				"endpoints": map[string]any{"sharedInbox": base + "/inbox"},
				"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": pem},
			})
		case r.Method == http.MethodPost && (r.URL.Path == "/inbox" || strings.HasSuffix(r.URL.Path, "/inbox")):
			body, _ := io.ReadAll(r.Body)
			var doc map[string]any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Errorf("fake Mastodon: %v in %s", err, body)
			}
			m.mu.Lock()
			m.got = append(m.got, doc)
			m.mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *fakeMastodon) host() string             { return strings.TrimPrefix(m.srv.URL, "http://") }
func (m *fakeMastodon) actor(name string) string { return m.srv.URL + "/users/" + name }

func (m *fakeMastodon) received() []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]map[string]any(nil), m.got...)
}

// newContentFixture is a node on plain http (as test and LAN nodes are,
// so that WebFinger is asked over http) whose deliveries are worked, with
// the profiles given.
func newContentFixture(t *testing.T, profiles ProfileLookup) *deliveryFixture {
	t.Helper()
	pool := testkit.DB(t)
	base, _ := url.Parse("http://laurel.test")
	f := New(Config{
		Base: base, Pool: pool, Profiles: profiles,
		Client: egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second}),
	})
	if _, err := AddActor(context.Background(), pool, fixtureActor, Organization, "username"); err != nil {
		t.Fatal(err)
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	f.SetJobs(c)
	fx := &deliveryFixture{t: t, pool: pool, f: f, client: c}
	fx.start(2)
	return fx
}

// note is the object of the one Create a fake server received.
func note(t *testing.T, m *fakeMastodon) map[string]any {
	t.Helper()
	waitFor(t, "the delivery", func() bool { return len(m.received()) > 0 })
	got := m.received()
	if len(got) != 1 {
		t.Fatalf("received %d activities, want 1: %v", len(got), got)
	}
	obj, ok := got[0]["object"].(map[string]any)
	if !ok || got[0]["type"] != "Create" || obj["type"] != "Note" {
		t.Fatalf("received %v, want Create{Note}", got[0])
	}
	return obj
}

// TestPostContent: what Mastodon reads of a post written in Markdown: HTML
// content with bold, a clickable bare link, a mention as an h-card link
// with its Mention tag, script gone; the Markdown in source; the mentioned
// actor in cc and delivered to; a handle that does not resolve is text.
func TestPostContent(t *testing.T) {
	m := newFakeMastodon(t, "bea", "fol")
	fx := newContentFixture(t, nil)
	hamk := fx.f.urls.Actor(fixtureActor)
	cacheRemoteActor(t, fx, m.actor("fol"), m.actor("fol")+"/inbox", m.srv.URL+"/inbox", "")
	addFollow(t, fx, m.actor("fol"), hamk, "accepted")

	source := "We now issue **ESCO-aligned** badges: https://obf.example/x\n\n" +
		"Welcome @bea@" + m.host() + " and @ghost@" + m.host() + "!<script>alert(1)</script>"
	id, err := fx.f.Post(context.Background(), fixtureActor, source)
	if err != nil {
		t.Fatal(err)
	}
	obj := note(t, m) // one delivery: the follower and Bea share an inbox
	bea := m.actor("bea")
	wantContent := `<p>We now issue <strong>ESCO-aligned</strong> badges: ` +
		`<a href="https://obf.example/x" rel="nofollow noopener noreferrer">https://obf.example/x</a></p>` + "\n" +
		`<p>Welcome <span class="h-card"><a href="` + bea + `" class="u-url mention" rel="nofollow noopener noreferrer">@<span>bea</span></a></span>` +
		` and @ghost@` + m.host() + `!</p>`
	if obj["id"] != id || obj["content"] != wantContent {
		t.Errorf("content\n got %v\nwant %s", obj["content"], wantContent)
	}
	if want := map[string]any{"content": source, "mediaType": "text/markdown"}; !reflect.DeepEqual(obj["source"], want) {
		t.Errorf("source = %v, want %v", obj["source"], want)
	}
	wantTag := []any{map[string]any{"type": "Mention", "href": bea, "name": "@bea@" + m.host()}}
	if !reflect.DeepEqual(obj["tag"], wantTag) {
		t.Errorf("tag = %v, want %v", obj["tag"], wantTag)
	}
	wantCC := []any{fx.f.urls.Followers(fixtureActor), bea}
	if !reflect.DeepEqual(obj["cc"], wantCC) || !reflect.DeepEqual(obj["to"], []any{asPublic}) {
		t.Errorf("to %v cc %v, want cc %v", obj["to"], obj["cc"], wantCC)
	}
	// Bea is no follower: she is delivered to because she is mentioned.
	var inboxes []string
	rows, _ := fx.pool.Query(context.Background(), `SELECT inbox FROM delivery`)
	inboxes, _ = pgx.CollectRows(rows, pgx.RowTo[string])
	if !reflect.DeepEqual(inboxes, []string{m.srv.URL + "/inbox"}) {
		t.Errorf("delivered to %v", inboxes)
	}
}

// TestPostMentionsWithoutFollowers: a mentioned actor gets the post even
// when the poster has no followers; a local actor is linked and tagged
// but not delivered to.
func TestPostMentionsWithoutFollowers(t *testing.T) {
	m := newFakeMastodon(t, "bea")
	fx := newContentFixture(t, nil)
	if _, err := AddActor(context.Background(), fx.pool, "ada", Person, "username"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.f.Post(context.Background(), fixtureActor, "Hi @bea@"+m.host()+" and @ada@laurel.test"); err != nil {
		t.Fatal(err)
	}
	obj := note(t, m)
	tags, _ := obj["tag"].([]any)
	if len(tags) != 2 || !strings.Contains(obj["content"].(string), `href="http://laurel.test/actors/ada" class="u-url mention"`) {
		t.Errorf("tag %v content %v", obj["tag"], obj["content"])
	}
}

// TestPostRefused: what a post may not be, each a 400 on content.
func TestPostRefused(t *testing.T) {
	fx := newContentFixture(t, nil)
	for name, source := range map[string]string{
		"empty":       "  \n ",
		"too long":    strings.Repeat("x", MaxPostLength+1),
		"only script": "<script>alert(1)</script>",
		"only style":  "<style>p{}</style>",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := fx.f.Post(context.Background(), fixtureActor, source)
			var pe *problem.Error
			if !errors.As(err, &pe) || pe.Kind != problem.Invalid || pe.Field != "content" {
				t.Errorf("Post(%.20q) = %v, want invalid content", source, err)
			}
		})
	}
	if _, err := fx.f.Post(context.Background(), fixtureActor, strings.Repeat("é", MaxPostLength)); err != nil {
		t.Errorf("a post of MaxPostLength characters: %v", err)
	}
}

// TestBadgeMentionShape: the badge-award mention as GoToSocial and
// Mastodon read it: the badge's image as an Image attachment (a bare Link
// attachment is dropped by GoToSocial), the assertion as a Link in tag and
// the badge page as a link in the text.
func TestBadgeMentionShape(t *testing.T) {
	m := newFakeMastodon(t, "eva")
	fx := newContentFixture(t, nil)
	ctx := context.Background()
	eva := m.actor("eva")
	if _, err := fx.f.RemoteActor(ctx, eva, false); err != nil {
		t.Fatal(err)
	}
	msg := Message{
		Text:  "ALPHA has awarded you the badge **Robotics**:",
		Link:  "https://a.example/badges/5cde",
		Image: &Image{URL: "https://a.example/ob/badges/b1/image", MediaType: "image/png", Name: "Robotics"},
		Links: []Link{{Href: "https://a.example/ob/assertions/5cde", MediaType: "application/ld+json", Name: "Open Badges assertion"}},
	}
	if err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
		return fx.f.Mention(ctx, tx, fixtureActor, eva, msg)
	}); err != nil {
		t.Fatal(err)
	}
	obj := note(t, m)
	wantContent := `<p><span class="h-card"><a href="` + eva + `" class="u-url mention" rel="nofollow noopener noreferrer">@<span>eva</span></a></span>` +
		` ALPHA has awarded you the badge <strong>Robotics</strong>: ` +
		`<a href="https://a.example/badges/5cde" rel="nofollow noopener noreferrer">https://a.example/badges/5cde</a></p>`
	if obj["content"] != wantContent {
		t.Errorf("content\n got %v\nwant %s", obj["content"], wantContent)
	}
	wantAttachment := []any{map[string]any{"type": "Image", "mediaType": "image/png",
		"url": "https://a.example/ob/badges/b1/image", "name": "Robotics"}}
	if !reflect.DeepEqual(obj["attachment"], wantAttachment) {
		t.Errorf("attachment = %v, want %v", obj["attachment"], wantAttachment)
	}
	wantTag := []any{
		map[string]any{"type": "Mention", "href": eva, "name": "@eva@" + m.host()},
		map[string]any{"type": "Link", "href": "https://a.example/ob/assertions/5cde", "mediaType": "application/ld+json", "name": "Open Badges assertion"},
	}
	if !reflect.DeepEqual(obj["tag"], wantTag) {
		t.Errorf("tag = %v, want %v", obj["tag"], wantTag)
	}
	src, _ := obj["source"].(map[string]any)
	if src["mediaType"] != "text/markdown" || src["content"] != "@eva@"+m.host()+" "+msg.Text+" "+msg.Link {
		t.Errorf("source = %v", obj["source"])
	}
	if !reflect.DeepEqual(obj["to"], []any{eva}) || !reflect.DeepEqual(obj["cc"], []any{}) {
		t.Errorf("to %v cc %v: not a direct mention", obj["to"], obj["cc"])
	}
}

// TestActorSummaryIsHTML: a profile's summary, written in Markdown, is HTML
// in the actor document (Mastodon's profile note), the Markdown in source.
func TestActorSummaryIsHTML(t *testing.T) {
	summary := "We issue **open badges**.\nSee https://hamk.example/badges <img src=x onerror=alert(1)>"
	fx := newContentFixture(t, func(context.Context, Kind, string) (Profile, error) {
		return Profile{Name: "HAMK", Summary: summary}, nil
	})
	r := chi.NewRouter()
	fx.f.Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/actors/"+fixtureActor, nil)
	req.Header.Set("Accept", ActivityJSON)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	want := `<p>We issue <strong>open badges</strong>.<br>` + "\n" +
		`See <a href="https://hamk.example/badges" rel="nofollow noopener noreferrer">https://hamk.example/badges</a> </p>`
	if doc["summary"] != want {
		t.Errorf("summary\n got %v\nwant %s", doc["summary"], want)
	}
	if src := map[string]any{"content": summary, "mediaType": "text/markdown"}; !reflect.DeepEqual(doc["source"], src) {
		t.Errorf("source = %v", doc["source"])
	}
}

// TestPostMessageShape: a public post with a badge (a person announcing
// it) carries the image as an Image attachment, the assertion as a Link in
// the tag and the page as a link in the text; an image of unknown type has
// no mediaType.
func TestPostMessageShape(t *testing.T) {
	m := newFakeMastodon(t, "fol")
	fx := newContentFixture(t, nil)
	cacheRemoteActor(t, fx, m.actor("fol"), m.actor("fol")+"/inbox", "", "")
	addFollow(t, fx, m.actor("fol"), fx.f.urls.Actor(fixtureActor), "accepted")
	_, err := fx.f.PostMessage(context.Background(), fixtureActor, Message{
		Text:  "I earned the badge **Welding** from HAMK:",
		Link:  "http://laurel.test/u/bea/badges/4f1c",
		Image: &Image{URL: "https://issuer.example/welding.png", Name: "Welding"},
		Links: []Link{{Href: "https://issuer.example/assertions/1", MediaType: "application/ld+json", Name: "Open Badges assertion"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	obj := note(t, m)
	if c, _ := obj["content"].(string); !strings.Contains(c, `<strong>Welding</strong> from HAMK: <a href="http://laurel.test/u/bea/badges/4f1c" rel="nofollow noopener noreferrer">`) {
		t.Errorf("content %s", c)
	}
	if want := []any{map[string]any{"type": "Image", "url": "https://issuer.example/welding.png", "name": "Welding"}}; !reflect.DeepEqual(obj["attachment"], want) {
		t.Errorf("attachment = %v, want %v", obj["attachment"], want)
	}
	if want := []any{map[string]any{"type": "Link", "href": "https://issuer.example/assertions/1", "mediaType": "application/ld+json", "name": "Open Badges assertion"}}; !reflect.DeepEqual(obj["tag"], want) {
		t.Errorf("tag = %v, want %v", obj["tag"], want)
	}
}
