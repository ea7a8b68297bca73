#!/bin/sh
# Start `switchyard serve` in the foreground (exec: its PID is the server's PID); run inside the
# server namespace by bench/dhcp.sh. Generates a config for the benchmark pool; fresh state dir.
# Environment (set by bench/dhcp.sh): SRV_IF SUBNET SRV_HOST POOL_START POOL_END LEASE_SECS
#   MAX_LEASES RELAY_NET RUN  (RUN: scratch dir for config + state)
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
# The node flags the generated service definitions use (src/artifacts/serve-flags.ts), so that what is
# measured is what runs; SERVE_FLAGS overrides them (e.g. SERVE_FLAGS= for V8's defaults).
SERVE_FLAGS=${SERVE_FLAGS-$(node --input-type=module -e "const m = await import('$ROOT/dist/src/artifacts/serve-flags.js'); console.log(m.SERVE_NODE_FLAGS.join(' '))")}
# NODE_ARGS: extra node flags for profiling, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
# shellcheck disable=SC2086
exec node $SERVE_FLAGS ${NODE_ARGS:-} "$ROOT/bin/switchyard.js" serve --config "$CONF" --state-dir "$STATE" --log-level warn
