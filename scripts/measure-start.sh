#!/usr/bin/env bash
# measure-start.sh measures how fast `laurel serve` becomes ready and how much
# memory an idle node uses, on its own embedded PostgreSQL:
#
#   cold start  fresh data directory (initdb, start PostgreSQL, create the
#               database, migrations) until GET /readyz answers 200;
#   warm start  restart on the same data after a clean shutdown (SIGTERM)
#               until GET /readyz answers 200;
#   idle memory after the node has been ready and idle for a few seconds:
#               VmRSS of the laurel process, and apart from it the summed
#               RSS and PSS of the PostgreSQL processes of its cluster (RSS
#               counts shared memory once per process; PSS splits it fairly).
#
# Each run also measures a baseline on the same machine at the same moment, a
# plain initdb'd cluster with the same binaries and settings laurel uses:
# `initdb` (the floor of any cold start) and `pg_ctl start -w` (the floor of
# any warm start), so results can be read as ratios on a noisy machine.
#
# It builds the binary first (go build, not go run, so compilation is not
# timed), works in a temporary directory that it removes on exit, and stops
# every process it started. It prints progress on stderr and a Markdown
# report on stdout. docs/PERFORMANCE.md holds the latest results.
#
# Usage: scripts/measure-start.sh [-n RUNS] [-i IDLE_SECONDS] [-t TIMEOUT_SECONDS]
#   -n, --runs N      cold and warm measurements to take (default 5; env RUNS)
#   -i, --idle S      seconds to stay idle before reading memory (default 5; env IDLE)
#   -t, --timeout S   longest wait for /readyz before giving up (default 120; env TIMEOUT)
#   env PORT          port to listen on (default: a free one)
#
# Needs: go, curl, and the PostgreSQL server binaries (initdb, pg_ctl,
# postgres), found the way laurel finds them. Linux only (/proc).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk must use '.' as the decimal point

usage() { sed -n '/^# Usage:/,/^# Needs:/{/^# Needs:/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
log() { printf 'measure-start: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

RUNS=${RUNS:-5}
IDLE=${IDLE:-5}
TIMEOUT=${TIMEOUT:-120}
while (($#)); do
	case $1 in
	-n | --runs) RUNS=${2:?$1 needs a value}; shift 2 ;;
	--runs=*) RUNS=${1#*=}; shift ;;
	-i | --idle) IDLE=${2:?$1 needs a value}; shift 2 ;;
	--idle=*) IDLE=${1#*=}; shift ;;
	-t | --timeout) TIMEOUT=${2:?$1 needs a value}; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "runs must be a positive integer, not '$RUNS'"
[[ $IDLE =~ ^[0-9]+([.][0-9]+)?$ ]] || die "idle must be a number of seconds, not '$IDLE'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "timeout must be a positive integer, not '$TIMEOUT'"
[[ -r /proc/self/smaps_rollup ]] || die "needs Linux with /proc/PID/smaps_rollup (kernel 4.14 or later)"
for tool in go curl awk; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

# Nothing from the caller's environment may point laurel or the baseline at
# another database or change laurel's log format.
unset DATABASE_URL "${!LAUREL_@}" "${!PG@}"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# pg_bindir prints the directory laurel takes initdb, pg_ctl and postgres
# from, searching in its order (pgcluster.candidateDirs): PATH, then
# `pg_config --bindir`, then /usr/lib/postgresql/*/bin, newest first.
pg_bindir() {
	local d dirs=()
	IFS=: read -ra dirs <<<"$PATH"
	if command -v pg_config >/dev/null; then
		dirs+=("$(pg_config --bindir 2>/dev/null || true)")
	fi
	while IFS= read -r d; do
		dirs+=("$d")
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4,4 -rV)
	for d in "${dirs[@]}"; do
		[[ $d == /* && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] || continue
		printf '%s\n' "$d"
		return 0
	done
	return 1
}
pgbin=$(pg_bindir) || die "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found; run scripts/test-setup.sh"

# PostgreSQL refuses to run as root; laurel then runs it as postgres (or
# nobody), and so does the baseline.
pg_user=$(id -un)
if ((EUID == 0)); then
	pg_user=
	for u in postgres nobody; do
		if id -u "$u" >/dev/null 2>&1; then
			pg_user=$u
			break
		fi
	done
	[[ -n $pg_user ]] || die "running as root, but there is no postgres (or nobody) user to run PostgreSQL as"
fi
# as_user USER CMD... runs CMD as USER (root may switch; others are USER).
as_user() {
	local user=$1
	shift
	if ((EUID == 0)) && [[ $user != root ]]; then
		runuser -u "$user" -- "$@"
	else
		"$@"
	fi
}

# ---- processes -------------------------------------------------------------

# proc_state PID prints the process state letter, or nothing if it is gone.
proc_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	printf '%s\n' "${stat%% *}"
}
# alive PID: exists and is not a zombie.
alive() {
	local s
	s=$(proc_state "$1")
	[[ -n $s && $s != Z && $s != X ]]
}
# children PID prints the PIDs whose parent is PID.
children() {
	local f stat fields
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		read -ra fields <<<"${stat##*) }" # state ppid ...
		if [[ ${fields[1]} == "$1" ]]; then
			f=${f#/proc/}
			printf '%s\n' "${f%/stat}"
		fi
	done
}
# postmaster DATADIR prints the PID of the running server of DATADIR, or fails.
postmaster() {
	local pid cwd
	[[ -f $1/postmaster.pid ]] || return 1
	pid=$(head -n1 "$1/postmaster.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
	# The postmaster's working directory is its data directory.
	cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
	[[ $cwd == "$(readlink -f "$1")" ]] || return 1
	printf '%s\n' "$pid"
}
# stop_postgres DATADIR stops a server left running in DATADIR, as its owner.
stop_postgres() {
	local owner
	postmaster "$1" >/dev/null || return 0
	owner=$(stat -c %U "$1")
	as_user "$owner" "$pgbin/pg_ctl" stop -D "$1" -m fast -w -t 30 >/dev/null 2>&1 ||
		as_user "$owner" "$pgbin/pg_ctl" stop -D "$1" -m immediate -w -t 30 >/dev/null 2>&1 || true
}
# stop_pid PID [SECONDS] sends SIGTERM, waits for the exit (SIGKILL after
# SECONDS, default 60) and reaps the child. It sets result to the seconds the
# exit took and returns the child's exit status.
stop_pid() {
	local pid=$1 limit=${2:-60} t0 start=$SECONDS rc=0
	t0=$EPOCHREALTIME
	kill -TERM "$pid" 2>/dev/null || true
	while alive "$pid"; do
		if ((SECONDS - start > limit)); then
			log "PID $pid did not exit within ${limit}s of SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		sleep 0.01
	done
	result=$(since "$t0")
	wait "$pid" 2>/dev/null || rc=$?
	return "$rc"
}

# ---- numbers -----------------------------------------------------------------

# since T0 [T1] prints the seconds from T0 to T1 (EPOCHREALTIME values; T1
# defaults to now).
since() { awk -v a="${2:-$EPOCHREALTIME}" -v b="$1" 'BEGIN{printf "%.3f", a - b}'; }
# kb_field FILE FIELD prints the kB value of "FIELD: N kB" in a /proc file.
kb_field() { awk -v f="$2:" '$1 == f {print $2; found=1} END{if (!found) print 0}' "$1" 2>/dev/null || echo 0; }
# mib KB prints KB in MiB with one decimal.
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; }
# stats V... prints "min median max" of numbers.
stats() {
	printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s %s\n", v[1], m, v[NR]
	}'
}
# row LABEL FORMAT V... prints a Markdown table row with min, median and max.
row() {
	local label=$1 fmt=$2 s
	shift 2
	read -ra s <<<"$(stats "$@")"
	# shellcheck disable=SC2059 # the format is the caller's, on purpose
	printf "| %s | $fmt | $fmt | $fmt |\n" "$label" "${s[0]}" "${s[1]}" "${s[2]}"
}
# ratio A B prints A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}'; }
# median V... prints the median.
median() {
	local s
	read -ra s <<<"$(stats "$@")"
	printf '%s\n' "${s[1]}"
}

# memory LAUREL_PID DATADIR sets mem_laurel_rss (kB, 0 without a laurel
# process), mem_pg_n, mem_pg_rss and mem_pg_pss (kB, summed over the
# postmaster of DATADIR and its children).
memory() {
	local pid pm
	mem_laurel_rss=0 mem_pg_n=0 mem_pg_rss=0 mem_pg_pss=0
	if [[ -n $1 ]]; then
		mem_laurel_rss=$(kb_field "/proc/$1/status" VmRSS)
	fi
	pm=$(postmaster "$2") || die "no PostgreSQL running in $2"
	local pids=("$pm")
	mapfile -t -O 1 pids < <(children "$pm")
	for pid in "${pids[@]}"; do
		mem_pg_n=$((mem_pg_n + 1))
		mem_pg_rss=$((mem_pg_rss + $(kb_field "/proc/$pid/status" VmRSS)))
		mem_pg_pss=$((mem_pg_pss + $(kb_field "/proc/$pid/smaps_rollup" Pss)))
	done
}

# ---- set-up and clean-up -----------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/laurel-measure.XXXXXX")
laurel_pid=
result=
cleanup() {
	local rc=$? d pid cwd
	set +e
	if [[ -n $laurel_pid ]] && alive "$laurel_pid"; then
		log "stopping laurel (PID $laurel_pid)"
		stop_pid "$laurel_pid" 30
	fi
	# laurel stops the PostgreSQL it started, and the baseline stops its own;
	# whatever still runs from the temporary directory was left behind.
	for d in "$tmp"/*/pg/data "$tmp"/bare-*/data; do
		if postmaster "$d" >/dev/null; then
			log "PostgreSQL still running in $d; stopping it"
			stop_postgres "$d"
		fi
	done
	for d in /proc/[0-9]*; do
		cwd=$(readlink "$d/cwd" 2>/dev/null) || continue
		if [[ $cwd == "$tmp"/* && $(cat "$d/comm" 2>/dev/null) == postgres ]]; then
			pid=${d#/proc/}
			log "PostgreSQL process $pid still running in $cwd; sending SIGTERM"
			kill -TERM "$pid" 2>/dev/null
		fi
	done
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ((EUID == 0)); then
	# PostgreSQL runs as $pg_user and must reach the data directories below.
	# The parent is TMPDIR (usually /tmp, mode 1777): not ours to chmod.
	chmod 0755 "$tmp"
	as_user "$pg_user" test -x "$tmp" ||
		die "user $pg_user cannot reach $tmp; set TMPDIR to a directory it can enter (e.g. /tmp)"
fi

port=${PORT:-}
if [[ -z $port ]]; then
	for _ in {1..100}; do
		p=$((20000 + RANDOM % 40000))
		if command -v ss >/dev/null; then
			[[ -z $(ss -Htln "sport = :$p") ]] && port=$p && break
		elif ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			port=$p && break
		fi
	done
	[[ -n $port ]] || die "found no free port; set PORT"
fi
url="http://127.0.0.1:$port/readyz"

log "building laurel (not timed as start-up)"
t0=$EPOCHREALTIME
(cd "$repo" && go build -o "$tmp/laurel" ./cmd/laurel)
build_secs=$(since "$t0")
go_version=$(go env GOVERSION)
commit=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
pg_version=$("$pgbin/postgres" --version)
cd "$tmp" # the PostgreSQL user may not be able to enter the caller's directory

# ---- measurements ------------------------------------------------------------

# start_laurel DATADIR LOG starts `laurel serve` in the background, waits for
# /readyz to answer 200 and sets result to the seconds from exec to that
# answer; laurel_pid is the process.
start_laurel() {
	local data=$1 logf=$2 t0 t1 code start=$SECONDS
	t0=$EPOCHREALTIME
	PATH="$pgbin:$PATH" "$tmp/laurel" serve --data "$data" --database-url= \
		--listen "127.0.0.1:$port" --log-level info --log-format text >"$logf" 2>&1 &
	laurel_pid=$!
	while :; do
		# laurel listens before it opens the database, so until its HTTP
		# server runs the connection is accepted and the request waits in the
		# queue: the answer comes as soon as the server serves.
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
		t1=$EPOCHREALTIME
		if [[ $code == 200 ]]; then
			result=$(since "$t0" "$t1")
			phases "$t0" "$logf"
			return 0
		fi
		if ! alive "$laurel_pid"; then
			wait "$laurel_pid" 2>/dev/null || true
			laurel_pid=
			die "laurel exited before it was ready; its log:$(printf '\n%s' "$(tail -n 20 "$logf")")"
		fi
		if ((SECONDS - start > TIMEOUT)); then
			die "laurel not ready after ${TIMEOUT}s (last /readyz status $code); its log:$(printf '\n%s' "$(tail -n 20 "$logf")")"
		fi
		sleep 0.02
	done
}

# phases T0 LOG appends "message<TAB>seconds since T0" for each log line of
# laurel's start-up (until its first request) to LOG.phases.
phases() {
	local t0=$1 logf=$2 line ts msg epoch
	while IFS= read -r line; do
		[[ $line =~ ^time=([^ ]+)\ level=[A-Z]+\ msg=(\"[^\"]*\"|[^ ]+) ]] || continue
		ts=${BASH_REMATCH[1]} msg=${BASH_REMATCH[2]//\"/}
		[[ $msg == request ]] && break
		epoch=$(date -d "$ts" +%s.%N) || continue
		printf '%s\t%s\n' "$msg" "$(awk -v a="$epoch" -v b="$t0" 'BEGIN{printf "%.3f", a - b}')"
	done <"$logf" >"$logf.phases"
}

# stop_laurel DATADIR LOG stops laurel with SIGTERM, sets result to the
# seconds from the signal to its exit, and checks that it exited cleanly and
# stopped its PostgreSQL.
stop_laurel() {
	local data=$1 logf=$2
	stop_pid "$laurel_pid" || {
		failures=$((failures + 1))
		log "warning: laurel exited with an error; its log ends:$(printf '\n%s' "$(tail -n 5 "$logf")")"
	}
	laurel_pid=
	if postmaster "$data/pg/data" >/dev/null; then
		leaks=$((leaks + 1))
		log "warning: PostgreSQL still running in $data/pg/data after laurel exited; stopping it"
		stop_postgres "$data/pg/data"
	fi
}

declare -a bare_initdb bare_start bare_stop bare_n bare_pss
declare -a cold cold_stop cold_rss warm warm_stop warm_rss pg_n pg_rss pg_pss
declare -a ratio_cold ratio_warm
leaks=0 failures=0

log "$RUNS runs on port $port, PostgreSQL binaries from $pgbin run as $pg_user, idle ${IDLE}s before memory readings"
for ((i = 1; i <= RUNS; i++)); do
	# Baseline: a plain cluster with laurel's initdb options and settings.
	b=$tmp/bare-$i
	mkdir -m 0755 "$b"
	((EUID == 0)) && chown "$pg_user" "$b"
	as_user "$pg_user" mkdir -m 0700 "$b/sock"
	t0=$EPOCHREALTIME
	as_user "$pg_user" "$pgbin/initdb" -D "$b/data" -U postgres -A trust --locale=C --encoding=UTF8 >"$b/initdb.log" 2>&1 ||
		die "baseline initdb failed: $(tail -n 5 "$b/initdb.log")"
	bare_initdb+=("$(since "$t0")")
	t0=$EPOCHREALTIME
	as_user "$pg_user" "$pgbin/pg_ctl" start -D "$b/data" -l "$b/postgresql.log" -w -t "$TIMEOUT" \
		-o "-c listen_addresses='' -k '$b/sock' -c unix_socket_permissions=0700 -c max_connections=100 -c shared_buffers=32MB" >/dev/null ||
		die "baseline pg_ctl start failed: $(tail -n 5 "$b/postgresql.log")"
	bare_start+=("$(since "$t0")")
	sleep "$IDLE"
	memory "" "$b/data"
	bare_n+=("$mem_pg_n")
	bare_pss+=("$(mib "$mem_pg_pss")")
	t0=$EPOCHREALTIME
	as_user "$pg_user" "$pgbin/pg_ctl" stop -D "$b/data" -m fast -w -t "$TIMEOUT" >/dev/null
	bare_stop+=("$(since "$t0")")
	rm -rf "$b"

	# laurel: cold start on a fresh data directory, clean stop, warm start.
	d=$tmp/node-$i
	start_laurel "$d" "$tmp/cold-$i.log"
	cold+=("$result")
	sleep "$IDLE"
	memory "$laurel_pid" "$d/pg/data"
	cold_rss+=("$(mib "$mem_laurel_rss")")
	stop_laurel "$d" "$tmp/cold-$i.log"
	cold_stop+=("$result")

	start_laurel "$d" "$tmp/warm-$i.log"
	warm+=("$result")
	sleep "$IDLE"
	memory "$laurel_pid" "$d/pg/data"
	warm_rss+=("$(mib "$mem_laurel_rss")")
	pg_n+=("$mem_pg_n")
	pg_rss+=("$(mib "$mem_pg_rss")")
	pg_pss+=("$(mib "$mem_pg_pss")")
	stop_laurel "$d" "$tmp/warm-$i.log"
	warm_stop+=("$result")
	rm -rf "$d"

	ratio_cold+=("$(ratio "${cold[-1]}" "$(awk -v a="${bare_initdb[-1]}" -v b="${bare_start[-1]}" 'BEGIN{print a + b}')")")
	ratio_warm+=("$(ratio "${warm[-1]}" "${bare_start[-1]}")")
	log "run $i/$RUNS: bare initdb ${bare_initdb[-1]}s, pg_ctl start ${bare_start[-1]}s;" \
		"laurel cold ${cold[-1]}s, warm ${warm[-1]}s, idle RSS ${warm_rss[-1]} MiB," \
		"PostgreSQL ${pg_n[-1]} processes RSS ${pg_rss[-1]} MiB PSS ${pg_pss[-1]} MiB"
done

# ---- report ------------------------------------------------------------------

# phase_table KIND prints the median time since exec of each start-up log line.
phase_table() {
	cat "$tmp/$1"-*.log.phases | awk -F'\t' '
		!($1 in n) { order[++k] = $1 }
		{ v[$1, ++n[$1]] = $2 }
		END {
			for (i = 1; i <= k; i++) {
				m = order[i]; c = n[m]
				for (a = 2; a <= c; a++) {        # insertion sort, c is small
					x = v[m, a]
					for (b = a - 1; b >= 1 && v[m, b] > x; b--) v[m, b + 1] = v[m, b]
					v[m, b + 1] = x
				}
				med = c % 2 ? v[m, (c + 1) / 2] : (v[m, c / 2] + v[m, c / 2 + 1]) / 2
				printf "| %s | %.3f |\n", m, med
			}
		}'
}

goal() { # goal LABEL VALUE LIMIT UNIT [LIMIT_TEXT]
	local verdict=missed
	if (($(awk -v v="$2" -v l="$3" 'BEGIN{print (v < l)}'))); then
		verdict=met
	fi
	printf -- '- %s: worst run %s %s, goal < %s: **%s**\n' "$1" "$2" "$4" "${5:-$3 $4}" "$verdict"
}
worst() {
	local s
	read -ra s <<<"$(stats "$@")"
	printf '%s\n' "${s[2]}"
}

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
cat <<EOF
## Start-up and idle memory

Measured $(date -u '+%Y-%m-%d %H:%M UTC') with \`scripts/measure-start.sh --runs $RUNS --idle $IDLE\`.

- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $mem RAM, Linux $(uname -r)
- laurel at commit $commit, built with $go_version in ${build_secs}s beforehand (not counted)
- $pg_version from $pgbin, run as user $pg_user

| metric (runs: $RUNS) | min | median | max |
| --- | ---: | ---: | ---: |
EOF
row "laurel cold start, exec → /readyz 200 (s)" "%.2f" "${cold[@]}"
row "laurel warm start, exec → /readyz 200 (s)" "%.2f" "${warm[@]}"
row "laurel shutdown after cold start, SIGTERM → exit (s)" "%.2f" "${cold_stop[@]}"
row "laurel shutdown after warm start, SIGTERM → exit (s)" "%.2f" "${warm_stop[@]}"
row "baseline: initdb (s)" "%.2f" "${bare_initdb[@]}"
row "baseline: pg_ctl start -w (s)" "%.2f" "${bare_start[@]}"
row "baseline: pg_ctl stop -m fast -w (s)" "%.2f" "${bare_stop[@]}"
row "laurel process idle RSS after cold start (MiB)" "%.1f" "${cold_rss[@]}"
row "laurel process idle RSS after warm start (MiB)" "%.1f" "${warm_rss[@]}"
row "laurel's PostgreSQL: processes" "%g" "${pg_n[@]}"
row "laurel's PostgreSQL: summed RSS (MiB, counts shared memory repeatedly)" "%.1f" "${pg_rss[@]}"
row "laurel's PostgreSQL: summed PSS (MiB)" "%.1f" "${pg_pss[@]}"
row "baseline PostgreSQL, idle: processes" "%g" "${bare_n[@]}"
row "baseline PostgreSQL, idle: summed PSS (MiB)" "%.1f" "${bare_pss[@]}"
cat <<EOF

Ratios against the baseline of the same run (median, min–max over runs):

EOF
read -ra rc <<<"$(stats "${ratio_cold[@]}")"
read -ra rw <<<"$(stats "${ratio_warm[@]}")"
printf -- '- laurel cold start = %.2f × (bare initdb + bare pg_ctl start) (%.2f–%.2f)\n' "${rc[1]}" "${rc[0]}" "${rc[2]}"
printf -- '- laurel warm start = %.2f × bare pg_ctl start (%.2f–%.2f)\n' "${rw[1]}" "${rw[0]}" "${rw[2]}"
cat <<EOF

Goals:

EOF
goal "cold start" "$(worst "${cold[@]}")" 15 s
goal "warm start" "$(worst "${warm[@]}")" 3 s
goal "idle RSS of the laurel process" "$(worst "${cold_rss[@]}" "${warm_rss[@]}")" 57.2 MiB "60 MB (57.2 MiB)"
if ((leaks > 0)); then
	printf -- '- **PostgreSQL kept running after laurel exited, %d time(s)**\n' "$leaks"
fi
if ((failures > 0)); then
	printf -- '- **laurel exited with an error after SIGTERM, %d time(s)**\n' "$failures"
fi
cat <<EOF

Where a cold start spends its time (median seconds from exec to each line of laurel's log):

| log line | s |
| --- | ---: |
EOF
phase_table cold
printf '| /readyz 200 | %.3f |\n' "$(median "${cold[@]}")"
cat <<EOF

The same for a warm start:

| log line | s |
| --- | ---: |
EOF
phase_table warm
printf '| /readyz 200 | %.3f |\n' "$(median "${warm[@]}")"
