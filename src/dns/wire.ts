/**
 * The DNS wire codec (RFC 1035 §4.1): bytes in, DnsMessage out, and back. Pure: no config, no clock, no
 * sockets. `decodeMessage` never throws, whatever the input; `encodeMessage` throws TypeError only on a
 * value no wire form exists for (a bad name, RData that does not match its type), which is a caller's bug.
 */
import { readIpv4, writeIpv4 } from '../net/ipv4.js';
import type { DnsMessage, Flags, Question, RData, ResourceRecord } from './message.js';
import { RrClass, RrType } from './message.js';
import { escapeLabel, formatName, MAX_NAME_WIRE, parseName } from './name.js';

export type DecodeResult =
  | { ok: true; message: DnsMessage }
  | { ok: false; reason: string; offset: number; id?: number; question?: Question };

export interface EncodeOptions {
  /** Largest message the receiver takes (UDP: 512, or the EDNS size it offered); records are dropped to fit. */
  maxSize?: number;
}

export interface Edns {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
  /** The upper 8 bits of the 12-bit RCODE as carried in the OPT TTL; the full code is (this << 4) | flags.rcode. */
  extendedRcode: number;
}

const HEADER_SIZE = 12;
/** RFC 1035 §4.1.4: a pointer holds a 14-bit offset. */
const MAX_POINTER = 0x3fff;
/** RFC 2136 §2.4/2.5: dynamic update uses these classes with empty RDATA; never decode those as typed. */
const CLASS_NONE = 254;
/** RFC 6891 §6.1.3: the DO bit in the OPT TTL. */
const DO_BIT = 0x8000;

// ---------------------------------------------------------------- decode

/**
 * Internal: unwinds a decode to decodeMessage, which turns it into a result; never escapes this module. Not an
 * Error on purpose: capturing a stack makes a malformed packet many times dearer to reject
 * (docs/benchmarks.md#dns-decoding), and malformed packets are what a flood sends.
 */
class WireFail {
  readonly reason: string;
  readonly offset: number;
  constructor(reason: string, offset: number) {
    this.reason = reason;
    this.offset = offset;
  }
}

function fail(reason: string, offset: number): never {
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- see WireFail
  throw new WireFail(reason, offset);
}

function need(b: Uint8Array, at: number, n: number, what: string): void {
  if (at + n > b.length) fail(`${what} needs ${n} bytes at offset ${at}; the packet ends at ${b.length}`, at);
}

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
}

/**
 * Reads a possibly compressed name. A pointer must point before the start of the run of labels it ends
 * (RFC 1035 §4.1.4 "a prior occurrence"): so each jump lands strictly lower than the last, and a loop is
 * impossible. The 255-octet limit counts the name as expanded, not as stored.
 */
function readName(b: Uint8Array, start: number): { name: string; next: number } {
  const parts: string[] = [];
  let pos = start;
  let runStart = start;
  let next = -1;
  let wire = 1;
  for (;;) {
    need(b, pos, 1, 'a name');
    const len = b[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name: parts.join('.'), next };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      need(b, pos, 2, 'a compression pointer');
      const target = u16(b, pos) & MAX_POINTER;
      if (target >= runStart) {
        fail(
          `compression pointer at offset ${pos} to ${target} does not point backwards (RFC 1035 §4.1.4)`,
          pos,
        );
      }
      if (next < 0) next = pos + 2;
      pos = target;
      runStart = target;
      continue;
    }
    if (kind !== 0)
      fail(
        `label type 0x${kind.toString(16)} at offset ${pos} is not a length or pointer (RFC 6891 §5)`,
        pos,
      );
    wire += 1 + len;
    if (wire > MAX_NAME_WIRE)
      fail(`name starting at offset ${start} is over ${MAX_NAME_WIRE} octets (RFC 1035 §2.3.4)`, pos);
    need(b, pos + 1, len, 'a label');
    parts.push(escapeLabel(b.subarray(pos + 1, pos + 1 + len)));
    pos += 1 + len;
  }
}

function readFlags(v: number): Flags {
  return {
    qr: (v & 0x8000) !== 0,
    opcode: (v >>> 11) & 0xf,
    aa: (v & 0x0400) !== 0,
    tc: (v & 0x0200) !== 0,
    rd: (v & 0x0100) !== 0,
    ra: (v & 0x0080) !== 0,
    ad: (v & 0x0020) !== 0,
    cd: (v & 0x0010) !== 0,
    rcode: v & 0xf,
  };
}

function readRData(b: Uint8Array, type: number, cls: number, at: number, end: number): RData {
  const typed = cls !== RrClass.ANY && cls !== CLASS_NONE;
  const nameAt = (p: number, what: string): { name: string; next: number } => {
    const r = readName(b, p);
    if (r.next > end) fail(`${what} at offset ${p} runs past the RDATA end ${end}`, p);
    return r;
  };
  let data: RData;
  let pos: number;
  if (type === RrType.A && cls === RrClass.IN) {
    if (end - at !== 4) fail(`A record RDLENGTH is ${end - at}; must be 4`, at - 2);
    return { kind: 'a', address: readIpv4(b, at) };
  } else if (typed && (type === RrType.NS || type === RrType.CNAME || type === RrType.PTR)) {
    const r = nameAt(at, 'RDATA name');
    data = { kind: 'name', name: r.name };
    pos = r.next;
  } else if (typed && type === RrType.MX) {
    if (end - at < 3) fail(`MX RDATA is ${end - at} bytes; needs a preference and a name`, at);
    const r = nameAt(at + 2, 'MX exchange');
    data = { kind: 'mx', preference: u16(b, at), exchange: r.name };
    pos = r.next;
  } else if (typed && type === RrType.SOA) {
    const m = nameAt(at, 'SOA mname');
    const r = nameAt(m.next, 'SOA rname');
    if (end - r.next !== 20) fail(`SOA RDATA has ${end - r.next} bytes after its names; must be 20`, r.next);
    const n = r.next;
    data = {
      kind: 'soa',
      mname: m.name,
      rname: r.name,
      serial: u32(b, n),
      refresh: u32(b, n + 4),
      retry: u32(b, n + 8),
      expire: u32(b, n + 12),
      minimum: u32(b, n + 16),
    };
    pos = n + 20;
  } else {
    return { kind: 'raw', bytes: b.slice(at, end) };
  }
  if (pos !== end) fail(`RDATA of type ${type} has ${end - pos} bytes after its data`, pos);
  return data;
}

function readRecord(
  b: Uint8Array,
  at: number,
  section: string,
  optSeen: boolean,
): { rr: ResourceRecord; next: number } {
  const n = readName(b, at);
  let p = n.next;
  need(b, p, 10, `${section} record ${n.name === '' ? '<root>' : n.name} fixed fields`);
  const type = u16(b, p);
  const cls = u16(b, p + 2);
  const rawTtl = u32(b, p + 4);
  const rdlength = u16(b, p + 8);
  p += 10;
  if (p + rdlength > b.length) {
    fail(`RDLENGTH ${rdlength} at offset ${p - 2} runs past the end of the packet (${b.length})`, p - 2);
  }
  if (type === RrType.OPT) {
    // RFC 6891 §6.1.1: one OPT at most, in the additional section, owned by the root.
    if (section !== 'additional') fail(`OPT record in the ${section} section (RFC 6891 §6.1.1)`, at);
    if (optSeen) fail('more than one OPT record (RFC 6891 §6.1.1)', at);
    if (n.name !== '') fail(`OPT record owned by "${n.name}", not the root (RFC 6891 §6.1.2)`, at);
  }
  const data = readRData(b, type, cls, p, p + rdlength);
  // RFC 2181 §8: a TTL with the top bit set means 0. OPT's TTL is not a TTL (RFC 6891 §6.1.3): kept as is.
  const ttl = type !== RrType.OPT && rawTtl > 0x7fffffff ? 0 : rawTtl;
  return { rr: { name: n.name, type, class: cls, ttl, data }, next: p + rdlength };
}

/** Decodes one DNS message. Bytes after the last counted record are ignored (padding some stacks add). */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  const b = bytes;
  let id: number | undefined;
  let question: Question | undefined;
  try {
    if (b.length >= 2) id = u16(b, 0);
    need(b, 0, HEADER_SIZE, 'the header');
    const flags = readFlags(u16(b, 2));
    const counts = [u16(b, 4), u16(b, 6), u16(b, 8), u16(b, 10)] as const;
    let p = HEADER_SIZE;
    const questions: Question[] = [];
    for (let i = 0; i < counts[0]; i++) {
      const n = readName(b, p);
      need(b, n.next, 4, `question ${n.name === '' ? '<root>' : n.name} type and class`);
      const q = { name: n.name, type: u16(b, n.next), class: u16(b, n.next + 2) };
      questions.push(q);
      question ??= q;
      p = n.next + 4;
    }
    const sections: ResourceRecord[][] = [[], [], []];
    const names = ['answer', 'authority', 'additional'] as const;
    let optSeen = false;
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < counts[s + 1]!; i++) {
        const r = readRecord(b, p, names[s]!, optSeen);
        if (r.rr.type === RrType.OPT) optSeen = true;
        sections[s]!.push(r.rr);
        p = r.next;
      }
    }
    const message: DnsMessage = {
      id: u16(b, 0),
      flags,
      questions,
      answers: sections[0]!,
      authority: sections[1]!,
      additional: sections[2]!,
    };
    return { ok: true, message };
  } catch (e) {
    if (!(e instanceof WireFail)) throw e;
    const r: DecodeResult = { ok: false, reason: e.reason, offset: e.offset };
    if (id !== undefined) r.id = id;
    if (question !== undefined) r.question = question;
    return r;
  }
}

// ---------------------------------------------------------------- encode

class Writer {
  private buf = new Uint8Array(512);
  length = 0;
  /** Name suffix in presentation form (case kept, so decoding gives back the case written) → offset. */
  private readonly suffixes = new Map<string, number>();

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16(Math.floor(v / 0x10000) & 0xffff);
    this.u16(v);
  }
  bytes(v: Uint8Array): void {
    this.room(v.length);
    this.buf.set(v, this.length);
    this.length += v.length;
  }
  setU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }
  /** RFC 1035 §4.1.4: the longest suffix already written becomes a pointer. */
  name(text: string, compress: boolean): void {
    if (text.length <= 253 && PLAIN_NAME.test(text)) {
      this.plainName(text, compress);
      return;
    }
    const p = parseName(text);
    if (!p.ok) throw new TypeError(`cannot encode name: ${p.reason}`);
    for (let i = 0; i < p.labels.length; i++) {
      const key = formatName(p.labels.slice(i));
      const at = compress ? this.suffixes.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (compress && this.length <= MAX_POINTER) this.suffixes.set(key, this.length);
      this.u8(p.labels[i]!.length);
      this.bytes(p.labels[i]!);
    }
    this.u8(0);
  }
  /**
   * The common case without parsing: labels of [0-9A-Za-z_-] only, which formatName would print exactly as
   * given, so the suffix keys are the same strings the general path uses.
   */
  private plainName(text: string, compress: boolean): void {
    let start = 0;
    while (start < text.length) {
      const key = start === 0 ? text : text.slice(start);
      const at = compress ? this.suffixes.get(key) : undefined;
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (compress && this.length <= MAX_POINTER) this.suffixes.set(key, this.length);
      let end = text.indexOf('.', start);
      if (end < 0) end = text.length;
      this.room(end - start + 1);
      this.buf[this.length++] = end - start;
      for (let k = start; k < end; k++) this.buf[this.length++] = text.charCodeAt(k);
      start = end + 1;
    }
    this.u8(0);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Labels of 1..63 plain characters (RFC 1123 letters, digits, hyphen; and underscore), dot-separated. */
const PLAIN_NAME = /^(?:[0-9A-Za-z_-]{1,63}\.)*[0-9A-Za-z_-]{1,63}$/;

function flagsWord(f: Flags): number {
  return (
    (f.qr ? 0x8000 : 0) |
    ((f.opcode & 0xf) << 11) |
    (f.aa ? 0x0400 : 0) |
    (f.tc ? 0x0200 : 0) |
    (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) |
    (f.ad ? 0x0020 : 0) |
    (f.cd ? 0x0010 : 0) |
    (f.rcode & 0xf)
  );
}

const KIND_OF_TYPE: ReadonlyMap<number, RData['kind']> = new Map([
  [RrType.A, 'a'],
  [RrType.NS, 'name'],
  [RrType.CNAME, 'name'],
  [RrType.PTR, 'name'],
  [RrType.MX, 'mx'],
  [RrType.SOA, 'soa'],
]);

function writeRData(w: Writer, rr: ResourceRecord): void {
  const d = rr.data;
  if (d.kind !== 'raw' && KIND_OF_TYPE.get(rr.type) !== d.kind) {
    throw new TypeError(`record ${rr.name} of type ${rr.type} cannot carry RData of kind '${d.kind}'`);
  }
  switch (d.kind) {
    case 'a': {
      const four = new Uint8Array(4);
      writeIpv4(four, 0, d.address);
      w.bytes(four);
      return;
    }
    case 'name':
      w.name(d.name, true);
      return;
    case 'mx':
      w.u16(d.preference);
      w.name(d.exchange, true);
      return;
    case 'soa':
      w.name(d.mname, true);
      w.name(d.rname, true);
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v);
      return;
    case 'raw':
      w.bytes(d.bytes);
      return;
  }
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lengthAt = w.length;
  w.u16(0);
  writeRData(w, rr);
  const rdlength = w.length - lengthAt - 2;
  if (rdlength > 0xffff)
    throw new TypeError(`record ${rr.name} has ${rdlength} bytes of RDATA; at most 65535`);
  w.setU16(lengthAt, rdlength);
}

function encodeSections(
  m: DnsMessage,
  tc: boolean,
  answers: readonly ResourceRecord[],
  authority: readonly ResourceRecord[],
  additional: readonly ResourceRecord[],
): Uint8Array {
  const counts = [m.questions.length, answers.length, authority.length, additional.length];
  if (counts.some((c) => c > 0xffff)) throw new TypeError(`a section holds more than 65535 entries`);
  const w = new Writer();
  w.u16(m.id);
  w.u16(flagsWord({ ...m.flags, tc: m.flags.tc || tc }));
  for (const c of counts) w.u16(c);
  for (const q of m.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of answers) writeRecord(w, rr);
  for (const rr of authority) writeRecord(w, rr);
  for (const rr of additional) writeRecord(w, rr);
  return w.done();
}

/**
 * Encodes a message with name compression. With `maxSize`, whole records are dropped until it fits:
 * additional records first (never the OPT record: the client needs it to know EDNS was understood), then
 * authority, then answers, each from the end. TC is set when an answer or authority record was dropped;
 * RFC 2181 §9 says it must not be set when only additional-section data was left out. A message that still
 * does not fit with only its header, questions and OPT is returned that way (TC set) and may exceed maxSize.
 */
export function encodeMessage(message: DnsMessage, opts: EncodeOptions = {}): Uint8Array {
  const m = message;
  const full = encodeSections(m, false, m.answers, m.authority, m.additional);
  if (opts.maxSize === undefined || full.length <= opts.maxSize) return full;
  const max = opts.maxSize;
  const opt = m.additional.filter((r) => r.type === RrType.OPT);
  const extra = m.additional.filter((r) => r.type !== RrType.OPT);
  const droppable = extra.length + m.authority.length + m.answers.length;
  const build = (k: number): Uint8Array => {
    // k records dropped: the last k of answers ++ authority ++ extra.
    let keep = droppable - k;
    const an = m.answers.slice(0, Math.min(keep, m.answers.length));
    keep -= an.length;
    const ns = m.authority.slice(0, Math.min(keep, m.authority.length));
    keep -= ns.length;
    const ar = extra.slice(0, keep);
    return encodeSections(m, k > extra.length, an, ns, [...ar, ...opt]);
  };
  // Dropping a record from the end never makes the message longer (compression only points backwards), so
  // the size is monotonic in k: binary search for the fewest records dropped.
  let lo = 1;
  let hi = droppable;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (build(mid).length <= max) hi = mid;
    else lo = mid + 1;
  }
  return build(lo);
}

// ---------------------------------------------------------------- EDNS and cache helpers

/** RFC 6891 §6.1.2/§6.1.3: the sender's EDNS parameters, or undefined when it sent no OPT record. */
export function ednsOf(m: DnsMessage): Edns | undefined {
  const opt = m.additional.find((r) => r.type === RrType.OPT);
  if (opt === undefined) return undefined;
  // udpSize is as sent; RFC 6891 §6.2.5 says to treat values below 512 as 512 — the caller's policy.
  return {
    udpSize: opt.class,
    extendedRcode: opt.ttl >>> 24,
    version: (opt.ttl >>> 16) & 0xff,
    dnssecOk: (opt.ttl & DO_BIT) !== 0,
  };
}

/** An OPT pseudo-record (RFC 6891 §6.1.2): root owner, CLASS = our UDP payload size, no options. */
export function optRecord(
  udpSize: number,
  extra: { dnssecOk?: boolean; extendedRcode?: number; version?: number } = {},
): ResourceRecord {
  const ttl =
    ((((extra.extendedRcode ?? 0) & 0xff) << 24) >>> 0) +
    (((extra.version ?? 0) & 0xff) << 16) +
    (extra.dnssecOk === true ? DO_BIT : 0);
  return { name: '', type: RrType.OPT, class: udpSize, ttl, data: { kind: 'raw', bytes: new Uint8Array(0) } };
}
