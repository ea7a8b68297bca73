import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cidr, ipv4 } from '../net/ipv4.js';
import { MessageType, Opt } from './message.js';
import type { ClasslessRoute, OptionMap } from './options.js';
import {
  classlessRoutesBytes,
  domainSearchBytes,
  fqdnBytes,
  FqdnFlag,
  getClasslessRoutes,
  getClientId,
  getDomainSearch,
  getFqdn,
  getIp,
  getIps,
  getMaxMessageSize,
  getMessageType,
  getParameterRequestList,
  getRelayAgentInfo,
  getString,
  getU16,
  getU32,
  getU8,
  hostnameOf,
  ipBytes,
  ipsBytes,
  relayAgentSubOptions,
  replyMaxSize,
  stringBytes,
  u16,
  u32Bytes,
  u8,
  withDefaultRoute,
} from './options.js';
import { decode } from './wire.js';
import {
  decline,
  discover,
  inform,
  profiles,
  release,
  request,
  systemdNetworkd,
  windows10,
} from '../../test/support/client-packets.js';

function opts(...entries: [number, number[] | Uint8Array][]): OptionMap {
  return new Map(entries.map(([code, v]) => [code, Uint8Array.from(v)]));
}

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

describe('numbers and addresses', () => {
  test('message type: one byte, 1..8', () => {
    assert.equal(getMessageType(opts([53, [3]])), MessageType.REQUEST);
    assert.equal(getMessageType(opts([53, [0]])), undefined);
    assert.equal(getMessageType(opts([53, [9]])), undefined);
    assert.equal(getMessageType(opts([53, [1, 1]])), undefined);
    assert.equal(getMessageType(opts()), undefined);
  });

  test('ip and ip list lengths', () => {
    assert.equal(getIp(opts([54, [10, 0, 251, 1]]), 54), ipv4('10.0.251.1'));
    assert.equal(getIp(opts([54, [10, 0, 251]]), 54), undefined);
    assert.equal(getIp(opts([54, [10, 0, 251, 1, 2]]), 54), undefined);
    assert.deepEqual(getIps(opts([6, [1, 1, 1, 1, 8, 8, 8, 8]]), 6), [ipv4('1.1.1.1'), ipv4('8.8.8.8')]);
    assert.equal(getIps(opts([6, []]), 6), undefined);
    assert.equal(getIps(opts([6, [1, 1, 1, 1, 8]]), 6), undefined);
    assert.deepEqual(ipsBytes([ipv4('1.1.1.1'), ipv4('8.8.8.8')]), Uint8Array.from([1, 1, 1, 1, 8, 8, 8, 8]));
    assert.equal(getIp(new Map([[50, ipBytes(ipv4('255.255.255.255'))]]), 50), ipv4('255.255.255.255'));
  });

  test('u8/u16/u32 round trip and reject wrong lengths', () => {
    const m = new Map([
      [23, u8(64)],
      [26, u16(65535)],
      [51, u32Bytes(0xffffffff)],
    ]);
    assert.equal(getU8(m, 23), 64);
    assert.equal(getU16(m, 26), 65535);
    assert.equal(getU32(m, 51), 4294967295);
    assert.equal(getU8(m, 26), undefined);
    assert.equal(getU16(m, 51), undefined);
    assert.equal(getU32(m, 26), undefined);
    assert.equal(getU32(m, 99), undefined);
  });

  test('max message size: at least 576; replies use it minus 28, never below 548', () => {
    assert.equal(getMaxMessageSize(opts([57, [0x05, 0xc0]])), 1472);
    assert.equal(getMaxMessageSize(opts([57, [0x02, 0x3f]])), undefined);
    assert.equal(replyMaxSize(opts()), 548);
    assert.equal(replyMaxSize(opts([57, [0x02, 0x40]])), 548);
    assert.equal(replyMaxSize(opts([57, [0x05, 0xdc]])), 1472);
    assert.equal(replyMaxSize(opts([57, [0xff, 0xff]])), 65507);
  });
});

describe('strings and identifiers', () => {
  test('strings: trailing NULs stripped (Windows), UTF-8 when valid, else Latin-1', () => {
    assert.equal(getString(opts([12, [...ascii('DESKTOP-1'), 0]]), 12), 'DESKTOP-1');
    assert.equal(getString(opts([12, [0x63, 0x61, 0x66, 0xc3, 0xa9]]), 12), 'café');
    assert.equal(getString(opts([12, [0x63, 0x61, 0x66, 0xe9]]), 12), 'café');
    assert.equal(getString(opts([12, [0, 0]]), 12), '');
    assert.equal(getString(opts(), 12), undefined);
    assert.deepEqual(stringBytes('a', { nulTerminate: true }), Uint8Array.from([0x61, 0]));
    assert.deepEqual(stringBytes('é'), Uint8Array.from([0xc3, 0xa9]));
  });

  test('parameter request list keeps the client order', () => {
    assert.deepEqual([...(getParameterRequestList(opts([55, [1, 121, 3, 6]])) ?? [])], [1, 121, 3, 6]);
    assert.deepEqual([...(getParameterRequestList(opts([55, []])) ?? [0])], []);
    assert.equal(getParameterRequestList(opts()), undefined);
  });

  test('client id: raw bytes, at least two (RFC 2132 §9.14)', () => {
    assert.deepEqual(
      getClientId(opts([61, [1, 0, 0x15, 0x5d, 1, 2, 3]])),
      Uint8Array.from([1, 0, 0x15, 0x5d, 1, 2, 3]),
    );
    assert.equal(getClientId(opts([61, [1]])), undefined);
  });

  test('relay agent information and its sub-options (RFC 3046)', () => {
    const info = Uint8Array.from([1, 3, 0x65, 0x74, 0x30, 2, 2, 0xab, 0xcd]);
    const m = new Map([[82, info]]);
    assert.deepEqual(getRelayAgentInfo(m), info);
    const subs = relayAgentSubOptions(info);
    assert.deepEqual(subs?.get(1), Uint8Array.from(ascii('et0')));
    assert.deepEqual(subs?.get(2), Uint8Array.from([0xab, 0xcd]));
    assert.equal(relayAgentSubOptions(Uint8Array.from([1, 5, 1])), undefined);
    assert.equal(relayAgentSubOptions(Uint8Array.from([1])), undefined);
  });
});

describe('client FQDN (RFC 4702)', () => {
  test('canonical wire encoding with the E flag round-trips', () => {
    const fqdn = { flags: FqdnFlag.S | FqdnFlag.E, name: 'web1.switchyard.internal' };
    const b = fqdnBytes(fqdn);
    assert.deepEqual(Array.from(b.subarray(0, 8)), [5, 0, 0, 4, ...ascii('web1')]);
    assert.equal(b[b.length - 1], 0);
    assert.deepEqual(getFqdn(new Map([[81, b]])), fqdn);
    assert.deepEqual(Array.from(fqdnBytes(fqdn, 255).subarray(0, 3)), [5, 255, 255]);
  });

  test('a partial wire name (no root label) and the deprecated ASCII form', () => {
    assert.deepEqual(getFqdn(opts([81, [4, 0, 0, 4, ...ascii('web1')]])), { flags: 4, name: 'web1' });
    assert.deepEqual(getFqdn(opts([81, [0, 0, 0, ...ascii('DESKTOP-1'), 0]])), {
      flags: 0,
      name: 'DESKTOP-1',
    });
    assert.deepEqual(getFqdn(opts([81, [1, 0, 0, ...ascii('a.example.')]])), { flags: 1, name: 'a.example' });
    assert.deepEqual(getFqdn(opts([81, [0, 0, 0]])), { flags: 0, name: '' });
    assert.deepEqual(
      fqdnBytes({ flags: 0, name: 'DESKTOP-1' }),
      Uint8Array.from([0, 0, 0, ...ascii('DESKTOP-1')]),
    );
  });

  test('malformed: too short, compression, label past the end, bytes after the root label', () => {
    assert.equal(getFqdn(opts([81, [4, 0]])), undefined);
    assert.equal(getFqdn(opts([81, [4, 0, 0, 0xc0, 0x03]])), undefined);
    assert.equal(getFqdn(opts([81, [4, 0, 0, 5, 0x61]])), undefined);
    assert.equal(getFqdn(opts([81, [4, 0, 0, 1, 0x61, 0, 7]])), undefined);
  });
});

describe('domain search (RFC 3397)', () => {
  test('the RFC 3397 §2 example, compression included', () => {
    const b = domainSearchBytes(['eng.apple.com.', 'marketing.apple.com.']);
    assert.deepEqual(Array.from(b), [
      3,
      ...ascii('eng'),
      5,
      ...ascii('apple'),
      3,
      ...ascii('com'),
      0,
      9,
      ...ascii('marketing'),
      0xc0,
      0x04,
    ]);
    assert.deepEqual(getDomainSearch(new Map([[119, b]])), ['eng.apple.com', 'marketing.apple.com']);
  });

  test('repeated and nested suffixes, root and single labels round-trip', () => {
    const names = ['a.example.com', 'example.com', 'b.a.example.com', 'internal', '', 'a.example.com'];
    const b = domainSearchBytes(names);
    assert.deepEqual(getDomainSearch(new Map([[119, b]])), names);
    // 15 (a.example.com) + 2 (pointer) + 4 (b + pointer) + 10 (internal) + 1 (root) + 2 (pointer)
    assert.equal(b.length, 34);
  });

  test('loops and bad pointers give undefined, not a hang', () => {
    const cases: number[][] = [
      [0xc0, 0x00], // points at itself
      [1, 0x61, 0xc0, 0x00], // back to its own start
      [1, 0x61, 0xc0, 0x05, 0, 0xc0, 0x00], // forward
      [1, 0x61, 0], // fine, then:
      [1, 0x61, 0, 1, 0x62, 0xc0, 0x03], // the second name points at its own first label
      [0xc0], // truncated pointer
      [3, 0x61], // label past the end
      [1, 0x61], // no terminating root label
      [0x40, 0x61, 0], // reserved label type
    ];
    const results = cases.map((c) => getDomainSearch(opts([119, c])));
    assert.deepEqual(results, [
      undefined,
      undefined,
      undefined,
      ['a'],
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('names longer than 255 bytes are refused, even when built with pointers', () => {
    const parts: number[] = [];
    // Each name adds a 63-byte label in front of the previous one.
    let prev = -1;
    for (let i = 0; i < 4; i++) {
      const at = parts.length;
      parts.push(63, ...new Array<number>(63).fill(0x61 + i));
      if (prev < 0) parts.push(0);
      else parts.push(0xc0, prev);
      prev = at;
    }
    assert.equal(getDomainSearch(opts([119, parts])), undefined);
  });

  test('the encoder validates labels and names', () => {
    assert.throws(() => domainSearchBytes(['a..b']), /empty label/);
    assert.throws(() => domainSearchBytes(['x'.repeat(64) + '.com']), /label of 64 bytes/);
    assert.throws(
      () => domainSearchBytes([Array.from({ length: 5 }, () => 'y'.repeat(60)).join('.')]),
      /limit is 255/,
    );
    assert.doesNotThrow(() => domainSearchBytes([Array.from({ length: 4 }, () => 'y'.repeat(62)).join('.')]));
  });
});

describe('classless static routes (RFC 3442)', () => {
  // RFC 3442 §2 table: subnet, mask, destination descriptor.
  const vectors: [string, number[]][] = [
    ['0.0.0.0/0', [0]],
    ['10.0.0.0/8', [8, 10]],
    ['10.0.0.0/24', [24, 10, 0, 0]],
    ['10.17.0.0/16', [16, 10, 17]],
    ['10.27.129.0/24', [24, 10, 27, 129]],
    ['10.229.0.128/25', [25, 10, 229, 0, 128]],
    ['10.198.122.47/32', [32, 10, 198, 122, 47]],
  ];
  const router = ipv4('10.0.0.1');

  test('compact destination descriptors match the RFC table', () => {
    for (const [net, descriptor] of vectors) {
      const b = classlessRoutesBytes([{ dest: cidr(net), router }]);
      assert.deepEqual(Array.from(b), [...descriptor, 10, 0, 0, 1], net);
    }
  });

  test('a list round-trips, also as option 249', () => {
    const routes: ClasslessRoute[] = vectors.map(([net], i) => ({
      dest: cidr(net),
      router: ipv4(`10.0.0.${i + 1}`),
    }));
    const b = classlessRoutesBytes(routes);
    assert.deepEqual(getClasslessRoutes(new Map([[121, b]])), routes);
    assert.deepEqual(getClasslessRoutes(new Map([[249, b]]), Opt.MS_CLASSLESS_ROUTES), routes);
  });

  test('host bits beyond the width are masked; bad widths and truncation are refused', () => {
    assert.deepEqual(getClasslessRoutes(opts([121, [8, 10, 1, 2, 3, 4]])), [
      { dest: cidr('10.0.0.0/8'), router: ipv4('1.2.3.4') },
    ]);
    assert.deepEqual(getClasslessRoutes(opts([121, [7, 0xff, 1, 2, 3, 4]])), [
      { dest: cidr('254.0.0.0/7'), router: ipv4('1.2.3.4') },
    ]);
    assert.equal(getClasslessRoutes(opts([121, [33, 1, 2, 3, 4, 5, 1, 2, 3, 4]])), undefined);
    assert.equal(getClasslessRoutes(opts([121, [24, 10, 0, 0, 1, 2, 3]])), undefined);
    assert.equal(getClasslessRoutes(opts([121, []])), undefined);
  });

  test('withDefaultRoute: 121 makes clients ignore option 3, so 0/0 must be in it', () => {
    const lan = { dest: cidr('10.0.250.0/24'), router: ipv4('10.0.251.1') };
    const gw = ipv4('10.0.251.1');
    const input = [lan];
    const out = withDefaultRoute(input, gw);
    assert.deepEqual(out, [lan, { dest: cidr('0.0.0.0/0'), router: gw }]);
    assert.deepEqual(input, [lan], 'input not modified');
    assert.deepEqual(withDefaultRoute(out, ipv4('10.0.251.9')), out, 'an existing default route is kept');
    assert.deepEqual(withDefaultRoute([], gw), [{ dest: cidr('0.0.0.0/0'), router: gw }]);
  });
});

describe('client packets (test/support) through the getters', () => {
  const mac = '00:15:5d:00:00:07';

  test('windows10 REQUEST: NUL-terminated 12, ASCII 81, 61 = 1 + MAC', () => {
    const p = windows10.request({
      mac,
      state: 'selecting',
      hostname: 'DESKTOP-7',
      requestedIp: '10.0.251.7',
      serverId: '10.0.251.1',
    });
    const o = p.msg.options;
    assert.deepEqual([...o.keys()], [53, 61, 50, 54, 12, 81, 60, 55]);
    assert.equal(o.get(12)?.at(-1), 0);
    assert.equal(getString(o, Opt.HOSTNAME), 'DESKTOP-7');
    assert.equal(hostnameOf(p.msg), 'DESKTOP-7');
    assert.deepEqual(getClientId(o), Uint8Array.from([1, 0, 0x15, 0x5d, 0, 0, 7]));
    assert.equal(getString(o, Opt.VENDOR_CLASS_ID), 'MSFT 5.0');
    assert.deepEqual(
      [...(getParameterRequestList(o) ?? [])],
      [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252],
    );
    assert.equal(p.msg.flags, 0);
  });

  test('hostnameOf prefers a non-empty 81 name, else 12', () => {
    const fq = discover({ mac, hostname: 'short', fqdn: { flags: FqdnFlag.E, name: 'long.example' } });
    assert.equal(hostnameOf(fq.msg), 'long.example');
    const empty = discover({ mac, hostname: 'short', fqdn: { flags: FqdnFlag.E, name: '' } });
    assert.equal(hostnameOf(empty.msg), 'short');
    assert.equal(hostnameOf(discover({ mac }).msg), undefined);
  });

  test('REQUEST states differ in 50, 54, ciaddr and destination (RFC 2131 §4.3.2)', () => {
    const base = { mac, requestedIp: '10.0.251.7', serverId: '10.0.251.1', ciaddr: '10.0.251.7' };
    const shape = (s: 'selecting' | 'init-reboot' | 'renewing' | 'rebinding') => {
      const p = request({ ...base, state: s });
      return [
        getIp(p.msg.options, 50) !== undefined,
        getIp(p.msg.options, 54) !== undefined,
        p.msg.ciaddr !== 0,
        p.to,
      ];
    };
    assert.deepEqual(shape('selecting'), [true, true, false, 'broadcast']);
    assert.deepEqual(shape('init-reboot'), [true, false, false, 'broadcast']);
    assert.deepEqual(shape('renewing'), [false, false, true, 'server']);
    assert.deepEqual(shape('rebinding'), [false, false, true, 'broadcast']);
    assert.throws(() => request({ mac, state: 'selecting' }), /needs requestedIp/);
  });

  test('decline, release and inform carry what RFC 2131 Table 5 asks', () => {
    const d = decline({ mac, requestedIp: '10.0.251.7', serverId: '10.0.251.1', message: 'arp conflict' });
    assert.equal(getMessageType(d.msg.options), MessageType.DECLINE);
    assert.equal(getString(d.msg.options, Opt.MESSAGE), 'arp conflict');
    const r = release({ mac, ciaddr: '10.0.251.7', serverId: '10.0.251.1' });
    assert.equal(r.msg.ciaddr, ipv4('10.0.251.7'));
    assert.equal(getIp(r.msg.options, Opt.SERVER_ID), ipv4('10.0.251.1'));
    const i = inform({ mac, ciaddr: '10.0.251.7', prl: [1, 3, 6] });
    assert.equal(getMessageType(i.msg.options), MessageType.INFORM);
    assert.equal(getIp(i.msg.options, Opt.REQUESTED_IP), undefined);
  });

  test('relayed and broadcast-flag discovers', () => {
    const p = discover({ mac, giaddr: '10.0.251.254', broadcast: true, maxSize: 1500, vendorClass: 'x' });
    assert.equal(p.msg.hops, 1);
    assert.equal(p.msg.flags, 0x8000);
    assert.equal(getMaxMessageSize(p.msg.options), 1500);
    const back = decode(p.bytes);
    assert.ok(back.ok);
    assert.equal(back.msg.giaddr, ipv4('10.0.251.254'));
  });

  test('networkd clones share one client-id across MACs (systemd #9609)', () => {
    const a = systemdNetworkd.discover({ mac: '00:15:5d:00:00:01' });
    const b = systemdNetworkd.discover({ mac: '00:15:5d:00:00:02' });
    assert.deepEqual(getClientId(a.msg.options), getClientId(b.msg.options));
    assert.equal(getClientId(a.msg.options)?.[0], 0xff);
  });

  test('every profile builds DISCOVER, REQUEST in all states and RELEASE that decode', () => {
    for (const p of profiles) {
      const packets = [
        p.discover({ mac, hostname: 'vm1' }),
        ...(['selecting', 'init-reboot', 'renewing', 'rebinding'] as const).map((state) =>
          p.request({
            mac,
            state,
            hostname: 'vm1',
            requestedIp: '10.0.251.7',
            serverId: '10.0.251.1',
            ciaddr: '10.0.251.7',
          }),
        ),
        p.release({ mac, ciaddr: '10.0.251.7', serverId: '10.0.251.1' }),
      ];
      for (const pk of packets) {
        const r = decode(pk.bytes);
        assert.ok(r.ok, p.name);
        assert.ok(getMessageType(r.msg.options) !== undefined, p.name);
      }
    }
  });
});

describe('getters never throw', () => {
  test('10,000 random option values through every getter', () => {
    let seed = 42;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const codes = [53, 1, 6, 12, 51, 55, 57, 61, 81, 82, 119, 121, 249];
    for (let i = 0; i < 10_000; i++) {
      const m = new Map<number, Uint8Array>();
      for (const c of codes) {
        if (rand() < 0.8)
          m.set(
            c,
            Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)),
          );
      }
      getMessageType(m);
      getIp(m, 1);
      getIps(m, 6);
      getString(m, 12);
      getU32(m, 51);
      getParameterRequestList(m);
      getMaxMessageSize(m);
      replyMaxSize(m);
      getClientId(m);
      getFqdn(m);
      const info = getRelayAgentInfo(m);
      if (info) relayAgentSubOptions(info);
      getDomainSearch(m);
      getClasslessRoutes(m);
      getClasslessRoutes(m, 249);
    }
  });
});
