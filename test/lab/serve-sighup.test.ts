/**
 * Lab test (root, network namespaces): a SIGHUP that reaches `switchyard serve` before it has started (the
 * CLI still loading, the config still being read) does not end it: it is remembered and the config is
 * reloaded once the daemon runs. The config is a FIFO, so the test decides when reading it ends: SIGHUP is
 * sent while serve is blocked on it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, labSkipReason, sleep, waitUntil, type Lab } from './netns.js';
import { serveArgv } from './switchyard.js';

const skip = labSkipReason();

if (skip) test('serve and an early SIGHUP', { skip }, () => undefined);

/** Writes `text` to the FIFO once a reader has it open (bounded); never blocks the test's loop. */
async function feed(fifo: string, text: string, what: () => string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    let fd: number;
    try {
      fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e; // no reader yet
      if (Date.now() - t0 > 15_000) throw new Error(`nobody read ${fifo}: ${what()}`, { cause: e });
      await sleep(20);
      continue;
    }
    try {
      writeSync(fd, text); // a config is far smaller than the pipe's buffer
    } finally {
      closeSync(fd);
    }
    return;
  }
}

describe('serve and an early SIGHUP', { skip: skip ?? false }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab();
  });
  after(async () => {
    await lab?.destroy();
  });

  test('a SIGHUP while the config is still being read is applied once serving, not fatal', async () => {
    const sw = await lab.addSwitch({ cidr: '10.79.0.1/24' });
    const yaml = `switches:\n  - name: ${sw.ifname}\n    subnet: 10.79.0.0/24\n    host: 10.79.0.1\n`;
    const fifo = join(lab.workDir, 'switchyard.yaml');
    execFileSync('mkfifo', [fifo]);
    const p = lab.spawn(lab.hostNs, serveArgv(fifo, join(lab.workDir, 'state')));
    // serve is now loading, then blocked reading the FIFO: nothing it could have done yet is a start.
    await sleep(1_500);
    assert.equal(p.signal('SIGHUP'), true, `serve ended before the SIGHUP: ${p.output()}`);
    await sleep(300);
    assert.equal(p.exitInfo(), undefined, `SIGHUP ended serve: ${p.output()}`);
    await feed(fifo, yaml, () => p.output());
    await waitUntil(
      () => p.output().includes('"msg":"serving DHCP"'),
      15_000,
      () => p.output(),
    );
    // The remembered SIGHUP reloads, which reads the config again.
    await feed(fifo, yaml, () => p.output());
    await waitUntil(
      () => p.output().includes('"msg":"reloaded"'),
      15_000,
      () => p.output(),
    );
    assert.equal(p.exitInfo(), undefined, p.output());
    const exit = await p.stop();
    assert.equal(exit.code, 0, p.output());
  });
});
