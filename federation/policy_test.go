package federation

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laurelnet/laurel/federation/egress"
	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/testkit"
)

func TestNormalizeHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"example.org", "example.org"},
		{"  Example.ORG\t", "example.org"},
		{"example.org.", "example.org"},
		{"https://Example.org/users/x?y=1#z", "example.org"},
		{"http://example.org:8443/inbox", "example.org:8443"},
		{"example.org:8443", "example.org:8443"},
		{"example.org:08443", "example.org:8443"},
		{"a-b.c0.example.org", "a-b.c0.example.org"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"localhost", "localhost"},
		{"127.0.0.3", "127.0.0.3"},
		{"127.0.0.3:1234", "127.0.0.3:1234"},
		{"https://127.0.0.3:1234/actors/beta", "127.0.0.3:1234"},
		{"[2001:DB8:0::1]:443", "[2001:db8::1]:443"},
		{"[2001:db8::1]", "[2001:db8::1]"},
		{"[::ffff:127.0.0.3]", "127.0.0.3"},
		{strings.Repeat("a", 63) + ".example", strings.Repeat("a", 63) + ".example"},
	} {
		got, err := NormalizeHost(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "   ", "https://", "https:///path",
		"exa mple.org", "ex_ample.org", "ex%61mple.org", "example.org;drop", "*.example.org", "%.org",
		"-example.org", "example-.org", "a..b", ".example.org", "user@example.org",
		"bücher.example", strings.Repeat("a", 64) + ".example", strings.Repeat("a.", 127) + "aa",
		"example.org:", "example.org:0", "example.org:65536", "example.org:http", "example.org:+80",
		"1.2.3", "256.1.1.1", "1.2.3.4.5", "2001:db8::1", "[2001:db8::1", "[1.2.3.4]", "[::1%eth0]", "[nope]",
	} {
		got, err := NormalizeHost(in)
		if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Field != "host" {
			t.Errorf("NormalizeHost(%q) = %q, %v; want an Invalid problem naming host", in, got, err)
		}
	}
}

func TestDomainPolicyTables(t *testing.T) {
	ctx := context.Background()
	pool := testkit.DB(t)

	if err := BlockDomain(ctx, pool, "https://Spam.Example/actors/x", " spam "); err != nil {
		t.Fatal(err)
	}
	if err := BlockDomain(ctx, pool, "other.example:8443", ""); err != nil {
		t.Fatal(err)
	}
	// Blocking again replaces the reason.
	if err := BlockDomain(ctx, pool, "spam.example", "spam and abuse"); err != nil {
		t.Fatal(err)
	}
	blocks, err := DomainBlocks(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Host != "other.example:8443" || blocks[1].Host != "spam.example" ||
		blocks[1].Reason != "spam and abuse" || time.Since(blocks[1].CreatedAt) > time.Minute {
		t.Fatalf("blocks: %+v", blocks)
	}
	for _, tc := range []struct {
		err   error
		kind  problem.Kind
		field string
	}{
		{BlockDomain(ctx, pool, "not a host", "x"), problem.Invalid, "host"},
		{BlockDomain(ctx, pool, "fine.example", strings.Repeat("x", maxReason+1)), problem.Invalid, "reason"},
		{UnblockDomain(ctx, pool, "never.example"), problem.NotFound, ""},
		{UnblockDomain(ctx, pool, "a.spam.example"), problem.NotFound, ""}, // covered, but not itself an entry
		{UnblockDomain(ctx, pool, "bad_host"), problem.Invalid, "host"},
		{DisallowDomain(ctx, pool, "never.example"), problem.NotFound, ""},
		{AllowDomain(ctx, pool, ""), problem.Invalid, "host"},
	} {
		if p, ok := problem.As(tc.err); !ok || p.Kind != tc.kind || p.Field != tc.field {
			t.Errorf("got %v, want a problem of kind %d naming %q", tc.err, tc.kind, tc.field)
		}
	}
	if err := UnblockDomain(ctx, pool, "SPAM.example."); err != nil {
		t.Fatal(err)
	}
	if blocks, _ := DomainBlocks(ctx, pool); len(blocks) != 1 || blocks[0].Host != "other.example:8443" {
		t.Fatalf("blocks after unblock: %+v", blocks)
	}

	for range 2 { // allowing twice is allowing once
		if err := AllowDomain(ctx, pool, "Friends.Example"); err != nil {
			t.Fatal(err)
		}
	}
	if err := AllowDomain(ctx, pool, "127.0.0.2:8080"); err != nil {
		t.Fatal(err)
	}
	allows, err := AllowedDomains(ctx, pool)
	if err != nil || len(allows) != 2 || allows[0].Host != "127.0.0.2:8080" || allows[1].Host != "friends.example" {
		t.Fatalf("allows: %+v, %v", allows, err)
	}
	if err := DisallowDomain(ctx, pool, "friends.example"); err != nil {
		t.Fatal(err)
	}
	if allows, _ := AllowedDomains(ctx, pool); len(allows) != 1 {
		t.Fatalf("allows after disallow: %+v", allows)
	}
}

func TestRefused(t *testing.T) {
	ctx := context.Background()
	pool := testkit.DB(t)
	base, _ := url.Parse("https://laurel.test")
	open := New(Config{Base: base, Pool: pool})
	allowlist := New(Config{Base: base, Pool: pool, AllowlistMode: true})

	for _, h := range []string{"example.org", "port.example:8443", "127.0.0.3", "bad.friends.example", "laurel.test"} {
		if err := BlockDomain(ctx, pool, h, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := AllowDomain(ctx, pool, "friends.example"); err != nil {
		t.Fatal(err)
	}
	// Entries that BlockDomain would refuse, written directly: their
	// characters must not act as patterns (as _ and % would in LIKE).
	if _, err := pool.Exec(ctx, `INSERT INTO domain_block (host) VALUES ('ex_mple.net'), ('%.com')`); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		host            string
		open, allowlist bool // refused in each mode
	}{
		{"example.org", true, true},
		{"a.example.org", true, true},
		{"a.b.example.org:8443", true, true},
		{"example.org:443", true, true},
		{"EXAMPLE.org.", true, true},
		{"a.example.org.", true, true},
		{"evil-example.org", false, true},
		{"notexample.org", false, true},
		{"example.org.evil.net", false, true},
		{"example", false, true},
		{"org", false, true},

		{"port.example:8443", true, true},
		{"a.port.example:8443", true, true},
		{"port.example:9000", false, true},
		{"port.example", false, true},

		{"127.0.0.3", true, true},
		{"127.0.0.3:5000", true, true},
		{"[::ffff:127.0.0.3]:80", true, true},
		{"127.0.0.30", false, true},
		{"27.0.0.3", false, true},

		{"exbmple.net", false, true},
		{"ex_mple.net", true, true},
		{"example.com", false, true},

		{"friends.example", false, false},
		{"www.friends.example:8443", false, false},
		{"bad.friends.example", true, true}, // a block wins over an allow
		{"x.bad.friends.example", true, true},
		{"evil-friends.example", false, true},
		{"friends.example.evil.net", false, true},

		{"bücher.example", true, true},
		{"", false, true},

		// Our own host, though blocked and not allowed.
		{"laurel.test", false, false},
		{"LAUREL.test", false, false},
	} {
		for _, mode := range []struct {
			f    *Federation
			want bool
		}{{open, tc.open}, {allowlist, tc.allowlist}} {
			got, err := mode.f.refused(ctx, pool, tc.host)
			if err != nil {
				t.Fatal(err)
			}
			if got != mode.want {
				t.Errorf("refused(%q) with allowlist mode %v = %v, want %v", tc.host, mode.f.cfg.AllowlistMode, got, mode.want)
			}
		}
	}
}

// TestFetchRefusedWithoutARequest: a fetch from a refused host fails with
// Forbidden before anything is sent, in either mode.
func TestFetchRefusedWithoutARequest(t *testing.T) {
	ctx := context.Background()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", ActivityJSON)
		_, _ = w.Write([]byte(`{"id": "x"}`))
	}))
	t.Cleanup(srv.Close)
	client := egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second})
	base, _ := url.Parse("https://laurel.test")

	pool := testkit.DB(t) // with the instance actor, which signs fetches
	open := New(Config{Base: base, Pool: pool, Client: client})
	allowlist := New(Config{Base: base, Pool: pool, Client: client, AllowlistMode: true})

	// Allowlist mode with an empty allowlist refuses everyone.
	if _, err := allowlist.fetch(ctx, srv.URL+"/actors/x"); !problem.Is(err, problem.Forbidden) {
		t.Fatalf("allowlist fetch: %v, want Forbidden", err)
	}
	// An open node fetches, until the host is blocked.
	if _, err := open.fetch(ctx, srv.URL+"/actors/x"); err != nil {
		t.Fatalf("open fetch: %v", err)
	}
	if err := BlockDomain(ctx, pool, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	_, err := open.fetch(ctx, srv.URL+"/actors/x")
	if !problem.Is(err, problem.Forbidden) || !strings.Contains(err.Error(), "blocked") {
		t.Fatalf("fetch from a blocked host: %v, want Forbidden naming the block", err)
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("the server got %d requests, want only the open node's first", n)
	}
}
