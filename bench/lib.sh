# Shared by bench/dhcp.sh and bench/dns.sh (sourced, not run): messages, CPU pinning, stopping a process,
# the namespaces a run makes (and only those) and the /proc figures of the server ($SPID).
# The sourcing script sets OUT (its output folder) before calling log, and MADE_NS="" before make_ns.

die() { echo "bench: $*" >&2; exit 1; }

# export_serve_flags ROOT: SERVE_FLAGS = the node flags switchyard's service definitions start `serve` with
# (src/artifacts/serve-flags.ts, read once from the build), so that what is measured is what runs; the
# launchers in bench/servers and bench/dns put them on node's command line. A SERVE_FLAGS already set wins
# (SERVE_FLAGS= for V8's defaults).
export_serve_flags() {
  [ -n "${SERVE_FLAGS+set}" ] || SERVE_FLAGS=$(node --input-type=module \
    -e "const m = await import('$1/dist/src/artifacts/serve-flags.js'); console.log(m.SERVE_NODE_FLAGS.join(' '))") ||
    die "cannot read the serve flags from $1/dist (npm run build)"
  export SERVE_FLAGS
}
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/bench.log" >&2; }
pin() { [ -n "$1" ] && echo "taskset -c $1"; }

# stop_pid PID [TENTHS]: SIGTERM, up to TENTHS × 0.1 s (default 100) for it to go, then SIGKILL.
stop_pid() {
  local p=$1 tenths=${2:-100}
  [ -n "$p" ] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq "$tenths"); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { log "process $p ignored SIGTERM, sending SIGKILL"; kill -KILL "$p" 2>/dev/null; }
  fi
  wait "$p" 2>/dev/null
}

# make_ns NS...: new namespaces (refusing names that exist), recorded in MADE_NS; lo up, IPv6 off.
make_ns() {
  local ns
  for ns in "$@"; do
    ip netns list | awk '{print $1}' | grep -qx "$ns" && die "netns $ns already exists"
    ip netns add "$ns" || die "ip netns add $ns failed"
    MADE_NS="$MADE_NS $ns"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
  done
}

# delete_made_ns: every namespace of MADE_NS, after killing what still runs in it (started by this run).
delete_made_ns() {
  local ns p
  for ns in $MADE_NS; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null || echo "bench: could not delete netns $ns" >&2
  done
  MADE_NS=""
}

hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$SPID/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$SPID/stat" 2>/dev/null || echo 0; }
# udp_rcvbuf_errs NS: UDP receive-buffer errors so far in that namespace (/proc/net/snmp, Udp: RcvbufErrors).
udp_rcvbuf_errs() { ip netns exec "$1" awk '/^Udp: /{n++} /^Udp: /&&n==2{print $6}' /proc/net/snmp; }
