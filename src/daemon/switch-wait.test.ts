/** Issue 18 point 7: at boot the switch's vNIC may come up after `serve` starts; serve waits, bounded. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FakeTransport } from '../../test/fakes/fake-transport.js';
import { fixedClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { EnvironmentError } from '../errors.js';
import { daemonHostFor } from '../host/daemon-host.js';
import type { InterfaceInfo } from '../host/interface-info.js';
import { memoryLogger } from '../log.js';
import { WINDOWS_SWITCH_WAIT_MS } from './preflight.js';
import { startDaemon, type ServeOptions } from './serve.js';

const root = mkdtempSync(join(tmpdir(), 'sy-switch-wait-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

const CONFIG = parseConfig(
  'switches:\n  - name: sy-br0\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: { pool: 10.9.0.100-10.9.0.199 }\n',
  't.yaml',
);
const UP: InterfaceInfo = {
  name: 'sy-br0',
  exists: true,
  up: true,
  addresses: [{ address: '10.9.0.1', prefix: 24, dynamic: false }],
};
const ABSENT: InterfaceInfo = { name: 'sy-br0', exists: false, up: false, addresses: [] };
/** Windows lists the adapter before its address (still tentative): not up yet either. */
const NO_ADDRESS: InterfaceInfo = { ...UP, addresses: [] };

function options(inspect: () => Promise<InterfaceInfo>, extra: Partial<ServeOptions>): ServeOptions {
  return {
    config: CONFIG,
    stateDir: mkdtempSync(join(root, 'state-')),
    log: memoryLogger('info'),
    clock: fixedClock(Date.UTC(2026, 10, 24)),
    host: daemonHostFor('linux'),
    inspect,
    openTransport: () => Promise.resolve(new FakeTransport()),
    forwardingKeeper: false,
    hostWatch: false,
    control: false,
    ...extra,
  };
}

describe('serve waits for the switch interface (boot ordering)', () => {
  test('an interface that comes up while serve waits: serve starts, having logged that it waits', async () => {
    const seen = [ABSENT, ABSENT, NO_ADDRESS];
    const log = memoryLogger('info');
    const o = options(() => Promise.resolve(seen.shift() ?? UP), {
      switchWaitMs: 5000,
      switchPollMs: 20,
      log,
    });
    const d = await startDaemon(o);
    await d.stop();
    assert.equal(seen.length, 0, 'it looked again until the interface was up');
    const waiting = log.lines.filter((l) => l.level === 'warn' && /not up yet.*waiting/.test(l.msg));
    assert.equal(waiting.length, 1, 'logged once per 10 s, not on every look');
    assert.deepEqual(waiting[0]!.obj.missing, ['switch "sy-br0" (interface sy-br0)']);
    assert.ok(log.lines.some((l) => /switch interfaces are up: starting/.test(l.msg)));
  });

  test('bounded: an interface that never comes up is refused after the bound, with the next step', async () => {
    const started = Date.now();
    await assert.rejects(
      startDaemon(options(() => Promise.resolve(ABSENT), { switchWaitMs: 300, switchPollMs: 50 })),
      (e: unknown) => {
        assert.ok(e instanceof EnvironmentError);
        assert.match(
          e.message,
          /switch "sy-br0" \(interface sy-br0\) does not exist on this host \(waited 0 s\).*switchyard apply/,
        );
        return true;
      },
    );
    const took = Date.now() - started;
    assert.ok(took >= 300 && took < 5000, `waited ${took} ms`);
  });

  test('Windows waits 120 s by default; elsewhere serve looks once (systemd ExecStartPre built it)', async () => {
    assert.equal(WINDOWS_SWITCH_WAIT_MS, 120_000);
    const started = Date.now();
    await assert.rejects(startDaemon(options(() => Promise.resolve(ABSENT), {})), EnvironmentError);
    assert.ok(Date.now() - started < 1000);
  });
});
