/** `switchyard guest`: from the pinned range, with no live interface. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writePinned } from '../model/pinned.js';
import { guestCommand } from './guest.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('switchyard guest --state-dir', () => {
  test('subnet: auto is read from the pinned range; the switch interface need not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-guest-'));
    dirs.push(dir);
    const config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      `switches:
  - name: sy-no-such-sw0
    dhcp:
      reservations:
        - { name: web, mac: "00:15:5d:00:00:01", ip: 10.66.0.10 }
`,
    );
    const stateDir = join(dir, 'state');
    await writePinned(stateDir, {
      version: 1,
      switches: { 'sy-no-such-sw0': { subnet: '10.66.0.0/24', host: '10.66.0.1' } },
    });
    const nd = await guestCommand('networkd', 'web', { config, stateDir });
    assert.match(nd, /Address=10\.66\.0\.10\/24\nGateway=10\.66\.0\.1\nDNS=10\.66\.0\.1/);
    await assert.rejects(
      guestCommand('networkd', 'web', { config, stateDir: join(dir, 'empty') }),
      /sy-no-such-sw0 has no static address \(the subnet is auto/,
    );
  });
});
