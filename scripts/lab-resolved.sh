#!/usr/bin/env bash
# Unpack systemd-resolved (resolvectl + the daemon) for the lab WITHOUT installing it:
#
#   bash scripts/lab-resolved.sh            # → /var/cache/switchyard-lab/systemd-resolved
#
# Why not `apt-get install systemd-resolved`: on Debian 12 its postinst points /etc/resolv.conf at
# resolved's stub (ln -sf ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf), taking over this
# machine's resolver. The lab needs the binaries only: test/lab/resolved.test.ts runs the daemon inside a
# network namespace it creates, with its own D-Bus daemon and private mounts, so nothing on this machine
# changes. `apt-get download` + `dpkg-deb -x` runs no maintainer script. The binaries link against the
# installed systemd's libsystemd-shared-252.so (package `systemd`, already a lab dependency).
set -euo pipefail
DEST=${SWITCHYARD_LAB_RESOLVED:-/var/cache/switchyard-lab/systemd-resolved}
if [ -x "$DEST/lib/systemd/systemd-resolved" ] && [ -x "$DEST/usr/bin/resolvectl" ]; then
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "lab-resolved: run as root" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq systemd-resolved 2>/dev/null) || {
  apt-get update -qq
  (cd "$tmp" && apt-get download -qq systemd-resolved)
}
mkdir -p "$DEST"
dpkg-deb -x "$tmp"/systemd-resolved_*.deb "$DEST"
echo "lab-resolved: unpacked $(basename "$tmp"/systemd-resolved_*.deb) into $DEST" >&2
