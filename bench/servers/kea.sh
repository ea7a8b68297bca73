#!/bin/sh
# Start kea-dhcp4 in the foreground for bench/dhcp.sh, inside the server namespace: memfile lease
# database with persist=true (appends a CSV line per lease, no fsync), lfc off, WARN logging,
# multi-threading off (Kea 2.2's default). Replies carry the options switchyard's do (bench/dhcp.sh, "same
# replies"): routers, DNS servers, domain name, broadcast address, and T1/T2 at 0.5/0.875 of the lease
# (calculate-tee-times).
# Environment (set by bench/dhcp.sh): SRV_IF SUBNET POOL_START POOL_END SRV_HOST BROADCAST LEASE_SECS RUN
set -e
RUN=${RUN:?RUN not set}
CONF=$RUN/kea-dhcp4.json
LEASES=$RUN/kea-leases4.csv
rm -f "$LEASES" "$LEASES".1 "$LEASES".2 "$LEASES".completed
cat >"$CONF" <<JSON
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "${SRV_IF:?}" ], "dhcp-socket-type": "${KEA_SOCKET:-raw}" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$LEASES", "lfc-interval": 0 },
    "multi-threading": { "enable-multi-threading": false },
    "valid-lifetime": ${LEASE_SECS:?},
    "authoritative": true,
    "calculate-tee-times": true,
    "subnet4": [ {
      "id": 1,
      "subnet": "${SUBNET:?}",
      "pools": [ { "pool": "${POOL_START:?} - ${POOL_END:?}" } ],
      "option-data": [ { "name": "routers", "data": "${SRV_HOST:?}" },
                       { "name": "domain-name-servers", "data": "${SRV_HOST}" },
                       { "name": "domain-name", "data": "switchyard.internal" },
                       { "name": "broadcast-address", "data": "${BROADCAST:?}" } ]
    } ],
    "loggers": [ {
      "name": "kea-dhcp4",
      "output_options": [ { "output": "$RUN/kea-dhcp4.log" } ],
      "severity": "WARN"
    } ]
  }
}
JSON
export KEA_PIDFILE_DIR="$RUN" KEA_LOCKFILE_DIR="$RUN"
exec kea-dhcp4 -c "$CONF"
