import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { resolveScope } from '../dhcp/scope.js';
import { ScopeCell } from '../dhcp/scope-cell.js';
import { daemonHostFor } from '../host/daemon-host.js';
import type { Runner } from '../host/runner.js';
import { memoryLogger } from '../log.js';
import { cidr } from '../net/ipv4.js';
import { startHostWatches } from './host-watch.js';

const CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.9.0.0/24
    host: 10.9.0.1
    dhcp: { mtu: auto }
    dns: { domain: lab.internal }
  - name: quiet
    subnet: 10.8.0.0/24
    host: 10.8.0.1
    dns: { enabled: false }
wsl: { interface: wsl0 }
`,
  't.yaml',
);
const scopes = (): ScopeCell[] =>
  CONFIG.switches.map((sw) => {
    const r = resolveScope(sw, undefined, 'linux');
    if (!r.ok) throw new Error(r.reason);
    return new ScopeCell(r.scope);
  });

test('Linux: mtu auto excludes the switches and WSL; resolved is kept for DNS switches only', async () => {
  const calls: string[] = [];
  const run: Runner = (file, args) => {
    calls.push([file, ...args].join(' '));
    if (file === 'ip')
      return Promise.resolve({ code: 0, stdout: '[{"ifindex":2,"ifname":"lab"}]', stderr: '' });
    // resolvectl dns / domain: resolved knows the link, with nothing set yet
    return Promise.resolve({ code: 0, stdout: args.length === 1 ? 'Link 2 (lab):\n' : '', stderr: '' });
  };
  const s = scopes();
  const link = (name: string, mtu: number) => ({
    name,
    mtu,
    up: true,
    loopback: false,
    pointToPoint: false,
    subnets: [],
  });
  const w = await startHostWatches({
    config: CONFIG,
    cells: s,
    host: daemonHostFor('linux', { run }),
    log: memoryLogger('warn'),
    clock: fixedClock(0),
    // every link has a gateway route: only the exclusions keep lab (1000), quiet (900) and wsl0 (800) out
    readUplink: () =>
      Promise.resolve({
        links: [link('eth0', 1500), link('lab', 1000), link('quiet', 900), link('wsl0', 800)],
        routes: ['eth0', 'lab', 'quiet', 'wsl0'].map((iface) => ({
          dest: cidr('0.0.0.0/0'),
          iface,
          viaGateway: true,
        })),
      }),
  });
  await new Promise((r) => setTimeout(r, 50));
  await w.stop();
  assert.equal(s[0]!.scope.mtu, 1500);
  assert.equal(s[1]!.scope.mtu, undefined, 'not auto: untouched');
  assert.ok(calls.includes('resolvectl dns lab 10.9.0.1'), calls.join('\n'));
  assert.ok(calls.includes('resolvectl domain lab ~lab.internal'));
  assert.ok(!calls.some((c) => c.includes('quiet')), 'DNS off: never touched');
});
