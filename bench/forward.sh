#!/usr/bin/env bash
# bench/forward.sh - the forwarding rows: sockit tcp-serve --to beside socat
# (fork), ncat --sh-exec, haproxy (mode tcp, with and without splice),
# rinetd, redir, simpleproxy, systemd-socket-proxyd (under
# systemd-socket-activate), and sockit tcp-serve running sockit tcp-send (a
# process per connection); "direct" is the backend reached without a relay,
# "ref" the smallest hand-written epoll relay (bench/refrelay.c): the floor
# of sockit's design, one event loop doing a read and a write per message.
# All on 127.0.0.1, every load bounded. Prints one Markdown table: medians of
# $RUNS runs, ratios to sockit's.
#   make bench-forward          RUNS=5
#   QUICK=1 RUNS=1 make bench-forward
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/common.sh
TOOLS=${TOOLS:-direct ref sockit sockit-exec socat ncat haproxy haproxy-splice rinetd redir simpleproxy socket-proxyd}
PROXYD=/lib/systemd/systemd-socket-proxyd
BACK=""
stop_back() { [ -z "$BACK" ] || stop_group "$BACK"; BACK=""; }
trap 'stop_srv; stop_back; rm -rf "$TMP"' EXIT
# back CMD...: the backend, on a free port BP, in a session of its own.
back() {
	stop_back
	BP=$(free_port)
	setsid sh -c "$1" _ "$BP" >/dev/null 2>&1 </dev/null &
	BACK=$!
	wait_listen "$BP"
}
have_tool() {
	case $1 in
	direct) true ;;
	ref) [ -x bench/refrelay ] ;;
	sockit*) [ -x "$SOCKIT" ] ;;
	haproxy*) command -v haproxy >/dev/null ;;
	socket-proxyd) [ -x "$PROXYD" ] && command -v systemd-socket-activate >/dev/null ;;
	*) command -v "$1" >/dev/null ;;
	esac
}
haproxy_cfg() {
	printf 'global\n\tmaxconn 4000\n%s\ndefaults\n\tmode tcp\n\ttimeout connect 5s\n' \
		"$([ "$1" = haproxy ] && printf '\tnosplice')"
	printf '\ttimeout client 60s\n\ttimeout server 60s\n%s\n' \
		"$([ "$1" = haproxy-splice ] && printf '\toption splice-auto')"
	printf 'frontend f\n\tbind 127.0.0.1:%s\n\tdefault_backend b\nbackend b\n\tserver s 127.0.0.1:%s\n' \
		"$PORT" "$BP"
}
# relay TOOL: TOOL listening on a free PORT, forwarding to 127.0.0.1:BP.
relay() {
	[ "$1" = direct ] && { PORT=$BP; return 0; }
	PORT=$(free_port)
	case $1 in
	ref) srv bench/refrelay "$PORT" "$BP" ;;
	sockit) srv "$SOCKIT" tcp-serve -b 127.0.0.1 --to "127.0.0.1:$BP" "$PORT" ;;
	sockit-exec) srv "$SOCKIT" tcp-serve -q -b 127.0.0.1 -c 20000 "$PORT" \
		"$SOCKIT" tcp-send 127.0.0.1 "$BP" ;;
	socat) srv socat "TCP-LISTEN:$PORT,bind=127.0.0.1,fork,reuseaddr,backlog=4096" \
		"TCP:127.0.0.1:$BP" ;;
	ncat) srv ncat -l -k -m 20000 127.0.0.1 "$PORT" --sh-exec "exec ncat 127.0.0.1 $BP" ;;
	haproxy*) haproxy_cfg "$1" >"$TMP/hp.cfg"; srv haproxy -db -f "$TMP/hp.cfg" ;;
	rinetd) echo "127.0.0.1 $PORT 127.0.0.1 $BP" >"$TMP/rinetd.conf"
		srv rinetd -f -c "$TMP/rinetd.conf" ;;
	redir) srv redir -n "127.0.0.1:$PORT" "127.0.0.1:$BP" ;;
	simpleproxy) srv simpleproxy -L "127.0.0.1:$PORT" -R "127.0.0.1:$BP" ;;
	socket-proxyd) srv systemd-socket-activate -l "127.0.0.1:$PORT" "$PROXYD" -c 20000 \
		"127.0.0.1:$BP" ;;
	esac
}

# Throughput: T1_BYTES from a pipe, tcp-send -> relay -> tcp-serve --print -> sink.
t1_server() { back "exec '$SOCKIT' tcp-serve -o --once -b 127.0.0.1 \"\$1\" | '$LG' sink $T1_BYTES >'$TMP/sink'" && relay "$1"; }
t1_client() { "$SOCKIT" tcp-send 127.0.0.1 "$PORT"; }
# run_median runs each in a subshell: its backend is stopped there too.
t1_fwd() { t1_once "$1"; stop_back; }
rps_once() { "$LG" rps "$PORT" "$1" "$SECS"; }
cps_once() { "$LG" cps "$PORT" 16 "$SECS"; }
# CPU the relay spends per request, in µs, with 256 connections, sampled
# while the load runs. Not for the relays that fork per connection: their
# processes come and go between the samples.
cpu_once() {
	local lg n
	"$LG" rps "$PORT" 256 "$(awk -v s="$SECS" 'BEGIN { print s + 1 }')" >"$TMP/cpu.out" &
	lg=$!
	sleep 0.5
	tree_cpu "$SRV" >"$TMP/cpu0"
	sleep "$SECS"
	tree_cpu "$SRV" >"$TMP/cpu1"
	wait "$lg"
	n=$(cat "$TMP/cpu.out")
	awk -v ns="$(cpu_between "$TMP/cpu0" "$TMP/cpu1")" -v n="$n" -v s="$SECS" \
		'BEGIN { if (n > 0) printf "%.1f\n", ns / 1e3 / (n * s); else print "fail" }'
}
# The client half-closes, the backend answers 1 s later: does it arrive?
late_once() {
	[ "$("$SOCKIT" tcp-send -w 5 127.0.0.1 "$PORT" x 2>/dev/null)" = late ] && echo yes || echo no
}

declare -A R
for t in $TOOLS; do
	have_tool "$t" || { echo "# $t: not installed, skipped" >&2; continue; }
	echo "# $t" >&2
	R[$t,t1]=$(run_median t1_fwd "$t")
	back "exec '$REF' \"\$1\""
	relay "$t" || { echo "# $t: does not listen" >&2; stop_srv; continue; }
	R[$t,rps1]=$(run_median rps_once 1)
	R[$t,rps16]=$(run_median rps_once 16)
	R[$t,rps256]=$(run_median rps_once 256)
	R[$t,cps]=$(run_median cps_once)
	if [ "$t" != direct ]; then
		case $t in sockit-exec|socat|ncat|redir|simpleproxy) ;; # fork: not counted
		*) R[$t,cpu]=$(run_median cpu_once) ;;
		esac
		idle0=$(tree_rss "$SRV")
		m=$(idle_rss 1000)
		case $m in *" "*) R[$t,m1k]="$m" ;; *) R[$t,m1k]=$((m - idle0)) ;; esac
	fi
	stop_srv
	back "exec '$SOCKIT' tcp-serve -b 127.0.0.1 --sh 'cat >/dev/null; sleep 1; echo late' \"\$1\""
	relay "$t"
	R[$t,late]=$(late_once)
	stop_srv
	stop_back
done

cat <<HEAD
Forwarding: sockit $("$SOCKIT" --version | cut -d' ' -f2), $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr), runs: $RUNS (median), T1: $T1_BYTES bytes; backend: loadgen sink (T1), refecho (req/s, conn/s, RSS).

| relay | T1 GB/s | req/s ×1 | req/s ×16 | req/s ×256 | relay CPU µs/req ×256 | conn/s | KiB +1,000 idle | late reply after half-close |
|---|---|---|---|---|---|---|---|---|
HEAD
for t in $TOOLS; do
	have_tool "$t" || continue
	printf '| %s |' "$t"
	for k in t1 rps1 rps16 rps256 cpu cps m1k late; do printf ' %s |' "$(cell "$t" "$k")"; done
	echo
done
