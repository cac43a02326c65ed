package federation

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// hostOf returns the lower-case authority of an absolute http(s) URL, the
// unit of domain policy and per-peer limits; "" when raw is not one.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Host)
}

// domainBlocked reports whether node admins blocked host (or a parent
// domain of it).
func domainBlocked(ctx context.Context, db DB, host string) (bool, error) {
	name := strings.ToLower(host)
	if h, _, ok := strings.Cut(name, ":"); ok && !strings.Contains(h, "]") {
		name = h
	}
	var blocked bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM domain_block
		WHERE host = $1 OR host = $2 OR right($2, length(host) + 1) = '.' || host)`, strings.ToLower(host), name).Scan(&blocked)
	if err != nil {
		return false, fmt.Errorf("check domain block of %s: %w", host, err)
	}
	return blocked, nil
}
