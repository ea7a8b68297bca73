/**
 * The DHCP packet path in one process, without sockets or disk: N clients (dhclient's packets, from
 * test/support/client-packets.ts) do DISCOVER → OFFER and REQUEST → ACK against a DhcpServer whose store
 * calls back at once. Prints CPU µs per DORA — the server's own cost, free of
 * the network and of other processes' noise (CPU time, not wall time). For profiling:
 *
 *   node --cpu-prof dist/bench/hotpath.js [CLIENTS] [ROUNDS]
 *
 * With `node --expose-gc` it also prints the memory that survives a full collection per lease, V8's heap
 * and ArrayBuffers together (the lease table's own size and the per-client state around it: 296 bytes of
 * heap with a Lease object per record, 110-115 with the typed-array table, 2026-11-24).
 */
import { performance } from 'node:perf_hooks';
import { dhclient } from '../test/support/client-packets.js';
import { parseConfig } from '../src/config/load.js';
import { STANDARD_PORTS } from '../src/dhcp/destination.js';
import { policyContext } from '../src/dhcp/handlers/exchange.js';
import { LeaseDb } from '../src/dhcp/lease-db.js';
import type { Lease } from '../src/dhcp/lease.js';
import type { LeaseStore, LoadResult } from '../src/dhcp/lease-store.js';
import { resolveScope } from '../src/dhcp/scope.js';
import { DhcpServer } from '../src/dhcp/server.js';
import type { DatagramTransport, MessageHandler } from '../src/dhcp/transport/transport.js';
import { decode } from '../src/dhcp/wire.js';
import { memoryLogger } from '../src/log.js';
import { formatIpv4, ipv4 } from '../src/net/ipv4.js';

const CLIENTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);

/** Keeps the last reply; sends cost nothing. */
class NullTransport implements DatagramTransport {
  readonly description = 'null';
  last: Uint8Array | undefined;
  sent = 0;
  handler: MessageHandler | undefined;
  onMessage(h: MessageHandler): void {
    this.handler = h;
  }
  send(data: Uint8Array): void {
    this.last = data;
    this.sent++;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Durable at once: the callback runs before append returns. */
class InstantStore implements LeaseStore {
  records = 0;
  load(): Promise<LoadResult> {
    return Promise.resolve({ leases: [], problems: [] });
  }
  append(_switchName: string, records: readonly Lease[], done: (err: Error | null) => void): void {
    this.records += records.length;
    done(null);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const config = parseConfig(
  'switches:\n  - name: bench\n    subnet: 10.9.0.0/16\n    host: 10.9.0.1\n    dhcp: { maxLeases: 65000, rateLimit: { packets: 1000000 } }\n',
  'bench.yaml',
);
const resolved = resolveScope(config.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 16 }, 'linux');
if (!resolved.ok) throw new Error('scope');
const scope = resolved.scope;
const macOf = (i: number): string =>
  `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const discovers = Array.from({ length: CLIENTS }, (_, i) =>
  Buffer.from(dhclient.discover({ mac: macOf(i) }).bytes),
);
const from = { address: '0.0.0.0', port: 68 };

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** With --expose-gc: what survives a full collection, so the lease table's own size is seen. */
const gc = (globalThis as { gc?: () => void }).gc;
/**
 * Live memory after a full collection: V8's heap and the ArrayBuffers outside it (the lease table's
 * columns). V8 frees the backing stores of dead ArrayBuffers on a background thread after the collection,
 * so it is read after a pause and a second collection.
 */
async function liveHeap(): Promise<number> {
  gc?.();
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const before = await liveHeap();
for (let round = 1; round <= ROUNDS; round++) {
  const transport = new NullTransport();
  const store = new InstantStore();
  const server = new DhcpServer({
    ctx: policyContext(scope, new LeaseDb(scope)),
    store,
    transport,
    clock: { now: () => Date.UTC(2026, 10, 24) },
    log: memoryLogger('warn'),
    ports: STANDARD_PORTS,
  });
  server.start();
  // DISCOVER → OFFER for every client, then REQUEST (built from the OFFER, untimed) → ACK
  const requests: Buffer[] = [];
  let cpu = 0;
  let wall = 0;
  const phase = (packets: readonly Buffer[], after?: (reply: Uint8Array, i: number) => void): void => {
    for (let i = 0; i < packets.length; i++) {
      const c0 = cpuMs();
      const t0 = performance.now();
      transport.handler!(packets[i]!, from);
      cpu += cpuMs() - c0;
      wall += performance.now() - t0;
      after?.(transport.last!, i);
    }
  };
  phase(discovers, (reply, i) => {
    const d = decode(reply);
    if (!d.ok) throw new Error('bad OFFER');
    requests[i] = Buffer.from(
      dhclient.request({
        mac: macOf(i),
        state: 'selecting',
        requestedIp: formatIpv4(d.msg.yiaddr),
        serverId: formatIpv4(scope.host),
      }).bytes,
    );
  });
  phase(requests);
  // ACKs beyond the release pacer's burst leave from its timer (server.ts RELEASE_PER_MS): wait for them,
  // counting the CPU that takes (their encoding and sending) with the rest.
  const c0 = cpuMs();
  const t0 = performance.now();
  while (transport.sent < 2 * CLIENTS && performance.now() - t0 < 30_000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  cpu += cpuMs() - c0;
  requests.length = 0; // the client's packets, not the server's memory
  if (transport.sent !== 2 * CLIENTS || store.records !== CLIENTS)
    throw new Error(
      `expected ${2 * CLIENTS} replies and ${CLIENTS} records, got ${transport.sent}/${store.records}`,
    );
  console.log(
    `round ${round}: ${CLIENTS} DORA, ${((cpu * 1000) / CLIENTS).toFixed(1)} µs CPU per DORA (wall ${((wall * 1000) / CLIENTS).toFixed(1)} µs), ` +
      `rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB, external ${(process.memoryUsage().external / 1048576).toFixed(0)} MB` +
      (gc ? `, live ${(((await liveHeap()) - before) / CLIENTS).toFixed(0)} bytes per lease` : ''),
  );
}
