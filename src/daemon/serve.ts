/**
 * `switchyard serve`: resolves each switch's scope against its interface, refuses to start where serving
 * would be unsafe, restores leases from the journal, and runs one DHCP server per switch until stopped.
 */
import type { Clock } from '../clock.js';
import type { Config, SwitchConfig } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import { STANDARD_PORTS, type Ports } from '../dhcp/destination.js';
import { Journal } from '../dhcp/journal.js';
import { LeaseDb } from '../dhcp/lease-db.js';
import type { StoredLease } from '../dhcp/lease-store.js';
import { describeScope, resolveScope, type InterfaceAddress, type Scope } from '../dhcp/scope.js';
import { DhcpServer } from '../dhcp/server.js';
import { policyContext } from '../dhcp/handlers/exchange.js';
import { openTransport } from '../dhcp/transport/transport.js';
import type { DatagramTransport } from '../dhcp/transport/transport.js';
import { checkServeInterface, inspectInterface, type InterfaceInfo } from '../host/linux/interfaces.js';
import { inspectWindowsInterface } from '../host/windows/interfaces.js';
import { contains, formatIpv4, parseIpv4 } from '../net/ipv4.js';
import type { Logger } from './log.js';

export interface ServeOptions {
  config: Config;
  stateDir: string;
  log: Logger;
  clock: Clock;
  ports?: Ports;
  platform?: NodeJS.Platform;
  /** How expired leases are swept, in ms (default 10 s). */
  sweepIntervalMs?: number;
  /** For tests: look at interfaces without running `ip`. */
  inspect?: (name: string) => Promise<InterfaceInfo>;
  /** For tests: a transport that is not a real socket. */
  openTransport?: typeof openTransport;
}

export interface RunningDaemon {
  scopes: Scope[];
  servers: DhcpServer[];
  dbs: LeaseDb[];
  stop(): Promise<void>;
}

/** The address on the interface that the scope serves: the configured host address, else the one static address. */
function pickAddress(sw: SwitchConfig, info: InterfaceInfo): InterfaceAddress | undefined {
  const want = sw.host === 'auto' ? undefined : parseIpv4(sw.host);
  const candidates = info.addresses.filter((a) => !a.dynamic);
  const hit = want !== undefined ? info.addresses.find((a) => parseIpv4(a.address) === want) : candidates[0];
  return hit ? { address: parseIpv4(hit.address)!, prefix: hit.prefix } : undefined;
}

export async function startDaemon(opts: ServeOptions): Promise<RunningDaemon> {
  const { config, log, clock } = opts;
  const platform = opts.platform ?? process.platform;
  const ports = opts.ports ?? STANDARD_PORTS;
  const inspect =
    opts.inspect ??
    (platform === 'win32'
      ? (name: string) => inspectWindowsInterface(name)
      : (name: string) => inspectInterface(name));

  const scopes: Scope[] = [];
  for (const sw of config.switches.filter((s) => s.dhcp.enabled)) {
    const ifname = sw.interface ?? (platform === 'win32' ? `vEthernet (${sw.name})` : sw.name);
    const info = await inspect(ifname);
    const found = pickAddress(sw, info);
    const r = resolveScope(sw, found, platform);
    if (!r.ok) throw new EnvironmentError(r.reason);
    const problems = checkServeInterface(info, formatIpv4(r.scope.host));
    if (problems.length > 0) {
      throw new EnvironmentError(
        `switch "${sw.name}": not serving DHCP on ${ifname}: ${problems.map((p) => p.message).join('; ')}`,
      );
    }
    scopes.push(r.scope);
  }
  if (scopes.length === 0) throw new EnvironmentError('no switch has DHCP enabled: nothing to serve');

  const dbs = scopes.map((s) => new LeaseDb(s));
  const journal = new Journal(opts.stateDir, {
    snapshot: () =>
      scopes.flatMap((s, i) =>
        dbs[i]!.all()
          .filter((l) => l.state !== 'offered')
          .map((l): StoredLease => ({ ...l, switchName: s.switchName })),
      ),
  });
  const loaded = await journal.load();
  for (const p of loaded.problems) log.warn({ journal: journal.path }, p);
  restoreLeases(loaded.leases, scopes, dbs, clock.now(), log);

  const transports: DatagramTransport[] = [];
  const servers: DhcpServer[] = [];
  try {
    for (const [i, scope] of scopes.entries()) {
      const transport = await (opts.openTransport ?? openTransport)({
        interfaceName: scope.interfaceName,
        hostAddress: formatIpv4(scope.host),
        port: ports.server,
        platform,
        onSocketError: (err: Error) => {
          log.warn({ interface: scope.interfaceName, err: err.message }, 'socket error (ignored)');
        },
      });
      transports.push(transport);
      const server = new DhcpServer({
        ctx: policyContext(scope, dbs[i]!),
        store: journal,
        transport,
        clock,
        log,
        ports,
      });
      server.start();
      servers.push(server);
      log.info(
        { switch: scope.switchName, scope: describeScope(scope), socket: transport.description },
        'serving DHCP',
      );
    }
  } catch (e) {
    await Promise.all(transports.map((t) => t.close()));
    await journal.close();
    throw e;
  }

  const sweep = setInterval(() => {
    const now = clock.now();
    dbs.forEach((db, i) => {
      for (const l of db.expire(now)) {
        log.info({ switch: scopes[i]!.switchName, mac: l.mac, ip: formatIpv4(l.ip) }, 'expired');
      }
    });
  }, opts.sweepIntervalMs ?? 10_000);
  sweep.unref();

  return {
    scopes,
    servers,
    dbs,
    stop: async () => {
      clearInterval(sweep);
      await Promise.all(transports.map((t) => t.close()));
      await journal.close();
    },
  };
}

/** Start-up reconciliation: stored leases against the current pool and reservations, saying what changed. */
function restoreLeases(
  leases: StoredLease[],
  scopes: Scope[],
  dbs: LeaseDb[],
  now: number,
  log: Logger,
): void {
  const counts = scopes.map(() => ({ restored: 0, dropped: 0 }));
  for (const l of leases) {
    const i = scopes.findIndex((s) => s.switchName === l.switchName);
    if (i < 0) {
      log.info(
        { switch: l.switchName, mac: l.mac, ip: formatIpv4(l.ip) },
        'stored lease for a switch not served: kept in the journal until compaction',
      );
      continue;
    }
    const scope = scopes[i]!;
    if (!contains(scope.subnet, l.ip)) {
      counts[i]!.dropped++;
      log.info(
        { switch: scope.switchName, mac: l.mac, ip: formatIpv4(l.ip) },
        'stored lease dropped: no longer on the subnet',
      );
      continue;
    }
    const why = dbs[i]!.restore(l, now);
    if (why === undefined) counts[i]!.restored++;
    else if (l.state === 'bound' && l.expiresAt > now) {
      counts[i]!.dropped++;
      log.info(
        { switch: scope.switchName, mac: l.mac, ip: formatIpv4(l.ip), why },
        'stored lease dropped; the client will be NAKed and re-addressed',
      );
    }
  }
  scopes.forEach((s, i) => {
    log.info({ switch: s.switchName, ...counts[i] }, 'leases restored from the journal');
  });
}
