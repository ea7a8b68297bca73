#!/bin/sh
# busybox udhcpc -s script for the switchyard lab (runs inside the client network namespace).
# $1 = event (deconfig, bound, renew, leasefail, nak); env: interface ip mask subnet router dns serverid lease domain
#
# Configures the leased address on the interface (so that unicast renewals have a source address) and
# appends one line per event to $LAB_HOOK_OUT:
#   <unix ns> <event> <ip|-> server=<id|-> mask=<prefixlen|-> router=<a[,b]|-> dns=<a[,b]|-> lease=<s|-> domain=<d|-> mtu=<option 26|->
OUT=${LAB_HOOK_OUT:-/dev/null}
dash() { if [ -n "$1" ]; then printf '%s' "$1" | tr ' ' ','; else printf '%s' -; fi; }
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface" 2>/dev/null
    ip link set dev "$interface" up ;;
  bound | renew)
    cur=$(ip -4 -o addr show dev "$interface" 2>/dev/null | awk '{print $4}')
    case "$cur" in
      "" | "$ip/${mask:-24}") ;;
      *) ip -4 addr flush dev "$interface" 2>/dev/null ;;
    esac
    ip -4 addr replace "$ip/${mask:-24}" dev "$interface" 2>/dev/null ;;
esac
echo "$(date +%s%N) $1 $(dash "$ip") server=$(dash "$serverid") mask=$(dash "$mask") router=$(dash "$router") dns=$(dash "$dns") lease=$(dash "$lease") domain=$(dash "$domain") mtu=$(dash "$mtu")" >>"$OUT"
exit 0
