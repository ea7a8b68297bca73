#!/bin/sh
# Run dhcpcd (or a dhcpcd control command such as -N/-k/-x) with its compiled-in state directories
# (/var/lib/dhcpcd, /run/dhcpcd) redirected into $LAB_DHCPCD_STATE by bind mounts inside a private
# mount namespace, so nothing is written outside the run's scratch directory and control commands
# started with the same LAB_DHCPCD_STATE find the daemon's control socket.
# Usage (inside the client network namespace): LAB_DHCPCD_STATE=<dir> dhcpcd-run.sh <dhcpcd args...>
set -e
D=${LAB_DHCPCD_STATE:?LAB_DHCPCD_STATE must name the dhcpcd state directory of the run}
mkdir -p "$D/lib" "$D/run/dhcpcd"
exec unshare -m --propagation private sh -c '
  mount --bind "$0/lib" /var/lib/dhcpcd
  mount --bind "$0/run" /run
  exec dhcpcd "$@"' "$D" "$@"
