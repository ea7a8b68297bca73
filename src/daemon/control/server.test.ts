import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EnvironmentError } from '../../errors.js';
import { callDaemon } from './client.js';
import { MAX_REQUEST_BYTES } from './protocol.js';
import { startControlServer, type ControlHandlers, type ControlServerOptions } from './server.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sy-ctl-'));
  dirs.push(d);
  return d;
}

const handlers: ControlHandlers = {
  status: () => ({ uptime: 1, switches: ['sy0'] }),
  leases: () => Promise.resolve([{ mac: '00:15:5d:00:00:01', ip: '10.9.0.100' }]),
  reload: () => Promise.resolve({ reloaded: true }),
};

async function withServer(
  fn: (path: string) => Promise<void>,
  opts: Partial<ControlServerOptions> = {},
): Promise<void> {
  const path = join(stateDir(), 'control.sock');
  const server = await startControlServer({ path, handlers, ...opts });
  try {
    await fn(path);
  } finally {
    await server.close();
  }
}

/** Sends raw bytes and collects everything until the server closes the connection. */
function raw(path: string, payload: string | Buffer, o: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = createConnection(path, () => {
      if (o.end === true) s.end(payload);
      else s.write(payload);
    });
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('error', reject);
    s.on('close', () => {
      resolve(text);
    });
  });
}

function response(text: string): { id?: number; ok: boolean; result?: unknown; error?: string } {
  assert.equal(text.indexOf('\n'), text.length - 1, `one line: ${JSON.stringify(text)}`);
  return JSON.parse(text) as { id?: number; ok: boolean; result?: unknown; error?: string };
}

async function stillAnswers(path: string): Promise<void> {
  assert.deepEqual(await callDaemon(path, 'status'), {
    running: true,
    ok: true,
    result: { uptime: 1, switches: ['sy0'] },
  });
}

describe('control server: requests', () => {
  test('each method round-trips through a real Unix socket', () =>
    withServer(async (path) => {
      await stillAnswers(path);
      assert.deepEqual(await callDaemon(path, 'leases'), {
        running: true,
        ok: true,
        result: [{ mac: '00:15:5d:00:00:01', ip: '10.9.0.100' }],
      });
      assert.deepEqual(await callDaemon(path, 'reload'), {
        running: true,
        ok: true,
        result: { reloaded: true },
      });
    }));

  test('a client that half-closes after an unterminated request still gets its answer', () =>
    withServer(async (path) => {
      const r = response(await raw(path, '{"id":5,"method":"status"}', { end: true }));
      assert.deepEqual(r, { id: 5, ok: true, result: { uptime: 1, switches: ['sy0'] } });
    }));

  test('garbage, an unknown method and bad params get error responses; the next client is served', () =>
    withServer(async (path) => {
      assert.match(response(await raw(path, 'hello\n')).error ?? '', /not JSON/);
      assert.deepEqual(response(await raw(path, '{"id":3,"method":"shutdown"}\n')), {
        id: 3,
        ok: false,
        error: 'unknown method "shutdown"; expected one of status, leases, reload',
      });
      assert.match(
        response(await raw(path, '{"id":4,"method":"status","params":7}\n')).error ?? '',
        /params/,
      );
      assert.match(response(await raw(path, Buffer.from([0xff, 0xfe, 0x00, 0x0a]))).error ?? '', /not JSON/);
      await stillAnswers(path);
    }));

  test('an oversized request is refused and not buffered; the next client is served', () =>
    withServer(async (path) => {
      const big = Buffer.alloc(MAX_REQUEST_BYTES + 10, 0x61);
      const r = response(await raw(path, big));
      assert.match(r.error ?? '', /longer than 65536 bytes/);
      await stillAnswers(path);
    }));

  test('a half-open client (partial line, then silence) is answered with an error and cut off', () =>
    withServer(
      async (path) => {
        const started = Date.now();
        const r = response(await raw(path, '{"id":1,"meth'));
        assert.match(r.error ?? '', /no complete request line within 200 ms/);
        assert.ok(Date.now() - started < 3000);
        await stillAnswers(path);
      },
      { requestTimeoutMs: 200 },
    ));

  test('a client that connects and sends nothing is cut off', () =>
    withServer(
      async (path) => {
        const r = response(await raw(path, ''));
        assert.match(r.error ?? '', /no complete request/);
      },
      { requestTimeoutMs: 100 },
    ));

  test('a client that does not hang up after its answer is disconnected', () =>
    withServer(
      async (path) => {
        // raw() resolves only on close, and never closes by itself.
        const r = response(await raw(path, '{"id":1,"method":"status"}\nmore bytes that are dropped\n'));
        assert.equal(r.ok, true);
      },
      { requestTimeoutMs: 100 },
    ));
});

describe('control server: handlers', () => {
  const failing: ControlHandlers = {
    status: () => {
      throw new Error('status exploded');
    },
    leases: () => Promise.reject(new Error('journal unreadable')),
    reload: () => new Promise(() => undefined),
  };

  test('a throwing or rejecting handler gives ok:false, and the daemon goes on', async () => {
    const path = join(stateDir(), 'control.sock');
    const logs: string[] = [];
    const server = await startControlServer({
      path,
      handlers: failing,
      log: (m) => logs.push(m),
      handlerTimeoutMs: 100,
    });
    try {
      assert.deepEqual(await callDaemon(path, 'status'), {
        running: true,
        ok: false,
        error: 'status exploded',
      });
      assert.deepEqual(await callDaemon(path, 'leases'), {
        running: true,
        ok: false,
        error: 'journal unreadable',
      });
      assert.deepEqual(await callDaemon(path, 'reload'), {
        running: true,
        ok: false,
        error: 'reload did not finish within 100 ms',
      });
      assert.deepEqual(await callDaemon(path, 'status'), {
        running: true,
        ok: false,
        error: 'status exploded',
      });
      assert.ok(logs.some((l) => l.includes('status exploded')));
    } finally {
      await server.close();
    }
  });

  test('a result JSON cannot carry becomes an error response', async () => {
    const path = join(stateDir(), 'control.sock');
    const server = await startControlServer({ path, handlers: { ...handlers, status: () => ({ n: 1n }) } });
    try {
      const r = await callDaemon(path, 'status');
      assert.ok(r.running && !r.ok);
      assert.match(r.error, /could not be encoded as JSON/);
    } finally {
      await server.close();
    }
  });
});

describe('control server: the socket file', () => {
  test('is a socket with mode 0600, and close() removes it', async () => {
    const path = join(stateDir(), 'control.sock');
    const server = await startControlServer({ path, handlers });
    const st = lstatSync(path);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    await server.close();
    assert.ok(!existsSync(path));
    assert.deepEqual(await callDaemon(path, 'status'), { running: false });
  });

  test('a second server on the same path is refused while the first runs', () =>
    withServer(async (path) => {
      await assert.rejects(
        startControlServer({ path, handlers }),
        (e: unknown) =>
          e instanceof EnvironmentError &&
          e.message === `another switchyard daemon is already running with state dir ${join(path, '..')}`,
      );
      await stillAnswers(path);
    }));

  test('a stale socket file left by a killed daemon is replaced', async () => {
    const path = join(stateDir(), 'control.sock');
    const r = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(lstatSync(path).isSocket());
    const logs: string[] = [];
    const server = await startControlServer({ path, handlers, log: (m) => logs.push(m) });
    try {
      await stillAnswers(path);
      assert.deepEqual(logs, [`removing stale control socket ${path}`]);
    } finally {
      await server.close();
    }
  });

  test('a file that is not a socket is left alone and refused', async () => {
    const path = join(stateDir(), 'control.sock');
    writeFileSync(path, 'precious');
    await assert.rejects(startControlServer({ path, handlers }), /exists and is not a socket/);
    assert.ok(lstatSync(path).isFile());
  });

  test('a state dir others can write to is refused', async () => {
    const dir = stateDir();
    chmodSync(dir, 0o777);
    await assert.rejects(
      startControlServer({ path: join(dir, 'control.sock'), handlers }),
      /writable by others \(mode 777\)/,
    );
  });

  test('a missing state dir is created 0700', async () => {
    const dir = join(stateDir(), 'nested');
    const server = await startControlServer({ path: join(dir, 'control.sock'), handlers });
    try {
      assert.equal(lstatSync(dir).mode & 0o777, 0o700);
    } finally {
      await server.close();
    }
  });

  test('a path longer than sun_path allows is refused (Node would silently truncate it)', async () => {
    const path = join(stateDir(), 'x'.repeat(120), 'control.sock');
    await assert.rejects(startControlServer({ path, handlers }), /use a shorter --state-dir/);
  });
});

describe('control server: limits', () => {
  test('connections beyond maxConnections are closed; freed slots are reused', () =>
    withServer(
      async (path) => {
        const idle: Socket[] = [];
        for (let i = 0; i < 2; i++) {
          const s = createConnection(path);
          s.on('error', () => undefined);
          await new Promise((resolve) => s.once('connect', resolve));
          idle.push(s);
        }
        const refused = await callDaemon(path, 'status');
        assert.ok(refused.running && !refused.ok);
        for (const s of idle) s.destroy();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await stillAnswers(path);
      },
      { maxConnections: 2 },
    ));
});

const isRoot = process.getuid?.() === 0;

/** Connects as uid/gid 65534 (nobody) with no supplementary groups; prints the error code or "connected". */
function connectAsNobody(path: string): Promise<string> {
  const script = `require('net').createConnection(${JSON.stringify(path)})
    .on('connect', function () { console.log('connected'); this.destroy(); })
    .on('error', (e) => console.log(e.code));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534, cwd: '/' });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => {
      resolve(out.trim());
    });
  });
}

describe(
  'control server: other users',
  { skip: isRoot ? false : 'needs root to run a client as another user' },
  () => {
    test('cannot connect through the 0700 state dir (EACCES)', () =>
      withServer(async (path) => {
        assert.equal(await connectAsNobody(path), 'EACCES');
      }));

    test('cannot connect even where the directory is open: the socket itself is 0600 (EACCES)', async () => {
      const dir = stateDir();
      chmodSync(dir, 0o755);
      const path = join(dir, 'control.sock');
      const server = await startControlServer({ path, handlers });
      try {
        assert.equal(await connectAsNobody(path), 'EACCES');
        chmodSync(path, 0o666); // control: the same client gets in once the mode allows it
        assert.equal(await connectAsNobody(path), 'connected');
      } finally {
        await server.close();
      }
    });
  },
);
