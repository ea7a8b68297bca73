/**
 * `switchyard serve`: resolves each switch's scope against its interface, refuses to start where serving
 * would be unsafe, restores leases from the journal, and runs one DHCP server per switch until stopped.
 */
import type { Clock } from '../clock.js';
import type { Config, SwitchConfig } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import { EnvironmentError } from '../errors.js';
import { STANDARD_PORTS, type Ports } from '../dhcp/destination.js';
import { Journal } from '../dhcp/journal.js';
import type { LeaseDb } from '../dhcp/lease-db.js';
import type { StoredLease } from '../dhcp/lease-store.js';
import { describeScope, resolveScope, type InterfaceAddress, type Scope } from '../dhcp/scope.js';
import { ScopeCell } from '../dhcp/scope-cell.js';
import { DhcpServer } from '../dhcp/server.js';
import type { ConflictProbe } from '../dhcp/probe/conflict-probe.js';
import { cachedProbe, createProbe } from '../dhcp/probe/probe.js';
import { openTransport } from '../dhcp/transport/transport.js';
import type { DatagramTransport } from '../dhcp/transport/transport.js';
import type { DaemonHost } from '../host/daemon-port.js';
import { checkServeInterface, type InterfaceInfo } from '../host/interface-info.js';
import { contains, formatCidr, formatIpv4, parseIpv4 } from '../net/ipv4.js';
import { startControlServer, type ControlServer } from './control/server.js';
import { controlPath } from './control/path.js';
import type { Logger } from '../log.js';
import { wslDriftReporter } from './wsl-drift.js';
import { applyReload, type ReloadResult } from './reload.js';
import { toRows } from '../dhcp/lease-rows.js';
import { readPinned } from '../model/pinned.js';
import { startDns, wslSubnetOf, type RunningDns } from './dns.js';
import { startForwardingKeeper, type ForwardingKeeper, type KeeperBackend } from './keeper.js';
import { startHostWatches, type HostWatchDeps } from './host-watch.js';
import { refuseSecondDaemon, requireSwitches, WINDOWS_SWITCH_WAIT_MS } from './preflight.js';
import { startSteps, type StartStep } from './start-steps.js';
import {
  rebindable,
  reopenableProbe,
  startRebindWatch,
  type Identify,
  type RebindableTransport,
  type RebindWatch,
  type ReopenableProbe,
} from './rebind.js';

export interface ServeOptions {
  config: Config;
  stateDir: string;
  log: Logger;
  clock: Clock;
  ports?: Ports;
  /** What the daemon needs from the OS (host/daemon-host.ts: daemonHostFor, chosen by platform). */
  host: DaemonHost;
  /** How expired leases are swept, in ms (default 10 s). */
  sweepIntervalMs?: number;
  /**
   * How long to wait for the switches' interfaces to come up before refusing, in ms (preflight.ts).
   * Default 120 s on Windows (the boot task can start before the vNIC is up), 0 elsewhere.
   */
  switchWaitMs?: number;
  /** The poll interval of that wait, in ms (default 1 s). */
  switchPollMs?: number;
  /** For tests: look at interfaces without the daemon host's inspect (`ip`). */
  inspect?: (name: string) => Promise<InterfaceInfo>;
  /** For tests: a transport that is not a real socket. */
  openTransport?: typeof openTransport;
  /** Re-reads the config for a live reload (the control channel's `reload`); absent = reload unsupported. */
  reloadConfig?: () => Promise<Config>;
  /** Start the control channel in the state directory (default true). */
  control?: boolean;
  /**
   * How the forwarding keeper (keeper.ts; only with `forwarding: true`) reads and repairs forwarding;
   * false = no keeper. Default: the daemon host's forwarding (Linux: /proc); on Windows the host watch keeps
   * forwarding on (windows-watch.ts; `hostWatch: false` turns it off too).
   */
  forwardingKeeper?: KeeperBackend | false;
  /** The keeper's poll interval in ms (default 1 s). */
  forwardingIntervalMs?: number;
  /** DNS port (default 53; tests use another). */
  dnsPort?: number;
  /** For tests: the resolv.conf that `dns.upstream: auto` follows on Linux. */
  resolvConfPath?: string;
  /**
   * Windows: the pinned WSL range (CIDR), or how to get it once known (serve re-pins after it has started
   * serving); the host watch's full observations report drift from it (wsl-drift.ts).
   */
  wslPinned?: string | (() => string | undefined);
  /** `mtu: auto` and resolved's per-link DNS (host-watch.ts): how they read the host; false = not watched. */
  hostWatch?: HostWatchDeps | false;
  /** A re-created switch interface (rebind.ts): how interfaces are told apart (default: the daemon host's); false = not watched. */
  identify?: Identify | false;
  /** The rebind watch's poll interval in ms (default 1 s). */
  rebindIntervalMs?: number;
  /**
   * Rewrites a next step the daemon prints (`switchyard apply`…) as the user must type it, with their own
   * --config/--state-dir (cli/user-flags.ts). Default: unchanged.
   */
  nextStep?: (text: string) => string;
}

export interface RunningDaemon {
  /** Each switch's scope as served now (its cell's value). */
  readonly scopes: readonly Scope[];
  cells: ScopeCell[];
  servers: DhcpServer[];
  dbs: LeaseDb[];
  dns: RunningDns;
  /** Re-reads the config and applies reservation changes (control channel `reload`, SIGHUP). */
  reload(): Promise<ReloadResult>;
  stop(): Promise<void>;
}

/** The address on the interface that the scope serves: the configured host address, else the one static address. */
export function pickAddress(sw: SwitchConfig, info: InterfaceInfo): InterfaceAddress | undefined {
  const want = sw.host === 'auto' ? undefined : sw.host;
  const candidates = info.addresses.filter((a) => !a.dynamic);
  const hit = want !== undefined ? info.addresses.find((a) => parseIpv4(a.address) === want) : candidates[0];
  return hit ? { address: parseIpv4(hit.address)!, prefix: hit.prefix } : undefined;
}

/**
 * Starts the daemon as a list of steps (start-steps.ts) — preflight, host watches, lease journal, DHCP,
 * DNS, rebind watch, control channel, lease sweep, forwarding keeper — and `stop()` stops them in reverse.
 * A step that fails stops those already started, in reverse, and its error is what the caller gets.
 */
export async function startDaemon(opts: ServeOptions): Promise<RunningDaemon> {
  const { config, log, clock, host } = opts;
  const platform = host.platform;
  const ports = opts.ports ?? STANDARD_PORTS;
  const inspect = opts.inspect ?? ((name: string) => host.inspect(name));
  const ifnameOf = (sw: SwitchConfig): string => switchInterface(sw, platform);
  const nextStep = opts.nextStep ?? ((t: string) => t);

  const scopes: Scope[] = [];
  const cells: ScopeCell[] = [];
  const dbs: LeaseDb[] = [];
  let journal!: Journal;
  const transports: RebindableTransport[] = [];
  const probes: ConflictProbe[] = [];
  const servers: DhcpServer[] = [];
  /** The ARP probes by scope index: bound to the interface too, so reopened with the DHCP socket. */
  const arpProbes = new Map<number, ReopenableProbe>();
  let dns!: RunningDns;
  let rebind: RebindWatch | undefined;
  const openFor = (scope: Scope): Promise<DatagramTransport> =>
    (opts.openTransport ?? openTransport)({
      interfaceName: scope.interfaceName,
      hostAddress: formatIpv4(scope.host),
      port: ports.server,
      platform,
      onSocketError: (err: Error) => {
        log.warn({ interface: scope.interfaceName, err: err.message }, 'socket error (ignored)');
      },
    });
  const startedAt = new Date(clock.now()).toISOString();
  const reload = async (): Promise<ReloadResult> => {
    if (!opts.reloadConfig) throw new Error('this daemon was started without a config file to reload');
    await rebind?.check(); // a reload (SIGHUP) also rebinds to a re-created interface at once
    const result = applyReload(await opts.reloadConfig(), cells, platform, config);
    log.info({ ...result }, 'reloaded');
    if (result.restartNeeded.length > 0)
      log.warn(
        { restartNeeded: result.restartNeeded },
        `reload: not applied until the daemon restarts: ${result.restartNeeded.join('; ')}`,
      );
    return result;
  };

  const steps: StartStep[] = [
    {
      name: 'preflight',
      start: async () => {
        if (opts.control !== false) await refuseSecondDaemon(opts.stateDir, platform);
        await requireSwitches(config, ifnameOf, inspect, nextStep('`switchyard apply`'), {
          boundMs: opts.switchWaitMs ?? (host.switchesComeUpLate ? WINDOWS_SWITCH_WAIT_MS : 0),
          ...(opts.switchPollMs !== undefined ? { pollMs: opts.switchPollMs } : {}),
          log,
        });
        for (const sw of config.switches.filter((s) => s.dhcp.enabled)) {
          const ifname = ifnameOf(sw);
          const info = await inspect(ifname);
          const found = pickAddress(sw, info);
          const r = resolveScope(sw, found, platform);
          if (!r.ok) throw new EnvironmentError(nextStep(r.reason));
          const problems = checkServeInterface(info, formatIpv4(r.scope.host));
          if (problems.length > 0) {
            throw new EnvironmentError(
              `switch "${sw.name}": not serving DHCP on ${ifname}: ${problems.map((p) => p.message).join('; ')}`,
            );
          }
          scopes.push(r.scope);
        }
        if (scopes.length === 0) throw new EnvironmentError('no switch has DHCP enabled: nothing to serve');
        cells.push(...scopes.map((sc) => new ScopeCell(sc)));
        dbs.push(...cells.map((c) => c.db));
        return undefined; // a check: nothing to stop
      },
    },
    {
      // Nothing here waits for PowerShell: on Windows the watch's first check runs one poll (2 s) from now, so
      // DHCP and DNS answer first; on Linux the first `mtu: auto` read (two `ip` runs) is awaited.
      name: 'host watches',
      start: async () => {
        if (opts.hostWatch === false) return;
        const wslPinned = opts.wslPinned;
        const watches = await startHostWatches({
          config,
          cells,
          host,
          log,
          clock,
          // Windows keeps forwarding on in its change-driven watch (windows-watch.ts), not in keeper.ts.
          keepForwarding:
            host.adapterChecks !== undefined && config.forwarding && opts.forwardingKeeper === undefined,
          onObserved: wslDriftReporter(
            typeof wslPinned === 'function' ? wslPinned : () => wslPinned,
            log,
            nextStep,
          ),
          ...opts.hostWatch,
        });
        return watches.stop;
      },
    },
    {
      name: 'lease journal',
      start: async () => {
        journal = new Journal(opts.stateDir, {
          onCompactionError: (err) => {
            log.error(
              { err: err.message },
              'lease journal compaction failed; appending to the old journal goes on',
            );
          },
          snapshot: () =>
            scopes.map((s, i) => ({
              switchName: s.switchName,
              leases: dbs[i]!.snapshot(),
            })),
        });
        const stop = (): Promise<void> => journal.close();
        try {
          const loaded = await journal.load();
          for (const p of loaded.problems) log.warn({ journal: journal.path }, p);
          restoreLeases(loaded.leases, scopes, dbs, clock.now(), log);
        } catch (e) {
          await stop();
          throw e;
        }
        return stop;
      },
    },
    {
      name: 'DHCP',
      start: async () => {
        const stop = async (): Promise<void> => {
          await Promise.all(probes.map((p) => p.close()));
          await Promise.all(transports.map((t) => t.close()));
        };
        try {
          for (const [i, scope] of scopes.entries()) {
            const transport = rebindable(await openFor(scope));
            transports.push(transport);
            let probe: ConflictProbe | undefined;
            if (scope.conflictProbe) {
              const arp = reopenableProbe(() =>
                createProbe(platform, { interfaceName: scope.interfaceName, senderIp: scope.host }),
              );
              arpProbes.set(i, arp);
              probe = cachedProbe(arp, {
                clock,
                onFailure: (ip, f) => {
                  log.warn(
                    { switch: scope.switchName, ip: formatIpv4(ip), failure: f.kind },
                    'conflict probe failed; offering anyway',
                  );
                },
              });
              probes.push(probe);
            }
            const server = new DhcpServer({
              ctx: cells[i]!,
              store: journal,
              transport,
              clock,
              log,
              ports,
              ...(probe ? { probe } : {}),
            });
            server.start();
            servers.push(server);
            log.info(
              { switch: scope.switchName, scope: describeScope(scope), socket: transport.description },
              'serving DHCP',
            );
          }
        } catch (e) {
          await stop();
          throw e;
        }
        return stop;
      },
    },
    {
      name: 'DNS',
      start: async () => {
        const pinned = await readPinned(opts.stateDir).catch(() => undefined);
        dns = await startDns({
          config,
          scopes,
          dbs,
          log,
          clock,
          platform,
          port: opts.dnsPort ?? 53,
          wslSubnet: wslSubnetOf(config, pinned && !('error' in pinned) ? pinned.wsl?.subnet : undefined),
          ...(opts.resolvConfPath !== undefined ? { resolvConfPath: opts.resolvConfPath } : {}),
        });
        return () => dns.stop();
      },
    },
    {
      name: 'rebind watch',
      start: async () => {
        const identify = opts.identify ?? host.identify ?? false;
        if (identify === false) return;
        const watch = await startRebindWatch({
          targets: scopes.map((scope, i) => ({
            scope,
            transport: transports[i]!,
            open: () => openFor(scope),
            ...(arpProbes.has(i) ? { reopenProbe: () => arpProbes.get(i)!.reopen() } : {}),
          })),
          rebindDns: (name) => dns.rebind(name),
          identify,
          inspect,
          log,
          clock,
          ...(opts.rebindIntervalMs !== undefined ? { intervalMs: opts.rebindIntervalMs } : {}),
        });
        rebind = watch;
        return watch.stop;
      },
    },
    {
      name: 'control channel',
      start: async () => {
        if (opts.control === false) return;
        const control: ControlServer = await startControlServer({
          path: controlPath(opts.stateDir, platform),
          handlers: {
            status: () => ({
              pid: process.pid,
              startedAt,
              switches: cells.map(({ scope: s }, i) => ({
                name: s.switchName,
                interface: s.interfaceName,
                subnet: formatCidr(s.subnet),
                host: formatIpv4(s.host),
                pool: `${formatIpv4(s.pool.start)}-${formatIpv4(s.pool.end)}`,
                reservations: s.reservations.length,
                dynamicLeases: dbs[i]!.dynamicActive(),
                maxLeases: s.maxLeases,
                stats: servers[i]!.stats,
                ...(rebind ? { socket: rebind.status()[i] } : {}),
              })),
              dns: dns.status(),
              journal: journal.syncStats,
            }),
            leases: () =>
              toRows(
                scopes.flatMap((s, i) =>
                  dbs[i]!.all().map((l): StoredLease => ({ ...l, switchName: s.switchName })),
                ),
                clock.now(),
              ),
            reload,
          },
          log: (msg) => {
            log.warn({}, msg);
          },
        });
        return () => control.close();
      },
    },
    {
      name: 'lease sweep',
      start: () => {
        const sweep = setInterval(() => {
          const now = clock.now();
          dbs.forEach((db, i) => {
            for (const l of db.expire(now)) {
              log.info({ switch: scopes[i]!.switchName, mac: l.mac, ip: formatIpv4(l.ip) }, 'expired');
            }
          });
        }, opts.sweepIntervalMs ?? 10_000);
        sweep.unref();
        return () => {
          clearInterval(sweep);
        };
      },
    },
    {
      name: 'forwarding keeper',
      start: () => {
        const backend = config.forwarding
          ? (opts.forwardingKeeper ?? defaultKeeperBackend(config, host))
          : false;
        if (backend === false) return;
        const keeper: ForwardingKeeper = startForwardingKeeper({
          backend,
          log,
          clock,
          intervalMs: opts.forwardingIntervalMs ?? 1000,
        });
        log.info({ backend: backend.description }, 'forwarding keeper started');
        return keeper.stop;
      },
    },
  ];
  const stop = await startSteps(steps, (step, err) => {
    log.error({ step, err: err instanceof Error ? err.message : String(err) }, 'stopping failed');
  });

  return {
    get scopes() {
      return cells.map((c) => c.scope);
    },
    cells,
    servers,
    dbs,
    dns,
    reload,
    stop,
  };
}

/** The keeper's default backend (Linux): every switch's interface and the WSL interface. */
function defaultKeeperBackend(config: Config, host: DaemonHost): KeeperBackend | false {
  if (!host.forwarding) return false; // Windows: windows-watch.ts, started with the host watches
  const switches = config.switches.map((s) => switchInterface(s, host.platform));
  const wsl = config.wsl?.interface;
  // NAT needs net.ipv4.ip_forward (= conf/all/forwarding): kept on too while serving, and said by name.
  const natted = config.switches.some((s) => s.nat);
  const backend = host.forwarding([
    ...switches,
    ...(wsl !== undefined ? [wsl] : []),
    ...(natted ? ['all'] : []),
  ]);
  return natted
    ? {
        ...backend,
        repaired: (i) =>
          i === 'all'
            ? 'net.ipv4.ip_forward was off: turned back on (host-wide; the NAT of the switches needs it)'
            : `forwarding re-enabled on ${i} (the adapter was recreated?)`,
      }
    : backend;
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
