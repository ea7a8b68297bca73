/**
 * The forwarder against a real DNS server on loopback (dnsmasq, as in wire-real.test.ts): a UDP answer,
 * and an answer too big for UDP that only TCP can bring (the TC bit, RFC 7766 §5).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ipv4 } from '../../net/ipv4.js';
import { RrClass, RrType } from '../message.js';
import { serversUpstream } from './servers.js';
import { UpstreamError } from './upstream.js';
import { freeUdpPort } from '../../../test/support/ports.js';

const LOOPBACK = ipv4('127.0.0.1');
const BIG = 120; // 120 A records ≈ 2 KB: more than the 1232 bytes we ask for over UDP

const never = new AbortController().signal;

describe('serversUpstream against dnsmasq on loopback', () => {
  let dir = '';
  let dnsmasq: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-upstream-'));
    const hosts = join(dir, 'hosts');
    writeFileSync(
      hosts,
      Array.from({ length: BIG }, (_, i) => `198.51.100.${i + 1} big.test`).join('\n') + '\n',
    );
    port = await freeUdpPort();
    dnsmasq = spawn(
      'dnsmasq',
      [
        '--keep-in-foreground',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        `--addn-hosts=${hosts}`,
        '--address=/one.test/192.0.2.7',
        '--local-ttl=60',
        '--conf-file=/dev/null',
        '--pid-file=',
        '--user=root',
      ],
      { stdio: 'ignore' },
    );
    // ready when it answers (bounded)
    const up = serversUpstream({ servers: () => [LOOPBACK], port, attemptTimeoutMs: 200, description: 't' });
    for (let i = 0; i < 25; i++) {
      const ok = await up.resolve({ name: 'one.test', type: RrType.A, class: RrClass.IN }, never).then(
        () => true,
        () => false,
      );
      if (ok) return;
    }
    throw new Error('dnsmasq did not come up');
  });

  after(() => {
    dnsmasq?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('a small answer over UDP, with the TTL the server gave', async () => {
    const up = serversUpstream({ servers: () => [LOOPBACK], port, description: 't' });
    const a = await up.resolve({ name: 'one.test', type: RrType.A, class: RrClass.IN }, never);
    assert.equal(a.rcode, 0);
    assert.deepEqual(
      a.answers.map((r) => [r.data, r.ttl]),
      [[{ kind: 'a', address: ipv4('192.0.2.7') }, 60]],
    );
  });

  test('an answer too big for UDP comes back whole over TCP', async () => {
    const up = serversUpstream({ servers: () => [LOOPBACK], port, description: 't' });
    const a = await up.resolve({ name: 'big.test', type: RrType.A, class: RrClass.IN }, never);
    assert.equal(a.answers.length, BIG);
  });
});

describe('serversUpstream failures', () => {
  test('nobody listening: rejects after two rounds of its own try timeouts, not at the caller deadline', async () => {
    const port = await freeUdpPort();
    const up = serversUpstream({ servers: () => [LOOPBACK], port, attemptTimeoutMs: 300, description: 't' });
    const started = Date.now();
    await assert.rejects(
      up.resolve({ name: 'x.test', type: RrType.A, class: RrClass.IN }, never),
      UpstreamError,
    );
    const took = Date.now() - started;
    assert.ok(took >= 550 && took < 2000, `${took} ms`);
  });

  test('the deadline aborts a try in flight', async () => {
    // a socket that receives and never answers
    const mute = createSocket('udp4');
    await new Promise<void>((r) => {
      mute.bind(0, '127.0.0.1', () => {
        r();
      });
    });
    try {
      const up = serversUpstream({
        servers: () => [LOOPBACK],
        port: mute.address().port,
        attemptTimeoutMs: 5000,
        description: 't',
      });
      const deadline = new AbortController();
      setTimeout(() => {
        deadline.abort();
      }, 150);
      const started = Date.now();
      await assert.rejects(
        up.resolve({ name: 'x.test', type: RrType.A, class: RrClass.IN }, deadline.signal),
        /deadline/,
      );
      assert.ok(Date.now() - started < 1000);
    } finally {
      mute.close();
    }
  });

  test('our own address is never an upstream: no servers left is an error at once', async () => {
    const up = serversUpstream({ servers: () => [LOOPBACK], exclude: [LOOPBACK], description: 't' });
    await assert.rejects(
      up.resolve({ name: 'x.test', type: RrType.A, class: RrClass.IN }, never),
      /no upstream DNS server/,
    );
  });
});
