import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discover } from '../../test/support/client-packets.js';
import { parseConfig } from '../config/load.js';
import { handle } from '../dhcp/handlers/chain.js';
import { getString } from '../dhcp/options.js';
import { resolveScope } from '../dhcp/scope.js';
import { ScopeCell } from '../dhcp/scope-cell.js';
import { decode } from '../dhcp/wire.js';
import { ipv4 } from '../net/ipv4.js';
import { applyReload } from './reload.js';

const config = (bootfile: string, switchNtp = '10.9.0.1'): string => `switches:
  - name: lab
    subnet: 10.9.0.0/24
    host: 10.9.0.1
    dhcp:
      options: [{ option: ntp-servers, value: [${switchNtp}] }]
      reservations:
        - { name: pxe1, mac: "00:15:5d:00:00:02", ip: 10.9.0.11, options: [{ option: 67, value: ${bootfile} }] }
`;

test("a reservation's dhcp.options change is applied live; the switch's needs a restart", () => {
  const r = resolveScope(
    parseConfig(config('a.efi'), 't.yaml').switches[0]!,
    { address: ipv4('10.9.0.1'), prefix: 24 },
    'linux',
  );
  assert.ok(r.ok);
  const cells = [new ScopeCell(r.scope)];
  const dbs = cells.map((c) => c.db);
  const out = applyReload(parseConfig(config('b.efi'), 't.yaml'), cells, 'linux');
  assert.equal(out.applied.length, 1, JSON.stringify(out));
  assert.deepEqual(out.restartNeeded, []);
  const opt = dbs[0]!.reservationAt(ipv4('10.9.0.11'))!.options![0]!;
  assert.equal(Buffer.from(opt.data).toString(), 'b.efi');
  const again = applyReload(parseConfig(config('b.efi', '10.9.0.2'), 't.yaml'), cells, 'linux');
  assert.deepEqual(again.applied, []);
  assert.match(again.restartNeeded.join('\n'), /switch "lab": options changed/);
});

test('a reload is served from the next reply: the new reservation option is what the client gets', () => {
  const r = resolveScope(
    parseConfig(config('a.efi'), 't.yaml').switches[0]!,
    { address: ipv4('10.9.0.1'), prefix: 24 },
    'linux',
  );
  assert.ok(r.ok);
  const cell = new ScopeCell(r.scope);
  const bootFile = (): string | undefined => {
    const d = decode(discover({ mac: '00:15:5d:00:00:02', prl: [1, 3, 67] }).bytes);
    assert.ok(d.ok);
    return getString(handle(d.msg, Date.UTC(2026, 11, 7), cell).reply!.options, 67);
  };
  assert.equal(bootFile(), 'a.efi');
  const bytes = cell.bytes;
  applyReload(parseConfig(config('b.efi'), 't.yaml'), [cell], 'linux');
  assert.equal(bootFile(), 'b.efi');
  assert.notEqual(cell.bytes, bytes, 'a new scope: its option bytes encoded again, once');
});
