import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../config/load.js';
import type { LeaseRow } from '../dhcp/lease-rows.js';
import { nameRows, printable, renderTable } from './leases.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    dhcp:
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.20.0.10 }
    dns:
      domain: lab.internal
`,
  'l.yaml',
);

function row(mac: string, ip: string, hostname: string | null): LeaseRow {
  return {
    mac,
    ip,
    hostname,
    clientId: null,
    expiresAt: new Date(NOW + 3600_000).toISOString(),
    state: 'bound',
    switch: 'lab',
  };
}

describe('leases', () => {
  test('each client with the DNS name it is published under and whether it is reserved', () => {
    const rows = nameRows(
      [
        row('00:15:5d:00:00:01', '10.20.0.10', 'whatever'),
        row('00:15:5d:00:00:02', '10.20.0.150', 'Build-Box.local'),
        row('00:15:5d:00:00:03', '10.20.0.151', null),
      ],
      CONFIG,
      NOW,
    );
    assert.deepEqual(
      rows.map((r) => [r.dnsName, r.reserved]),
      [
        ['web1.lab.internal', true],
        ['build-box.lab.internal', false],
        [null, false],
      ],
    );
    const table = renderTable(rows, NOW);
    assert.match(table, /^SWITCH +MAC +IP +HOSTNAME +DNS NAME +RESERVED +EXPIRES IN +STATE$/m);
    assert.match(table, /10\.20\.0\.10 +whatever +web1\.lab\.internal +yes +1h +bound/);
    assert.match(table, /10\.20\.0\.151 +- +- +no/);
  });

  test('without a config the columns it would need are left out, and JSON says null', () => {
    const rows = nameRows([row('00:15:5d:00:00:02', '10.20.0.150', 'x')], undefined, NOW);
    assert.equal(rows[0]!.dnsName, null);
    assert.equal(rows[0]!.reserved, null);
    assert.doesNotMatch(renderTable(rows, NOW), /DNS NAME/);
  });

  test("a client's hostname cannot send escape sequences to the terminal", () => {
    const evil = 'ok\x1b]0;pwned\x07\x1b[2J\r\u202enwod\\';
    assert.equal(printable(evil), 'ok\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\u{202e}nwod\\\\');
    const table = renderTable(nameRows([row('00:15:5d:00:00:09', '10.20.0.160', evil)], CONFIG, NOW), NOW);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(table, /[\x00-\x09\x0b-\x1f\x7f\u202e]/);
    assert.match(table, /ok\\x1b\]0;pwned/);
  });
});
