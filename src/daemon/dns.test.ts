import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { fixedClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { LeaseDb } from '../dhcp/lease-db.js';
import { resolveScope } from '../dhcp/scope.js';
import { NO_FLAGS, Rcode, RrClass, RrType } from '../dns/message.js';
import { decodeMessage, encodeMessage } from '../dns/wire.js';
import { memoryLogger } from '../log.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import { startDns } from './dns.js';
import { freeUdpPort } from '../../test/support/ports.js';

const T0 = 1_700_000_000_000;
const config = parseConfig(
  `switches:
  - name: lo-test
    subnet: 127.0.0.0/8
    host: 127.0.0.1
    dhcp:
      pool: 127.0.0.100-127.0.0.199
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 127.0.0.10 }
    dns: { domain: test.internal, upstream: [127.0.0.1] }
`,
  't.yaml',
);

async function ask(port: number, name: string): Promise<ReturnType<typeof decodeMessage>> {
  const s = createSocket('udp4');
  try {
    const q = encodeMessage({
      id: 7,
      flags: { ...NO_FLAGS, rd: true },
      questions: [{ name, type: RrType.A, class: RrClass.IN }],
      answers: [],
      authority: [],
      additional: [],
    });
    const reply = new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new Error('no answer in 2 s'));
      }, 2000);
      s.once('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
    s.send(q, port, '127.0.0.1');
    return decodeMessage(await reply);
  } finally {
    s.close();
  }
}

test('startDns: answers the names of the leases and reservations; a taken port is reported, not thrown', async () => {
  const clock = fixedClock(T0);
  const sw = config.switches[0]!;
  const r = resolveScope(sw, { address: ipv4('127.0.0.1'), prefix: 8 }, 'linux');
  assert.ok(r.ok);
  const db = new LeaseDb(r.scope);
  const mac = '02:00:00:00:00:42' as Mac;
  const choice = db.choose(mac, undefined, T0);
  assert.ok('ip' in choice);
  db.offer(mac, choice.ip, T0, { hostname: 'Builder' });
  db.bind(mac, choice.ip, T0, { hostname: 'Builder' });
  const port = await freeUdpPort();
  const log = memoryLogger('debug');
  const opts = {
    config,
    scopes: [r.scope],
    dbs: [db],
    log,
    clock,
    platform: 'linux' as const,
    port,
    wslSubnet: cidr('10.89.0.0/24'),
  };
  const dns = await startDns(opts);
  try {
    const a = await ask(port, 'web1.test.internal');
    assert.ok(a.ok);
    assert.deepEqual(a.message.answers[0]?.data, { kind: 'a', address: ipv4('127.0.0.10') });
    const b = await ask(port, 'builder.test.internal');
    assert.ok(b.ok);
    assert.deepEqual(b.message.answers[0]?.data, { kind: 'a', address: choice.ip });
    assert.equal(dns.status()[0]?.listening, `udp+tcp 127.0.0.1:${port}`);

    // a lease released: the name is gone at the next query (the book follows the lease db's generation)
    db.release(mac, choice.ip, T0 + 1000);
    const gone = await ask(port, 'builder.test.internal');
    assert.ok(gone.ok);
    assert.equal(gone.message.flags.rcode, Rcode.NXDOMAIN);

    // a second daemon on the same port: DNS says why it is not serving, and nothing throws
    const second = await startDns({ ...opts, log: memoryLogger('debug') });
    try {
      const st = second.status()[0]!;
      assert.equal(st.listening, undefined);
      assert.match(st.error ?? '', /in use by another process/);
    } finally {
      await second.stop();
    }
  } finally {
    await dns.stop();
  }
});
