/**
 * Issue 18 point 5, elevation in the daemon, in real pwsh against the simulated Windows: the SYSTEM boot
 * task (elevated, no console) repairs forwarding; a non-elevated serve never raises a UAC prompt from the
 * keeper and says once why it cannot repair.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { makeSimRunner, pwshMissing, type SimSession } from '../../test/windows-sim/runner.js';
import { fixedClock } from '../clock.js';
import { WindowsHost } from '../host/windows/host.js';
import { memoryLogger } from '../log.js';
import { createForwardingKeeper, hostKeeperBackend } from './keeper.js';
import { keeperWindowsHost, REPAIRS_NEED_ELEVATION } from './windows-repairs.js';

const PWSH = { skip: pwshMissing() };
const SWITCH = 'vEthernet (lab)';

/** The Windows backend as the daemon builds it: no console (a scheduled task), the session given. */
function daemonHost(h: SimWindowsHost, session: SimSession, tty: boolean): WindowsHost {
  return new WindowsHost({
    runner: makeSimRunner({
      dir: h.dir,
      session: () => session,
      stats: h.stats,
      profileOf: (a) => h.state.accounts[a]?.profile ?? h.dir,
    }),
    location: {
      ok: true,
      path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      via: 'windows',
    },
    interactivity: { stdinIsTTY: tty, stdoutIsTTY: tty, env: {} },
  });
}

function keeperOn(host: WindowsHost, log = memoryLogger('info')) {
  return {
    log,
    keeper: createForwardingKeeper({
      backend: hostKeeperBackend(keeperWindowsHost(host, [SWITCH], log), [SWITCH]),
      log,
      clock: fixedClock(Date.UTC(2026, 11, 6)),
    }),
  };
}

function labHost(): SimWindowsHost {
  const h = new SimWindowsHost();
  h.switches.push({ name: 'lab', ours: true, kind: 'Internal' });
  h.addAdapter(SWITCH, [], false); // forwarding off, as a re-created adapter comes up
  h.push();
  return h;
}

describe('elevation in the daemon (simulated Windows)', PWSH, () => {
  test('the SYSTEM boot task, elevated and without a console, repairs forwarding', async () => {
    const h = labHost();
    const { keeper, log } = keeperOn(
      daemonHost(h, { account: 'SYSTEM', elevated: true, interactive: false }, false),
    );
    await keeper.tick();
    h.pull();
    assert.equal(h.adapters.find((a) => a.name === SWITCH)?.forwarding, true, JSON.stringify(log.lines));
    assert.ok(
      log.lines.some((l) => l.level === 'info' && /forwarding re-enabled on vEthernet \(lab\)/.test(l.msg)),
    );
    assert.ok(!h.calls().some((c) => /-Verb RunAs/.test(c)), 'no UAC path when already elevated');
  });

  test('a non-elevated serve never raises a UAC prompt from the keeper, and says once why', async () => {
    const h = labHost();
    // An interactive desktop, so a prompt could be shown (and the simulated user would accept it).
    const { keeper, log } = keeperOn(
      daemonHost(h, { account: 'dev', elevated: false, interactive: true }, true),
    );
    for (let i = 0; i < 3; i++) await keeper.tick();
    h.pull();
    assert.ok(!h.calls().some((c) => /Start-Process.*RunAs/.test(c)), h.calls().join('\n'));
    assert.equal(h.adapters.find((a) => a.name === SWITCH)?.forwarding, false);
    const said = log.lines.filter((l) => l.msg.includes(REPAIRS_NEED_ELEVATION));
    assert.equal(said.length, 1, JSON.stringify(log.lines));
    assert.match(said[0]!.msg, /boot task \(switchyard install\) or from an elevated terminal/);
    assert.deepEqual(said[0]!.obj.interfaces, [SWITCH]);
    assert.ok(!log.lines.some((l) => /check failed; retrying/.test(l.msg)), 'no retry loop either');
  });

  test('contrast: the bare Windows host in the keeper would raise the UAC prompt', async () => {
    const h = labHost();
    const log = memoryLogger('info');
    const host = daemonHost(h, { account: 'dev', elevated: false, interactive: true }, true);
    const bare = createForwardingKeeper({
      backend: hostKeeperBackend(host, [SWITCH]),
      log,
      clock: fixedClock(Date.UTC(2026, 11, 6)),
    });
    await bare.tick();
    assert.ok(
      h.calls().some((c) => /Start-Process.*RunAs/.test(c)),
      h.calls().join('\n'),
    );
  });
});
