#!/usr/bin/env bash
# bench/run.sh - sockit beside nc, ncat, socat, busybox nc, toybox netcat and
# tcpserver (with iperf3, a hand-written epoll echo server and, for T1, a
# hand-written splice copy as yardsticks),
# all on loopback, every load bounded in count and time. Prints one Markdown
# table: each figure is the median of $RUNS runs, with its ratio to sockit's.
#   make bench              RUNS=5
#   QUICK=1 RUNS=1 make bench   a smoke run with small loads
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/common.sh
IDLE_BIG=${IDLE_BIG:-10000}
if [ -n "${QUICK:-}" ]; then IDLE_BIG=2000; fi
TOOLS=${TOOLS:-sockit ref nc ncat socat busybox toybox tcpserver}
have_tool() {
	case $1 in
	sockit) [ -x "$SOCKIT" ] ;; ref) [ -x "$REF" ] && [ -x bench/refsplice ] ;;
	busybox) busybox nc --help >/dev/null 2>&1 ;;
	toybox) toybox netcat --help >/dev/null 2>&1 ;;
	tcpserver) command -v tcpserver >/dev/null && command -v tcpclient >/dev/null ;;
	*) command -v "$1" >/dev/null ;;
	esac
}

# Each tool's echo server (nc has none for more than one client).
echo_srv() {
	case $1 in
	sockit) srv "$SOCKIT" tcp-serve -b 127.0.0.1 "$PORT" ;;
	ref) srv "$REF" "$PORT" ;;
	nc) rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
		srv sh -c "exec nc -l 127.0.0.1 $PORT <'$TMP/fifo' >'$TMP/fifo'" ;;
	ncat) srv ncat -l -k -m 20000 127.0.0.1 "$PORT" --exec /bin/cat ;;
	socat) srv socat "TCP-LISTEN:$PORT,bind=127.0.0.1,fork,reuseaddr,backlog=4096" PIPE ;;
	busybox) srv busybox nc -ll -p "$PORT" -e /bin/cat ;;
	toybox) srv toybox netcat -s 127.0.0.1 -p "$PORT" -L /bin/cat ;;
	tcpserver) srv tcpserver -c 20000 -b 4096 -H -R -l 0 127.0.0.1 "$PORT" /bin/cat ;;
	esac
}
multi_client() { [ "$1" != nc ]; }
forks() { case $1 in ncat|socat|busybox|toybox|tcpserver) return 0 ;; esac; return 1; }

# T1: T1_BYTES from a pipe, client -> server -> a sink that counts them; the
# time is until the sink has them all (however each tool ends its run). The
# servers that relay stdin too get a stdin that never ends, so that its EOF
# does not close the connection early.
t1_server() { # the server, its output into the sink
	local out="| '$LG' sink $T1_BYTES >'$TMP/sink'"
	case $1 in
	sockit) srv sh -c "'$SOCKIT' tcp-serve -o --once -b 127.0.0.1 $PORT $out" ;;
	ref) srv sh -c "'$PWD/bench/refsplice' recv $PORT $out" ;;
	nc) srv sh -c "sleep 600 | nc -l 127.0.0.1 $PORT $out" ;;
	ncat) srv sh -c "ncat -l --recv-only 127.0.0.1 $PORT $out" ;;
	socat) srv sh -c "socat -u TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr STDOUT $out" ;;
	busybox) srv sh -c "sleep 600 | busybox nc -l -p $PORT $out" ;;
	toybox) srv sh -c "sleep 600 | toybox netcat -s 127.0.0.1 -p $PORT -l $out" ;;
	tcpserver) srv sh -c "tcpserver -1 -H -R -l 0 127.0.0.1 $PORT sh -c 'exec cat >&2' 2>&1 >/dev/null $out" ;;
	*) return 1 ;;
	esac
}
t1_client() {
	case $1 in
	sockit) "$SOCKIT" tcp-send 127.0.0.1 "$PORT" ;;
	ref) bench/refsplice send "$PORT" ;;
	nc) nc -N 127.0.0.1 "$PORT" ;;
	ncat) ncat --send-only 127.0.0.1 "$PORT" ;;
	socat) socat -u STDIN "TCP:127.0.0.1:$PORT" ;;
	busybox) busybox nc 127.0.0.1 "$PORT" ;;
	toybox) toybox netcat -q 1 127.0.0.1 "$PORT" ;;
	tcpserver) tcpclient -H -R -l 0 127.0.0.1 "$PORT" sh -c 'exec cat >&7' ;;
	esac
}
t1_setup() { PORT=$(free_port); }
iperf_once() {
	PORT=$(free_port)
	srv iperf3 -s -1 -B 127.0.0.1 -p "$PORT"
	timeout 60 iperf3 -c 127.0.0.1 -p "$PORT" -n "$T1_BYTES" -J 2>/dev/null |
		awk -F: '/"bits_per_second"/ { v = $2 } END { gsub(/[ ,]/, "", v); printf "%.2f\n", v / 8e9 }'
	stop_srv
}

rps_once() { "$LG" rps "$PORT" "$1" "$SECS"; }
rtt_once() { "$LG" rtt "$PORT" 20000; }
cps_once() { "$LG" cps "$PORT" 16 "$SECS"; }
declare -A R
measure() {
	local t r p50 p99 kb
	for t in $TOOLS; do
		have_tool "$t" || { echo "# $t: not installed, skipped" >&2; continue; }
		echo "# $t" >&2
		R[$t,t1]=$(run_median t1_once "$t")
		PORT=$(free_port)
		echo_srv "$t"
		r=$(for i in $(seq "$RUNS"); do rtt_once; done)
		R[$t,p50]=$(echo "$r" | awk '{ print $1 }' | median)
		R[$t,p99]=$(echo "$r" | awk '{ print $2 }' | median)
		R[$t,rps1]=$(run_median rps_once 1)
		stop_srv
		multi_client "$t" || continue
		PORT=$(free_port); echo_srv "$t"
		R[$t,rps16]=$(run_median rps_once 16)
		R[$t,rps256]=$(run_median rps_once 256)
		R[$t,cps]=$(run_median cps_once)
		stop_srv
		PORT=$(free_port); echo_srv "$t"
		R[$t,idle0]=$(tree_rss "$SRV")
		R[$t,m1k]=$(idle_rss 1000)
		stop_srv
		if forks "$t"; then
			R[$t,m10k]="(forks)"
		else
			PORT=$(free_port); echo_srv "$t"
			R[$t,m10k]=$(idle_rss "$IDLE_BIG")
			stop_srv
		fi
	done
	for t in $TOOLS; do
		have_tool "$t" || continue
		local bin
		case $t in sockit) bin=$SOCKIT ;; ref) bin=$REF ;; *) bin=$(readlink -f "$(command -v "$t")") ;; esac
		R[$t,size]=$(stat -c %s "$bin")
		if file -L "$bin" | grep -q 'statically linked'; then R[$t,static]=yes; else R[$t,static]=no; fi
		case $t in
		sockit) R[$t,exec]=$(run_median "$LG" spawn 300 "$SOCKIT" --version) ;;
		nc) R[$t,exec]=$(run_median "$LG" spawn 300 nc -h) ;;
		ncat|socat) R[$t,exec]=$(run_median "$LG" spawn 300 "$t" --version) ;;
		busybox) R[$t,exec]=$(run_median "$LG" spawn 300 busybox true) ;;
		toybox) R[$t,exec]=$(run_median "$LG" spawn 300 toybox true) ;;
		tcpserver) R[$t,exec]=$(run_median "$LG" spawn 300 tcpserver) ;;
		esac
	done
	R[true,exec]=$(run_median "$LG" spawn 300 /bin/true)
	command -v iperf3 >/dev/null && R[iperf3,t1]=$(run_median iperf_once)
}


measure
cat <<HEAD
sockit $("$SOCKIT" --version | cut -d' ' -f2), $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr), runs: $RUNS (median), T1: $T1_BYTES bytes.
Ratios are the tool's figure over sockit's (higher is better for GB/s, req/s, conn/s; lower for µs, KiB, bytes).

| tool | T1 GB/s | T2 p50 µs | T2 p99 µs | T2 req/s ×1 | req/s ×16 | req/s ×256 | T3 conn/s | T4 KiB idle | KiB +1,000 idle | KiB +$IDLE_BIG idle | T5 exec µs | size B | static |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
HEAD
for t in $TOOLS; do
	have_tool "$t" || continue
	printf '| %s |' "$t"
	for k in t1 p50 p99 rps1 rps16 rps256 cps idle0 m1k m10k exec size static; do
		printf ' %s |' "$(cell "$t" "$k")"
	done
	echo
done
[ -n "${R[iperf3,t1]:-}" ] && echo "| iperf3 (reference) | $(cell iperf3 t1) | | | | | | | | | | | | |"
echo "| /bin/true | | | | | | | | | | | $(cell true exec) | | |"
