# lib.sh - sourced by every tests/*.test: temporary files, servers started on
# port 0 and found through --port-file, waits with deadlines, and assertions.
# A case:   begin "what it shows"; run CMD...; is_rc 0; is_out "text"; end
set -u
: "${SOCKIT:?set SOCKIT to the binary under test}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sockit-test.XXXXXX")
PIDS=""
cleanup() {
	local p
	disown -a 2>/dev/null # no "Killed" notices for what we end here
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
PY=$(command -v python3)

# Each case collects the reasons it failed; end prints "ok" or "not ok".
CASE=""
WHY=""
begin() { CASE=$1; WHY=""; }
flunk() { WHY="$WHY${WHY:+; }$1"; }
end() {
	if [ -z "$WHY" ]; then echo "ok - $CASE"; else echo "not ok - $CASE: $WHY"; fi
	CASE=""
}
skip() { echo "# skip $1"; }

# run CMD...: stdout to $OUT, stderr to $ERR, status in $RC; bounded in time.
OUT=$TMP/out
ERR=$TMP/err
RC=0
run() {
	timeout -k 2 "${RUN_TIMEOUT:-20}" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
run_in() { # run_in FILE CMD...: as run, stdin from FILE
	local f=$1; shift
	timeout -k 2 "${RUN_TIMEOUT:-20}" "$@" >"$OUT" 2>"$ERR" <"$f"
	RC=$?
}
is_rc() { [ "$RC" -eq "$1" ] || flunk "exit $RC, want $1 (stderr: $(head -c 300 "$ERR"))"; }
is_out() { # exact stdout; printf-style escapes are not interpreted
	local want=$1 got
	got=$(cat "$OUT"; echo x); got=${got%x}
	[ "$got" = "$want" ] || flunk "stdout '$(printf %s "$got" | head -c 200)', want '$want'"
}
is_out_file() { cmp -s "$OUT" "$1" || flunk "stdout differs from $1 ($(wc -c <"$OUT") vs $(wc -c <"$1") bytes)"; }
is_err() { # exact stderr
	local got
	got=$(cat "$ERR")
	[ "$got" = "$1" ] || flunk "stderr '$got', want '$1'"
}
has_err() { grep -qF -- "$1" "$ERR" || flunk "stderr lacks '$1' (it is '$(head -c 300 "$ERR")')"; }
no_err() { [ ! -s "$ERR" ] || flunk "stderr not empty: $(head -c 300 "$ERR")"; }
one_err_line() { [ "$(wc -l <"$ERR")" -eq 1 ] || flunk "stderr is not one line: $(head -c 300 "$ERR")"; }
is_file() { cmp -s "$1" "$2" || flunk "$1 differs from $2 ($(wc -c <"$1" 2>/dev/null) vs $(wc -c <"$2") bytes)"; }

# wait_for SECS CMD...: poll CMD until it succeeds, or fail after SECS.
wait_for() {
	local secs=$1 end; shift
	end=$(( $(date +%s%N) / 1000000 + ${secs%.*} * 1000 ))
	until "$@" 2>/dev/null; do
		[ "$(( $(date +%s%N) / 1000000 ))" -lt "$end" ] || return 1
		sleep 0.02
	done
}

# wait_until SECS 'CONDITION': as wait_for, but the shell text CONDITION is
# evaluated afresh each time (wait_for test "$(cmd)" would expand it once).
wait_until() { local secs=$1; shift; wait_for "$secs" eval "$1"; }

# wait_exit PID SECS: wait for PID to end; its status in $RC (124 if it had
# to be killed at the deadline).
wait_exit() {
	if wait_for "$2" eval "! kill -0 $1"; then
		wait "$1"
		RC=$?
	else
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=124
	fi
}

# close_fds: in a subshell, close every fd but 0, 1 and 2 (the FIFO ends and
# others the test shell holds), so that what it runs holds none of them.
close_fds() {
	local f
	for f in /proc/$BASHPID/fd/*; do
		f=${f##*/}
		[ "$f" -gt 2 ] && eval "exec $f>&-"
	done 2>/dev/null
}

# serve NAME ARGS...: start "sockit tcp-serve --port-file F ARGS..." with stdout
# in $TMP/NAME.out and stderr in $TMP/NAME.err; sets PORT and SPID once the
# port file is there. SERVE_IN names its stdin (default /dev/null).
serve_as() { # serve_as NAME APPLET ARGS...
	local name=$1 applet=$2; shift 2
	rm -f "$TMP/$name.port"
	: >"$TMP/$name.out" # appended to, so that a test may truncate it
	( # only 0, 1 and 2 reach the server, as from a clean shell
		close_fds
		exec "$SOCKIT" "$applet" --port-file "$TMP/$name.port" "$@" \
			>>"$TMP/$name.out" 2>"$TMP/$name.err" <"${SERVE_IN:-/dev/null}"
	) &
	SPID=$!
	PIDS="$PIDS $SPID"
	if ! wait_for 10 test -s "$TMP/$name.port"; then
		PORT=0
		flunk "server $name did not write its port file: $(head -c 300 "$TMP/$name.err")"
		return 1
	fi
	PORT=$(cat "$TMP/$name.port")
}
serve() { local name=$1; shift; serve_as "$name" tcp-serve "$@"; }
stop() { # stop PID: SIGTERM, then wait (status in RC)
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1" 10
}

# dead_port [tcp|udp]: PORT on which nothing answers, held by peer.py for the
# whole test file so that no server started later (port 0) can be given it.
dead_port() {
	local f="$TMP/dead.${1:-tcp}.port"
	"$PY" "$TESTS/helpers/peer.py" hold "${1:-tcp}" "$f" & PIDS="$PIDS $!"
	wait_for 10 test -s "$f" || { flunk "peer.py hold did not start"; return 1; }
	PORT=$(cat "$f")
}

# free_port: PORT, free a moment ago (bound by a server that has ended), for
# a case that starts its own server there later.
free_port() {
	local p
	serve free 0 || return 1
	p=$PORT
	stop "$SPID"
	PORT=$p
}

# build_helper NAME: compile tests/helpers/NAME.c into $TMP/NAME.
build_helper() {
	"${HOST_CC:-cc}" -O1 -o "$TMP/$1" "$TESTS/helpers/$1.c" 2>"$TMP/$1.cc.err" ||
		{ flunk "cannot build helper $1: $(head -c 300 "$TMP/$1.cc.err")"; return 1; }
}
# listen NAME ARGS...: start "sockit udp-listen --port-file F ARGS..." (as serve).
listen() { local name=$1; shift; serve_as "$name" udp-listen "$@"; }
# lines_in NAME N: wait until $TMP/NAME.out has N lines.
lines_in() { wait_until "${3:-10}" "[ \"\$(wc -l <\"\$TMP/$1.out\")\" -ge $2 ]"; }

# userve NAME SOCK ARGS...: start "sockit unix-serve ARGS..." (stdout and stderr
# in $TMP/NAME.out, .err, stdin SERVE_IN) and wait until SOCK is there: a
# socket file (a new one, where a stale one was), or for @NAME a listening
# abstract socket. Sets SPID.
userve() {
	local name=$1 sock=$2; shift 2
	: >"$TMP/$name.out"
	( close_fds; exec "$SOCKIT" unix-serve "$@" >>"$TMP/$name.out" 2>"$TMP/$name.err" \
		<"${SERVE_IN:-/dev/null}" ) &
	SPID=$!
	PIDS="$PIDS $SPID"
	if [ "${sock#@}" != "$sock" ]; then
		wait_until 10 "ss -Hxl | grep -qF -- '$sock '"
	else
		# A stale socket may be at SOCK already: wait for ours too, which
		# the kernel knows by its temporary name .skPID (lib/unix.c).
		wait_until 10 "[ -S '$sock' ] && grep -qE '(^| |/)\.sk$SPID\$' /proc/net/unix"
	fi || { flunk "unix-serve $name did not listen: $(head -c 300 "$TMP/$name.err")"; return 1; }
}
