# multicast.sh - run by udp-listen.test inside "unshare -n": a veth pair of our
# own carries IPv4 and IPv6 multicast; nothing reaches any other host.
. "$TESTS/lib.sh"
sysctl -qw net.ipv6.conf.default.accept_dad=0 2>/dev/null
ip link set lo up
if ! ip link add mc0 type veth peer name mc1 2>"$TMP/ip.err"; then
	skip "multicast: cannot create a veth pair: $(cat "$TMP/ip.err")"
	exit 0
fi
ip link set mc0 up && ip link set mc1 up
ip route add 224.0.0.0/4 dev mc0
wait_for 10 eval "ip -6 addr show dev mc0 | grep -q 'fe80.*scope link' && ! ip -6 addr show dev mc0 | grep -q tentative" ||
	echo "# mc0 has no usable link-local address yet"

begin "--group: IPv4 multicast is received, by two listeners on one port"
listen g1 --group 239.7.7.7 --iface mc0 -n 1 0
G1=$SPID; GP=$PORT
SERVE_IN=/dev/null "$SOCKIT" udp-listen --group 239.7.7.7 --iface mc0 -n 1 "$GP" >"$TMP/g2.out" 2>"$TMP/g2.err" & G2=$!
PIDS="$PIDS $G2"
wait_for 5 eval "grep -q ':$(printf %04X "$GP") ' /proc/net/udp6 /proc/net/udp && [ \$(grep -c ':$(printf %04X "$GP") ' /proc/net/udp) -ge 2 ]"
run "$SOCKIT" udp-send --ttl 1 239.7.7.7 "$GP" "to the group"
is_rc 0
wait_exit "$G1" 10; is_rc 0
wait_exit "$G2" 10; is_rc 0
is_file "$TMP/g1.out" <(printf 'to the group\n')
is_file "$TMP/g2.out" <(printf 'to the group\n')
end

begin "--group: IPv6 multicast (link-local and wider scope)"
listen g6 --group ff02::1:7 --iface mc0 -n 1 --from 0
G6=$SPID
run "$SOCKIT" udp-send "ff02::1:7%mc0" "$PORT" six
is_rc 0
wait_exit "$G6" 10; is_rc 0
grep -qE '^\[fe80::[0-9a-f:]+\]:[0-9]+ six$' "$TMP/g6.out" || flunk "got: $(cat "$TMP/g6.out")"
listen g7 --group ff15::77 --iface mc0 -n 1 0
G7=$SPID
ip -6 route add ff15::/16 dev mc0 table local 2>/dev/null
run "$SOCKIT" udp-send -6 ff15::77 "$PORT" wide
is_rc 0
wait_exit "$G7" 10; is_rc 0
is_file "$TMP/g7.out" <(printf 'wide\n')
end

begin "-B: a broadcast needs it (permission denied, exit 1, without)"
listen bc -4 -n 1 0
BC=$SPID
run "$SOCKIT" udp-send 127.255.255.255 "$PORT" x
is_rc 1; has_err "permission denied"
run "$SOCKIT" udp-send -B 127.255.255.255 "$PORT" broadcast
is_rc 0
wait_exit "$BC" 10; is_rc 0
is_file "$TMP/bc.out" <(printf 'broadcast\n')
end

begin "udp-send --iface: the datagram leaves by the interface named, not by the route"
ip link add mc2 type veth peer name mc3 && ip link set mc2 up && ip link set mc3 up
listen gi --group 239.7.7.8 --iface mc2 -n 1 0
GI=$SPID
run "$SOCKIT" udp-send --iface mc2 239.7.7.8 "$PORT" "by mc2"
is_rc 0
wait_exit "$GI" 10; is_rc 0
is_file "$TMP/gi.out" <(printf 'by mc2\n')
end

begin "udp-send --ttl 0 to a group: this host's members still get it"
listen gz --group 239.7.7.9 --iface mc0 -n 1 0
GZ=$SPID
run "$SOCKIT" udp-send --ttl 0 239.7.7.9 "$PORT" "ttl zero"
is_rc 0
wait_exit "$GZ" 10; is_rc 0
is_file "$TMP/gz.out" <(printf 'ttl zero\n')
end

begin "udp-listen -b GROUP --group GROUP receives"
listen gb --group 239.7.7.10 --iface mc0 -b 239.7.7.10 -n 1 0
GB=$SPID
run "$SOCKIT" udp-send 239.7.7.10 "$PORT" bound
is_rc 0
wait_exit "$GB" 10; is_rc 0
is_file "$TMP/gb.out" <(printf 'bound\n')
end
