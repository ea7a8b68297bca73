import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeTimers } from '../../test/fakes/fake-timers.js';
import { SimWindowsNet } from '../../test/fakes/sim-windows-net.js';
import { parseConfig } from '../config/load.js';
import { resolveScope } from '../dhcp/scope.js';
import { ScopeCell } from '../dhcp/scope-cell.js';
import { daemonHostFor } from '../host/daemon-host.js';
import { memoryLogger } from '../log.js';
import { startHostWatches } from './host-watch.js';
import { WINDOWS_FULL_MS, WINDOWS_POLL_MS } from './windows-watch.js';
import { wslDriftReporter } from './wsl-drift.js';

const SWITCH = 'vEthernet (switchyard)';
const WSL = 'vEthernet (WSL (Hyper-V firewall))';

const CONFIG = parseConfig(
  `switches:
  - name: switchyard
    subnet: 10.0.251.0/24
    host: 10.0.251.1
    dhcp: { mtu: auto }
wsl: { subnet: 10.0.250.0/24 }
`,
  't.yaml',
);

function scopes(): ScopeCell[] {
  return CONFIG.switches.map((sw) => {
    const r = resolveScope(sw, undefined, 'win32');
    if (!r.ok) throw new Error(r.reason);
    return new ScopeCell(r.scope);
  });
}

/** A laptop: Wi-Fi with the default route, the switch, WSL up; everything forwarding as apply left it. */
function laptop(timers: FakeTimers): SimWindowsNet {
  const net = new SimWindowsNet(timers);
  net.add('Wi-Fi', ['192.168.1.23/24'], { mtu: 1500 });
  net.add(SWITCH, ['10.0.251.1/24'], { forwarding: true });
  net.add(WSL, ['10.0.250.1/24'], { forwarding: true });
  net.add('Loopback Pseudo-Interface 1', ['127.0.0.1/8'], { mtu: 4294967295 });
  net.routes.push(
    { dest: '0.0.0.0/0', alias: 'Wi-Fi', nextHop: '192.168.1.1' },
    { dest: '192.168.1.0/24', alias: 'Wi-Fi', nextHop: '0.0.0.0' },
  );
  net.wslRange = '10.0.250.0/24';
  return net;
}

async function watch(net: SimWindowsNet, timers: FakeTimers, s: ScopeCell[] = scopes()) {
  const log = memoryLogger('info');
  const w = await startHostWatches({
    onObserved: wslDriftReporter('10.0.250.0/24', log),
    config: CONFIG,
    cells: s,
    host: daemonHostFor('win32', {
      powershell: { runner: net.runner, location: { ok: true, path: 'powershell.exe', via: 'override' } },
    }),
    log,
    clock: timers,
    keepForwarding: true,
    timers,
    networkInterfaces: net.networkInterfaces,
  });
  // stop() waits for a check under way, whose PowerShell finishes in fake time
  const stop = async (): Promise<void> => {
    const done = w.stop();
    await timers.advance(net.costMs);
    await done;
  };
  return { w: { stop }, log };
}

describe('Windows host watch (simulated network, fake clock)', () => {
  test('an idle hour runs at most 10 PowerShell processes (mtu: auto, forwarding, WSL)', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const { w } = await watch(net, timers);
    await timers.advance(3_600_000);
    await w.stop();
    const kinds = net.runs.map((r) => r.kind);
    assert.ok(net.count() <= 10, `${net.count()} PowerShell runs: ${kinds.join(' ')}`);
    // one targeted check after start, then the safety net every 15 minutes (and 2 s polls in between)
    assert.deepEqual(kinds.slice(0, 4), ['targeted', 'full', 'full', 'full']);
    assert.ok(kinds.length <= 5 && kinds.slice(1).every((k) => k === 'full'), kinds.join(' '));
    assert.equal(net.maxRunning, 1, 'never two at once');
  });

  test('nothing runs PowerShell at start: the first check is one poll later', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const { w } = await watch(net, timers);
    assert.equal(net.count(), 0);
    await timers.advance(WINDOWS_POLL_MS);
    assert.equal(net.count('targeted'), 1);
    await w.stop();
  });

  test('a re-created WSL adapter gets forwarding back within 3 s of appearing', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const { w, log } = await watch(net, timers);
    await timers.advance(60_000);
    const before = net.count();
    net.remove(WSL); // wsl --shutdown
    await timers.advance(30_000);
    // WSL starts again: a new adapter (new interface index and MAC), same name and range, forwarding off,
    // right after a poll (the worst case)
    await timers.advance(1);
    const fresh = net.add(WSL, ['10.0.250.1/24'], { forwarding: false });
    const appeared = timers.now();
    while (!fresh.forwarding && timers.now() - appeared < 10_000) await timers.advance(100);
    const took = timers.now() - appeared;
    assert.ok(fresh.forwarding, 'forwarding back on');
    assert.ok(took <= 3000, `took ${took} ms`);
    assert.ok(
      log.lines.some((l) => l.msg === `forwarding re-enabled on ${WSL} (the adapter was recreated?)`),
    );
    assert.ok(net.runs.slice(before).every((r) => r.kind === 'targeted'));
    await w.stop();
  });

  test('re-created between two polls (same name and address): the new interface index gives it away', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const { w } = await watch(net, timers);
    await timers.advance(60_000);
    net.remove(WSL);
    const fresh = net.add(WSL, ['10.0.250.1/24'], { forwarding: false });
    await timers.advance(WINDOWS_POLL_MS + net.costMs);
    assert.equal(fresh.forwarding, true);
    await w.stop();
  });

  test('a VPN coming up changes the MTU at once (option 26 of the next reply)', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const s = scopes();
    const { w } = await watch(net, timers, s);
    await timers.advance(WINDOWS_POLL_MS + net.costMs);
    assert.equal(s[0]!.scope.mtu, 1500);
    const vpn = net.add('Ethernet 3', ['10.201.0.2/32'], { mtu: 1400 });
    net.routes.push({ dest: '10.200.0.0/16', alias: vpn.alias, nextHop: '0.0.0.0' });
    await timers.advance(WINDOWS_POLL_MS + net.costMs);
    assert.equal(s[0]!.scope.mtu, 1400);
    net.remove(vpn.alias);
    await timers.advance(WINDOWS_POLL_MS + net.costMs);
    assert.equal(s[0]!.scope.mtu, 1500, 'VPN gone: back up');
    await w.stop();
  });

  test('the safety net repairs forwarding turned off with no adapter change', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const { w } = await watch(net, timers);
    await timers.advance(60_000);
    net.get(SWITCH)!.forwarding = false; // Set-NetIPInterface by hand: nothing in the adapter list changes
    await timers.advance(WINDOWS_FULL_MS - 60_000 + WINDOWS_POLL_MS + net.costMs * 2 + 100);
    assert.equal(net.get(SWITCH)!.forwarding, true);
    assert.deepEqual(
      net.runs.map((r) => r.kind),
      ['targeted', 'full', 'targeted'],
    );
    await w.stop();
  });

  test('not elevated: no UAC prompt ever, the failed repair is reported once and not retried every poll', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    net.elevated = false;
    const { w, log } = await watch(net, timers);
    await timers.advance(60_000);
    net.remove(WSL);
    await timers.advance(10_000);
    net.add(WSL, ['10.0.250.1/24'], { forwarding: false });
    await timers.advance(30 * 60_000);
    await w.stop();
    assert.equal(net.count('elevated'), 0, 'never the UAC wrapper');
    assert.ok(
      net.runs.every((r) => !/RunAs/.test(r.script)),
      'no script asks for elevation',
    );
    const warns = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warns.length, 1, warns.map((l) => JSON.stringify(l.obj)).join('\n'));
    assert.equal(warns[0]!.obj['interface'], WSL);
    assert.match(String(warns[0]!.obj['err']), /Access is denied/);
    assert.match(String(warns[0]!.obj['fix']), /boot task/);
    // tried at each adapter change only (the safety net does not retry a repair that failed), not every
    // 2 s: start, WSL gone, WSL back, then the two safety nets
    assert.deepEqual(
      net.runs.map((r) => r.kind),
      ['targeted', 'targeted', 'targeted', 'full', 'full'],
    );
  });

  test('WSL range drift is seen by the safety net and reported once', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const { w, log } = await watch(net, timers);
    net.wslRange = '172.31.0.0/20'; // WSL fell back to another range at its start
    await timers.advance(2 * WINDOWS_FULL_MS + WINDOWS_POLL_MS + 2 * net.costMs);
    await w.stop();
    const drift = log.lines.filter((l) => /WSL range drifted/.test(l.msg));
    assert.equal(drift.length, 1);
    assert.equal(drift[0]!.obj['observed'], '172.31.0.0/20');
  });

  test('forwarding: false and no mtu: auto: no watch, nothing runs', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const fixed = parseConfig('switches:\n  - name: switchyard\n    subnet: 10.0.251.0/24\n', 't.yaml');
    const w = await startHostWatches({
      config: fixed,
      cells: [],
      host: daemonHostFor('win32', {
        powershell: {
          runner: () => Promise.reject(new Error('must not run')),
          location: { ok: true, path: 'powershell.exe', via: 'override' },
        },
      }),
      log: memoryLogger('warn'),
      clock: timers,
      keepForwarding: false,
      timers,
      networkInterfaces: net.networkInterfaces,
    });
    await timers.advance(3_600_000);
    await w.stop();
    assert.equal(timers.pending, 0);
  });
});
