package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrForbiddenAddress is wrapped by every error that refuses a request
// because its target (a literal IP in the URL, or an address a host name
// resolved to) is loopback, private, link-local or otherwise not a public
// unicast address, and is not covered by Config.Allow. The wrapping error
// names the address, e.g.
//
//	egress: 10.0.0.1 is a private address (allow it with --allow-ips)
var ErrForbiddenAddress = errors.New("egress: forbidden address")

// forbiddenError is the concrete error behind ErrForbiddenAddress.
type forbiddenError struct {
	host   string     // the host name that resolved to addr; "" for a literal IP
	addr   netip.Addr // the refused address, as found
	reason string     // e.g. "a private address"
}

func (e *forbiddenError) Error() string {
	if e.host != "" {
		return fmt.Sprintf("egress: %s resolves to %s, %s (allow it with --allow-ips)", e.host, e.addr, e.reason)
	}
	return fmt.Sprintf("egress: %s is %s (allow it with --allow-ips)", e.addr, e.reason)
}

func (e *forbiddenError) Unwrap() error { return ErrForbiddenAddress }

// specialRange is one block of addresses that may not be reached unless
// allowed, with the words that describe it in errors.
type specialRange struct {
	prefix netip.Prefix
	what   string
}

// v4Ranges are the IPv4 blocks refused by default. More specific blocks come
// before the blocks that contain them so that errors use the better name.
var v4Ranges = [...]specialRange{
	{netip.MustParsePrefix("0.0.0.0/32"), "an unspecified address"},
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("255.255.255.255/32"), "a broadcast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
}

// v6Ranges are the IPv6 blocks refused by default. IPv4-mapped addresses
// (::ffff:0:0/96) are unmapped and checked as IPv4 before this table is
// consulted, and NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses are
// judged by the IPv4 address they embed.
var v6Ranges = [...]specialRange{
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("::/96"), "a deprecated IPv4-compatible address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a deprecated site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	sixToFourNet = netip.MustParsePrefix("2002::/16")
)

// IsForbidden reports whether ip may not be connected to: it is loopback,
// private, link-local, unspecified, multicast, broadcast, shared (CGNAT),
// reserved, documentation or benchmarking space, or an IPv4-mapped, NAT64 or
// 6to4 form of such an IPv4 address, and no prefix in allow contains it (or,
// for those embedding forms, the IPv4 address it stands for). Zones are
// ignored. The zero Addr is forbidden.
//
// The client calls it for every address it is about to dial; the inbox may
// call it for its own checks.
func IsForbidden(ip netip.Addr, allow []netip.Prefix) bool {
	return forbiddenReason(ip, allow) != ""
}

// forbiddenReason returns why ip may not be connected to (e.g. "a private
// address"), or "" when it may.
func forbiddenReason(ip netip.Addr, allow []netip.Prefix) string {
	if !ip.IsValid() {
		return "an invalid address"
	}
	orig := ip
	ip = ip.WithZone("").Unmap()
	if allowed(ip, allow) {
		return ""
	}
	if ip.Is4() {
		what := lookupRange(v4Ranges[:], ip)
		if what != "" && orig.Is4In6() {
			return fmt.Sprintf("an IPv4-mapped address for %s, %s", ip, what)
		}
		return what
	}
	if v4, kind, ok := embeddedV4(ip); ok {
		if allowed(v4, allow) {
			return ""
		}
		if what := lookupRange(v4Ranges[:], v4); what != "" {
			return fmt.Sprintf("a %s address for %s, %s", kind, v4, what)
		}
		return ""
	}
	return lookupRange(v6Ranges[:], ip)
}

// embeddedV4 returns the IPv4 address that a NAT64 (64:ff9b::/96) or 6to4
// (2002::/16) address leads to.
func embeddedV4(ip netip.Addr) (v4 netip.Addr, kind string, ok bool) {
	b := ip.As16()
	switch {
	case nat64Prefix.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), "NAT64", true
	case sixToFourNet.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4", true
	}
	return netip.Addr{}, "", false
}

func lookupRange(ranges []specialRange, ip netip.Addr) string {
	for _, r := range ranges {
		if r.prefix.Contains(ip) {
			return r.what
		}
	}
	return ""
}

// allowed reports whether a prefix in allow contains ip, which must be
// unzoned and unmapped.
func allowed(ip netip.Addr, allow []netip.Prefix) bool {
	for _, p := range allow {
		if normalizePrefix(p).Contains(ip) {
			return true
		}
	}
	return false
}

// normalizePrefix turns an IPv4-mapped IPv6 prefix such as
// ::ffff:10.0.0.0/104 into the IPv4 prefix it stands for (10.0.0.0/8), since
// addresses are unmapped before they are checked.
func normalizePrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// ParseAllow parses the value of --allow-ips: a comma-separated list of CIDR
// prefixes and single IP addresses, e.g. "127.0.0.0/8,10.1.2.3,::1". A single
// address becomes a /32 (IPv4) or /128 (IPv6) prefix; IPv4-mapped IPv6 entries
// become the IPv4 prefixes they stand for. Spaces around entries and empty
// entries are ignored, so "" yields no prefixes. A prefix with bits set beyond
// its mask (10.1.2.3/8) is refused rather than silently widened, and so is an
// address with a zone; the error names the bad entry.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, field := range strings.Split(s, ",") {
		entry := strings.TrimSpace(field)
		if entry == "" {
			continue
		}
		p, err := parseAllowEntry(entry)
		if err != nil {
			return nil, fmt.Errorf("egress: bad allow-ips entry %q: %w", entry, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseAllowEntry(entry string) (netip.Prefix, error) {
	if strings.Contains(entry, "/") {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return netip.Prefix{}, err
		}
		if m := p.Masked(); m != p {
			return netip.Prefix{}, fmt.Errorf("address has bits set beyond the /%d mask (did you mean %s?)", p.Bits(), m)
		}
		return normalizePrefix(p), nil
	}
	a, err := netip.ParseAddr(entry)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR prefix: %w", err)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("addresses with a zone are not supported")
	}
	return normalizePrefix(netip.PrefixFrom(a, a.BitLen())), nil
}
