package federation

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/laurelnet/laurel/problem"
	"github.com/laurelnet/laurel/vocab"
)

// hostOf returns the lower-case authority of an absolute http(s) URL, the
// unit of domain policy and per-peer limits; "" when raw is not one.
func hostOf(raw string) string { return vocab.HostOf(raw) }

// Domain policy is managed by node admins (laurel domain ..., and the
// admin API): a block list, and an allowlist that matters when the node
// runs in allowlist mode (Config.AllowlistMode). An entry is a host name
// or IP address, with a port when it applies to that port only, and
// covers its subdomains: a block of example.org refuses a.example.org but
// not evil-example.org. Matching compares whole labels, never patterns.

// DomainBlock is one blocked domain.
type DomainBlock struct {
	Host      string    `json:"host"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// DomainAllow is one domain an allowlist-mode node federates with.
type DomainAllow struct {
	Host      string    `json:"host"`
	CreatedAt time.Time `json:"created_at"`
}

// maxReason bounds the length of a block's reason, in characters.
const maxReason = 1000

// NormalizeHost turns what an admin typed into a policy entry: lower
// case, without surrounding space, scheme, user, path, query or trailing
// dot; an IP address in its canonical form (IPv6 in brackets); a port kept
// when given. Anything that is not then a host name, an IP address or one
// of those with a port is an Invalid problem naming the field "host".
func NormalizeHost(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "", problem.Invalidf("host", "is required: a domain such as example.org (with :port to block one port only)")
	}
	if !isASCII(s) {
		return "", problem.Invalidf("host", "%q: give an internationalised domain name in its xn-- (punycode) form", raw)
	}
	if strings.HasPrefix(s, "*.") {
		return "", problem.Invalidf("host", "%q: no wildcards; an entry for %s covers its subdomains already", raw, s[2:])
	}
	name, port, err := splitPort(s)
	if err != nil {
		return "", problem.Invalidf("host", "%q: %v", raw, err)
	}
	if inner, ok := strings.CutPrefix(name, "["); ok {
		ip, err := netip.ParseAddr(strings.TrimSuffix(inner, "]"))
		if err != nil || !strings.HasSuffix(inner, "]") || !ip.Is6() || ip.Zone() != "" {
			return "", problem.Invalidf("host", "%q: not an IPv6 address in brackets", raw)
		}
		return joinPort(canonicalIP(ip), port), nil
	}
	if ip, err := netip.ParseAddr(name); err == nil && ip.Is4() {
		return joinPort(canonicalIP(ip), port), nil
	}
	name = strings.TrimSuffix(name, ".")
	if err := checkHostname(name); err != nil {
		return "", problem.Invalidf("host", "%q: %v", raw, err)
	}
	return joinPort(name, port), nil
}

// splitPort separates host[:port]; port is "" when there is none, and is
// written without leading zeros.
func splitPort(s string) (name, port string, err error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.HasSuffix(s, "]") {
		return s, "", nil
	}
	name, p := s[:i], s[i+1:]
	if strings.Contains(name, ":") && !strings.HasSuffix(name, "]") {
		return "", "", errors.New("an IPv6 address must be in brackets, as in [2001:db8::1]")
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || strings.HasPrefix(p, "+") {
		return "", "", fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return name, strconv.Itoa(n), nil
}

func joinPort(name, port string) string {
	if port == "" {
		return name
	}
	return name + ":" + port
}

// canonicalIP writes an address as it appears in a URL's host: IPv4
// dotted (also for an IPv4-mapped IPv6 address), IPv6 in brackets.
func canonicalIP(ip netip.Addr) string {
	ip = ip.Unmap()
	if ip.Is6() {
		return "[" + ip.String() + "]"
	}
	return ip.String()
}

// checkHostname accepts a DNS host name: labels of letters, digits and
// inner hyphens, at most 63 characters each and 253 in all, with a top
// label that is not all digits (which would be a mistyped IP address).
func checkHostname(name string) error {
	if name == "" || len(name) > 253 {
		return errors.New("not a host name")
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("not a host name (empty, too long, or hyphen at the edge of a label)")
		}
		for _, c := range []byte(l) {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return fmt.Errorf("not a host name (%q is not allowed: letters, digits, hyphens and dots only)", c)
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return errors.New("neither a host name nor an IP address")
	}
	return nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// policyKeys returns the forms of a peer's host (as hostOf gives it) that
// policy entries are matched against: with its port and without. An IP
// address is put in canonical form and a trailing dot dropped, so that
// neither spelling slips past an entry.
func policyKeys(host string) (full, name string) {
	name, port, err := splitPort(strings.ToLower(host))
	if err != nil {
		return host, host
	}
	if ip, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		name = canonicalIP(ip.WithZone(""))
	} else {
		name = strings.TrimSuffix(name, ".")
	}
	return joinPort(name, port), name
}

// refused reports whether the node refuses to federate with host (as
// hostOf gives it): because it or a parent domain is blocked or, in
// allowlist mode, because neither it nor a parent domain is allowed. It is
// the one check behind the inbox, fetches and deliveries. Our own host is
// never refused. A host that is not ASCII is refused: the entries are in
// punycode, and such a name cannot be matched against them reliably.
func (f *Federation) refused(ctx context.Context, db DB, host string) (bool, error) {
	if f.urls.Base != nil && strings.EqualFold(host, f.urls.Base.Host) {
		return false, nil
	}
	if !isASCII(host) {
		return true, nil
	}
	full, name := policyKeys(host)
	// An entry matches the host itself (with or without its port) or a
	// parent domain of it on a label boundary. right() compares plain
	// text: no character of an entry is a pattern, as it would be in LIKE.
	const matches = `host = $1 OR host = $2
		OR right($1, length(host) + 1) = '.' || host
		OR right($2, length(host) + 1) = '.' || host`
	var blocked, allowed bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM domain_block WHERE `+matches+`),
		$3 AND EXISTS (SELECT 1 FROM domain_allow WHERE `+matches+`)`,
		full, name, f.cfg.AllowlistMode).Scan(&blocked, &allowed)
	if err != nil {
		return false, fmt.Errorf("check domain policy for %s: %w", host, err)
	}
	return blocked || (f.cfg.AllowlistMode && !allowed), nil
}

// refusal is the problem (403) a refused host is answered with.
func (f *Federation) refusal(host string) error {
	if f.cfg.AllowlistMode {
		return problem.Forbiddenf("%s is blocked on this node (it federates only with the domains it allows)", host)
	}
	return problem.Forbiddenf("%s is blocked on this node", host)
}

// BlockDomain blocks host (and its subdomains): nothing is accepted from,
// fetched from or delivered to it. Blocking a blocked host again replaces
// its reason.
func BlockDomain(ctx context.Context, db DB, host, reason string) error {
	h, err := NormalizeHost(host)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return problem.Invalidf("reason", "is longer than %d characters", maxReason)
	}
	if _, err := db.Exec(ctx, `INSERT INTO domain_block (host, reason) VALUES ($1, $2)
		ON CONFLICT (host) DO UPDATE SET reason = excluded.reason`, h, reason); err != nil {
		return fmt.Errorf("block %s: %w", h, err)
	}
	return nil
}

// UnblockDomain removes the block of host; NotFound when it is not blocked.
func UnblockDomain(ctx context.Context, db DB, host string) error {
	h, err := NormalizeHost(host)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `DELETE FROM domain_block WHERE host = $1`, h)
	if err != nil {
		return fmt.Errorf("unblock %s: %w", h, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("%s is not blocked", h)
	}
	return nil
}

// DomainBlocks lists the blocked domains by host.
func DomainBlocks(ctx context.Context, db DB) ([]DomainBlock, error) {
	rows, err := db.Query(ctx, `SELECT host, reason, created_at FROM domain_block ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DomainBlock])
	if err != nil {
		return nil, fmt.Errorf("list domain blocks: %w", err)
	}
	return list, nil
}

// AllowDomain adds host (and its subdomains) to the domains an
// allowlist-mode node federates with. Allowing it again changes nothing.
func AllowDomain(ctx context.Context, db DB, host string) error {
	h, err := NormalizeHost(host)
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `INSERT INTO domain_allow (host) VALUES ($1) ON CONFLICT (host) DO NOTHING`, h); err != nil {
		return fmt.Errorf("allow %s: %w", h, err)
	}
	return nil
}

// DisallowDomain removes host from the allowlist; NotFound when it is not
// on it.
func DisallowDomain(ctx context.Context, db DB, host string) error {
	h, err := NormalizeHost(host)
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `DELETE FROM domain_allow WHERE host = $1`, h)
	if err != nil {
		return fmt.Errorf("disallow %s: %w", h, err)
	}
	if tag.RowsAffected() == 0 {
		return problem.NotFoundf("%s is not on the allowlist", h)
	}
	return nil
}

// AllowedDomains lists the allowlist by host.
func AllowedDomains(ctx context.Context, db DB) ([]DomainAllow, error) {
	rows, err := db.Query(ctx, `SELECT host, created_at FROM domain_allow ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("list allowed domains: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DomainAllow])
	if err != nil {
		return nil, fmt.Errorf("list allowed domains: %w", err)
	}
	return list, nil
}

// DomainBlockOf returns the block entry of exactly host (already
// normalised); NotFound when there is none.
func DomainBlockOf(ctx context.Context, db DB, host string) (DomainBlock, error) {
	var b DomainBlock
	err := db.QueryRow(ctx, `SELECT host, reason, created_at FROM domain_block WHERE host = $1`, host).
		Scan(&b.Host, &b.Reason, &b.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return DomainBlock{}, problem.NotFoundf("%s is not blocked", host)
	}
	if err != nil {
		return DomainBlock{}, fmt.Errorf("read block of %s: %w", host, err)
	}
	return b, nil
}

// DomainAllowOf returns the allowlist entry of exactly host (already
// normalised); NotFound when there is none.
func DomainAllowOf(ctx context.Context, db DB, host string) (DomainAllow, error) {
	var a DomainAllow
	err := db.QueryRow(ctx, `SELECT host, created_at FROM domain_allow WHERE host = $1`, host).Scan(&a.Host, &a.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return DomainAllow{}, problem.NotFoundf("%s is not on the allowlist", host)
	}
	if err != nil {
		return DomainAllow{}, fmt.Errorf("read allowlist entry of %s: %w", host, err)
	}
	return a, nil
}
