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
. bench/common.sh
TOOLS=${TOOLS:-sockit ref socat ncat unixserver s6-ipcserver}
SOCK=$TMP/s
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
