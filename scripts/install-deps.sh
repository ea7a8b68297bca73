#!/usr/bin/env bash
# Install the Debian 12 packages the tests use, only those that are missing.
#
#   bash scripts/install-deps.sh
#
# Runs as root, non-interactively; `apt-get update` at most once, `--no-install-recommends`.
# Idempotent and silent when everything is already there. Needs root only when something is missing
# (or the kea-dhcp4-server system service must be stopped/disabled); otherwise exits non-zero with the
# list of missing packages.
#
# Packages:
#   iproute2          ip, ip netns (the lab's network namespaces, veth pairs, bridge)
#   ethtool           veth tx checksum offload off (raw-socket DHCP clients drop bad UDP checksums)
#   isc-dhcp-client   dhclient
#   udhcpc            busybox udhcpc
#   dhcpcd-base       dhcpcd (the binary only, no system service)
#   dnsmasq-base      dnsmasq binary only -- NOT `dnsmasq`, which installs and starts a system service
#   kea-dhcp4-server  reference DHCP server (its system service is stopped and disabled below)
#   kea-admin         perfdhcp
#   dnsutils          dig
#   dnsperf           DNS load generator of bench/dns.sh (`npm run bench:dns`)
#   nftables          nft
#   tcpdump           packet captures in lab tests
#   python3           helper scripts
#   systemd           systemd-analyze verify of the generated units (test/lab/units.test.ts)
#   vagrant           `vagrant validate` of generated Vagrantfiles (Debian's 2.3.4; --no-install-recommends
#                     avoids ~1.2 GB of libvirt; Hyper-V provider config is checked with a stub VAGRANT_HOME)
#   netplan.io        `netplan generate --root-dir` of generated guest netplan YAML
#   python3-gi        GObject introspection for /usr/bin/python3 (libnm from python, next line)
#   gir1.2-nm-1.0     libnm's nm_keyfile_read/verify of generated NetworkManager keyfiles (Debian 12's nmcli lacks --offline)
#
#   dbus-daemon       the private system bus of the "dns-link with the real systemd-resolved" lab test
#   wine64            runs dist/switchyard.exe (test/lab/wine.test.ts): Debian 12's Wine 8.0, ~100 MB to
#                     download, 700 MB installed, ~10 s; plus ~700 MB per throw-away Wine prefix at test time
set -euo pipefail

PACKAGES=(
  iproute2
  ethtool
  isc-dhcp-client
  udhcpc
  dhcpcd-base
  dnsmasq-base
  kea-dhcp4-server
  kea-admin
  dnsutils
  dnsperf
  nftables
  tcpdump
  python3
  vagrant
  netplan.io
  systemd
  python3-gi
  gir1.2-nm-1.0
  dbus-daemon
  wine64
)

log() { echo "install-deps: $*" >&2; }
die() {
  log "$*"
  exit 1
}

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian 12 (bookworm) only"

missing=()
for p in "${PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done

is_root=0
[ "$(id -u)" = 0 ] && is_root=1

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$is_root" != 1 ]; then
    die "missing Debian packages: ${missing[*]} -- run as root (sudo bash scripts/install-deps.sh) or: apt-get install --no-install-recommends ${missing[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; missing packages: ${missing[*]}"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
  still=()
  for p in "${missing[@]}"; do
    is_installed "$p" || still+=("$p")
  done
  [ "${#still[@]}" -eq 0 ] || die "still not installed after apt-get install: ${still[*]}"
fi

# kea-dhcp4-server ships a system service (systemd unit + SysV init script) that the package may have
# started and enabled. The lab runs its own kea-dhcp4 instances inside network namespaces; a system-wide
# one is not wanted. Stop it (only the service's own process, by its PID file -- never other kea-dhcp4
# processes, which may be lab instances) and disable it. Silent when it is already stopped and disabled.
SVC=kea-dhcp4-server
if is_installed "$SVC" && [ "$is_root" = 1 ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    # systemd is PID 1
    if systemctl is-active --quiet "$SVC" 2>/dev/null; then
      log "stopping system service $SVC"
      systemctl stop "$SVC" || log "warning: could not stop $SVC"
    fi
    if systemctl is-enabled --quiet "$SVC" 2>/dev/null; then
      log "disabling system service $SVC"
      systemctl disable --quiet "$SVC" 2>/dev/null || log "warning: could not disable $SVC"
    fi
  else
    # no systemd running (container): the SysV script's PID file, if any
    pidfile=/run/$SVC.pid
    if [ -s "$pidfile" ] && start-stop-daemon --status --pidfile "$pidfile" --exec /usr/sbin/kea-dhcp4 2>/dev/null; then
      log "stopping $SVC (pid $(cat "$pidfile"))"
      start-stop-daemon --stop --quiet --retry TERM/10/KILL/5 --pidfile "$pidfile" --exec /usr/sbin/kea-dhcp4 \
        || log "warning: could not stop $SVC"
      rm -f "$pidfile"
    fi
    # disable for a later boot: the systemd unit (offline: just its symlinks) and the SysV links
    if command -v systemctl >/dev/null 2>&1 && [ "$(systemctl is-enabled "$SVC" 2>/dev/null || true)" = enabled ]; then
      log "disabling system service $SVC"
      systemctl disable --quiet "$SVC" >/dev/null 2>&1 || log "warning: could not disable the $SVC unit"
    fi
    if compgen -G "/etc/rc[2345].d/S[0-9][0-9]$SVC" >/dev/null && command -v update-rc.d >/dev/null 2>&1; then
      update-rc.d "$SVC" disable >/dev/null 2>&1 || log "warning: could not disable the $SVC init script"
    fi
  fi
fi

# systemd-resolved for test/lab/resolved.test.ts: unpacked into /var/cache/switchyard-lab, never installed
# (lab-resolved.sh says why). Without it that test fails, so the test command must provide it.
if [ "$is_root" = 1 ]; then
  bash "$(dirname "$0")/lab-resolved.sh" || die "could not unpack systemd-resolved for the lab (scripts/lab-resolved.sh)"
elif ! [ -x "${SWITCHYARD_LAB_RESOLVED:-/var/cache/switchyard-lab/systemd-resolved}/usr/bin/resolvectl" ]; then
  die "systemd-resolved is not unpacked for the lab -- run as root: sudo bash scripts/install-deps.sh"
fi
exit 0
