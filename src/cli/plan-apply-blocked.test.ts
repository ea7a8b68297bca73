import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { parseConfig } from '../config/load.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import { applyCommand } from './plan-apply.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test(
  'a fixed subnet over a connected route is a blocked change (!), and apply writes nothing, not even pinned.json',
  PWSH,
  async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-blocked-'));
    dirs.push(stateDir);
    const config = parseConfig('switches:\n  - name: lab\n    subnet: 10.20.0.0/24\n', 'b.yaml', 'win32');
    const host = new SimWindowsHost();
    host.addAdapter('Wi-Fi', [{ address: ipv4('10.20.5.7'), prefix: 16, dynamic: true }]);
    host.routes.push({ dest: cidr('10.20.0.0/16'), iface: 'Wi-Fi' });
    let text = '';
    const code = await applyCommand(config, stateDir, host, true, {
      write: (s) => {
        text += s;
      },
      interactive: false,
    });
    assert.equal(code, 1);
    assert.match(
      text,
      /! host-address vEthernet \(lab\): the subnet 10\.20\.0\.0\/24 written in the config overlaps the route 10\.20\.0\.0\/16 on Wi-Fi: the host would have two routes/,
    );
    assert.match(text, /Blocked — nothing was changed/);
    assert.equal(host.switches.length, 0);
    assert.equal(existsSync(join(stateDir, 'pinned.json')), false, readdirSync(stateDir).join(','));
  },
);
