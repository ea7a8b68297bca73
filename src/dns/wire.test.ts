import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ipv4 } from '../net/ipv4.js';
import type { DnsMessage, Flags, Question, RData, ResourceRecord } from './message.js';
import { NO_FLAGS, RrClass, RrType } from './message.js';
import { formatName, wireLength } from './name.js';
import { decodeMessage, ednsOf, encodeMessage, optRecord } from './wire.js';

// ---- helpers ----

/** The captured real packets in test/fixtures/dns (hex, `#` comments). */
function dnsFixtures(): { name: string; bytes: Uint8Array }[] {
  const dir = new URL('../../../test/fixtures/dns/', import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((name) => ({ name, bytes: hex(readFileSync(new URL(name, dir), 'utf8')) }));
}

function hex(text: string): Uint8Array {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/#.*/, ''))
    .join('')
    .replace(/\s+/g, '');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

function decoded(bytes: Uint8Array): DnsMessage {
  const r = decodeMessage(bytes);
  if (!r.ok) assert.fail(`decode failed at ${r.offset}: ${r.reason}`);
  return r.message;
}

function failure(bytes: Uint8Array) {
  const r = decodeMessage(bytes);
  if (r.ok) assert.fail('decode should have failed');
  return r;
}

/** decode(encode(m)) = m, and encoding the decoded value again gives the same bytes. */
function roundTrip(m: DnsMessage): Uint8Array {
  const bytes = encodeMessage(m);
  const back = decoded(bytes);
  assert.deepEqual(back, m);
  assert.deepEqual(encodeMessage(back), bytes);
  return bytes;
}

const Q: Question = { name: 'web1.switchyard.internal', type: RrType.A, class: RrClass.IN };

function msg(over: Partial<DnsMessage> = {}): DnsMessage {
  return {
    id: 0x1234,
    flags: { ...NO_FLAGS, qr: true, aa: true, rd: true, ra: true },
    questions: [Q],
    answers: [],
    authority: [],
    additional: [],
    ...over,
  };
}

function rr(name: string, type: number, data: RData, ttl = 300): ResourceRecord {
  return { name, type, class: RrClass.IN, ttl, data };
}

const a = (name: string, ip: string, ttl = 300) => rr(name, RrType.A, { kind: 'a', address: ipv4(ip) }, ttl);
const raw = (...b: number[]): RData => ({ kind: 'raw', bytes: Uint8Array.from(b) });
const soa: RData = {
  kind: 'soa',
  mname: 'ns.switchyard.internal',
  rname: 'hostmaster.switchyard.internal',
  serial: 2026112401,
  refresh: 3600,
  retry: 600,
  expire: 0xffffffff,
  minimum: 60,
};

/** A query with header + the given body bytes. */
function packet(counts: [number, number, number, number], ...body: number[]): Uint8Array {
  return Uint8Array.from([0xab, 0xcd, 0x01, 0x00, ...counts.flatMap((c) => [c >> 8, c & 255]), ...body]);
}
const QNAME_X_TEST = [1, 0x78, 4, 0x74, 0x65, 0x73, 0x74, 0]; // x.test at offset 12
const Q_X_TEST = [...QNAME_X_TEST, 0, 1, 0, 1]; // A IN; the first record starts at offset 24

// ---- round trips ----

describe('round trips', () => {
  test('every RData kind, and raw for AAAA, TXT, SRV and OPT', () => {
    const bytes = roundTrip(
      msg({
        answers: [
          a('web1.switchyard.internal', '10.0.251.10'),
          rr('www.switchyard.internal', RrType.CNAME, { kind: 'name', name: 'web1.switchyard.internal' }),
          rr('10.251.0.10.in-addr.arpa', RrType.PTR, { kind: 'name', name: 'web1.switchyard.internal' }),
          rr('switchyard.internal', RrType.MX, {
            kind: 'mx',
            preference: 10,
            exchange: 'mail.switchyard.internal',
          }),
          rr('web1.switchyard.internal', RrType.AAAA, raw(...Array.from({ length: 16 }, (_, i) => i))),
          rr('web1.switchyard.internal', RrType.TXT, raw(5, 0x68, 0x65, 0x6c, 0x6c, 0x6f)),
          rr('_http._tcp.switchyard.internal', RrType.SRV, raw(0, 1, 0, 2, 0, 80, 0)),
        ],
        authority: [
          rr('switchyard.internal', RrType.NS, { kind: 'name', name: 'ns.switchyard.internal' }),
          rr('switchyard.internal', RrType.SOA, soa),
        ],
        additional: [a('ns.switchyard.internal', '10.0.251.1'), optRecord(1232, { dnssecOk: true })],
      }),
    );
    assert.ok(bytes.length < 400, `compressed (${bytes.length} bytes)`);
  });
  test('case is kept as given; escaped label bytes survive', () => {
    roundTrip(
      msg({
        questions: [{ ...Q, name: 'Web1.SwitchYard.internal' }],
        answers: [a('WEB1.switchyard.internal', '10.0.0.1')],
      }),
    );
    roundTrip(
      msg({
        questions: [{ ...Q, name: 'a\\.b\\000\\255\\\\.x' }],
        answers: [a('a\\.b\\000\\255\\\\.x', '10.0.0.1')],
      }),
    );
  });
  test('the root name and empty sections', () => {
    roundTrip(msg({ questions: [{ name: '', type: RrType.NS, class: RrClass.IN }] }));
    roundTrip(msg({ questions: [] }));
  });
  test('all flag bits and rcode travel independently', () => {
    for (const f of ['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd'] as const) {
      roundTrip(msg({ flags: { ...NO_FLAGS, [f]: true } }));
    }
    roundTrip(msg({ flags: { ...NO_FLAGS, opcode: 15, rcode: 15 } }));
    const bytes = encodeMessage(msg({ flags: { ...NO_FLAGS, qr: true, opcode: 2, rcode: 3 } }));
    assert.deepEqual([...bytes.subarray(2, 4)], [0x90, 0x03]);
  });
  test('class ANY with empty RDATA (RFC 2136 deletes) is raw, not a name decode error', () => {
    roundTrip(
      msg({ answers: [{ name: 'x.test', type: RrType.CNAME, class: RrClass.ANY, ttl: 0, data: raw() }] }),
    );
  });
});

// ---- compression ----

describe('name compression (RFC 1035 §4.1.4)', () => {
  test('five answers for the question name encode to the exact compressed length', () => {
    const name = 'host.example.test';
    const five = Array.from({ length: 5 }, (_, i) => a(name, `192.0.2.${i + 1}`));
    const bytes = roundTrip(msg({ questions: [{ ...Q, name }], answers: five }));
    // header 12 + question (19-byte name + 4) + 5 × (2-byte pointer + 10 fixed + 4 RDATA)
    assert.equal(bytes.length, 12 + 23 + 5 * 16);
    assert.deepEqual([...bytes.subarray(35, 37)], [0xc0, 12], 'the first answer points at the question name');
  });
  test('suffixes are shared and names in MX/SOA RDATA are compressed too', () => {
    const bytes = roundTrip(
      msg({
        questions: [{ name: 'switchyard.internal', type: RrType.MX, class: RrClass.IN }],
        answers: [
          rr('switchyard.internal', RrType.MX, {
            kind: 'mx',
            preference: 1,
            exchange: 'mx.switchyard.internal',
          }),
        ],
      }),
    );
    // question: 21-byte name + 4; answer: pointer 2 + 10 fixed + RDATA (2 pref + "mx" 3 + pointer 2)
    assert.equal(bytes.length, 12 + 25 + 12 + 7);
  });
  test('names inside raw RDATA are never compressed against and never pointed into', () => {
    const bytes = encodeMessage(
      msg({ answers: [rr('x.test', RrType.TXT, raw(6, 0x78, 0x2e, 0x74, 0x65, 0x73, 0x74))] }),
    );
    const again = encodeMessage(msg({ answers: [rr('x.test', RrType.TXT, raw(1))] }));
    assert.equal(bytes.length - again.length, 6);
  });
  test('matching is case-sensitive so the case written is the case read back', () => {
    const m = msg({ questions: [{ ...Q, name: 'x.test' }], answers: [a('X.TEST', '10.0.0.1')] });
    const bytes = roundTrip(m);
    assert.equal(bytes.length, 12 + 12 + 8 + 10 + 4);
  });
});

// ---- decode errors ----

describe('decode errors: never throws, says where and why', () => {
  test('short header: no id under 2 bytes, id from 2 on', () => {
    const r0 = failure(new Uint8Array(0));
    assert.equal(r0.id, undefined);
    assert.equal(failure(Uint8Array.from([0xab])).id, undefined);
    const r = failure(Uint8Array.from([0xab, 0xcd, 1]));
    assert.equal(r.id, 0xabcd);
    assert.match(r.reason, /header needs 12 bytes/);
    assert.equal(r.question, undefined);
  });
  test('counts that overrun the buffer', () => {
    const r = failure(packet([2, 0, 0, 0], ...Q_X_TEST));
    assert.match(r.reason, /name.*packet ends at 24/);
    assert.equal(r.offset, 24);
    assert.deepEqual(r.question, { name: 'x.test', type: 1, class: 1 }, 'the first question is reported');
    assert.equal(r.id, 0xabcd);
    assert.match(failure(packet([0, 1, 0, 0])).reason, /name needs 1 bytes at offset 12/);
    assert.match(
      failure(packet([1, 0, 0, 0], ...QNAME_X_TEST, 0, 1)).reason,
      /question x\.test type and class/,
    );
  });
  test('a compression pointer to itself, forwards, or into a loop is an error, not a hang', () => {
    const self = failure(packet([1, 0, 0, 0], 0xc0, 12, 0, 1, 0, 1));
    assert.match(self.reason, /pointer at offset 12 to 12 does not point backwards/);
    assert.equal(self.offset, 12);
    assert.match(failure(packet([1, 0, 0, 0], 0xc0, 14, 0, 0, 1, 0, 1)).reason, /does not point backwards/);
    // label "x" then a pointer back to the label: backwards in the packet, but a loop.
    const loop = failure(packet([1, 0, 0, 0], 1, 0x78, 0xc0, 12, 0, 1, 0, 1));
    assert.match(loop.reason, /pointer at offset 14 to 12 does not point backwards/);
    // Two names pointing at each other.
    const pair = failure(packet([2, 0, 0, 0], 1, 0x61, 0xc0, 20, 0, 1, 0, 1, 1, 0x62, 0xc0, 12, 0, 1, 0, 1));
    assert.match(pair.reason, /does not point backwards/);
    assert.match(failure(packet([1, 0, 0, 0], 0xc0)).reason, /compression pointer needs 2 bytes/);
  });
  test('a good backwards pointer chain decodes', () => {
    // q1 = x.test (12), q2 = a + pointer to 12 (24), q3 = b + pointer to q2 (34)
    const m = decoded(
      packet([3, 0, 0, 0], ...Q_X_TEST, 1, 0x61, 0xc0, 12, 0, 1, 0, 1, 1, 0x62, 0xc0, 24, 0, 1, 0, 1),
    );
    assert.deepEqual(
      m.questions.map((q) => q.name),
      ['x.test', 'a.x.test', 'b.a.x.test'],
    );
  });
  test('label types 0x40 and 0x80 (a "label" over 63) are refused', () => {
    assert.match(failure(packet([1, 0, 0, 0], 0x40, 0, 0, 1, 0, 1)).reason, /label type 0x40/);
    assert.match(failure(packet([1, 0, 0, 0], 0x80, 0, 0, 1, 0, 1)).reason, /label type 0x80/);
  });
  test('a name over 255 octets, stored or expanded through pointers', () => {
    const label63 = [63, ...new Array<number>(63).fill(0x61)];
    const long = [...label63, ...label63, ...label63, ...label63, 0]; // 257 octets
    assert.match(failure(packet([1, 0, 0, 0], ...long, 0, 1, 0, 1)).reason, /over 255 octets/);
    // 3 × 64 + 1 = 193 stored; the second name adds 63 + 1 in front of a pointer → 257 expanded.
    const base = [...label63, ...label63, ...label63, 0];
    const r = failure(packet([2, 0, 0, 0], ...base, 0, 1, 0, 1, ...label63, 0xc0, 12, 0, 1, 0, 1));
    assert.match(r.reason, /over 255 octets/);
    // exactly 255 is fine
    const ok255 = [...label63, ...label63, ...label63, 61, ...new Array<number>(61).fill(0x62), 0];
    assert.equal(decoded(packet([1, 0, 0, 0], ...ok255, 0, 1, 0, 1)).questions[0]!.name.length, 253);
  });
  test('RDLENGTH overrun, truncated fixed fields', () => {
    const r = failure(
      packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 10, 0, 0, 1),
    );
    assert.match(r.reason, /RDLENGTH 5 at offset 34 runs past the end/);
    assert.equal(r.offset, 34);
    assert.deepEqual(r.question, { name: 'x.test', type: 1, class: 1 });
    assert.match(
      failure(packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 1)).reason,
      /answer record x\.test fixed fields/,
    );
  });
  test('A with RDLENGTH other than 4', () => {
    const r = failure(
      packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, 10, 0, 0, 1, 2),
    );
    assert.match(r.reason, /A record RDLENGTH is 5; must be 4/);
  });
  test('typed RDATA must fill RDLENGTH exactly, and its names must stay inside it', () => {
    const cname = (...rdata: number[]) =>
      packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, rdata.length, ...rdata);
    assert.equal((decoded(cname(0xc0, 12)).answers[0]!.data as { name: string }).name, 'x.test');
    assert.match(failure(cname(0xc0, 12, 0)).reason, /has 1 bytes after its data/);
    assert.match(failure(cname()).reason, /a name needs 1 bytes at offset 36; the packet ends at 36/);
    // RDLENGTH 2 holds label "a"; its terminating zero lies outside the RDATA, in trailing bytes.
    const straddle = packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 1, 0x61, 0);
    assert.match(failure(straddle).reason, /RDATA name at offset 36 runs past the RDATA end 38/);
    const mx = (...rdata: number[]) =>
      packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, rdata.length, ...rdata);
    assert.match(failure(mx(0, 1)).reason, /MX RDATA is 2 bytes/);
    const soaPkt = (tail: number) =>
      packet(
        [1, 1, 0, 0],
        ...Q_X_TEST,
        0xc0,
        12,
        0,
        6,
        0,
        1,
        0,
        0,
        0,
        60,
        0,
        4 + tail,
        0xc0,
        12,
        0xc0,
        12,
        ...new Array<number>(tail).fill(0),
      );
    assert.equal(decoded(soaPkt(20)).answers[0]!.data.kind, 'soa');
    assert.match(failure(soaPkt(19)).reason, /19 bytes after its names; must be 20/);
  });
  test('OPT: only one, only in additional, only owned by the root (RFC 6891 §6.1.1)', () => {
    const opt = [0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0];
    assert.match(failure(packet([1, 0, 0, 2], ...Q_X_TEST, ...opt, ...opt)).reason, /more than one OPT/);
    assert.match(
      failure(packet([1, 1, 0, 0], ...Q_X_TEST, ...opt)).reason,
      /OPT record in the answer section/,
    );
    assert.match(
      failure(packet([1, 0, 0, 1], ...Q_X_TEST, 0xc0, 12, ...opt.slice(1))).reason,
      /owned by "x\.test"/,
    );
    assert.equal(ednsOf(decoded(packet([1, 0, 0, 1], ...Q_X_TEST, ...opt)))?.udpSize, 1232);
  });
  test('trailing bytes after the counted records are ignored', () => {
    const m = decoded(packet([1, 0, 0, 0], ...Q_X_TEST, 0xde, 0xad, 0xbe, 0xef));
    assert.equal(m.questions[0]!.name, 'x.test');
  });
  test('a TTL with the top bit set reads as 0 (RFC 2181 §8)', () => {
    const m = decoded(
      packet([1, 1, 0, 0], ...Q_X_TEST, 0xc0, 12, 0, 1, 0, 1, 0x80, 0, 0, 1, 0, 4, 10, 0, 0, 1),
    );
    assert.equal(m.answers[0]!.ttl, 0);
  });
});

// ---- truncation ----

describe('truncation to maxSize (RFC 2181 §9)', () => {
  const name = 'host.example.test';
  const many = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => a(`${prefix}${i}.example.test`, `192.0.2.${i}`));
  const big = msg({
    questions: [{ ...Q, name }],
    answers: Array.from({ length: 20 }, (_, i) => a(name, `192.0.2.${i}`)),
    authority: [rr('example.test', RrType.NS, { kind: 'name', name: 'ns.example.test' })],
    additional: [...many(30, 'glue'), optRecord(1232)],
  });

  test('a message that fits is not touched', () => {
    const full = encodeMessage(big);
    assert.deepEqual(encodeMessage(big, { maxSize: full.length }), full);
    assert.equal(decoded(full).flags.tc, false);
  });
  test('additional records go first, the OPT record stays, and TC stays clear (only extra data left out)', () => {
    const full = encodeMessage(big);
    const bytes = encodeMessage(big, { maxSize: full.length - 1 });
    assert.ok(bytes.length <= full.length - 1);
    const m = decoded(bytes);
    assert.equal(m.flags.tc, false);
    assert.equal(m.answers.length, 20);
    assert.equal(m.authority.length, 1);
    assert.equal(m.additional.length, 30, 'one glue record dropped, OPT kept');
    assert.equal(m.additional.at(-1)!.type, RrType.OPT);
    assert.equal(m.additional.at(-2)!.name, 'glue28.example.test', 'dropped from the end');
  });
  test('at 512 bytes only glue goes; at 300 the authority and some answers go too, with TC; whole records only', () => {
    const bytes = encodeMessage(big, { maxSize: 512 });
    assert.ok(bytes.length <= 512, `${bytes.length} bytes`);
    const m = decoded(bytes);
    assert.equal(m.flags.tc, false, 'only glue was left out');
    assert.deepEqual(m.answers, big.answers);
    assert.deepEqual(m.authority, big.authority);
    const glue = m.additional.slice(0, -1);
    assert.ok(glue.length > 0 && glue.length < 30, `${glue.length} glue records kept`);
    assert.deepEqual(glue, big.additional.slice(0, glue.length));
    assert.deepEqual(m.additional.at(-1), optRecord(1232));
    assert.ok(bytes.length > 512 - 22, 'one more glue record (22 bytes) would not have fitted');
    const small = encodeMessage(big, { maxSize: 300 });
    const s = decoded(small);
    assert.ok(small.length <= 300);
    assert.equal(s.flags.tc, true);
    assert.equal(s.authority.length, 0);
    assert.ok(s.answers.length > 0 && s.answers.length < 20, `${s.answers.length} answers`);
    assert.deepEqual(s.answers, big.answers.slice(0, s.answers.length), 'a prefix of the answers');
    assert.deepEqual(s.additional, [optRecord(1232)]);
    // One more byte of room would not have fitted one more answer (16 bytes each).
    assert.ok(small.length > 300 - 16);
  });
  test('nothing fits: header, question and OPT with TC', () => {
    const m = decoded(encodeMessage(big, { maxSize: 12 }));
    assert.equal(m.flags.tc, true);
    assert.deepEqual([m.answers.length, m.authority.length], [0, 0]);
    assert.deepEqual(m.additional, [optRecord(1232)]);
    assert.equal(m.questions.length, 1);
  });
});

// ---- EDNS and cache helpers ----

describe('EDNS (RFC 6891 §6.1.2/§6.1.3)', () => {
  test('optRecord and ednsOf agree; the TTL carries extended rcode, version and DO', () => {
    assert.equal(ednsOf(msg()), undefined);
    const opt = optRecord(4096, { dnssecOk: true, extendedRcode: 1, version: 0 });
    assert.deepEqual(opt, { name: '', type: RrType.OPT, class: 4096, ttl: 0x01008000, data: raw() });
    assert.deepEqual(ednsOf(msg({ additional: [opt] })), {
      udpSize: 4096,
      version: 0,
      dnssecOk: true,
      extendedRcode: 1,
    });
    const wire = roundTrip(msg({ additional: [optRecord(1232, { extendedRcode: 0xff, version: 1 })] }));
    assert.deepEqual([...wire.subarray(-11)], [0, 0, 41, 4, 0xd0, 0xff, 1, 0, 0, 0, 0]);
    assert.deepEqual(optRecord(512), { name: '', type: 41, class: 512, ttl: 0, data: raw() });
  });
});

// ---- encode refusals ----

describe('encode refuses values with no wire form', () => {
  test('bad names and RData that does not match the type', () => {
    assert.throws(
      () => encodeMessage(msg({ questions: [{ ...Q, name: 'a..b' }] })),
      /cannot encode name: empty label/,
    );
    assert.throws(
      () =>
        encodeMessage(msg({ answers: [rr('x.test', RrType.MX, { kind: 'a', address: ipv4('10.0.0.1') })] })),
      /type 15 cannot carry RData of kind 'a'/,
    );
    assert.throws(
      () =>
        encodeMessage(
          msg({ answers: [rr('x.test', RrType.TXT, { kind: 'raw', bytes: new Uint8Array(65536) })] }),
        ),
      /65536 bytes of RDATA/,
    );
  });
});

// ---- properties ----

/** fast-check makes null-prototype records by default; deepEqual would then never match a decoded value. */
const PLAIN = { noNullPrototype: true } as const;

const arbLabel = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('www', 'Web1', 'switchyard', 'internal', 'x', 'test', 'EXAMPLE')
      .map((s) => Uint8Array.from(Buffer.from(s))),
  },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 63 }) },
);
const arbName = fc
  .array(arbLabel, { maxLength: 5 })
  .filter((ls) => wireLength(ls) <= 255)
  .map((ls) => formatName(ls));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const ttl = fc.integer({ min: 0, max: 0x7fffffff });
const notMetaClass = u16.filter((c) => c !== RrClass.ANY && c !== 254);

const arbRecord: fc.Arbitrary<ResourceRecord> = fc.oneof(
  fc.record(
    {
      name: arbName,
      type: fc.constant(RrType.A),
      class: fc.constant(RrClass.IN),
      ttl,
      data: u32.map((n): RData => ({ kind: 'a', address: (n >>> 0) as ReturnType<typeof ipv4> })),
    },
    PLAIN,
  ),
  fc.record(
    {
      name: arbName,
      type: fc.constantFrom(RrType.NS, RrType.CNAME, RrType.PTR),
      class: notMetaClass,
      ttl,
      data: arbName.map((n): RData => ({ kind: 'name', name: n })),
    },
    PLAIN,
  ),
  fc.record(
    {
      name: arbName,
      type: fc.constant(RrType.MX),
      class: notMetaClass,
      ttl,
      data: fc.record({ kind: fc.constant('mx' as const), preference: u16, exchange: arbName }, PLAIN),
    },
    PLAIN,
  ),
  fc.record(
    {
      name: arbName,
      type: fc.constant(RrType.SOA),
      class: notMetaClass,
      ttl,
      data: fc.record(
        {
          kind: fc.constant('soa' as const),
          mname: arbName,
          rname: arbName,
          serial: u32,
          refresh: u32,
          retry: u32,
          expire: u32,
          minimum: u32,
        },
        PLAIN,
      ),
    },
    PLAIN,
  ),
  fc.record(
    {
      name: arbName,
      type: fc.constantFrom(RrType.TXT, RrType.AAAA, RrType.SRV, 99, 65280),
      class: u16,
      ttl,
      data: fc.uint8Array({ maxLength: 40 }).map((bytes): RData => ({ kind: 'raw', bytes })),
    },
    PLAIN,
  ),
);
const arbOpt = fc.record(
  {
    name: fc.constant(''),
    type: fc.constant(RrType.OPT),
    class: u16,
    ttl: u32,
    data: fc.uint8Array({ maxLength: 20 }).map((bytes): RData => ({ kind: 'raw', bytes })),
  },
  PLAIN,
);
const arbFlags: fc.Arbitrary<Flags> = fc.record(
  {
    qr: fc.boolean(),
    opcode: fc.integer({ min: 0, max: 15 }),
    aa: fc.boolean(),
    tc: fc.boolean(),
    rd: fc.boolean(),
    ra: fc.boolean(),
    ad: fc.boolean(),
    cd: fc.boolean(),
    rcode: fc.integer({ min: 0, max: 15 }),
  },
  PLAIN,
);
const arbMessage: fc.Arbitrary<DnsMessage> = fc
  .record({
    id: u16,
    flags: arbFlags,
    questions: fc.array(fc.record({ name: arbName, type: u16, class: u16 }, PLAIN), { maxLength: 3 }),
    answers: fc.array(arbRecord, { maxLength: 6 }),
    authority: fc.array(arbRecord, { maxLength: 4 }),
    extra: fc.array(arbRecord, { maxLength: 4 }),
    opt: fc.option(fc.tuple(arbOpt, fc.nat()), { nil: undefined }),
  })
  .map(({ extra, opt, ...m }) => {
    const additional = [...extra];
    if (opt) additional.splice(opt[1] % (extra.length + 1), 0, opt[0]);
    return { ...m, additional };
  });

describe('properties', () => {
  test('decode(encode(m)) deep-equals m and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(arbMessage, (m) => void roundTrip(m)),
      { numRuns: 1000 },
    );
  });
  test('encode with any maxSize: decodes, keeps OPT, keeps section prefixes, fits unless only the core is left', () => {
    fc.assert(
      fc.property(arbMessage, fc.integer({ min: 12, max: 1500 }), (m, maxSize) => {
        const bytes = encodeMessage(m, { maxSize });
        const d = decoded(bytes);
        const opt = m.additional.filter((r) => r.type === RrType.OPT);
        assert.deepEqual(
          d.additional.filter((r) => r.type === RrType.OPT),
          opt,
        );
        assert.deepEqual(d.answers, m.answers.slice(0, d.answers.length));
        assert.deepEqual(d.authority, m.authority.slice(0, d.authority.length));
        const lost = d.answers.length < m.answers.length || d.authority.length < m.authority.length;
        if (lost) assert.equal(d.flags.tc, true);
        if (d.authority.length > 0) assert.equal(d.answers.length, m.answers.length, 'answers go last');
        const kept = d.answers.length + d.authority.length + d.additional.length - opt.length;
        if (bytes.length > maxSize) assert.equal(kept, 0, 'over maxSize only with every record dropped');
      }),
      { numRuns: 500 },
    );
  });
});

// ---- fuzz ----

/** xorshift32: deterministic for a seed, so a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const INTERESTING = [0, 1, 2, 3, 4, 5, 6, 12, 41, 63, 64, 0x7f, 0x80, 0xc0, 0xc0, 0xff];

function mutate(seeds: readonly Uint8Array[], rand: (n: number) => number): Uint8Array {
  if (rand(10) === 0) return Uint8Array.from({ length: rand(600) }, () => rand(256));
  let b = Uint8Array.from(seeds[rand(seeds.length)]!);
  for (let e = 1 + rand(6); e > 0; e--) {
    switch (rand(6)) {
      case 0:
        if (b.length) b[rand(b.length)]! ^= 1 << rand(8);
        break;
      case 1:
        if (b.length) b[rand(b.length)] = INTERESTING[rand(INTERESTING.length)]!;
        break;
      case 2:
        b = b.subarray(0, rand(b.length + 1));
        break;
      case 3: // a pointer anywhere
        if (b.length > 1) {
          const at = rand(b.length - 1);
          b[at] = 0xc0 | rand(2);
          b[at + 1] = rand(256);
        }
        break;
      case 4: // a count in the header
        if (b.length >= 12) b[4 + rand(8)] = rand(4) === 0 ? rand(256) : rand(4);
        break;
      default: {
        const n = new Uint8Array(b.length + 1 + rand(30));
        n.set(b);
        for (let i = b.length; i < n.length; i++) n[i] = rand(256);
        b = n;
      }
    }
  }
  return b;
}

describe('fuzz', () => {
  test('100,000 random and mutated real packets never throw; decoded ones re-encode and decode equal', () => {
    const seeds = [
      ...dnsFixtures().map((f) => f.bytes),
      encodeMessage(
        msg({
          answers: [
            a('web1.switchyard.internal', '10.0.251.10'),
            rr('www.switchyard.internal', RrType.CNAME, { kind: 'name', name: 'web1.switchyard.internal' }),
          ],
          authority: [rr('switchyard.internal', RrType.SOA, soa)],
          additional: [
            rr('switchyard.internal', RrType.MX, {
              kind: 'mx',
              preference: 5,
              exchange: 'mx.switchyard.internal',
            }),
            optRecord(1232),
          ],
        }),
      ),
    ];
    const rand = rng(20261124);
    let ok = 0;
    let bad = 0;
    for (let i = 0; i < 100_000; i++) {
      const p = mutate(seeds, rand);
      const r = decodeMessage(p);
      if (r.ok) {
        ok++;
        assert.deepEqual(decoded(encodeMessage(r.message)), r.message, `replay seed 20261124 iteration ${i}`);
      } else {
        bad++;
        assert.ok(
          r.offset >= 0 && r.offset <= p.length,
          `offset ${r.offset} inside the packet of ${p.length}`,
        );
        assert.equal(r.id !== undefined, p.length >= 2);
      }
    }
    assert.ok(ok > 10_000, `enough mutants decode (${ok})`);
    assert.ok(bad > 10_000, `and enough are malformed (${bad})`);
  });
});

// ---- captured real packets ----

describe('captured real packets (test/fixtures/dns)', () => {
  test('every fixture decodes and re-encodes byte for byte', () => {
    const fx = dnsFixtures();
    assert.ok(fx.length >= 2);
    for (const f of fx) assert.deepEqual(encodeMessage(decoded(f.bytes)), f.bytes, f.name);
  });
  test('the dig query: question, RD, EDNS with a cookie option', () => {
    const m = decoded(dnsFixtures().find((f) => f.name.startsWith('dig-query'))!.bytes);
    assert.deepEqual(m.questions, [{ name: 'example.test', type: RrType.A, class: RrClass.IN }]);
    assert.equal(m.flags.rd, true);
    assert.deepEqual(ednsOf(m), { udpSize: 1232, version: 0, dnssecOk: false, extendedRcode: 0 });
    const opt = m.additional[0]!;
    assert.ok(opt.data.kind === 'raw');
    assert.deepEqual(
      [...opt.data.bytes.subarray(0, 4)],
      [0, 10, 0, 8],
      'option 10 (COOKIE, RFC 7873), 8-byte client cookie',
    );
  });
  test('the dnsmasq answer: compressed owner, A 192.0.2.7', () => {
    const m = decoded(dnsFixtures().find((f) => f.name.startsWith('dnsmasq-answer'))!.bytes);
    assert.deepEqual(m.flags, { ...NO_FLAGS, qr: true, aa: true, rd: true, ra: true });
    assert.deepEqual(m.answers, [a('www.x.test', '192.0.2.7', 0)]);
  });
});
