#!/bin/sh
# dhclient -sf script for the switchyard lab (runs inside the client network namespace).
#
# Configures the leased address on the interface (so that unicast renewals have a source address) and
# appends one line per event to $LAB_HOOK_OUT:
#   <unix ns> <REASON> <ip|-> server=<id|-> mask=<mask|-> router=<a[,b]|-> dns=<a[,b]|-> lease=<s|-> domain=<d|-> mtu=<option 26|->
#   ntp=<option 42|-> tftp=<option 66|-> bootfile=<option 67|-> next=<siaddr|-> file=<BOOTP file|->
# Never touches /etc/resolv.conf, routes or anything outside the interface it was started on.
OUT=${LAB_HOOK_OUT:-/dev/null}
dash() { if [ -n "$1" ]; then printf '%s' "$1" | tr ' ' ','; else printf '%s' -; fi; }
ip_=${new_ip_address:-$old_ip_address}
case "$reason" in
  PREINIT)
    ip link set dev "$interface" up ;;
  BOUND | RENEW | REBIND | REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr flush dev "$interface" 2>/dev/null
    fi
    ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface" 2>/dev/null ;;
  EXPIRE | FAIL | RELEASE | STOP)
    [ -n "$old_ip_address" ] && ip -4 addr flush dev "$interface" 2>/dev/null ;;
esac
echo "$(date +%s%N) $reason $(dash "$ip_") server=$(dash "${new_dhcp_server_identifier:-$old_dhcp_server_identifier}") mask=$(dash "$new_subnet_mask") router=$(dash "$new_routers") dns=$(dash "$new_domain_name_servers") lease=$(dash "$new_dhcp_lease_time") domain=$(dash "$new_domain_name") mtu=$(dash "$new_interface_mtu") ntp=$(dash "$new_ntp_servers") tftp=$(dash "$new_tftp_server_name") bootfile=$(dash "$new_bootfile_name") next=$(dash "$new_next_server") file=$(dash "$new_filename")" >>"$OUT"
exit 0
