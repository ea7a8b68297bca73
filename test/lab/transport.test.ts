/**
 * Lab test (root, network namespaces): the DHCP transport answers on its interface only.
 *
 * Topology, all inside namespaces this test creates and deletes (nothing in or attached to the host
 * namespace; no default route anywhere):
 *
 *   <ns>-a  sy-ca 10.78.1.2/24 ── sy-a 10.78.1.1/24 ┐
 *                                                   ├─ <ns>-s  (transport bound to sy-a)
 *   <ns>-b  sy-cb 10.78.2.2/24 ── sy-b 10.78.2.1/24 ┘
 *
 * Node code runs inside a namespace as a child process (`ip netns exec NS node transport-child.js`).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listNamespaces, mustRun as must, runCommand as run, sweepByCreator } from './netns.js';
import { describeOpenError } from '../../src/dhcp/transport/linux.js';
import { EnvironmentError } from '../../src/errors.js';

const CHILD = fileURLToPath(new URL('./transport-child.js', import.meta.url));
const PREFIX = 'sy-tr-';
const SERVER_PORT = 10067;
const CLIENT_PORT = 10068;
const WAIT_MS = 3000;
/** How long to keep listening for a datagram that must NOT arrive, after proof that it was delivered. */
const QUIET_MS = 400;

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network-namespace lab test: Linux only';
  if (process.getuid?.() !== 0) return 'needs root (creates network namespaces)';
  if (spawnSync('ip', ['-V'], { encoding: 'utf8' }).error) return '`ip` (iproute2) not found';
  return undefined;
}

/** Deletes namespaces of this test left by crashed runs (their creator PID, in the name, is gone). */
function sweep(): void {
  sweepByCreator(/^sy-tr-(\d+)-/, 10);
}

interface Event {
  event: string;
  socket?: string;
  from?: { address: string; port: number };
  data?: string;
  message?: string;
  name?: string;
  code?: string;
  description?: string;
}

/** A child node process inside a namespace, with its JSON-line events. */
class NsProc {
  readonly events: Event[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiters = new Set<() => void>();
  stderr = '';
  exited = false;

  constructor(ns: string, args: readonly string[]) {
    this.child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--enable-source-maps', CHILD, ...args]);
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Event);
      } catch {
        this.events.push({ event: 'garbage', data: line });
      }
      for (const w of this.waiters) w();
    });
    this.child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters) w();
    });
  }

  command(c: Record<string, unknown>): void {
    if (!this.exited) this.child.stdin.write(`${JSON.stringify(c)}\n`);
  }

  /** Resolves with the first event (from index `from` on) matching `pred`; rejects after `ms`. */
  waitFor(pred: (e: Event) => boolean, ms = WAIT_MS, from = 0): Promise<Event> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.events.slice(from).find(pred);
        if (hit) {
          done();
          resolve(hit);
        } else if (this.exited) {
          done();
          reject(new Error(`child exited; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`timeout after ${ms} ms; events ${JSON.stringify(this.events)}; stderr ${this.stderr}`),
        );
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Asks the child to close and waits (bounded) for it to exit; kills it (by its own PID) otherwise. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.command({ cmd: 'close' });
    this.child.stdin.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 2000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.exited) {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

const skip = skipReason();

describe('DHCP transport on Linux (network namespaces)', { skip: skip ?? false }, () => {
  const id = `${PREFIX}${process.pid}-${randomBytes(2).toString('hex')}`;
  const ns = { s: `${id}-s`, a: `${id}-a`, b: `${id}-b` };
  const created: string[] = [];
  const procs: NsProc[] = [];
  let server: NsProc;
  let clientA: NsProc;
  let clientB: NsProc;

  const cleanup = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const n of created.splice(0)) run(['ip', 'netns', 'del', n]);
  };
  // Last resort if the runner is torn down before `after` runs.
  const onExit = () => {
    for (const n of created) spawnSync('ip', ['netns', 'del', n]);
  };

  const start = (n: string, args: readonly string[]) => {
    const p = new NsProc(n, args);
    procs.push(p);
    return p;
  };

  before(async () => {
    process.on('exit', onExit);
    sweep();
    try {
      for (const n of [ns.s, ns.a, ns.b]) {
        must(['ip', 'netns', 'add', n]);
        created.push(n);
        must(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
      }
      // veth ends are created directly inside the namespaces, never in the host namespace.
      const links: [string, string, string, string, string, string][] = [
        [ns.s, 'sy-a', '10.78.1.1/24', ns.a, 'sy-ca', '10.78.1.2/24'],
        [ns.s, 'sy-b', '10.78.2.1/24', ns.b, 'sy-cb', '10.78.2.2/24'],
      ];
      for (const [n1, if1, a1, n2, if2, a2] of links) {
        must(['ip', 'link', 'add', if1, 'netns', n1, 'type', 'veth', 'peer', 'name', if2, 'netns', n2]);
        for (const [n, ifn, addr] of [
          [n1, if1, a1],
          [n2, if2, a2],
        ] as const) {
          // tx checksum offload off, as the lab's namespace scripts do (best-effort; ethtool may be absent)
          run(['ip', 'netns', 'exec', n, 'ethtool', '-K', ifn, 'tx', 'off']);
          must(['ip', '-n', n, 'addr', 'add', addr, 'dev', ifn]);
          must(['ip', '-n', n, 'link', 'set', ifn, 'up']);
        }
      }
      for (const n of [ns.s, ns.a, ns.b]) {
        assert.doesNotMatch(
          must(['ip', '-n', n, 'route', 'show']),
          /^default/m,
          `${n} must have no default route`,
        );
      }
      // Wait (bounded) for carrier on both client links.
      for (const [n, ifn] of [
        [ns.a, 'sy-ca'],
        [ns.b, 'sy-cb'],
      ] as const) {
        const deadline = Date.now() + WAIT_MS;
        while (!/state UP/.test(run(['ip', '-n', n, 'link', 'show', ifn]).stdout) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
      }

      server = start(ns.s, [
        '--mode=server',
        '--if=sy-a',
        '--host=10.78.1.1',
        `--port=${SERVER_PORT}`,
        '--control-if=sy-b',
      ]);
      clientA = start(ns.a, ['--mode=client', '--bind=10.78.1.2', `--port=${CLIENT_PORT}`]);
      clientB = start(ns.b, ['--mode=client', '--bind=10.78.2.2', `--port=${CLIENT_PORT}`]);
      const ready = await Promise.all(
        [server, clientA, clientB].map((p) => p.waitFor((e) => e.event !== 'garbage')),
      );
      for (const e of ready) assert.equal(e.event, 'ready', JSON.stringify(e));
    } catch (err) {
      await cleanup();
      throw err;
    }
  });

  after(async () => {
    await cleanup();
    process.off('exit', onExit);
    assert.deepEqual(
      listNamespaces().filter((n) => n.startsWith(id)),
      [],
      'namespaces of this run must be gone',
    );
  });

  test('the transport describes its binding', () => {
    const ready = server.events.find((e) => e.event === 'ready');
    assert.match(ready?.description ?? '', /^0\.0\.0\.0:10067 bound to device sy-a \(host 10\.78\.1\.1\)/);
  });

  // Bursts, as a fleet of VMs booting at once sends them. 200 datagrams of 300 bytes (about 1.3 KiB each as the kernel counts) fit in the server's receive
  // buffer (it asks for 4 MiB; Linux gives 2 × rmem_max, 416 KiB by default) even if none were read yet,
  // so a loss here is the transport's, not the kernel's.
  test('a burst of 200 datagrams arrives whole and in order', async () => {
    const mark = server.events.length;
    clientA.command({
      cmd: 'burst',
      count: 200,
      size: 300,
      port: SERVER_PORT,
      address: '10.78.1.1',
      data: 'b',
    });
    await clientA.waitFor((e) => e.event === 'sent', WAIT_MS);
    const last = 'b-199'.padEnd(300, '.');
    await server.waitFor((e) => e.event === 'message' && e.data === last, WAIT_MS, mark);
    const got = server.events.slice(mark).filter((e) => e.event === 'message' && e.socket === 'transport');
    assert.deepEqual(
      got.map((e) => e.data),
      Array.from({ length: 200 }, (_, i) => `b-${i}`.padEnd(300, '.')),
    );
    assert.ok(got.every((e) => e.from?.address === '10.78.1.2' && e.from.port === got[0]?.from?.port));
  });

  // 120: the client's plain dgram socket has the default 208 KiB buffer, about 160 such datagrams, and
  // reads slowly (a JSON line per datagram).
  test('120 replies sent in one turn all leave, in order, each reported sent', async () => {
    const mark = clientA.events.length;
    const items = Array.from({ length: 120 }, (_, i) => ({
      port: CLIENT_PORT,
      address: '10.78.1.2',
      data: `r-${i}`.padEnd(300, '.'),
    }));
    server.command({ cmd: 'send-batch', items });
    const sent = await server.waitFor((e) => e.event === 'sent-batch', WAIT_MS);
    assert.deepEqual((sent as { results?: unknown[] }).results, new Array(120).fill(null));
    await clientA.waitFor((e) => e.event === 'message' && e.data === items[119]?.data, WAIT_MS, mark);
    const got = clientA.events.slice(mark).filter((e) => e.event === 'message');
    assert.deepEqual(
      got.map((e) => e.data),
      items.map((it) => it.data),
    );
  });

  test('a reply that cannot be sent (port 0) is reported to its sender; the others still leave', async () => {
    const mark = clientA.events.length;
    const from = server.events.length;
    server.command({
      cmd: 'send-batch',
      items: [
        { port: CLIENT_PORT, address: '10.78.1.2', data: 'before' },
        { port: 0, address: '10.78.1.2', data: 'bad' },
        { port: CLIENT_PORT, address: '10.78.1.2', data: 'after' },
      ],
    });
    const sent = await server.waitFor((e) => e.event === 'sent-batch', WAIT_MS, from);
    // dgram refuses port 0 before any syscall (ERR_SOCKET_BAD_PORT); the kernel would say EINVAL
    assert.deepEqual((sent as { results?: unknown[] }).results, [null, 'ERR_SOCKET_BAD_PORT', null]);
    await clientA.waitFor((e) => e.event === 'message' && e.data === 'after', WAIT_MS, mark);
    assert.deepEqual(
      clientA.events
        .slice(mark)
        .filter((e) => e.event === 'message')
        .map((e) => e.data),
      ['before', 'after'],
    );
  });

  test('(a) a broadcast from the client on the bound link is received', async () => {
    const mark = server.events.length;
    clientA.command({ cmd: 'send', port: SERVER_PORT, address: '255.255.255.255', data: 'from-A' });
    await clientA.waitFor((e) => e.event === 'sent', WAIT_MS);
    const got = await server.waitFor((e) => e.event === 'message' && e.socket === 'transport', WAIT_MS, mark);
    assert.equal(got.data, 'from-A');
    assert.deepEqual(got.from, { address: '10.78.1.2', port: got.from?.port });
    // The control socket is bound to sy-b: it must not see A's broadcast either.
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.equal(
      server.events.slice(mark).filter((e) => e.event === 'message' && e.socket === 'control').length,
      0,
    );
  });

  test('(b) a broadcast from the client on the other link is not received', async () => {
    const mark = server.events.length;
    clientB.command({ cmd: 'send', port: SERVER_PORT, address: '255.255.255.255', data: 'from-B' });
    await clientB.waitFor((e) => e.event === 'sent', WAIT_MS);
    // Proof that it did reach the server's port: the control socket (bound to sy-b) got it...
    const control = await server.waitFor(
      (e) => e.event === 'message' && e.socket === 'control',
      WAIT_MS,
      mark,
    );
    assert.equal(control.data, 'from-B');
    // ...while the transport bound to sy-a did not.
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const leaked = server.events.slice(mark).filter((e) => e.event === 'message' && e.socket === 'transport');
    assert.deepEqual(leaked, []);
  });

  test('(c) a reply to 255.255.255.255 leaves by the bound link only, with no route', async () => {
    const markA = clientA.events.length;
    const markB = clientB.events.length;
    const markS = server.events.length;
    server.command({ cmd: 'send', port: CLIENT_PORT, address: '255.255.255.255', data: 'reply' });
    const sent = await server.waitFor((e) => e.event === 'sent' || e.event === 'send-error', WAIT_MS, markS);
    assert.equal(sent.event, 'sent', JSON.stringify(sent)); // no ENETUNREACH
    const got = await clientA.waitFor((e) => e.event === 'message', WAIT_MS, markA);
    assert.equal(got.data, 'reply');
    assert.equal(got.from?.address, '10.78.1.1');
    assert.equal(got.from?.port, SERVER_PORT);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.deepEqual(
      clientB.events.slice(markB).filter((e) => e.event === 'message'),
      [],
    );
  });

  test('control: an unbound socket in the same namespace gets ENETUNREACH for that reply', async () => {
    const mark = server.events.length;
    server.command({ cmd: 'send-unbound', port: CLIENT_PORT, address: '255.255.255.255', data: 'x' });
    const r = await server.waitFor((e) => e.event === 'sent' || e.event === 'send-error', WAIT_MS, mark);
    assert.equal(r.code, 'ENETUNREACH', JSON.stringify(r));
  });

  test('a second server on the same interface and port fails with a clear EADDRINUSE message', async () => {
    const mark = server.events.length;
    server.command({ cmd: 'open-again' });
    const r = await server.waitFor(
      (e) => e.event === 'open-failed' || e.event === 'opened-again',
      WAIT_MS,
      mark,
    );
    assert.equal(r.event, 'open-failed');
    assert.equal(r.name, 'EnvironmentError');
    assert.match(
      r.message ?? '',
      /^UDP port 10067 on sy-a is in use by another process \(another DHCP server\?\)/,
    );
  });

  test('a missing interface fails with a clear ENODEV message', async () => {
    const p = start(ns.s, [
      '--mode=server',
      '--if=sy-nope',
      '--host=10.78.1.1',
      `--port=${SERVER_PORT + 10}`,
    ]);
    const r = await p.waitFor((e) => e.event === 'open-failed' || e.event === 'ready');
    assert.equal(r.event, 'open-failed');
    assert.equal(r.name, 'EnvironmentError');
    assert.match(
      r.message ?? '',
      /^network interface "sy-nope" does not exist \(setsockopt\(SO_BINDTODEVICE, sy-nope\) failed: No such device\)$/,
    );
  });

  test('after close the port is free again at once (no SO_REUSEADDR needed for UDP)', async () => {
    const port = SERVER_PORT + 20;
    const args = ['--mode=server', '--if=sy-a', '--host=10.78.1.1', `--port=${port}`];
    const first = start(ns.s, args);
    assert.equal((await first.waitFor((e) => e.event !== 'garbage')).event, 'ready');
    await first.stop();
    const second = start(ns.s, args);
    assert.equal((await second.waitFor((e) => e.event !== 'garbage')).event, 'ready');
  });

  test('windows.ts code path, run on Linux: unicast bind, then EADDRINUSE and EADDRNOTAVAIL messages', async () => {
    // Only the Node side of windows.ts (bind, setBroadcast, error mapping); Windows semantics are not tested here.
    const port = SERVER_PORT + 30;
    const w = start(ns.s, [
      '--mode=server',
      '--platform=win32',
      '--if=sy-a',
      '--host=10.78.1.1',
      `--port=${port}`,
    ]);
    const ready = await w.waitFor((e) => e.event !== 'garbage');
    assert.equal(ready.event, 'ready', JSON.stringify(ready));
    assert.match(ready.description ?? '', /^10\.78\.1\.1:10097 on sy-a \(unicast bind, exclusive\)/);
    const mark = w.events.length;
    w.command({ cmd: 'open-again' });
    const again = await w.waitFor(
      (e) => e.event === 'open-failed' || e.event === 'opened-again',
      WAIT_MS,
      mark,
    );
    assert.match(
      again.message ?? '',
      /^UDP port 10097 on sy-a \(10\.78\.1\.1\) is in use by another process/,
    );
    const bad = start(ns.s, [
      '--mode=server',
      '--platform=win32',
      '--if=sy-x',
      '--host=10.99.99.99',
      `--port=${port}`,
    ]);
    const failed = await bad.waitFor((e) => e.event !== 'garbage');
    assert.equal(failed.event, 'open-failed');
    assert.match(failed.message ?? '', /^10\.99\.99\.99 is not assigned to any adapter/);
  });
});

// Pure: the error mapping (runs everywhere, no root).
test('describeOpenError maps errno codes to actionable messages', () => {
  const sys = (code: string, message: string) => Object.assign(new Error(message), { code });
  const inUse = describeOpenError(
    sys('EADDRINUSE', 'bind(0.0.0.0:67) failed: Address already in use'),
    'sy-br0',
    67,
  );
  assert.ok(inUse instanceof EnvironmentError);
  assert.equal(
    inUse.message,
    'UDP port 67 on sy-br0 is in use by another process (another DHCP server?) (bind(0.0.0.0:67) failed: Address already in use)',
  );
  assert.match(
    describeOpenError(sys('ENODEV', 'x'), 'sy-br0', 67).message,
    /^network interface "sy-br0" does not exist/,
  );
  for (const code of ['EPERM', 'EACCES']) {
    assert.match(
      describeOpenError(sys(code, 'x'), 'sy-br0', 67).message,
      /run as root, or grant CAP_NET_BIND_SERVICE .* CAP_NET_RAW/,
    );
  }
  assert.match(
    describeOpenError(sys('ENOBUFS', 'y'), 'sy-br0', 67).message,
    /^cannot open UDP port 67 on sy-br0 \(y\)$/,
  );
});
