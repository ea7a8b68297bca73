import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ipv4 } from '../../net/ipv4.js';
import { Rcode, RrClass, RrType, type Answer, type Question } from '../message.js';
import { ipv6Bytes, osResolverUpstream, OS_TTL, type LookupAll } from './os-resolver.js';
import { UpstreamError, type Upstream } from './upstream.js';

const q = (name: string, type: number): Question => ({ name, type, class: RrClass.IN });
const never = new AbortController().signal;

function fallback(): Upstream & { asked: Question[] } {
  const asked: Question[] = [];
  return {
    asked,
    description: 'fallback',
    close: () => undefined,
    resolve: (question) => {
      asked.push(question);
      return Promise.resolve<Answer>({ rcode: Rcode.NOERROR, answers: [], authority: [], additional: [] });
    },
  };
}

function notFound(): Error {
  return Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
}

describe('osResolverUpstream (Windows: getaddrinfo for A/AAAA)', () => {
  test('A comes from getaddrinfo, under the asked name, with the fixed TTL', async () => {
    const calls: [string, number][] = [];
    const lookup: LookupAll = (name, family) => {
      calls.push([name, family]);
      return Promise.resolve([
        { address: '10.1.2.3', family: 4 },
        { address: '10.1.2.4', family: 4 },
      ]);
    };
    const fb = fallback();
    const a = await osResolverUpstream(lookup, fb).resolve(q('intranet.corp', RrType.A), never);
    assert.deepEqual(calls, [['intranet.corp', 4]]);
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.deepEqual(
      a.answers.map((r) => [r.name, r.type, r.ttl, r.data]),
      [
        ['intranet.corp', RrType.A, OS_TTL, { kind: 'a', address: ipv4('10.1.2.3') }],
        ['intranet.corp', RrType.A, OS_TTL, { kind: 'a', address: ipv4('10.1.2.4') }],
      ],
    );
    assert.equal(fb.asked.length, 0);
  });

  test('AAAA answers carry the 16 address bytes', async () => {
    const lookup: LookupAll = () => Promise.resolve([{ address: 'fd00::1:2', family: 6 }]);
    const a = await osResolverUpstream(lookup, fallback()).resolve(q('v6.corp', RrType.AAAA), never);
    assert.deepEqual(a.answers[0]?.data, { kind: 'raw', bytes: ipv6Bytes('fd00::1:2') });
    assert.deepEqual([...ipv6Bytes('fd00::1:2')], [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
  });

  test('no A but an AAAA: NODATA, not NXDOMAIN; neither: NXDOMAIN', async () => {
    const v6only: LookupAll = (_n, family) =>
      family === 6 ? Promise.resolve([{ address: '::1', family: 6 }]) : Promise.reject(notFound());
    const a = await osResolverUpstream(v6only, fallback()).resolve(q('x', RrType.A), never);
    assert.equal(a.rcode, Rcode.NOERROR);
    assert.equal(a.answers.length, 0);
    const none: LookupAll = () => Promise.reject(notFound());
    const n = await osResolverUpstream(none, fallback()).resolve(q('x', RrType.A), never);
    assert.equal(n.rcode, Rcode.NXDOMAIN);
  });

  test('other types go to the fallback (they do not follow NRPT)', async () => {
    const fb = fallback();
    await osResolverUpstream(() => Promise.reject(new Error('unused')), fb).resolve(
      q('corp', RrType.MX),
      never,
    );
    assert.deepEqual(fb.asked, [q('corp', RrType.MX)]);
  });

  test('a resolver error other than not-found rejects (→ SERVFAIL); a hanging one rejects at the deadline', async () => {
    const broken: LookupAll = () =>
      Promise.reject(Object.assign(new Error('EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    await assert.rejects(
      osResolverUpstream(broken, fallback()).resolve(q('x', RrType.A), never),
      UpstreamError,
    );
    const hang: LookupAll = () => new Promise(() => undefined);
    const started = Date.now();
    const deadline = new AbortController();
    setTimeout(() => {
      deadline.abort();
    }, 100);
    await assert.rejects(
      osResolverUpstream(hang, fallback()).resolve(q('x', RrType.A), deadline.signal),
      /deadline/,
    );
    assert.ok(Date.now() - started < 1000);
  });

  test('at most two lookups run at once; the rest wait for a thread', async () => {
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const lookup: LookupAll = () =>
      new Promise((resolve) => {
        running++;
        peak = Math.max(peak, running);
        releases.push(() => {
          running--;
          resolve([{ address: '10.0.0.1', family: 4 }]);
        });
      });
    const up = osResolverUpstream(lookup, fallback());
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => up.resolve(q(`n${i}`, RrType.A), never)));
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      releases.shift()?.();
    }
    const out = await all;
    assert.equal(peak, 2);
    assert.equal(out.length, 5);
  });

  test('ipv6Bytes: embedded IPv4, zone ids, and bad text', () => {
    assert.deepEqual([...ipv6Bytes('::ffff:10.0.0.1')].slice(10), [0xff, 0xff, 10, 0, 0, 1]);
    assert.equal(ipv6Bytes('fe80::1%eth0')[15], 1);
    assert.equal(ipv6Bytes('1:2:3:4:5:6:7:8')[15], 8);
    for (const bad of ['1::2::3', '1:2:3', 'xyz::1', '1:2:3:4:5:6:7:8::']) {
      assert.throws(() => ipv6Bytes(bad), UpstreamError, bad);
    }
  });
});
