package federation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/mr-tron/base58"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/federation/signature"
	"github.com/laurelnet/laurel/testkit"
)

// serverURL is the base URL of a test server, for Verify in sinks.
func serverURL(srv *httptest.Server) *url.URL {
	u, err := url.Parse(srv.URL)
	if err != nil {
		panic(err)
	}
	return u
}

// listen opens a TCP listener on a loopback address of its own, so each
// server in a test is a distinct host.
func listen(t *testing.T, ip string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	return l
}

// testKeySet is the key material the recorded documents are filled with.
type testKeySet struct {
	rsa1, rsa2 *rsa.PrivateKey
	ed         ed25519.PrivateKey
}

var testKeySets = sync.OnceValues(func() (testKeySet, error) {
	var ks testKeySet
	var err error
	if ks.rsa1, err = signature.GenerateKey(); err != nil {
		return ks, err
	}
	if ks.rsa2, err = signature.GenerateKey(); err != nil {
		return ks, err
	}
	_, ks.ed, err = ed25519.GenerateKey(rand.Reader)
	return ks, err
})

func testKeys(t *testing.T) testKeySet {
	t.Helper()
	ks, err := testKeySets()
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// recorded reads a document of testdata/keys and fills its placeholders.
func recorded(t *testing.T, name, base string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/keys/" + name)
	if err != nil {
		t.Fatal(err)
	}
	ks := testKeys(t)
	pemOf := func(k crypto.PublicKey) string {
		p, err := signature.EncodeAnyPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(p)
		return string(j[1 : len(j)-1])
	}
	rsaMultibase := "z" + base58.Encode(append([]byte{0x85, 0x24}, x509.MarshalPKCS1PublicKey(&ks.rsa1.PublicKey)...))
	s := strings.NewReplacer(
		"{{BASE}}", base,
		"{{RSA1_PEM}}", pemOf(&ks.rsa1.PublicKey),
		"{{RSA2_PEM}}", pemOf(&ks.rsa2.PublicKey),
		"{{ED_PEM}}", pemOf(ks.ed.Public()),
		"{{ED_MULTIBASE}}", signature.EncodeMultikey(ks.ed.Public().(ed25519.PublicKey)),
		"{{RSA1_MULTIBASE}}", rsaMultibase,
	).Replace(string(raw))
	if !json.Valid([]byte(s)) {
		t.Fatalf("testdata/keys/%s is not valid JSON once filled", name)
	}
	return []byte(s)
}

// fakePeer is another server on its own loopback address, serving
// documents by path and counting the fetches of each.
type fakePeer struct {
	srv  *httptest.Server
	base string
	mu   sync.Mutex
	docs map[string][]byte
	gets map[string]int
}

func newFakePeer(t *testing.T, ip string) *fakePeer {
	t.Helper()
	p := &fakePeer{docs: map[string][]byte{}, gets: map[string]int{}}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.gets[r.URL.Path]++
		doc, ok := p.docs[r.URL.Path]
		p.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write(doc)
	}))
	p.srv.Listener.Close()
	p.srv.Listener = listen(t, ip)
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	p.base = p.srv.URL
	return p
}

// serve makes the peer answer path with a recorded document.
func (p *fakePeer) serve(t *testing.T, path, file string) {
	t.Helper()
	doc := recorded(t, file, p.base)
	p.mu.Lock()
	p.docs[path] = doc
	p.mu.Unlock()
}

func (p *fakePeer) fetches(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gets[path]
}

// inboxNode is a Laurel node on 127.0.0.2 with one organisation, whose
// inbox is reached over real HTTP.
type inboxNode struct {
	f    *Federation
	pool *pgxpool.Pool
	base string
}

func newInboxNode(t *testing.T) *inboxNode {
	t.Helper()
	pool := testkit.DB(t)
	r := chi.NewRouter()
	srv := httptest.NewUnstartedServer(r)
	srv.Listener.Close()
	srv.Listener = listen(t, "127.0.0.2")
	base, _ := url.Parse("http://" + srv.Listener.Addr().String())
	f := New(Config{
		Base: base, Pool: pool, Logger: quietLogger(),
		Client: egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}),
	})
	f.Routes(r)
	srv.Start()
	t.Cleanup(srv.Close)
	if _, err := AddActor(context.Background(), pool, "hamk", Organization, "username"); err != nil {
		t.Fatal(err)
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	f.SetJobs(c) // jobs are inserted, never worked: only the inbox is tested
	return &inboxNode{f: f, pool: pool, base: srv.URL}
}

// delivery is one POST to the node's inbox.
type delivery struct {
	actor, keyID string
	// scheme is "cavage" (rsa-sha256 with an RSA key) or an RFC 9421
	// alg ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519"; "rfc9421"
	// for no alg parameter).
	scheme string
	key    crypto.Signer
	host   string // the Host signed and sent; "" for the node's own
	tamper func(*http.Request)
	// created overrides the RFC 9421 created time
	created time.Time
	expires time.Time
}

func (n *inboxNode) followBody(actor string, i int) []byte {
	b, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       fmt.Sprintf("%s/follows/%d-%d", actor, time.Now().UnixNano(), i),
		"type":     "Follow", "actor": actor, "object": n.f.urls.Actor("hamk"),
	})
	return b
}

// send posts a Follow of the organisation by d.actor, signed as d says,
// and returns the status and the answer's body.
func (n *inboxNode) send(t *testing.T, d delivery) (int, string) {
	t.Helper()
	body := n.followBody(d.actor, 0)
	req := n.signed(t, d, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

func (n *inboxNode) signed(t *testing.T, d delivery, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, n.base+"/inbox", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ActivityJSON)
	if d.host != "" {
		req.Host = d.host
	}
	now := time.Now()
	switch d.scheme {
	case "cavage":
		if err := signature.SignRequest(req, d.keyID, d.key.(*rsa.PrivateKey), body, now); err != nil {
			t.Fatal(err)
		}
	default:
		created := now
		if !d.created.IsZero() {
			created = d.created
		}
		params := fmt.Sprintf(";created=%d", created.Unix())
		if !d.expires.IsZero() {
			params += fmt.Sprintf(";expires=%d", d.expires.Unix())
		}
		params += fmt.Sprintf(";keyid=%q", d.keyID)
		if d.scheme != "rfc9421" {
			params += fmt.Sprintf(";alg=%q", d.scheme)
		}
		signRFC9421(t, req, body, params, d.scheme, d.key)
	}
	if d.tamper != nil {
		d.tamper(req)
	}
	return req
}

// signRFC9421 signs req as Fedify does (label sig1, @method @target-uri
// content-digest), building the signature base by hand, independently of
// the verifier.
func signRFC9421(t *testing.T, req *http.Request, body []byte, params, alg string, key crypto.Signer) {
	t.Helper()
	sum := sha256.Sum256(body)
	digest := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
	req.Header.Set("Content-Digest", digest)
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	target := req.URL.Scheme + "://" + host + req.URL.RequestURI()
	sigParams := `("@method" "@target-uri" "content-digest")` + params
	base := `"@method": ` + req.Method + "\n" +
		`"@target-uri": ` + target + "\n" +
		`"content-digest": ` + digest + "\n" +
		`"@signature-params": ` + sigParams
	var sig []byte
	var err error
	switch k := key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(base))
	case *rsa.PrivateKey:
		if alg == "rsa-pss-sha512" {
			h := sha512.Sum512([]byte(base))
			sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA512, h[:], &rsa.PSSOptions{SaltLength: 64})
		} else {
			h := sha256.Sum256([]byte(base))
			sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature-Input", "sig1="+sigParams)
	req.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

func (n *inboxNode) followState(t *testing.T, actor string) string {
	t.Helper()
	var state string
	err := n.pool.QueryRow(context.Background(), `SELECT state FROM follow WHERE follower = $1`, actor).Scan(&state)
	if err != nil {
		return ""
	}
	return state
}

// TestInboxKeyShapes posts first-contact Follows through the real inbox,
// signed with keys published in each shape real servers use, and with
// each signature scheme and algorithm.
func TestInboxKeyShapes(t *testing.T) {
	ks := testKeys(t)
	type served map[string]string // path -> testdata/keys file
	mastodon := served{"/users/alice": "mastodon_actor.json"}
	gts := served{"/users/bob": "gotosocial_actor.json", "/users/bob/main-key": "gotosocial_main_key.json"}
	cryptoKey := served{"/actors/carol": "cryptographic_key_actor.json", "/keys/carol-2025": "cryptographic_key.json"}
	edFirst := served{"/users/dave": "ed25519_first_actor.json"}
	twoRSA := served{"/users/erin": "two_rsa_actor.json"}
	fedify := served{"/users/frank": "fedify_multikey_actor.json"}

	for _, tc := range []struct {
		name   string
		served served
		actor  string // path of the actor
		keyID  string // path of the key id
		scheme string
		key    crypto.Signer
		host   bool // sign and send with another server's Host
		tamper func(*http.Request)
		before func(t *testing.T, p *fakePeer)
		want   int
		// wantErr is part of the refusal's message
		wantErr string
		// wantFetched are paths the peer must have been asked for
		wantFetched []string
	}{
		{name: "Mastodon ACTOR#main-key", served: mastodon, actor: "/users/alice", keyID: "/users/alice#main-key", scheme: "cavage", key: ks.rsa1, want: 202, wantFetched: []string{"/users/alice"}},
		{name: "GoToSocial ACTOR/main-key (stub of the account)", served: gts, actor: "/users/bob", keyID: "/users/bob/main-key", scheme: "cavage", key: ks.rsa1, want: 202, wantFetched: []string{"/users/bob/main-key", "/users/bob"}},
		{name: "standalone CryptographicKey with owner", served: cryptoKey, actor: "/actors/carol", keyID: "/keys/carol-2025", scheme: "cavage", key: ks.rsa1, want: 202, wantFetched: []string{"/keys/carol-2025", "/actors/carol"}},
		{name: "Ed25519 first, cavage with the RSA second", served: edFirst, actor: "/users/dave", keyID: "/users/dave#main-key", scheme: "cavage", key: ks.rsa1, want: 202},
		{name: "Ed25519 first, RFC 9421 ed25519 with the first", served: edFirst, actor: "/users/dave", keyID: "/users/dave#ed25519-key", scheme: "ed25519", key: ks.ed, want: 202},
		{name: "Ed25519 key with a draft-cavage signature", served: edFirst, actor: "/users/dave", keyID: "/users/dave#ed25519-key", scheme: "cavage", key: ks.rsa1, want: 401, wantErr: "RSA keys only"},
		{name: "two RSA keys, signed with the second", served: twoRSA, actor: "/users/erin", keyID: "/users/erin#key-2", scheme: "cavage", key: ks.rsa2, want: 202},
		{name: "two RSA keys, second key id, first key's signature", served: twoRSA, actor: "/users/erin", keyID: "/users/erin#key-2", scheme: "cavage", key: ks.rsa1, want: 401},
		{name: "Fedify, RFC 9421 rsa-v1_5-sha256", served: fedify, actor: "/users/frank", keyID: "/users/frank#main-key", scheme: "rsa-v1_5-sha256", key: ks.rsa1, want: 202},
		{name: "Fedify, RFC 9421 without alg (RSA key)", served: fedify, actor: "/users/frank", keyID: "/users/frank#main-key", scheme: "rfc9421", key: ks.rsa1, want: 202},
		{name: "Fedify, RFC 9421 rsa-pss-sha512", served: fedify, actor: "/users/frank", keyID: "/users/frank#main-key", scheme: "rsa-pss-sha512", key: ks.rsa1, want: 202},
		{name: "Fedify, RFC 9421 ed25519 with the assertionMethod Multikey", served: fedify, actor: "/users/frank", keyID: "/users/frank#key-2", scheme: "ed25519", key: ks.ed, want: 202},
		{name: "Mastodon 4.5, RFC 9421 without alg", served: mastodon, actor: "/users/alice", keyID: "/users/alice#main-key", scheme: "rfc9421", key: ks.rsa1, want: 202},

		{name: "RFC 9421 content-digest mismatch", served: fedify, actor: "/users/frank", keyID: "/users/frank#key-2", scheme: "ed25519", key: ks.ed,
			tamper: func(r *http.Request) {
				r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(make([]byte, 32))+":")
			}, want: 401, wantErr: "Content-Digest sha-256 does not match"},
		{name: "RFC 9421 signed for another server's authority", served: fedify, actor: "/users/frank", keyID: "/users/frank#main-key", scheme: "rsa-v1_5-sha256", key: ks.rsa1, host: true, want: 401, wantErr: "signed for another host"},
		{name: "draft-cavage signed for another server's Host", served: mastodon, actor: "/users/alice", keyID: "/users/alice#main-key", scheme: "cavage", key: ks.rsa1, host: true, want: 401, wantErr: "signed for another host"},
		{name: "GoToSocial stub naming another owner", served: gts, actor: "/users/bob", keyID: "/users/bob/main-key", scheme: "cavage", key: ks.rsa1,
			before: func(t *testing.T, p *fakePeer) {
				doc := strings.Replace(string(recorded(t, "gotosocial_main_key.json", p.base)), `"owner": "`+p.base+`/users/bob"`, `"owner": "`+p.base+`/users/mallory"`, 1)
				p.mu.Lock()
				p.docs["/users/bob/main-key"] = []byte(doc)
				p.mu.Unlock()
			}, want: 401, wantErr: "says the key is"},
		{name: "key document owned by an actor that does not list it", served: served{"/actors/carol": "mastodon_actor.json", "/keys/carol-2025": "cryptographic_key.json"}, actor: "/actors/carol", keyID: "/keys/carol-2025", scheme: "cavage", key: ks.rsa1, want: 401},
		{name: "key document claiming an owner on another host", served: cryptoKey, actor: "/actors/carol", keyID: "/keys/carol-2025", scheme: "cavage", key: ks.rsa1,
			before: func(t *testing.T, p *fakePeer) {
				doc := strings.Replace(string(recorded(t, "cryptographic_key.json", p.base)), `"owner": "`+p.base, `"owner": "https://elsewhere.example`, 1)
				p.mu.Lock()
				p.docs["/keys/carol-2025"] = []byte(doc)
				p.mu.Unlock()
			}, want: 401, wantErr: "on another host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newInboxNode(t)
			p := newFakePeer(t, "127.0.0.3")
			for path, file := range tc.served {
				p.serve(t, path, file)
			}
			if tc.before != nil {
				tc.before(t, p)
			}
			d := delivery{actor: p.base + tc.actor, keyID: p.base + tc.keyID, scheme: tc.scheme, key: tc.key}
			if tc.host {
				d.host = "127.0.0.9:8443" // another server, whose delivery is replayed here
			}
			d.tamper = tc.tamper
			status, msg := n.send(t, d)
			if status != tc.want || !strings.Contains(msg, tc.wantErr) {
				t.Fatalf("answered %d %s, want %d (%q)", status, msg, tc.want, tc.wantErr)
			}
			state := n.followState(t, d.actor)
			if tc.want == 202 && state != "accepted" {
				t.Fatalf("follow state %q after 202, want accepted", state)
			}
			if tc.want != 202 && state != "" {
				t.Fatalf("follow recorded (%q) after a refused delivery", state)
			}
			for _, path := range tc.wantFetched {
				if p.fetches(path) != 1 {
					t.Errorf("%s fetched %d times, want 1", path, p.fetches(path))
				}
			}
		})
	}
}

// TestRemoteActorKeys checks every key of a multi-key actor is stored,
// and the primary key columns hold its RSA key.
func TestRemoteActorKeys(t *testing.T) {
	n := newInboxNode(t)
	p := newFakePeer(t, "127.0.0.3")
	p.serve(t, "/users/dave", "ed25519_first_actor.json")
	p.serve(t, "/users/frank", "fedify_multikey_actor.json")
	ks := testKeys(t)
	ctx := context.Background()
	for _, tc := range []struct {
		actor   string
		want    map[string]string // key id -> kind
		primary string
	}{
		{"/users/dave", map[string]string{"#ed25519-key": "ed25519", "#main-key": "rsa"}, "#main-key"},
		{"/users/frank", map[string]string{"#main-key": "rsa assertion", "#key-2": "ed25519 assertion"}, "#main-key"},
	} {
		a, err := n.f.RemoteActor(ctx, p.base+tc.actor, false)
		if err != nil {
			t.Fatal(err)
		}
		if a.KeyID != p.base+tc.actor+tc.primary {
			t.Errorf("%s: primary key %s", tc.actor, a.KeyID)
		}
		if k, err := signature.ParsePublicKey(a.PublicKeyPEM); err != nil || !k.Equal(&ks.rsa1.PublicKey) {
			t.Errorf("%s: primary key is not the RSA key: %v", tc.actor, err)
		}
		rows, _ := n.pool.Query(ctx, `SELECT key_id, kind, assertion FROM remote_key WHERE owner = $1`, a.ID)
		got := map[string]string{}
		for rows.Next() {
			var id, kind string
			var assertion bool
			if err := rows.Scan(&id, &kind, &assertion); err != nil {
				t.Fatal(err)
			}
			if assertion {
				kind += " assertion"
			}
			got[strings.TrimPrefix(id, a.ID)] = kind
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: stored keys %v, want %v", tc.actor, got, tc.want)
		}
	}
}

// TestInboxKeyRotation checks a signature with a key the cached actor
// does not list makes Laurel refetch the actor (once per refetchAfter)
// and accept the new key.
func TestInboxKeyRotation(t *testing.T) {
	ks := testKeys(t)
	n := newInboxNode(t)
	p := newFakePeer(t, "127.0.0.3")
	p.serve(t, "/users/alice", "mastodon_actor.json")
	alice := p.base + "/users/alice"
	if status, msg := n.send(t, delivery{actor: alice, keyID: alice + "#main-key", scheme: "cavage", key: ks.rsa1}); status != 202 {
		t.Fatalf("first contact: %d %s", status, msg)
	}
	// Alice's server rotates to a second key.
	doc := strings.Replace(string(recorded(t, "mastodon_actor.json", p.base)), alice+"#main-key", alice+"#key-2", 1)
	pem, _ := signature.EncodePublicKey(&ks.rsa2.PublicKey)
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	m["publicKey"].(map[string]any)["publicKeyPem"] = pem
	rotated, _ := json.Marshal(m)
	p.mu.Lock()
	p.docs["/users/alice"] = rotated
	p.mu.Unlock()

	rotatedDelivery := delivery{actor: alice, keyID: alice + "#key-2", scheme: "cavage", key: ks.rsa2}
	// Within refetchAfter of the last fetch, the actor is not fetched again.
	if status, _ := n.send(t, rotatedDelivery); status != 401 || p.fetches("/users/alice") != 1 {
		t.Fatalf("new key right after a fetch: %d, %d fetches; want 401 and no refetch", status, p.fetches("/users/alice"))
	}
	if _, err := n.pool.Exec(context.Background(), `UPDATE remote_actor SET fetched_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	if status, msg := n.send(t, rotatedDelivery); status != 202 {
		t.Fatalf("rotated key: %d %s", status, msg)
	}
	if p.fetches("/users/alice") != 2 {
		t.Fatalf("%d fetches of the actor, want 2", p.fetches("/users/alice"))
	}
	// The old key is gone with the old document.
	var c int
	_ = n.pool.QueryRow(context.Background(), `SELECT count(*) FROM remote_key WHERE key_id = $1`, alice+"#main-key").Scan(&c)
	if c != 0 {
		t.Fatal("the rotated-out key is still stored")
	}
}

// tarpit accepts connections and never answers.
type tarpit struct {
	l        net.Listener
	accepted atomic.Int32
}

func newTarpit(t *testing.T, ip string) *tarpit {
	t.Helper()
	tp := &tarpit{l: listen(t, ip)}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := tp.l.Accept()
			if err != nil {
				return
			}
			tp.accepted.Add(1)
			mu.Lock()
			conns = append(conns, c) // held open, never read or answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		tp.l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return tp
}

// TestInboxKeyTarpit checks a keyId on a host that accepts connections and
// never answers: each request gets its 401 within 10 s, 50 at once do not
// each cost a wait (at most fetchesPerHost connections are opened), and
// afterwards the host is refused at once.
func TestInboxKeyTarpit(t *testing.T) {
	ks := testKeys(t)
	n := newInboxNode(t)
	tp := newTarpit(t, "127.0.0.4")
	base := "http://" + tp.l.Addr().String()

	const requests = 50
	start := time.Now()
	var wg sync.WaitGroup
	statuses := make([]int, requests)
	elapsed := make([]time.Duration, requests)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actor := fmt.Sprintf("%s/users/u%d", base, i)
			body := n.followBody(actor, i)
			req := n.signed(t, delivery{actor: actor, keyID: actor + "#main-key", scheme: "cavage", key: ks.rsa1}, body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i], elapsed[i] = resp.StatusCode, time.Since(start)
		}()
	}
	wg.Wait()
	slowest := time.Duration(0)
	for _, e := range elapsed {
		slowest = max(slowest, e)
	}
	t.Logf("%d requests answered within %s", requests, slowest.Round(time.Millisecond))
	for i := range requests {
		if statuses[i] != http.StatusUnauthorized || elapsed[i] > 10*time.Second {
			t.Errorf("request %d: %d after %s, want 401 within 10s", i, statuses[i], elapsed[i].Round(time.Millisecond))
		}
	}
	if got := tp.accepted.Load(); got > fetchesPerHost {
		t.Errorf("the tarpit got %d connections, want at most %d", got, fetchesPerHost)
	}
	// The host is now known not to answer: refused without a connection.
	actor := base + "/users/late"
	status, msg := n.send(t, delivery{actor: actor, keyID: actor + "#main-key", scheme: "cavage", key: ks.rsa1})
	if status != http.StatusUnauthorized || !strings.Contains(msg, "did not answer in time") {
		t.Fatalf("after the tarpit: %d %s", status, msg)
	}
	if got := tp.accepted.Load(); got > fetchesPerHost {
		t.Errorf("the tarpit got %d connections after it was marked, want at most %d", got, fetchesPerHost)
	}
}

// TestKeyFetchesCollapse checks concurrent first-contact requests signed
// with one key cost one fetch of the key and one of its actor. The
// activities are Likes, which change nothing here: concurrent Follows
// stall on the pool today (receiveFollow's answer reads the actor through
// the pool inside the inbox transaction), which is the inbox's business,
// not the key lookup's.
func TestKeyFetchesCollapse(t *testing.T) {
	ks := testKeys(t)
	n := newInboxNode(t)
	p := newFakePeer(t, "127.0.0.3")
	p.serve(t, "/users/bob", "gotosocial_actor.json")
	p.serve(t, "/users/bob/main-key", "gotosocial_main_key.json")
	bob := p.base + "/users/bob"
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": fmt.Sprintf("%s/likes/%d", bob, i), "type": "Like", "actor": bob, "object": n.base + "/actors/hamk/activities/x"})
			req := n.signed(t, delivery{actor: bob, keyID: bob + "/main-key", scheme: "cavage", key: ks.rsa1}, body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Errorf("request %d: %d", i, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if k, a := p.fetches("/users/bob/main-key"), p.fetches("/users/bob"); k != 1 || a != 1 {
		t.Fatalf("key fetched %d times, actor %d times; want once each", k, a)
	}
}

// TestInboxProofKey checks a FEP-8b32 proof by an actor's assertionMethod
// Multikey verifies through the node's key lookup, and names the owner.
func TestInboxProofKey(t *testing.T) {
	ks := testKeys(t)
	n := newInboxNode(t)
	p := newFakePeer(t, "127.0.0.3")
	p.serve(t, "/users/frank", "fedify_multikey_actor.json")
	frank := p.base + "/users/frank"
	doc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v1"},
		"id":       frank + "/notes/1", "type": "Note", "attributedTo": frank, "content": "<p>forwarded reply</p>",
	}
	signed := proofSigned(t, doc, frank+"#key-2", ks.ed)
	res, err := n.f.VerifyProof(context.Background(), signed)
	if err != nil {
		t.Fatal(err)
	}
	if res.Owner != frank {
		t.Fatalf("proof owner %q, want %s", res.Owner, frank)
	}
	// An RSA key cannot make an eddsa-jcs-2022 proof.
	if _, err := n.f.VerifyProof(context.Background(), proofSigned(t, doc, frank+"#main-key", ks.ed)); err == nil {
		t.Fatal("a proof naming the RSA key verified")
	}
	// An Ed25519 key listed only under publicKey signs requests, not
	// objects (FEP-521a: object keys are in assertionMethod).
	p.serve(t, "/users/dave", "ed25519_first_actor.json")
	dave := p.base + "/users/dave"
	daveDoc := map[string]any{"id": dave + "/notes/1", "type": "Note", "attributedTo": dave, "content": "hello"}
	_, err = n.f.VerifyProof(context.Background(), proofSigned(t, daveDoc, dave+"#ed25519-key", ks.ed))
	if err == nil || !strings.Contains(err.Error(), "not in the assertionMethod") {
		t.Fatalf("proof by a publicKey-only key: %v", err)
	}
}

// proofSigned adds an eddsa-jcs-2022 proof to doc, built from the
// FEP-8b32 text: JCS of the options and of the document, SHA-256 each.
func proofSigned(t *testing.T, doc map[string]any, vm string, key ed25519.PrivateKey) []byte {
	t.Helper()
	options := map[string]any{"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
		"verificationMethod": vm, "proofPurpose": "assertionMethod", "created": time.Now().UTC().Format(time.RFC3339)}
	hash := func(v map[string]any) []byte {
		// Keys sorted, no whitespace, no HTML escaping: JCS, for documents
		// of ASCII strings.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		return s[:]
	}
	sig := ed25519.Sign(key, append(hash(options), hash(doc)...))
	options["proofValue"] = "z" + base58.Encode(sig)
	out := map[string]any{"proof": options}
	for k, v := range doc {
		out[k] = v
	}
	b, _ := json.Marshal(out)
	return b
}

// TestStoreRemoteActorInTransaction checks storeRemoteActor stores the
// keys through the transaction it is given (as applying an Update{Person}
// does): nothing before the commit, nothing after a rollback.
func TestStoreRemoteActorInTransaction(t *testing.T) {
	n := newInboxNode(t)
	ctx := context.Background()
	base := "https://fedify.example"
	doc := map[string]any{}
	if err := json.Unmarshal(recorded(t, "fedify_multikey_actor.json", base), &doc); err != nil {
		t.Fatal(err)
	}
	a, err := parseRemoteActor(base+"/users/frank", doc)
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var c int
		if err := n.pool.QueryRow(ctx, `SELECT count(*) FROM remote_key WHERE owner = $1`, a.ID).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, commit := range []bool{false, true} {
		tx, err := n.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := storeRemoteActor(ctx, tx, a, doc); err != nil {
			t.Fatal(err)
		}
		if c := count(); c != 0 {
			t.Fatalf("%d keys visible before the transaction ends", c)
		}
		if commit {
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 0, true: 2}[commit]; count() != want {
			t.Fatalf("commit=%v: %d keys stored, want %d", commit, count(), want)
		}
	}
}

// TestFetchLimiter checks the per-host slots and the negative cache.
func TestFetchLimiter(t *testing.T) {
	l := newFetchLimiter()
	now := time.Unix(1_800_000_000, 0)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	var releases []func()
	for range fetchesPerHost {
		r, err := l.acquire(ctx, "slow.example")
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(short, "slow.example"); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("a third fetch from a busy host: %v", err)
	}
	if r, err := l.acquire(ctx, "other.example"); err != nil {
		t.Fatalf("another host waits for a busy one: %v", err)
	} else {
		r()
	}
	l.markDown("slow.example")
	for _, r := range releases {
		r()
	}
	if _, err := l.acquire(ctx, "slow.example"); !errors.Is(err, errHostUnresponsive) {
		t.Fatalf("a host marked down: %v", err)
	}
	now = now.Add(hostDownFor)
	r, err := l.acquire(ctx, "slow.example")
	if err != nil {
		t.Fatalf("after %s: %v", hostDownFor, err)
	}
	r()
	if len(l.slots) != 0 {
		t.Fatalf("%d idle hosts still hold slot entries", len(l.slots))
	}
}
