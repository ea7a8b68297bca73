#!/usr/bin/env bash
# `npm run bench` — switchyard next to dnsmasq and Kea, driven by perfdhcp (Debian package kea-admin) in ONE
# run, in network namespaces this script creates and always removes (trap); then the lease-store figures and
# the start-up time of `switchyard plan` against the simulated host. Needs root; installs what is missing
# (scripts/install-deps.sh). Prints a side-by-side table (medians of $REPS) with ratios to each peer and
# writes it as JSON to bench/results/<UTC date>.json.
#
#   sudo npm run bench                 # full: REPS=3, about 12 min on 2 cores (bounded by TIME_CAP)
#   sudo QUICK=1 npm run bench         # quick: REPS=1, shorter runs, about 3 min
#   sudo SERVERS="switchyard kea" REPS=1 bash bench/dhcp.sh
#
# Lab: two fresh namespaces joined by one veth pair created directly inside them (nothing is created in or
# attached to the host namespace, so no packet can leave the lab). perfdhcp runs in the client namespace as
# a relay agent: it sends from $CLI_ADDR with giaddr=$CLI_ADDR and counts the replies sent back to giaddr:67.
# Every server gets the same pool ($POOL_START-$POOL_END), lease time ($LEASE_SECS), lease cap ($MAX_LEASES)
# and client count (perfdhcp -R $NCLIENTS), and same replies: each sends the options perfdhcp asks for that
# switchyard answers (1 subnet mask, 3 router, 6 DNS server, 15 domain name, 28 broadcast) plus 51, 54, 58/59
# and 61, so that the client, whose CPU is the limit near the top rates, parses the same per reply (Kea
# answered with 7 options and switchyard with 11 before 2026-11-24 15:20); each perfdhcp run starts a
# fresh server with empty lease state
# (bench/servers/<name>.sh, exec'd so that its PID is the server's PID). Server and client are pinned to
# different CPUs. Repetitions are interleaved (rep 1 of every server, then rep 2, ...) so that a machine
# that drifts affects all alike.
#
# Per server and repetition:
#   latency : perfdhcp -r $LAT_RATE for $WARMUP s on a fresh server (its p99s are reported as "cold"), then,
#             on the same server, for $LAT_PERIOD s -> DISCOVER-OFFER and REQUEST-ACK delay avg and p99
#             (p99 from perfdhcp -x t per-packet timestamps), server CPU %, VmHWM. The warm-up measures the
#             steady state: a JIT-compiled server is slower in its first seconds (docs/benchmarks.md), and
#             every server gets it.
#   sweep   : perfdhcp -r R for $PERIOD s, R over $RATES up to the first failing R, then $BISECT bisection
#             steps. A rate passes when perfdhcp reports 0 drops in both exchanges and sent >= 98 % of the
#             DISCOVERs asked for (else the client, not the server, was the limit).
#   peak RSS: the highest VmHWM of the server process over the repetition's runs (/proc/PID/status).
# Bounded: every perfdhcp run has a hard timeout; the number of runs is bounded by RATES+BISECT; once a
# server has used its share of $TIME_CAP s in a repetition its remaining sweep steps are skipped (the result
# is then marked "≥"). The store benchmark bounds itself (bench/store.ts).
#
# Environment (defaults; QUICK=1 values in brackets):
#   SERVERS ["switchyard dnsmasq kea"]  REPS [3; 1]  PERIOD [5; 4] s per sweep run  LAT_PERIOD [10; 5] s
#   LAT_RATE [500]/s  WARMUP [3; 2] s  EFF_RATE [4000]/s (a rate in RATES: the sweep step whose server CPU per DORA is
#   reported, a figure perfdhcp's own limits do not cap)  RATES ["250 500 1000 2000 4000 8000 16000 24000"]
#   BISECT [3; 2]  NCLIENTS [50000]
#   LEASE_SECS [3600]  MAX_LEASES [65000]  SRV_CPU [1] CLI_CPU [0] (taskset; empty = none)
#   TIME_CAP [900; 150] s for all sweeps  STORE [1] (0: skip the store benchmark)  STARTUP_RUNS [10; 5]
#   LATENCY [1] / SWEEP [1] / STARTUP [1] / BUILD [1] (0: skip that part)
#   OUT [${TMPDIR:-/tmp}/switchyard-bench/<time>] raw perfdhcp output, server logs, results.tsv
#   RESULTS [bench/results/<UTC date>.json]  NODE_ARGS (extra node flags for switchyard, e.g. --cpu-prof)
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$ROOT/bench
QUICK=${QUICK:-0}
SERVERS=${SERVERS:-"switchyard dnsmasq kea"}
if [ "$QUICK" = 1 ]; then
  REPS=${REPS:-1}; PERIOD=${PERIOD:-4}; LAT_PERIOD=${LAT_PERIOD:-5}; BISECT=${BISECT:-2}; WARMUP=${WARMUP:-2}
  TIME_CAP=${TIME_CAP:-150}; STARTUP_RUNS=${STARTUP_RUNS:-5}
else
  REPS=${REPS:-3}; PERIOD=${PERIOD:-5}; LAT_PERIOD=${LAT_PERIOD:-10}; BISECT=${BISECT:-3}; WARMUP=${WARMUP:-3}
  TIME_CAP=${TIME_CAP:-900}; STARTUP_RUNS=${STARTUP_RUNS:-10}
fi
RATES=${RATES:-"250 500 1000 2000 4000 8000 16000 24000"}
LAT_RATE=${LAT_RATE:-500}; EFF_RATE=${EFF_RATE:-4000}; NCLIENTS=${NCLIENTS:-50000}; STORE=${STORE:-1}
LATENCY=${LATENCY:-1}; SWEEP=${SWEEP:-1}; STARTUP=${STARTUP:-1}
SRV_CPU=${SRV_CPU-1}; CLI_CPU=${CLI_CPU-0}; READY_TIMEOUT=${READY_TIMEOUT:-20}
export LEASE_SECS=${LEASE_SECS:-3600} MAX_LEASES=${MAX_LEASES:-65000} NODE_ARGS=${NODE_ARGS:-}
export SUBNET=10.77.0.0/16 SRV_HOST=10.77.0.1 POOL_START=10.77.1.0 POOL_END=10.77.255.254
export POOL_MASK=255.255.0.0 BROADCAST=10.77.255.255 RELAY_NET=10.77.0.0/24
CLI_ADDR=10.77.0.2
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
RESULTS=${RESULTS:-$BENCH/results/$STAMP.json}

# Names unique to this run (interface names <= 15 chars).
TAG=$$
SRV_NS=sybench-$TAG-srv; CLI_NS=sybench-$TAG-cli
export SRV_IF=syb${TAG}s; CLI_IF=syb${TAG}c
OUT=${OUT:-${TMPDIR:-/tmp}/switchyard-bench/$(date +%Y%m%d-%H%M%S)}
export RUN=$OUT/run
TSV=$OUT/results.tsv

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
[ "$(id -u)" = 0 ] || die "needs root (it creates network namespaces)"
need=()
for c in perfdhcp ip ss taskset timeout; do command -v "$c" >/dev/null || need+=("$c"); done
for s in $SERVERS; do
  case $s in dnsmasq) command -v dnsmasq >/dev/null || need+=(dnsmasq) ;;
             kea) command -v kea-dhcp4 >/dev/null || need+=(kea-dhcp4) ;;
  esac
done
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing what is missing (${need[*]}): scripts/install-deps.sh" >&2
  bash "$ROOT/scripts/install-deps.sh" || die "scripts/install-deps.sh failed"
fi
command -v node >/dev/null || die "node not found"
for s in $SERVERS; do [ -x "$BENCH/servers/$s.sh" ] || die "no server wrapper bench/servers/$s.sh"; done
[ "${BUILD:-1}" = 0 ] || (cd "$ROOT" && npm run -s build >/dev/null) || die "build failed (npm run build)"
export_serve_flags "$ROOT"
[ "$(nproc)" -ge 2 ] || { SRV_CPU=""; CLI_CPU=""; }
mkdir -p "$OUT" "$RUN" "$(dirname "$RESULTS")"
: >"$TSV"
T0=$(date +%s)
put() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$TSV"; } # rep server metric value

# ---------- lab (created here, removed on any exit) ----------
SPID=""; PPID_=""; MADE_NS=""
stop_server() {
  stop_pid "$SPID" 50
  SPID=""
}
cleanup() {
  trap - EXIT INT TERM
  [ -n "$PPID_" ] && kill -TERM "$PPID_" 2>/dev/null
  stop_server
  delete_made_ns
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_ns $SRV_NS $CLI_NS
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

# p99 FILE SECTION: 99th percentile delay (ms) from perfdhcp -x t timestamps ("sent / received: S / R")
p99() {
  awk -v sec="$2" '/^\*\*\*Timestamps for packets: /{on = index($0, sec) > 0; next}
    /^\*\*\*/{on=0} on && /^sent \/ received:/ {printf "%.3f\n", ($6 - $4) * 1000}' "$1" | sort -g |
    awk '{v[NR]=$1} END{ if (!NR) {print "nan"; exit} i = int(0.99*NR); if (i < 0.99*NR) i++; if (i < 1) i = 1; print v[i] }'
}
# perf_run RATE PERIOD FILE [timers] -> "sent_do recv_do drops_do sent_ra recv_ra drops_ra do_avg do_p99
#   ra_avg ra_p99 cli_rcvbuf_errs srv_cpu% cli_cpu% srv_cpu_us_per_dora" (the last: the server's CPU time,
#   all threads, user + system, over the run divided by the ACKs received)
perf_run() {
  local rate=$1 period=$2 f=$3 x=() e0 e1 c0 c1
  local cmd=(perfdhcp -4 -g single -l "$CLI_IF" -R "$NCLIENTS" -p "$period" -W 1000000)
  [ "${4:-}" = timers ] && x=(-x t)
  echo "# ${cmd[*]} ${x[*]} -r $rate $SRV_HOST" >"$f"
  e0=$(udp_rcvbuf_errs "$CLI_NS"); c0=$(cpu_ticks)
  $(pin "$CLI_CPU") ip netns exec "$CLI_NS" /usr/bin/time -o "$f.time" -f '%U %S %e' \
    timeout -k 2 $((period+15)) "${cmd[@]}" "${x[@]}" -r "$rate" "$SRV_HOST" >>"$f" 2>&1 &
  PPID_=$!; wait "$PPID_"; PPID_=""
  e1=$(udp_rcvbuf_errs "$CLI_NS"); c1=$(cpu_ticks)
  echo "# client-side UDP RcvbufErrors during run: $((e1-e0))" >>"$f"
  awk -v ce=$((e1-e0)) -v p99do="$(p99 "$f" DISCOVER-OFFER)" -v p99ra="$(p99 "$f" REQUEST-ACK)" \
      -v cpu=$((c1-c0)) -v hz="$(getconf CLK_TCK)" -v p="$period" -v tf="$f.time" '
    BEGIN { while ((getline l < tf) > 0) tl = l; split(tl, t, " ") } # last line: "Command exited..." may precede
    /Statistics for: DISCOVER-OFFER/ {s="do"} /Statistics for: REQUEST-ACK/ {s="ra"}
    /Timestamps for packets: DISCOVER-OFFER/ {s="do"} /Timestamps for packets: REQUEST-ACK/ {s="ra"}
    /^sent packets:/ {sent[s]=$3} /^received packets:/ {recv[s]=$3} /^drops:/ {drops[s]=$2} /^avg delay:/ {avg[s]=$3}
    END { printf "%d %d %s %d %d %s %s %s %s %s %d %.0f %.0f %s\n", sent["do"], recv["do"],
          (drops["do"]==""?"nan":drops["do"]), sent["ra"], recv["ra"], (drops["ra"]==""?"nan":drops["ra"]),
          (avg["do"]==""?"nan":avg["do"]), p99do, (avg["ra"]==""?"nan":avg["ra"]), p99ra, ce,
          cpu*100/hz/(p+1), (t[3] > 0 ? (t[1]+t[2])*100/t[3] : 0), (recv["ra"] > 0 ? cpu*1e6/hz/recv["ra"] : "nan") }' "$f"
}
# passes RATE PERIOD sent_do recv_do drops_do sent_ra recv_ra drops_ra: 0 drops in both exchanges, and
# perfdhcp sent >= 98 % of the DISCOVERs asked for
passes() {
  awk -v r="$1" -v p="$2" -v sd="$3" -v dd="$5" -v dr="$8" 'BEGIN{
    if (sd < 0.98*r*p) exit 1; exit !(dd == "0" && dr == "0") }'
}

latency() { # server rep
  local s=$1 rep=$2 out cold
  start_server "$s" "r$rep-lat" || return 1
  if [ "$WARMUP" -gt 0 ]; then
    cold=$(perf_run "$LAT_RATE" "$WARMUP" "$OUT/$s-r$rep-lat-$LAT_RATE-cold.txt" timers)
    read -r _ _ _ _ _ _ _ cdop _ crap _ _ _ <<<"$cold"
    put "$rep" "$s" do_p99_cold_ms "$cdop"; put "$rep" "$s" ra_p99_cold_ms "$crap"
    log "$s rep $rep warm-up @$LAT_RATE/s for ${WARMUP}s: DO p99=$cdop ms RA p99=$crap ms"
  fi
  out=$(perf_run "$LAT_RATE" "$LAT_PERIOD" "$OUT/$s-r$rep-lat-$LAT_RATE.txt" timers)
  local h; h=$(hwm_kb); PEAK=$h
  stop_server
  read -r sd rd dd sr rr dr doa dop raa rap ce cpu ccpu <<<"$out"
  put "$rep" "$s" do_avg_ms "$doa"; put "$rep" "$s" do_p99_ms "$dop"
  put "$rep" "$s" ra_avg_ms "$raa"; put "$rep" "$s" ra_p99_ms "$rap"
  put "$rep" "$s" lat_cpu_pct "$cpu"; put "$rep" "$s" rss_lat_kb "$h"
  put "$rep" "$s" lat_lost_pct "$(awk -v s="$sd" -v a="$rr" 'BEGIN{printf "%.2f", s?(s-a)*100/s:100}')"
  log "$s rep $rep latency @$LAT_RATE/s: sent=$sd offers=$rd acks=$rr drops=$dd/$dr DO avg/p99=$doa/$dop ms RA avg/p99=$raa/$rap ms srv_cpu=$cpu% cli_cpu=$ccpu% hwm=${h}kB cli_rcvbuf_errs=$ce"
}

sweep() { # server rep
  local s=$1 rep=$2 lastpass=0 firstfail="" lo hi mid capped="" ts cpu_at_pass="" step_cpu=""
  ts=$(date +%s)
  step() { # rate -> 0 pass, 1 fail
    local r=$1 o ok h
    start_server "$s" "r$rep-$r" || return 1
    o=$(perf_run "$r" "$PERIOD" "$OUT/$s-r$rep-sweep-$r.txt")
    h=$(hwm_kb); [ "$h" -gt "$PEAK" ] && PEAK=$h
    stop_server
    # shellcheck disable=SC2086
    if passes "$r" "$PERIOD" $o; then ok=PASS; else ok=FAIL; fi
    step_cpu=$(echo "$o" | awk '{print $12}')
    # the client-independent figure: CPU per DORA at one fixed rate that every server passes
    [ "$r" = "$EFF_RATE" ] && [ "$ok" = PASS ] && put "$rep" "$s" cpu_us_per_dora "$(echo "$o" | awk '{printf "%.1f", $14}')"
    log "$s rep $rep @$r/s: sent_do recv_do drops_do sent_ra recv_ra drops_ra do_avg do_p99 ra_avg ra_p99 cli_rcvbuf_errs srv_cpu% cli_cpu% srv_us/DORA = $o -> $ok"
    [ "$ok" = PASS ]
  }
  over_time() { [ $(( $(date +%s) - ts )) -ge $(( TIME_CAP / REPS / $(echo $SERVERS | wc -w) )) ]; }
  for rate in $RATES; do
    if over_time; then capped="≥"; log "$s: its share of the time cap (${TIME_CAP}s) is used up, sweep stopped"; break; fi
    if step "$rate"; then lastpass=$rate; cpu_at_pass=$step_cpu; else firstfail=$rate; break; fi
  done
  if [ -n "$firstfail" ]; then
    lo=$lastpass; hi=$firstfail
    for _ in $(seq "$BISECT"); do
      mid=$(( (lo+hi)/2/10*10 )); [ "$mid" -le "$lo" ] && break
      if over_time; then capped="≥"; break; fi
      if step "$mid"; then lo=$mid; cpu_at_pass=$step_cpu; else hi=$mid; fi
    done
    lastpass=$lo
  elif [ -z "$capped" ]; then capped="≥"  # passed the highest rate tried
  fi
  put "$rep" "$s" max_rate "$capped$lastpass"; put "$rep" "$s" max_rate_cpu_pct "${cpu_at_pass:-nan}"
  put "$rep" "$s" rss_peak_kb "$PEAK"
}

log "perfdhcp -4 -g single -R $NCLIENTS -W 1000000 (client CPU ${CLI_CPU:-any}, server CPU ${SRV_CPU:-any}); pool $POOL_START-$POOL_END, lease ${LEASE_SECS}s, cap $MAX_LEASES; REPS=$REPS"
for rep in $(seq "$REPS"); do
  for s in $SERVERS; do
    log "=== $s, repetition $rep of $REPS"
    PEAK=0
    [ "$LATENCY" = 1 ] && latency "$s" "$rep"
    [ "$SWEEP" = 1 ] && sweep "$s" "$rep"
  done
done

# ---------- lease store and start-up ----------
if [ "$STORE" = 1 ]; then
  log "=== lease store (bench/store.ts)"
  node "$ROOT/dist/bench/store.js" --json "$OUT/store.json" >"$OUT/store.txt" 2>&1 || log "store benchmark failed (see $OUT/store.txt)"
fi
[ "$STARTUP" = 1 ] && log "=== start-up ($STARTUP_RUNS runs each after one warm-up)"
PLAN_DIR=$RUN/plan; mkdir -p "$PLAN_DIR"
printf 'switches:\n  - name: lab\nwsl: {}\n' >"$PLAN_DIR/switchyard.yaml"
: >"$OUT/startup.tsv"
startup() { # label command...
  local label=$1 i s e; shift
  "$@" >/dev/null 2>&1 || { log "start-up: $label failed: $*"; return; }
  for i in $(seq "$STARTUP_RUNS"); do
    s=$(date +%s%N)
    /usr/bin/time -o "$OUT/startup.time" -f '%M' "$@" >/dev/null 2>&1
    e=$(date +%s%N)
    printf '%s\t%s\t%s\n' "$label" "$(( (e-s)/1000 ))" "$(cat "$OUT/startup.time")" >>"$OUT/startup.tsv"
  done
}
if [ "$STARTUP" = 1 ]; then
  startup node_floor node -e 0
  startup switchyard_version node "$ROOT/bin/switchyard.js" --version
  startup plan_sim node "$ROOT/dist/bench/plan-sim.js" "$PLAN_DIR/switchyard.yaml" "$PLAN_DIR/state"
fi

# ---------- table + JSON ----------
MACHINE="$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), Linux $(uname -r)"
node "$ROOT/dist/bench/report.js" --tsv "$TSV" --store "$OUT/store.json" --startup "$OUT/startup.tsv" \
  --servers "$SERVERS" --machine "$MACHINE" --out "$RESULTS" --lat-rate "$LAT_RATE" --eff-rate "$EFF_RATE" --warmup "$WARMUP" \
  --settings "REPS=$REPS PERIOD=${PERIOD}s LAT_PERIOD=${LAT_PERIOD}s WARMUP=${WARMUP}s LAT_RATE=$LAT_RATE/s NCLIENTS=$NCLIENTS LEASE_SECS=$LEASE_SECS RATES=$RATES BISECT=$BISECT$( [ "$QUICK" = 1 ] && echo ' QUICK')" \
  | tee "$OUT/summary.txt"
echo "raw output: $OUT  (total $(( $(date +%s) - T0 )) s); JSON: $RESULTS" | tee -a "$OUT/summary.txt"
