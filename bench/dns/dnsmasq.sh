#!/bin/sh
# Start dnsmasq as the switch's DNS server for bench/dns.sh, inside the switch namespace (exec: its PID is the
# server's PID): the same names as switchyard's reservations (--host-record, which also gives the PTRs), the
# domain answered locally (local=/DOMAIN/: unknown names there are NXDOMAIN, never forwarded), everything else
# to $CORP_DNS. cache-size 10000 = switchyard's cache entry cap (dnsmasq's default of 150 is below the 200
# forwarded names); no DHCP (port 67 untouched), no logging of queries.
# Environment (set by bench/dns.sh): SRV_HOST DOMAIN CORP_DNS RUN RESERVATIONS ("name mac ip" lines)
set -e
RUN=${RUN:?RUN not set}
CONF=$RUN/dnsmasq.conf
{
  cat <<CONF
listen-address=${SRV_HOST:?}
bind-interfaces
no-resolv
no-hosts
no-poll
server=${CORP_DNS:?}
domain=${DOMAIN:?}
local=/${DOMAIN}/
cache-size=10000
user=root
pid-file=$RUN/dnsmasq.pid
log-facility=$RUN/dnsmasq.log
CONF
  while read -r name _mac ip; do
    echo "host-record=$name.$DOMAIN,$ip"
  done <"${RESERVATIONS:?}"
} >"$CONF"
exec dnsmasq --keep-in-foreground --conf-file="$CONF"
