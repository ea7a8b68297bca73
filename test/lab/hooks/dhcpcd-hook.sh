#!/bin/sh
# dhcpcd -c script for the switchyard lab (dhcpcd configures the address itself).
# Appends one line per event to $LAB_HOOK_OUT:
#   <unix ns> <REASON> <ip|-> server=<id|-> mask=<mask|-> router=<a[,b]|-> dns=<a[,b]|-> lease=<s|-> domain=<d|->
OUT=${LAB_HOOK_OUT:-/dev/null}
dash() { if [ -n "$1" ]; then printf '%s' "$1" | tr ' ' ','; else printf '%s' -; fi; }
echo "$(date +%s%N) $reason $(dash "${new_ip_address:-$old_ip_address}") server=$(dash "${new_dhcp_server_identifier:-$old_dhcp_server_identifier}") mask=$(dash "$new_subnet_mask") router=$(dash "$new_routers") dns=$(dash "$new_domain_name_servers") lease=$(dash "$new_dhcp_lease_time") domain=$(dash "$new_domain_name")" >>"$OUT"
exit 0
