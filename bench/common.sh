# bench/common.sh - what bench/run.sh, unix.sh and forward.sh share: medians,
# the server started in a session of its own and stopped whole, free ports,
# RSS of a process tree, and the table's cells with their ratios to sockit's.
# Sourced; R is the results array. The settings all take (RUNS, T1_BYTES, SECS, QUICK=1 for a smoke run), a
# temporary directory, and the server stopped at exit.
SOCKIT=${SOCKIT:-$PWD/sockit}
LG=$PWD/bench/loadgen
REF=$PWD/bench/refecho
RUNS=${RUNS:-5}
T1_BYTES=${T1_BYTES:-2147483648}
SECS=${SECS:-2}
if [ -n "${QUICK:-}" ]; then T1_BYTES=268435456; SECS=0.5; fi
TMP=$(mktemp -d)
SRV=""
cleanup() { stop_srv; rm -rf "$TMP"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
now_ns() { date +%s%N; }
# stop_group PID: the process group of PID (started by setsid), ended.
stop_group() {
	kill -TERM -- -"$1" 2>/dev/null
	kill -KILL -- -"$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
stop_srv() { [ -z "$SRV" ] || stop_group "$SRV"; SRV=""; }
# run_median CMD...: the median of RUNS runs of CMD's one-number output; a
# run that failed makes the figure "fail", one that cannot be made "–".
run_median() {
	local i out
	out=$(for i in $(seq "$RUNS"); do "$@"; done)
	case $out in *fail*) echo fail ;; *–*) echo "–" ;; *) echo "$out" | median ;; esac
}
# cell TOOL KEY: the figure and its ratio to sockit's.
cell() {
	local v=${R[$1,$2]:-} s=${R[sockit,$2]:-}
	[ -n "$v" ] || { printf -- "–"; return; }
	case $v in *[!0-9.]*) printf '%s' "$v"; return ;; esac
	if [ "$1" = sockit ] || [ -z "$s" ] || [ "$s" = 0 ]; then printf '%s' "$v"; return; fi
	awk -v v="$v" -v s="$s" 'BEGIN { printf "%s (%.2f×)", v, v / s }'
}
# t1_once TOOL: T1_BYTES from a pipe, through the script's t1_client and
# t1_server (after its t1_setup, if it has one), into the sink: GB/s. The
# time is until the sink has them all, however each tool ends its run.
t1_once() {
	local t0 t1 cpid
	if declare -F t1_setup >/dev/null; then t1_setup; fi
	rm -f "$TMP/sink"
	t1_server "$1" || { echo "–"; return; }
	t0=$(now_ns)
	head -c "$T1_BYTES" /dev/zero | t1_client "$1" >/dev/null 2>&1 &
	cpid=$!
	# the sink's "ok" (or "short N") is written when it is done
	for _ in $(seq 3000); do [ -s "$TMP/sink" ] && break; sleep 0.02; done
	t1=$(now_ns)
	kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
	stop_srv
	if [ "$(cat "$TMP/sink" 2>/dev/null)" != ok ]; then
		echo "# $1: T1 failed: sink says '$(cat "$TMP/sink" 2>/dev/null)'" >&2
		echo "fail"
		return
	fi
	awk -v b="$T1_BYTES" -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f\n", b / ns }'
}

# TCP servers (bench/unix.sh has its own srv, for a socket path).
# A port nothing listens on: sockit binds port 0 and lets it go.
free_port() {
	rm -f "$TMP/fp"
	"$SOCKIT" tcp-serve --port-file "$TMP/fp" --accept-timeout 0.001 -b 127.0.0.1 0 >/dev/null 2>&1
	cat "$TMP/fp"
}
# Wait (5 s at most) until something listens on PORT, without connecting:
# a connection would use up a one-client server.
wait_listen() {
	local hex i
	hex=$(printf ':%04X ' "$1")
	for i in $(seq 250); do
		grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}
# srv CMD...: start a server in its own session; its forks die with it.
srv() {
	setsid "$@" >/dev/null 2>&1 </dev/null &
	SRV=$!
	wait_listen "$PORT"
}
tree_pids() { # PID and all its descendants
	local pids=" $1 " changed=1 f p pp
	while [ "$changed" = 1 ]; do
		changed=0
		for f in /proc/[0-9]*/stat; do
			read -r p _ _ pp _ 2>/dev/null <"$f" || continue
			case "$pids" in *" $pp "*)
				case "$pids" in *" $p "*) ;; *) pids="$pids$p "; changed=1 ;; esac ;;
			esac
		done
	done
	echo $pids
}
tree_rss() { # KiB of RSS of PID and all its descendants
	local p
	for p in $(tree_pids "$1"); do awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null; done |
		awk '{ s += $1 } END { print s + 0 }'
}
# tree_cpu PID: "PID NS" for PID and each live descendant: nanoseconds its
# threads ran on a CPU (schedstat: exact, where clock ticks round down).
tree_cpu() {
	local p
	for p in $(tree_pids "$1"); do
		cat "/proc/$p/task/"*/schedstat 2>/dev/null | awk -v p="$p" '{ s += $1 } END { print p, s + 0 }'
	done
}
# cpu_between A B: the CPU time spent between two tree_cpu samples, by the
# processes of B (one that was in A only ended between them: not counted).
cpu_between() {
	awk 'NR == FNR { a[$1] = $2; next } { s += $2 - ($1 in a ? a[$1] : 0) } END { print s + 0 }' "$1" "$2"
}
idle_rss() { # N: RSS of the server tree while N idle clients are connected
	local lg up
	"$LG" idle "$PORT" "$1" 60 >"$TMP/idle.out" 2>"$TMP/idle.err" &
	lg=$!
	for _ in $(seq 2000); do grep -q ready "$TMP/idle.out" && break; sleep 0.02; done
	up=$(awk '/ready/ { print $2 }' "$TMP/idle.out")
	sleep 0.5 # let the server take the last of them
	if [ "${up:-0}" -eq "$1" ]; then tree_rss "$SRV"; else echo "$(tree_rss "$SRV") (${up:-0} up)"; fi
	kill "$lg" 2>/dev/null
	wait "$lg" 2>/dev/null
}

