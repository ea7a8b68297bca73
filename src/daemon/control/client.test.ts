import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { callDaemon } from './client.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function socketPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'sy-client-'));
  dirs.push(d);
  return join(d, 'control.sock');
}

/** A stand-in daemon that does whatever the test says with each connection (and reads to the end). */
async function fakeDaemon(path: string, onConnection: (s: Socket) => void): Promise<Server> {
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.resume();
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

describe('callDaemon', () => {
  test('no socket file: not running', async () => {
    assert.deepEqual(await callDaemon(socketPath(), 'status'), { running: false });
  });

  test('a socket file nobody listens on (a daemon that died): not running', async () => {
    const path = socketPath();
    const r = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(existsSync(path));
    assert.deepEqual(await callDaemon(path, 'status'), { running: false });
  });

  test('sends one request line and returns the result', async () => {
    const path = socketPath();
    let got = '';
    const server = await fakeDaemon(path, (s) => {
      s.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.endsWith('\n')) s.end('{"id":1,"ok":true,"result":[1,2]}\n');
      });
    });
    try {
      assert.deepEqual(await callDaemon(path, 'leases', { a: 1 }), {
        running: true,
        ok: true,
        result: [1, 2],
      });
      assert.deepEqual(JSON.parse(got), { id: 1, method: 'leases', params: { a: 1 } });
    } finally {
      await closeServer(server);
    }
  });

  test('an error response is passed on', async () => {
    const path = socketPath();
    const server = await fakeDaemon(path, (s) => s.end('{"id":1,"ok":false,"error":"nope"}\n'));
    try {
      assert.deepEqual(await callDaemon(path, 'reload'), { running: true, ok: false, error: 'nope' });
    } finally {
      await closeServer(server);
    }
  });

  test('a daemon that never answers: an error naming the timeout', async () => {
    const path = socketPath();
    const server = await fakeDaemon(path, () => undefined);
    try {
      const started = Date.now();
      const r = await callDaemon(path, 'status', {}, { timeoutMs: 150 });
      assert.ok(r.running && !r.ok);
      assert.match(r.error, /did not answer within 150 ms/);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await closeServer(server);
    }
  });

  test('a daemon that hangs up without answering, or answers garbage or to another id', async () => {
    const path = socketPath();
    const answers = ['', 'garbage\n', '{"id":2,"ok":true,"result":null}\n'];
    const server = await fakeDaemon(path, (s) => s.end(answers.shift() ?? ''));
    try {
      for (const want of [/without answering/, /unreadable answer/, /answered request 2/]) {
        const r = await callDaemon(path, 'status');
        assert.ok(r.running && !r.ok);
        assert.match(r.error, want);
      }
    } finally {
      await closeServer(server);
    }
  });
});
