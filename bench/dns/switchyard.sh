#!/bin/sh
# Start `switchyard serve` in the foreground for bench/dns.sh, inside the switch namespace (exec: its PID is
# the server's PID). DNS on $SRV_HOST:53 with $NRES reservations as the zone and $CORP_DNS as the configured
# upstream (a list, not `auto`: the same servers path, without touching /etc/netns); DHCP is on but idle.
# Environment (set by bench/dns.sh): SRV_IF SUBNET SRV_HOST POOL_START POOL_END DOMAIN CORP_DNS RUN RESERVATIONS
#   SERVE_FLAGS (RESERVATIONS: file of "name mac ip" lines)  NODE_FLAGS (e.g. --cpu-prof --cpu-prof-dir=DIR)
#   ENTRY (default bin/switchyard.js; the profile uses dist/src/cli/main.js, whose frames name src files)
set -e
RUN=${RUN:?RUN not set}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=$RUN/switchyard-state
rm -rf "$STATE"; mkdir -p "$STATE"
CONF=$RUN/switchyard.yaml
{
  cat <<YAML
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
      reservations:
YAML
  while read -r name mac ip; do
    echo "        - { name: $name, mac: \"$mac\", ip: $ip }"
  done <"${RESERVATIONS:?}"
  cat <<YAML
    dns:
      domain: ${DOMAIN:?}
      upstream: [${CORP_DNS:?}]
YAML
} >"$CONF"
# shellcheck disable=SC2086 # SERVE_FLAGS (the service definitions' node flags, bench/lib.sh) and NODE_FLAGS are lists
exec node ${SERVE_FLAGS:-} ${NODE_FLAGS:-} "${ENTRY:-$ROOT/bin/switchyard.js}" serve --config "$CONF" --state-dir "$STATE" --log-level warn
