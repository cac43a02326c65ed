#!/usr/bin/env bash
# test-setup.sh makes sure that a Debian 12 machine has what Laurel's test
# suite needs, from Debian's own packages:
#
#   - Chromium at /usr/bin/chromium, and a font, for the browser tests
#     (testkit/browser); without a font, pages render text as empty boxes.
#   - The PostgreSQL server binaries (initdb, pg_ctl, postgres), for the
#     tests that start throwaway clusters of their own.
#
# It is idempotent and prints nothing when all is present. It prints one line
# per package that it installs. Not root and something missing: it prints
# what to install and exits 1.
set -euo pipefail

log() { printf 'test-setup: %s\n' "$*"; }

# pg_bindir prints the first directory that holds initdb, pg_ctl and postgres
# together, or fails. Debian keeps them in /usr/lib/postgresql/N/bin, out of
# PATH, so PATH alone is not enough.
pg_bindir() {
	local d candidates=()
	local initdb
	if initdb=$(command -v initdb 2>/dev/null); then
		candidates+=("$(dirname "$(readlink -f "$initdb")")")
		candidates+=("$(dirname "$initdb")")
	fi
	if command -v pg_config >/dev/null 2>&1; then
		candidates+=("$(pg_config --bindir 2>/dev/null || true)")
	fi
	# Newest major version first. An unmatched glob stays literal, and the
	# -x tests below skip it.
	while IFS= read -r d; do
		candidates+=("$d")
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn)
	for d in "${candidates[@]}"; do
		[[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] || continue
		printf '%s\n' "$d"
		return 0
	done
	return 1
}

# installed reports whether the Debian package is installed.
installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
# Any DejaVu or Liberation font will do; DejaVu is Debian's default.
if ! installed fonts-dejavu-core && ! installed fonts-liberation && ! installed fonts-liberation2; then
	missing+=(fonts-dejavu-core)
fi
pg_bindir >/dev/null || missing+=(postgresql)

if ((${#missing[@]} == 0)); then
	exit 0
fi

if ((EUID != 0)); then
	log "missing: ${missing[*]}"
	log "run as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi

# apt's output is long; keep it in a file and show it only when apt fails.
aptlog=$(mktemp)
trap 'rm -f "$aptlog"' EXIT
apt_quiet() {
	if ! DEBIAN_FRONTEND=noninteractive apt-get "$@" >"$aptlog" 2>&1; then
		cat "$aptlog" >&2
		log "apt-get $* failed" >&2
		exit 1
	fi
}

apt_quiet update -q
for pkg in "${missing[@]}"; do
	log "installing $pkg"
	apt_quiet install -y -q --no-install-recommends "$pkg"
done

# stop_system_postgres stops the cluster that Debian's postgresql package
# creates and starts on port 5432 when it is installed, and keeps it from
# starting at boot. The tests run throwaway clusters of their own, and an
# idle system cluster only takes memory and the port. Only done right after
# we installed the package, so a cluster that the machine's owner set up is
# left alone.
stop_system_postgres() {
	local ver name conf
	if command -v pg_lsclusters >/dev/null 2>&1; then
		# Columns: version, name, port, status, owner, data dir, log.
		while read -r ver name _ _ _ _ _; do
			[[ -n $ver && -n $name ]] || continue
			# pg_ctlcluster talks to the postmaster directly, so it works
			# when no init system runs (containers); "|| true" because a
			# cluster that did not start is fine too.
			pg_ctlcluster --force "$ver" "$name" stop >/dev/null 2>&1 || true
			conf=/etc/postgresql/$ver/$name/start.conf
			# "manual": neither systemd nor the init script starts it.
			if [[ -f $conf ]]; then
				echo manual >"$conf"
			fi
		done < <(pg_lsclusters -h 2>/dev/null || true)
	else
		service postgresql stop >/dev/null 2>&1 || true
	fi
	if [[ -d /run/systemd/system ]]; then
		systemctl disable --now postgresql >/dev/null 2>&1 || true
	fi
}

for pkg in "${missing[@]}"; do
	if [[ $pkg == postgresql ]]; then
		stop_system_postgres
	fi
done

# Check the result, so that a package that installs its files elsewhere
# fails here and not in the middle of a test run.
[[ -x /usr/bin/chromium ]] || { log "chromium is not at /usr/bin/chromium after install" >&2; exit 1; }
pg_bindir >/dev/null || { log "no initdb/pg_ctl/postgres found after install" >&2; exit 1; }
