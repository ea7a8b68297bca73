#!/usr/bin/env bash
# Idle CPU of the Linux daemon: `switchyard serve` in a network namespace of its own (a bridge "switchyard"
# 10.0.251.1/24 with one veth port, a veth "wsl0" 10.0.250.1/24, a veth uplink "eth0" with the default
# route; mtu: auto, forwarding, DNS), nobody asking it anything. CPU = utime + stime from /proc/<pid>/stat over DURATION seconds (after
# a 10 s settle), and the same for the programs it started and waited for (cutime + cstime: `ip`,
# `resolvectl`), then — separately, since tracing slows it — the system calls and programs started over
# STRACE_S seconds (strace -f -c). Both builds can be compared: ROOT=... names another checkout's build.
#
#   sudo bash bench/idle-cpu.sh                      # DURATION=600 (10 minutes)
#   sudo DURATION=120 bash bench/idle-cpu.sh         # 2 minutes, extrapolated to 10 in the result
#   sudo ROOT=/tmp/old-build LABEL=before bash bench/idle-cpu.sh
# Result: bench/results/idle-cpu-<label>-<UTC time>.json
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=$(pwd)
ROOT=${ROOT:-$HERE}
LABEL=${LABEL:-$(git rev-parse --short HEAD 2>/dev/null || echo build)}
DURATION=${DURATION:-600}
STRACE_S=${STRACE_S:-60}
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 10 ] && [ "$DURATION" -le 3600 ] || {
  echo "idle-cpu: DURATION must be 10..3600" >&2
  exit 2
}
[[ "$STRACE_S" =~ ^[0-9]+$ ]] && [ "$STRACE_S" -le 600 ] || {
  echo "idle-cpu: STRACE_S must be 0..600" >&2
  exit 2
}
[ "$(id -u)" = 0 ] || { echo "idle-cpu: needs root (network namespaces)" >&2; exit 2; }
[ -f "$ROOT/bin/switchyard.js" ] && [ -d "$ROOT/dist/src" ] || {
  echo "idle-cpu: no build in $ROOT (npm run build)" >&2
  exit 2
}
OUT=$(mktemp -d)
MADE_NS=""
SPID=""
# shellcheck source=bench/lib.sh
. "$HERE/bench/lib.sh"
NS="sy-idle-$$"
cleanup() {
  stop_pid "$SPID" 50
  delete_made_ns
  rm -rf "$OUT"
}
trap cleanup EXIT

make_ns "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link add switchyard type bridge
in_ns ip addr add 10.0.251.1/24 dev switchyard
in_ns ip link set switchyard up
in_ns ip link add sw-port type veth peer name sw-peer # a port, so the bridge has carrier
in_ns ip link set sw-port master switchyard up
in_ns ip link set sw-peer up
in_ns ip link add wsl0 type veth peer name wsl0-peer
in_ns ip addr add 10.0.250.1/24 dev wsl0
in_ns ip link set wsl0 up
in_ns ip link set wsl0-peer up
in_ns ip link add eth0 type veth peer name eth0-peer
in_ns ip link set eth0 mtu 1400 up
in_ns ip link set eth0-peer up
in_ns ip addr add 192.168.50.2/24 dev eth0
in_ns ip route add default via 192.168.50.1 dev eth0
cat >"$OUT/switchyard.yaml" <<'EOF'
switches:
  - name: switchyard
    subnet: 10.0.251.0/24
    host: 10.0.251.1
    dhcp: { mtu: auto }
wsl: { subnet: 10.0.250.0/24, interface: wsl0 }
forwarding: true
EOF
export_serve_flags "$ROOT"
# shellcheck disable=SC2086
ip netns exec "$NS" node $SERVE_FLAGS "$ROOT/bin/switchyard.js" serve --config "$OUT/switchyard.yaml" \
  --state-dir "$OUT/state" --log-level warn >"$OUT/serve.log" 2>&1 &
SPID=$!
sleep 10
kill -0 "$SPID" 2>/dev/null || { cat "$OUT/serve.log" >&2; die "serve did not stay up"; }
HZ=$(getconf CLK_TCK)
child_ticks() { awk '{print $16+$17}' "/proc/$SPID/stat" 2>/dev/null || echo 0; }
t0=$(cpu_ticks)
c0=$(child_ticks)
sleep "$DURATION"
t1=$(cpu_ticks)
c1=$(child_ticks)
kill -0 "$SPID" 2>/dev/null || { cat "$OUT/serve.log" >&2; die "serve ended during the run"; }
SYSCALLS=0
EXECS=0
if [ "$STRACE_S" -gt 0 ] && command -v strace >/dev/null; then
  timeout -k 5 -s INT "$STRACE_S" strace -f -c -o "$OUT/strace.txt" -p "$SPID" 2>/dev/null || true
  # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall
  SYSCALLS=$(awk '$NF=="total"{print $4}' "$OUT/strace.txt" 2>/dev/null | tail -1)
  EXECS=$(awk '$NF=="execve"{print $4}' "$OUT/strace.txt" 2>/dev/null | tail -1)
fi
mkdir -p "$HERE/bench/results"
RESULT="$HERE/bench/results/idle-cpu-$LABEL-$(date -u +%Y%m%dT%H%MZ).json"
node -e '
const [hz, t0, t1, dur, label, sys, execs, straceS, c0, c1] = process.argv.slice(1);
const cpuS = (Number(t1) - Number(t0)) / Number(hz);
const childrenCpuS = (Number(c1) - Number(c0)) / Number(hz);
const r = {
  label, durationS: Number(dur), cpuS, cpuPercent: (100 * cpuS) / Number(dur),
  childrenCpuS, childrenCpuSPerHour: (childrenCpuS * 3600) / Number(dur),
  cpuSPer10Min: (cpuS * 600) / Number(dur), cpuSPerHour: (cpuS * 3600) / Number(dur),
  extrapolated: Number(dur) !== 600,
  strace: { seconds: Number(straceS), syscalls: Number(sys || 0), execve: Number(execs || 0),
    syscallsPerHour: Math.round((Number(sys || 0) * 3600) / Math.max(1, Number(straceS))) },
  when: new Date().toISOString(),
};
console.log(JSON.stringify(r, null, 2));
' "$HZ" "$t0" "$t1" "$DURATION" "$LABEL" "$SYSCALLS" "$EXECS" "$STRACE_S" "$c0" "$c1" | tee "$RESULT"
cp "$OUT/strace.txt" "${RESULT%.json}.strace.txt" 2>/dev/null || true
