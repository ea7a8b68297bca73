#!/bin/sh
# Start dnsmasq (DHCP only, no DNS) in the foreground for bench/dhcp.sh, inside the server namespace.
# Lease file kept (dnsmasq rewrites it, no fsync); quiet-dhcp (per-lease logging off, as switchyard's
# --log-level warn); no-ping (dnsmasq's ICMP probe before each new offer is off, like switchyard's
# default conflictProbe: false). Replies carry the options switchyard's do (bench/dhcp.sh, "same replies"):
# dnsmasq adds broadcast address and T1/T2 itself; router, DNS server and domain are set here (with port=0
# it would send no DNS server).
# Environment (set by bench/dhcp.sh): SRV_IF SRV_HOST POOL_START POOL_END POOL_MASK LEASE_SECS MAX_LEASES RUN
set -e
RUN=${RUN:?RUN not set}
CONF=$RUN/dnsmasq.conf
: >"$RUN/dnsmasq.leases"
cat >"$CONF" <<CONF
port=0
interface=${SRV_IF:?}
bind-interfaces
no-resolv
no-hosts
dhcp-range=${POOL_START:?},${POOL_END:?},${POOL_MASK:?},${LEASE_SECS:?}
dhcp-lease-max=${MAX_LEASES:?}
dhcp-authoritative
dhcp-option=3,${SRV_HOST:?}
dhcp-option=6,${SRV_HOST}
domain=switchyard.internal
user=root
pid-file=$RUN/dnsmasq.pid
log-facility=$RUN/dnsmasq.log
dhcp-leasefile=$RUN/dnsmasq.leases
quiet-dhcp
no-ping
CONF
exec dnsmasq --keep-in-foreground --conf-file="$CONF"
