package egress

import (
	"net/netip"
	"strings"
	"testing"
)

func TestIsForbidden(t *testing.T) {
	loop8 := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	ten8 := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	mappedTen := []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}
	tests := []struct {
		ip    string
		allow []netip.Prefix
		want  bool
	}{
		// Loopback.
		{"127.0.0.1", nil, true},
		{"127.255.255.254", nil, true},
		{"::1", nil, true},
		{"::ffff:127.0.0.1", nil, true},
		// Private.
		{"10.0.0.1", nil, true},
		{"10.255.255.255", nil, true},
		{"172.16.0.1", nil, true},
		{"172.31.255.255", nil, true},
		{"192.168.1.1", nil, true},
		{"fc00::1", nil, true},
		{"fd12:3456:789a::1", nil, true},
		// Link-local, including the cloud metadata address.
		{"169.254.169.254", nil, true},
		{"169.254.0.1", nil, true},
		{"fe80::1", nil, true},
		{"fe80::1%eth0", nil, true},
		{"febf::1", nil, true},
		// Unspecified.
		{"0.0.0.0", nil, true},
		{"::", nil, true},
		// Multicast.
		{"224.0.0.1", nil, true},
		{"239.255.255.250", nil, true},
		{"ff02::1", nil, true},
		{"ff0e::1", nil, true},
		// Broadcast and reserved.
		{"255.255.255.255", nil, true},
		{"240.0.0.1", nil, true},
		{"250.1.2.3", nil, true},
		// CGNAT.
		{"100.64.0.1", nil, true},
		{"100.127.255.255", nil, true},
		// 0.0.0.0/8.
		{"0.1.2.3", nil, true},
		// IETF protocol assignments, benchmarking, documentation.
		{"192.0.0.8", nil, true},
		{"198.18.0.1", nil, true},
		{"198.19.255.255", nil, true},
		{"192.0.2.1", nil, true},
		{"198.51.100.7", nil, true},
		{"203.0.113.9", nil, true},
		{"2001:db8::1", nil, true},
		// Other IPv6 special blocks.
		{"fec0::1", nil, true},
		{"100::1", nil, true},
		{"::10.0.0.1", nil, true}, // deprecated IPv4-compatible
		{"64:ff9b:1::a00:1", nil, true},
		// IPv4-mapped forms.
		{"::ffff:10.0.0.1", nil, true},
		{"::ffff:169.254.169.254", nil, true},
		{"::ffff:0.0.0.0", nil, true},
		{"::ffff:100.64.0.1", nil, true},
		{"::ffff:255.255.255.255", nil, true},
		{"::ffff:192.168.0.1", nil, true},
		// NAT64 and 6to4 of internal targets.
		{"64:ff9b::10.0.0.1", nil, true},
		{"64:ff9b::127.0.0.1", nil, true},
		{"64:ff9b::169.254.169.254", nil, true},
		{"2002:a00:1::1", nil, true},      // 6to4 for 10.0.0.1
		{"2002:7f00:1::1", nil, true},     // 6to4 for 127.0.0.1
		{"2002:5db8:d70e::1", nil, false}, // 6to4 for 93.184.215.14
		// Edges of the blocks, just outside them.
		{"172.15.255.255", nil, false},
		{"172.32.0.0", nil, false},
		{"100.63.255.255", nil, false},
		{"100.128.0.0", nil, false},
		{"198.17.255.255", nil, false},
		{"198.20.0.0", nil, false},
		{"11.0.0.1", nil, false},
		{"223.255.255.255", nil, false},
		{"192.0.1.1", nil, false},
		{"2001:db9::1", nil, false},
		// Public addresses (checked only, never dialled).
		{"93.184.215.14", nil, false},
		{"1.1.1.1", nil, false},
		{"8.8.8.8", nil, false},
		{"2606:4700::1111", nil, false},
		{"2a00:1450:4001:82b::200e", nil, false},
		{"::ffff:93.184.215.14", nil, false},
		{"64:ff9b::93.184.215.14", nil, false},
		// Allow.
		{"127.0.0.1", loop8, false},
		{"127.0.0.3", loop8, false},
		{"::ffff:127.0.0.1", loop8, false},
		{"::1", loop8, true},
		{"10.0.0.1", loop8, true},
		{"10.0.0.1", ten8, false},
		{"::ffff:10.0.0.1", ten8, false},
		{"64:ff9b::10.0.0.1", ten8, false},
		{"10.0.0.1", mappedTen, false},
		{"172.16.0.1", ten8, true},
		{"::1", []netip.Prefix{netip.MustParsePrefix("::1/128")}, false},
		{"fe80::1%eth0", []netip.Prefix{netip.MustParsePrefix("fe80::/10")}, false},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.ip)
		if got := IsForbidden(ip, tt.allow); got != tt.want {
			t.Errorf("IsForbidden(%s, %v) = %v, want %v (reason %q)", tt.ip, tt.allow, got, tt.want, forbiddenReason(ip, tt.allow))
		}
	}
	if !IsForbidden(netip.Addr{}, nil) {
		t.Error("IsForbidden(zero Addr) = false, want true")
	}
}

func TestForbiddenReason(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"10.0.0.1", "a private address"},
		{"127.0.0.1", "a loopback address"},
		{"169.254.169.254", "a link-local address"},
		{"0.0.0.0", "an unspecified address"},
		{"255.255.255.255", "a broadcast address"},
		{"::ffff:10.0.0.1", "an IPv4-mapped address for 10.0.0.1, a private address"},
		{"64:ff9b::a00:1", "a NAT64 address for 10.0.0.1, a private address"},
		{"fd00::1", "a private (unique local) address"},
	}
	for _, tt := range tests {
		if got := forbiddenReason(netip.MustParseAddr(tt.ip), nil); got != tt.want {
			t.Errorf("forbiddenReason(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func TestParseAllow(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string // substring of the error; "" means no error
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "127.0.0.0/8", want: []string{"127.0.0.0/8"}},
		{in: "127.0.0.0/8,10.1.2.3", want: []string{"127.0.0.0/8", "10.1.2.3/32"}},
		{in: " 10.0.0.0/8 , ::1 ,fd00::/8,", want: []string{"10.0.0.0/8", "::1/128", "fd00::/8"}},
		{in: "::ffff:10.0.0.0/104", want: []string{"10.0.0.0/8"}},
		{in: "::ffff:10.1.2.3", want: []string{"10.1.2.3/32"}},
		{in: "0.0.0.0/0", want: []string{"0.0.0.0/0"}},
		{in: "10.0.0.256", wantErr: `"10.0.0.256"`},
		{in: "127.0.0.0/8,localhost", wantErr: `bad allow-ips entry "localhost": not an IP address`},
		{in: "10.0.0.0/33", wantErr: `"10.0.0.0/33"`},
		{in: "10.1.2.3/8", wantErr: `"10.1.2.3/8": address has bits set beyond the /8 mask (did you mean 10.0.0.0/8?)`},
		{in: "fe80::1%eth0", wantErr: `"fe80::1%eth0": addresses with a zone`},
		{in: "10.0.0.0/", wantErr: `"10.0.0.0/"`},
		{in: "/8", wantErr: `"/8"`},
	}
	for _, tt := range tests {
		got, err := ParseAllow(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAllow(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAllow(%q): %v", tt.in, err)
			continue
		}
		var gotS []string
		for _, p := range got {
			gotS = append(gotS, p.String())
		}
		if strings.Join(gotS, ",") != strings.Join(tt.want, ",") {
			t.Errorf("ParseAllow(%q) = %v, want %v", tt.in, gotS, tt.want)
		}
	}
}
