import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ipv4 } from '../net/ipv4.js';
import { encodeOptionEntry } from './dhcp-options.js';
import { parseConfig } from './load.js';
import { configProblems } from '../../test/support/config-problems.js';

const problems = configProblems;

const withOptions = (lines: string): string =>
  `switches:\n  - name: lab\n    dhcp:\n      options:\n${lines}`;

const hex = (o: ReturnType<typeof encodeOptionEntry>): string => {
  assert.ok(o.ok, o.ok ? '' : o.message);
  return `${o.option.code}:${Buffer.from(o.option.data).toString('hex')}`;
};

describe('dhcp.options: typed values by name or code', () => {
  test('every value type encodes as RFC 2132 lays it out', () => {
    assert.equal(
      hex(encodeOptionEntry({ option: 'ntp-servers', value: ['10.0.0.1', '10.0.0.2'] })),
      '42:0a0000010a000002',
    );
    assert.equal(hex(encodeOptionEntry({ option: 42, value: '10.0.0.1' })), '42:0a000001');
    assert.equal(hex(encodeOptionEntry({ option: 'swap-server', value: '10.0.0.9' })), '16:0a000009');
    assert.equal(
      hex(encodeOptionEntry({ option: 66, value: 'tftp.lab' })),
      '66:' + Buffer.from('tftp.lab').toString('hex'),
    );
    assert.equal(hex(encodeOptionEntry({ option: 'default-ip-ttl', value: 64 })), '23:40');
    assert.equal(hex(encodeOptionEntry({ option: 'boot-size', value: 513 })), '13:0201');
    assert.equal(hex(encodeOptionEntry({ option: 'arp-cache-timeout', value: 4294967295 })), '35:ffffffff');
    // RFC 2132 §3.4: "The offset is expressed as a two's complement 32-bit integer."
    assert.equal(hex(encodeOptionEntry({ option: 'time-offset', value: -3600 })), '2:fffff1f0');
    assert.equal(hex(encodeOptionEntry({ option: 'ip-forwarding', value: true })), '19:01');
    assert.equal(hex(encodeOptionEntry({ option: 43, value: '01:04:de:ad:be:ef' })), '43:0104deadbeef');
    assert.equal(hex(encodeOptionEntry({ option: 224, type: 'hex', value: '0102' })), '224:0102');
    assert.equal(hex(encodeOptionEntry({ option: '224', type: 'u16', value: 7 })), '224:0007');
  });

  test('RFC 2132 types are enforced where the code is known; unknown codes need a type', () => {
    const bad = (e: Parameters<typeof encodeOptionEntry>[0]): string => {
      const r = encodeOptionEntry(e);
      assert.ok(!r.ok);
      return `${r.key}: ${r.message}`;
    };
    // RFC 2132 §8.3: "This option specifies a list of IP addresses indicating NTP servers"
    assert.equal(
      bad({ option: 42, value: 'ntp.lab' }),
      'value: option 42 (ntp-servers): expected a list of IPv4 addresses; "ntp.lab" is not one',
    );
    assert.equal(
      bad({ option: 42, type: 'string', value: 'x' }),
      'type: option 42 (ntp-servers) is of type ips (RFC 2132 §8.3), not string',
    );
    assert.equal(
      bad({ option: 23, value: 256 }),
      'value: option 23 (default-ip-ttl): expected an integer 0-255, got 256',
    );
    assert.equal(
      bad({ option: 19, value: 'yes' }),
      'value: option 19 (ip-forwarding): expected true or false, got "yes"',
    );
    assert.equal(
      bad({ option: 224, value: '01' }),
      'type: option 224 has no known type: give one of ip, ips, string, u8, u16, u32, i32, bool, hex',
    );
    assert.equal(bad({ option: 'ntp', value: [] }).split(' (')[0], 'option: unknown option name "ntp"');
    assert.equal(bad({ option: 255, value: 'x' }), 'option: option code 255 is not 1-254');
    assert.equal(
      bad({ option: 6, value: ['1.1.1.1'] }),
      'option: option 6 is set by dhcp.dnsServers, not dhcp.options',
    );
    assert.equal(
      bad({ option: 43, value: 'xyz' }).startsWith(
        'value: option 43 (vendor-encapsulated-options): expected hex bytes',
      ),
      true,
    );
  });

  test('errors name file:line:key; switch and reservation options both load', () => {
    assert.deepEqual(
      problems(
        withOptions(
          '        - { option: ntp-servers, value: [10.0.0.1] }\n        - { option: 42, value: 10.0.0.300 }\n',
        ),
      ),
      [
        'sy.yaml:6:25: switches[0].dhcp.options[1].value: option 42 (ntp-servers): expected a list of IPv4 addresses; "10.0.0.300" is not one',
      ],
    );
    assert.deepEqual(
      problems(
        withOptions(
          '        - { option: 42, value: [10.0.0.1] }\n        - { option: ntp-servers, value: [10.0.0.2] }\n',
        ),
      ),
      ['sy.yaml:6:13: switches[0].dhcp.options[1].option: option 42 is set twice'],
    );
    assert.deepEqual(problems(withOptions('        - { option: 250, value: "01" }\n')), [
      'sy.yaml:5:11: switches[0].dhcp.options[0].type: option 250 has no known type: give one of ip, ips, string, u8, u16, u32, i32, bool, hex',
    ]);
    const c = parseConfig(
      `switches:\n  - name: lab\n    dhcp:\n      nextServer: 10.0.0.5\n      bootFile: efi/shimx64.efi\n      options:\n        - { option: tftp-server-name, value: 10.0.0.5 }\n      reservations:\n        - name: vm1\n          mac: "00:15:5d:00:00:01"\n          ip: 10.0.0.10\n          options: [{ option: 67, value: special.efi }]\n`,
      'sy.yaml',
    );
    assert.equal(c.switches[0]!.dhcp.nextServer, ipv4('10.0.0.5'));
    assert.equal(c.switches[0]!.dhcp.reservations[0]!.options![0]!.value, 'special.efi');
    assert.match(
      problems('switches:\n  - name: lab\n    dhcp:\n      bootFile: "' + 'x'.repeat(128) + '"\n')[0]!,
      /^sy\.yaml:4:\d+: switches\[0\]\.dhcp\.bootFile: longer than the 127 bytes/,
    );
  });
});
