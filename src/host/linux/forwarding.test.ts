import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fixedClock } from '../../clock.js';
import { createForwardingKeeper, startForwardingKeeper } from '../../daemon/keeper.js';
import { linuxKeeperBackend, procFs, type ProcFs } from './forwarding.js';
import { memoryLogger } from '../../log.js';

/** /proc/sys/net/ipv4/conf as a map: absent key = no such interface (ENOENT). */
function fakeProc(initial: Record<string, string>): ProcFs & {
  files: Map<string, string>;
  writes: string[];
  failWrite: string | undefined;
  failRead: string | undefined;
} {
  const files = new Map(
    Object.entries(initial).map(([k, v]) => [`/proc/sys/net/ipv4/conf/${k}/forwarding`, v]),
  );
  const fs = {
    files,
    writes: [] as string[],
    failWrite: undefined as string | undefined,
    failRead: undefined as string | undefined,
    read(path: string): Promise<string> {
      if (fs.failRead !== undefined) return Promise.reject(new Error(fs.failRead));
      const v = files.get(path);
      if (v === undefined) {
        const e: NodeJS.ErrnoException = new Error(`ENOENT: ${path}`);
        e.code = 'ENOENT';
        return Promise.reject(e);
      }
      return Promise.resolve(v);
    },
    write(path: string, text: string): Promise<void> {
      if (fs.failWrite !== undefined) return Promise.reject(new Error(fs.failWrite));
      if (!files.has(path)) return Promise.reject(new Error(`ENOENT: ${path}`));
      fs.writes.push(path);
      files.set(path, text);
      return Promise.resolve();
    },
  };
  return fs;
}

const fwd = (i: string): string => `/proc/sys/net/ipv4/conf/${i}/forwarding`;

describe('forwarding keeper (Linux /proc backend)', () => {
  test('turns forwarding back on, with one info line; leaves interfaces that are on alone', async () => {
    const fs = fakeProc({ br0: '1\n', wsl0: '0\n' });
    const log = memoryLogger('info');
    const k = createForwardingKeeper({
      backend: linuxKeeperBackend(['br0', 'wsl0'], fs),
      log,
      clock: fixedClock(0),
    });
    await k.tick();
    assert.deepEqual(fs.writes, [fwd('wsl0')]);
    assert.equal(fs.files.get(fwd('wsl0')), '1\n');
    assert.deepEqual(
      log.lines.map((l) => `${l.level} ${l.msg}`),
      ['info forwarding re-enabled on wsl0 (the adapter was recreated?)'],
    );
    await k.tick(); // now on: nothing more
    assert.equal(fs.writes.length, 1);
    assert.equal(log.lines.length, 1);
  });

  test('an absent interface is skipped quietly until it appears (recreated with forwarding off)', async () => {
    const fs = fakeProc({ br0: '1' });
    const log = memoryLogger('debug');
    const k = createForwardingKeeper({
      backend: linuxKeeperBackend(['br0', 'wsl0'], fs),
      log,
      clock: fixedClock(0),
    });
    await k.tick();
    await k.tick();
    assert.equal(log.lines.length, 0);
    fs.files.set(fwd('wsl0'), '0');
    await k.tick();
    assert.deepEqual(fs.writes, [fwd('wsl0')]);
    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0]!.obj['interface'], 'wsl0');
  });

  test('errors are logged (once a minute for the same failure) and retried; tick never rejects', async () => {
    const fs = fakeProc({ wsl0: '0' });
    fs.failWrite = 'EACCES: permission denied';
    const clock = fixedClock(1_000_000);
    const log = memoryLogger('info');
    const k = createForwardingKeeper({ backend: linuxKeeperBackend(['wsl0'], fs), log, clock });
    await k.tick();
    clock.advance(1000);
    await k.tick();
    assert.deepEqual(
      log.lines.map((l) => `${l.level} ${l.msg} ${String(l.obj['err'])}`),
      ['warn forwarding keeper: check failed; retrying EACCES: permission denied'],
    );
    clock.advance(60_000);
    await k.tick();
    assert.equal(log.lines.length, 2, 'repeated after a minute');
    fs.failWrite = undefined;
    await k.tick();
    assert.equal(fs.files.get(fwd('wsl0')), '1\n');
    assert.equal(log.lines.at(-1)!.level, 'info');
    // a failing read: logged, nothing thrown
    fs.failRead = 'EIO';
    await k.tick();
    assert.equal(log.lines.at(-1)!.obj['err'], 'EIO');
  });

  test('refuses interface names that would escape the conf directory', () => {
    assert.throws(() => linuxKeeperBackend(['../all'], fakeProc({})), /bad interface name/);
  });

  test('startForwardingKeeper: first tick at once, then on its interval; stop() ends it', async () => {
    const fs = fakeProc({ wsl0: '0' });
    const log = memoryLogger('info');
    const k = startForwardingKeeper({
      backend: linuxKeeperBackend(['wsl0'], fs),
      log,
      clock: fixedClock(0),
      intervalMs: 10,
    });
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(fs.files.get(fwd('wsl0')), '1\n');
    fs.files.set(fwd('wsl0'), '0');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fs.files.get(fwd('wsl0')), '1\n');
    await k.stop();
    fs.files.set(fwd('wsl0'), '0');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(fs.files.get(fwd('wsl0')), '0', 'stopped: no more ticks');
  });
});

test('the real ProcFs: reads and writes; a missing file rejects with ENOENT (absent interface)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-proc-'));
  try {
    const file = join(dir, 'forwarding');
    writeFileSync(file, '0\n');
    assert.equal(await procFs.read(file), '0\n');
    await procFs.write(file, '1\n');
    assert.equal(readFileSync(file, 'utf8'), '1\n');
    await assert.rejects(procFs.read(join(dir, 'none')), { code: 'ENOENT' });
    await assert.rejects(procFs.write(join(dir, 'no', 'such'), '1\n'), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
