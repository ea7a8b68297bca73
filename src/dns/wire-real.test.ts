/**
 * The codec against real DNS software on loopback: a query captured from dig, and an answer from dnsmasq to
 * a query we encoded. Loopback only, random ports, every wait bounded, child processes killed in finally.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { ipv4 } from '../net/ipv4.js';
import type { DnsMessage } from './message.js';
import { NO_FLAGS, RrClass, RrType } from './message.js';
import { decodeMessage, ednsOf, encodeMessage, optRecord } from './wire.js';

const LOOPBACK = '127.0.0.1';

function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, LOOPBACK, () => {
      resolve(s);
    });
  });
}

function nextMessage(s: Socket, ms: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const onMessage = (m: Buffer): void => {
      clearTimeout(timer);
      resolve(m);
    };
    const timer = setTimeout(() => {
      s.off('message', onMessage);
      resolve(undefined);
    }, ms);
    s.once('message', onMessage);
  });
}

function stop(p: ChildProcess | undefined): void {
  if (p !== undefined && p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
}

test('a real dig query decodes: question, RD and EDNS OPT with a cookie', async () => {
  const s = await bound();
  let dig: ChildProcess | undefined;
  try {
    const port = s.address().port;
    const got = nextMessage(s, 5000);
    dig = spawn('dig', [`@${LOOPBACK}`, '-p', String(port), '+tries=1', '+time=1', 'example.test', 'A'], {
      stdio: 'ignore',
    });
    const bytes = await got;
    assert.ok(bytes, 'dig sent a query within 5 s');
    const r = decodeMessage(bytes);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const m = r.message;
    assert.deepEqual(m.questions, [{ name: 'example.test', type: RrType.A, class: RrClass.IN }]);
    assert.equal(m.flags.rd, true);
    assert.equal(m.flags.qr, false);
    const edns = ednsOf(m);
    assert.ok(edns, 'dig sends EDNS by default');
    assert.equal(edns.version, 0);
    assert.ok(edns.udpSize >= 512, `udp size ${edns.udpSize}`);
    const opt = m.additional.find((x) => x.type === RrType.OPT)!;
    assert.ok(opt.data.kind === 'raw');
    assert.equal(
      (opt.data.bytes[0]! << 8) | opt.data.bytes[1]!,
      10,
      'first EDNS option is COOKIE (RFC 7873)',
    );
    assert.deepEqual(new Uint8Array(encodeMessage(m)), new Uint8Array(bytes), 're-encodes byte for byte');
  } finally {
    stop(dig);
    s.close();
  }
});

function startDnsmasq(port: number): ChildProcess {
  return spawn(
    'dnsmasq',
    [
      '--no-daemon',
      `--port=${port}`,
      `--listen-address=${LOOPBACK}`,
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--address=/x.test/192.0.2.7',
      '--conf-file=/dev/null',
      '--pid-file=',
    ],
    { stdio: 'ignore' },
  );
}

test('dnsmasq answers a query we encoded, and the answer decodes', async () => {
  const client = await bound();
  let dnsmasq: ChildProcess | undefined;
  try {
    const query: DnsMessage = {
      id: 0x5a17,
      flags: { ...NO_FLAGS, rd: true },
      questions: [{ name: 'web1.X.test', type: RrType.A, class: RrClass.IN }],
      answers: [],
      authority: [],
      additional: [optRecord(1232)],
    };
    let answer: Buffer | undefined;
    // A free port is found by trying: bind port 0 to learn one, release it, start dnsmasq on it; up to 3 tries.
    for (let attempt = 0; attempt < 3 && answer === undefined; attempt++) {
      const probe = await bound();
      const port = probe.address().port;
      probe.close();
      stop(dnsmasq);
      dnsmasq = startDnsmasq(port);
      for (let i = 0; i < 20 && answer === undefined && dnsmasq.exitCode === null; i++) {
        const reply = nextMessage(client, 250);
        client.send(encodeMessage(query), port, LOOPBACK);
        answer = await reply;
      }
    }
    assert.ok(answer, 'dnsmasq answered within the bounded retries');
    const r = decodeMessage(answer);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const m = r.message;
    assert.equal(m.id, 0x5a17);
    assert.equal(m.flags.qr, true);
    assert.equal(m.flags.rd, true);
    assert.equal(m.flags.rcode, 0);
    assert.deepEqual(m.questions, query.questions, 'question echoed with its case');
    assert.equal(m.answers.length, 1);
    const rr = m.answers[0]!;
    assert.equal(rr.name.toLowerCase(), 'web1.x.test');
    assert.equal(rr.type, RrType.A);
    assert.deepEqual(rr.data, { kind: 'a', address: ipv4('192.0.2.7') });
    assert.ok(ednsOf(m), 'EDNS answered with EDNS');
    assert.ok(
      answer.includes(Buffer.from([0xc0, 12])),
      'the answer owner is a compression pointer to the question',
    );
  } finally {
    stop(dnsmasq);
    client.close();
  }
});
