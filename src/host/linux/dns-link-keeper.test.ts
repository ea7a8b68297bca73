import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../../clock.js';
import { createForwardingKeeper } from '../../daemon/keeper.js';
import type { RunResult, Runner } from './interfaces.js';
import { memoryLogger } from '../../log.js';
import { ABSENT_SKIP, dnsLinkKeeperBackend } from './dns-link-keeper.js';

/** A resolved that forgets (restart) and remembers what resolvectl sets. */
function fakeResolved(): {
  run: Runner;
  calls: string[];
  state: Map<string, [string, string]>;
  running: boolean;
} {
  const f = {
    calls: [] as string[],
    state: new Map<string, [string, string]>([['sy-br', ['', '']]]),
    running: true,
    run: ((file, args) => {
      const cmd = [file, ...args].join(' ');
      f.calls.push(cmd);
      const ok = (stdout: string): Promise<RunResult> => Promise.resolve({ code: 0, stdout, stderr: '' });
      if (!f.running && file === 'resolvectl') {
        return Promise.resolve({
          code: 1,
          stdout: '',
          stderr:
            'Failed to get global data: The name org.freedesktop.resolve1 was not provided by any .service files',
        });
      }
      const list = (i: 0 | 1) =>
        [...f.state].map(([n, v], k) => `Link ${k + 2} (${n}):${v[i] ? ` ${v[i]}` : ''}`).join('\n') + '\n';
      if (cmd === 'ip -j link show') {
        return ok(JSON.stringify([...f.state.keys()].map((n, k) => ({ ifindex: k + 2, ifname: n }))));
      }
      if (cmd === 'resolvectl dns') return ok(list(0));
      if (cmd === 'resolvectl domain') return ok(list(1));
      const [verb, dev, value] = args;
      const cur = f.state.get(dev!) ?? ['', ''];
      if (verb === 'dns') f.state.set(dev!, [value!, cur[1]]);
      else if (verb === 'domain') f.state.set(dev!, [cur[0], value!]);
      return ok('');
    }) as Runner,
  };
  return f;
}

test('dns-link keeper: sets what resolved forgot, once; quiet while resolved is away', async () => {
  const r = fakeResolved();
  const log = memoryLogger('info');
  const keeper = createForwardingKeeper({
    backend: dnsLinkKeeperBackend([{ iface: 'sy-br', server: '10.0.251.1', domain: 'lab.internal' }], r.run),
    log,
    clock: fixedClock(0),
  });
  await keeper.tick();
  assert.deepEqual(r.state.get('sy-br'), ['10.0.251.1', '~lab.internal']);
  assert.ok(r.calls.includes('resolvectl dns sy-br 10.0.251.1'));
  r.calls.length = 0;
  await keeper.tick();
  assert.deepEqual(
    r.calls.sort(),
    ['ip -j link show', 'resolvectl dns', 'resolvectl domain'],
    'converged: only looks',
  );
  r.running = false;
  await keeper.tick();
  r.running = true;
  r.state.set('sy-br', ['', '']); // resolved restarted: it forgot
  await keeper.tick();
  assert.deepEqual(r.state.get('sy-br'), ['10.0.251.1', '~lab.internal']);
  assert.deepEqual(
    log.lines.map((l) => l.msg),
    [
      'resolved: DNS 10.0.251.1 and ~lab.internal set again on sy-br (resolved restarted or the link was re-created?)',
      'resolved: DNS 10.0.251.1 and ~lab.internal set again on sy-br (resolved restarted or the link was re-created?)',
    ],
  );
});

test('dns-link keeper: a link resolved does not know (not created yet) is left alone', async () => {
  const r = fakeResolved();
  r.state.clear();
  const keeper = createForwardingKeeper({
    backend: dnsLinkKeeperBackend([{ iface: 'sy-br', server: '10.0.251.1', domain: 'lab.internal' }], r.run),
    log: memoryLogger('info'),
    clock: fixedClock(0),
  });
  await keeper.tick();
  assert.deepEqual(r.calls.sort(), ['ip -j link show', 'resolvectl dns', 'resolvectl domain']);
});

test('dns-link keeper: with resolvectl not installed it looks only every ABSENT_SKIP + 1 ticks', async () => {
  const calls: string[] = [];
  const run: Runner = (file, args) => {
    calls.push([file, ...args].join(' '));
    if (file === 'resolvectl') {
      const spawnError = Object.assign(new Error('spawn resolvectl ENOENT'), { code: 'ENOENT' });
      return Promise.reject(new Error('resolvectl not found on PATH', { cause: spawnError }));
    }
    return Promise.resolve({ code: 0, stdout: '[]', stderr: '' });
  };
  const keeper = createForwardingKeeper({
    backend: dnsLinkKeeperBackend([{ iface: 'sy-br', server: '10.0.251.1', domain: 'lab.internal' }], run),
    log: memoryLogger('info'),
    clock: fixedClock(0),
  });
  await keeper.tick();
  assert.ok(calls.includes('resolvectl dns'));
  calls.length = 0;
  for (let i = 0; i < ABSENT_SKIP; i++) await keeper.tick();
  assert.equal(calls.length, 0, 'nothing run while backing off');
  await keeper.tick();
  assert.ok(calls.includes('resolvectl dns'), 'looks again after the back-off');
});
