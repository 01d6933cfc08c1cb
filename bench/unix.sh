#!/usr/bin/env bash
# bench/unix.sh - the Unix-socket rows: unix-serve beside socat
# (UNIX-LISTEN,fork), ncat -U --exec, ucspi-unix's unixserver and s6-ipcserver,
# each running cat, and the hand-written epoll reference (refecho PATH). All on
# sockets in a temporary directory, every load bounded in count and time.
# Prints one Markdown table: medians of $RUNS runs, ratios to sockit's.
#   make bench-unix            RUNS=5
#   QUICK=1 RUNS=1 make bench-unix
set -u
cd "$(dirname "$0")/.." || exit 2
SOCKIT=${SOCKIT:-$PWD/sockit}
LG=$PWD/bench/loadgen
REF=$PWD/bench/refecho
RUNS=${RUNS:-5}
T1_BYTES=${T1_BYTES:-2147483648}
SECS=${SECS:-2}
if [ -n "${QUICK:-}" ]; then T1_BYTES=268435456; SECS=0.5; fi
TOOLS=${TOOLS:-sockit ref socat ncat unixserver s6-ipcserver}
TMP=$(mktemp -d)
SOCK=$TMP/s
SRV=""
cleanup() { stop_srv; rm -rf "$TMP"; }
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
now_ns() { date +%s%N; }
have_tool() {
	case $1 in
	sockit) [ -x "$SOCKIT" ] ;; ref) [ -x "$REF" ] ;;
	*) command -v "$1" >/dev/null ;;
	esac
}
# srv CMD...: start a server in its own session, wait for its socket.
srv() {
	rm -f "$SOCK"
	setsid "$@" >/dev/null 2>&1 </dev/null &
	SRV=$!
	for _ in $(seq 250); do [ -S "$SOCK" ] && return 0; sleep 0.02; done
	return 1
}
stop_srv() {
	[ -n "$SRV" ] || return 0
	kill -TERM -- -"$SRV" 2>/dev/null
	kill -KILL -- -"$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=""
	rm -f "$SOCK"
}

echo_srv() {
	case $1 in
	sockit) srv "$SOCKIT" unix-serve "$SOCK" ;;
	ref) srv "$REF" "$SOCK" ;;
	socat) srv socat "UNIX-LISTEN:$SOCK,fork,backlog=4096" EXEC:/bin/cat ;;
	ncat) srv ncat -l -k -m 20000 -U "$SOCK" --exec /bin/cat ;;
	unixserver) srv unixserver -c 20000 -b 4096 "$SOCK" /bin/cat ;;
	s6-ipcserver) srv s6-ipcserver -c 20000 "$SOCK" /bin/cat ;;
	esac
}

# T1 over a Unix socket: T1_BYTES from a pipe, client -> server -> sink.
t1_server() {
	local out="| '$LG' sink $T1_BYTES >'$TMP/sink'"
	case $1 in
	sockit) srv sh -c "'$SOCKIT' unix-serve -o --once '$SOCK' $out" ;;
	socat) srv sh -c "socat -u UNIX-LISTEN:'$SOCK' STDOUT $out" ;;
	ncat) srv sh -c "ncat -l --recv-only -U '$SOCK' $out" ;;
	*) return 1 ;;
	esac
}
t1_client() {
	case $1 in
	sockit) "$SOCKIT" unix-send "$SOCK" ;;
	socat) socat -u STDIN "UNIX-CONNECT:$SOCK" ;;
	ncat) ncat --send-only -U "$SOCK" ;;
	esac
}
t1_once() {
	local t0 t1 cpid
	rm -f "$TMP/sink"
	t1_server "$1" || { echo "–"; return; }
	t0=$(now_ns)
	head -c "$T1_BYTES" /dev/zero | t1_client "$1" >/dev/null 2>&1 &
	cpid=$!
	for _ in $(seq 3000); do [ -s "$TMP/sink" ] && break; sleep 0.02; done
	t1=$(now_ns)
	kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
	stop_srv
	if [ "$(cat "$TMP/sink" 2>/dev/null)" != ok ]; then
		echo "fail"
		return
	fi
	awk -v b="$T1_BYTES" -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f\n", b / ns }'
}
run_median() {
	local i out
	out=$(for i in $(seq "$RUNS"); do "$@"; done)
	case $out in *fail*) echo fail ;; *–*) echo "–" ;; *) echo "$out" | median ;; esac
}
rps_once() { "$LG" rps "$SOCK" "$1" "$SECS"; }

declare -A R
for t in $TOOLS; do
	have_tool "$t" || { echo "# $t: not installed, skipped" >&2; continue; }
	echo "# $t" >&2
	[ "$t" != ref ] && R[$t,t1]=$(run_median t1_once "$t")
	echo_srv "$t" || { echo "# $t: no socket" >&2; stop_srv; continue; }
	R[$t,rps1]=$(run_median rps_once 1)
	R[$t,rps16]=$(run_median rps_once 16)
	R[$t,rps256]=$(run_median rps_once 256)
	stop_srv
done

cell() {
	local v=${R[$1,$2]:-} s=${R[sockit,$2]:-}
	[ -n "$v" ] || { printf -- "–"; return; }
	case $v in *[!0-9.]*) printf '%s' "$v"; return ;; esac
	if [ "$1" = sockit ] || [ -z "$s" ] || [ "$s" = 0 ]; then printf '%s' "$v"; return; fi
	awk -v v="$v" -v s="$s" 'BEGIN { printf "%s (%.2f×)", v, v / s }'
}
cat <<HEAD
Unix sockets: sockit $("$SOCKIT" --version | cut -d' ' -f2), $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr), runs: $RUNS (median), T1: $T1_BYTES bytes.

| tool | T1 GB/s | req/s ×1 | req/s ×16 | req/s ×256 |
|---|---|---|---|---|
HEAD
for t in $TOOLS; do
	have_tool "$t" || continue
	printf '| %s |' "$t"
	for k in t1 rps1 rps16 rps256; do printf ' %s |' "$(cell "$t" "$k")"; done
	echo
done
