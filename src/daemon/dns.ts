/**
 * `serve`'s DNS part: one resolver and one pair of sockets per switch with `dns.enabled`, all answering from
 * one name book built from every switch's reservations and leases (a VM on one switch can reach a VM on
 * another by name). The book is rebuilt only when a lease database's generation moved.
 *
 * A DNS socket that cannot be opened (port 53 taken, e.g. by Internet Connection Sharing on Windows) is
 * logged as an error with the reason and DHCP goes on: losing names is better than losing addresses.
 */
import { promises as dnsPromises, getServers } from 'node:dns';
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { LeaseDb } from '../dhcp/lease-db.js';
import type { Scope } from '../dhcp/scope.js';
import { buildNames, type NameBook } from '../dns/names.js';
import { Resolver, type DnsStats } from '../dns/resolver.js';
import { startDnsServer, type DnsServer } from '../dns/server.js';
import { osResolverUpstream } from '../dns/upstream/os-resolver.js';
import { watchResolvConf } from '../dns/upstream/resolv-conf.js';
import { serversUpstream } from '../dns/upstream/servers.js';
import type { Upstream } from '../dns/upstream/upstream.js';
import type { Logger } from '../log.js';
import { cidr, formatIpv4, parseCidr, parseIpv4, type Cidr, type Ipv4 } from '../net/ipv4.js';

export interface DnsOptions {
  config: Config;
  scopes: readonly Scope[];
  dbs: readonly LeaseDb[];
  log: Logger;
  clock: Clock;
  platform: NodeJS.Platform;
  port: number;
  /** The WSL range, when known (config or pinned): its clients may ask too. */
  wslSubnet: Cidr | undefined;
  /** For tests: where `upstream: auto` reads servers on Linux (default /etc/resolv.conf). */
  resolvConfPath?: string;
}

export interface DnsStatus {
  switch: string;
  listening: string | undefined;
  error: string | undefined;
  upstream: string;
  stats: DnsStats;
  cacheEntries: number;
  names: number;
}

export interface RunningDns {
  status(): DnsStatus[];
  /**
   * Closes and reopens the DNS sockets of one switch (its interface was re-created: daemon/rebind.ts).
   * Never rejects: a failure is kept in the status and logged.
   */
  rebind(switchName: string): Promise<void>;
  /** The current names (for tests and `status`). */
  book(): NameBook;
  stop(): Promise<void>;
}

const LOOPBACK = cidr('127.0.0.0/8');

export async function startDns(opts: DnsOptions): Promise<RunningDns> {
  const { scopes, dbs, clock, log } = opts;
  const byName = new Map(opts.config.switches.map((s) => [s.name, s]));
  let book = buildNames([], clock.now());
  // The generations the book was built at; compared per query without allocating (this runs for every query).
  const seen = dbs.map(() => -1);
  let serial = Math.floor(clock.now() / 1000);
  const moved = (): boolean => {
    let any = false;
    dbs.forEach((d, i) => {
      if (d.generation !== seen[i]) {
        seen[i] = d.generation;
        any = true;
      }
    });
    return any;
  };
  const names = (): { book: NameBook; serial: number } => {
    if (moved()) {
      book = buildNames(
        scopes.map((sc, i) => ({
          domain: byName.get(sc.switchName)?.dns.domain ?? 'switchyard.internal',
          subnet: sc.subnet,
          reservations: dbs[i]!.reserved(),
          leases: dbs[i]!.all(),
        })),
        clock.now(),
        book,
      );
      serial = Math.max(serial + 1, Math.floor(clock.now() / 1000));
    }
    return { book, serial };
  };
  const allowed: Cidr[] = [
    ...scopes.map((s) => s.subnet),
    ...(opts.wslSubnet ? [opts.wslSubnet] : []),
    LOOPBACK,
  ];
  const own = scopes.map((s) => s.host);

  const entries: {
    scope: Scope;
    resolver: Resolver;
    upstream: Upstream;
    server?: DnsServer;
    error?: string;
  }[] = [];
  for (const scope of scopes) {
    const sw = byName.get(scope.switchName);
    if (!sw?.dns.enabled) continue;
    const upstream = makeUpstream(sw.dns.upstream, own, opts);
    const resolver = new Resolver({ names, upstream, clock, log, allowed: () => allowed });
    const entry: (typeof entries)[number] = { scope, resolver, upstream };
    entries.push(entry);
    await listen(entry, sw);
  }

  async function listen(entry: (typeof entries)[number], sw: Config['switches'][number]): Promise<void> {
    const { scope, upstream, resolver } = entry;
    try {
      entry.server = await startDnsServer({
        address: scope.host,
        port: opts.port,
        resolver,
        log,
        label: `switch "${scope.switchName}" (${scope.interfaceName})`,
      });
      delete entry.error;
      log.info(
        {
          switch: scope.switchName,
          socket: entry.server.description,
          domain: sw.dns.domain,
          upstream: upstream.description,
        },
        'serving DNS',
      );
    } catch (e) {
      entry.error = e instanceof Error ? e.message : String(e);
      log.error({ switch: scope.switchName, err: entry.error }, 'not serving DNS; DHCP goes on');
    }
  }

  return {
    book: () => names().book,
    rebind: async (switchName) => {
      const entry = entries.find((e) => e.scope.switchName === switchName);
      const sw = byName.get(switchName);
      if (entry === undefined || sw === undefined) return;
      const old = entry.server;
      delete entry.server;
      await old?.close();
      await listen(entry, sw);
    },
    status: () =>
      entries.map((e) => ({
        switch: e.scope.switchName,
        listening: e.server?.description,
        error: e.error,
        upstream: e.upstream.description,
        stats: { ...e.resolver.stats },
        cacheEntries: e.resolver.cacheSize,
        names: names().book.byName.size,
      })),
    stop: async () => {
      await Promise.all(entries.map((e) => e.server?.close() ?? Promise.resolve()));
      for (const e of entries) e.upstream.close();
    },
  };
}

function makeUpstream(setting: 'auto' | Ipv4[], own: readonly Ipv4[], opts: DnsOptions): Upstream {
  if (setting !== 'auto') {
    return serversUpstream({
      servers: () => setting,
      exclude: own,
      description: `configured servers ${setting.map(formatIpv4).join(', ')}`,
    });
  }
  if (opts.platform === 'win32') {
    const adapterServers = (): Ipv4[] =>
      getServers()
        .map((s) => parseIpv4(s))
        .filter((ip): ip is Ipv4 => ip !== undefined);
    return osResolverUpstream(
      async (name, family) => dnsPromises.lookup(name, { family, all: true, verbatim: true }),
      serversUpstream({
        servers: adapterServers,
        exclude: own,
        description: "the adapters' DNS servers (no NRPT)",
      }),
    );
  }
  const path = opts.resolvConfPath ?? '/etc/resolv.conf';
  return serversUpstream({
    servers: watchResolvConf(path, () => opts.clock.now()),
    exclude: own,
    description: `the host resolver (nameservers in ${path})`,
  });
}

/** The WSL range from the config, else from the pinned ranges (auto). */
export function wslSubnetOf(config: Config, pinned: string | undefined): Cidr | undefined {
  if (config.wsl && config.wsl.subnet !== 'auto') return config.wsl.subnet;
  if (pinned === undefined) return undefined;
  const r = parseCidr(pinned);
  return r.ok ? r.cidr : undefined;
}
