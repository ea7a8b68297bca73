#!/bin/sh
# The "corporate" upstream resolver for bench/dns.sh, inside the corp namespace: dnsmasq answering
# $NFWD names f<N>.corp.example from a hosts file with TTL 3600 (dnsmasq's own answers carry TTL 0 by
# default, which no cache keeps). Every query it gets is logged, so the bench can show that the measured
# "cached" runs never reached it.
# Environment (set by bench/dns.sh): CORP_DNS RUN CORP_HOSTS
set -e
RUN=${RUN:?RUN not set}
exec dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root --no-resolv --no-hosts \
  --addn-hosts="${CORP_HOSTS:?}" --listen-address="${CORP_DNS:?}" --bind-interfaces --local-ttl=3600 \
  --log-queries --log-facility="$RUN/corp.log" --pid-file="$RUN/corp.pid"
