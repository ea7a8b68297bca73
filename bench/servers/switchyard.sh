#!/bin/sh
# Start `switchyard serve` in the foreground (exec: its PID is the server's PID); run inside the
# server namespace by bench/dhcp.sh. Generates a config for the benchmark pool; fresh state dir.
# Environment (set by bench/dhcp.sh): SRV_IF SUBNET SRV_HOST POOL_START POOL_END LEASE_SECS
#   MAX_LEASES RELAY_NET RUN SERVE_FLAGS  (RUN: scratch dir for config + state)
set -e
RUN=${RUN:?RUN not set}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$RUN/switchyard-state
rm -rf "$STATE"; mkdir -p "$STATE"
CONF=$RUN/switchyard.yaml
cat >"$CONF" <<YAML
version: 1
forwarding: false
switches:
  - name: ${SRV_IF:?}
    interface: ${SRV_IF}
    subnet: ${SUBNET:?}
    host: ${SRV_HOST:?}
    nat: false
    dhcp:
      pool: ${POOL_START:?}-${POOL_END:?}
      leaseTime: ${LEASE_SECS:?}
      maxLeases: ${MAX_LEASES:?}
      rateLimit: { packets: 100000, per: 1 }
      relayAgents: [${RELAY_NET:?}]
      router: ${SRV_HOST}
      dnsServers: [${SRV_HOST}]
YAML
# SERVE_FLAGS: the service definitions' node flags (bench/lib.sh export_serve_flags); NODE_ARGS: extra node
# flags for profiling, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
# shellcheck disable=SC2086
exec node ${SERVE_FLAGS:-} ${NODE_ARGS:-} "$ROOT/bin/switchyard.js" serve --config "$CONF" --state-dir "$STATE" --log-level warn
