import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixedClock } from '../clock.js';
import type { Lease } from '../dhcp/lease.js';
import { memoryLogger } from '../log.js';
import { cidr, formatIpv4, ipv4, type Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import {
  NO_FLAGS,
  Rcode,
  RrClass,
  RrType,
  type Answer,
  type DnsMessage,
  type Question,
  type ResourceRecord,
} from './message.js';
import { buildNames, type NameBook } from './names.js';
import { Resolver, type ResolverLimits } from './resolver.js';
import { UpstreamError, type Upstream } from './upstream/upstream.js';
import { decodeMessage, ednsOf, encodeMessage, optRecord } from './wire.js';

const VM = ipv4('10.0.251.100');
const WSL = ipv4('172.28.16.5');
const OUTSIDE = ipv4('192.0.2.9');
const T0 = 1_700_000_000_000;

function query(name: string, type: number = RrType.A, extra: Partial<DnsMessage> = {}): Uint8Array {
  return encodeMessage({
    id: 0x1234,
    flags: { ...NO_FLAGS, rd: true },
    questions: [{ name, type, class: RrClass.IN }],
    answers: [],
    authority: [],
    additional: [],
    ...extra,
  });
}

function decode(bytes: Uint8Array | undefined): DnsMessage {
  assert.ok(bytes, 'expected a response');
  const d = decodeMessage(bytes);
  assert.ok(d.ok, d.ok ? '' : d.reason);
  return d.message;
}

function a(name: string, ip: string, ttl = 300): ResourceRecord {
  return { name, type: RrType.A, class: RrClass.IN, ttl, data: { kind: 'a', address: ipv4(ip) } };
}

class FakeUpstream implements Upstream {
  readonly description = 'fake';
  asked: Question[] = [];
  answer: (q: Question, signal: AbortSignal) => Promise<Answer> = (q) =>
    Promise.resolve({
      rcode: Rcode.NOERROR,
      answers: [a(q.name, '203.0.113.5')],
      authority: [],
      additional: [],
    });
  resolve(q: Question, signal: AbortSignal): Promise<Answer> {
    this.asked.push(q);
    return this.answer(q, signal);
  }
  close(): void {}
}

function setup(limits: Partial<ResolverLimits> = {}, leases: Lease[] = []) {
  const clock = fixedClock(T0);
  const upstream = new FakeUpstream();
  const log = memoryLogger('debug');
  let book: NameBook = buildNames(
    [
      {
        domain: 'sy.internal',
        subnet: cidr('10.0.251.0/24'),
        reservations: [{ name: 'web1', mac: '00:15:5d:00:00:01' as Mac, ip: ipv4('10.0.251.10') }],
        leases,
      },
    ],
    T0,
  );
  const resolver = new Resolver({
    names: () => ({ book, serial: 7 }),
    upstream,
    clock,
    log,
    allowed: () => [cidr('10.0.251.0/24'), cidr('172.28.16.0/20'), cidr('127.0.0.0/8')],
    limits,
  });
  return {
    clock,
    upstream,
    log,
    resolver,
    setBook: (b: NameBook) => {
      book = b;
    },
  };
}

describe('Resolver: our names', () => {
  test('A for a reservation: authoritative, recursion available, question echoed', async () => {
    const { resolver, upstream } = setup();
    const r = decode(await resolver.handle(query('Web1.SY.internal'), VM, 'udp'));
    assert.equal(r.id, 0x1234);
    assert.equal(r.flags.qr, true);
    assert.equal(r.flags.aa, true);
    assert.equal(r.flags.ra, true);
    assert.equal(r.flags.rd, true);
    assert.equal(r.flags.rcode, Rcode.NOERROR);
    assert.equal(r.questions[0]?.name, 'Web1.SY.internal');
    assert.equal(r.answers.length, 1);
    assert.deepEqual(r.answers[0]?.data, { kind: 'a', address: ipv4('10.0.251.10') });
    assert.equal(upstream.asked.length, 0);
  });

  test('PTR for a switch address; NXDOMAIN for an unnamed one, with the reverse zone SOA', async () => {
    const { resolver } = setup();
    const r = decode(await resolver.handle(query('10.251.0.10.in-addr.arpa', RrType.PTR), WSL, 'udp'));
    assert.deepEqual(r.answers[0]?.data, { kind: 'name', name: 'web1.sy.internal' });
    const n = decode(await resolver.handle(query('77.251.0.10.in-addr.arpa', RrType.PTR), WSL, 'udp'));
    assert.equal(n.flags.rcode, Rcode.NXDOMAIN);
    assert.equal(n.authority[0]?.type, RrType.SOA);
    assert.equal(n.authority[0]?.name, '251.0.10.in-addr.arpa');
  });

  test('unknown name in our domain: NXDOMAIN with SOA, never forwarded; AAAA for a known name: NODATA', async () => {
    const { resolver, upstream } = setup();
    const n = decode(await resolver.handle(query('nope.sy.internal'), VM, 'udp'));
    assert.equal(n.flags.rcode, Rcode.NXDOMAIN);
    assert.equal(n.flags.aa, true);
    assert.equal(n.authority[0]?.type, RrType.SOA);
    const d = decode(await resolver.handle(query('web1.sy.internal', RrType.AAAA), VM, 'udp'));
    assert.equal(d.flags.rcode, Rcode.NOERROR);
    assert.equal(d.answers.length, 0);
    assert.equal(d.authority[0]?.type, RrType.SOA);
    assert.equal(upstream.asked.length, 0);
  });

  test('an escaped dot is not a label boundary: "web1\\.sy.internal" is not in our zone', async () => {
    const { resolver, upstream } = setup();
    const r = decode(await resolver.handle(query('web1\\.sy.internal'), VM, 'udp'));
    assert.equal(r.flags.aa, false);
    assert.deepEqual(
      upstream.asked.map((q) => q.name),
      ['web1\\.sy.internal'],
    );
  });

  test('single-label names are answered locally or NXDOMAIN, never forwarded', async () => {
    const { resolver, upstream } = setup();
    const r = decode(await resolver.handle(query('web1'), VM, 'udp'));
    assert.deepEqual(r.answers[0]?.data, { kind: 'a', address: ipv4('10.0.251.10') });
    const n = decode(await resolver.handle(query('intranet'), VM, 'udp'));
    assert.equal(n.flags.rcode, Rcode.NXDOMAIN);
    assert.equal(upstream.asked.length, 0);
  });

  test('a lease hostname appears, and goes when the book changes', async () => {
    const lease: Lease = {
      mac: '00:15:5d:00:00:42' as Mac,
      ip: VM,
      state: 'bound',
      expiresAt: T0 + 60_000,
      clientId: undefined,
      hostname: 'builder',
      updatedAt: T0,
    };
    const { resolver, setBook } = setup({}, [lease]);
    const r = decode(await resolver.handle(query('builder.sy.internal'), VM, 'udp'));
    assert.equal(formatIpv4((r.answers[0]?.data as { address: Ipv4 }).address), '10.0.251.100');
    setBook(
      buildNames(
        [{ domain: 'sy.internal', subnet: cidr('10.0.251.0/24'), reservations: [], leases: [] }],
        T0,
      ),
    );
    const n = decode(await resolver.handle(query('builder.sy.internal'), VM, 'udp'));
    assert.equal(n.flags.rcode, Rcode.NXDOMAIN);
  });
});

describe('Resolver: forwarding', () => {
  test('forwards once, then answers from the cache with aged TTLs until the TTL runs out', async () => {
    const { resolver, upstream, clock } = setup();
    const r1 = decode(await resolver.handle(query('intranet.corp.example'), VM, 'udp'));
    assert.equal(r1.flags.aa, false);
    assert.equal(r1.answers[0]?.ttl, 300);
    clock.advance(100_000);
    const r2 = decode(await resolver.handle(query('INTRANET.corp.example'), VM, 'udp'));
    assert.equal(r2.answers[0]?.ttl, 200);
    assert.equal(upstream.asked.length, 1);
    clock.advance(200_000);
    await resolver.handle(query('intranet.corp.example'), VM, 'udp');
    assert.equal(upstream.asked.length, 2);
  });

  test('NXDOMAIN is cached for the SOA negative TTL; SERVFAIL is not cached', async () => {
    const { resolver, upstream, clock } = setup();
    const soa: ResourceRecord = {
      name: 'corp.example',
      type: RrType.SOA,
      class: RrClass.IN,
      ttl: 60,
      data: { kind: 'soa', mname: 'ns', rname: 'h', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30 },
    };
    upstream.answer = () =>
      Promise.resolve({ rcode: Rcode.NXDOMAIN, answers: [], authority: [soa], additional: [] });
    await resolver.handle(query('x.corp.example'), VM, 'udp');
    clock.advance(29_000);
    const r = decode(await resolver.handle(query('x.corp.example'), VM, 'udp'));
    assert.equal(r.flags.rcode, Rcode.NXDOMAIN);
    assert.equal(upstream.asked.length, 1);
    clock.advance(2_000);
    await resolver.handle(query('x.corp.example'), VM, 'udp');
    assert.equal(upstream.asked.length, 2);
    upstream.answer = () => Promise.reject(new UpstreamError('down'));
    const f1 = decode(await resolver.handle(query('y.corp.example'), VM, 'udp'));
    assert.equal(f1.flags.rcode, Rcode.SERVFAIL);
    await resolver.handle(query('y.corp.example'), VM, 'udp');
    assert.equal(upstream.asked.length, 4);
  });

  test('an upstream that never answers gives SERVFAIL at the deadline', async () => {
    const { resolver, upstream } = setup({ upstreamDeadlineMs: 150 });
    upstream.answer = (_q, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new UpstreamError('deadline'));
        });
      });
    const started = Date.now();
    const r = decode(await resolver.handle(query('slow.corp.example'), VM, 'udp'));
    assert.equal(r.flags.rcode, Rcode.SERVFAIL);
    assert.ok(Date.now() - started < 2000);
  });

  test('identical questions in flight share one upstream query', async () => {
    const { resolver, upstream } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    upstream.answer = async (q) => {
      await gate;
      return { rcode: Rcode.NOERROR, answers: [a(q.name, '203.0.113.9')], authority: [], additional: [] };
    };
    const all = Promise.all([1, 2, 3].map(() => resolver.handle(query('same.corp.example'), VM, 'udp')));
    release();
    const out = await all;
    assert.equal(upstream.asked.length, 1);
    for (const o of out) assert.equal(decode(o).answers.length, 1);
  });

  test('a client over its pending limit gets SERVFAIL without another upstream query', async () => {
    const { resolver, upstream } = setup({ maxPendingPerClient: 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    upstream.answer = async (q) => {
      await gate;
      return { rcode: Rcode.NOERROR, answers: [a(q.name, '203.0.113.9')], authority: [], additional: [] };
    };
    const p = [1, 2].map((i) => resolver.handle(query(`n${i}.corp.example`), VM, 'udp'));
    const third = decode(await resolver.handle(query('n3.corp.example'), VM, 'udp'));
    assert.equal(third.flags.rcode, Rcode.SERVFAIL);
    release();
    await Promise.all(p);
    assert.equal(upstream.asked.length, 2);
  });
});

describe('Resolver: who may ask, and bad input', () => {
  test('a source outside the switch subnets and WSL is REFUSED, and nothing is forwarded', async () => {
    const { resolver, upstream } = setup();
    const r = decode(await resolver.handle(query('intranet.corp.example'), OUTSIDE, 'udp'));
    assert.equal(r.flags.rcode, Rcode.REFUSED);
    assert.equal(upstream.asked.length, 0);
  });

  test('refusals are budgeted: a flood from outside is dropped after the budget', async () => {
    const { resolver } = setup({ refusalsPerSecond: 3 });
    const out = [];
    for (let i = 0; i < 10; i++) out.push(await resolver.handle(query('x.example'), OUTSIDE, 'udp'));
    assert.equal(out.filter((o) => o !== undefined).length, 3);
  });

  test('per-client rate: UDP queries over the budget are dropped, TCP ones REFUSED', async () => {
    const { resolver } = setup({ queriesPerWindow: 5, windowMs: 1000 });
    const res = [];
    for (let i = 0; i < 7; i++) res.push(await resolver.handle(query('web1.sy.internal'), VM, 'udp'));
    assert.equal(res.filter((r) => r !== undefined).length, 5);
    const t = decode(await resolver.handle(query('web1.sy.internal'), VM, 'tcp'));
    assert.equal(t.flags.rcode, Rcode.REFUSED);
    assert.equal(resolver.stats.dropped, 3);
  });

  test('garbage with a readable ID gets FORMERR; a response or two bytes get nothing', async () => {
    const { resolver } = setup();
    const junk = new Uint8Array([
      0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f,
    ]);
    const r = decode(await resolver.handle(junk, VM, 'udp'));
    assert.equal(r.id, 0xabcd);
    assert.equal(r.flags.rcode, Rcode.FORMERR);
    assert.equal(await resolver.handle(new Uint8Array([1]), VM, 'udp'), undefined);
    const resp = query('web1.sy.internal', RrType.A, { flags: { ...NO_FLAGS, qr: true } });
    assert.equal(await resolver.handle(resp, VM, 'udp'), undefined);
  });

  test('non-QUERY opcode → NOTIMP; zone transfer → REFUSED; two questions → FORMERR', async () => {
    const { resolver } = setup();
    const notify = query('sy.internal', RrType.SOA, { flags: { ...NO_FLAGS, opcode: 4 } });
    assert.equal(decode(await resolver.handle(notify, VM, 'udp')).flags.rcode, Rcode.NOTIMP);
    const axfr = decode(await resolver.handle(query('sy.internal', RrType.AXFR), VM, 'tcp'));
    assert.equal(axfr.flags.rcode, Rcode.REFUSED);
    const two = query('a.example', RrType.A, {
      questions: [
        { name: 'a.example', type: RrType.A, class: RrClass.IN },
        { name: 'b.example', type: RrType.A, class: RrClass.IN },
      ],
    });
    assert.equal(decode(await resolver.handle(two, VM, 'udp')).flags.rcode, Rcode.FORMERR);
  });
});

describe('Resolver: sizes', () => {
  const many = (q: Question): Promise<Answer> =>
    Promise.resolve({
      rcode: Rcode.NOERROR,
      answers: Array.from({ length: 60 }, (_, i) => a(q.name, `198.51.100.${i + 1}`)),
      authority: [],
      additional: [],
    });

  test('a large answer over UDP without EDNS is truncated to 512 with TC; over TCP it is whole', async () => {
    const { resolver, upstream } = setup();
    upstream.answer = many;
    const udp = await resolver.handle(query('big.corp.example'), VM, 'udp');
    assert.ok(udp && udp.length <= 512);
    const u = decode(udp);
    assert.equal(u.flags.tc, true);
    const t = decode(await resolver.handle(query('big.corp.example'), VM, 'tcp'));
    assert.equal(t.flags.tc, false);
    assert.equal(t.answers.length, 60);
  });

  test('with EDNS the client gets up to 1232 bytes and our OPT record', async () => {
    const { resolver, upstream } = setup();
    upstream.answer = many;
    const out = await resolver.handle(
      query('big.corp.example', RrType.A, { additional: [optRecord(4096)] }),
      VM,
      'udp',
    );
    assert.ok(out && out.length > 512 && out.length <= 1232);
    const m = decode(out);
    assert.equal(m.flags.tc, false);
    assert.equal(ednsOf(m)?.udpSize, 1232);
  });
});

describe('Resolver: never dies on a packet', () => {
  test('20,000 random and mutated queries: every one handled, none throws', async () => {
    const { resolver, upstream } = setup({ queriesPerWindow: 1_000_000 });
    upstream.answer = (q) =>
      Promise.resolve({
        rcode: Rcode.NOERROR,
        answers: [a(q.name, '203.0.113.1')],
        authority: [],
        additional: [],
      });
    // xorshift32: reproducible
    let x = 20261124;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const seeds = [
      query('web1.sy.internal'),
      query('intranet.corp.example', RrType.MX, { additional: [optRecord(4096)] }),
      query('10.251.0.10.in-addr.arpa', RrType.PTR),
    ];
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      if (i % 4 === 0) bytes = Uint8Array.from({ length: rnd(80) }, () => rnd(256));
      else {
        bytes = Uint8Array.from(seeds[i % seeds.length]!);
        for (let k = 0, n = 1 + rnd(4); k < n; k++) bytes[rnd(bytes.length)] = rnd(256);
        if (rnd(5) === 0) bytes = bytes.subarray(0, rnd(bytes.length));
      }
      const from = rnd(8) === 0 ? OUTSIDE : VM;
      const out = await resolver.handle(bytes, from, rnd(2) === 0 ? 'udp' : 'tcp');
      if (out !== undefined) {
        answered++;
        assert.ok(decodeMessage(out).ok, 'every response we send decodes');
      }
    }
    assert.ok(answered > 1000, `${answered} answered`);
    assert.equal(resolver.stats.queries, 20_000);
  });
});

describe('Resolver: EDNS versions, opcodes and TSIG (RFC 6891, RFC 1035, RFC 8945)', () => {
  test('RFC 6891 §6.1.3 "If a responder does not implement the VERSION level of the request, then it MUST respond with RCODE=BADVERS"', async () => {
    const { resolver, upstream } = setup();
    const q = query('web1.sy.internal', RrType.A, { additional: [optRecord(4096, { version: 1 })] });
    const r = decode(await resolver.handle(q, VM, 'udp'));
    const edns = ednsOf(r);
    assert.ok(edns, 'BADVERS needs our OPT record: its upper 8 bits are there');
    assert.equal((edns.extendedRcode << 4) | r.flags.rcode, Rcode.BADVERS);
    // "the VERSION of each response SHOULD be the highest implementation level of the responder"
    assert.equal(edns.version, 0);
    assert.equal(r.answers.length, 0);
    assert.equal(upstream.asked.length, 0);
    // version 0 is still answered
    const ok = query('web1.sy.internal', RrType.A, { additional: [optRecord(4096)] });
    assert.equal(decode(await resolver.handle(ok, VM, 'udp')).flags.rcode, Rcode.NOERROR);
  });

  test('RFC 1035 §4.1.1: an unknown OPCODE gets NOTIMP, the OPCODE "copied into the response", RA as for other answers', async () => {
    const { resolver } = setup();
    for (const opcode of [1, 2, 3, 5, 15]) {
      const q = query('web1.sy.internal', RrType.A, { flags: { ...NO_FLAGS, rd: true, opcode } });
      const r = decode(await resolver.handle(q, VM, 'udp'));
      assert.equal(r.flags.rcode, Rcode.NOTIMP, `opcode ${opcode}`);
      assert.equal(r.flags.opcode, opcode);
      assert.equal(r.flags.ra, true);
      assert.equal(r.flags.qr, true);
      assert.equal(r.answers.length, 0);
    }
  });

  const tsigRecord = (mac = 32): ResourceRecord => {
    const alg = [11, ...Buffer.from('hmac-sha256'), 0];
    const bytes = Uint8Array.from([
      ...alg,
      ...[0x00, 0x00, 0x65, 0x5f, 0x12, 0x34], // time signed
      0x01,
      0x2c, // fudge 300
      mac >> 8,
      mac & 0xff,
      ...new Array<number>(mac).fill(0xaa),
      0x12,
      0x34, // original ID
      0x00,
      0x00, // error
      0x00,
      0x00, // other len
    ]);
    return { name: 'lab-key', type: RrType.TSIG, class: RrClass.ANY, ttl: 0, data: { kind: 'raw', bytes } };
  };

  test('RFC 8945 §5.2.1: a key we do not recognize → "RCODE 9 (NOTAUTH) and TSIG ERROR 17 (BADKEY)", unsigned (§5.3.2 "MAC Size == 0")', async () => {
    const { resolver, upstream, log } = setup();
    const q = query('web1.sy.internal', RrType.A, { additional: [optRecord(1232), tsigRecord()] });
    const r = decode(await resolver.handle(q, VM, 'udp'));
    assert.equal(r.flags.rcode, Rcode.NOTAUTH);
    assert.equal(r.answers.length, 0, 'not the normal, unsigned answer');
    assert.equal(upstream.asked.length, 0);
    const t = r.additional.at(-1)!;
    assert.equal(t.type, RrType.TSIG, 'the TSIG record comes last, after our OPT');
    assert.equal(t.name, 'lab-key');
    assert.equal(t.class, RrClass.ANY);
    assert.equal(t.data.kind, 'raw');
    const b = t.data.kind === 'raw' ? t.data.bytes : new Uint8Array();
    const n = 13; // the algorithm name hmac-sha256. is 13 bytes
    assert.deepEqual([...b.subarray(0, n)], [11, ...Buffer.from('hmac-sha256'), 0]);
    assert.deepEqual([...b.subarray(n, n + 8)], [0x00, 0x00, 0x65, 0x5f, 0x12, 0x34, 0x01, 0x2c]);
    assert.deepEqual([...b.subarray(n + 8)], [0, 0, 0x12, 0x34, 0, 17, 0, 0]); // MAC size 0, orig id, BADKEY, other 0
    assert.ok(
      log.lines.some((l) => l.msg.includes('TSIG')),
      'RFC 8945: "The server SHOULD log the error."',
    );
  });

  test('RFC 8945 §5.2: a TSIG record "present in any other position" → FORMERR', async () => {
    const { resolver } = setup();
    const q = query('web1.sy.internal', RrType.A, { additional: [tsigRecord(), optRecord(1232)] });
    assert.equal(decode(await resolver.handle(q, VM, 'udp')).flags.rcode, Rcode.FORMERR);
  });
});
