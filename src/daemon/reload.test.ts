import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/load.js';
import { resolveScope } from '../dhcp/scope.js';
import { ScopeCell } from '../dhcp/scope-cell.js';
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
