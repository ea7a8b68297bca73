/**
 * IPv4 addresses and CIDR networks as branded unsigned 32-bit numbers: cheap to compare, hash and
 * do arithmetic on in the DHCP hot path, impossible to mix up with a plain number by accident.
 */
export type Ipv4 = number & { readonly __brand: 'Ipv4' };

/** A network: `network` is aligned to `prefix` (checked by parseCidr). */
export interface Cidr {
  readonly network: Ipv4;
  readonly prefix: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): Ipv4 | undefined {
  const m = DOTTED.exec(text.trim());
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    // Leading zeros are rejected: some parsers read them as octal ("010" = 8), so they are ambiguous.
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n as Ipv4;
}

/** For literals in code and tests; throws on a malformed address. */
export function ipv4(text: string): Ipv4 {
  const ip = parseIpv4(text);
  if (ip === undefined) throw new TypeError(`not an IPv4 address: ${text}`);
  return ip;
}

export function asIpv4(u32: number): Ipv4 {
  return (u32 >>> 0) as Ipv4;
}

export function formatIpv4(ip: Ipv4): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function readIpv4(buf: Uint8Array, offset: number): Ipv4 {
  return (((buf[offset]! << 24) >>> 0) +
    (buf[offset + 1]! << 16) +
    (buf[offset + 2]! << 8) +
    buf[offset + 3]!) as Ipv4;
}

export function writeIpv4(buf: Uint8Array, offset: number, ip: Ipv4): void {
  buf[offset] = ip >>> 24;
  buf[offset + 1] = (ip >>> 16) & 255;
  buf[offset + 2] = (ip >>> 8) & 255;
  buf[offset + 3] = ip & 255;
}

export const ZERO_IP = 0 as Ipv4;
export const BROADCAST_IP = 0xffffffff as Ipv4;

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function netmask(c: Cidr): Ipv4 {
  return maskOf(c.prefix) as Ipv4;
}

export function broadcastOf(c: Cidr): Ipv4 {
  return ((c.network | ~maskOf(c.prefix)) >>> 0) as Ipv4;
}

export function contains(c: Cidr, ip: Ipv4): boolean {
  return (ip & maskOf(c.prefix)) >>> 0 === c.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  const m = maskOf(p);
  return (a.network & m) >>> 0 === (b.network & m) >>> 0;
}

/** Number of addresses in the network, network and broadcast included. */
export function sizeOf(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefix}`;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/**
 * Parses "a.b.c.d/n". The address must be the network address: "192.168.235.0/20" is refused
 * because it is not a /20 network (WSL accepts such a NatNetwork and then misbehaves: microsoft/WSL#11148).
 */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `"${text}" is not in CIDR form a.b.c.d/n` };
  const ip = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1).trim();
  if (ip === undefined) return { ok: false, reason: `"${text}" does not start with an IPv4 address` };
  if (!/^\d{1,2}$/.test(prefixText) || Number(prefixText) > 32) {
    return { ok: false, reason: `"${text}" has no prefix length between 0 and 32` };
  }
  const prefix = Number(prefixText);
  const network = ((ip & maskOf(prefix)) >>> 0) as Ipv4;
  if (network !== ip) {
    return {
      ok: false,
      reason: `"${text}" is not a /${prefix} network: the network address is ${formatIpv4(network)}/${prefix}`,
    };
  }
  return { ok: true, cidr: { network, prefix } };
}

export function cidr(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new TypeError(r.reason);
  return r.cidr;
}

/** The smallest network that contains every one of `nets` (at least one). */
export function coveringCidr(nets: readonly Cidr[]): Cidr {
  let prefix = Math.min(...nets.map((n) => n.prefix));
  const first = nets[0]!.network;
  while (prefix > 0 && !nets.every((n) => ((n.network ^ first) & maskOf(prefix)) === 0)) prefix--;
  return { network: asIpv4((first & maskOf(prefix)) >>> 0), prefix };
}
