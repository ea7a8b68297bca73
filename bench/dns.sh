#!/usr/bin/env bash
# `npm run bench:dns` — DNS throughput / latency / memory of `switchyard serve` next to dnsmasq as the
# switch's DNS server, both driven by dnsperf (Debian package dnsperf) in ONE run, in network namespaces
# this script creates and always removes (trap). Needs root.
#
#   sudo npm run bench:dns            # ~6 min on 2 cores
#   sudo QUICK=1 npm run bench:dns    # ~2 min
#   sudo PROFILE=1 npm run bench:dns  # also a V8 CPU profile of the daemon (node --cpu-prof), top functions
#
# Lab: three fresh namespaces, nothing created in or attached to the host namespace:
#   vm ($VM_ADDR + $NSRC source addresses) ==veth== srv ($SRV_HOST: the switch host, the server under test)
#   srv ($SRV_UP) ==veth== corp ($CORP_DNS: dnsmasq playing the corporate resolver, $NFWD names, TTL 3600)
# Both servers get the same $NRES names h01..h<NRES>.$DOMAIN (switchyard: reservations; dnsmasq: host-record)
# and the same upstream ($CORP_DNS). One server process per server for all its runs; peak RSS = its VmHWM.
#
# Many VMs, not one: switchyard budgets each client address (src/dns/resolver.ts: 500 queries per second,
# not configurable; over it, UDP queries are dropped). One source address would measure that budget, not the
# server, so dnsperf's $NSRC sockets (-c, bound to ports -x $SPORT and up) are source-NATed in the vm
# namespace to one address each (nft map by source port) — $NSRC "VMs" on the switch. The budget itself is
# shown by one extra row: a single socket (one address) at $LAT_RATE/s.
#
# Per server, each figure the median of $RUNS dnsperf runs of $PERIOD s, from fixed query files:
#   local  : A queries for the $NRES local names, round robin. Max load (-q $OUTSTANDING in flight, no rate
#            limit; more in flight overflows the server's default UDP receive buffer, and each dropped query
#            then holds its slot for the -t 1 s timeout, which measures the stalls, not the server) ->
#            queries/s answered; fixed rate (-Q $LAT_RATE) -> avg and p99 latency (p99 from dnsperf -v's
#            per-query latencies), server CPU %.
#   cached : A queries for the $NFWD forwarded names f001..f<NFWD>.corp.example after one warming pass
#            through them; the same two measurements. The upstream's query log must not grow during them.
#   one source: -c 1 at $LAT_RATE/s -> % of queries answered, answered/s.
# Bounded: a fixed number of runs (6*RUNS+2 per server), each under a hard timeout of PERIOD+15 s.
#
# Environment (defaults; QUICK=1 values in brackets):
#   SERVERS ["switchyard dnsmasq"]  RUNS [3; 3]  PERIOD [10; 3] s  LAT_RATE [5000]/s  NSRC [250]
#   OUTSTANDING [100]  NRES [50]  NFWD [200]  SRV_CPU [1] CLI_CPU [0] (taskset, empty = none)
#   PROFILE [0] (1: one more switchyard pass under node --cpu-prof; hot functions printed)
#   OUT [${TMPDIR:-/tmp}/switchyard-bench-dns/<time>] raw dnsperf output, server logs, summary
#   RESULTS [bench/results] where dns-<date>.json goes
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/bench/dns
QUICK=${QUICK:-0}
SERVERS=${SERVERS:-"switchyard dnsmasq"}
if [ "$QUICK" = 1 ]; then PERIOD=${PERIOD:-3}; else PERIOD=${PERIOD:-10}; fi
RUNS=${RUNS:-3}; LAT_RATE=${LAT_RATE:-5000}; NSRC=${NSRC:-250}; OUTSTANDING=${OUTSTANDING:-100}
NRES=${NRES:-50}; NFWD=${NFWD:-200}; PROFILE=${PROFILE:-0}
SRV_CPU=${SRV_CPU-1}; CLI_CPU=${CLI_CPU-0}; READY_TIMEOUT=${READY_TIMEOUT:-20}
RESULTS=${RESULTS:-$ROOT/bench/results}
for v in RUNS PERIOD LAT_RATE NSRC OUTSTANDING NRES NFWD; do
  [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || { echo "bench: $v must be a positive integer (got '${!v}')" >&2; exit 2; }
done
[ "$RUNS" -le 9 ] && [ "$PERIOD" -le 60 ] && [ "$NRES" -le 250 ] && [ "$NSRC" -le 250 ] && [ "$NFWD" -le 999 ] ||
  { echo "bench: bounds: RUNS <= 9, PERIOD <= 60, NRES <= 250, NSRC <= 250, NFWD <= 999" >&2; exit 2; }

export SUBNET=10.78.0.0/16 SRV_HOST=10.78.0.1 POOL_START=10.78.3.0 POOL_END=10.78.3.255
export DOMAIN=bench.internal CORP_DNS=10.79.0.2
VM_ADDR=10.78.0.2; SRV_UP=10.79.0.1; SPORT=20000
TAG=$$
VM_NS=sydns-$TAG-vm; SRV_NS=sydns-$TAG-srv; CORP_NS=sydns-$TAG-corp
export SRV_IF=syd${TAG}s
VM_IF=syd${TAG}v; UP_IF=syd${TAG}u; CORP_IF=syd${TAG}c
OUT=${OUT:-${TMPDIR:-/tmp}/switchyard-bench-dns/$(date +%Y%m%d-%H%M%S)}
export RUN=$OUT/run RESERVATIONS=$OUT/run/reservations CORP_HOSTS=$OUT/run/corp-hosts

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
[ "$(id -u)" = 0 ] || die "needs root (it creates network namespaces)"
for c in dnsperf dnsmasq dig nft ip ss taskset timeout node; do
  command -v "$c" >/dev/null || die "$c not found (bash scripts/install-deps.sh)"
done
for s in $SERVERS; do
  case $s in switchyard|dnsmasq) ;; *) echo "bench: unknown server '$s' (switchyard, dnsmasq)" >&2; exit 2 ;; esac
done
[[ " $SERVERS " == *" switchyard "* ]] && { [ -f "$ROOT/dist/src/cli/main.bundle.mjs" ] || (cd "$ROOT" && npm run -s build) || die "build failed"; }
[[ " $SERVERS " == *" switchyard "* ]] && export_serve_flags "$ROOT"
[ "$(nproc)" -ge 2 ] || { SRV_CPU=""; CLI_CPU=""; }
mkdir -p "$OUT" "$RUN"
T0=$(date +%s)

# ---------- names and query files ----------
for i in $(seq "$NRES"); do
  printf 'h%02d 02:00:00:00:%02x:%02x 10.78.1.%d\n' "$i" $((i / 256)) $((i % 256)) "$i"
done >"$RESERVATIONS"
for i in $(seq "$NFWD"); do printf '198.18.%d.%d f%03d.corp.example\n' $((i / 250)) $((i % 250 + 1)) "$i"; done >"$CORP_HOSTS"
awk -v d="$DOMAIN" '{print $1 "." d " A"}' "$RESERVATIONS" >"$RUN/q-local.txt"
awk '{print $2 " A"}' "$CORP_HOSTS" >"$RUN/q-cached.txt"

# ---------- lab (created here, removed on any exit) ----------
SPID=""; CPID=""; DPID=""; MADE_NS=""
cleanup() {
  trap - EXIT INT TERM
  [ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null
  stop_pid "$SPID"; SPID=""
  stop_pid "$CPID"; CPID=""
  delete_made_ns
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_ns $VM_NS $SRV_NS $CORP_NS
ip link add "$SRV_IF" netns "$SRV_NS" type veth peer name "$VM_IF" netns "$VM_NS" || die "veth vm-srv failed"
ip link add "$UP_IF" netns "$SRV_NS" type veth peer name "$CORP_IF" netns "$CORP_NS" || die "veth srv-corp failed"
ip netns exec "$SRV_NS" ip addr add "$SRV_HOST/16" dev "$SRV_IF"
ip netns exec "$SRV_NS" ip addr add "$SRV_UP/24" dev "$UP_IF"
ip netns exec "$CORP_NS" ip addr add "$CORP_DNS/24" dev "$CORP_IF"
{
  echo "addr add $VM_ADDR/16 dev $VM_IF"
  for i in $(seq "$NSRC"); do echo "addr add 10.78.2.$i/16 dev $VM_IF"; done
} | ip -n "$VM_NS" -batch - || die "vm addresses failed"
for l in "$SRV_NS $SRV_IF" "$SRV_NS $UP_IF" "$VM_NS $VM_IF" "$CORP_NS $CORP_IF"; do
  set -- $l; ip -n "$1" link set "$2" up
done
# dnsperf -x $SPORT binds its sockets to ports SPORT..SPORT+c-1; each port is source-NATed to its own address
MAP=$(for i in $(seq "$NSRC"); do printf '%d : 10.78.2.%d, ' $((SPORT + i - 1)) "$i"; done)
ip netns exec "$VM_NS" nft -f - <<NFT || die "nft in $VM_NS failed"
table ip sydnsbench {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    ip daddr $SRV_HOST udp dport 53 udp sport $SPORT-$((SPORT + NSRC - 1)) snat to udp sport map { ${MAP%, } }
  }
}
NFT
for _ in $(seq 30); do
  [ "$(ip netns exec "$VM_NS" cat "/sys/class/net/$VM_IF/operstate")" = up ] && break; sleep 0.1
done
# no default routes anywhere: each namespace reaches only its own links
log "lab: $VM_NS ($VM_ADDR + $NSRC sources) <-> $SRV_NS ($SRV_HOST | $SRV_UP) <-> $CORP_NS ($CORP_DNS); out: $OUT"

listening() { # ns addr
  [ -n "$(ip netns exec "$1" ss -H -lun "src $2 and sport = :53" 2>/dev/null)" ]
}
wait_listening() { # ns addr pid name
  local t=0
  until listening "$1" "$2"; do
    sleep 0.1; t=$((t + 1))
    kill -0 "$3" 2>/dev/null || { log "$4 exited during start (see $OUT/$4.server.out)"; return 1; }
    [ $t -ge $((READY_TIMEOUT * 10)) ] && { log "$4 not listening on $2:53 after ${READY_TIMEOUT}s"; return 1; }
  done
  return 0
}
ip netns exec "$CORP_NS" "$HERE/corp.sh" >>"$OUT/corp.server.out" 2>&1 &
CPID=$!
wait_listening "$CORP_NS" "$CORP_DNS" "$CPID" corp || exit 1
corp_queries() { grep -c 'query\[' "$RUN/corp.log" 2>/dev/null || echo 0; }

start_server() { # name [node flags] [entry script]
  listening "$SRV_NS" "$SRV_HOST" && { log "UDP 53 already bound on $SRV_HOST in $SRV_NS"; return 1; }
  NODE_FLAGS=${2:-} ENTRY=${3:-} $(pin "$SRV_CPU") ip netns exec "$SRV_NS" "$HERE/$1.sh" >>"$OUT/$1.server.out" 2>&1 &
  SPID=$!
  wait_listening "$SRV_NS" "$SRV_HOST" "$SPID" "$1" || { stop_pid "$SPID"; SPID=""; return 1; }
  sleep 0.5
}

# UDP datagrams the kernel dropped for a full socket receive buffer, in the server namespace
srv_rcvbuf_errs() { udp_rcvbuf_errs "$SRV_NS"; }
# perf FILE QUERIES ARGS... -> "sent completed lost qps avg_ms p99_ms noerror_pct cpu_pct rcvbuf_errs"
# (p99: with -v only)
perf() {
  local f=$1 q=$2 c0 c1 t0 t1 e0 e1
  shift 2
  echo "# dnsperf -s $SRV_HOST -d $q $*" >"$f"
  c0=$(cpu_ticks); t0=$(date +%s%N); e0=$(srv_rcvbuf_errs)
  $(pin "$CLI_CPU") ip netns exec "$VM_NS" timeout -k 2 $((PERIOD + 15)) \
    dnsperf -s "$SRV_HOST" -x "$SPORT" -d "$q" -T 1 -t 1 "$@" >>"$f" 2>&1 &
  DPID=$!; wait "$DPID"; DPID=""
  c1=$(cpu_ticks); t1=$(date +%s%N); e1=$(srv_rcvbuf_errs)
  echo "# server namespace UDP RcvbufErrors during the run: $((e1 - e0))" >>"$f"
  local p99 ok
  p99=$(awk '/^> / {printf "%.3f\n", $NF * 1000}' "$f" | sort -g |
    awk '{v[NR] = $1} END { if (!NR) {print "nan"; exit} i = int(0.99 * NR); if (i < 0.99 * NR) i++; print v[i] }')
  ok=$(sed -n 's/.*Response codes:.*NOERROR [0-9]* (\([0-9.]*\)%).*/\1/p' "$f" | head -1)
  # CPU % over dnsperf's own run time (the server is idle before it and during the final timeout wait)
  awk -v cpu=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v ns=$((t1 - t0)) -v p99="$p99" -v ok="${ok:-nan}" -v rb=$((e1 - e0)) '
    /Queries sent:/ {sent=$3} /Queries completed:/ {done=$3} /Queries lost:/ {lost=$3}
    /Queries per second:/ {qps=$4} /Average Latency \(s\):/ {avg=$4 * 1000} /Run time \(s\):/ {rt=$4}
    END {
      if (rt == "" || rt <= 0) rt = ns / 1e9
      printf "%d %d %d %s %s %s %s %.0f %d\n", sent, done, lost, (qps == "" ? "nan" : qps),
        (avg == "" ? "nan" : sprintf("%.3f", avg)), p99, ok, cpu * 100 / hz / rt, rb
    }' "$f"
}
RES=$OUT/results.tsv
: >"$RES"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RES"; } # server metric value

# measure SERVER WORKLOAD QUERYFILE: RUNS max-load runs, RUNS fixed-rate runs
measure() {
  local s=$1 w=$2 q=$3 o i
  for i in $(seq "$RUNS"); do
    o=$(perf "$OUT/$s-$w-max-$i.txt" "$q" -l "$PERIOD" -c "$NSRC" -q "$OUTSTANDING")
    read -r sent done lost qps avg p99 ok cpu rb <<<"$o"
    log "$s $w max load #$i: sent=$sent completed=$done lost=$lost qps=$qps avg=${avg}ms NOERROR=$ok% cpu=$cpu% kernel_drops=$rb"
    record "$s" "${w}_qps" "$qps"; record "$s" "${w}_max_lost" "$lost"; record "$s" "${w}_max_cpu" "$cpu"
  done
  for i in $(seq "$RUNS"); do
    o=$(perf "$OUT/$s-$w-rate-$i.txt" "$q" -l "$PERIOD" -c "$NSRC" -q "$OUTSTANDING" -Q "$LAT_RATE" -v)
    read -r sent done lost qps avg p99 ok cpu rb <<<"$o"
    log "$s $w @$LAT_RATE/s #$i: sent=$sent completed=$done lost=$lost avg=${avg}ms p99=${p99}ms NOERROR=$ok% cpu=$cpu% kernel_drops=$rb"
    record "$s" "${w}_avg_ms" "$avg"; record "$s" "${w}_p99_ms" "$p99"; record "$s" "${w}_lat_cpu" "$cpu"
    record "$s" "${w}_lat_lost" "$lost"
  done
}

bench_server() { # name
  local s=$1 o before after
  log "=== $s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  record "$s" load1 "$(cut -d' ' -f1 /proc/loadavg)" # other work on this machine skews every figure
  start_server "$s" || { log "$s: not started, no figures"; record "$s" failed 1; return 0; }
  # sanity: a local name, a forwarded name
  o=$(ip netns exec "$VM_NS" dig @"$SRV_HOST" +short +tries=1 +time=3 "h01.$DOMAIN" A)
  [ "$o" = 10.78.1.1 ] || log "$s: h01.$DOMAIN gave '$o', expected 10.78.1.1"
  measure "$s" local "$RUN/q-local.txt"
  # warm the cache: each forwarded name once, at a gentle rate
  o=$(perf "$OUT/$s-warm.txt" "$RUN/q-cached.txt" -n 1 -c 1 -q 10 -Q 500)
  log "$s warm-up: $(awk '{print "sent=" $1 " completed=" $2 " NOERROR=" $7 "%"}' <<<"$o")"
  before=$(corp_queries)
  measure "$s" cached "$RUN/q-cached.txt"
  after=$(corp_queries)
  record "$s" cached_upstream_queries $((after - before))
  log "$s: the upstream got $((after - before)) queries during the cached runs"
  # -q high enough that unanswered queries (waiting out -t 1) never hold back the offered rate
  o=$(perf "$OUT/$s-onesource.txt" "$RUN/q-local.txt" -l "$PERIOD" -c 1 -q $((LAT_RATE * 2)) -Q "$LAT_RATE")
  read -r sent done lost qps avg p99 ok cpu rb <<<"$o"
  record "$s" onesource_answered_pct "$(awk -v s="$sent" -v d="$done" 'BEGIN{printf "%.1f", s ? d * 100 / s : 0}')"
  record "$s" onesource_answered_qps "$(awk -v d="$done" -v p="$PERIOD" 'BEGIN{printf "%.0f", d / p}')"
  log "$s one source @$LAT_RATE/s: sent=$sent completed=$done lost=$lost kernel_drops=$rb"
  record "$s" rss_kb "$(hwm_kb)"
  stop_pid "$SPID"; SPID=""
}

log "dnsperf from $VM_NS: -c $NSRC (one source address each) -q $OUTSTANDING -l $PERIOD, $RUNS runs per figure; $NRES local names, $NFWD forwarded; server CPU ${SRV_CPU:-any}, client CPU ${CLI_CPU:-any}"
for s in $SERVERS; do bench_server "$s"; done

if [ "$PROFILE" = 1 ] && [[ " $SERVERS " == *" switchyard "* ]]; then
  log "=== switchyard under node --cpu-prof (local max load, then cached max load)"
  mkdir -p "$OUT/prof"
  if start_server switchyard "--cpu-prof --cpu-prof-dir=$OUT/prof" "$ROOT/dist/src/cli/main.js"; then
    perf "$OUT/prof-local.txt" "$RUN/q-local.txt" -l "$PERIOD" -c "$NSRC" -q "$OUTSTANDING" >/dev/null
    perf "$OUT/prof-warm.txt" "$RUN/q-cached.txt" -n 1 -c 1 -q 10 -Q 500 >/dev/null
    perf "$OUT/prof-cached.txt" "$RUN/q-cached.txt" -l "$PERIOD" -c "$NSRC" -q "$OUTSTANDING" >/dev/null
    stop_pid "$SPID"; SPID=""
    node "$HERE/profile.mjs" "$OUT"/prof/*.cpuprofile | tee "$OUT/profile.txt"
  fi
fi

# ---------- table + JSON ----------
mkdir -p "$RESULTS"
JSON=$RESULTS/dns-$(date -u +%Y%m%d-%H%M%S).json
node "$HERE/report.mjs" "$RES" "$JSON" "$(date -u +%Y-%m-%dT%H:%MZ)" \
  "$(nproc) cores ($(uname -r)), dnsperf $(dnsperf -h 2>&1 | awk '/^Version/{print $2}'), dnsmasq $(dnsmasq --version | awk 'NR==1{print $3}'), node $(node --version)" \
  "$PERIOD" "$RUNS" "$LAT_RATE" "$NSRC" "$NRES" "$NFWD" "$SERVERS" | tee "$OUT/summary.txt"
(cd "$ROOT" && npx prettier --log-level warn --write "$JSON" >/dev/null 2>&1) || true
echo "json: $JSON; raw output: $OUT  (total $(( $(date +%s) - T0 )) s)" | tee -a "$OUT/summary.txt"
