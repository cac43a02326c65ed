package node_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laurelnet/laurel/federation/signature"
)

// fakeServer is another fediverse server on a loopback address, speaking
// as GoToSocial or Mastodon do: it serves its users' actor documents and
// key documents in that server's shape, answers WebFinger, serves the
// posts it has, records what is delivered to it, and sends signed
// activities. It is not Laurel: the shapes are those the real servers
// send (see docs/FEDERATION.md).
type fakeServer struct {
	t     *testing.T
	srv   *httptest.Server
	base  string
	shape string // "gotosocial" or "mastodon"

	mu       sync.Mutex
	users    map[string]*fakeUser
	objects  map[string]map[string]any // served at their ids
	received []map[string]any
}

type fakeUser struct {
	name, display string
	key           *rsa.PrivateKey
}

// startFakeServer starts a fake server of the given shape on ip.
func startFakeServer(t *testing.T, ip, shape string) *fakeServer {
	t.Helper()
	f := &fakeServer{t: t, shape: shape, users: map[string]*fakeUser{}, objects: map[string]map[string]any{}}
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Listener = l
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	f.base = f.srv.URL
	return f
}

// addUser adds an account and returns its actor id.
func (f *fakeServer) addUser(name, display string) string {
	key, err := signature.GenerateKey()
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[name] = &fakeUser{name: name, display: display, key: key}
	return f.actor(name)
}

// actor is the user's actor id; both servers use /users/NAME.
func (f *fakeServer) actor(name string) string { return f.base + "/users/" + name }

// keyID is the user's key id: ACTOR/main-key on GoToSocial (a document of
// its own), ACTOR#main-key on Mastodon (a fragment of the actor).
func (f *fakeServer) keyID(name string) string {
	if f.shape == "mastodon" {
		return f.actor(name) + "#main-key"
	}
	return f.actor(name) + "/main-key"
}

// rename changes a user's display name, as its owner would.
func (f *fakeServer) rename(name, display string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[name].display = display
}

// actorDocument is the user's actor as the server serves it.
func (f *fakeServer) actorDocument(u *fakeUser) map[string]any {
	actor := f.actor(u.name)
	pem, err := signature.EncodePublicKey(&u.key.PublicKey)
	if err != nil {
		f.t.Fatal(err)
	}
	return map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                actor,
		"type":              "Person",
		"preferredUsername": u.name,
		"name":              u.display,
		"summary":           "<p>About " + u.display + "</p>",
		"inbox":             actor + "/inbox",
		"outbox":            actor + "/outbox",
		"followers":         actor + "/followers",
		"following":         actor + "/following",
		"url":               f.base + "/@" + u.name,
		"endpoints":         map[string]any{"sharedInbox": f.base + "/inbox"},
		"publicKey":         map[string]any{"id": f.keyID(u.name), "owner": actor, "publicKeyPem": pem},
	}
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON := func(v any) {
		w.Header().Set("Content-Type", "application/activity+json")
		_ = json.NewEncoder(w).Encode(v)
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost:
		var doc map[string]any
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &doc); err == nil {
			f.received = append(f.received, doc)
		}
		w.WriteHeader(http.StatusAccepted)
	case path == "/.well-known/webfinger":
		name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:"), "@")
		if f.users[name] == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"subject": "acct:" + name + "@" + r.Host,
			"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": f.actor(name)}}})
	case strings.HasPrefix(path, "/users/"):
		rest := strings.TrimPrefix(path, "/users/")
		name, sub, _ := strings.Cut(rest, "/")
		u := f.users[name]
		switch {
		case u != nil && sub == "":
			writeJSON(f.actorDocument(u))
		case u != nil && sub == "main-key" && f.shape == "gotosocial":
			// GoToSocial's key document: a stub of the account, with
			// the key under publicKey and no top-level owner.
			doc := f.actorDocument(u)
			writeJSON(map[string]any{"@context": doc["@context"], "id": doc["id"], "type": "Person",
				"preferredUsername": u.name, "publicKey": doc["publicKey"]})
		default:
			if obj, ok := f.objects[f.base+path]; ok {
				writeJSON(obj)
				return
			}
			http.NotFound(w, r)
		}
	default:
		http.NotFound(w, r)
	}
}

// host serves obj at its id from now on.
func (f *fakeServer) host(obj map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[obj["id"].(string)] = obj
}

// deliveries are the activities delivered to the server so far.
func (f *fakeServer) deliveries() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.received...)
}

// send delivers activity to inbox, signed by user as the server signs
// (draft-cavage, rsa-sha256 over (request-target) host date digest), and
// answers the status and the body.
func (f *fakeServer) send(user, inbox string, activity map[string]any) (int, string) {
	f.t.Helper()
	f.mu.Lock()
	u := f.users[user]
	f.mu.Unlock()
	body, err := json.Marshal(activity)
	if err != nil {
		f.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signature.SignRequest(req, f.keyID(user), u.key, body, time.Now()); err != nil {
		f.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}
