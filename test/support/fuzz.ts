/**
 * Packet fuzzing of the whole server path: random and mutated datagrams (mutations of captured real-client
 * packets) go through DhcpServer.onPacket — decode, policy chain, lease table, encode, destination — with a
 * fake transport and a synchronous store. The property: nothing ever escapes (stats.errors stays 0), and a
 * well-formed client still gets a lease afterwards.
 */
import { fixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/log.js';
import { STANDARD_PORTS } from '../../src/dhcp/destination.js';
import { LeaseDb } from '../../src/dhcp/lease-db.js';
import { policyContext } from '../../src/dhcp/handlers/exchange.js';
import type { Lease } from '../../src/dhcp/lease.js';
import type { LeaseStore, LoadResult } from '../../src/dhcp/lease-store.js';
import { Opt } from '../../src/dhcp/message.js';
import { getMessageType } from '../../src/dhcp/options.js';
import { resolveScope } from '../../src/dhcp/scope.js';
import { DhcpServer, type ServerStats } from '../../src/dhcp/server.js';
import { decode } from '../../src/dhcp/wire.js';
import { ipv4 } from '../../src/net/ipv4.js';
import { FakeTransport } from '../fakes/fake-transport.js';
import { dhclient } from './client-packets.js';
import { fixturePackets } from './fixtures.js';

class SyncStore implements LeaseStore {
  appended = 0;
  load(): Promise<LoadResult> {
    return Promise.resolve({ leases: [], problems: [] });
  }
  append(_switchName: string, records: readonly Lease[], done: (err: Error | null) => void): void {
    this.appended += records.length;
    done(null);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** xorshift32: deterministic for a seed, so a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const INTERESTING = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 52, 53, 54, 55, 57, 61, 81, 82, 119, 121, 255, 0x7f, 0x80, 0xfe,
];

export interface FuzzResult {
  iterations: number;
  decoded: number;
  replied: number;
  stats: ServerStats;
  /** The message type a clean DORA got at the end (5 = ACK). */
  finalReply: number | undefined;
}

export async function runFuzz(iterations: number, seed: number): Promise<FuzzResult> {
  const c = parseConfig(
    'switches:\n  - name: fz\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp:\n      relayAgents: [10.0.0.0/8]\n      staticRoutes: [{ to: 172.30.0.0/16, via: 10.9.0.1 }]\n      reservations: [{ name: r1, mac: "00:15:5d:00:00:01", ip: 10.9.0.10 }]\n',
    'fuzz.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  if (!r.ok) throw new Error(r.reason);
  const clock = fixedClock(Date.UTC(2026, 10, 24));
  const transport = new FakeTransport();
  const server = new DhcpServer({
    ctx: policyContext(r.scope, new LeaseDb(r.scope)),
    store: new SyncStore(),
    transport,
    clock,
    log: memoryLogger('error'),
    ports: STANDARD_PORTS,
  });
  const seeds = fixturePackets().map((f) => f.bytes);
  const rand = rng(seed);
  let decoded = 0;
  for (let i = 0; i < iterations; i++) {
    const p = mutate(seeds, rand);
    if (decode(p).ok) decoded++;
    server.onPacket(p, { address: '10.9.0.77', port: 68 });
    if (i % 1000 === 999) {
      clock.advance(7000);
      transport.sent.length = 0; // keep memory flat
    }
  }
  // A well-formed client afterwards: DISCOVER → OFFER → REQUEST → ACK.
  clock.advance(24 * 3600 * 1000);
  server.ctx.db.expire(clock.now());
  transport.sent.length = 0;
  const mac = '02:fe:ed:00:00:01';
  server.onPacket(dhclient.discover({ mac }).bytes, { address: '0.0.0.0', port: 68 });
  const offer = decode(transport.sent.at(-1)?.data ?? new Uint8Array());
  let finalReply: number | undefined;
  if (offer.ok) {
    const req = dhclient.request({
      mac,
      state: 'selecting',
      serverId: '10.9.0.1',
      requestedIp: offer.msg.yiaddr,
    });
    server.onPacket(req.bytes, { address: '0.0.0.0', port: 68 });
    const ack = decode(transport.sent.at(-1)!.data);
    finalReply = ack.ok && ack.msg.xid === req.msg.xid ? getMessageType(ack.msg.options) : undefined;
  }
  await Promise.resolve();
  return { iterations, decoded, replied: server.stats.replied, stats: server.stats, finalReply };
}

function mutate(seeds: readonly Uint8Array[], rand: (n: number) => number): Uint8Array {
  const kind = rand(10);
  if (kind === 0) {
    // Pure noise, any length up to 1500.
    const b = new Uint8Array(rand(1500));
    for (let i = 0; i < b.length; i++) b[i] = rand(256);
    return b;
  }
  const base = seeds[rand(seeds.length)]!;
  let b = Uint8Array.from(base);
  const edits = 1 + rand(8);
  for (let e = 0; e < edits; e++) {
    switch (rand(8)) {
      case 0: // bit flip
        if (b.length) b[rand(b.length)]! ^= 1 << rand(8);
        break;
      case 1: // interesting byte in the options area
        if (b.length > 240) b[240 + rand(b.length - 240)] = INTERESTING[rand(INTERESTING.length)]!;
        break;
      case 2: // truncate
        b = b.subarray(0, rand(b.length + 1));
        break;
      case 3: {
        // append a random option (possibly lying about its length)
        const extra = Uint8Array.from([
          INTERESTING[rand(INTERESTING.length)]!,
          rand(256),
          ...Array.from({ length: rand(40) }, () => rand(256)),
        ]);
        const n = new Uint8Array(b.length + extra.length);
        n.set(b);
        n.set(extra, b.length);
        b = n;
        break;
      }
      case 4: // header fields that steer the policy: op, htype/hlen, hops, flags, ciaddr, giaddr
        if (b.length >= 28) {
          const field = [0, 1, 2, 3, 10, 12, 24][rand(7)]!;
          b[field] = rand(4) === 0 ? rand(256) : INTERESTING[rand(INTERESTING.length)]!;
        }
        break;
      case 5: // message type swap
        for (let i = 240; i + 2 < b.length; i++) {
          if (b[i] === Opt.MESSAGE_TYPE && b[i + 1] === 1) {
            b[i + 2] = 1 + rand(9);
            break;
          }
        }
        break;
      case 6: // random MAC (flood-like)
        if (b.length >= 34) for (let i = 28; i < 34; i++) b[i] = rand(256);
        break;
      default: // requested address / server id inside our subnet, so the state machine is exercised
        for (let i = 240; i + 6 < b.length; i++) {
          if ((b[i] === Opt.REQUESTED_IP || b[i] === Opt.SERVER_ID) && b[i + 1] === 4) {
            b.set([10, 9, 0, rand(4) === 0 ? 1 : rand(256)], i + 2);
            break;
          }
        }
    }
  }
  return b;
}
