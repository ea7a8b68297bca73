import type { Ipv4 } from '../net/ipv4.js';
import { readIpv4, writeIpv4 } from '../net/ipv4.js';
import type { DhcpMessage } from './message.js';
import { Opt } from './message.js';

/**
 * The DHCPv4 wire codec (RFC 2131 §2, RFC 2132, RFC 3396): bytes in, DhcpMessage out, and back.
 * Pure: no config, no clock, no sockets. `decode` never throws, whatever the input.
 */

export interface DecodeError {
  reason: string;
  offset?: number;
}
export type DecodeResult = { ok: true; msg: DhcpMessage } | { ok: false; error: DecodeError };

export interface EncodeOptions {
  /** Largest DHCP message (UDP payload) the receiver accepts; clamped to at least 548. */
  maxSize?: number;
}

export interface Encoded {
  bytes: Uint8Array;
  /** Option codes left out because they did not fit in `maxSize`, in the order they were dropped. */
  dropped: number[];
  /** Value of the option 52 written (1 file, 2 sname, 3 both), 0 when not overloaded. */
  overload: number;
}

/** RFC 2131 §3: the first four octets of the options field. */
export const MAGIC_COOKIE = 0x63825363;
/** RFC 2131 §2: op … file, before the magic cookie. */
export const BOOTP_HEADER_SIZE = 236;
/** RFC 1542 §2.1 / BOOTP: some relays and servers drop messages shorter than 300 bytes. */
export const BOOTP_MIN_SIZE = 300;
/** RFC 2131 §2: every client accepts a 576-byte IP datagram; minus 20 (IP) + 8 (UDP) headers. */
export const DEFAULT_MAX_SIZE = 576 - 28;
/** The largest UDP payload in an IPv4 datagram. */
const MAX_UDP_PAYLOAD = 65535 - 28;

const CHADDR_AT = 28;
const SNAME_AT = 44;
const SNAME_SIZE = 64;
const FILE_AT = 108;
const FILE_SIZE = 128;
const COOKIE_AT = 236;
const OPTIONS_AT = 240;
const MAX_HLEN = 16;
/** RFC 2132 §9.3 values of option 52. */
const OVERLOAD_FILE = 1;
const OVERLOAD_SNAME = 2;

export function decode(bytes: Uint8Array): DecodeResult {
  if (bytes.length < OPTIONS_AT) {
    return fail(
      `packet is ${bytes.length} bytes; a DHCP message needs at least ${OPTIONS_AT} ` +
        `(${BOOTP_HEADER_SIZE}-byte BOOTP header and 4-byte magic cookie)`,
    );
  }
  // One copy, then views into it: the caller may reuse its receive buffer.
  const b = new Uint8Array(bytes);
  const hlen = b[2]!;
  if (hlen > MAX_HLEN) return fail(`hlen is ${hlen}; chaddr holds at most ${MAX_HLEN} bytes`, 2);
  const cookie = readU32(b, COOKIE_AT);
  if (cookie !== MAGIC_COOKIE) {
    return fail(`magic cookie is 0x${hex32(cookie)}, not 0x${hex32(MAGIC_COOKIE)} (RFC 2131 §3)`, COOKIE_AT);
  }

  const options = new Map<number, Uint8Array>();
  const main = parseOptions(b, OPTIONS_AT, b.length, 'options', options);
  if (main !== undefined) return { ok: false, error: main };

  const overload = options.get(Opt.OVERLOAD);
  if (overload !== undefined) {
    const v = overload.length === 1 ? overload[0]! : 0;
    if (v < 1 || v > 3) {
      return fail(
        `option 52 (overload) must be one byte of value 1, 2 or 3; got ${overload.length} bytes` +
          (overload.length > 0 ? ` starting with ${overload[0]}` : ''),
      );
    }
    // RFC 2132 §9.3: file first, then sname.
    if (v & OVERLOAD_FILE) {
      const e = parseOptions(b, FILE_AT, FILE_AT + FILE_SIZE, 'file', options);
      if (e !== undefined) return { ok: false, error: e };
    }
    if (v & OVERLOAD_SNAME) {
      const e = parseOptions(b, SNAME_AT, SNAME_AT + SNAME_SIZE, 'sname', options);
      if (e !== undefined) return { ok: false, error: e };
    }
  }

  return {
    ok: true,
    msg: {
      op: b[0]!,
      htype: b[1]!,
      hlen,
      hops: b[3]!,
      xid: readU32(b, 4),
      secs: (b[8]! << 8) | b[9]!,
      flags: (b[10]! << 8) | b[11]!,
      ciaddr: readIpv4(b, 12),
      yiaddr: readIpv4(b, 16),
      siaddr: readIpv4(b, 20),
      giaddr: readIpv4(b, 24),
      chaddr: b.subarray(CHADDR_AT, CHADDR_AT + 16),
      sname: b.subarray(SNAME_AT, SNAME_AT + SNAME_SIZE),
      file: b.subarray(FILE_AT, FILE_AT + FILE_SIZE),
      options,
    },
  };
}

/**
 * Reads options from `b[start, end)` into `into`, skipping PAD and stopping at END (or at `end`
 * when END is missing). Repeated codes are concatenated in arrival order (RFC 3396 §5).
 */
function parseOptions(
  b: Uint8Array,
  start: number,
  end: number,
  field: 'options' | 'file' | 'sname',
  into: Map<number, Uint8Array>,
): DecodeError | undefined {
  const where = field === 'options' ? '' : ` in the ${field} field (overloaded)`;
  let i = start;
  while (i < end) {
    const code = b[i]!;
    if (code === Opt.PAD) {
      i++;
      continue;
    }
    if (code === Opt.END) return undefined;
    if (i + 1 >= end)
      return { reason: `option ${code} at offset ${i}${where} has no length byte`, offset: i };
    const len = b[i + 1]!;
    const remain = end - (i + 2);
    if (len > remain) {
      return {
        reason: `option ${code} at offset ${i}${where} claims ${len} bytes but only ${remain} remain`,
        offset: i,
      };
    }
    if (code === Opt.OVERLOAD && field !== 'options') {
      return {
        reason: `option 52 (overload) at offset ${i}${where}: RFC 2132 §9.3 forbids nesting`,
        offset: i,
      };
    }
    const value = b.subarray(i + 2, i + 2 + len);
    const prev = into.get(code);
    if (prev === undefined) {
      into.set(code, value);
    } else {
      const joined = new Uint8Array(prev.length + len);
      joined.set(prev, 0);
      joined.set(value, prev.length);
      into.set(code, joined);
    }
    i += 2 + len;
  }
  return undefined;
}

/**
 * Encodes a message. Options are written in map order, each as one instance unless longer than 255
 * bytes (then split, RFC 3396 §6); PAD/END entries and any option 52 in the map are not written as
 * such: option 52 is the codec's own, and the fields an incoming 52 names count as free space.
 *
 * When the options do not fit in `maxSize`: if `file` and/or `sname` are free (all zero), options
 * overflow into them in order, file first (RFC 2132 §9.3), with option 52 written last in the
 * options field. If they still do not fit, options are dropped from the end of the map (53 and 54
 * last of all) until they do; `encodeDetailed` tells which. The result is padded with zeros to 300.
 */
export function encode(msg: DhcpMessage, opts?: EncodeOptions): Uint8Array {
  return encodeDetailed(msg, opts).bytes;
}

export function encodeDetailed(msg: DhcpMessage, opts?: EncodeOptions): Encoded {
  const maxSize = clampMaxSize(opts?.maxSize);
  let size = 0;
  msg.options.forEach((value, code) => {
    if (isWritten(code)) size += instancesSize(value.length);
  });
  // Fast path: everything fits in the options field.
  if (OPTIONS_AT + size + 1 <= maxSize) {
    const out = new Uint8Array(Math.max(BOOTP_MIN_SIZE, OPTIONS_AT + size + 1));
    writeHeader(out, msg, freedFields(msg));
    let at = OPTIONS_AT;
    msg.options.forEach((value, code) => {
      if (isWritten(code)) at = writeInstances(out, at, code, value, 0, value.length);
    });
    out[at] = Opt.END;
    return { bytes: out, dropped: [], overload: 0 };
  }
  return encodeOverflowing(msg, maxSize);
}

interface Area {
  start: number;
  /** Exclusive; one byte before the field's end, kept for END. */
  limit: number;
}

type Entry = readonly [code: number, value: Uint8Array];

/** The slow path: overload into file/sname, then drop options from the end. */
function encodeOverflowing(msg: DhcpMessage, maxSize: number): Encoded {
  const entries: Entry[] = [];
  msg.options.forEach((value, code) => {
    if (isWritten(code)) entries.push([code, value]);
  });
  const freed = freedFields(msg);
  const fileFree = (freed & OVERLOAD_FILE) !== 0 || isZero(msg.file, FILE_SIZE);
  const snameFree = (freed & OVERLOAD_SNAME) !== 0 || isZero(msg.sname, SNAME_SIZE);
  const mainAlone: Area = { start: OPTIONS_AT, limit: maxSize - 1 };
  const areas: Area[] = [{ start: OPTIONS_AT, limit: maxSize - 1 - 3 }];
  if (fileFree) areas.push({ start: FILE_AT, limit: FILE_AT + FILE_SIZE - 1 });
  if (snameFree) areas.push({ start: SNAME_AT, limit: SNAME_AT + SNAME_SIZE - 1 });

  const dropped: number[] = [];
  for (;;) {
    let size = 0;
    for (const [, value] of entries) size += instancesSize(value.length);
    if (OPTIONS_AT + size + 1 <= maxSize) {
      const out = new Uint8Array(Math.max(BOOTP_MIN_SIZE, OPTIONS_AT + size + 1));
      writeHeader(out, msg, freed);
      out[pack(entries, [mainAlone], out)[0]!] = Opt.END;
      return { bytes: out, dropped, overload: 0 };
    }
    if (areas.length > 1) {
      const ends = pack(entries, areas);
      if (ends.length > 0) {
        let overload = 0;
        for (let a = 1; a < areas.length; a++) {
          if (ends[a]! > areas[a]!.start)
            overload |= areas[a]!.start === FILE_AT ? OVERLOAD_FILE : OVERLOAD_SNAME;
        }
        const mainEnd = ends[0]! + 3;
        const out = new Uint8Array(Math.max(BOOTP_MIN_SIZE, mainEnd + 1));
        writeHeader(out, msg, freed | overload);
        pack(entries, areas, out);
        out[mainEnd - 3] = Opt.OVERLOAD;
        out[mainEnd - 2] = 1;
        out[mainEnd - 1] = overload;
        out[mainEnd] = Opt.END;
        for (let a = 1; a < areas.length; a++) {
          if (ends[a]! > areas[a]!.start) out[ends[a]!] = Opt.END;
        }
        return { bytes: out, dropped, overload };
      }
    }
    dropped.push(dropLast(entries));
  }
}

/**
 * Places option instances in order, moving to the next area when the next instance does not fit.
 * Returns each area's end offset, or [] when they do not all fit. Writes them when `out` is given.
 */
function pack(entries: readonly Entry[], areas: readonly Area[], out?: Uint8Array): number[] {
  const ends = areas.map((a) => a.start);
  let area = 0;
  for (const [code, value] of entries) {
    let from = 0;
    do {
      const chunk = Math.min(255, value.length - from);
      while (ends[area]! + 2 + chunk > areas[area]!.limit) {
        if (++area === areas.length) return [];
      }
      ends[area] = out
        ? writeInstances(out, ends[area]!, code, value, from, from + chunk)
        : ends[area]! + 2 + chunk;
      from += chunk;
    } while (from < value.length);
  }
  return ends;
}

/** Removes the last entry that is not 53 or 54 (or, failing that, the last one) and returns its code. */
function dropLast(entries: Entry[]): number {
  let i = entries.length - 1;
  while (i > 0 && (entries[i]![0] === Opt.MESSAGE_TYPE || entries[i]![0] === Opt.SERVER_ID)) i--;
  const [code] = entries.splice(Math.max(i, 0), 1)[0]!;
  return code;
}

function writeHeader(out: Uint8Array, msg: DhcpMessage, blank: number): void {
  out[0] = msg.op;
  out[1] = msg.htype;
  out[2] = msg.hlen;
  out[3] = msg.hops;
  writeU32(out, 4, msg.xid);
  out[8] = (msg.secs >>> 8) & 255;
  out[9] = msg.secs & 255;
  out[10] = (msg.flags >>> 8) & 255;
  out[11] = msg.flags & 255;
  writeIpv4(out, 12, msg.ciaddr);
  writeIpv4(out, 16, msg.yiaddr);
  writeIpv4(out, 20, msg.siaddr);
  writeIpv4(out, 24, msg.giaddr);
  copyField(out, CHADDR_AT, 16, msg.chaddr);
  if (!(blank & OVERLOAD_SNAME)) copyField(out, SNAME_AT, SNAME_SIZE, msg.sname);
  if (!(blank & OVERLOAD_FILE)) copyField(out, FILE_AT, FILE_SIZE, msg.file);
  writeU32(out, COOKIE_AT, MAGIC_COOKIE);
}

/** Writes `value[from, to)` as instances of at most 255 bytes (RFC 3396); returns the new offset. */
function writeInstances(
  out: Uint8Array,
  at: number,
  code: number,
  value: Uint8Array,
  from: number,
  to: number,
): number {
  do {
    const n = Math.min(255, to - from);
    out[at] = code;
    out[at + 1] = n;
    // A byte loop, not out.set(value.subarray(...)): nearly every option is a few bytes long, and the
    // subarray view allocated per option cost more than the copy.
    for (let i = 0; i < n; i++) out[at + 2 + i] = value[from + i]!;
    at += 2 + n;
    from += n;
  } while (from < to);
  return at;
}

/** Bytes taken by a value of `len` bytes once split into instances of at most 255. */
function instancesSize(len: number): number {
  return len === 0 ? 2 : len + 2 * Math.ceil(len / 255);
}

function isWritten(code: number): boolean {
  return code !== Opt.PAD && code !== Opt.END && code !== Opt.OVERLOAD;
}

/** Fields an incoming option 52 says hold options: their bytes are stale, not names. */
function freedFields(msg: DhcpMessage): number {
  const v = msg.options.get(Opt.OVERLOAD);
  return v !== undefined && v.length === 1 ? v[0]! & 3 : 0;
}

function clampMaxSize(maxSize: number | undefined): number {
  if (maxSize === undefined || !Number.isFinite(maxSize)) return DEFAULT_MAX_SIZE;
  return Math.min(MAX_UDP_PAYLOAD, Math.max(DEFAULT_MAX_SIZE, Math.floor(maxSize)));
}

function copyField(out: Uint8Array, at: number, size: number, src: Uint8Array): void {
  out.set(src.length > size ? src.subarray(0, size) : src, at);
}

function isZero(field: Uint8Array, size: number): boolean {
  const n = Math.min(size, field.length);
  for (let i = 0; i < n; i++) if (field[i] !== 0) return false;
  return true;
}

function readU32(b: Uint8Array, at: number): number {
  return readIpv4(b, at);
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  writeIpv4(b, at, (v >>> 0) as Ipv4);
}

function hex32(v: number): string {
  return v.toString(16).padStart(8, '0');
}

function fail(reason: string, offset?: number): DecodeResult {
  return { ok: false, error: offset === undefined ? { reason } : { reason, offset } };
}
