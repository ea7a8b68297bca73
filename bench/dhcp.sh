#!/usr/bin/env bash
# `npm run bench` — DHCPv4 throughput / latency / memory of switchyard next to dnsmasq and Kea, all
# driven by perfdhcp (Debian package kea-admin) in ONE run, in network namespaces this script creates
# and always removes (trap). Needs root.
#
#   sudo npm run bench                 # full: < 15 min on 2 cores
#   sudo QUICK=1 npm run bench         # quick: < 3 min
#   sudo SERVERS="switchyard kea" bash bench/dhcp.sh
#
# Lab: two fresh namespaces joined by one veth pair created directly inside them (nothing is created
# in or attached to the host namespace, so no packet can leave the lab). The server namespace has
# $SRV_HOST on its end; perfdhcp runs in the client namespace as a relay agent: it sends from
# $CLI_ADDR with giaddr=$CLI_ADDR and counts the replies the server sends back to giaddr:67.
# Every server gets the same pool ($POOL_START-$POOL_END in $SUBNET), lease time ($LEASE_SECS), lease
# cap ($MAX_LEASES) and client count (perfdhcp -R $NCLIENTS); each perfdhcp run starts a fresh server
# with empty lease state (bench/servers/<name>.sh, exec'd so that its PID is the server's PID).
#
# Per server:
#   latency : perfdhcp -r $LAT_RATE for $PERIOD s -> DISCOVER-OFFER and REQUEST-ACK delay avg and p99
#             (p99 from perfdhcp -x t per-exchange timestamps), server CPU %
#   sweep   : perfdhcp -r R for R in $RATES until the first failing R, then $BISECT bisection steps.
#             A run passes when perfdhcp sent >= 98 % of the requested DISCOVERs, (DISCOVERs sent -
#             ACKs received) <= $DROP_TOL % of sent, and perfdhcp's own socket dropped nothing.
#   peak RSS: the highest VmHWM of the server process over all its runs.
# Bounded: every perfdhcp run has a hard timeout of PERIOD+15 s; the number of runs is bounded by
# RATES+BISECT; and once a server has used its share of $TIME_CAP s its remaining sweep steps are
# skipped (the result is then marked "≥").
#
# Environment (defaults; QUICK=1 values in brackets):
#   SERVERS ["switchyard dnsmasq kea"]  PERIOD [10; 4] s per perfdhcp run  LAT_RATE [500]/s
#   RATES ["250 500 1000 2000 4000 8000 12000"; "500 1000 2000 4000 8000"]  BISECT [3; 1]
#   NCLIENTS [50000]  DROP_TOL [0.1] %  LEASE_SECS [3600]  MAX_LEASES [65000]
#   SRV_CPU [1] CLI_CPU [0] (taskset pinning, empty = none)  TIME_CAP [840; 170] s
#   OUT [${TMPDIR:-/tmp}/switchyard-bench/<time>] raw perfdhcp output, server logs, summary
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
QUICK=${QUICK:-0}
SERVERS=${SERVERS:-"switchyard dnsmasq kea"}
if [ "$QUICK" = 1 ]; then
  PERIOD=${PERIOD:-4}; RATES=${RATES:-"500 1000 2000 4000 8000"}; BISECT=${BISECT:-1}; TIME_CAP=${TIME_CAP:-170}
else
  PERIOD=${PERIOD:-10}; RATES=${RATES:-"250 500 1000 2000 4000 8000 12000"}; BISECT=${BISECT:-3}; TIME_CAP=${TIME_CAP:-840}
fi
LAT_RATE=${LAT_RATE:-500}; NCLIENTS=${NCLIENTS:-50000}; DROP_TOL=${DROP_TOL:-0.1}
SRV_CPU=${SRV_CPU-1}; CLI_CPU=${CLI_CPU-0}; READY_TIMEOUT=${READY_TIMEOUT:-20}
export LEASE_SECS=${LEASE_SECS:-3600} MAX_LEASES=${MAX_LEASES:-65000}
export SUBNET=10.77.0.0/16 SRV_HOST=10.77.0.1 POOL_START=10.77.1.0 POOL_END=10.77.255.254
export POOL_MASK=255.255.0.0 RELAY_NET=10.77.0.0/24
CLI_ADDR=10.77.0.2

# Names unique to this run (interface names <= 15 chars).
TAG=$$
SRV_NS=sybench-$TAG-srv; CLI_NS=sybench-$TAG-cli
export SRV_IF=syb${TAG}s; CLI_IF=syb${TAG}c
OUT=${OUT:-${TMPDIR:-/tmp}/switchyard-bench/$(date +%Y%m%d-%H%M%S)}
export RUN=$OUT/run

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (it creates network namespaces)"
for c in perfdhcp ip ss taskset timeout node; do command -v "$c" >/dev/null || die "$c not found (bash scripts/install-deps.sh)"; done
for s in $SERVERS; do
  [ -x "$BENCH/servers/$s.sh" ] || die "no server wrapper bench/servers/$s.sh"
  case $s in dnsmasq) command -v dnsmasq >/dev/null || die "dnsmasq not found" ;;
             kea) command -v kea-dhcp4 >/dev/null || die "kea-dhcp4 not found" ;;
             switchyard) [ -f "$ROOT/dist/src/cli/main.js" ] || (cd "$ROOT" && npx tsc -p tsconfig.json) || die "build failed" ;;
  esac
done
[ "$(nproc)" -ge 2 ] || { SRV_CPU=""; CLI_CPU=""; }
mkdir -p "$OUT" "$RUN"
T0=$(date +%s)
log() { echo "[$(date +%T)] $*" | tee -a "$OUT/bench.log" >&2; }
pin() { [ -n "$1" ] && echo "taskset -c $1"; }

# ---------- lab (created here, removed on any exit) ----------
SPID=""; PPID_=""; MADE_NS=""
stop_server() {
  [ -n "$SPID" ] || return 0
  if kill -0 "$SPID" 2>/dev/null; then
    kill -TERM "$SPID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SPID" 2>/dev/null && { log "server $SPID ignored SIGTERM, sending SIGKILL"; kill -KILL "$SPID" 2>/dev/null; }
  fi
  wait "$SPID" 2>/dev/null
  SPID=""
}
cleanup() {
  trap - EXIT INT TERM
  [ -n "$PPID_" ] && kill -TERM "$PPID_" 2>/dev/null
  stop_server
  for ns in $MADE_NS; do
    # anything still running in our own namespaces was started by this run: stop it by PID
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null || echo "bench: could not delete netns $ns" >&2
  done
  MADE_NS=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in $SRV_NS $CLI_NS; do
  ip netns list | awk '{print $1}' | grep -qx "$ns" && die "netns $ns already exists"
  ip netns add "$ns" || die "ip netns add $ns failed"
  MADE_NS="$MADE_NS $ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
done
ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$CLI_IF" netns "$CLI_NS" || die "veth failed"
ip netns exec "$SRV_NS" ip addr add "$SRV_HOST/16" dev "$SRV_IF"
ip netns exec "$CLI_NS" ip addr add "$CLI_ADDR/16" dev "$CLI_IF"
ip netns exec "$SRV_NS" ip link set "$SRV_IF" up
ip netns exec "$CLI_NS" ip link set "$CLI_IF" up
for _ in $(seq 30); do
  [ "$(ip netns exec "$CLI_NS" cat "/sys/class/net/$CLI_IF/operstate")" = up ] && break; sleep 0.1
done
# a default route is never added: the only reachable network is the veth's /16
log "lab: $SRV_NS:$SRV_IF ($SRV_HOST) <-> $CLI_NS:$CLI_IF ($CLI_ADDR, relay); out: $OUT"

port67_busy() { [ -n "$(ip netns exec "$SRV_NS" ss -H -lun 'sport = :67' 2>/dev/null)" ]; }
start_server() { # name tag
  port67_busy && { log "UDP 67 already bound in $SRV_NS"; return 1; }
  $(pin "$SRV_CPU") ip netns exec "$SRV_NS" "$BENCH/servers/$1.sh" >>"$OUT/$1-$2.server.out" 2>&1 &
  SPID=$!
  local t=0
  until port67_busy; do
    sleep 0.1; t=$((t+1))
    kill -0 "$SPID" 2>/dev/null || { log "$1 exited during start (see $OUT/$1-$2.server.out)"; SPID=""; return 1; }
    [ $t -ge $((READY_TIMEOUT*10)) ] && { log "$1 not listening after ${READY_TIMEOUT}s"; stop_server; return 1; }
  done
  sleep 0.5
}
hwm_kb() { awk '/^VmHWM/{print $2}' "/proc/$SPID/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$SPID/stat" 2>/dev/null || echo 0; }
rcvbuf_errs() { ip netns exec "$1" awk '/^Udp: /{n++} /^Udp: /&&n==2{print $6}' /proc/net/snmp; }
cli_rcvbuf_errs() { rcvbuf_errs "$CLI_NS"; }

# p99 FILE SECTION: 99th percentile delay (ms) from perfdhcp -x t timestamps ("sent / received: S / R")
p99() {
  awk -v sec="$2" '/^\*\*\*Timestamps for packets: /{on = index($0, sec) > 0; next}
    /^\*\*\*/{on=0} on && /^sent \/ received:/ {printf "%.3f\n", ($6 - $4) * 1000}' "$1" | sort -g |
    awk '{v[NR]=$1} END{ if (!NR) {print "nan"; exit} i = int(0.99*NR); if (i < 0.99*NR) i++; if (i < 1) i = 1; print v[i] }'
}
PERF=(perfdhcp -4 -g single -l "$CLI_IF" -R "$NCLIENTS" -p "$PERIOD" -W 1000000)
# perf_run RATE FILE [timers] -> "sent_do recv_do sent_ra recv_ra do_avg do_p99 ra_avg ra_p99 cli_errs srv_cpu% srv_rcvbuf_errs"
perf_run() {
  local rate=$1 f=$2 x=() e0 e1 c0 c1 s0 s1
  [ "${3:-}" = timers ] && x=(-x t)
  echo "# ${PERF[*]} ${x[*]} -r $rate $SRV_HOST" >"$f"
  e0=$(cli_rcvbuf_errs); c0=$(cpu_ticks); s0=$(rcvbuf_errs "$SRV_NS")
  $(pin "$CLI_CPU") ip netns exec "$CLI_NS" timeout -k 2 $((PERIOD+15)) "${PERF[@]}" "${x[@]}" -r "$rate" "$SRV_HOST" >>"$f" 2>&1 &
  PPID_=$!; wait "$PPID_"; PPID_=""
  e1=$(cli_rcvbuf_errs); c1=$(cpu_ticks); s1=$(rcvbuf_errs "$SRV_NS")
  echo "# client-side UDP RcvbufErrors during run: $((e1-e0))" >>"$f"
  awk -v ce=$((e1-e0)) -v p99do="$(p99 "$f" DISCOVER-OFFER)" -v p99ra="$(p99 "$f" REQUEST-ACK)" -v cpu=$((c1-c0)) -v se=$((s1-s0)) -v hz="$(getconf CLK_TCK)" -v p="$PERIOD" '
    /Statistics for: DISCOVER-OFFER/ {s="do"} /Statistics for: REQUEST-ACK/ {s="ra"}
    /Timestamps for packets: DISCOVER-OFFER/ {s="do"} /Timestamps for packets: REQUEST-ACK/ {s="ra"}
    /^sent packets:/ {sent[s]=$3} /^received packets:/ {recv[s]=$3} /^avg delay:/ {avg[s]=$3}
    END { printf "%d %d %d %d %s %s %s %s %d %.0f %d\n", sent["do"], recv["do"], sent["ra"], recv["ra"],
          (avg["do"]==""?"nan":avg["do"]), p99do, (avg["ra"]==""?"nan":avg["ra"]), p99ra, ce,
          cpu*100/hz/(p+1), se }' "$f"
}
passes() { # rate sent_do recv_do sent_ra recv_ra
  awk -v r="$1" -v p="$PERIOD" -v tol="$DROP_TOL" -v sd="$2" -v ra="$5" 'BEGIN{
    if (sd < 0.98*r*p) exit 1; exit !((sd - ra)*100 <= tol*sd) }'
}

declare -A R  # "<server> <metric>" -> value

bench_server() {
  local s=$1 out maxhwm=0 h lastpass=0 firstfail="" lo hi mid capped=""
  log "=== $s"
  # ----- latency at a fixed rate -----
  if start_server "$s" lat; then
    out=$(perf_run "$LAT_RATE" "$OUT/$s-lat-$LAT_RATE.txt" timers)
    h=$(hwm_kb); [ "$h" -gt "$maxhwm" ] && maxhwm=$h
    stop_server
    read -r sd rd sr rr doa dop raa rap ce cpu se <<<"$out"
    R[$s do_avg]=$doa; R[$s do_p99]=$dop; R[$s ra_avg]=$raa; R[$s ra_p99]=$rap; R[$s lat_cpu]=$cpu
    R[$s lat_lost]=$(awk -v s="$sd" -v a="$rr" 'BEGIN{printf "%.2f", s?(s-a)*100/s:100}')
    log "$s latency @$LAT_RATE/s: sent=$sd offers=$rd acks=$rr DO avg/p99=$doa/$dop ms RA avg/p99=$raa/$rap ms cpu=$cpu% hwm=${h}kB client_rcvbuf_errs=$ce server_rcvbuf_errs=$se"
  fi
  # ----- bounded rate sweep -----
  step() { # rate -> 0 pass, 1 fail
    local r=$1 o ok
    start_server "$s" "sweep-$r" || return 1
    o=$(perf_run "$r" "$OUT/$s-sweep-$r.txt")
    h=$(hwm_kb); [ "$h" -gt "$maxhwm" ] && maxhwm=$h
    stop_server
    # shellcheck disable=SC2086
    if passes "$r" $o; then ok=PASS; else ok=FAIL; fi
    [ "$(echo "$o" | awk '{print $9}')" -gt 0 ] && ok="FAIL(client-limited)"
    R[$s cpu_$r]=$(echo "$o" | awk '{print $10}')
    log "$s sweep @$r/s: sent_do recv_do sent_ra recv_ra do_avg do_p99 ra_avg ra_p99 cli_errs cpu% srv_rcvbuf_errs = $o -> $ok"
    [ "$ok" = PASS ]
  }
  local ts; ts=$(date +%s)
  over_time() { [ $(( $(date +%s) - ts )) -ge $(( TIME_CAP / $(echo $SERVERS | wc -w) )) ]; }
  for rate in $RATES; do
    if over_time; then capped="≥"; log "$s: its share of the time cap (${TIME_CAP}s) is used up, sweep stopped"; break; fi
    if step "$rate"; then lastpass=$rate; else firstfail=$rate; break; fi
  done
  if [ -n "$firstfail" ]; then
    lo=$lastpass; hi=$firstfail
    for _ in $(seq "$BISECT"); do
      mid=$(( (lo+hi)/2/10*10 )); [ "$mid" -le "$lo" ] && break
      if over_time; then capped="≥"; break; fi
      if step "$mid"; then lo=$mid; else hi=$mid; fi
    done
    lastpass=$lo
  elif [ -z "$capped" ]; then capped="≥"  # passed the highest rate tried
  fi
  R[$s max_rate]="$capped$lastpass"; R[$s rss_kb]=$maxhwm
  R[$s max_cpu]=${R[$s cpu_$lastpass]:-?}
}

log "perfdhcp: ${PERF[*]} -r <rate> $SRV_HOST (client CPU ${CLI_CPU:-any}, server CPU ${SRV_CPU:-any}); pool $POOL_START-$POOL_END, lease ${LEASE_SECS}s, cap $MAX_LEASES"
for s in $SERVERS; do bench_server "$s"; done

# ---------- table ----------
num() { echo "${1#≥}"; }
ratio() { # a b -> a/b
  awk -v a="$(num "$1")" -v b="$(num "$2")" 'BEGIN{ if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2fx", a/b; else print "n/a" }'
}
{
  echo
  echo "DHCPv4 bench $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(uname -r)); perfdhcp relay mode, $NCLIENTS clients, lease ${LEASE_SECS}s, ${PERIOD}s per run$( [ "$QUICK" = 1 ] && echo ', QUICK')"
  printf '%-30s' "metric"; for s in $SERVERS; do printf '%14s' "$s"; done
  for s in $SERVERS; do [ "$s" != switchyard ] && [[ " $SERVERS " == *" switchyard "* ]] && printf '%14s' "sy/$s"; done; echo
  row() { # label key
    printf '%-30s' "$1"; for s in $SERVERS; do printf '%14s' "${R[$s $2]:-n/a}"; done
    for s in $SERVERS; do [ "$s" != switchyard ] && [[ " $SERVERS " == *" switchyard "* ]] && printf '%14s' "$(ratio "${R[switchyard $2]:-}" "${R[$s $2]:-}")"; done; echo
  }
  row "max DORA/s, no drops" max_rate
  row "  server CPU % at that rate" max_cpu
  row "DISCOVER-OFFER avg ms @$LAT_RATE/s" do_avg
  row "DISCOVER-OFFER p99 ms @$LAT_RATE/s" do_p99
  row "REQUEST-ACK avg ms @$LAT_RATE/s" ra_avg
  row "REQUEST-ACK p99 ms @$LAT_RATE/s" ra_p99
  row "lost % @$LAT_RATE/s" lat_lost
  row "server CPU % @$LAT_RATE/s" lat_cpu
  row "peak RSS kB (VmHWM)" rss_kb
  echo "(ratios: switchyard / peer; for rates higher is better, for latency/CPU/RSS lower is better; ≥ = sweep stopped by its top rate or the time cap)"
  echo "raw output: $OUT  (total $(( $(date +%s) - T0 )) s)"
} | tee "$OUT/summary.txt"
