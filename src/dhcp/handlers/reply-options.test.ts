/**
 * The scope's option bytes are encoded once and reused (scope-bytes.ts): a reply must still carry the
 * scope's values as they are now, after a new scope is set on the cell (a reload), and the shared bytes
 * must not be changed by anything a reply does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhclient } from '../../../test/support/client-packets.js';
import { parseConfig } from '../../config/load.js';
import { formatIpv4, ipv4 } from '../../net/ipv4.js';
import { LeaseDb } from '../lease-db.js';
import { Opt } from '../message.js';
import { getIps, getString, getU32 } from '../options.js';
import { resolveScope } from '../scope.js';
import { decode, encode } from '../wire.js';
import { handle } from './chain.js';
import { policyContext } from './exchange.js';

const T = Date.UTC(2026, 10, 24);

test('replies follow a new scope set on the cell (lease time, DNS servers, domain)', () => {
  const c = parseConfig(
    'switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: { leaseTime: 1h }\n    dns: { domain: one.test }\n',
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  assert.ok(r.ok);
  const scope = r.scope;
  const ctx = policyContext(scope, new LeaseDb(scope));
  const offer = (i: number): ReturnType<typeof handle> => {
    const d = decode(dhclient.discover({ mac: `02:00:00:00:00:0${i}` }).bytes);
    assert.ok(d.ok);
    return handle(d.msg, T, ctx);
  };
  const first = offer(1).reply!;
  assert.equal(getU32(first.options, Opt.LEASE_TIME), 3600);
  assert.equal(getString(first.options, Opt.DOMAIN_NAME), 'one.test');
  const bytesBefore = encode(first);

  ctx.set({
    ...scope,
    leaseMs: 7200 * 1000,
    dnsServers: [...scope.dnsServers, ipv4('10.9.0.53')],
    domain: 'two.test',
  });
  const second = offer(2).reply!;
  assert.equal(getU32(second.options, Opt.LEASE_TIME), 7200);
  assert.equal(getU32(second.options, Opt.RENEWAL_TIME), 3600);
  assert.deepEqual(getIps(second.options, Opt.DNS_SERVERS)?.map(formatIpv4).at(-1), '10.9.0.53');
  assert.equal(getString(second.options, Opt.DOMAIN_NAME), 'two.test');
  assert.deepEqual(encode(first), bytesBefore, 'the first reply is unchanged by the second');
});
