/**
 * The host resolver on Linux: the `nameserver` lines of /etc/resolv.conf (resolv.conf(5)). With
 * systemd-resolved that is its stub 127.0.0.53, which routes each name by the per-link domains a VPN client
 * registers — exactly the split DNS we want to follow. parseResolvConf is pure; watchResolvConf reads the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseIpv4, type Ipv4 } from '../../net/ipv4.js';

/** IPv4 nameservers in file order (IPv6 ones are skipped: the forwarder speaks IPv4). At most 3 are used by libc; we keep all. */
export function parseResolvConf(text: string): Ipv4[] {
  const out: Ipv4[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const ip = parseIpv4(m[1]!);
    if (ip !== undefined && !out.includes(ip)) out.push(ip);
  }
  return out;
}

/**
 * The servers of a resolv.conf file, re-read when its modification time or size changes (a VPN client or
 * resolvconf rewrites it), looked at no more than once per `checkEveryMs`. A missing or unreadable file
 * gives no servers (queries then get SERVFAIL, and the reason is logged by the caller).
 */
export function watchResolvConf(path: string, now: () => number, checkEveryMs = 2000): () => readonly Ipv4[] {
  let checkedAt = -Infinity;
  let stamp = '';
  let servers: Ipv4[] = [];
  return () => {
    const t = now();
    if (t - checkedAt < checkEveryMs) return servers;
    checkedAt = t;
    try {
      const st = statSync(path);
      const s = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (s !== stamp) {
        stamp = s;
        servers = parseResolvConf(readFileSync(path, 'utf8'));
      }
    } catch {
      stamp = '';
      servers = [];
    }
    return servers;
  };
}
