import { Buffer, isUtf8 } from 'node:buffer';
import type { Cidr, Ipv4 } from '../net/ipv4.js';
import { maskOf, readIpv4, writeIpv4 } from '../net/ipv4.js';
import type { DhcpMessage, MessageType } from './message.js';
import { Opt } from './message.js';
import { DEFAULT_MAX_SIZE } from './wire.js';

/**
 * Typed views over the raw option map, and constructors for option values. Getters return
 * `undefined` when an option is absent or malformed and never throw; constructors return the value
 * bytes only (the codec writes code and length).
 */

export type OptionMap = ReadonlyMap<number, Uint8Array>;

/** RFC 4702 §2.1 flag bits of option 81. */
export const FqdnFlag = { S: 0x01, O: 0x02, E: 0x04, N: 0x08 } as const;

export interface Fqdn {
  flags: number;
  /** Dotted, without a trailing dot; '' when the client sent no name. */
  name: string;
}

export interface ClasslessRoute {
  dest: Cidr;
  router: Ipv4;
}

// ---- getters ----

/** RFC 2132 §9.6: one byte, 1..8. */
export function getMessageType(opts: OptionMap): MessageType | undefined {
  const v = getU8(opts, Opt.MESSAGE_TYPE);
  return v !== undefined && v >= 1 && v <= 8 ? (v as MessageType) : undefined;
}

/** RFC 2132 §2 (single address options such as 1, 28, 50, 54): exactly four bytes. */
export function getIp(opts: OptionMap, code: number): Ipv4 | undefined {
  const v = opts.get(code);
  return v !== undefined && v.length === 4 ? readIpv4(v, 0) : undefined;
}

/** RFC 2132 §2 (address list options such as 3, 6): a non-empty multiple of four bytes. */
export function getIps(opts: OptionMap, code: number): Ipv4[] | undefined {
  const v = opts.get(code);
  if (v === undefined || v.length === 0 || v.length % 4 !== 0) return undefined;
  const ips: Ipv4[] = [];
  for (let i = 0; i < v.length; i += 4) ips.push(readIpv4(v, i));
  return ips;
}

/** RFC 2132 §2: one-byte values (e.g. 53). */
export function getU8(opts: OptionMap, code: number): number | undefined {
  const v = opts.get(code);
  return v !== undefined && v.length === 1 ? v[0] : undefined;
}

/** RFC 2132 §2: 16-bit network-order values (e.g. 26, 57). */
export function getU16(opts: OptionMap, code: number): number | undefined {
  const v = opts.get(code);
  return v !== undefined && v.length === 2 ? (v[0]! << 8) | v[1]! : undefined;
}

/** RFC 2132 §2: 32-bit network-order values (e.g. 51, 58, 59). */
export function getU32(opts: OptionMap, code: number): number | undefined {
  const v = opts.get(code);
  return v !== undefined && v.length === 4 ? readIpv4(v, 0) : undefined;
}

/**
 * RFC 2132 §2 (NVT ASCII strings such as 12, 15, 60): UTF-8 when valid, else Latin-1. Trailing
 * NULs are stripped: Windows clients NUL-terminate strings (dnsmasq rfc2131.c "Microsoft clients
 * are broken, and need zero-terminated strings").
 */
export function getString(opts: OptionMap, code: number): string | undefined {
  const v = opts.get(code);
  return v === undefined ? undefined : text(stripNuls(v));
}

/**
 * RFC 2132 §9.8: the codes in the client's order — the option's own bytes, not a copy (read twice per
 * reply; a copy is garbage on every reply: docs/benchmarks.md#allocations-on-the-reply-path).
 */
export function getParameterRequestList(opts: OptionMap): Readonly<Uint8Array> | undefined {
  return opts.get(Opt.PARAMETER_REQUEST_LIST);
}

/** RFC 2132 §9.14: type byte + identifier, at least two bytes; compared as raw bytes. */
export function getClientId(opts: OptionMap): Uint8Array | undefined {
  const v = opts.get(Opt.CLIENT_ID);
  return v !== undefined && v.length >= 2 ? v : undefined;
}

/** RFC 2132 §9.10: at least 576; the size of the whole IP datagram, headers included. */
export function getMaxMessageSize(opts: OptionMap): number | undefined {
  const v = getU16(opts, Opt.MAX_MESSAGE_SIZE);
  return v !== undefined && v >= 576 ? v : undefined;
}

/** RFC 2132 §9.10: the DHCP payload size to encode replies with (option 57 − 28, dnsmasq does the same). */
export function replyMaxSize(opts: OptionMap): number {
  const v = getMaxMessageSize(opts);
  return v === undefined ? DEFAULT_MAX_SIZE : Math.max(DEFAULT_MAX_SIZE, v - 28);
}

/**
 * RFC 4702 §2: flags, two deprecated RCODE bytes, then the name — RFC 1035 labels without
 * compression when the E flag is set (§2.3.1), else deprecated ASCII (Windows sends this form).
 */
export function getFqdn(opts: OptionMap): Fqdn | undefined {
  const v = opts.get(Opt.CLIENT_FQDN);
  if (v === undefined || v.length < 3) return undefined;
  const flags = v[0]!;
  if (flags & FqdnFlag.E) {
    const labels: string[] = [];
    let i = 3;
    while (i < v.length && v[i] !== 0) {
      const len = v[i]!;
      if (len > 63 || i + 1 + len > v.length) return undefined;
      labels.push(text(v.subarray(i + 1, i + 1 + len)));
      i += 1 + len;
    }
    // A partial name (§2.3.1) ends without the root label; anything after the root label is malformed.
    if (i < v.length && i !== v.length - 1) return undefined;
    return { flags, name: labels.join('.') };
  }
  const name = text(stripNuls(v.subarray(3)));
  return { flags, name: name.endsWith('.') ? name.slice(0, -1) : name };
}

/** RFC 3397 §2: RFC 1035 names, compression pointers relative to the (concatenated) option data. */
export function getDomainSearch(opts: OptionMap): string[] | undefined {
  const v = opts.get(Opt.DOMAIN_SEARCH);
  if (v === undefined) return undefined;
  const names: string[] = [];
  let i = 0;
  while (i < v.length) {
    const r = readName(v, i);
    if (r === undefined) return undefined;
    names.push(r.name);
    i = r.next;
  }
  return names;
}

/** RFC 3442 §3 (and Microsoft's option 249, same format): width, significant octets, router. */
export function getClasslessRoutes(
  opts: OptionMap,
  code: number = Opt.CLASSLESS_ROUTES,
): ClasslessRoute[] | undefined {
  const v = opts.get(code);
  if (v === undefined || v.length < 5) return undefined;
  const routes: ClasslessRoute[] = [];
  let i = 0;
  while (i < v.length) {
    const prefix = v[i]!;
    const octets = Math.ceil(prefix / 8);
    if (prefix > 32 || i + 1 + octets + 4 > v.length) return undefined;
    let net = 0;
    for (let k = 0; k < 4; k++) net = net * 256 + (k < octets ? v[i + 1 + k]! : 0);
    routes.push({
      dest: { network: ((net & maskOf(prefix)) >>> 0) as Ipv4, prefix },
      router: readIpv4(v, i + 1 + octets),
    });
    i += 1 + octets + 4;
  }
  return routes;
}

/** RFC 3046 §2.0: the raw sub-options; see relayAgentSubOptions to split them. */
export function getRelayAgentInfo(opts: OptionMap): Uint8Array | undefined {
  return opts.get(Opt.RELAY_AGENT_INFO);
}

/** RFC 3046 §2.0: code/length/value sub-options (1 circuit-id, 2 remote-id); undefined if truncated. */
export function relayAgentSubOptions(info: Uint8Array): Map<number, Uint8Array> | undefined {
  const subs = new Map<number, Uint8Array>();
  let i = 0;
  while (i < info.length) {
    if (i + 2 > info.length || i + 2 + info[i + 1]! > info.length) return undefined;
    subs.set(info[i]!, info.subarray(i + 2, i + 2 + info[i + 1]!));
    i += 2 + info[i + 1]!;
  }
  return subs;
}

/** The client's name: option 81 (RFC 4702) when it carries one, else option 12 (RFC 2132 §3.14). */
export function hostnameOf(msg: DhcpMessage): string | undefined {
  const fqdn = getFqdn(msg.options);
  if (fqdn !== undefined && fqdn.name !== '') return fqdn.name;
  const host = getString(msg.options, Opt.HOSTNAME);
  return host === '' ? undefined : host;
}

// ---- constructors ----

/** RFC 2132 §2: one address. */
export function ipBytes(ip: Ipv4): Uint8Array {
  const b = new Uint8Array(4);
  writeIpv4(b, 0, ip);
  return b;
}

/** RFC 2132 §2: a list of addresses in preference order. */
export function ipsBytes(ips: readonly Ipv4[]): Uint8Array {
  const b = new Uint8Array(ips.length * 4);
  ips.forEach((ip, i) => {
    writeIpv4(b, i * 4, ip);
  });
  return b;
}

/** RFC 2132 §2: a one-byte value. */
export function u8(v: number): Uint8Array {
  return Uint8Array.of(v & 255);
}

/** RFC 2132 §2: a 16-bit value in network order. */
export function u16(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 255, v & 255);
}

/** RFC 2132 §2: a 32-bit value in network order. */
export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  writeIpv4(b, 0, (v >>> 0) as Ipv4);
  return b;
}

/** RFC 2132 §2 strings, UTF-8; `nulTerminate` for Windows clients that sent NUL-terminated names. */
export function stringBytes(s: string, opts: { nulTerminate?: boolean } = {}): Uint8Array {
  const body = utf8.encode(s);
  if (!opts.nulTerminate) return body;
  const b = new Uint8Array(body.length + 1);
  b.set(body, 0);
  return b;
}

/**
 * RFC 3397 §2: the names in RFC 1035 §4.1.4 form, later names pointing at suffixes written earlier.
 * Throws RangeError on an empty label, a label over 63 bytes or a name over 255.
 */
export function domainSearchBytes(names: readonly string[]): Uint8Array {
  const out: number[] = [];
  const seen = new Map<string, number>();
  for (const name of names) {
    const labels = nameLabels(name);
    let pointed = false;
    for (const [i, l] of labels.entries()) {
      const suffix = labels.slice(i).join('.');
      const at = seen.get(suffix);
      if (at !== undefined) {
        out.push(0xc0 | (at >>> 8), at & 255);
        pointed = true;
        break;
      }
      if (out.length < 0x4000) seen.set(suffix, out.length);
      const label = utf8.encode(l);
      out.push(label.length, ...label);
    }
    if (!pointed) out.push(0);
  }
  return Uint8Array.from(out);
}

/** RFC 3442 §3: each destination as its prefix width and only its significant octets. */
export function classlessRoutesBytes(routes: readonly ClasslessRoute[]): Uint8Array {
  let size = 0;
  for (const r of routes) size += 1 + Math.ceil(r.dest.prefix / 8) + 4;
  const b = new Uint8Array(size);
  let i = 0;
  for (const { dest, router } of routes) {
    const octets = Math.ceil(dest.prefix / 8);
    b[i++] = dest.prefix;
    for (let k = 0; k < octets; k++) b[i++] = (dest.network >>> (24 - 8 * k)) & 255;
    writeIpv4(b, i, router);
    i += 4;
  }
  return b;
}

/**
 * RFC 3442 §1: a client that receives option 121 MUST ignore option 3, so a default route has to be
 * in the list itself. Appends 0.0.0.0/0 via `router` unless the list already has a default route.
 */
export function withDefaultRoute(routes: readonly ClasslessRoute[], router: Ipv4): ClasslessRoute[] {
  if (routes.some((r) => r.dest.prefix === 0)) return [...routes];
  return [...routes, { dest: { network: 0 as Ipv4, prefix: 0 }, router }];
}

/**
 * RFC 4702 §2: with the E flag the name is written as RFC 1035 labels ending in the root label,
 * without it as ASCII. RCODE1/RCODE2 are deprecated: clients send 0, servers 255 (§2.2).
 */
export function fqdnBytes(fqdn: Fqdn, rcode = 0): Uint8Array {
  const head = [fqdn.flags & 255, rcode & 255, rcode & 255];
  if (!(fqdn.flags & FqdnFlag.E)) return Uint8Array.from([...head, ...utf8.encode(fqdn.name)]);
  const body: number[] = [];
  for (const l of nameLabels(fqdn.name)) {
    const label = utf8.encode(l);
    body.push(label.length, ...label);
  }
  return Uint8Array.from([...head, ...body, 0]);
}

// ---- helpers ----

const utf8 = new TextEncoder();

function text(v: Uint8Array): string {
  const buf = Buffer.from(v.buffer, v.byteOffset, v.length);
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
}

function stripNuls(v: Uint8Array): Uint8Array {
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  return v.subarray(0, end);
}

/** RFC 1035 §2.3.4 limits; '' and '.' are the root. */
function nameLabels(name: string): string[] {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return [];
  const labels = trimmed.split('.');
  let wire = 1;
  for (const l of labels) {
    const n = utf8.encode(l).length;
    if (n === 0) throw new RangeError(`domain name "${name}" has an empty label`);
    if (n > 63) throw new RangeError(`domain name "${name}" has a label of ${n} bytes; the limit is 63`);
    wire += 1 + n;
  }
  if (wire > 255)
    throw new RangeError(`domain name "${name}" is ${wire} bytes on the wire; the limit is 255`);
  return labels;
}

/**
 * RFC 1035 §4.1.4: reads one name at `start`. Every pointer must point before the label run it
 * interrupts, so each jump goes strictly backwards and any loop ends.
 */
function readName(v: Uint8Array, start: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  let i = start;
  let floor = start;
  let next = -1;
  let wire = 1;
  for (;;) {
    if (i >= v.length) return undefined;
    const len = v[i]!;
    if (len === 0) {
      if (next < 0) next = i + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (i + 1 >= v.length) return undefined;
      const target = ((len & 0x3f) << 8) | v[i + 1]!;
      if (target >= floor) return undefined;
      if (next < 0) next = i + 2;
      i = floor = target;
      continue;
    }
    if (len > 63 || i + 1 + len > v.length) return undefined;
    wire += 1 + len;
    if (wire > 255) return undefined;
    labels.push(text(v.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return { name: labels.join('.'), next };
}
