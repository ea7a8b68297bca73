/**
 * `dhcp.options` entries (per switch and per reservation): an option by name or code with a typed value,
 * checked against the option's type where RFC 2132 (or the RFC named) defines it, and encoded once here —
 * the config loader reports what is wrong with the entry's key, the scope carries the bytes.
 *
 * Names are ISC dhcpd's (dhcp-options(5)), which dnsmasq and Kea users also meet.
 */
import { parseIpv4 } from '../net/ipv4.js';

export const OPTION_TYPES = ['ip', 'ips', 'string', 'u8', 'u16', 'u32', 'i32', 'bool', 'hex'] as const;
export type OptionType = (typeof OPTION_TYPES)[number];

export interface OptionEntry {
  option: string | number;
  type?: OptionType | undefined;
  value: string | number | boolean | readonly string[];
}

/** An option as the server sends it. */
export interface ConfiguredOption {
  code: number;
  data: Uint8Array;
}

export type OptionResult =
  { ok: true; option: ConfiguredOption } | { ok: false; key: 'option' | 'type' | 'value'; message: string };

/** Codes whose type is known: [name, type, where it is defined]. */
const KNOWN: ReadonlyMap<number, readonly [string, OptionType, string]> = new Map([
  [2, ['time-offset', 'i32', 'RFC 2132 §3.4']],
  [4, ['time-servers', 'ips', 'RFC 2132 §3.6']],
  [5, ['ien116-name-servers', 'ips', 'RFC 2132 §3.7']],
  [7, ['log-servers', 'ips', 'RFC 2132 §3.9']],
  [9, ['lpr-servers', 'ips', 'RFC 2132 §3.11']],
  [13, ['boot-size', 'u16', 'RFC 2132 §3.15']],
  [16, ['swap-server', 'ip', 'RFC 2132 §3.18']],
  [17, ['root-path', 'string', 'RFC 2132 §3.19']],
  [18, ['extensions-path', 'string', 'RFC 2132 §3.20']],
  [19, ['ip-forwarding', 'bool', 'RFC 2132 §4.1']],
  [20, ['non-local-source-routing', 'bool', 'RFC 2132 §4.2']],
  [22, ['max-dgram-reassembly', 'u16', 'RFC 2132 §4.4']],
  [23, ['default-ip-ttl', 'u8', 'RFC 2132 §4.5']],
  [24, ['path-mtu-aging-timeout', 'u32', 'RFC 2132 §4.6']],
  [27, ['all-subnets-local', 'bool', 'RFC 2132 §5.2']],
  [29, ['perform-mask-discovery', 'bool', 'RFC 2132 §5.4']],
  [30, ['mask-supplier', 'bool', 'RFC 2132 §5.5']],
  [31, ['router-discovery', 'bool', 'RFC 2132 §5.6']],
  [32, ['router-solicitation-address', 'ip', 'RFC 2132 §5.7']],
  [34, ['trailer-encapsulation', 'bool', 'RFC 2132 §6.1']],
  [35, ['arp-cache-timeout', 'u32', 'RFC 2132 §6.2']],
  [36, ['ieee802-3-encapsulation', 'bool', 'RFC 2132 §6.3']],
  [37, ['default-tcp-ttl', 'u8', 'RFC 2132 §7.1']],
  [38, ['tcp-keepalive-interval', 'u32', 'RFC 2132 §7.2']],
  [39, ['tcp-keepalive-garbage', 'bool', 'RFC 2132 §7.3']],
  [40, ['nis-domain', 'string', 'RFC 2132 §8.1']],
  [41, ['nis-servers', 'ips', 'RFC 2132 §8.2']],
  [42, ['ntp-servers', 'ips', 'RFC 2132 §8.3']],
  [43, ['vendor-encapsulated-options', 'hex', 'RFC 2132 §8.4']],
  [44, ['netbios-name-servers', 'ips', 'RFC 2132 §8.5']],
  [45, ['netbios-dd-server', 'ips', 'RFC 2132 §8.6']],
  [46, ['netbios-node-type', 'u8', 'RFC 2132 §8.7']],
  [47, ['netbios-scope', 'string', 'RFC 2132 §8.8']],
  [48, ['font-servers', 'ips', 'RFC 2132 §8.9']],
  [49, ['x-display-manager', 'ips', 'RFC 2132 §8.10']],
  // A server's option 60 is what PXE clients look for ("PXEClient", in the PXE 2.1 specification).
  [60, ['vendor-class-identifier', 'string', 'RFC 2132 §9.13']],
  [64, ['nisplus-domain', 'string', 'RFC 2132 §8.11']],
  [65, ['nisplus-servers', 'ips', 'RFC 2132 §8.12']],
  [66, ['tftp-server-name', 'string', 'RFC 2132 §9.4']],
  [67, ['bootfile-name', 'string', 'RFC 2132 §9.5']],
  [68, ['mobile-ip-home-agent', 'ips', 'RFC 2132 §8.13']],
  [69, ['smtp-server', 'ips', 'RFC 2132 §8.14']],
  [70, ['pop-server', 'ips', 'RFC 2132 §8.15']],
  [71, ['nntp-server', 'ips', 'RFC 2132 §8.16']],
  [72, ['www-server', 'ips', 'RFC 2132 §8.17']],
  [73, ['finger-server', 'ips', 'RFC 2132 §8.18']],
  [74, ['irc-server', 'ips', 'RFC 2132 §8.19']],
  [75, ['streettalk-server', 'ips', 'RFC 2132 §8.20']],
  [76, ['streettalk-directory-assistance-server', 'ips', 'RFC 2132 §8.21']],
  [100, ['pcode', 'string', 'RFC 4833 §2']],
  [101, ['tcode', 'string', 'RFC 4833 §2']],
  [150, ['tftp-server-address', 'ips', 'RFC 5859 §3']],
]);

const BY_NAME: ReadonlyMap<string, number> = new Map([...KNOWN].map(([code, [name]]) => [name, code]));

/** Options the server fills in itself, and the key that sets them instead. */
const MANAGED: ReadonlyMap<number, string> = new Map([
  [1, 'the switch subnet'],
  [3, 'dhcp.router'],
  [6, 'dhcp.dnsServers'],
  [12, 'the reservation name or the client'],
  [15, 'dns.domain'],
  [26, 'dhcp.mtu'],
  [28, 'the switch subnet'],
  [50, 'the DHCP exchange itself'],
  [51, 'dhcp.leaseTime'],
  [52, 'the DHCP exchange itself'],
  [53, 'the DHCP exchange itself'],
  [54, 'the switch host address'],
  [55, 'the client'],
  [56, 'the DHCP exchange itself'],
  [57, 'the client'],
  [58, 'dhcp.leaseTime'],
  [59, 'dhcp.leaseTime'],
  [61, 'the client'],
  [81, 'the client'],
  [82, 'the relay agent'],
  [119, 'dns.domain'],
  [121, 'dhcp.staticRoutes'],
  [249, 'dhcp.staticRoutes'],
]);

const MAX_LEN = 255;

function fail(key: 'option' | 'type' | 'value', message: string): OptionResult {
  return { ok: false, key, message };
}

/** The code an entry names, or why it names none. */
function codeOf(option: string | number): number | string {
  if (typeof option === 'number') {
    if (!Number.isInteger(option) || option < 1 || option > 254) return `option code ${option} is not 1-254`;
    return option;
  }
  if (/^\d+$/.test(option)) return codeOf(Number(option));
  const code = BY_NAME.get(option.toLowerCase());
  if (code !== undefined) return code;
  return `unknown option name "${option}" (use its code, with a type, e.g. { option: 224, type: hex, value: "01:02" })`;
}

export function describeOption(code: number): string {
  const k = KNOWN.get(code);
  return k ? `option ${code} (${k[0]})` : `option ${code}`;
}

/** Checks an entry and encodes its value; the error names the entry's key at fault. */
export function encodeOptionEntry(e: OptionEntry): OptionResult {
  const code = codeOf(e.option);
  if (typeof code === 'string') return fail('option', code);
  const managed = MANAGED.get(code);
  if (managed !== undefined) return fail('option', `option ${code} is set by ${managed}, not dhcp.options`);
  const known = KNOWN.get(code);
  if (known && e.type !== undefined && e.type !== known[1]) {
    return fail('type', `${describeOption(code)} is of type ${known[1]} (${known[2]}), not ${e.type}`);
  }
  const type = e.type ?? known?.[1];
  if (type === undefined) {
    return fail('type', `option ${code} has no known type: give one of ${OPTION_TYPES.join(', ')}`);
  }
  const data = encodeValue(type, e.value);
  if (typeof data === 'string') return fail('value', `${describeOption(code)}: ${data}`);
  if (data.length > MAX_LEN)
    return fail('value', `${describeOption(code)}: ${data.length} bytes, at most ${MAX_LEN}`);
  return { ok: true, option: { code, data } };
}

/** The value's bytes, or what is wrong with it. */
function encodeValue(type: OptionType, v: OptionEntry['value']): Uint8Array | string {
  switch (type) {
    case 'ip': {
      const ip = typeof v === 'string' ? parseIpv4(v) : undefined;
      return ip === undefined ? `expected an IPv4 address, got ${show(v)}` : ipBytes([ip]);
    }
    case 'ips': {
      const list: readonly unknown[] = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
      if (list.length === 0) return `expected a list of IPv4 addresses, got ${show(v)}`;
      const ips = list.map((s) => (typeof s === 'string' ? parseIpv4(s) : undefined));
      const bad = ips.findIndex((ip) => ip === undefined);
      if (bad >= 0) return `expected a list of IPv4 addresses; ${show(list[bad])} is not one`;
      return ipBytes(ips as number[]);
    }
    case 'string':
      if (typeof v !== 'string' || v.length === 0) return `expected a non-empty string, got ${show(v)}`;
      return new TextEncoder().encode(v);
    case 'u8':
      return int(v, 1, 0, 0xff);
    case 'u16':
      return int(v, 2, 0, 0xffff);
    case 'u32':
      return int(v, 4, 0, 0xffffffff);
    case 'i32':
      return int(v, 4, -0x80000000, 0x7fffffff);
    case 'bool':
      return typeof v === 'boolean' ? Uint8Array.of(v ? 1 : 0) : `expected true or false, got ${show(v)}`;
    case 'hex': {
      const s =
        typeof v === 'string'
          ? v
              .trim()
              .toLowerCase()
              .replace(/[:\s-]/g, '')
          : '';
      if (s === '' || !/^([0-9a-f]{2})+$/.test(s))
        return `expected hex bytes like "01:02:ab" or "0102ab", got ${show(v)}`;
      return Uint8Array.from(Buffer.from(s, 'hex'));
    }
  }
}

function int(v: OptionEntry['value'], size: number, min: number, max: number): Uint8Array | string {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return `expected an integer ${min}-${max}, got ${show(v)}`;
  }
  const out = new Uint8Array(size);
  let n = v < 0 ? v + 2 ** (8 * size) : v;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return out;
}

function ipBytes(ips: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * ips.length);
  ips.forEach((ip, i) => {
    out[4 * i] = ip >>> 24;
    out[4 * i + 1] = (ip >>> 16) & 255;
    out[4 * i + 2] = (ip >>> 8) & 255;
    out[4 * i + 3] = ip & 255;
  });
  return out;
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}
