import { fixturePackets } from '../../test/support/fixtures.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4, ZERO_IP } from '../net/ipv4.js';
import { BOOTREQUEST, MessageType, Opt } from './message.js';
import type { DhcpMessage } from './message.js';
import {
  classlessRoutesBytes,
  domainSearchBytes,
  fqdnBytes,
  FqdnFlag,
  ipBytes,
  ipsBytes,
  stringBytes,
  u16,
  u32Bytes,
  u8,
} from './options.js';
import type { ClientPacket } from '../../test/support/client-packets.js';
import {
  dhclient,
  hypervGen2Pxe,
  dhcpcd,
  systemdNetworkd,
  udhcpc,
  windows10,
  windows11,
} from '../../test/support/client-packets.js';
import type { EncodeOptions } from './wire.js';
import { BOOTP_MIN_SIZE, decode, DEFAULT_MAX_SIZE, encode, encodeDetailed, MAGIC_COOKIE } from './wire.js';

// ---- helpers ----

function message(options: [number, Uint8Array][], over: Partial<DhcpMessage> = {}): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set([0x00, 0x15, 0x5d, 0x01, 0x02, 0x03]);
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0xdeadbeef,
    secs: 7,
    flags: 0x8000,
    ciaddr: ZERO_IP,
    yiaddr: ipv4('10.0.251.23'),
    siaddr: ipv4('10.0.251.1'),
    giaddr: ZERO_IP,
    chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options: new Map(options),
    ...over,
  };
}

function decoded(bytes: Uint8Array): DhcpMessage {
  const r = decode(bytes);
  if (!r.ok) assert.fail(`decode failed: ${r.error.reason}`);
  return r.msg;
}

function withoutOverload(m: ReadonlyMap<number, Uint8Array>): Map<number, Uint8Array> {
  return new Map([...m].filter(([code]) => code !== Opt.OVERLOAD));
}

/** Maps compare unordered in deepStrictEqual; option order matters on the wire, so check it too. */
function assertSameOptions(
  actual: ReadonlyMap<number, Uint8Array>,
  expected: ReadonlyMap<number, Uint8Array>,
): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [code, v] of expected) assert.deepEqual(actual.get(code), v, `option ${code}`);
}

/** dns-packet's testEncoder idea: decode(encode(v)) equals v, re-encoding is byte-identical, length sane. */
function expectRoundTrip(v: DhcpMessage, opts?: EncodeOptions): Uint8Array {
  const bytes = encode(v, opts);
  const back = decoded(bytes);
  // Fields that option 52 says carry options are not names: compare them as the empty fields they were.
  const overload = back.options.get(Opt.OVERLOAD)?.[0] ?? 0;
  const { options: backOptions, ...backHeader } = {
    ...back,
    file: overload & 1 ? new Uint8Array(128) : back.file,
    sname: overload & 2 ? new Uint8Array(64) : back.sname,
  };
  const { options: vOptions, ...vHeader } = v;
  assert.deepEqual(backHeader, vHeader);
  assertSameOptions(withoutOverload(backOptions), vOptions);
  assert.deepEqual(encode(back, opts), bytes, 're-encoding is byte-identical');
  assert.ok(bytes.length >= BOOTP_MIN_SIZE, `${bytes.length} bytes is under ${BOOTP_MIN_SIZE}`);
  assert.ok(bytes.length <= Math.max(BOOTP_MIN_SIZE, opts?.maxSize ?? DEFAULT_MAX_SIZE));
  return bytes;
}

/** A hand-built packet: header, cookie, `options` bytes as given, then zeros up to `size`. */
function rawPacket(options: number[], size = 300, edit?: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(Math.max(size, 240 + options.length));
  const dv = new DataView(b.buffer);
  b.set([1, 1, 6, 0]);
  dv.setUint32(4, 0x12345678);
  b.set([0x00, 0x15, 0x5d, 0xaa, 0xbb, 0xcc], 28);
  dv.setUint32(236, MAGIC_COOKIE);
  b.set(options, 240);
  edit?.(b);
  return b;
}

function trimZeros(b: Uint8Array): Uint8Array {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end);
}

/** A sample value for every code in Opt: adding a code to message.ts without one fails the test. */
const SAMPLES: Record<number, Uint8Array | null> = {
  [Opt.PAD]: null,
  [Opt.END]: null,
  [Opt.OVERLOAD]: null,
  [Opt.SUBNET_MASK]: ipBytes(ipv4('255.255.255.0')),
  [Opt.ROUTER]: ipsBytes([ipv4('10.0.251.1'), ipv4('10.0.251.2')]),
  [Opt.DNS_SERVERS]: ipsBytes([ipv4('10.0.251.1')]),
  [Opt.HOSTNAME]: stringBytes('web1', { nulTerminate: true }),
  [Opt.DOMAIN_NAME]: stringBytes('switchyard.internal'),
  [Opt.INTERFACE_MTU]: u16(1500),
  [Opt.BROADCAST_ADDRESS]: ipBytes(ipv4('10.0.251.255')),
  [Opt.VENDOR_SPECIFIC]: Uint8Array.from([1, 4, 0, 0, 0, 1, 255]),
  [Opt.REQUESTED_IP]: ipBytes(ipv4('10.0.251.23')),
  [Opt.LEASE_TIME]: u32Bytes(43200),
  [Opt.MESSAGE_TYPE]: u8(MessageType.ACK),
  [Opt.SERVER_ID]: ipBytes(ipv4('10.0.251.1')),
  [Opt.PARAMETER_REQUEST_LIST]: Uint8Array.from([1, 3, 6, 15, 119, 121, 249, 252]),
  [Opt.MESSAGE]: stringBytes('requested address not available'),
  [Opt.MAX_MESSAGE_SIZE]: u16(1500),
  [Opt.RENEWAL_TIME]: u32Bytes(21600),
  [Opt.REBINDING_TIME]: u32Bytes(37800),
  [Opt.VENDOR_CLASS_ID]: stringBytes('MSFT 5.0'),
  [Opt.CLIENT_ID]: Uint8Array.from([1, 0x00, 0x15, 0x5d, 1, 2, 3]),
  [Opt.CLIENT_FQDN]: fqdnBytes({ flags: FqdnFlag.S | FqdnFlag.E, name: 'web1.switchyard.internal' }, 255),
  [Opt.RELAY_AGENT_INFO]: Uint8Array.from([1, 3, 0x65, 0x74, 0x30, 2, 2, 0xab, 0xcd]),
  [Opt.DOMAIN_SEARCH]: domainSearchBytes(['switchyard.internal', 'corp.switchyard.internal']),
  [Opt.CLASSLESS_ROUTES]: classlessRoutesBytes([
    { dest: { network: ipv4('10.0.250.0'), prefix: 24 }, router: ipv4('10.0.251.1') },
    { dest: { network: ZERO_IP, prefix: 0 }, router: ipv4('10.0.251.1') },
  ]),
  [Opt.MS_CLASSLESS_ROUTES]: classlessRoutesBytes([
    { dest: { network: ipv4('10.0.250.0'), prefix: 24 }, router: ipv4('10.0.251.1') },
  ]),
};

function allSamples(): [number, Uint8Array][] {
  return Object.entries(SAMPLES).flatMap(([code, v]): [number, Uint8Array][] =>
    v ? [[Number(code), v]] : [],
  );
}

/** Deterministic PRNG (mulberry32) so a fuzz failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- tests ----

describe('round trip', () => {
  for (const [name, code] of Object.entries(Opt)) {
    const sample = SAMPLES[code];
    assert.notEqual(sample, undefined, `no sample for Opt.${name}`);
    if (sample === null || sample === undefined) continue;
    test(`option ${code} (${name})`, () => {
      const first: [number, Uint8Array] = [Opt.MESSAGE_TYPE, u8(MessageType.OFFER)];
      expectRoundTrip(message(code === Opt.MESSAGE_TYPE ? [[code, sample]] : [first, [code, sample]]));
    });
  }

  test('every known option in one message, in map order', () => {
    expectRoundTrip(message(allSamples()), { maxSize: 1500 });
  });

  test('unknown, private and empty options survive', () => {
    expectRoundTrip(
      message([
        [Opt.MESSAGE_TYPE, u8(MessageType.DISCOVER)],
        [80, new Uint8Array(0)],
        [224, Uint8Array.from([1, 2, 3])],
        [252, stringBytes('\n')],
        [254, new Uint8Array(255).fill(7)],
      ]),
    );
  });

  test('header fields at their extremes', () => {
    const chaddr = new Uint8Array(16).fill(0xee);
    const sname = new Uint8Array(64).fill(0x41);
    const file = new Uint8Array(128).fill(0x42);
    expectRoundTrip(
      message([[Opt.MESSAGE_TYPE, u8(MessageType.ACK)]], {
        op: 2,
        htype: 255,
        hlen: 16,
        hops: 255,
        xid: 0xffffffff,
        secs: 0xffff,
        flags: 0xffff,
        ciaddr: ipv4('255.255.255.255'),
        giaddr: ipv4('192.168.1.1'),
        chaddr,
        sname,
        file,
      }),
    );
  });

  test('a canonical packet re-encodes byte for byte', () => {
    const opts = [53, 1, 3, 61, 7, 1, 0, 0x15, 0x5d, 0xaa, 0xbb, 0xcc, 12, 4, 0x77, 0x65, 0x62, 0x31, 255];
    const b = rawPacket(opts);
    assert.deepEqual(encode(decoded(b)), b);
    const long = rawPacket([...Array.from({ length: 20 }, (_, i) => [200 + i, 3, 1, 2, 3]).flat(), 255], 0);
    assert.equal(long.length, 341);
    assert.deepEqual(encode(decoded(long)), long);
  });

  test('not byte-identical, by design: PAD inside options and bytes after END are dropped', () => {
    const b = rawPacket([53, 1, 1, 0, 0, 12, 1, 0x61, 255, 9, 9, 9]);
    const again = encode(decoded(b));
    assert.notDeepEqual(again, b);
    assert.deepEqual(Array.from(again.subarray(240, 247)), [53, 1, 1, 12, 1, 0x61, 255]);
    assert.ok(again.subarray(247).every((x) => x === 0));
  });
});

describe('decode', () => {
  test('views are copies: the caller may reuse its buffer', () => {
    const b = rawPacket([53, 1, 1, 255]);
    const m = decoded(b);
    b.fill(0xff);
    assert.equal(m.options.get(53)?.[0], 1);
    assert.equal(m.chaddr[0], 0x00);
  });

  test('accepts a Node Buffer and yields plain Uint8Arrays', () => {
    const m = decoded(Buffer.from(rawPacket([53, 1, 1, 255])));
    assert.ok(!Buffer.isBuffer(m.options.get(53)));
  });

  test('PAD is skipped, END stops, missing END reads to the end of the buffer', () => {
    const padded = decoded(rawPacket([0, 0, 53, 1, 3, 0, 12, 2, 0x61, 0x62, 255, 12, 1, 0x7a]));
    assert.deepEqual([...padded.options.keys()], [53, 12]);
    assert.deepEqual(padded.options.get(12), Uint8Array.from([0x61, 0x62]));
    const noEnd = decoded(rawPacket([53, 1, 3, 12, 2, 0x61, 0x62], 245));
    assert.deepEqual([...noEnd.options.keys()], [53, 12]);
  });

  test('repeated options are concatenated in arrival order (RFC 3396)', () => {
    const m = decoded(rawPacket([53, 1, 1, 119, 2, 1, 0x61, 12, 1, 0x68, 119, 3, 1, 0x62, 0, 255]));
    assert.deepEqual([...m.options.keys()], [53, 119, 12]);
    assert.deepEqual(m.options.get(119), Uint8Array.from([1, 0x61, 1, 0x62, 0]));
  });

  test('overload: main options, then file, then sname (RFC 2132 §9.3), fields kept raw', () => {
    const b = rawPacket([53, 1, 2, 52, 1, 3, 12, 1, 0x61, 255], 300, (p) => {
      p.set([15, 3, 0x63, 0x6f, 0x6d, 12, 1, 0x62, 255], 108);
      p.set([60, 2, 0x78, 0x79, 255], 44);
    });
    const m = decoded(b);
    assert.deepEqual([...m.options.keys()], [53, 52, 12, 15, 60]);
    assert.deepEqual(m.options.get(12), Uint8Array.from([0x61, 0x62]));
    assert.equal(m.file[0], 15);
    assert.equal(m.sname[0], 60);
    // Re-encoding: 52 is the codec's own, and the fields it named are free again.
    const again = decoded(encode(m));
    assertSameOptions(again.options, withoutOverload(m.options));
    assert.ok(again.file.every((x) => x === 0) && again.sname.every((x) => x === 0));
  });

  test('overload 1 reads file only; sname stays a name', () => {
    const b = rawPacket([53, 1, 2, 52, 1, 1, 255], 300, (p) => {
      p.set([66, 1, 0x73], 108);
      p.set([12, 1, 0x61, 255], 44);
    });
    const m = decoded(b);
    assert.deepEqual([...m.options.keys()], [53, 52, 66]);
  });

  const errors: [string, Uint8Array, RegExp, number | undefined][] = [
    ['too short', new Uint8Array(239), /239 bytes; a DHCP message needs at least 240/, undefined],
    ['hlen over 16', rawPacket([255], 300, (p) => (p[2] = 17)), /hlen is 17/, 2],
    [
      'bad magic cookie',
      rawPacket([255], 300, (p) => {
        p.set([99, 130, 83, 100], 236);
      }),
      /magic cookie is 0x63825364, not 0x63825363/,
      236,
    ],
    [
      'option running past the end',
      rawPacket([...new Array<number>(50).fill(0), 61, 12, 1, 2, 3], 0),
      /^option 61 at offset 290 claims 12 bytes but only 3 remain$/,
      290,
    ],
    [
      'option with no length byte',
      rawPacket([53, 1, 1, 12], 0),
      /option 12 at offset 243 has no length byte/,
      243,
    ],
    [
      'overload of two bytes',
      rawPacket([53, 1, 1, 52, 2, 1, 1, 255]),
      /option 52 \(overload\) must be one byte/,
      undefined,
    ],
    ['overload value 4', rawPacket([53, 1, 1, 52, 1, 4, 255]), /got 1 bytes starting with 4/, undefined],
    [
      'truncated option in an overloaded file',
      rawPacket([53, 1, 1, 52, 1, 1, 255], 300, (p) => {
        p.set([67, 200], 230);
      }),
      /option 67 at offset 230 in the file field \(overloaded\) claims 200 bytes but only 4 remain/,
      230,
    ],
    [
      'truncated option in an overloaded sname',
      rawPacket([53, 1, 1, 52, 1, 2, 255], 300, (p) => {
        p.set([12, 1, 0x61, 12], 104);
      }),
      /option 12 at offset 107 in the sname field \(overloaded\) has no length byte/,
      107,
    ],
    [
      'overload nested inside file',
      rawPacket([53, 1, 1, 52, 1, 1, 255], 300, (p) => {
        p.set([52, 1, 2, 255], 108);
      }),
      /option 52 \(overload\) at offset 108 in the file field.*forbids nesting/,
      108,
    ],
  ];
  for (const [name, bytes, reason, offset] of errors) {
    test(`error: ${name}`, () => {
      const r = decode(bytes);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.match(r.error.reason, reason);
      assert.equal(r.error.offset, offset);
    });
  }
});

describe('encode', () => {
  test('pads to 300 bytes (BOOTP minimum) with zeros after END', () => {
    const b = encode(message([[Opt.MESSAGE_TYPE, u8(MessageType.NAK)]]));
    assert.equal(b.length, 300);
    assert.deepEqual(Array.from(b.subarray(240, 244)), [53, 1, 6, 255]);
    assert.ok(b.subarray(244).every((x) => x === 0));
  });

  test('longer messages are not padded', () => {
    const b = encode(
      message([
        [Opt.MESSAGE_TYPE, u8(1)],
        [224, new Uint8Array(100)],
      ]),
    );
    assert.equal(b.length, 240 + 3 + 102 + 1);
  });

  test('short chaddr/sname/file are zero-filled, PAD/END entries ignored', () => {
    const m = message(
      [
        [Opt.PAD, u8(1)],
        [Opt.MESSAGE_TYPE, u8(1)],
        [Opt.END, u8(1)],
      ],
      { chaddr: Uint8Array.from([1, 2, 3, 4, 5, 6]), sname: stringBytes('srv'), file: new Uint8Array(0) },
    );
    const back = decoded(encode(m));
    assert.deepEqual([...back.options.keys()], [53]);
    assert.deepEqual(Array.from(back.chaddr.subarray(0, 7)), [1, 2, 3, 4, 5, 6, 0]);
    assert.deepEqual(Array.from(back.sname.subarray(0, 4)), [0x73, 0x72, 0x76, 0]);
  });

  test('an option over 255 bytes is split into instances and decodes whole (RFC 3396)', () => {
    const big = Uint8Array.from({ length: 600 }, (_, i) => i & 255);
    const bytes = expectRoundTrip(
      message([
        [Opt.MESSAGE_TYPE, u8(5)],
        [Opt.DOMAIN_SEARCH, big],
      ]),
      { maxSize: 1500 },
    );
    assert.deepEqual([bytes[243], bytes[244]], [119, 255]);
    assert.deepEqual([bytes[243 + 257], bytes[244 + 257]], [119, 255]);
    assert.deepEqual([bytes[243 + 514], bytes[244 + 514]], [119, 90]);
  });

  test('options over 548 bytes overflow into file and sname with option 52', () => {
    const opts: [number, Uint8Array][] = [[Opt.MESSAGE_TYPE, u8(MessageType.ACK)]];
    for (let code = 200; code < 211; code++) opts.push([code, new Uint8Array(40).fill(code)]);
    opts.push([Opt.SERVER_ID, ipBytes(ipv4('10.0.251.1'))]);
    const m = message(opts);
    const r = encodeDetailed(m);
    assert.equal(r.overload, 3);
    assert.deepEqual(r.dropped, []);
    assert.ok(r.bytes.length <= 548);
    const back = decoded(r.bytes);
    assert.deepEqual(back.options.get(Opt.OVERLOAD), u8(3));
    assertSameOptions(withoutOverload(back.options), m.options);
    expectRoundTrip(m);
  });

  test('overload uses file only when that is enough', () => {
    const opts: [number, Uint8Array][] = [[Opt.MESSAGE_TYPE, u8(MessageType.ACK)]];
    for (let code = 200; code < 208; code++) opts.push([code, new Uint8Array(40).fill(code)]);
    const r = encodeDetailed(message(opts));
    assert.equal(r.overload, 1);
    const back = decoded(r.bytes);
    assert.ok(back.sname.every((x) => x === 0));
    assert.equal(back.file[0], 207);
  });

  test('a field holding a name is not used for overload', () => {
    const opts: [number, Uint8Array][] = [[Opt.MESSAGE_TYPE, u8(MessageType.ACK)]];
    for (let code = 200; code < 212; code++) opts.push([code, new Uint8Array(40).fill(code)]);
    const sname = new Uint8Array(64);
    sname.set(stringBytes('tftp.example'));
    const m = message(opts, { sname });
    const r = encodeDetailed(m);
    assert.equal(r.overload, 1);
    assert.ok(r.dropped.length > 0);
    const back = decoded(r.bytes);
    assert.deepEqual(back.sname, sname);
    assertSameOptions(
      withoutOverload(back.options),
      new Map([...m.options].filter(([code]) => !r.dropped.includes(code))),
    );
  });

  test('option 57 honoured: a larger maxSize needs no overload', () => {
    const opts: [number, Uint8Array][] = [[Opt.MESSAGE_TYPE, u8(MessageType.ACK)]];
    for (let code = 200; code < 220; code++) opts.push([code, new Uint8Array(40)]);
    const m = message(opts);
    const small = encodeDetailed(m);
    assert.ok(small.overload !== 0 || small.dropped.length > 0);
    const large = encodeDetailed(m, { maxSize: 1472 - 28 });
    assert.equal(large.overload, 0);
    assert.deepEqual(large.dropped, []);
    assert.equal(large.bytes.length, 240 + 3 + 20 * 42 + 1);
    assert.deepEqual(encode(m, { maxSize: 100 }), small.bytes, 'maxSize is clamped to at least 548');
  });

  test('what does not fit is dropped from the end, 53 and 54 kept', () => {
    const opts: [number, Uint8Array][] = [];
    for (let code = 200; code < 230; code++) opts.push([code, new Uint8Array(30).fill(code)]);
    opts.push([Opt.MESSAGE_TYPE, u8(MessageType.ACK)], [Opt.SERVER_ID, ipBytes(ipv4('10.0.251.1'))]);
    const m = message(opts);
    const r = encodeDetailed(m);
    assert.ok(r.dropped.length > 0);
    assert.ok(!r.dropped.includes(Opt.MESSAGE_TYPE) && !r.dropped.includes(Opt.SERVER_ID));
    assert.deepEqual(
      r.dropped,
      [...r.dropped].sort((a, b) => b - a),
      'dropped from the end',
    );
    assert.ok(r.bytes.length <= 548);
    const back = decoded(r.bytes);
    assert.deepEqual(back.options.get(Opt.MESSAGE_TYPE), u8(MessageType.ACK));
    assert.deepEqual(back.options.get(Opt.SERVER_ID), ipBytes(ipv4('10.0.251.1')));
    assert.equal(back.options.size - 1, m.options.size - r.dropped.length);
  });

  test('fast enough for the hot path', () => {
    const m = message([
      [Opt.MESSAGE_TYPE, u8(MessageType.ACK)],
      [Opt.SERVER_ID, ipBytes(ipv4('10.0.251.1'))],
      [Opt.LEASE_TIME, u32Bytes(43200)],
      [Opt.SUBNET_MASK, ipBytes(ipv4('255.255.255.0'))],
      [Opt.ROUTER, ipBytes(ipv4('10.0.251.1'))],
      [Opt.DNS_SERVERS, ipBytes(ipv4('10.0.251.1'))],
      [Opt.DOMAIN_NAME, stringBytes('switchyard.internal')],
    ]);
    const start = process.hrtime.bigint();
    let bytes = 0;
    for (let i = 0; i < 50_000; i++) bytes += decode(encode(m)).ok ? 1 : 0;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.equal(bytes, 50_000);
    // Generous bound (a 10x margin over 5,000 packets/s on a slow CI box); not a benchmark.
    assert.ok(ms < 10_000, `50k encode+decode took ${ms.toFixed(0)} ms`);
  });
});

describe('fixtures (test/fixtures/packets)', () => {
  const fixtures = fixturePackets();
  test('there are fixtures', () => {
    assert.ok(fixtures.length >= 10);
  });
  for (const { name, bytes } of fixtures) {
    test(`${name} decodes and re-encodes identically (up to trailing zero padding)`, () => {
      const m = decoded(bytes);
      const again = encode(m);
      assert.deepEqual(trimZeros(again), trimZeros(bytes));
      if (bytes.length >= BOOTP_MIN_SIZE) assert.deepEqual(again, bytes);
      assert.deepEqual(encode(decoded(again)), again);
    });
  }
});

describe('client profiles (test/support) reproduce the fixtures', () => {
  const server = '10.99.0.1';
  const cases: Record<string, (h: { xid: number; secs: number }) => ClientPacket> = {
    'hyperv-gen2-pxe-discover.hex': (h) => hypervGen2Pxe({ ...h, mac: '00:15:5d:00:07:01' }),
    'dhclient-discover.hex': (h) =>
      dhclient.discover({ ...h, mac: '00:15:5d:2a:00:01', hostname: 'debian12-vm' }),
    'dhclient-request-selecting.hex': (h) =>
      dhclient.request({
        ...h,
        mac: '00:15:5d:2a:00:01',
        hostname: 'debian12-vm',
        state: 'selecting',
        requestedIp: '10.99.0.103',
        serverId: server,
      }),
    'dhclient-request-init-reboot.hex': (h) =>
      dhclient.request({
        ...h,
        mac: '00:15:5d:2a:00:01',
        hostname: 'debian12-vm',
        state: 'init-reboot',
        requestedIp: '10.99.0.103',
      }),
    'dhclient-release.hex': (h) =>
      dhclient.release({
        ...h,
        mac: '00:15:5d:2a:00:01',
        hostname: 'debian12-vm',
        ciaddr: '10.99.0.103',
        serverId: server,
      }),
    'udhcpc-discover.hex': (h) => udhcpc.discover({ ...h, mac: '00:15:5d:2a:00:02' }),
    'udhcpc-request-selecting.hex': (h) =>
      udhcpc.request({
        ...h,
        mac: '00:15:5d:2a:00:02',
        state: 'selecting',
        requestedIp: '10.99.0.104',
        serverId: server,
      }),
    'dhcpcd-discover.hex': (h) => dhcpcd.discover({ ...h, mac: '00:15:5d:2a:00:03' }),
    'dhcpcd-request-selecting.hex': (h) =>
      dhcpcd.request({
        ...h,
        mac: '00:15:5d:2a:00:03',
        state: 'selecting',
        requestedIp: '10.99.0.105',
        serverId: server,
      }),
    'networkd-discover.hex': (h) =>
      systemdNetworkd.discover({ ...h, mac: '00:15:5d:2a:00:04', hostname: 'ubuntu-vm' }),
    'networkd-request-selecting.hex': (h) =>
      systemdNetworkd.request({
        ...h,
        mac: '00:15:5d:2a:00:04',
        hostname: 'ubuntu-vm',
        state: 'selecting',
        requestedIp: '10.99.0.106',
        serverId: server,
      }),
    'networkd-release.hex': (h) =>
      systemdNetworkd.release({ ...h, mac: '00:15:5d:2a:00:04', ciaddr: '10.99.0.106', serverId: server }),
    'windows10-discover.hex': (h) =>
      windows10.discover({ ...h, mac: '00:15:5d:2a:00:10', hostname: 'DESKTOP-W10' }),
    'windows10-request-selecting.hex': (h) =>
      windows10.request({
        ...h,
        mac: '00:15:5d:2a:00:10',
        hostname: 'DESKTOP-W10',
        state: 'selecting',
        requestedIp: '10.99.0.110',
        serverId: server,
      }),
    'windows11-request-init-reboot.hex': (h) =>
      windows11.request({
        ...h,
        mac: '00:15:5d:2a:00:11',
        hostname: 'DESKTOP-W11',
        state: 'init-reboot',
        requestedIp: '10.99.0.111',
      }),
  };
  const fixtures = fixturePackets();
  test('every fixture has a profile case', () => {
    assert.deepEqual(fixtures.map((f) => f.name).sort(), Object.keys(cases).sort());
  });
  for (const { name, bytes } of fixtures) {
    test(name, () => {
      const build = cases[name];
      assert.ok(build, `no profile case for ${name}`);
      const captured = decoded(bytes);
      const built = build({ xid: captured.xid, secs: captured.secs });
      // Both through our encoder: equal bytes mean the same header and the same options in the same order.
      assert.deepEqual(built.bytes, encode(captured));
    });
  }
});

describe('fuzz', () => {
  test('20,000 seeded mutations: decode never throws, encode(decode) round-trips', () => {
    const rand = prng(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const seeds = [
      ...fixturePackets().map((f) => f.bytes),
      encode(message(allSamples()), { maxSize: 1500 }),
      rawPacket([53, 1, 2, 52, 1, 3, 12, 1, 0x61, 255], 300, (p) => {
        p.set([15, 3, 0x63, 0x6f, 0x6d, 255], 108);
        p.set([60, 2, 0x78, 0x79, 255], 44);
      }),
    ];
    let ok = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = Uint8Array.from(seeds[int(seeds.length)]!);
      let mutated: Uint8Array = b;
      const kind = int(6);
      if (kind === 0) {
        for (let k = 1 + int(8); k > 0; k--) b[int(b.length)] = int(256);
      } else if (kind === 1) {
        mutated = b.subarray(0, int(b.length + 1));
      } else if (kind === 2) {
        const extra = Uint8Array.from({ length: int(400) }, () => int(256));
        mutated = new Uint8Array(b.length + extra.length);
        mutated.set(b);
        mutated.set(extra, b.length);
      } else if (kind === 3) {
        // Aim at the options area: lengths and codes.
        for (let k = 1 + int(4); k > 0; k--) b[240 + int(Math.max(1, b.length - 240))] = int(256);
      } else if (kind === 4) {
        b[240 + int(Math.max(1, b.length - 240))] = Opt.OVERLOAD;
        b[108 + int(128)] = int(256);
      } else {
        mutated = Uint8Array.from({ length: int(700) }, () => int(256));
        if (mutated.length >= 240 && rand() < 0.7) mutated.set([99, 130, 83, 99], 236);
        if (mutated.length >= 3) mutated[2] = int(17);
      }
      const r = decode(mutated);
      if (!r.ok) {
        assert.equal(typeof r.error.reason, 'string');
        continue;
      }
      ok++;
      const again = encodeDetailed(r.msg, { maxSize: 65507 });
      assert.deepEqual(again.dropped, []);
      const back = decode(again.bytes);
      assert.ok(back.ok, 'what encode writes decodes');
      assertSameOptions(withoutOverload(back.msg.options), withoutOverload(r.msg.options));
      encode(r.msg);
    }
    assert.ok(ok > 2_000, `only ${ok} mutations decoded; the fuzz is not reaching the option parser`);
  });
});
