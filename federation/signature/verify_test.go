package signature

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-fed/httpsig"
)

// TestRoundTripHTTP signs real client requests and verifies them in a real
// handler, over HTTP/1.1 and HTTP/2 (where host travels as :authority).
func TestRoundTripHTTP(t *testing.T) {
	keyA, _ := keys(t)
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow"}`)

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fl := &fakeLookup{keys: []*rsa.PublicKey{&keyA.PublicKey}}
		res, err := Verify(r, got, time.Now(), selfOf(r), fl.lookup)
		if err != nil {
			http.Error(w, err.Error(), Status(err))
			return
		}
		fmt.Fprintf(w, "%s %s %s %d", r.Proto, res.KeyID, res.Owner, fl.calls())
	})
	h1 := httptest.NewServer(handler)
	defer h1.Close()
	h2 := httptest.NewUnstartedServer(handler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()

	tests := []struct {
		name, method, path, host string
		body                     []byte
	}{
		{"GET with query", http.MethodGet, "/users/alice/outbox?page=true&min_id=0%2C1", "", nil},
		{"POST with body", http.MethodPost, "/users/alice/inbox", "", body},
		{"POST with empty body", http.MethodPost, "/inbox", "", []byte{}},
		{"GET escaped path", http.MethodGet, "/badges/caf%C3%A9%20au%2Flait", "", nil},
		{"GET with Host override", http.MethodGet, "/users/alice", "laurel.example", nil},
	}
	for _, srv := range []*httptest.Server{h1, h2} {
		for _, tt := range tests {
			t.Run(srv.URL[:5]+"/"+tt.name, func(t *testing.T) {
				r := newRequest(t, tt.method, srv.URL+tt.path, tt.body)
				r.Host = tt.host
				if err := SignRequest(r, keyIDA, keyA, tt.body, time.Now()); err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(r)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				msg, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", resp.StatusCode, msg)
				}
				wantProto := "HTTP/1.1"
				if srv == h2 {
					wantProto = "HTTP/2.0"
				}
				if want := wantProto + " " + keyIDA + " " + ownerA + " 1"; string(msg) != want {
					t.Errorf("got %q, want %q", msg, want)
				}
			})
		}
	}
}

// TestVerifyRejects checks that every kind of bad request fails with the
// right sentinel, and that the key is fetched only when it should be.
func TestVerifyRejects(t *testing.T) {
	keyA, keyB := keys(t)
	pubA, pubB := &keyA.PublicKey, &keyB.PublicKey
	body := []byte(`{"type":"Create","actor":"https://a.example/users/alice"}`)
	const inbox = "https://b.example/users/bob/inbox"
	fetchFailed := errors.New("fetch failed: 410 Gone")

	// signed returns a POST signed by key A at now, ready for mutation.
	signed := func(t *testing.T, url string, now time.Time) *http.Request {
		r := newRequest(t, http.MethodPost, url, body)
		if err := SignRequest(r, keyIDA, keyA, body, now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	setAlgorithm := func(t *testing.T, r *http.Request, alg string) {
		p, err := ParseHeader(r.Header.Get("Signature"))
		if err != nil {
			t.Fatal(err)
		}
		p.Algorithm = alg
		r.Header.Set("Signature", p.String())
	}

	tests := []struct {
		name string
		// build returns the client request; the server sees it after
		// overTheWire. serverBody, if set, replaces the body received.
		build      func(t *testing.T) *http.Request
		serverBody []byte
		server     func(r *http.Request) // mutates the request as received
		keys       []*rsa.PublicKey
		errs       []error
		want       error
		wantCalls  int
	}{
		{
			name:  "no signature",
			build: func(t *testing.T) *http.Request { return newRequest(t, http.MethodPost, inbox, body) },
			want:  ErrMissingSignature,
		},
		{
			name: "Authorization with another scheme only",
			build: func(t *testing.T) *http.Request {
				r := newRequest(t, "GET", inbox, nil)
				r.Header.Set("Authorization", "Bearer abc")
				return r
			},
			want: ErrMissingSignature,
		},
		{
			name: "malformed header",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				r.Header.Set("Signature", `keyId="`+keyIDA+`",signature=`)
				return r
			},
			want: ErrMalformedSignature,
		},
		{
			name: "two Signature headers",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				r.Header.Add("Signature", r.Header.Get("Signature"))
				return r
			},
			want: ErrMalformedSignature,
		},
		{
			name:       "tampered body",
			build:      func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			serverBody: []byte(`{"type":"Delete","actor":"https://a.example/users/alice"}`),
			want:       ErrBadDigest,
		},
		{
			name: "Digest with only SHA-512",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				r.Header.Set("Digest", "SHA-512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==")
				return r
			},
			want: ErrBadDigest,
		},
		{
			name: "Digest header dropped",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				r.Header.Del("Digest")
				return r
			},
			want: ErrBadDigest,
		},
		{
			name: "digest not signed",
			build: func(t *testing.T) *http.Request {
				r := newRequest(t, http.MethodPost, inbox, body)
				setDateDigest(r, testNow, body)
				manualSign(t, r, keyA, "rsa-sha256", []string{RequestTarget, "host", "date"}, "")
				return r
			},
			want: ErrHeadersNotSigned,
		},
		{
			name: "host not signed",
			build: func(t *testing.T) *http.Request {
				r := newRequest(t, http.MethodPost, inbox, body)
				setDateDigest(r, testNow, body)
				manualSign(t, r, keyA, "rsa-sha256", []string{RequestTarget, "date", "digest"}, "")
				return r
			},
			want: ErrHeadersNotSigned,
		},
		{
			name: "GET without (request-target)",
			build: func(t *testing.T) *http.Request {
				r := newRequest(t, http.MethodGet, inbox, nil)
				setDateDigest(r, testNow, nil)
				manualSign(t, r, keyA, "rsa-sha256", []string{"host", "date"}, "")
				return r
			},
			want: ErrHeadersNotSigned,
		},
		{
			name: "headers parameter absent",
			build: func(t *testing.T) *http.Request {
				r := newRequest(t, http.MethodGet, inbox, nil)
				setDateDigest(r, testNow, nil)
				sig := rsaSign(t, keyA, "date: "+r.Header.Get("Date"))
				r.Header.Set("Signature", Params{KeyID: keyIDA, Algorithm: "rsa-sha256", Signature: sig}.String())
				return r
			},
			want: ErrHeadersNotSigned,
		},
		{
			name:  "date two hours old",
			build: func(t *testing.T) *http.Request { return signed(t, inbox, testNow.Add(-2*time.Hour)) },
			want:  ErrDateSkew,
		},
		{
			name:  "date two hours in the future",
			build: func(t *testing.T) *http.Request { return signed(t, inbox, testNow.Add(2*time.Hour)) },
			want:  ErrDateSkew,
		},
		{
			name: "Date header dropped",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				r.Header.Del("Date")
				return r
			},
			want: ErrDateSkew,
		},
		{
			name: "unsupported algorithm rsa-sha512",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				setAlgorithm(t, r, "rsa-sha512")
				return r
			},
			want: ErrUnsupportedAlgorithm,
		},
		{
			name: "unsupported algorithm hmac-sha256",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				setAlgorithm(t, r, "hmac-sha256")
				return r
			},
			want: ErrUnsupportedAlgorithm,
		},
		{
			name:      "key lookup fails",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			errs:      []error{fetchFailed},
			want:      ErrKeyLookup,
			wantCalls: 1,
		},
		{
			name:      "wrong key, refresh returns the same wrong key",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			keys:      []*rsa.PublicKey{pubB},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
		{
			name:      "wrong key, refresh fails",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			keys:      []*rsa.PublicKey{pubB},
			errs:      []error{nil, fetchFailed},
			want:      ErrKeyLookup,
			wantCalls: 2,
		},
		{
			name:      "tampered query",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox+"?a=1", testNow) },
			server:    func(r *http.Request) { r.RequestURI = "/users/bob/inbox?a=2" },
			keys:      []*rsa.PublicKey{pubA},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
		{
			name:      "tampered path",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			server:    func(r *http.Request) { r.RequestURI = "/users/carol/inbox" },
			keys:      []*rsa.PublicKey{pubA},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
		{
			name:      "tampered host",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			server:    func(r *http.Request) { r.Host = "c.example" },
			keys:      []*rsa.PublicKey{pubA},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
		{
			name:      "tampered method",
			build:     func(t *testing.T) *http.Request { return signed(t, inbox, testNow) },
			server:    func(r *http.Request) { r.Method = http.MethodPut },
			keys:      []*rsa.PublicKey{pubA},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
		{
			name: "signed header missing",
			build: func(t *testing.T) *http.Request {
				r := newRequest(t, http.MethodPost, inbox, body)
				setDateDigest(r, testNow, body)
				manualSign(t, r, keyA, "rsa-sha256", []string{RequestTarget, "host", "date", "digest", "content-type"}, "")
				r.Header.Del("Content-Type")
				return r
			},
			keys:      []*rsa.PublicKey{pubA},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
		{
			name: "signature truncated",
			build: func(t *testing.T) *http.Request {
				r := signed(t, inbox, testNow)
				p, _ := ParseHeader(r.Header.Get("Signature"))
				p.Signature = p.Signature[:100]
				r.Header.Set("Signature", p.String())
				return r
			},
			keys:      []*rsa.PublicKey{pubA},
			want:      ErrBadSignature,
			wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr, got := overTheWire(t, tt.build(t))
			if tt.serverBody != nil {
				got = tt.serverBody
			}
			if tt.server != nil {
				tt.server(sr)
			}
			keys := tt.keys
			if keys == nil {
				keys = []*rsa.PublicKey{pubA}
			}
			fl := &fakeLookup{keys: keys, errs: tt.errs}
			_, err := Verify(sr, got, testNow, selfOf(sr), fl.lookup)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if n := fl.calls(); n != tt.wantCalls {
				t.Errorf("%d key lookups, want %d", n, tt.wantCalls)
			}
			if tt.want == ErrKeyLookup && tt.errs != nil && !errors.Is(err, fetchFailed) {
				t.Errorf("err = %v does not wrap the lookup's error", err)
			}
			if s := Status(err); s != http.StatusUnauthorized && s != http.StatusBadRequest {
				t.Errorf("Status = %d", s)
			}
			t.Log(err)
		})
	}
}

// TestVerifyAccepts covers the variants other servers send.
func TestVerifyAccepts(t *testing.T) {
	keyA, keyB := keys(t)
	pubA, pubB := &keyA.PublicKey, &keyB.PublicKey
	body := []byte(`{"type":"Announce"}`)
	const inbox = "https://b.example/inbox"

	manual := func(method, url string, body []byte, alg string, headers []string, target string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := newRequest(t, method, url, body)
			setDateDigest(r, testNow, body)
			manualSign(t, r, keyA, alg, headers, target)
			return r
		}
	}
	post := []string{RequestTarget, "host", "date", "digest"}

	tests := []struct {
		name      string
		build     func(t *testing.T) *http.Request
		body      []byte
		keys      []*rsa.PublicKey
		now       time.Time
		wantCalls int
		wantOwner string
	}{
		{name: "hs2019", build: manual("POST", inbox, body, "hs2019", post, ""), body: body},
		{name: "no algorithm parameter", build: manual("POST", inbox, body, "", post, ""), body: body},
		{name: "Mastodon's header set", body: body, build: manual("POST", inbox, body, "rsa-sha256",
			[]string{RequestTarget, "host", "date", "digest", "content-type"}, "")},
		{name: "a peer using go-fed/httpsig directly (hs2019)", body: body, build: func(t *testing.T) *http.Request {
			r := newRequest(t, "POST", inbox, body)
			setDateDigest(r, testNow, nil)
			r.Header.Set("Host", r.URL.Host) // the library reads host from the header map; net/http never sends it
			signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, post, httpsig.Signature, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := signer.SignRequest(keyA, keyIDA, r, body); err != nil {
				t.Fatal(err)
			}
			if v := r.Header.Get("Signature"); !strings.Contains(v, `algorithm="hs2019"`) {
				t.Fatalf("go-fed/httpsig wrote %s", v)
			}
			return r
		}},
		{name: "Authorization: Signature", body: body, build: func(t *testing.T) *http.Request {
			r := manual("POST", inbox, body, "rsa-sha256", post, "")(t)
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			r.Header.Del("Signature")
			return r
		}},
		{name: "stray Signature prefix in Signature header", body: body, build: func(t *testing.T) *http.Request {
			r := manual("POST", inbox, body, "rsa-sha256", post, "")(t)
			r.Header.Set("Signature", "Signature "+r.Header.Get("Signature"))
			return r
		}},
		{name: "Signature header and a Bearer token", body: body, build: func(t *testing.T) *http.Request {
			r := manual("POST", inbox, body, "rsa-sha256", post, "")(t)
			r.Header.Set("Authorization", "Bearer keyId-signature-headers")
			return r
		}},
		{name: "spaces, tabs, odd casing, unpadded signature", body: body, build: func(t *testing.T) *http.Request {
			r := manual("POST", inbox, body, "rsa-sha256", post, "")(t)
			p, _ := ParseHeader(r.Header.Get("Signature"))
			r.Header.Set("Signature", ` KeyId = "`+p.KeyID+`" ,, algorithm=RSA-SHA256,`+
				"\theaders=\"(Request-Target)  Host Date\tDigest\", signature=\""+
				base64.RawStdEncoding.EncodeToString(p.Signature)+`" , x-unknown="a,b"`)
			return r
		}},
		{name: "several digests", body: body, build: func(t *testing.T) *http.Request {
			r := newRequest(t, "POST", inbox, body)
			setDateDigest(r, testNow, body)
			r.Header.Set("Digest", "SHA-512=bm90IGNoZWNrZWQ=, sha-256="+strings.TrimPrefix(DigestHeader(body), "SHA-256="))
			manualSign(t, r, keyA, "rsa-sha256", post, "")
			return r
		}},
		{name: "Pleroma's header set", body: body, build: func(t *testing.T) *http.Request {
			r := newRequest(t, "POST", inbox, body)
			setDateDigest(r, testNow, body)
			// Only for manualSign to read: net/http writes its own Content-Length.
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			manualSign(t, r, keyA, "rsa-sha256", []string{RequestTarget, "content-length", "date", "digest", "host"}, "")
			return r
		}},
		{name: "Mastodon-style decoded path", build: manual("GET", "https://b.example/tags/caf%C3%A9?page=2", nil, "rsa-sha256",
			[]string{RequestTarget, "host", "date"}, "/tags/café?page=2")},
		{name: "date 59 minutes old", build: manual("GET", inbox, nil, "rsa-sha256", []string{RequestTarget, "host", "date"}, ""),
			now: testNow.Add(59 * time.Minute)},
		{name: "key rotated: cached B, refreshed A", body: body, build: manual("POST", inbox, body, "rsa-sha256", post, ""),
			keys: []*rsa.PublicKey{pubB, pubA}, wantCalls: 2, wantOwner: ownerA + "?refreshed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr, got := overTheWire(t, tt.build(t))
			keys := tt.keys
			if keys == nil {
				keys = []*rsa.PublicKey{pubA}
			}
			fl := &fakeLookup{keys: keys}
			now := tt.now
			if now.IsZero() {
				now = testNow
			}
			res, err := Verify(sr, got, now, selfOf(sr), fl.lookup)
			if err != nil {
				t.Fatalf("Verify: %v\nSignature: %s", err, sr.Header.Get("Signature"))
			}
			wantCalls, wantOwner := max(tt.wantCalls, 1), tt.wantOwner
			if wantOwner == "" {
				wantOwner = ownerA
			}
			if res != (Result{KeyID: keyIDA, Owner: wantOwner, Scheme: SchemeCavage, Algorithm: AlgorithmRSASHA256}) {
				t.Errorf("Result = %+v", res)
			}
			if n := fl.calls(); n != wantCalls {
				t.Errorf("%d key lookups, want %d", n, wantCalls)
			}
			if wantCalls == 2 && !slices.Equal(fl.refresh, []bool{false, true}) {
				t.Errorf("refresh flags = %v", fl.refresh)
			}
		})
	}
}

// TestVerifyLookupContext checks the request's context reaches the lookup,
// so a fetch is cancelled with the request.
func TestVerifyLookupContext(t *testing.T) {
	keyA, _ := keys(t)
	type ctxKey struct{}
	r := newRequest(t, http.MethodGet, "https://b.example/users/bob", nil)
	if err := SignRequest(r, keyIDA, keyA, nil, testNow); err != nil {
		t.Fatal(err)
	}
	sr, body := overTheWire(t, r)
	sr = sr.WithContext(context.WithValue(sr.Context(), ctxKey{}, "marker"))
	_, err := Verify(sr, body, testNow, selfOf(sr), func(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
		if ctx.Value(ctxKey{}) != "marker" {
			t.Error("lookup did not get the request's context")
		}
		return &keyA.PublicKey, ownerA, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 200},
		{fmt.Errorf("%w: x", ErrBadDigest), 400},
		{ErrMissingSignature, 401},
		{fmt.Errorf("wrapped: %w", ErrBadSignature), 401},
		{ErrKeyLookup, 401},
		{fmt.Errorf("%w: %w: %w", ErrKeyLookup, ErrTemporary, errors.New("database busy")), 503},
		{errors.New("something else"), 500},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// BenchmarkVerify measures one verification of a signed POST with an
// RSA-2048 key (the key lookup is a cache hit).
func BenchmarkVerify(b *testing.B) {
	keyA, _ := keys(b)
	body := []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://a.example/users/alice","object":{"type":"Note","content":"hello"}}`)
	r := newRequest(b, http.MethodPost, "https://b.example/users/bob/inbox", body)
	if err := SignRequest(r, keyIDA, keyA, body, testNow); err != nil {
		b.Fatal(err)
	}
	sr, got := overTheWire(b, r)
	lookup := func(context.Context, string, bool) (crypto.PublicKey, string, error) {
		return &keyA.PublicKey, ownerA, nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(sr, got, testNow, selfOf(sr), lookup); err != nil {
			b.Fatal(err)
		}
	}
}
